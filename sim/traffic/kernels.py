"""Numba kernels of the traffic engine. Arrays and scalars in; no objects; no Python.

One step is a handful of kernel calls whatever the number of agents:

1. ``_step`` (phase 1) every agent decides from the same frozen state: IDM acceleration
   (or a scripted override) and pure-pursuit steering; (phase 2) every agent moves with
   the kinematic bicycle; then lane coordinates are refreshed by walking the reference
   line from the previous ``s`` and finished lane changes are closed.
2. ``_refresh`` keeps the per-lane ordering (key ``lane * stride + s``) sorted by
   insertion sort -- the order barely changes between steps, so this is O(N) -- and reads
   every agent's leader and gap off it. No all-pairs loop anywhere.
3. ``_mobil`` (only when some agent has MOBIL on) decides lane changes from the same order.
4. ``_collisions`` finds overlapping boxes through a uniform grid whose cell order is kept
   by the same insertion sort, then tests candidates with the separating-axis theorem.

Each kernel has a slow, readable twin in tests/naive.py.
"""

from __future__ import annotations

import math
import types

import numba
import numpy as np

from sim.road.kernels import _lane_shift, _lane_to_world_xy_rows, _world_to_lane_walk_rows
from sim.traffic import threads

threads.configure()  # OpenMP with sleeping waiters, before any threaded kernel launches

# Kernels that may run threaded are compiled twice, serial and with ``parallel=True``.
# Numba's on-disk cache keys a compiled function by module, qualified name, signature and
# bytecode -- not by the compile options -- so the threaded version is compiled from a copy
# of the function under its own name: compiled from the same function, each of the two
# would load whichever version was cached first (the threaded step silently ran serial).
def _renamed(fn, name):
    """A copy of the plain Python function ``fn`` called ``name`` (same code and globals)."""
    code = fn.__code__.replace(co_name=name, co_qualname=name)
    copy = types.FunctionType(code, fn.__globals__, name, fn.__defaults__, fn.__closure__)
    copy.__qualname__ = name
    copy.__doc__ = fn.__doc__
    return copy


_INACTIVE_KEY = 1e300
_GRID_OFFSET = 1 << 30  # keeps grid cell indices positive
_GRID_ROW = 1 << 31  # key = column * _GRID_ROW + row
_GRID_INACTIVE = np.iinfo(np.int64).max


@numba.njit(cache=True, inline="always")
def _idm_accel(v, v0, T, s0, a_max, b_comf, delta, gap, dv, has_leader):
    """Intelligent Driver Model acceleration [m/s^2].

    gap: bumper-to-bumper distance to the leader [m]; dv = v - v_leader [m/s].
    """
    r = v / v0
    if delta == 4.0:
        r2 = r * r
        free = 1.0 - r2 * r2
    else:
        free = 1.0 - r**delta
    if not has_leader:
        return a_max * free
    s_star = s0 + max(0.0, v * T + v * dv / (2.0 * math.sqrt(a_max * b_comf)))
    g = max(gap, 1e-3)
    q = s_star / g
    return a_max * (free - q * q)


@numba.njit(cache=True, inline="always")
def _smoothstep5(u):
    """Quintic 0 -> 1 on [0, 1] with zero slope and curvature at both ends."""
    if u <= 0.0:
        return 0.0
    if u >= 1.0:
        return 1.0
    return u * u * u * (10.0 + u * (-15.0 + 6.0 * u))


@numba.njit(cache=True, inline="always")
def _lateral_target(progress, d_ref, lc_active, lc_len, lc_d0, lc_d1):
    """Reference offset d [m] at ``progress`` [m] travelled since the lane change began
    (direction * (s_query - lc_s0)): the lane centre, or the lane-change path."""
    if not lc_active:
        return d_ref
    return lc_d0 + (lc_d1 - lc_d0) * _smoothstep5(progress / lc_len)


@numba.njit(cache=True)
def _insertion_sort(order, key):
    """Sort ``order`` (indices) by ``key[order]`` in place; stable, O(N) when nearly sorted.

    Falls back to a merge sort once the element moves exceed 16 N (a scrambled order,
    e.g. the first call), so the worst case stays O(N log N).
    """
    n = order.shape[0]
    if n == 0:
        return
    budget = 16 * n + 64
    moves = 0
    top = key[order[0]]  # largest key of the sorted prefix
    for k in range(1, n):
        item = order[k]
        kv = key[item]
        if kv >= top:  # already in place (the common case): no second look-up, no store
            top = kv
            continue
        j = k - 1
        while j >= 0 and key[order[j]] > kv:
            order[j + 1] = order[j]
            j -= 1
            moves += 1
        order[j + 1] = item
        if moves > budget:
            fresh = np.argsort(key[order], kind="mergesort")
            order[:] = order[fresh]
            return


