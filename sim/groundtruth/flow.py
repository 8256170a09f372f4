"""Exact forward optical flow of one camera frame, and the KITTI flow PNG encoding.

Every pixel of the label buffers (sim/render/raster.py) knows its surface point: the depth
along the optical axis at the pixel centre and the id of the object it belongs to (0: the
static world). Each object moves rigidly between two frames (agents from their poses at
t and t + dt; the static world does not move, only the camera with the ego), so the pixel's
point at the next frame is

    P1 = T_cam1_world @ T_world_obj(t1) @ inv(T_world_obj(t0)) @ T_world_cam0 @ P0

and the flow is the projection of P1 (through the camera's lens) minus the pixel centre.
A pixel is invalid where there is no surface (sky), where its object is gone at the next
frame, where P1 lies behind the camera's near plane or projects outside the image
(pixel-centre convention: u in [-0.5, W - 0.5)). Pixels hidden at the next frame keep
their flow (as KITTI's ``flow_occ``).

KITTI flow PNG (devkit ``io_flow.h``): 16-bit, three channels, R = u * 64 + 2^15,
G = v * 64 + 2^15, B = valid (0/1); written here rounded to nearest (the devkit truncates),
so a decoded value is within 1/128 px of the float. A flow beyond what 16 bits hold
(|u| or |v| > 511.98 px) is written invalid.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numba
import numpy as np

from sim.render.camera import CameraModel, invert_rigid

KITTI_SCALE = 64.0
"""KITTI flow PNG: 1/64 px per count."""
KITTI_OFFSET = 2**15
"""KITTI flow PNG: the count of zero flow."""
KITTI_MAX = (65535 - KITTI_OFFSET) / KITTI_SCALE
"""[px] largest flow magnitude per axis a KITTI flow PNG holds (511.98 px)."""


@dataclass(frozen=True)
class FlowField:
    """Forward flow of one frame.

    flow : (H, W, 2) float32 [px] (u, v) displacement of each pixel centre to the next frame
    valid : (H, W) bool
    """

    flow: np.ndarray
    valid: np.ndarray


def camera_rays(camera: CameraModel) -> tuple[np.ndarray, np.ndarray]:
    """(H, W) float64 x/z and y/z of every pixel centre's ray (undistorted through the lens;
    NaN where the lens has no inverse). A surface point is (x/z, y/z, 1) * depth."""
    u = np.arange(camera.width, dtype=np.float64)
    v = np.arange(camera.height, dtype=np.float64)
    uu, vv = np.meshgrid(u, v)
    xd = (uu - camera.cx) / camera.fx
    yd = (vv - camera.cy) / camera.fy
    if camera.lens.is_pinhole:
        return np.ascontiguousarray(xd), np.ascontiguousarray(yd)
    x, y = camera.lens.undistort(xd.ravel(), yd.ravel())
    shape = (camera.height, camera.width)
    return np.ascontiguousarray(x.reshape(shape)), np.ascontiguousarray(y.reshape(shape))


def motion_transforms(
    T_world_cam0: np.ndarray,
    T_world_cam1: np.ndarray,
    poses0: dict[int, np.ndarray],
    poses1: dict[int, np.ndarray],
) -> dict[int, np.ndarray]:
    """{id: 4x4 camera-0 -> camera-1 transform of that id's points}; id 0 is the static
    world. Objects in ``poses0`` but not ``poses1`` (gone at the next frame) are left out."""
    T_cam1_world = invert_rigid(T_world_cam1)
    out = {0: T_cam1_world @ T_world_cam0}
    for obj_id, T0 in poses0.items():
        T1 = poses1.get(obj_id)
        if T1 is not None:
            out[int(obj_id)] = T_cam1_world @ T1 @ invert_rigid(T0) @ T_world_cam0
    return out


@numba.njit(cache=True, nogil=True)
def _rigid_flow(
    ray_x, ray_y, depth, instance, slot_of_id, motion, intrinsics, pinhole, points, flow, valid
):
    """Per pixel: the surface point moved by its object's motion (``motion[slot_of_id[id]]``,
    3x4 rows of camera-0 -> camera-1), into ``points`` (H, W, 3); ``intrinsics`` = (fx, fy,
    cx, cy, znear); with ``pinhole`` also its
    projection minus the pixel centre into ``flow`` (H, W, 2) and the full validity into
    ``valid``; without, ``valid`` only says the point exists and is in front (the caller
    projects through the lens)."""
    H, W = depth.shape
    n_ids = slot_of_id.shape[0]
    fx, fy, cx, cy, znear = (
        intrinsics[0],
        intrinsics[1],
        intrinsics[2],
        intrinsics[3],
        intrinsics[4],
    )
    for i in range(H):
        for j in range(W):
            valid[i, j] = False
            flow[i, j, 0] = 0.0
            flow[i, j, 1] = 0.0
            z = np.float64(depth[i, j])
            rx = ray_x[i, j]
            ry = ray_y[i, j]
            inst = np.int64(instance[i, j])
            if z <= 0.0 or rx != rx or ry != ry or inst >= n_ids:
                continue
            k = slot_of_id[inst]
            if k < 0:
                continue
            x = rx * z
            y = ry * z
            m = motion[k]
            px = m[0, 0] * x + m[0, 1] * y + m[0, 2] * z + m[0, 3]
            py = m[1, 0] * x + m[1, 1] * y + m[1, 2] * z + m[1, 3]
            pz = m[2, 0] * x + m[2, 1] * y + m[2, 2] * z + m[2, 3]
            points[i, j, 0] = px
            points[i, j, 1] = py
            points[i, j, 2] = pz
            if pz <= znear:
                continue
            if not pinhole:
                valid[i, j] = True
                continue
            u1 = fx * px / pz + cx
            v1 = fy * py / pz + cy
            if u1 < -0.5 or u1 >= W - 0.5 or v1 < -0.5 or v1 >= H - 0.5:
                continue
            flow[i, j, 0] = u1 - j
            flow[i, j, 1] = v1 - i
            valid[i, j] = True


def rigid_flow(
    camera: CameraModel,
    depth: np.ndarray,
    instance: np.ndarray,
    motions: dict[int, np.ndarray],
    rays: tuple[np.ndarray, np.ndarray] | None = None,
) -> FlowField:
    """Forward flow of one frame from its label buffers.

    depth : (H, W) float32 [m] along the optical axis, 0 = nothing; instance : (H, W) uint16
    motions : {id: 4x4} camera-0 -> camera-1 transform of each id's points
    (:func:`motion_transforms`); ids without one (and pixels of sky) are invalid.
    rays : :func:`camera_rays` of ``camera`` (computed if not given; cache it per camera).
    """
    H, W = camera.height, camera.width
    if depth.shape != (H, W) or instance.shape != (H, W):
        raise ValueError(f"buffers must be {(H, W)}, got {depth.shape} and {instance.shape}")
    if 0 not in motions:
        raise ValueError("motions needs id 0 (the static world)")
    if rays is None:
        rays = camera_rays(camera)
    ids = sorted(motions)
    slot_of_id = np.full(max(ids) + 1, -1, dtype=np.int64)
    motion = np.zeros((len(ids), 3, 4), dtype=np.float64)
    for k, obj_id in enumerate(ids):
        slot_of_id[obj_id] = k
        motion[k] = np.asarray(motions[obj_id], dtype=np.float64)[:3]
    points = np.zeros((H, W, 3), dtype=np.float64)
    flow = np.zeros((H, W, 2), dtype=np.float64)
    valid = np.zeros((H, W), dtype=np.bool_)
    pinhole = camera.lens.is_pinhole
    _rigid_flow(
        rays[0],
        rays[1],
        np.ascontiguousarray(depth),
        np.ascontiguousarray(instance),
        slot_of_id,
        motion,
        np.array([camera.fx, camera.fy, camera.cx, camera.cy, camera.znear], dtype=np.float64),
        pinhole,
        points,
        flow,
        valid,
    )
    if not pinhole:  # through the lens: project the moved points in numpy
        idx = np.flatnonzero(valid)
        uv = camera.project(points.reshape(-1, 3)[idx])
        inside = (
            np.isfinite(uv).all(axis=1)
            & (uv[:, 0] >= -0.5)
            & (uv[:, 0] < W - 0.5)
            & (uv[:, 1] >= -0.5)
            & (uv[:, 1] < H - 0.5)
        )
        rows, cols = np.divmod(idx, W)
        f = flow.reshape(-1, 2)
        f[idx[inside], 0] = uv[inside, 0] - cols[inside]
        f[idx[inside], 1] = uv[inside, 1] - rows[inside]
        valid.reshape(-1)[idx[~inside]] = False
    return FlowField(flow.astype(np.float32), valid)


def encode_kitti_flow(field: FlowField) -> np.ndarray:
    """(H, W, 3) uint16 in R, G, B order: R = u * 64 + 2^15, G = v * 64 + 2^15 (rounded),
    B = valid; an invalid pixel (or one whose flow 16 bits cannot hold) has R = G = 2^15,
    B = 0."""
    flow = np.asarray(field.flow, dtype=np.float32)
    valid = field.valid & (np.abs(flow) <= KITTI_MAX).all(axis=2)
    out = np.empty(flow.shape[:2] + (3,), dtype=np.uint16)
    counts = np.rint(flow * np.float32(KITTI_SCALE))
    counts += np.float32(KITTI_OFFSET)
    counts[~valid] = KITTI_OFFSET
    out[..., :2] = counts  # within [0, 65535] wherever valid
    out[..., 2] = valid
    return out


def decode_kitti_flow(image: np.ndarray) -> FlowField:
    """A KITTI flow image, (H, W, 3) uint16 in R, G, B order -> :class:`FlowField`
    (the devkit's reading: u = (R - 2^15) / 64, v = (G - 2^15) / 64, valid = B > 0)."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint16:
        raise ValueError(f"a KITTI flow image is (H, W, 3) uint16, got {image.shape} {image.dtype}")
    flow = (image[..., :2].astype(np.float32) - KITTI_OFFSET) / KITTI_SCALE
    return FlowField(flow, image[..., 2] > 0)


def kitti_flow_png(field: FlowField) -> bytes:
    """PNG bytes of :func:`encode_kitti_flow` (16-bit RGB; OpenCV writes BGR, hence the flip)."""
    image = encode_kitti_flow(field)[..., ::-1]
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(image), [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise OSError("PNG encoding failed")
    return buf.tobytes()


def read_kitti_flow(path) -> FlowField:
    """Read a KITTI flow PNG (ours or the benchmark's)."""
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None or image.ndim != 3 or image.dtype != np.uint16:
        raise OSError(f"not a 16-bit colour PNG: {path}")
    return decode_kitti_flow(np.ascontiguousarray(image[..., ::-1]))
