"""Bird's-eye-view ground truth of one frame: an ego-centred grid of semantic classes and
instance ids from the scene geometry, and a voxel occupancy grid from the camera's rays.

Grid (:class:`BevGrid`): ego frame (x forward, y left, z up, origin at the bottom centre
of the ego's box), ``extent_x`` by ``extent_y`` metres centred on the ego at
``resolution`` metres per cell. Cell ``[r, c]`` has its centre at
``x = extent_x / 2 - (r + 0.5) * resolution``, ``y = extent_y / 2 - (c + 0.5) * resolution``:
row 0 is the far front, column 0 the far left, as an image of the road seen from above
with the ego driving up.

- ``semantic`` (R, C) uint8 class id (sim.classes): what a camera looking straight down at
  the cell centre sees of the static scene, ignoring geometry higher than ``ceiling``
  metres (tree crowns, lamp arms, roofs); road users are drawn over it as their oriented
  3D boxes' footprints. 0 where there is nothing.
- ``instance`` (R, C) uint16: the road user's id where a footprint covers the cell, else 0.
- ``height`` (R, C) float32 [m]: the static surface's height at the cell centre (NaN where
  nothing).

Occupancy (:func:`occupancy`): voxels of ``voxel`` metres over the same x/y extent and
``z_range``, axes (row, column, layer) as the grid, layer 0 the lowest. Every ``stride``-th
pixel's ray (both ways) walks from the camera centre to its surface point (from the depth
buffer): the voxels it crosses are free (1), the one holding the point occupied (2, with the
pixel's class in ``classes``); a sky ray is free to the grid's edge. Voxels no ray reached
stay unobserved (0). Occupied beats free.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from sim.render.camera import CameraModel, invert_rigid

UNOBSERVED, FREE, OCCUPIED = 0, 1, 2


@dataclass(frozen=True)
class BevGrid:
    extent_x: float = 80.0  # [m] along the ego's x (forward), centred on the ego
    extent_y: float = 80.0  # [m] along the ego's y (left)
    resolution: float = 0.2  # [m] per cell
    ceiling: float = 4.0  # [m] static geometry higher than this is left out of the view

    def __post_init__(self) -> None:
        if not (self.extent_x > 0 and self.extent_y > 0 and self.resolution > 0):
            raise ValueError("BEV extent and resolution must be positive")
        if self.shape[0] * self.shape[1] > 25_000_000:
            raise ValueError(f"BEV grid of {self.shape} cells is too large")

    @property
    def shape(self) -> tuple[int, int]:
        return (
            max(1, round(self.extent_x / self.resolution)),
            max(1, round(self.extent_y / self.resolution)),
        )

    @property
    def x_max(self) -> float:
        return self.shape[0] * self.resolution / 2.0

    @property
    def y_max(self) -> float:
        return self.shape[1] * self.resolution / 2.0

    def cell_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """(R,) x and (C,) y [m] of the cell centres, ego frame."""
        rows, cols = self.shape
        res = self.resolution
        return (
            self.x_max - (np.arange(rows) + 0.5) * res,
            self.y_max - (np.arange(cols) + 0.5) * res,
        )

    def to_meta(self) -> dict:
        return {
            "extent_x": self.extent_x,
            "extent_y": self.extent_y,
            "resolution": self.resolution,
            "ceiling": self.ceiling,
            "shape": list(self.shape),
        }


@dataclass(frozen=True)
class BevFrame:
    semantic: np.ndarray  # (R, C) uint8
    instance: np.ndarray  # (R, C) uint16
    height: np.ndarray  # (R, C) float32 [m], NaN: nothing


@numba.njit(cache=True, nogil=True)
def _top_down(verts, faces, face_class, ego, x_max, y_max, res, ceiling, semantic, height):
    """Orthographic view from above of triangles in the world frame: at each cell centre the
    highest surface not above ``ceiling`` wins. ``ego`` = (x, y, cos yaw, sin yaw) of the
    ego's pose; cell (r, c) centre at ego (x_max - (r + .5) res, y_max - (c + .5) res).
    Triangles seen edge-on from above (walls) cover no cell centre."""
    rows, cols = semantic.shape
    ex, ey, c, s = ego[0], ego[1], ego[2], ego[3]
    pr = np.zeros(3)
    pc = np.zeros(3)
    pz = np.zeros(3)
    for f in range(faces.shape[0]):
        for k in range(3):
            v = faces[f, k]
            dx = verts[v, 0] - ex
            dy = verts[v, 1] - ey
            pr[k] = (x_max - (c * dx + s * dy)) / res  # grid coordinates: row, column
            pc[k] = (y_max - (-s * dx + c * dy)) / res
            pz[k] = verts[v, 2]
        if min(pz[0], pz[1], pz[2]) > ceiling:
            continue
        r0 = max(0, int(math.ceil(min(pr[0], pr[1], pr[2]) - 0.5)))
        r1 = min(rows - 1, int(math.floor(max(pr[0], pr[1], pr[2]) - 0.5)))
        c0 = max(0, int(math.ceil(min(pc[0], pc[1], pc[2]) - 0.5)))
        c1 = min(cols - 1, int(math.floor(max(pc[0], pc[1], pc[2]) - 0.5)))
        if r0 > r1 or c0 > c1:
            continue
        area = (pr[1] - pr[0]) * (pc[2] - pc[0]) - (pr[2] - pr[0]) * (pc[1] - pc[0])
        if abs(area) < 1e-12:
            continue
        inv = 1.0 / area
        for r in range(r0, r1 + 1):
            qr = r + 0.5
            for cc in range(c0, c1 + 1):
                qc = cc + 0.5
                w0 = ((pr[1] - qr) * (pc[2] - qc) - (pr[2] - qr) * (pc[1] - qc)) * inv
                w1 = ((pr[2] - qr) * (pc[0] - qc) - (pr[0] - qr) * (pc[2] - qc)) * inv
                w2 = 1.0 - w0 - w1
                if w0 < 0.0 or w1 < 0.0 or w2 < 0.0:
                    continue
                z = w0 * pz[0] + w1 * pz[1] + w2 * pz[2]
                if z > ceiling or z <= height[r, cc]:
                    continue
                height[r, cc] = z
                semantic[r, cc] = face_class[f]


@numba.njit(cache=True, nogil=True)
def _stamp_boxes(boxes, ids, classes, x_max, y_max, res, semantic, instance):
    """Oriented footprints, ego frame: ``boxes`` (N, 6) rows (x, y, cos yaw, sin yaw,
    half length, half width); a cell whose centre lies inside (edges included) takes the
    box's class and id; later boxes over earlier ones."""
    rows, cols = semantic.shape
    for b in range(boxes.shape[0]):
        x, y, c, s, hl, hw = (
            boxes[b, 0],
            boxes[b, 1],
            boxes[b, 2],
            boxes[b, 3],
            boxes[b, 4],
            boxes[b, 5],
        )
        ext_x = abs(c) * hl + abs(s) * hw
        ext_y = abs(s) * hl + abs(c) * hw
        r0 = max(0, int(math.ceil((x_max - (x + ext_x)) / res - 0.5)))
        r1 = min(rows - 1, int(math.floor((x_max - (x - ext_x)) / res - 0.5)))
        c0 = max(0, int(math.ceil((y_max - (y + ext_y)) / res - 0.5)))
        c1 = min(cols - 1, int(math.floor((y_max - (y - ext_y)) / res - 0.5)))
        for r in range(r0, r1 + 1):
            dx = x_max - (r + 0.5) * res - x
            for cc in range(c0, c1 + 1):
                dy = y_max - (cc + 0.5) * res - y
                if abs(c * dx + s * dy) <= hl and abs(-s * dx + c * dy) <= hw:
                    semantic[r, cc] = classes[b]
                    instance[r, cc] = ids[b]