@numba.njit(cache=True)
def _find_leaders(order, sorted_key, lane, s, length, active, lc_active, lc_lane, lane_stride,
                  leader, gap, dirn):
    """Leader (index, -1 if none) and bumper gap [m] of every agent.

    ``lane``: global lane id (-1: off the carriageways, e.g. a pedestrian on a sidewalk:
    no leader, nobody's leader). ``order`` is sorted by ``key = lane * lane_stride + s``;
    ``sorted_key = key[order]``. ``dirn`` (+1/-1): the agent drives towards +s or -s; its
    leader is the nearest agent in its lane in that direction (a wrong-way driver and the
    car it meets are each other's leaders). An agent changing lanes (``lc_lane`` !=
    ``lane``) also occupies its target lane: it sees the leader there, and the follower
    there sees it (if it only signals, e.g. before its lane ends, once it is ahead).
    """
    n = order.shape[0]
    for i in range(n):
        leader[i] = -1
        gap[i] = np.inf
    for k in range(n - 1):
        i = order[k]
        j = order[k + 1]
        if active[i] and active[j] and lane[i] == lane[j] and lane[i] >= 0:
            g = s[j] - s[i] - 0.5 * (length[i] + length[j])
            if dirn[i] > 0:
                leader[i] = j
                gap[i] = g
            if dirn[j] < 0:
                leader[j] = i
                gap[j] = g
    for c in range(n):
        if not active[c] or lc_lane[c] == lane[c] or lane[c] < 0:
            continue
        target = lc_lane[c]
        pos = np.searchsorted(sorted_key, target * lane_stride + s[c])
        # the leader is the nearest agent ahead by centre position (gaps can be negative
        # while a changer overlaps the target lane's traffic)
        ahead = pos if dirn[c] > 0 else pos - 1
        behind = pos - 1 if dirn[c] > 0 else pos
        if 0 <= ahead < n:
            j = order[ahead]
            if active[j] and lane[j] == target and (
                    leader[c] < 0 or dirn[c] * (s[j] - s[leader[c]]) < 0.0):
                leader[c] = j
                gap[c] = dirn[c] * (s[j] - s[c]) - 0.5 * (length[j] + length[c])
        if 0 <= behind < n:
            f = order[behind]
            g = dirn[f] * (s[c] - s[f]) - 0.5 * (length[c] + length[f])
            if active[f] and lane[f] == target and dirn[f] == dirn[c] and (
                    leader[f] < 0 or dirn[f] * (s[c] - s[leader[f]]) < 0.0) and (
                    lc_active[c] or g > 0.0):  # a driver only signalling must be ahead
                leader[f] = c
                gap[f] = g


MERGE_SIGNAL = 120.0  # [m] before its lane's end a driver signals and is let in
WALK_ANTICIPATION = 1.0  # [m] a crossing walker is in the lane it is about to step into


def _refresh_py(order, key, sorted_key, rank, lane_stride, road_lanes, active, road, lane, glane, s,
             d, v, cos_yaw, sin_yaw, width, length, dirn, lc_active, lc_d1, lc_lane, leader, gap,
             v_lead, lane_tab, lane_wall, lane_signal, ignore_signals, walker, stop_s, gap_ctl,
             v_ctl):
    """Per-lane order, changers' second lane, every leader and gap, then what each driver
    reacts to (one call).

    ``road_lanes``: (R, 3) per road [first global lane id, lane count, lane width];
    ``glane`` (out): global lane id, -1 off the carriageway. A changer joins its target
    lane's traffic once its body overlaps that lane (followers there react from then on,
    not from the first blink): ``lc_lane`` is that lane, else the agent's own.
    ``gap``/``leader``: the nearest agent ahead. ``gap_ctl``/``v_ctl`` (out, frozen for
    _step): the gap [m] and the speed along the driver's direction [m/s] of whatever it
    must not hit -- the leader, or a standing wall: its lane's end (``lane_wall``), a red or
    amber light's stop line (``lane_signal``, NaN when green; only if it can still stop at
    3.5 m/s^2 and does not ``ignore_signals``), or a scripted stop point ``stop_s`` (NaN:
    none). Walkers react to their stop point only. ``sorted_key`` = key[order] and ``rank``
    are kept for _mobil. The per-agent loops may run threaded (_refresh_parallel); the sort
    and the leader search run on one thread.
    """
    n = s.shape[0]
    for i in numba.prange(n):
        r = road[i]
        g = -1
        if lane[i] >= 0:
            g = int(road_lanes[r, 0]) + lane[i]
        glane[i] = g
        key[i] = g * lane_stride + s[i] if active[i] and g >= 0 else _INACTIVE_KEY
        lc_lane[i] = g
        if g >= 0 and not lc_active[i] and not walker[i] and lane_wall[g] - s[i] < MERGE_SIGNAL:
            # its lane ends soon: it signals, and the follower in the lane it must join
            # lets it in (zipper merge); the through lane is towards the road's middle
            lc_lane[i] = g + 1 if lane[i] == 0 else g - 1
        if lc_active[i] and g >= 0:
            w = road_lanes[r, 2]
            target = min(max(int(math.floor(lc_d1[i] / w)), 0), int(road_lanes[r, 1]) - 1)
            if abs(d[i] - (target + 0.5) * w) < 0.5 * (w + width[i]):
                lc_lane[i] = int(road_lanes[r, 0]) + target
    _insertion_sort(order, key)
    for k in numba.prange(n):
        sorted_key[k] = key[order[k]]
        rank[order[k]] = k
    _find_leaders(order, sorted_key, glane, s, length, active, lc_active, lc_lane, lane_stride,
                  leader, gap, dirn)
    for i in numba.prange(n):
        if walker[i]:  # drivers see walkers in their lane; walkers follow nobody
            leader[i] = -1
            gap[i] = np.inf
        j = leader[i]
        gap_ctl[i] = gap[i]
        v_ctl[i] = 0.0
        v_lead[i] = v[j] if j >= 0 else 0.0
        if j >= 0:
            # the leader's speed along my heading (a wrong-way car: negative)
            v_ctl[i] = v[j] * (cos_yaw[i] * cos_yaw[j] + sin_yaw[i] * sin_yaw[j])
        g = glane[i]
        half = 0.5 * length[i]
        if walker[i]:
            gap_ctl[i] = np.inf
            g = -1
        if not active[i]:
            continue
        if g >= 0 and dirn[i] * lane_tab[g, 0] > 0:
            wall = lane_wall[g]
            if dirn[i] > 0 and wall < 1e300:
                room = wall - s[i] - half
                if room > -half and room < gap_ctl[i]:
                    gap_ctl[i] = max(room, 0.0)
                    v_ctl[i] = 0.0
            line = lane_signal[g]
            if not math.isnan(line) and not ignore_signals[i]:
                room = dirn[i] * (line - s[i]) - half
                if room >= 0.0 and room < gap_ctl[i] and (v[i] < 1.0 or v[i] * v[i] <= 7.0 * room):
                    gap_ctl[i] = room
                    v_ctl[i] = 0.0
        if not math.isnan(stop_s[i]):
            room = dirn[i] * (stop_s[i] - s[i]) - half
            if room > -half and room < gap_ctl[i]:
                gap_ctl[i] = max(room, 0.0)
                v_ctl[i] = 0.0


