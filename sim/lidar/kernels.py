"""Ray casting of one LiDAR sweep over a :class:`~sim.lidar.bvh.BvhPool` (Numba).

One kernel, :func:`_cast_sweep`, in parallel over the sweep's azimuth columns: each column's
rays start at the sensor's position of its pose block, go through the static tree (world
frame) and through the tree of every agent the block may see (moved into that agent's frame
at that block's time), and keep the nearest hit. Triangles are two-sided (a LiDAR return
does not care which way a face was wound); the hit test is Moller-Trumbore.

:func:`cast_rays` is the public wrapper: it checks shapes and dtypes and calls the kernel.
Its slow twin is ``tests/naive.py::lidar_cast`` (every ray against every triangle).
"""

from __future__ import annotations

import numba
import numpy as np

from sim.lidar.bvh import BvhPool

HIT_EPS = 1e-9
"""[m] hits nearer than this along the ray are ignored (the ray's own start)."""
STACK_SIZE = 256
"""Traversal stack per column (a binned-SAH tree of millions of triangles is < 60 deep)."""
NO_HIT = -2
"""``agent`` of a ray that hit nothing; -1 is the static scene, k >= 0 agent k."""


@numba.njit(cache=True, inline="always")
def _box_entry(lo, hi, node, o0, o1, o2, i0, i1, i2, t_max):  # noqa: PLR0913 (scalars, inlined)
    """Entry distance of the ray into node ``node``'s box, or inf if it misses it before
    ``t_max`` (slab test; ``i*`` are 1 / direction, inf where a component is 0)."""
    ta = (lo[node, 0] - o0) * i0
    tb = (hi[node, 0] - o0) * i0
    t_near, t_far = min(ta, tb), max(ta, tb)
    ta = (lo[node, 1] - o1) * i1
    tb = (hi[node, 1] - o1) * i1
    t_near, t_far = max(t_near, min(ta, tb)), min(t_far, max(ta, tb))
    ta = (lo[node, 2] - o2) * i2
    tb = (hi[node, 2] - o2) * i2
    t_near, t_far = max(t_near, min(ta, tb)), min(t_far, max(ta, tb))
    if t_far >= max(t_near, 0.0) and t_near <= t_max:
        return t_near
    return np.inf


@numba.njit(cache=True)
def _traverse(tree, root, origin, direction, t_max, stack, stack_t) -> tuple[float, int]:
    """(distance, triangle) of the nearest hit below ``t_max`` in the tree at ``root``;
    (t_max, -1) when none. Children are visited nearer first; a node is skipped when a hit
    nearer than its box has been found since it was pushed.

    tree : (lo, hi, start, count, v0, e1, e2) of a BvhPool; origin, direction : 3-tuples;
    stack (int64), stack_t (float64) : scratch of STACK_SIZE.
    """
    lo, hi, start, count, v0, e1, e2 = tree
    o0, o1, o2 = origin
    d0, d1, d2 = direction
    i0 = 1.0 / d0 if d0 != 0.0 else np.inf
    i1 = 1.0 / d1 if d1 != 0.0 else np.inf
    i2 = 1.0 / d2 if d2 != 0.0 else np.inf
    best_t, best_tri = t_max, -1
    t_root = _box_entry(lo, hi, root, o0, o1, o2, i0, i1, i2, best_t)
    if t_root == np.inf:
        return best_t, best_tri
    stack[0], stack_t[0] = root, t_root
    top = 1
    while top > 0:
        top -= 1
        if stack_t[top] > best_t:
            continue
        node = stack[top]
        n = count[node]
        if n >= 0:  # a leaf
            for k in range(start[node], start[node] + n):
                # Moller-Trumbore, two-sided
                px = d1 * e2[k, 2] - d2 * e2[k, 1]
                py = d2 * e2[k, 0] - d0 * e2[k, 2]
                pz = d0 * e2[k, 1] - d1 * e2[k, 0]
                det = e1[k, 0] * px + e1[k, 1] * py + e1[k, 2] * pz
                if abs(det) < 1e-15:
                    continue
                inv = 1.0 / det
                sx, sy, sz = o0 - v0[k, 0], o1 - v0[k, 1], o2 - v0[k, 2]
                u = (sx * px + sy * py + sz * pz) * inv
                if u < 0.0 or u > 1.0:
                    continue
                qx = sy * e1[k, 2] - sz * e1[k, 1]
                qy = sz * e1[k, 0] - sx * e1[k, 2]
                qz = sx * e1[k, 1] - sy * e1[k, 0]
                v = (d0 * qx + d1 * qy + d2 * qz) * inv
                if v < 0.0 or u + v > 1.0:
                    continue
                t = (e2[k, 0] * qx + e2[k, 1] * qy + e2[k, 2] * qz) * inv
                if HIT_EPS < t < best_t:
                    best_t, best_tri = t, k
            continue
        left = start[node]
        t_left = _box_entry(lo, hi, left, o0, o1, o2, i0, i1, i2, best_t)
        t_right = _box_entry(lo, hi, left + 1, o0, o1, o2, i0, i1, i2, best_t)
        if top + 2 > stack.shape[0]:
            raise RuntimeError("lidar BVH traversal stack overflow")
        # push the farther first, so that the nearer pops next
        near, t_near, far, t_far = left, t_left, left + 1, t_right
        if t_right < t_left:
            near, t_near, far, t_far = left + 1, t_right, left, t_left
        if t_far != np.inf:
            stack[top], stack_t[top] = far, t_far
            top += 1
        if t_near != np.inf:
            stack[top], stack_t[top] = near, t_near
            top += 1
    return best_t, best_tri


