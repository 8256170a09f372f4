"""Writers of one episode's labelled frames: native (always), COCO, KITTI.

Each writer gets every finished frame (``FrameData``) from a worker thread and writes its
files; ``finish()`` writes what spans the episode (e.g. the COCO file).
"""

from __future__ import annotations

from dataclasses import dataclass

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
