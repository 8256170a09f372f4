"""Writers of one episode's labelled frames, one class per output format.

``WRITERS`` maps the format names of ``outputs.formats`` (the scenario schema's ``Format``)
to their :class:`Writer` classes; adding a format is one class and one entry here. The
native writer always runs, and first: the others link its RGB images.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sim.dataset.writers.base import FrameData, Writer
from sim.dataset.writers.cityscapes import CityscapesWriter
from sim.dataset.writers.coco import CocoWriter
from sim.dataset.writers.kitti import KittiTrackingWriter, KittiWriter
from sim.dataset.writers.native import NativeWriter
from sim.dataset.writers.nuscenes import NuScenesWriter
from sim.dataset.writers.yolo import YoloWriter

WRITERS: dict[str, type[Writer]] = {
    "native": NativeWriter,
    "coco": CocoWriter,
    "kitti": KittiWriter,
    "kitti_tracking": KittiTrackingWriter,
    "yolo": YoloWriter,
    "cityscapes": CityscapesWriter,
    "nuscenes": NuScenesWriter,
}
NATIVE = "native"

__all__ = ["NATIVE", "WRITERS", "FrameData", "Writer", "episode_writers"]


def episode_writers(formats: Iterable[str], root: Path) -> list[Writer]:
    """The writers of ``formats`` for the episode folder ``root``: native first (always),
    then the others in table order. A name not in the table raises ValueError."""
    wanted = set(formats)
    unknown = sorted(wanted - WRITERS.keys())
    if unknown:
        raise ValueError(f"no writer for output format(s) {', '.join(unknown)}")
    names = [NATIVE, *(name for name in WRITERS if name != NATIVE and name in wanted)]
    return [WRITERS[name](root) for name in names]
