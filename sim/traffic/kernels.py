"""Numba kernels of the traffic engine. Arrays and scalars in; no objects; no Python.

The step is two-phase, as in highway-env: every agent first decides (IDM acceleration,
pure-pursuit steering) from the same frozen state, then all agents move (kinematic
bicycle). Neighbours come from a per-lane ordering kept sorted by insertion sort (the
order barely changes between steps, so this is O(N)), never from all pairs.

Each kernel has a slow, readable twin in tests/naive.py.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from sim.road.kernels import _lane_to_world_one, _world_to_lane_one

_INACTIVE_KEY = 1e300
_PROJECTION_WINDOW = 6  # reference samples searched either side of the previous s


@numba.njit(cache=True)
def _idm_accel(v, v0, T, s0, a_max, b_comf, delta, gap, dv, has_leader):
    """Intelligent Driver Model acceleration [m/s^2].

    gap: bumper-to-bumper distance to the leader [m]; dv = v - v_leader [m/s].
    """
    free = 1.0 - (v / v0) ** delta
    if not has_leader:
        return a_max * free
    s_star = s0 + max(0.0, v * T + v * dv / (2.0 * math.sqrt(a_max * b_comf)))
    g = max(gap, 1e-3)
    return a_max * (free - (s_star / g) ** 2)


@numba.njit(cache=True)
def _smoothstep5(u):
    """Quintic 0 -> 1 on [0, 1] with zero slope and curvature at both ends."""
    if u <= 0.0:
        return 0.0
    if u >= 1.0:
        return 1.0
    return u * u * u * (10.0 + u * (-15.0 + 6.0 * u))


@numba.njit(cache=True)
def _lateral_target(s_query, d_ref, lc_active, lc_s0, lc_len, lc_d0, lc_d1):
    """Reference offset d [m] at arc length s_query: lane centre, or the lane-change path."""
    if not lc_active:
        return d_ref
    return lc_d0 + (lc_d1 - lc_d0) * _smoothstep5((s_query - lc_s0) / lc_len)


@numba.njit(cache=True)
def _insertion_sort(order, key):
    """Sort ``order`` (indices) by ``key[order]`` in place; stable, O(N) when nearly sorted."""
    for k in range(1, order.shape[0]):
        item = order[k]
        kv = key[item]
        j = k - 1
        while j >= 0 and key[order[j]] > kv:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = item


@numba.njit(cache=True)
def _find_leaders(order, key, lane, s, length, active, lc_active, lc_lane, lane_stride,
                  leader, gap):
    """Leader (index, -1 if none) and bumper gap [m] of every agent.

    ``order`` is sorted by ``key = lane * lane_stride + s``. An agent changing lanes also
    occupies its target lane: it sees the leader there, and the follower there sees it.
    """
    n = order.shape[0]
    for i in range(n):
        leader[i] = -1
        gap[i] = np.inf
    for k in range(n - 1):
        i = order[k]
        j = order[k + 1]
        if active[i] and active[j] and lane[i] == lane[j]:
            leader[i] = j
            gap[i] = s[j] - s[i] - 0.5 * (length[i] + length[j])
    sorted_keys = np.empty(n)
    for k in range(n):
        sorted_keys[k] = key[order[k]]
    for c in range(n):
        if not active[c] or not lc_active[c] or lc_lane[c] == lane[c]:
            continue
        target = lc_lane[c]
        pos = np.searchsorted(sorted_keys, target * lane_stride + s[c])
        # the leader is the nearest agent ahead by centre position (gaps can be negative
        # while a changer overlaps the target lane's traffic)
        if pos < n:
            j = order[pos]
            if active[j] and lane[j] == target and (leader[c] < 0 or s[j] < s[leader[c]]):
                leader[c] = j
                gap[c] = s[j] - s[c] - 0.5 * (length[j] + length[c])
        if pos > 0:
            f = order[pos - 1]
            if active[f] and lane[f] == target and (leader[f] < 0 or s[c] < s[leader[f]]):
                leader[f] = c
                gap[f] = s[c] - s[f] - 0.5 * (length[c] + length[f])


@numba.njit(cache=True, parallel=True)
def _update_lane_coords(ref_x, ref_y, ref_h, ds, lane_width, n_lanes, active, x, y, s, d, lane):
    """Refresh (s, d, lane) of active agents from (x, y), using s as the search hint."""
    for i in numba.prange(x.shape[0]):
        if active[i]:
            s[i], d[i] = _world_to_lane_one(ref_x, ref_y, ref_h, ds, x[i], y[i], s[i], _PROJECTION_WINDOW)
            k = int(math.floor(d[i] / lane_width))
            lane[i] = min(max(k, 0), n_lanes - 1)


@numba.njit(cache=True, parallel=True)
def _controls(ref_x, ref_y, ref_h, ds, active, x, y, yaw, v, s, length, wheelbase,
              v0, T, s0, a_max, b_comf, delta, b_max, d_ref, lc_active, lc_s0, lc_len,
              lc_d0, lc_d1, acc_override, leader, gap, look_time, look_min, look_max,
              acc_out, steer_out):
    """Phase 1: acceleration and steering target of every agent from the frozen state.

    Pure-pursuit lookahead = clamp(look_time * v, look_min, look_max) [m].
    """
    for i in numba.prange(x.shape[0]):
        if not active[i]:
            acc_out[i] = 0.0
            steer_out[i] = 0.0
            continue
        j = leader[i]
        has_leader = j >= 0
        dv = v[i] - v[j] if has_leader else 0.0
        acc = _idm_accel(v[i], v0[i], T[i], s0[i], a_max[i], b_comf[i], delta[i], gap[i], dv,
                         has_leader)
        if not math.isnan(acc_override[i]):
            acc = acc_override[i]
        acc_out[i] = min(max(acc, -b_max[i]), a_max[i])
        # pure pursuit from the rear axle towards a point on the reference path ahead
        look = min(max(look_time * v[i], look_min), look_max)
        s_t = s[i] + look
        d_t = _lateral_target(s_t, d_ref[i], lc_active[i], lc_s0[i], lc_len[i], lc_d0[i], lc_d1[i])
        xt, yt, _ = _lane_to_world_one(ref_x, ref_y, ref_h, ds, s_t, d_t)
        c = math.cos(yaw[i])
        sn = math.sin(yaw[i])
        xr = x[i] - 0.5 * wheelbase[i] * c
        yr = y[i] - 0.5 * wheelbase[i] * sn
        dx = xt - xr
        dy = yt - yr
        lx = c * dx + sn * dy
        ly = -sn * dx + c * dy
        steer_out[i] = math.atan(wheelbase[i] * 2.0 * ly / (lx * lx + ly * ly))


@numba.njit(cache=True, parallel=True)
def _integrate(dt, active, x, y, yaw, v, a, steer, wheelbase, steer_max, steer_rate_max,
               acc_cmd, steer_cmd):
    """Phase 2: kinematic bicycle (reference point midway between the axles)."""
    for i in numba.prange(x.shape[0]):
        if not active[i]:
            continue
        max_change = steer_rate_max[i] * dt
        st = steer[i] + min(max(steer_cmd[i] - steer[i], -max_change), max_change)
        st = min(max(st, -steer_max[i]), steer_max[i])
        steer[i] = st
        v_new = max(0.0, v[i] + acc_cmd[i] * dt)
        v_mid = 0.5 * (v[i] + v_new)
        beta = math.atan(0.5 * math.tan(st))
        heading = yaw[i] + beta
        x[i] += v_mid * math.cos(heading) * dt
        y[i] += v_mid * math.sin(heading) * dt
        yaw[i] += v_mid / (0.5 * wheelbase[i]) * math.sin(beta) * dt
        a[i] = (v_new - v[i]) / dt
        v[i] = v_new


@numba.njit(cache=True)
def _finish_lane_changes(active, s, lc_active, lc_s0, lc_len, lc_d1, d_ref, done):
    """End lane changes whose path is complete; ``done[i]`` says which ended this step."""
    for i in range(s.shape[0]):
        done[i] = False
        if active[i] and lc_active[i] and s[i] >= lc_s0[i] + lc_len[i]:
            lc_active[i] = False
            d_ref[i] = lc_d1[i]
            done[i] = True


@numba.njit(cache=True)
def _obb_overlap(x1, y1, yaw1, l1, w1, x2, y2, yaw2, l2, w2):
    """Separating-axis test of two oriented rectangles (centre, heading, length, width)."""
    c1, s1 = math.cos(yaw1), math.sin(yaw1)
    c2, s2 = math.cos(yaw2), math.sin(yaw2)
    dx = x2 - x1
    dy = y2 - y1
    axes = ((c1, s1), (-s1, c1), (c2, s2), (-s2, c2))
    for k in range(4):
        ax, ay = axes[k]
        r1 = 0.5 * l1 * abs(c1 * ax + s1 * ay) + 0.5 * w1 * abs(-s1 * ax + c1 * ay)
        r2 = 0.5 * l2 * abs(c2 * ax + s2 * ay) + 0.5 * w2 * abs(-s2 * ax + c2 * ay)
        if abs(dx * ax + dy * ay) > r1 + r2:
            return False
    return True


@numba.njit(cache=True)
def _collision_pairs(active, x, y, yaw, length, width):
    """All overlapping pairs (i < j) of active agents: sweep and prune along x.

    Returns (K, 2) int32. Cost O(N log N + N k), k = agents within reach along x.
    """
    n = x.shape[0]
    order = np.argsort(x, kind="mergesort")
    radius = 0.5 * np.sqrt(length * length + width * width)
    r_max = radius.max() if n > 0 else 0.0
    out = np.empty((16, 2), dtype=np.int32)
    count = 0
    for p in range(n):
        i = order[p]
        if not active[i]:
            continue
        for q in range(p + 1, n):
            j = order[q]
            if x[j] - x[i] > radius[i] + r_max:
                break
            if not active[j]:
                continue
            if (x[j] - x[i]) ** 2 + (y[j] - y[i]) ** 2 > (radius[i] + radius[j]) ** 2:
                continue
            if _obb_overlap(x[i], y[i], yaw[i], length[i], width[i],
                            x[j], y[j], yaw[j], length[j], width[j]):
                if count == out.shape[0]:
                    grown = np.empty((2 * count, 2), dtype=np.int32)
                    grown[:count] = out
                    out = grown
                out[count, 0] = min(i, j)
                out[count, 1] = max(i, j)
                count += 1
    return out[:count]
