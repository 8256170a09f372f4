"""Pinhole camera model (pure numpy) and the one place where frame conventions convert.

Conventions (docs/output-format.md):
- Camera frame is OpenCV: x right, y down, z forward (as KITTI uses).
- Pixel coordinates (u, v): u to the right, v down, **pixel centres at integer values**
  (pixel column j covers u in [j - 0.5, j + 0.5)), as OpenCV's K assumes.
- ``T_ego_cam`` (4x4) maps camera-frame points to the ego frame (it is the camera's pose
  in the ego frame). The ego frame is x forward, y left, z up, origin at the bottom centre
  of the ego's bounding box.
- pyrender/OpenGL cameras look down -z with y up, and put pixel centres at half-integers:
  :func:`gl_pose` and :meth:`CameraModel.gl_intrinsics` convert.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Rotation from a "body" frame (x forward, y left, z up) to the OpenCV camera axes:
# columns are the camera x, y, z axes expressed in the body frame.
R_BODY_CV = np.array([[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, -1.0, 0.0]])

# OpenCV camera axes -> OpenGL camera axes (flip y and z).
CV_TO_GL = np.diag([1.0, -1.0, -1.0, 1.0])


def rotation_zyx(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """R = Rz(yaw) @ Ry(pitch) @ Rx(roll), angles in radians, right-handed, z up.

    With x forward, a positive pitch turns the forward axis downwards; a positive yaw turns
    it to the left.
    """
    cy, sy = math.cos(yaw), math.sin(yaw)
    cp, sp = math.cos(pitch), math.sin(pitch)
    cr, sr = math.cos(roll), math.sin(roll)
    rz = np.array([[cy, -sy, 0.0], [sy, cy, 0.0], [0.0, 0.0, 1.0]])
    ry = np.array([[cp, 0.0, sp], [0.0, 1.0, 0.0], [-sp, 0.0, cp]])
    rx = np.array([[1.0, 0.0, 0.0], [0.0, cr, -sr], [0.0, sr, cr]])
    return rz @ ry @ rx


def mount_transform(
    x: float, y: float, z: float, yaw: float, pitch: float, roll: float
) -> np.ndarray:
    """``T_ego_cam`` (4x4) of a camera mounted at (x, y, z) [m] with yaw/pitch/roll [rad].

    With all angles zero the camera looks along the ego's +x axis, image right = ego -y.
    """
    T = np.eye(4)
    T[:3, :3] = rotation_zyx(yaw, pitch, roll) @ R_BODY_CV
    T[:3, 3] = (x, y, z)
    return T


def pose_matrix(x: float, y: float, z: float, yaw: float) -> np.ndarray:
    """4x4 pose of a body at (x, y, z) [m] with heading ``yaw`` [rad] about +z."""
    c, s = math.cos(yaw), math.sin(yaw)
    T = np.eye(4)
    T[:2, :2] = ((c, -s), (s, c))
    T[:3, 3] = (x, y, z)
    return T


def invert_rigid(T: np.ndarray) -> np.ndarray:
    """Inverse of a rigid 4x4 transform."""
    R = T[:3, :3]
    out = np.eye(4)
    out[:3, :3] = R.T
    out[:3, 3] = -R.T @ T[:3, 3]
    return out


def gl_pose(T_world_cam: np.ndarray) -> np.ndarray:
    """pyrender camera node pose from the OpenCV camera pose in the world."""
    return T_world_cam @ CV_TO_GL


@dataclass(frozen=True)
class CameraModel:
    """One pinhole camera. Intrinsics in pixels (OpenCV convention), extrinsics in metres."""

    name: str
    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float
    T_ego_cam: np.ndarray
    rate: float = 10.0
    znear: float = 0.3
    zfar: float = 1000.0

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"camera {self.name!r}: resolution must be positive")
        if self.fx <= 0 or self.fy <= 0:
            raise ValueError(f"camera {self.name!r}: focal lengths must be positive")
        if not 0 < self.znear < self.zfar:
            raise ValueError(f"camera {self.name!r}: need 0 < znear < zfar")

    @classmethod
    def from_fov(
        cls,
        name: str,
        width: int,
        height: int,
        hfov: float,
        T_ego_cam: np.ndarray,
        **kwargs,
    ) -> CameraModel:
        """Square pixels, principal point at the image centre, horizontal FOV ``hfov`` [rad]."""
        if not 0.0 < hfov < math.pi:
            raise ValueError(f"camera {name!r}: horizontal field of view must be in (0, pi)")
        # rounded so that e.g. 90 deg at 1280 px gives exactly 640 px, not 640.0000000000001
        f = round((width / 2.0) / math.tan(hfov / 2.0), 9)
        return cls(
            name, width, height, f, f, (width - 1) / 2.0, (height - 1) / 2.0, T_ego_cam, **kwargs
        )

    @property
    def K(self) -> np.ndarray:
        """3x3 intrinsic matrix (OpenCV convention)."""
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

    @property
    def hfov(self) -> float:
        return 2.0 * math.atan((self.width / 2.0) / self.fx)

    def gl_intrinsics(self) -> tuple[float, float, float, float]:
        """(fx, fy, cx, cy) for pyrender's IntrinsicsCamera, whose pixel centres sit at +0.5."""
        return self.fx, self.fy, self.cx + 0.5, self.cy + 0.5

    def project(self, points_cam: np.ndarray) -> np.ndarray:
        """points_cam : (N, 3) float [m], camera frame, z > 0 -> (N, 2) float pixel (u, v)."""
        p = np.asarray(points_cam, dtype=np.float64)
        z = p[:, 2]
        return np.stack((self.fx * p[:, 0] / z + self.cx, self.fy * p[:, 1] / z + self.cy), axis=1)

    def backproject(self, u: np.ndarray, v: np.ndarray, depth: np.ndarray) -> np.ndarray:
        """Pixel (u, v) with depth along the optical axis [m] -> (N, 3) camera-frame points."""
        z = np.asarray(depth, dtype=np.float64)
        return np.stack(((u - self.cx) * z / self.fx, (v - self.cy) * z / self.fy, z), axis=-1)

    def T_world_cam(self, T_world_ego: np.ndarray) -> np.ndarray:
        return T_world_ego @ self.T_ego_cam

    def to_meta(self) -> dict:
        return {
            "name": self.name,
            "width": self.width,
            "height": self.height,
            "K": self.K.round(9).tolist(),
            "T_ego_cam": self.T_ego_cam.round(9).tolist(),
            "rate": self.rate,
            "znear": self.znear,
            "zfar": self.zfar,
        }