def footprints(T_world_ego: np.ndarray, objects) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N, 6) boxes, (N,) ids, (N,) class ids in the ego frame of ``objects`` (each with
    ``id``, ``cls``, ``size`` (l, w, h) and ``T_world_obj``, e.g. sim.labels.SceneObject)."""
    from sim.classes import BY_NAME

    T_ego_world = invert_rigid(T_world_ego)
    boxes = np.zeros((len(objects), 6))
    ids = np.zeros(len(objects), dtype=np.int64)
    classes = np.zeros(len(objects), dtype=np.uint8)
    for k, o in enumerate(objects):
        T = T_ego_world @ o.T_world_obj
        yaw = math.atan2(T[1, 0], T[0, 0])
        boxes[k] = (T[0, 3], T[1, 3], math.cos(yaw), math.sin(yaw), o.size[0] / 2, o.size[1] / 2)
        ids[k] = o.id
        classes[k] = BY_NAME[o.cls].id
    return boxes, ids, classes


def ego_pose_2d(T_world_ego: np.ndarray) -> np.ndarray:
    """(4,) x, y, cos yaw, sin yaw of the ego (the grid turns with its heading only)."""
    yaw = math.atan2(T_world_ego[1, 0], T_world_ego[0, 0])
    return np.array([T_world_ego[0, 3], T_world_ego[1, 3], math.cos(yaw), math.sin(yaw)])


def bev_frame(grid: BevGrid, static, T_world_ego: np.ndarray, objects) -> BevFrame:
    """The grid of one frame: ``static`` (a MeshArrays in the world frame: vertices, faces,
    face_semantic) seen from above, the ``objects``' footprints drawn over it."""
    rows, cols = grid.shape
    semantic = np.zeros((rows, cols), dtype=np.uint8)
    instance = np.zeros((rows, cols), dtype=np.uint16)
    height = np.full((rows, cols), -np.inf)
    _top_down(
        np.ascontiguousarray(static.vertices, dtype=np.float64),
        np.ascontiguousarray(static.faces, dtype=np.int32),
        np.ascontiguousarray(static.face_semantic, dtype=np.uint8),
        ego_pose_2d(T_world_ego),
        grid.x_max,
        grid.y_max,
        grid.resolution,
        grid.ceiling,
        semantic,
        height,
    )
    boxes, ids, classes = footprints(T_world_ego, objects)
    _stamp_boxes(boxes, ids, classes, grid.x_max, grid.y_max, grid.resolution, semantic, instance)
    height[~np.isfinite(height)] = np.nan
    return BevFrame(semantic, instance, height.astype(np.float32))