_refresh = numba.njit(cache=True)(_renamed(_refresh_py, "_refresh_serial"))
_refresh_parallel = numba.njit(cache=True, parallel=True)(
    _renamed(_refresh_py, "_refresh_threaded"))


@numba.njit(cache=True, inline="always")
def _agent_accel(v, v0, T, s0, a_max, b_comf, delta, b_max, override, has_leader, gap, v_leader):
    """Longitudinal acceleration [m/s^2] of one agent: IDM, or a scripted override."""
    dv = v - v_leader
    if math.isnan(override):
        acc = _idm_accel(v, v0, T, s0, a_max, b_comf, delta, gap, dv, has_leader)
        acc = min(max(acc, -b_max), a_max)
    elif override > 0.0:
        # scripted acceleration: an IDM driver with no speed limit and a_max = override,
        # so it still brakes for a leader
        acc = _idm_accel(v, np.inf, T, s0, override, b_comf, delta, gap, dv, has_leader)
        acc = min(max(acc, -b_max), override)
    else:
        acc = max(override, -b_max)
    return acc


@numba.njit(cache=True, inline="always")
def _agent_controls(ref, r0, r1, x, y, c, sn, v, s, wheelbase, v0, T, s0, a_max, b_comf, delta,
                    b_max, lat_ref, override, has_leader, gap, v_leader, look):
    """Acceleration [m/s^2] and steering target [rad] of one agent from the frozen state.

    Scalars in (one agent), and the road's segment table: rows r0..r1-1 of ``ref``.
    ``c``, ``sn``: cosine and sine of the heading. ``lat_ref``: lateral target offset d [m]
    at the lookahead point, ``look`` [m] ahead along s (negative: towards -s).
    """
    acc = _agent_accel(v, v0, T, s0, a_max, b_comf, delta, b_max, override, has_leader, gap,
                       v_leader)
    # pure pursuit from the rear axle towards a point on the reference path ahead
    xt, yt = _lane_to_world_xy_rows(ref, r0, r1, s + look, lat_ref)
    dx = xt - (x - 0.5 * wheelbase * c)
    dy = yt - (y - 0.5 * wheelbase * sn)
    lx = c * dx + sn * dy
    ly = -sn * dx + c * dy
    return acc, math.atan(wheelbase * 2.0 * ly / (lx * lx + ly * ly))


@numba.njit(cache=True, inline="always")
def _bicycle(dt, x, y, yaw, cos_yaw, sin_yaw, v, steer, wheelbase, steer_max, steer_rate_max,
             acc, steer_cmd):
    """Kinematic bicycle step of one agent (reference point midway between the axles).

    ``cos_yaw``/``sin_yaw``: of ``yaw``, already known to the caller. The slip angle
    beta = atan(tan(steer) / 2) enters only through its cosine and sine, taken from
    tan(beta) algebraically: one transcendental call instead of five.
    Returns (x, y, yaw, v, a, steer) after ``dt``.
    """
    max_change = steer_rate_max * dt
    st = steer + min(max(steer_cmd - steer, -max_change), max_change)
    st = min(max(st, -steer_max), steer_max)
    v_new = max(0.0, v + acc * dt)
    v_mid = 0.5 * (v + v_new)
    tan_beta = 0.5 * math.tan(st)
    cos_beta = 1.0 / math.sqrt(1.0 + tan_beta * tan_beta)
    sin_beta = tan_beta * cos_beta
    x += v_mid * (cos_yaw * cos_beta - sin_yaw * sin_beta) * dt
    y += v_mid * (sin_yaw * cos_beta + cos_yaw * sin_beta) * dt
    yaw += v_mid / (0.5 * wheelbase) * sin_beta * dt
    return x, y, yaw, v_new, (v_new - v) / dt, st


@numba.njit(cache=True, parallel=True)
def _integrate(dt, active, x, y, yaw, v, a, steer, wheelbase, steer_max, steer_rate_max,
               acc_cmd, steer_cmd):
    """Phase 2 alone (kinematic bicycle of every active agent); used by tests."""
    for i in numba.prange(x.shape[0]):
        if active[i]:
            x[i], y[i], yaw[i], v[i], a[i], steer[i] = _bicycle(
                dt, x[i], y[i], yaw[i], math.cos(yaw[i]), math.sin(yaw[i]), v[i], steer[i],
                wheelbase[i], steer_max[i], steer_rate_max[i], acc_cmd[i], steer_cmd[i])