@numba.njit(cache=True, parallel=True)
def _cast_sweep(beams, columns, sensor, tree, static_root, agents, max_range, out):
    """Nearest hit of every ray of a sweep.

    beams : (cos, sin) (R,) of each beam's elevation; columns : (cos, sin, block) (C,) of
    each column's azimuth (sensor frame: x forward, y left, z up) and its pose block;
    sensor : (R_world, t_world) (P, 3, 3), (P, 3) world <- sensor per block; tree : the
    pool's (lo, hi, start, count, v0, e1, e2); agents : (block_ptr (P + 1,), block_agents
    (K,) the agents each block tests (CSR), root (A,) the tree of each agent, R (P, A, 3, 3),
    t (P, A, 3) world <- agent per block); out : (range, agent, triangle, cos) (C, R) arrays:
    range [m] (inf: no hit within max_range), agent (-2 none, -1 static, k agent), pool
    triangle (-1 none), |cos| of the incidence angle.
    """
    elev_cos, elev_sin = beams
    col_cos, col_sin, col_block = columns
    block_R, block_t = sensor
    block_ptr, block_agents, agent_root, agent_R, agent_t = agents
    out_range, out_agent, out_tri, out_cos = out
    e1, e2 = tree[5], tree[6]
    n_cols = col_cos.shape[0]
    n_beams = elev_cos.shape[0]
    for c in numba.prange(n_cols):
        stack = np.zeros(STACK_SIZE, np.int64)
        stack_t = np.zeros(STACK_SIZE, np.float64)
        b = col_block[c]
        o = (block_t[b, 0], block_t[b, 1], block_t[b, 2])
        Rs = block_R[b]
        for r in range(n_beams):
            s0 = elev_cos[r] * col_cos[c]
            s1 = elev_cos[r] * col_sin[c]
            s2 = elev_sin[r]
            d0 = Rs[0, 0] * s0 + Rs[0, 1] * s1 + Rs[0, 2] * s2
            d1 = Rs[1, 0] * s0 + Rs[1, 1] * s1 + Rs[1, 2] * s2
            d2 = Rs[2, 0] * s0 + Rs[2, 1] * s1 + Rs[2, 2] * s2
            best_t, best_tri = _traverse(
                tree, static_root, o, (d0, d1, d2), max_range, stack, stack_t
            )
            best_agent = -1 if best_tri >= 0 else NO_HIT
            l0, l1, l2 = d0, d1, d2  # the ray direction in the hit mesh's frame
            for k in range(block_ptr[b], block_ptr[b + 1]):
                a = block_agents[k]
                # into the agent's frame: R^T (x - t)
                q0 = o[0] - agent_t[b, a, 0]
                q1 = o[1] - agent_t[b, a, 1]
                q2 = o[2] - agent_t[b, a, 2]
                R = agent_R[b, a]
                a0 = R[0, 0] * q0 + R[1, 0] * q1 + R[2, 0] * q2
                a1 = R[0, 1] * q0 + R[1, 1] * q1 + R[2, 1] * q2
                a2 = R[0, 2] * q0 + R[1, 2] * q1 + R[2, 2] * q2
                m0 = R[0, 0] * d0 + R[1, 0] * d1 + R[2, 0] * d2
                m1 = R[0, 1] * d0 + R[1, 1] * d1 + R[2, 1] * d2
                m2 = R[0, 2] * d0 + R[1, 2] * d1 + R[2, 2] * d2
                t, tri = _traverse(
                    tree, agent_root[a], (a0, a1, a2), (m0, m1, m2), best_t, stack, stack_t
                )
                if tri >= 0:
                    best_t, best_tri, best_agent = t, tri, a
                    l0, l1, l2 = m0, m1, m2
            if best_tri < 0:
                out_range[c, r] = np.inf
                out_agent[c, r] = NO_HIT
                out_tri[c, r] = -1
                out_cos[c, r] = 0.0
                continue
            k = best_tri
            nx = e1[k, 1] * e2[k, 2] - e1[k, 2] * e2[k, 1]
            ny = e1[k, 2] * e2[k, 0] - e1[k, 0] * e2[k, 2]
            nz = e1[k, 0] * e2[k, 1] - e1[k, 1] * e2[k, 0]
            norm = np.sqrt(nx * nx + ny * ny + nz * nz)
            out_range[c, r] = best_t
            out_agent[c, r] = best_agent
            out_tri[c, r] = best_tri
            out_cos[c, r] = abs(nx * l0 + ny * l1 + nz * l2) / norm if norm > 0.0 else 0.0