@dataclass(frozen=True)
class VoxelGrid:
    extent_x: float = 80.0
    extent_y: float = 80.0
    voxel: float = 0.4  # [m] cube side
    z_min: float = -1.0  # [m] ego frame: the ground (z = 0) mid-layer at the default voxel
    z_max: float = 4.2
    stride: int = 4  # every stride-th pixel's ray, both ways

    def __post_init__(self) -> None:
        if not (self.voxel > 0 and self.extent_x > 0 and self.extent_y > 0):
            raise ValueError("occupancy extent and voxel size must be positive")
        if not self.z_max > self.z_min or self.stride < 1:
            raise ValueError("occupancy needs z_max > z_min and stride >= 1")
        nx, ny, nz = self.shape
        if nx * ny * nz > 50_000_000:
            raise ValueError(f"occupancy grid of {self.shape} voxels is too large")

    @property
    def shape(self) -> tuple[int, int, int]:
        v = self.voxel
        return (
            max(1, round(self.extent_x / v)),
            max(1, round(self.extent_y / v)),
            max(1, round((self.z_max - self.z_min) / v)),
        )

    def to_meta(self) -> dict:
        return {
            "extent_x": self.extent_x,
            "extent_y": self.extent_y,
            "voxel": self.voxel,
            "z_min": self.z_min,
            "z_max": self.z_min + self.shape[2] * self.voxel,
            "stride": self.stride,
            "shape": list(self.shape),
        }