@numba.njit(cache=True, inline="always")
def _lane_at(lane_tab, base, n_lanes, lane_width, s, d):
    """Lane of a road holding offset d at s, -1 off the carriageway (a shoulder, a
    sidewalk); right of lane 0, an on-ramp's shift is taken out first."""
    if d < 0.0:
        d -= _lane_shift(lane_tab, base, s)
    k = int(math.floor(d / lane_width))
    return k if 0 <= k < n_lanes else -1


def _step_py(dt, ref_all, ref_rows, road_lanes, lane_tab, look_time, look_max, active, road,
             walker, x, y, yaw, v, a, steer, s, d, lane, dirn, wheelbase, v0, T, s0, a_max,
             b_comf, delta, b_max, steer_max, steer_rate_max, look_min, d_ref, tgt_s, lc_active,
             lc_s0, lc_len, lc_d0, lc_d1, acc_override, gap_ctl, v_ctl, cos_yaw, sin_yaw, done):
    """One physics step of every agent in a single pass over memory: decide, move, refresh
    lane coordinates, close a finished lane change or a walker's arrival (``done[i]``).

    Still two-phase: an agent's decision reads only its own state and what it reacts to
    as frozen by ``_refresh`` (``gap_ctl``, ``v_ctl``), never a neighbour moved earlier in
    this loop, so agent order does not matter and the loop can run in parallel.
    ``cos_yaw``/``sin_yaw``: cosine and sine of ``yaw``, read here and refreshed for the new
    heading (the collision sweep and the next step use them: two fewer trigonometric calls
    per agent and step).

    Each agent is on road ``road[i]`` (segment table rows ``ref_rows[road]`` of ``ref_all``;
    ``road_lanes[road]`` = [first global lane, lane count, lane width]) and drives towards
    ``dirn[i]`` * s. Vehicles and cyclists: IDM + pure pursuit + kinematic bicycle; on-ramp
    lanes bend the lateral target (``lane_tab``). Walkers turn straight towards their
    target point (at most ``steer_rate_max`` rad/s): the lane point ``look_min`` ahead at
    d_ref, or (tgt_s, d_ref) when ``tgt_s`` is set, where they stop (arrival).
    """
    for i in numba.prange(x.shape[0]):
        done[i] = False
        if not active[i]:
            continue
        r = road[i]
        r0 = ref_rows[r, 0]
        r1 = ref_rows[r, 1]
        base = int(road_lanes[r, 0])
        n_lanes = int(road_lanes[r, 1])
        lane_width = road_lanes[r, 2]
        c = cos_yaw[i]
        sn = sin_yaw[i]
        has = gap_ctl[i] < np.inf
        if walker[i]:
            aim = tgt_s[i]
            if math.isnan(aim):
                aim = s[i] + dirn[i] * look_min[i]
            xt, yt = _lane_to_world_xy_rows(ref_all, r0, r1, aim, d_ref[i])
            dx = xt - x[i]
            dy = yt - y[i]
            dist = math.sqrt(dx * dx + dy * dy)
            acc = _agent_accel(v[i], v0[i], T[i], s0[i], a_max[i], b_comf[i], delta[i], b_max[i],
                               acc_override[i], has, gap_ctl[i], v_ctl[i])
            turn = 0.0
            if dist > 1e-6:
                want = math.atan2(dy, dx) - yaw[i]
                want = (want + math.pi) % (2.0 * math.pi) - math.pi
                limit = steer_rate_max[i] * dt
                turn = min(max(want, -limit), limit)
            v_new = min(max(0.0, v[i] + acc * dt), v0[i] if v0[i] > v[i] else v[i])
            if not math.isnan(tgt_s[i]) and dist < max(0.3, v_new * dt):
                done[i] = True  # arrived: walks on or slows down as its script says
            yaw[i] += turn
            c = math.cos(yaw[i])
            sn = math.sin(yaw[i])
            v_mid = 0.5 * (v[i] + v_new)
            x[i] += v_mid * c * dt
            y[i] += v_mid * sn * dt
            a[i] = (v_new - v[i]) / dt
            v[i] = v_new
            steer[i] = turn / dt
            cos_yaw[i] = c
            sin_yaw[i] = sn
            s[i], d[i] = _world_to_lane_walk_rows(ref_all, r0, r1, x[i], y[i], s[i])
            # a crossing walker counts in the lane it is about to step into (drivers see
            # where it is heading), WALK_ANTICIPATION metres ahead of its centre
            ahead = 0.0
            if not math.isnan(tgt_s[i]):
                ahead = WALK_ANTICIPATION if d_ref[i] > d[i] else -WALK_ANTICIPATION
            lane[i] = _lane_at(lane_tab, base, n_lanes, lane_width, s[i], d[i] + ahead)
            continue
        look = dirn[i] * min(max(look_time * v[i], look_min[i]), look_max)
        sq = s[i] + look
        lat_ref = _lateral_target(dirn[i] * (sq - lc_s0[i]), d_ref[i], lc_active[i], lc_len[i],
                                  lc_d0[i], lc_d1[i])
        k_ref = int(math.floor(lat_ref / lane_width))
        if 0 <= k_ref < n_lanes:
            lat_ref += _lane_shift(lane_tab, base + k_ref, sq)
        acc, steer_cmd = _agent_controls(
            ref_all, r0, r1, x[i], y[i], c, sn, v[i], s[i], wheelbase[i], v0[i], T[i], s0[i],
            a_max[i], b_comf[i], delta[i], b_max[i], lat_ref, acc_override[i], has,
            gap_ctl[i], v_ctl[i], look)
        x[i], y[i], yaw[i], v[i], a[i], steer[i] = _bicycle(
            dt, x[i], y[i], yaw[i], c, sn, v[i], steer[i], wheelbase[i], steer_max[i],
            steer_rate_max[i], acc, steer_cmd)
        cos_yaw[i] = math.cos(yaw[i])
        sin_yaw[i] = math.sin(yaw[i])
        s[i], d[i] = _world_to_lane_walk_rows(ref_all, r0, r1, x[i], y[i], s[i])
        lane[i] = _lane_at(lane_tab, base, n_lanes, lane_width, s[i], d[i])
        if lc_active[i] and dirn[i] * (s[i] - lc_s0[i]) >= lc_len[i]:
            lc_active[i] = False
            d_ref[i] = lc_d1[i]
            done[i] = True


