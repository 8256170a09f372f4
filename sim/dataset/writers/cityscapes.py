"""Cityscapes format: each frame's semantic buffer as Cityscapes ``labelIds`` and
``trainIds``, and its instances as ``instanceIds`` (:mod:`sim.cityscapes`)::

    cityscapes/<cam>/sim_000000_NNNNNN_leftImg8bit.png         link to the RGB frame
    cityscapes/<cam>/sim_000000_NNNNNN_gtFine_labelIds.png     uint8 labelId
    cityscapes/<cam>/sim_000000_NNNNNN_gtFine_trainIds.png     uint8 trainId (255: ignore)
    cityscapes/<cam>/sim_000000_NNNNNN_gtFine_instanceIds.png  uint16

Names parse as Cityscapes' ``city_sequence_frame_suffix`` with city ``sim`` and sequence 0
(the same in every episode: an episode's bytes never depend on where it is written).
"""

from __future__ import annotations

from pathlib import Path

from sim.cityscapes import LABEL_ID_LUT, TRAIN_ID_LUT, instance_ids
from sim.dataset.io import link_or_copy, write_png
from sim.dataset.writers.base import FrameData, Writer

CITY = "sim"
"""The city part of the file names."""


class CityscapesWriter(Writer):
    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, frame: FrameData) -> None:
        """The three label images and the RGB link of one frame."""
        base = self.root / "cityscapes" / frame.camera.name
        stem = f"{CITY}_000000_{frame.stem}"
        semantic = frame.buffers.semantic
        link_or_copy(self.root / frame.rgb_path, base / f"{stem}_leftImg8bit.png")
        write_png(base / f"{stem}_gtFine_labelIds.png", LABEL_ID_LUT[semantic])
        write_png(base / f"{stem}_gtFine_trainIds.png", TRAIN_ID_LUT[semantic])
        write_png(
            base / f"{stem}_gtFine_instanceIds.png",
            instance_ids(semantic, frame.buffers.instance),
        )