def cast_rays(
    pool: BvhPool,
    elevation: np.ndarray,
    azimuth: np.ndarray,
    col_block: np.ndarray,
    T_world_sensor: np.ndarray,
    agent_trees: np.ndarray,
    T_world_agent: np.ndarray,
    block_ptr: np.ndarray,
    block_agents: np.ndarray,
    max_range: float,
    static_tree: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Nearest hit of every (column, beam) ray; see :func:`_cast_sweep`.

    elevation : (R,) [rad]; azimuth : (C,) [rad] in the sensor frame (x forward, y left,
    z up, counter-clockwise from +x); col_block : (C,) int index into the P pose blocks;
    T_world_sensor : (P, 4, 4); agent_trees : (A,) tree of each agent in ``pool``;
    T_world_agent : (P, A, 4, 4); block_ptr : (P + 1,), block_agents : (K,) the agents each
    block tests. Returns range (C, R) float64 [m] (inf: nothing), agent (C, R) int32,
    triangle (C, R) int32 (pool index), cos_incidence (C, R) float64.
    """
    elevation = np.ascontiguousarray(elevation, np.float64).ravel()
    azimuth = np.ascontiguousarray(azimuth, np.float64).ravel()
    col_block = np.ascontiguousarray(col_block, np.int64).ravel()
    T_world_sensor = np.ascontiguousarray(T_world_sensor, np.float64)
    agent_trees = np.ascontiguousarray(agent_trees, np.int64).ravel()
    T_world_agent = np.ascontiguousarray(T_world_agent, np.float64)
    block_ptr = np.ascontiguousarray(block_ptr, np.int64).ravel()
    block_agents = np.ascontiguousarray(block_agents, np.int64).ravel()
    n_blocks, n_agents = T_world_sensor.shape[0], agent_trees.shape[0]
    if T_world_sensor.shape != (n_blocks, 4, 4) or n_blocks < 1:
        raise ValueError(f"T_world_sensor must be (P, 4, 4), got {T_world_sensor.shape}")
    if T_world_agent.shape != (n_blocks, n_agents, 4, 4):
        raise ValueError(
            f"T_world_agent must be ({n_blocks}, {n_agents}, 4, 4), got {T_world_agent.shape}"
        )
    if col_block.shape != azimuth.shape or (
        col_block.size and (col_block.min() < 0 or col_block.max() >= n_blocks)
    ):
        raise ValueError("col_block needs one block index in [0, P) per column")
    if (
        block_ptr.shape != (n_blocks + 1,)
        or block_ptr[0] != 0
        or block_ptr[-1] != len(block_agents)
    ):
        raise ValueError("block_ptr must be (P + 1,) offsets into block_agents")
    if np.any(np.diff(block_ptr) < 0) or (
        block_agents.size and (block_agents.min() < 0 or block_agents.max() >= n_agents)
    ):
        raise ValueError("block_agents must index agents, with non-decreasing block_ptr")
    n_trees = len(pool.roots)
    if not 0 <= static_tree < n_trees or (
        agent_trees.size and (agent_trees.min() < 0 or agent_trees.max() >= n_trees)
    ):
        raise ValueError("tree indices must name trees of the pool")
    if not max_range > 0.0:
        raise ValueError("max_range must be > 0")
    shape = (len(azimuth), len(elevation))
    out_range = np.zeros(shape)
    out_agent = np.zeros(shape, np.int32)
    out_tri = np.zeros(shape, np.int32)
    out_cos = np.zeros(shape)
    roots = pool.roots.astype(np.int64)
    tree = (
        pool.node_lo,
        pool.node_hi,
        pool.node_start,
        pool.node_count,
        pool.v0,
        pool.e1,
        pool.e2,
    )
    agents = (
        block_ptr,
        block_agents,
        np.ascontiguousarray(roots[agent_trees]),
        np.ascontiguousarray(T_world_agent[:, :, :3, :3]),
        np.ascontiguousarray(T_world_agent[:, :, :3, 3]),
    )
    _cast_sweep(
        (np.cos(elevation), np.sin(elevation)),
        (np.cos(azimuth), np.sin(azimuth), col_block),
        (
            np.ascontiguousarray(T_world_sensor[:, :3, :3]),
            np.ascontiguousarray(T_world_sensor[:, :3, 3]),
        ),
        tree,
        int(roots[static_tree]),
        agents,
        float(max_range),
        (out_range, out_agent, out_tri, out_cos),
    )
    return out_range, out_agent, out_tri, out_cos
