"""What every writer gets (``FrameData``) and what it must do (``Writer``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from sim.labels import ObjectLabel
from sim.render.camera import CameraModel
from sim.render.raster import LabelBuffers


@dataclass(frozen=True)
class FrameData:
    camera: CameraModel
    index: int  # frame number of this camera, from 0
    step: int  # physics step
    t: float  # [s]
    rgb: np.ndarray  # (H, W, 3) uint8
    buffers: LabelBuffers
    labels: list[ObjectLabel]
    T_world_ego: np.ndarray

    @property
    def stem(self) -> str:
        return f"{self.index:06d}"

    @property
    def rgb_path(self) -> str:
        """Path of the colour image relative to the episode folder."""
        return f"frames/{self.camera.name}/rgb/{self.stem}.png"


class Writer(Protocol):
    """One output format of an episode, made with ``Writer(root)`` (the episode folder).

    For every written frame, ``write(frame)`` runs in a writer thread (frames of different
    cameras and steps at once, in any order) and writes the frame's own files; what it
    returns comes back, in frame order on the episode's thread, to ``add(frame, part)``,
    where an episode-wide writer collects its part. After the last frame ``finish(cameras)``
    writes what spans the episode. Subclassing ``Writer`` gives do-nothing ``add`` and
    ``finish``; ``write`` each writer has to make.
    """

    root: Path

    def __init__(self, root: Path) -> None: ...

    def write(self, frame: FrameData) -> Any:
        """The frame's own files (when the others run, the native writer's are written)."""
        ...

    def add(self, frame: FrameData, part: Any) -> None:
        """In frame order: ``part`` is what ``write(frame)`` returned."""
        return None  # by default nothing spans the episode

    def finish(self, cameras: Sequence[CameraModel]) -> None:
        """After the last frame; ``cameras`` are all the episode's, written frames or not."""
        return None
