"""3D boxes and their projection (pure numpy).

Boxes are the exact bounds of each asset's mesh: size [l, w, h] along the object's
x (forward), y (left), z (up) axes, origin at the bottom centre.
"""

from __future__ import annotations

import math

import numpy as np

from sim.render.camera import CameraModel

# the 12 edges of a box whose corners are numbered by the bits (x, y, z)
_EDGES = np.array(
    [(0, 1), (2, 3), (4, 5), (6, 7), (0, 2), (1, 3), (4, 6), (5, 7), (0, 4), (1, 5), (2, 6), (3, 7)]
)


def box_corners(size: tuple[float, float, float]) -> np.ndarray:
    """(8, 3) corners in the object frame; corner k has x, y, z sign bits (k>>2, k>>1, k)&1."""
    length, w, h = size
    k = np.arange(8)
    return np.stack(
        (
            np.where(k & 4, length / 2, -length / 2),
            np.where(k & 2, w / 2, -w / 2),
            np.where(k & 1, h, 0.0),
        ),
        axis=1,
    )


def transform(T: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 4x4 transform to (N, 3) points."""
    return points @ T[:3, :3].T + T[:3, 3]


def projected_extent(
    corners_cam: np.ndarray, camera: CameraModel
) -> tuple[float, float, float, float] | None:
    """Pixel-edge extent (x0, y0, x1, y1) of a box given by its 8 camera-frame corners, clipped
    at the near plane but not to the image; None if the box is entirely behind the near plane.

    Pixel-edge coordinates: pixel column j spans [j, j + 1), so x = u + 0.5.

    Through a distorting lens straight edges project to curves, so each of the 12 edges
    (its part in front of the near plane) is sampled at ``EDGE_SAMPLES`` + 1 points and the
    extent taken over their projections (the extreme of a projected face lies on its
    projected boundary).
    """
    if not camera.lens.is_pinhole:
        return _distorted_extent(corners_cam, camera)
    znear = camera.znear
    inside = corners_cam[:, 2] >= znear
    if not inside.any():
        return None
    points = [corners_cam[inside]]
    a, b = corners_cam[_EDGES[:, 0]], corners_cam[_EDGES[:, 1]]
    crossing = (a[:, 2] >= znear) != (b[:, 2] >= znear)
    if crossing.any():
        a, b = a[crossing], b[crossing]
        t = (znear - a[:, 2]) / (b[:, 2] - a[:, 2])
        points.append(a + t[:, None] * (b - a))
    uv = camera.project(np.concatenate(points)) + 0.5
    return (
        float(uv[:, 0].min()),
        float(uv[:, 1].min()),
        float(uv[:, 0].max()),
        float(uv[:, 1].max()),
    )


EDGE_SAMPLES = 32
"""Segments per box edge when a lens bends its projection."""


def _distorted_extent(
    corners_cam: np.ndarray, camera: CameraModel
) -> tuple[float, float, float, float] | None:
    znear = camera.znear
    a, b = corners_cam[_EDGES[:, 0]], corners_cam[_EDGES[:, 1]]
    za, zb = a[:, 2], b[:, 2]
    front_a, front_b = za >= znear, zb >= znear
    keep = front_a | front_b
    if not keep.any():
        return None
    a, b, za, zb, front_a, front_b = (
        a[keep],
        b[keep],
        za[keep],
        zb[keep],
        front_a[keep],
        front_b[keep],
    )
    dz = np.where(zb != za, zb - za, 1.0)
    tc = np.clip((znear - za) / dz, 0.0, 1.0)
    t0 = np.where(front_a, 0.0, tc)
    t1 = np.where(front_b, 1.0, tc)
    s = np.linspace(0.0, 1.0, EDGE_SAMPLES + 1)
    t = t0[:, None] + s[None, :] * (t1 - t0)[:, None]
    points = a[:, None, :] + t[..., None] * (b - a)[:, None, :]
    points = points.reshape(-1, 3)
    points[:, 2] = np.maximum(points[:, 2], znear)  # rounding at the clip point
    uv = camera.project(points) + 0.5
    return (
        float(uv[:, 0].min()),
        float(uv[:, 1].min()),
        float(uv[:, 0].max()),
        float(uv[:, 1].max()),
    )


def clip_extent(extent, width: int, height: int) -> tuple[float, float, float, float] | None:
    x0, y0, x1, y1 = extent
    cx0, cy0 = min(max(x0, 0.0), width), min(max(y0, 0.0), height)
    cx1, cy1 = min(max(x1, 0.0), width), min(max(y1, 0.0), height)
    if cx1 <= cx0 or cy1 <= cy0:
        return None
    return cx0, cy0, cx1, cy1


def kitti_rotation_y(R_cam_obj: np.ndarray) -> float:
    """KITTI rotation_y [rad]: heading about the camera's y axis, 0 = facing camera +x."""
    forward = R_cam_obj[:, 0]
    return wrap_angle(math.atan2(-forward[2], forward[0]))


def wrap_angle(a: float) -> float:
    """Wrap to [-pi, pi)."""
    return (a + math.pi) % (2.0 * math.pi) - math.pi


def quaternion_wxyz(R: np.ndarray) -> tuple[float, float, float, float]:
    """Unit quaternion (w, x, y, z) of a rotation matrix, w >= 0."""
    m = R
    tr = m[0, 0] + m[1, 1] + m[2, 2]
    if tr > 0:
        s = math.sqrt(tr + 1.0) * 2
        q = (0.25 * s, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s)
    elif m[0, 0] > m[1, 1] and m[0, 0] > m[2, 2]:
        s = math.sqrt(1.0 + m[0, 0] - m[1, 1] - m[2, 2]) * 2
        q = ((m[2, 1] - m[1, 2]) / s, 0.25 * s, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s)
    elif m[1, 1] > m[2, 2]:
        s = math.sqrt(1.0 + m[1, 1] - m[0, 0] - m[2, 2]) * 2
        q = ((m[0, 2] - m[2, 0]) / s, (m[0, 1] + m[1, 0]) / s, 0.25 * s, (m[1, 2] + m[2, 1]) / s)
    else:
        s = math.sqrt(1.0 + m[2, 2] - m[0, 0] - m[1, 1]) * 2
        q = ((m[1, 0] - m[0, 1]) / s, (m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, 0.25 * s)
    unit = np.asarray(q)
    unit = unit / np.linalg.norm(unit)
    if unit[0] < 0:
        unit = -unit
    qw, qx, qy, qz = (float(x) for x in unit)
    return qw, qx, qy, qz
