"""Per-frame object labels from the label buffers.

- ``box2d``: tight box of the object's visible instance pixels, pixel-edge coordinates
  [x0, y0, x1, y1] (x1 = last column + 1), so width = x1 - x0 = COCO's w.
- ``box2d_amodal``: the projected 3D box (near-plane clipped), clipped to the image.
- ``visible_fraction``: visible pixels / pixels the object covers in the image with nothing
  in front (both counted by the rasterizer in one pass).
- ``truncation``: share of the projected 3D box's extent that lies outside the image.
- ``occlusion``: KITTI level from visible_fraction (see OCCLUSION_LEVELS).
An object gets a label only if it has at least ``min_pixels`` visible pixels.

With lens distortion (sim/render/lens.py) the buffers are the warped ones: ``box2d`` is the
tight box of the distorted instance mask, ``box2d_amodal`` the 3D box's edges projected
through the distortion, and ``visible_fraction`` is measured on the pinhole source canvas
the frame was rendered on (the warp scales the amodal counts accordingly).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.labels.geometry import (
    box_corners,
    clip_extent,
    kitti_rotation_y,
    projected_extent,
    quaternion_wxyz,
    transform,
)
from sim.labels.kernels import _instance_stats
from sim.render.camera import CameraModel
from sim.render.raster import LabelBuffers

FULLY_VISIBLE = 0.95
"""visible_fraction at or above which an object counts as fully visible (KITTI occluded 0)."""
LARGELY_OCCLUDED = 0.5
"""visible_fraction below which an object counts as largely occluded (KITTI occluded 2)."""


def occlusion_level(visible_fraction: float) -> int:
    """KITTI ``occluded``: 0 fully visible, 1 partly occluded, 2 largely occluded."""
    if visible_fraction >= FULLY_VISIBLE:
        return 0
    if visible_fraction >= LARGELY_OCCLUDED:
        return 1
    return 2


@dataclass(frozen=True)
class SceneObject:
    """What the labeller needs to know of one object in the scene."""

    id: int
    cls: str
    size: tuple[float, float, float]  # l, w, h [m]
    T_world_obj: np.ndarray  # 4x4 pose of the bottom centre


@dataclass(frozen=True)
class ObjectLabel:
    id: int
    cls: str
    box2d: tuple[int, int, int, int]
    box2d_amodal: tuple[float, float, float, float]
    center_cam: tuple[float, float, float]  # box centre in the camera frame [m]
    size: tuple[float, float, float]
    rotation_y: float
    quaternion_cam: tuple[float, float, float, float]
    visible_fraction: float
    truncation: float
    occlusion: int
    pixels: int
    amodal_pixels: int
    velocity_cam: tuple[float, float, float] | None = None  # over the ground, camera axes [m/s]
    velocity_ego: tuple[float, float, float] | None = None  # the same, ego axes [m/s]

    def to_json(self) -> dict:
        r = lambda x: round(float(x), 6)  # noqa: E731
        out = {
            "id": self.id,
            "cls": self.cls,
            "box2d": list(self.box2d),
            "box2d_amodal": [r(v) for v in self.box2d_amodal],
            "box3d": {
                "center": [r(v) for v in self.center_cam],
                "size": [r(v) for v in self.size],
                "yaw": r(self.rotation_y),
                "quaternion": [r(v) for v in self.quaternion_cam],
            },
            "visible_fraction": r(self.visible_fraction),
            "truncation": r(self.truncation),
            "occlusion": self.occlusion,
            "pixels": self.pixels,
            "amodal_pixels": self.amodal_pixels,
        }
        if self.velocity_cam is not None and self.velocity_ego is not None:
            out["velocity"] = {  # + 0.0: no "-0.0" in the files
                "cam": [r(v) + 0.0 for v in self.velocity_cam],
                "ego": [r(v) + 0.0 for v in self.velocity_ego],
            }
        return out


def label_frame(
    buffers: LabelBuffers,
    objects: list[SceneObject],
    camera: CameraModel,
    T_cam_world: np.ndarray,
    min_pixels: int = 1,
    velocities: Mapping[int, np.ndarray] | None = None,
) -> list[ObjectLabel]:
    """Labels of every object with at least ``min_pixels`` visible pixels, sorted by id.

    ``velocities``: {id: (3,) world-frame velocity [m/s]} (the trajectory's, at the frame's
    time); given, each label carries it in camera and ego axes (``velocity_cam/_ego``)."""
    if min_pixels < 1:
        raise ValueError("min_pixels must be >= 1")
    max_id = max((o.id for o in objects), default=0)
    count, xmin, ymin, xmax, ymax = _instance_stats(buffers.instance, max_id)
    amodal = np.zeros(max_id + 1, dtype=np.int64)
    n = min(len(buffers.amodal_pixels), max_id + 1)
    amodal[:n] = buffers.amodal_pixels[:n]
    labels = []
    for obj in sorted(objects, key=lambda o: o.id):
        pixels = int(count[obj.id])
        if pixels < min_pixels:
            continue
        T_cam_obj = T_cam_world @ obj.T_world_obj
        corners = transform(T_cam_obj, box_corners(obj.size))
        extent = projected_extent(corners, camera)
        amodal_box = clip_extent(extent, camera.width, camera.height) if extent else None
        if extent is None or amodal_box is None:  # cannot happen: a visible object is in its box
            raise RuntimeError(f"object {obj.id} has visible pixels but no projected box")
        full = (extent[2] - extent[0]) * (extent[3] - extent[1])
        inside = (amodal_box[2] - amodal_box[0]) * (amodal_box[3] - amodal_box[1])
        truncation = max(0.0, 1.0 - inside / full) if full > 0 else 1.0
        unoccluded = max(int(amodal[obj.id]), pixels)
        visible_fraction = pixels / unoccluded
        center = T_cam_obj[:3, 3] + T_cam_obj[:3, 2] * (obj.size[2] / 2.0)
        cx, cy, cz = (float(v) for v in center)
        length, width, height = (float(v) for v in obj.size)
        v_cam = v_ego = None
        if velocities is not None:
            v = T_cam_world[:3, :3] @ np.asarray(velocities[obj.id], dtype=np.float64)
            v_cam = (float(v[0]), float(v[1]), float(v[2]))
            e = camera.T_ego_cam[:3, :3] @ v
            v_ego = (float(e[0]), float(e[1]), float(e[2]))
        labels.append(
            ObjectLabel(
                id=obj.id,
                cls=obj.cls,
                box2d=(
                    int(xmin[obj.id]),
                    int(ymin[obj.id]),
                    int(xmax[obj.id]) + 1,
                    int(ymax[obj.id]) + 1,
                ),
                box2d_amodal=amodal_box,
                center_cam=(cx, cy, cz),
                size=(length, width, height),
                rotation_y=kitti_rotation_y(T_cam_obj[:3, :3]),
                quaternion_cam=quaternion_wxyz(T_cam_obj[:3, :3]),
                visible_fraction=visible_fraction,
                truncation=truncation,
                occlusion=occlusion_level(visible_fraction),
                pixels=pixels,
                amodal_pixels=unoccluded,
                velocity_cam=v_cam,
                velocity_ego=v_ego,
            )
        )
    return labels
