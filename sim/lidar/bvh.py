"""Bounding-volume hierarchies over triangles, as flat arrays, built with Numba.

A :class:`Bvh` is a binary tree of axis-aligned boxes over one mesh's triangles, split by
the surface-area heuristic over ``SAH_BINS`` bins of the triangles' centroids along the
longest axis (binned SAH, Wald 2007). Flat arrays, no objects, so the ray-casting kernels
(:mod:`sim.lidar.kernels`) read it directly:

- ``node_lo``, ``node_hi`` : (N, 3) float64 [m] the box of each node;
- ``node_start``, ``node_count`` : (N,) int32: an inner node has ``count == -1`` and its two
  children at ``start`` and ``start + 1``; a leaf holds triangles ``start .. start+count-1``
  (an empty mesh's tree is one leaf of 0 triangles);
- ``v0``, ``e1``, ``e2`` : (T, 3) float64 [m] each triangle (leaf order) as its first vertex
  and two edges (what Moller-Trumbore needs);
- ``tri_face`` : (T,) int32 the triangle's face index in the mesh it was built from.

Node 0 is the root. Several trees go into one :class:`BvhPool` (indices shifted), so one
kernel call traverses the static scene and every agent's mesh: the static part is built
once per episode; each agent's mesh once per mesh (in its own frame), and a sweep moves the
rays into each agent's frame instead of moving (refitting) its triangles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

LEAF_SIZE = 4
"""A node with at most this many triangles becomes a leaf."""
MAX_LEAF = 16
"""A node with more triangles is always split (even when SAH says a leaf is cheaper)."""
SAH_BINS = 16
"""Centroid bins per split (binned SAH)."""
TRAVERSAL_COST = 1.0
"""Cost of visiting a node relative to one ray/triangle test (SAH)."""


@dataclass(frozen=True)
class Bvh:
    """One tree over one mesh; see the module docstring for the arrays."""

    node_lo: np.ndarray
    node_hi: np.ndarray
    node_start: np.ndarray
    node_count: np.ndarray
    v0: np.ndarray
    e1: np.ndarray
    e2: np.ndarray
    tri_face: np.ndarray

    @property
    def n_nodes(self) -> int:
        return len(self.node_start)

    @property
    def n_triangles(self) -> int:
        return len(self.tri_face)


@numba.njit(cache=True)
def _area(lo0, lo1, lo2, hi0, hi1, hi2):
    dx, dy, dz = hi0 - lo0, hi1 - lo1, hi2 - lo2
    if dx < 0.0:
        return 0.0
    return dx * dy + dy * dz + dz * dx


@numba.njit(cache=True)
def _build(tri_lo, tri_hi, centroid, order, node_lo, node_hi, node_start, node_count):
    """Binned-SAH build over ``order`` (a permutation of the triangles, reordered in place).

    tri_lo, tri_hi, centroid : (T, 3) float64; node arrays sized 2T - 1 (T >= 1).
    Returns the number of nodes used.
    """
    n_tri = order.shape[0]
    stack_node = np.zeros(128, np.int64)
    stack_a = np.zeros(128, np.int64)
    stack_b = np.zeros(128, np.int64)
    top = 0
    stack_node[0], stack_a[0], stack_b[0] = 0, 0, n_tri
    top = 1
    n_nodes = 1
    bin_cnt = np.zeros(SAH_BINS, np.int64)
    bin_lo = np.zeros((SAH_BINS, 3))
    bin_hi = np.zeros((SAH_BINS, 3))
    right_area = np.zeros(SAH_BINS)
    right_cnt = np.zeros(SAH_BINS, np.int64)
    while top > 0:
        top -= 1
        node, a, b = stack_node[top], stack_a[top], stack_b[top]
        lo = np.full(3, np.inf)
        hi = np.full(3, -np.inf)
        clo = np.full(3, np.inf)
        chi = np.full(3, -np.inf)
        for i in range(a, b):
            t = order[i]
            for k in range(3):
                lo[k] = min(lo[k], tri_lo[t, k])
                hi[k] = max(hi[k], tri_hi[t, k])
                clo[k] = min(clo[k], centroid[t, k])
                chi[k] = max(chi[k], centroid[t, k])
        for k in range(3):
            node_lo[node, k] = lo[k]
            node_hi[node, k] = hi[k]
        n = b - a
        axis = 0
        for k in range(1, 3):
            if chi[k] - clo[k] > chi[axis] - clo[axis]:
                axis = k
        extent = chi[axis] - clo[axis]
        if n <= LEAF_SIZE or extent <= 0.0:
            node_start[node], node_count[node] = a, n
            continue
        # bin the centroids along the axis
        bin_cnt[:] = 0
        bin_lo[:] = np.inf
        bin_hi[:] = -np.inf
        scale = SAH_BINS / extent
        for i in range(a, b):
            t = order[i]
            j = min(SAH_BINS - 1, int((centroid[t, axis] - clo[axis]) * scale))
            bin_cnt[j] += 1
            for k in range(3):
                bin_lo[j, k] = min(bin_lo[j, k], tri_lo[t, k])
                bin_hi[j, k] = max(bin_hi[j, k], tri_hi[t, k])
        # sweep from the right: area and count of bins j.. ; then from the left for the cost
        rlo = np.full(3, np.inf)
        rhi = np.full(3, -np.inf)
        cnt = 0
        for j in range(SAH_BINS - 1, 0, -1):
            cnt += bin_cnt[j]
            for k in range(3):
                rlo[k] = min(rlo[k], bin_lo[j, k])
                rhi[k] = max(rhi[k], bin_hi[j, k])
            right_cnt[j] = cnt
            right_area[j] = _area(rlo[0], rlo[1], rlo[2], rhi[0], rhi[1], rhi[2])
        llo = np.full(3, np.inf)
        lhi = np.full(3, -np.inf)
        cnt = 0
        best_cost = np.inf
        best_split = -1
        for j in range(1, SAH_BINS):
            cnt += bin_cnt[j - 1]
            for k in range(3):
                llo[k] = min(llo[k], bin_lo[j - 1, k])
                lhi[k] = max(lhi[k], bin_hi[j - 1, k])
            if cnt == 0 or right_cnt[j] == 0:
                continue
            cost = cnt * _area(llo[0], llo[1], llo[2], lhi[0], lhi[1], lhi[2]) + (
                right_cnt[j] * right_area[j]
            )
            if cost < best_cost:
                best_cost, best_split = cost, j
        parent_area = _area(lo[0], lo[1], lo[2], hi[0], hi[1], hi[2])
        leaf_cost = n * parent_area
        split_cost = TRAVERSAL_COST * parent_area + best_cost
        if best_split < 0 or (split_cost >= leaf_cost and n <= MAX_LEAF):
            node_start[node], node_count[node] = a, n
            continue
        # partition order[a:b]: bins below the split first
        mid = a
        if best_split > 0:
            i, j2 = a, b - 1
            while i <= j2:
                t = order[i]
                jb = min(SAH_BINS - 1, int((centroid[t, axis] - clo[axis]) * scale))
                if jb < best_split:
                    i += 1
                else:
                    order[i], order[j2] = order[j2], order[i]
                    j2 -= 1
            mid = i
        if mid == a or mid == b:  # every centroid in one bin: split by count
            mid = (a + b) // 2
        left = n_nodes
        n_nodes += 2
        node_start[node], node_count[node] = left, -1
        if top + 2 > stack_node.shape[0]:
            grow = stack_node.shape[0] * 2
            sn = np.zeros(grow, np.int64)
            sa = np.zeros(grow, np.int64)
            sb = np.zeros(grow, np.int64)
            sn[:top], sa[:top], sb[:top] = stack_node[:top], stack_a[:top], stack_b[:top]
            stack_node, stack_a, stack_b = sn, sa, sb
        stack_node[top], stack_a[top], stack_b[top] = left + 1, mid, b
        stack_node[top + 1], stack_a[top + 1], stack_b[top + 1] = left, a, mid
        top += 2
    return n_nodes


def build_bvh(vertices: np.ndarray, faces: np.ndarray) -> Bvh:
    """The tree over a mesh's triangles.

    vertices : (V, 3) float [m]; faces : (F, 3) int (F may be 0: an empty tree whose root
    box is empty, so nothing hits it).
    """
    vertices = np.ascontiguousarray(vertices, dtype=np.float64)
    faces = np.ascontiguousarray(faces, dtype=np.int64)
    if vertices.ndim != 2 or vertices.shape[1] != 3:
        raise ValueError(f"vertices must be (V, 3), got {vertices.shape}")
    if faces.ndim != 2 or faces.shape[1] != 3:
        raise ValueError(f"faces must be (F, 3), got {faces.shape}")
    if faces.size and (faces.min() < 0 or faces.max() >= len(vertices)):
        raise ValueError("faces index vertices that do not exist")
    n = len(faces)
    if n == 0:
        empty3 = np.zeros((0, 3))
        return Bvh(
            np.zeros((1, 3)),
            np.zeros((1, 3)),
            np.zeros(1, np.int32),
            np.zeros(1, np.int32),
            empty3,
            empty3,
            empty3,
            np.zeros(0, np.int32),
        )
    tri = vertices[faces]  # (F, 3 corners, 3)
    tri_lo, tri_hi = tri.min(axis=1), tri.max(axis=1)
    centroid = tri.mean(axis=1)
    order = np.arange(n, dtype=np.int64)
    size = 2 * n - 1
    node_lo = np.zeros((size, 3))
    node_hi = np.zeros((size, 3))
    node_start = np.zeros(size, np.int32)
    node_count = np.zeros(size, np.int32)
    used = _build(tri_lo, tri_hi, centroid, order, node_lo, node_hi, node_start, node_count)
    t = tri[order]
    return Bvh(
        node_lo[:used].copy(),
        node_hi[:used].copy(),
        node_start[:used].copy(),
        node_count[:used].copy(),
        np.ascontiguousarray(t[:, 0]),
        np.ascontiguousarray(t[:, 1] - t[:, 0]),
        np.ascontiguousarray(t[:, 2] - t[:, 0]),
        order.astype(np.int32),
    )


@dataclass(frozen=True)
class BvhPool:
    """Several trees in one set of arrays: tree ``m``'s root is node ``roots[m]``, its
    triangles ``tri_base[m] ..``; node and triangle indices inside are absolute."""

    node_lo: np.ndarray
    node_hi: np.ndarray
    node_start: np.ndarray
    node_count: np.ndarray
    v0: np.ndarray
    e1: np.ndarray
    e2: np.ndarray
    tri_face: np.ndarray  # (T,) face index within its own mesh
    tri_mesh: np.ndarray  # (T,) which tree (mesh) the triangle belongs to
    roots: np.ndarray  # (M,) int32
    tri_base: np.ndarray  # (M,) int64

    @staticmethod
    def concat(trees: list[Bvh]) -> BvhPool:
        if not trees:
            raise ValueError("a pool needs at least one tree")
        node_base = np.cumsum([0] + [t.n_nodes for t in trees[:-1]]).astype(np.int64)
        tri_base = np.cumsum([0] + [t.n_triangles for t in trees[:-1]]).astype(np.int64)
        starts = []
        for t, nb, tb in zip(trees, node_base, tri_base, strict=True):
            inner = t.node_count < 0
            starts.append(np.where(inner, t.node_start + nb, t.node_start + tb).astype(np.int32))
        return BvhPool(
            np.concatenate([t.node_lo for t in trees]),
            np.concatenate([t.node_hi for t in trees]),
            np.concatenate(starts),
            np.concatenate([t.node_count for t in trees]).astype(np.int32),
            np.concatenate([t.v0 for t in trees]),
            np.concatenate([t.e1 for t in trees]),
            np.concatenate([t.e2 for t in trees]),
            np.concatenate([t.tri_face for t in trees]).astype(np.int32),
            np.concatenate([np.full(t.n_triangles, m, np.int32) for m, t in enumerate(trees)]),
            node_base.astype(np.int32),
            tri_base,
        )