# The same step compiled twice: serial (predictable on a shared machine) and threaded. It
# allocates nothing, so it is compiled without Numba's reference-counting runtime
# (``_nrt=False``), and its helpers are inlined (inline="always"): the reference counting
# of array views and arguments passed to helpers cost more than half of the step
# (138 -> 56 ns per agent at 10,000 agents, same trajectories bit for bit).
_step = numba.njit(cache=True, _nrt=False)(_renamed(_step_py, "_step_serial"))
_step_parallel = numba.njit(cache=True, parallel=True, _nrt=False)(
    _renamed(_step_py, "_step_threaded"))


# ------------------------------------------------------------------ MOBIL lane changes
@numba.njit(cache=True, inline="always")
def _idm_behind(f, j, v, s, length, v0, T, s0, a_max, b_comf, delta):
    """IDM acceleration of agent f if agent j (-1: nobody) were its leader."""
    if j < 0:
        return _idm_accel(v[f], v0[f], T[f], s0[f], a_max[f], b_comf[f], delta[f], 0.0, 0.0, False)
    g = s[j] - s[f] - 0.5 * (length[f] + length[j])
    return _idm_accel(v[f], v0[f], T[f], s0[f], a_max[f], b_comf[f], delta[f], g, v[f] - v[j], True)


@numba.njit(cache=True, inline="always")
def _key_bucket(v, lo, scale, nb):
    """Bucket of key ``v`` in a _key_buckets table: monotone (non-decreasing) in v."""
    f = (v - lo) * scale
    if f <= 0.0:
        return 0
    if f >= nb:
        return nb
    return int(f)


@numba.njit(cache=True)
def _key_buckets(sorted_key):
    """Bucket table for fast np.searchsorted-exact lookups in ``sorted_key`` (ascending,
    _INACTIVE_KEY entries last): about one bucket per finite key between the smallest and
    the largest. Returns (start, lo, scale, nb): ``start[b]`` is the first index whose key
    falls in bucket b or later (b = 0..nb + 1)."""
    n_fin = np.searchsorted(sorted_key, _INACTIVE_KEY)
    nb = max(n_fin, 1)
    start = np.empty(nb + 2, dtype=np.int64)
    lo = sorted_key[0] if n_fin > 0 else 0.0
    span = sorted_key[n_fin - 1] - lo if n_fin > 0 else 0.0
    scale = nb / span if span > 0.0 else 0.0
    b = 0
    for k in range(n_fin):
        bk = _key_bucket(sorted_key[k], lo, scale, nb)
        while b <= bk:
            start[b] = k
            b += 1
    while b < nb + 2:
        start[b] = n_fin
        b += 1
    return start, lo, scale, nb


@numba.njit(cache=True, inline="always")
def _bucket_search(sorted_key, start, lo, scale, nb, v):
    """np.searchsorted(sorted_key, v) (leftmost index with key >= v), for finite v.

    Keys in buckets before v's are < v and keys in buckets after it are > v (the bucket
    is monotone in the key), so a binary search inside v's bucket is exact -- a step or
    two on traffic spread along a road instead of log2(N) scattered probes.
    """
    b = _key_bucket(v, lo, scale, nb)
    i = start[b]
    j = start[b + 1]
    while i < j:
        mid = (i + j) >> 1
        if sorted_key[mid] < v:
            i = mid + 1
        else:
            j = mid
    return i


@numba.njit(cache=True, inline="always")
def _lane_neighbours(order, sorted_key, lane, active, lane_stride, target, s_query,
                     start, lo, scale, nb):
    """(leader, follower) in lane ``target`` around position s_query (-1: none);
    ``start, lo, scale, nb``: _key_buckets(sorted_key)."""
    n = order.shape[0]
    pos = _bucket_search(sorted_key, start, lo, scale, nb, target * lane_stride + s_query)
    ahead = -1
    behind = -1
    if pos < n:
        j = order[pos]
        if active[j] and lane[j] == target:
            ahead = j
    if pos > 0:
        j = order[pos - 1]
        if active[j] and lane[j] == target:
            behind = j
    return ahead, behind


MANDATORY_RANGE = 300.0  # [m] drivers start looking for a gap this far before their lane ends
MANDATORY_BIAS = 2.0  # [m/s^2] extra incentive to leave a lane that ends


