"""KITTI object format: ``kitti/<camera>/{image_2,label_2,calib}/NNNNNN.*``.

Label lines have the 15 standard fields. The camera frame is the rectified frame
(R0_rect = I), P0..P3 all equal K [I | 0] (one camera, no stereo baseline), and
Tr_velo_to_cam is the ego -> camera transform (the ego frame stands in for the LiDAR's).
2D boxes use pixel-edge coordinates (left = first column, right = last column + 1), as
the native labels do; projecting with P2 gives pixel-centre coordinates (add 0.5).

A camera with lens distortion gets one more calib line, after the standard ones, named
after its model and holding OpenCV's coefficient vector (numbers only, so parsers that read
every line as floats still work): ``D_brown_conrady: k1 k2 p1 p2 k3`` (``cv2.projectPoints``)
or ``D_fisheye: k1 k2 k3 k4`` (``cv2.fisheye.projectPoints``). P0..P3 then hold K of the
undistorted (normalised) coordinates: distort x/z, y/z with these coefficients before K.
A pinhole camera's calib files are unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sim.classes import BY_NAME
from sim.dataset.io import link_or_copy, write_bytes_atomic
from sim.dataset.writers.base import FrameData, Writer
from sim.labels.geometry import wrap_angle
from sim.render.camera import CameraModel, invert_rigid


def _fields(label) -> tuple[str, float, float, tuple[float, ...], tuple[float, ...], float]:
    """(type, alpha, truncation, box2d, (h, w, l, x, y, z), rotation_y) of one label."""
    length, w, h = label.size
    # bottom centre = box centre moved down its own up axis by h/2 (camera +y for
    # an upright camera, as KITTI assumes)
    x, y, z = np.asarray(label.center_cam) - _up_axis(label.quaternion_cam) * (h / 2.0)
    alpha = wrap_angle(label.rotation_y - math.atan2(x, z))
    kitti_type = BY_NAME[label.cls].kitti or "Misc"
    box3d = (h, w, length, x, y, z)
    return kitti_type, alpha, label.truncation, label.box2d, box3d, label.rotation_y


def _tail(alpha, box, box3d, rotation_y) -> str:
    x0, y0, x1, y1 = box
    h, w, length, x, y, z = box3d
    return (
        f"{alpha:.2f} {x0:.2f} {y0:.2f} {x1:.2f} {y1:.2f} {h:.2f} {w:.2f} {length:.2f} "
        f"{x:.2f} {y:.2f} {z:.2f} {rotation_y:.2f}"
    )


def label_lines(frame: FrameData) -> list[str]:
    lines = []
    for label in frame.labels:
        kitti_type, alpha, trunc, box, box3d, ry = _fields(label)
        lines.append(f"{kitti_type} {trunc:.2f} {label.occlusion:d} {_tail(alpha, box, box3d, ry)}")
    return lines


def truncation_level(truncation: float) -> int:
    """KITTI tracking's integer truncation: 0 none, 1 partly (< half), 2 largely."""
    if truncation <= 1e-6:
        return 0
    return 1 if truncation < 0.5 else 2


def tracking_lines(frame: FrameData) -> list[str]:
    """KITTI tracking lines (17 fields: frame track_id type truncated occluded alpha ...)."""
    lines = []
    for label in frame.labels:
        kitti_type, alpha, trunc, box, box3d, ry = _fields(label)
        lines.append(
            f"{frame.index} {label.id} {kitti_type} {truncation_level(trunc)} {label.occlusion:d} "
            f"{_tail(alpha, box, box3d, ry)}"
        )
    return lines


def _up_axis(q) -> np.ndarray:
    """The object's +z axis in the camera frame, from its quaternion (w, x, y, z)."""
    w, x, y, z = q
    return np.array([2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)])


def calib_text(camera: CameraModel, T_ego_velo: np.ndarray | None = None) -> str:
    """The calib file; ``Tr_velo_to_cam`` maps the LiDAR's frame (``T_ego_velo``, its pose
    on the ego, when the episode has one; else the ego frame) into the camera's."""
    P = np.zeros((3, 4))
    P[:, :3] = camera.K
    Tr = invert_rigid(camera.T_ego_cam)[:3, :]
    if T_ego_velo is not None:
        Tr = (invert_rigid(camera.T_ego_cam) @ T_ego_velo)[:3, :]
    fmt = lambda m: " ".join(f"{v:.12e}" for v in np.asarray(m).ravel())  # noqa: E731
    rows = [f"P{k}: {fmt(P)}" for k in range(4)]
    rows.append(f"R0_rect: {fmt(np.eye(3))}")
    rows.append(f"Tr_velo_to_cam: {fmt(Tr)}")
    rows.append(f"Tr_imu_to_velo: {fmt(np.eye(4)[:3])}")
    if not camera.lens.is_pinhole:
        rows.append(f"D_{camera.lens.model}: {fmt(camera.lens.opencv)}")
    return "\n".join(rows) + "\n"


class KittiWriter(Writer):
    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, frame: FrameData) -> None:
        base = self.root / "kitti" / frame.camera.name
        write_bytes_atomic(
            base / "label_2" / f"{frame.stem}.txt",
            "".join(f"{ln}\n" for ln in label_lines(frame)).encode(),
        )
        write_bytes_atomic(base / "calib" / f"{frame.stem}.txt", calib_text(frame.camera).encode())
        link_or_copy(self.root / frame.rgb_path, base / "image_2" / f"{frame.stem}.png")


class KittiTrackingWriter(Writer):
    """KITTI tracking format, the episode as sequence 0000 of each camera:
    ``kitti_tracking/<cam>/{image_02/0000/NNNNNN.png, label_02/0000.txt, calib/0000.txt}``.

    ``write`` (any thread) links the image; ``add`` (in frame order) collects the lines;
    ``finish`` writes the sequence files.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lines: dict[str, list[str]] = {}
        self.cameras: dict[str, CameraModel] = {}

    def write(self, frame: FrameData) -> None:
        base = self.root / "kitti_tracking" / frame.camera.name
        link_or_copy(self.root / frame.rgb_path, base / "image_02" / "0000" / f"{frame.stem}.png")

    def add(self, frame: FrameData, part: None) -> None:
        self.cameras.setdefault(frame.camera.name, frame.camera)
        self.lines.setdefault(frame.camera.name, []).extend(tracking_lines(frame))

    def finish(self, cameras: Sequence[CameraModel]) -> None:
        for name, camera in self.cameras.items():
            base = self.root / "kitti_tracking" / name
            write_bytes_atomic(
                base / "label_02" / "0000.txt",
                "".join(f"{ln}\n" for ln in self.lines[name]).encode(),
            )
            write_bytes_atomic(base / "calib" / "0000.txt", calib_text(camera).encode())
