"""KITTI object format: ``kitti/<camera>/{image_2,label_2,calib}/NNNNNN.*``.

Label lines have the 15 standard fields. The camera frame is the rectified frame
(R0_rect = I), P0..P3 all equal K [I | 0] (one camera, no stereo baseline), and
Tr_velo_to_cam is the ego -> camera transform (the ego frame stands in for the LiDAR's).
2D boxes use pixel-edge coordinates (left = first column, right = last column + 1), as
the native labels do; projecting with P2 gives pixel-centre coordinates (add 0.5).
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

import numpy as np

from sim.classes import BY_NAME
from sim.dataset.io import write_bytes_atomic
from sim.dataset.writers import FrameData
from sim.labels.geometry import wrap_angle
from sim.render.camera import CameraModel, invert_rigid


def label_lines(frame: FrameData) -> list[str]:
    lines = []
    for label in frame.labels:
        l, w, h = label.size
        # bottom centre = box centre moved down its own up axis by h/2 (camera +y for
        # an upright camera, as KITTI assumes)
        x, y, z = np.asarray(label.center_cam) - _up_axis(label.quaternion_cam) * (h / 2.0)
        alpha = wrap_angle(label.rotation_y - math.atan2(x, z))
        x0, y0, x1, y1 = label.box2d
        kitti_type = BY_NAME[label.cls].kitti or "Misc"
        lines.append(
            f"{kitti_type} {label.truncation:.2f} {label.occlusion:d} {alpha:.2f} "
            f"{x0:.2f} {y0:.2f} {x1:.2f} {y1:.2f} {h:.2f} {w:.2f} {l:.2f} "
            f"{x:.2f} {y:.2f} {z:.2f} {label.rotation_y:.2f}"
        )
    return lines


def _up_axis(q) -> np.ndarray:
    """The object's +z axis in the camera frame, from its quaternion (w, x, y, z)."""
    w, x, y, z = q
    return np.array([2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)])


def calib_text(camera: CameraModel) -> str:
    P = np.zeros((3, 4))
    P[:, :3] = camera.K
    Tr = invert_rigid(camera.T_ego_cam)[:3, :]
    fmt = lambda m: " ".join(f"{v:.12e}" for v in np.asarray(m).ravel())  # noqa: E731
    rows = [f"P{k}: {fmt(P)}" for k in range(4)]
    rows.append(f"R0_rect: {fmt(np.eye(3))}")
    rows.append(f"Tr_velo_to_cam: {fmt(Tr)}")
    rows.append(f"Tr_imu_to_velo: {fmt(np.eye(4)[:3])}")
    return "\n".join(rows) + "\n"


class KittiWriter:
    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, frame: FrameData) -> None:
        base = self.root / "kitti" / frame.camera.name
        write_bytes_atomic(base / "label_2" / f"{frame.stem}.txt", "".join(f"{ln}\n" for ln in label_lines(frame)).encode())
        write_bytes_atomic(base / "calib" / f"{frame.stem}.txt", calib_text(frame.camera).encode())
        src = self.root / frame.rgb_path
        dst = base / "image_2" / f"{frame.stem}.png"
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, dst)  # same bytes, no extra space
        except OSError:
            shutil.copyfile(src, dst)
