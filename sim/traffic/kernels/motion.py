"""Motion: one physics step of every agent (``_step``): decide from the frozen state, move,
refresh lane coordinates.

Drivers: IDM acceleration (or a scripted override), pure-pursuit steering towards the lane
centre or a lane change's quintic path, the kinematic bicycle with the ballistic update
(docs/traffic.md). Walkers turn towards their target point and walk straight.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from sim.road.kernels import _lane_shift, _lane_to_world_xy_rows, _world_to_lane_walk_rows
from sim.traffic.kernels.shared import _idm_accel, _pieces, serial_and_threaded

WALK_ANTICIPATION = 1.0  # [m] a crossing walker is in the lane it is about to step into


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
def _agent_controls(ref, rows, pose, v, s, wheelbase, idm, b_max, override, leader, lat_ref, look):
    """Acceleration [m/s^2] and steering target [rad] of one agent from the frozen state.

    Scalars in (one agent; tuples group them), and the road's segment table: rows
    ``rows = (r0, r1)`` (r0..r1-1) of ``ref``. ``pose = (x, y, cos yaw, sin yaw)``;
    ``idm = (v0, T, s0, a_max, b_comf, delta)``; ``leader = (has_leader, gap, v_leader)``.
    ``lat_ref``: lateral target offset d [m] at the lookahead point, ``look`` [m] ahead
    along s (negative: towards -s).
    """
    x, y, c, sn = pose
    v0, T, s0, a_max, b_comf, delta = idm
    has_leader, gap, v_leader = leader
    acc = _agent_accel(
        v, v0, T, s0, a_max, b_comf, delta, b_max, override, has_leader, gap, v_leader
    )
    # pure pursuit from the rear axle towards a point on the reference path ahead
    xt, yt = _lane_to_world_xy_rows(ref, rows[0], rows[1], s + look, lat_ref)
    dx = xt - (x - 0.5 * wheelbase * c)
    dy = yt - (y - 0.5 * wheelbase * sn)
    lx = c * dx + sn * dy
    ly = -sn * dx + c * dy
    return acc, math.atan(wheelbase * 2.0 * ly / (lx * lx + ly * ly))


@numba.njit(cache=True, inline="always")
def _bicycle(dt, pose, v, steer, wheelbase, steer_max, steer_rate_max, acc, steer_cmd):
    """Kinematic bicycle step of one agent (reference point midway between the axles).

    ``pose = (x, y, yaw, cos yaw, sin yaw)``: the cosine and sine already known to the
    caller. The slip angle beta = atan(tan(steer) / 2) enters only through its cosine and
    sine, taken from tan(beta) algebraically: one transcendental call instead of five.
    Returns (x, y, yaw, v, a, steer) after ``dt``.
    """
    x, y, yaw, cos_yaw, sin_yaw = pose
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


@numba.njit(cache=True)
def _integrate(dt, agents, limits, acc_cmd, steer_cmd):
    """Phase 2 alone (kinematic bicycle of every active agent with commands ``acc_cmd``
    [m/s^2] and ``steer_cmd`` [rad]; no lane coordinates, cos/sin not refreshed); used by
    tests."""
    active, x, y, yaw, v, a, steer = (
        agents.active,
        agents.x,
        agents.y,
        agents.yaw,
        agents.v,
        agents.a,
        agents.steer,
    )
    wheelbase, steer_max, steer_rate_max = agents.wheelbase, limits.steer_max, limits.steer_rate_max
    for i in range(x.shape[0]):
        if active[i]:
            pose = (x[i], y[i], yaw[i], math.cos(yaw[i]), math.sin(yaw[i]))
            x[i], y[i], yaw[i], v[i], a[i], steer[i] = _bicycle(
                dt,
                pose,
                v[i],
                steer[i],
                wheelbase[i],
                steer_max[i],
                steer_rate_max[i],
                acc_cmd[i],
                steer_cmd[i],
            )


@numba.njit(cache=True, inline="always")
def _lane_at(lane_tab, base, n_lanes, lane_width, s, d):
    """Lane of a road holding offset d at s, -1 off the carriageway (a shoulder, a
    sidewalk); right of lane 0, an on-ramp's shift is taken out first."""
    if d < 0.0:
        d -= _lane_shift(lane_tab, base, s)
    k = int(math.floor(d / lane_width))
    return k if 0 <= k < n_lanes else -1