def _mobil_py(step_index, period, dt, order, sorted_key, rank, claimed, lane_stride, road_lanes,
              lane_tab, lane_wall, active, road, lane, glane, dirn, gap_ctl, v_ctl,
              s, d, v, length, v0, T, s0, a_max, b_comf, delta, acc_override, mobil, politeness,
              threshold, b_safe, lc_duration, lc_cooldown, lc_active, lc_s0, lc_len, lc_d0,
              lc_d1, started):
    """MOBIL (Kesting, Treiber & Helbing 2007) lane-change decisions; returns how many began.

    Agent c (MOBIL on, not changing lanes, no scripted acceleration, cooldown over, and its
    turn: every ``period`` steps, staggered by index) moves to an adjacent lane L' when

    * safety: the new follower n would brake no harder than ``b_safe``: a~_n >= -b_safe,
      and nobody overlaps c in L';
    * incentive: a~_c - a_c + p [(a~_n - a_n) + (a~_o - a_o)] > threshold, with o the old
      follower (who would then follow c's old leader) and p the politeness.

    The better of the two sides wins. A driver whose lane ends within MANDATORY_RANGE
    (a lane drop, an on-ramp's acceleration lane) decides even without MOBIL on, with
    MANDATORY_BIAS added to leaving; its current acceleration includes braking for the
    lane's end (``gap_ctl``/``v_ctl`` from _refresh). Only forward-running drivers on a
    lane that exists at their position (an on-ramp after it joins) change lanes, into lanes
    of their road that run the same way, exist there and do not end. ``lane`` is the road's lane index,
    ``glane`` the global one (_refresh). Decisions are made in index order; the agents around
    a gap taken this step (changer, its new leader and follower) sit out the rest of it, so
    two cars never merge into the same gap at once. ``sorted_key``, ``rank``: from
    _refresh; ``claimed``: (N,) bool scratch, all False; ``started[c]`` is set for each
    agent visited this step (the caller reads and clears it).

    Two phases, so that the first may run threaded (_mobil_parallel) with the same result:
    every visited driver's options are weighed from the frozen state (neighbours,
    accelerations, safety, incentive per side), then the decisions are taken in index order,
    skipping whatever involves an agent already claimed this step.
    """
    n = order.shape[0]
    start, lo, scale, nb = _key_buckets(sorted_key)
    # only this step's turn is visited (c = -step_index mod period): O(N / period) per step;
    # cooldowns run down by the period's worth of time at each visit
    first = (-step_index) % period
    m = max(0, (n - first + period - 1) // period)
    eligible = np.zeros(m, dtype=np.bool_)
    lead_of = np.empty(m, dtype=np.int64)
    follower_of = np.empty(m, dtype=np.int64)
    side_ok = np.zeros((m, 2), dtype=np.bool_)
    side_gain = np.empty((m, 2))
    # per side: the new leader and follower, and the far lane's agents near enough to block
    side_agents = np.full((m, 2, 4), -1, dtype=np.int64)
    for vi in numba.prange(m):
        c = first + vi * period
        started[c] = False
        if lc_cooldown[c] > 0.0:
            lc_cooldown[c] -= period * dt
        g = glane[c]
        if not active[c] or g < 0 or dirn[c] < 0 or lc_active[c] or lc_cooldown[c] > 0.0:
            continue
        bias = 0.0
        if lane_wall[g] - s[c] < MANDATORY_RANGE:
            bias = MANDATORY_BIAS
        elif not mobil[c]:
            continue
        if not math.isnan(acc_override[c]) or s[c] < lane_tab[g, 1]:
            continue
        rd = road[c]
        base = int(road_lanes[rd, 0])
        n_lanes = int(road_lanes[rd, 1])
        my_lane = lane[c]
        r = rank[c]
        lead = -1
        if r + 1 < n and glane[order[r + 1]] == g and active[order[r + 1]]:
            lead = order[r + 1]
        old_f = -1
        if r > 0 and glane[order[r - 1]] == g and active[order[r - 1]]:
            old_f = order[r - 1]
        eligible[vi] = True
        lead_of[vi] = lead
        follower_of[vi] = old_f
        a_c = _idm_accel(v[c], v0[c], T[c], s0[c], a_max[c], b_comf[c], delta[c], gap_ctl[c],
                         v[c] - v_ctl[c], gap_ctl[c] < np.inf)
        gain_o = 0.0
        if old_f >= 0:
            gain_o = (_idm_behind(old_f, lead, v, s, length, v0, T, s0, a_max, b_comf, delta)
                      - _idm_behind(old_f, c, v, s, length, v0, T, s0, a_max, b_comf, delta))
        for side in range(2):
            target = my_lane + (1 if side == 0 else -1)
            if target < 0 or target >= n_lanes:
                continue
            gt = base + target
            if lane_tab[gt, 0] < 0 or s[c] < lane_tab[gt, 1] or lane_wall[gt] < 1e300:
                continue  # runs the other way, has not begun, or ends: nobody changes into it
            new_lead, new_f = _lane_neighbours(order, sorted_key, glane, active, lane_stride,
                                               gt, s[c], start, lo, scale, nb)
            if new_lead >= 0 and lc_active[new_lead]:
                continue
            if new_f >= 0 and lc_active[new_f]:
                continue
            # room: no body overlap with either neighbour in the target lane
            if new_lead >= 0 and s[new_lead] - s[c] < 0.5 * (length[new_lead] + length[c]):
                continue
            if new_f >= 0 and s[c] - s[new_f] < 0.5 * (length[new_f] + length[c]):
                continue
            # nobody from the far side is merging into the same stretch of lane: changing
            # now (or, checked in phase 2, having decided to this step)
            far = target + (target - my_lane)
            far_lead = -1
            far_f = -1
            blocked = False
            if 0 <= far < n_lanes and lane_tab[base + far, 0] > 0:
                fl, ff = _lane_neighbours(order, sorted_key, glane, active, lane_stride,
                                          base + far, s[c], start, lo, scale, nb)
                if fl >= 0 and (abs(s[fl] - s[c])
                                < 0.5 * (length[fl] + length[c]) + s0[c] + v[c] * T[c]):
                    far_lead = fl
                    blocked = blocked or lc_active[fl]
                if ff >= 0 and (abs(s[ff] - s[c])
                                < 0.5 * (length[ff] + length[c]) + s0[c] + v[c] * T[c]):
                    far_f = ff
                    blocked = blocked or lc_active[ff]
            if blocked:
                continue
            a_c_new = _idm_behind(c, new_lead, v, s, length, v0, T, s0, a_max, b_comf, delta)
            gain_n = 0.0
            if new_f >= 0:
                a_n_new = _idm_behind(new_f, c, v, s, length, v0, T, s0, a_max, b_comf, delta)
                if a_n_new < -b_safe[c]:
                    continue
                a_n = _idm_behind(new_f, new_lead, v, s, length, v0, T, s0, a_max, b_comf, delta)
                gain_n = a_n_new - a_n
            if a_c_new < -b_safe[c]:
                continue
            incentive = a_c_new - a_c + politeness[c] * (gain_n + gain_o)
            if lane_wall[gt] > lane_wall[g]:
                incentive += bias
            side_ok[vi, side] = True
            side_gain[vi, side] = incentive
            side_agents[vi, side, 0] = new_lead
            side_agents[vi, side, 1] = new_f
            side_agents[vi, side, 2] = far_lead
            side_agents[vi, side, 3] = far_f
    count = 0
    for vi in range(m):
        if not eligible[vi]:
            continue
        c = first + vi * period
        lead = lead_of[vi]
        old_f = follower_of[vi]
        if claimed[c] or lead >= 0 and claimed[lead] or old_f >= 0 and claimed[old_f]:
            continue
        best = -1
        best_gain = threshold[c]
        for side in range(2):
            if not side_ok[vi, side]:
                continue
            taken = False
            for k in range(4):
                a = side_agents[vi, side, k]
                if a >= 0 and claimed[a]:
                    taken = True
            if taken:
                continue
            if side_gain[vi, side] > best_gain:
                best_gain = side_gain[vi, side]
                best = side
        if best < 0:
            continue
        lane_width = road_lanes[road[c], 2]
        lc_active[c] = True
        lc_s0[c] = s[c]
        lc_len[c] = max(v[c], 1.0) * lc_duration[c]
        lc_d0[c] = d[c]
        lc_d1[c] = (lane[c] + (1 if best == 0 else -1) + 0.5) * lane_width
        lc_cooldown[c] = lc_duration[c] + 2.0  # [s] settle in the new lane before deciding again
        started[c] = True
        claimed[c] = True
        for k in range(2):
            if side_agents[vi, best, k] >= 0:
                claimed[side_agents[vi, best, k]] = True
        if old_f >= 0:
            claimed[old_f] = True
        count += 1
    if count:
        claimed[:] = False  # scratch: all False between calls
    return count


_mobil = numba.njit(cache=True)(_renamed(_mobil_py, "_mobil_serial"))
_mobil_parallel = numba.njit(cache=True, parallel=True)(_renamed(_mobil_py, "_mobil_threaded"))


# ------------------------------------------------------------------ collisions
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


@numba.njit(cache=True, inline="always")
def _obb_overlap_cs(x1, y1, c1, s1, l1, w1, x2, y2, c2, s2, l2, w2):
    """_obb_overlap with the headings given as cosine and sine."""
    dx = x2 - x1
    dy = y2 - y1
    for k in range(4):
        if k == 0:
            ax, ay = c1, s1
        elif k == 1:
            ax, ay = -s1, c1
        elif k == 2:
            ax, ay = c2, s2
        else:
            ax, ay = -s2, c2
        r1 = 0.5 * l1 * abs(c1 * ax + s1 * ay) + 0.5 * w1 * abs(-s1 * ax + c1 * ay)
        r2 = 0.5 * l2 * abs(c2 * ax + s2 * ay) + 0.5 * w2 * abs(-s2 * ax + c2 * ay)
        if abs(dx * ax + dy * ay) > r1 + r2:
            return False
    return True


def _collisions_py(order, key, active, x, y, cos_yaw, sin_yaw, length, width):
    """All overlapping pairs (i < j) of active agents, through a uniform grid.

    Cells are 2 r_max wide (r_max: the largest half-diagonal), so overlapping boxes lie in
    the same or adjacent cells. ``order`` (kept between calls, any permutation on the first)
    is sorted by cell key = column * _GRID_ROW + row; the cells (col, row..row+1) and
    (col+1, row-1..row+1) are then two contiguous runs of it, and the start of the second
    only moves forward, so a sweep visits every candidate: O(N + candidates) per step
    when the order is nearly sorted (_sweep; the order is cut into pieces swept apart).
    ``key`` holds the keys ``order`` was sorted by (kept with it between calls; on the first,
    anything but grid keys, e.g. zeros); when no agent changed cell the sort is skipped.
    Headings come as cosine and sine. Returns (K, 2) int32 sorted by (i, j).
    """
    n = x.shape[0]
    ext = np.empty((n, 2))
    diag2 = 0.0  # largest squared diagonal: one square root, same r_max (sqrt is monotone)
    for i in range(n):
        if active[i]:
            diag2 = max(diag2, length[i] * length[i] + width[i] * width[i])
    r_max = 0.5 * math.sqrt(diag2)
    if r_max <= 0.0:
        return np.empty((0, 2), dtype=np.int32)
    cell = 2.0 * r_max
    moved = 0
    for i in numba.prange(n):
        k = _GRID_INACTIVE
        if active[i]:
            c = abs(cos_yaw[i])
            sn = abs(sin_yaw[i])
            ext[i, 0] = 0.5 * (length[i] * c + width[i] * sn)
            ext[i, 1] = 0.5 * (length[i] * sn + width[i] * c)
            col = int(math.floor(x[i] / cell)) + _GRID_OFFSET
            row = int(math.floor(y[i] / cell)) + _GRID_OFFSET
            k = col * _GRID_ROW + row
        if k != key[i]:
            moved += 1
            key[i] = k
    if moved > 0:  # else ``order`` is still sorted by the unchanged keys of the last call
        _insertion_sort(order, key)
    # the sweep, in pieces of the sorted order that threads may take apart: each writes
    # into its own small buffer and counts every pair; a piece that found more pairs than
    # its buffer holds (a pile-up) is swept again into its place in the result
    n_chunks = min(_SWEEP_CHUNKS, max(1, n // 256))
    chunk = (n + n_chunks - 1) // n_chunks
    buf = np.empty((n_chunks, _CHUNK_PAIRS, 2), dtype=np.int32)
    counts = np.zeros(n_chunks, dtype=np.int64)
    for c in numba.prange(n_chunks):
        counts[c] = _sweep(order, key, ext, x, y, cos_yaw, sin_yaw, length, width, c * chunk,
                           min(n, (c + 1) * chunk), buf[c])
    count = counts.sum()
    out = np.empty((max(1, count), 2), dtype=np.int32)
    at = 0
    for c in range(n_chunks):
        k = counts[c]
        if k <= _CHUNK_PAIRS:
            out[at:at + k] = buf[c, :k]
        else:
            _sweep(order, key, ext, x, y, cos_yaw, sin_yaw, length, width, c * chunk,
                   min(n, (c + 1) * chunk), out[at:at + k])
        at += k
    pairs = out[:count]
    if count > 1:
        rank = np.argsort(pairs[:, 0].astype(np.int64) * n + pairs[:, 1], kind="mergesort")
        pairs = pairs[rank]
    return pairs


_SWEEP_CHUNKS = 16  # pieces of the collision sweep (threads take them in turn)
_CHUNK_PAIRS = 64  # overlapping pairs a piece's buffer holds (more: the piece is swept again)


@numba.njit(cache=True, inline="always")
def _sweep(order, key, ext, x, y, cos_yaw, sin_yaw, length, width, p0, p1, out):
    """Overlapping pairs of the agents at positions p0..p1-1 of the sorted grid order with
    those after them in the same or the next cell column (see _collisions_py), written to
    ``out`` as (min, max); returns how many there are, which goes on past ``out``'s length
    (without writing) when it is full.

    The pair test is written out here rather than in a helper taking the arrays: passing
    arrays to a helper per candidate pair costs reference counting (8x slower)."""
    n = order.shape[0]
    count = 0
    q = p0  # start of the run of cells (col + 1, row - 1 ..): keys before p are < it
    for p in range(p0, p1):
        i = order[p]
        k = key[i]
        if k == _GRID_INACTIVE:
            break
        for run in range(2):
            if run == 0:  # same column: the rest of this cell and the cell above
                first = p + 1
                last_key = k + 1
            else:  # next column: rows - 1 .. + 1
                while q < n and key[order[q]] < k + _GRID_ROW - 1:
                    q += 1
                first = q
                last_key = k + _GRID_ROW + 1
            for r in range(first, n):
                j = order[r]
                if key[j] > last_key:
                    break
                if (abs(x[j] - x[i]) > ext[i, 0] + ext[j, 0]
                        or abs(y[j] - y[i]) > ext[i, 1] + ext[j, 1]):
                    continue  # axis-aligned bounds apart (e.g. neighbours in adjacent lanes)
                if _obb_overlap_cs(x[i], y[i], cos_yaw[i], sin_yaw[i], length[i], width[i],
                                   x[j], y[j], cos_yaw[j], sin_yaw[j], length[j], width[j]):
                    if count < out.shape[0]:
                        out[count, 0] = min(i, j)
                        out[count, 1] = max(i, j)
                    count += 1
    return count


# the per-agent cell keys and the pieces of the sweep may run threaded
_collisions = numba.njit(cache=True)(_renamed(_collisions_py, "_collisions_serial"))
_collisions_parallel = numba.njit(cache=True, parallel=True)(
    _renamed(_collisions_py, "_collisions_threaded"))


@numba.njit(cache=True)
def _collision_pairs(active, x, y, yaw, length, width):
    """All overlapping pairs (i < j) of active agents, from a fresh grid order; (K, 2) int32."""
    n = x.shape[0]
    order = np.arange(n)
    key = np.full(n, _GRID_INACTIVE, dtype=np.int64)
    return _collisions(order, key, active, x, y, np.cos(yaw), np.sin(yaw), length, width)
