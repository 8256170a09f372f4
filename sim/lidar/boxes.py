"""Points inside 3D boxes: ``num_lidar_pts`` as KITTI and nuScenes count it.

An object's box (size l, w, h about its bottom-centre origin) moves during a sweep; each
point is tested against the box where it was when that point was fired (the pose block of
its column), so a moving car's own points all fall in its box. Points of anything else in
the box count too (ground touching its bottom face, a pedestrian leaning on it), as they do
in those datasets; an object's own returns are counted by instance id instead.
"""

from __future__ import annotations

import numpy as np

BOX_TOLERANCE = 1e-3
"""[m] a point this far outside a box still counts as inside (surface points on its faces)."""


def points_in_boxes(
    xyz: np.ndarray,
    point_block: np.ndarray,
    T_ref_obj: np.ndarray,
    sizes: np.ndarray,
    tolerance: float = BOX_TOLERANCE,
) -> np.ndarray:
    """(A,) int64 the number of points inside each box.

    xyz : (N, 3) [m] points in the sweep's reference sensor frame; point_block : (N,) the
    pose block each point was fired in; T_ref_obj : (A, P, 4, 4) each object's pose at each
    block in that frame; sizes : (A, 3) (l, w, h) [m].
    """
    xyz = np.asarray(xyz, dtype=np.float64)
    point_block = np.asarray(point_block, dtype=np.intp)
    T_ref_obj = np.asarray(T_ref_obj, dtype=np.float64)
    sizes = np.asarray(sizes, dtype=np.float64).reshape(-1, 3)
    if xyz.ndim != 2 or xyz.shape[1] != 3 or point_block.shape != (len(xyz),):
        raise ValueError("xyz must be (N, 3) with one block per point")
    if T_ref_obj.ndim != 4 or T_ref_obj.shape[0] != len(sizes) or T_ref_obj.shape[2:] != (4, 4):
        raise ValueError("T_ref_obj must be (A, P, 4, 4) with one size per object")
    counts = np.zeros(len(sizes), dtype=np.int64)
    for k, (length, width, height) in enumerate(sizes):
        # cheap cull: points within the box's reach of where it is during the sweep
        centres = T_ref_obj[k, :, :3, 3]
        reach = 0.5 * float(np.linalg.norm((length, width, 2 * height))) + tolerance
        lo_c, hi_c = centres.min(axis=0) - reach, centres.max(axis=0) + reach
        near = np.flatnonzero(np.all((xyz >= lo_c) & (xyz <= hi_c), axis=1))
        if near.size == 0:
            continue
        T = T_ref_obj[k, point_block[near]]  # (n, 4, 4)
        rel = xyz[near] - T[:, :3, 3]
        local = np.einsum("nji,nj->ni", T[:, :3, :3], rel)  # R^T (p - t)
        half = np.array([length / 2, width / 2])
        inside = (
            np.all(np.abs(local[:, :2]) <= half + tolerance, axis=1)
            & (local[:, 2] >= -tolerance)
            & (local[:, 2] <= height + tolerance)
        )
        counts[k] = int(inside.sum())
    return counts