def _step_py(dt, look_time, look_max, roads, agents, idm, limits, path, traffic, done):
    """One physics step of every agent in a single pass over memory: decide, move, refresh
    lane coordinates, close a finished lane change or a walker's arrival (``done[i]``).

    Bundles (sim.traffic.kernels.bundles): ``roads``, ``idm``, ``limits`` and
    ``traffic.gap_ctl``/``v_ctl`` are read; ``agents`` (pose, speed, lane coordinates,
    cos/sin of the heading) and ``path`` (a lane change closing) are updated. ``dt`` [s];
    ``look_time`` [s], ``look_max`` [m]: pure-pursuit lookahead = look_time * v clamped to
    [look_min, look_max].

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
    n = agents.x.shape[0]
    pieces = _pieces(n)
    for piece in numba.prange(pieces):
        _step_range(
            n * piece // pieces,
            n * (piece + 1) // pieces,
            dt,
            look_time,
            look_max,
            roads,
            agents,
            idm,
            limits,
            path,
            traffic,
            done,
        )


@numba.njit(cache=True, _nrt=False)
def _step_range(lo, hi, dt, look_time, look_max, roads, agents, idm, limits, path, traffic, done):
    """_step_py for agents lo..hi-1 (one thread's piece; a plain loop)."""
    ref_all, ref_rows, road_lanes, lane_tab = (
        roads.ref_all,
        roads.ref_rows,
        roads.road_lanes,
        roads.lane_tab,
    )
    active, road, walker, dirn = agents.active, agents.road, agents.walker, agents.dirn
    x, y, yaw, v, a, steer = agents.x, agents.y, agents.yaw, agents.v, agents.a, agents.steer
    s, d, lane, cos_yaw, sin_yaw = agents.s, agents.d, agents.lane, agents.cos_yaw, agents.sin_yaw
    wheelbase, look_min, tgt_s = agents.wheelbase, agents.look_min, agents.tgt_s
    acc_override = agents.acc_override
    v0, T, s0, a_max, b_comf, delta = idm.v0, idm.T, idm.s0, idm.a_max, idm.b_comf, idm.delta
    b_max, steer_max, steer_rate_max = limits.b_max, limits.steer_max, limits.steer_rate_max
    d_ref, lc_active, lc_s0, lc_len, lc_d0, lc_d1 = (
        path.d_ref,
        path.lc_active,
        path.lc_s0,
        path.lc_len,
        path.lc_d0,
        path.lc_d1,
    )
    gap_ctl, v_ctl = traffic.gap_ctl, traffic.v_ctl
    for i in range(max(lo, 0), hi):
        if i >= x.shape[0]:  # a bound the compiler sees: a faster loop (docs/traffic.md)
            break
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
            acc = _agent_accel(
                v[i],
                v0[i],
                T[i],
                s0[i],
                a_max[i],
                b_comf[i],
                delta[i],
                b_max[i],
                acc_override[i],
                has,
                gap_ctl[i],
                v_ctl[i],
            )
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
        lat_ref = _lateral_target(
            dirn[i] * (sq - lc_s0[i]), d_ref[i], lc_active[i], lc_len[i], lc_d0[i], lc_d1[i]
        )
        k_ref = int(math.floor(lat_ref / lane_width))
        if 0 <= k_ref < n_lanes:
            lat_ref += _lane_shift(lane_tab, base + k_ref, sq)
        acc, steer_cmd = _agent_controls(
            ref_all,
            (r0, r1),
            (x[i], y[i], c, sn),
            v[i],
            s[i],
            wheelbase[i],
            (v0[i], T[i], s0[i], a_max[i], b_comf[i], delta[i]),
            b_max[i],
            acc_override[i],
            (has, gap_ctl[i], v_ctl[i]),
            lat_ref,
            look,
        )
        x[i], y[i], yaw[i], v[i], a[i], steer[i] = _bicycle(
            dt,
            (x[i], y[i], yaw[i], c, sn),
            v[i],
            steer[i],
            wheelbase[i],
            steer_max[i],
            steer_rate_max[i],
            acc,
            steer_cmd,
        )
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
_step, _step_parallel = serial_and_threaded(_step_py, "_step", _nrt=False)