@numba.njit(cache=True, nogil=True)
def _walk_rays(ray_x, ray_y, depth, semantic, stride, T, geometry, occ, classes):
    """Voxel traversal (Amanatides & Woo) of every ``stride``-th pixel's ray in grid units:
    a = (x_max - x) / voxel, b = (y_max - y) / voxel, c = (z - z_min) / voxel, ego frame
    from the camera frame by ``T`` (3x4); ``geometry`` = (x_max, y_max, z_min, voxel, reach).
    Crossed voxels become FREE (unless
    OCCUPIED), the end voxel of a surface hit OCCUPIED with that pixel's class. A sky ray
    (depth 0) walks ``reach`` metres."""
    H, W = depth.shape
    na, nb, nc = occ.shape
    R = T[:, :3]
    t = T[:, 3]
    x_max, y_max, z_min, voxel, reach = (
        geometry[0],
        geometry[1],
        geometry[2],
        geometry[3],
        geometry[4],
    )
    oa = (x_max - t[0]) / voxel
    ob = (y_max - t[1]) / voxel
    oc = (t[2] - z_min) / voxel
    for i in range(0, H, stride):
        for j in range(0, W, stride):
            rx = ray_x[i, j]
            ry = ray_y[i, j]
            if rx != rx or ry != ry:
                continue
            z = np.float64(depth[i, j])
            hit = z > 0.0
            if not hit:
                z = reach / math.sqrt(rx * rx + ry * ry + 1.0)
            # end point in the ego frame, then in grid units
            ex = R[0, 0] * rx * z + R[0, 1] * ry * z + R[0, 2] * z + t[0]
            ey = R[1, 0] * rx * z + R[1, 1] * ry * z + R[1, 2] * z + t[1]
            ez = R[2, 0] * rx * z + R[2, 1] * ry * z + R[2, 2] * z + t[2]
            da = (x_max - ex) / voxel - oa
            db = (y_max - ey) / voxel - ob
            dc = (ez - z_min) / voxel - oc
            # clip the segment origin + u * d, u in [0, 1], to the grid box
            u0 = 0.0
            u1 = 1.0
            ok = True
            for axis in range(3):
                if axis == 0:
                    o, d, n = oa, da, na
                elif axis == 1:
                    o, d, n = ob, db, nb
                else:
                    o, d, n = oc, dc, nc
                if abs(d) < 1e-12:
                    if o < 0.0 or o >= n:
                        ok = False
                    continue
                lo = (0.0 - o) / d
                hi = (n - o) / d
                if lo > hi:
                    lo, hi = hi, lo
                u0 = max(u0, lo)
                u1 = min(u1, hi)
            if not ok or u0 > u1:
                continue
            eps = 1e-9
            pa = oa + da * (u0 + eps)
            pb = ob + db * (u0 + eps)
            pc = oc + dc * (u0 + eps)
            ia = min(max(int(math.floor(pa)), 0), na - 1)
            ib = min(max(int(math.floor(pb)), 0), nb - 1)
            ic = min(max(int(math.floor(pc)), 0), nc - 1)
            # the end voxel (where the surface point is), if it lies inside the grid
            qa = oa + da
            qb = ob + db
            qc = oc + dc
            end_inside = hit and 0 <= qa < na and 0 <= qb < nb and 0 <= qc < nc
            ja = int(math.floor(qa)) if end_inside else -1
            jb = int(math.floor(qb)) if end_inside else -1
            jc = int(math.floor(qc)) if end_inside else -1
            sa = 1 if da > 0 else -1
            sb = 1 if db > 0 else -1
            sc = 1 if dc > 0 else -1
            inf = 1e300
            ta = ((ia + (sa > 0)) - oa) / da if abs(da) > 1e-12 else inf
            tb = ((ib + (sb > 0)) - ob) / db if abs(db) > 1e-12 else inf
            tc = ((ic + (sc > 0)) - oc) / dc if abs(dc) > 1e-12 else inf
            dta = abs(1.0 / da) if abs(da) > 1e-12 else inf
            dtb = abs(1.0 / db) if abs(db) > 1e-12 else inf
            dtc = abs(1.0 / dc) if abs(dc) > 1e-12 else inf
            for _ in range(na + nb + nc + 3):
                if ia == ja and ib == jb and ic == jc:
                    break
                if occ[ia, ib, ic] == 0:
                    occ[ia, ib, ic] = 1
                u_next = min(ta, tb, tc)
                if u_next > u1:
                    break
                if ta == u_next:
                    ia += sa
                    ta += dta
                elif tb == u_next:
                    ib += sb
                    tb += dtb
                else:
                    ic += sc
                    tc += dtc
                if ia < 0 or ia >= na or ib < 0 or ib >= nb or ic < 0 or ic >= nc:
                    break
            if end_inside:
                occ[ja, jb, jc] = 2
                classes[ja, jb, jc] = semantic[i, j]


def occupancy(
    grid: VoxelGrid,
    camera: CameraModel,
    depth: np.ndarray,
    semantic: np.ndarray,
    rays: tuple[np.ndarray, np.ndarray],
    reach: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(state (X, Y, Z) uint8: 0 unobserved / 1 free / 2 occupied, classes (X, Y, Z) uint8
    of the occupied voxels) from one camera's depth and semantic buffers, ego frame.
    ``rays``: :func:`sim.groundtruth.flow.camera_rays` of the camera. ``reach`` [m]: how far
    a sky ray counts as free (default: past the grid's far corner)."""
    shape = grid.shape
    state = np.zeros(shape, dtype=np.uint8)
    classes = np.zeros(shape, dtype=np.uint8)
    if reach is None:
        reach = math.hypot(grid.extent_x, grid.extent_y, grid.z_max - grid.z_min)
    T = np.asarray(camera.T_ego_cam, dtype=np.float64)
    _walk_rays(
        rays[0],
        rays[1],
        np.ascontiguousarray(depth),
        np.ascontiguousarray(semantic),
        int(grid.stride),
        np.ascontiguousarray(T[:3]),
        np.array(
            [
                shape[0] * grid.voxel / 2.0,
                shape[1] * grid.voxel / 2.0,
                grid.z_min,
                grid.voxel,
                reach,
            ],
            dtype=np.float64,
        ),
        state,
        classes,
    )
    return state, classes
