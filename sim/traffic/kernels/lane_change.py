"""Lane change: MOBIL decisions (``_mobil``; Kesting, Treiber & Helbing 2007), including the
mandatory changes out of a lane that ends. The lane change itself (the lateral path) is
driven by the step kernel (sim.traffic.kernels.motion)."""

from __future__ import annotations

import math

import numba
import numpy as np

from sim.traffic.kernels.ordering import _key_buckets, _lane_neighbours
from sim.traffic.kernels.shared import _idm_accel, _pieces, serial_and_threaded

MANDATORY_RANGE = 300.0  # [m] drivers start looking for a gap this far before their lane ends
MANDATORY_BIAS = 2.0  # [m/s^2] extra incentive to leave a lane that ends


@numba.njit(cache=True, inline="always")
def _idm_behind(f, j, v, s, length, v0, T, s0, a_max, b_comf, delta):
    """IDM acceleration [m/s^2] of agent f if agent j (-1: nobody) were its leader."""
    if j < 0:
        return _idm_accel(v[f], v0[f], T[f], s0[f], a_max[f], b_comf[f], delta[f], 0.0, 0.0, False)
    g = s[j] - s[f] - 0.5 * (length[f] + length[j])
    return _idm_accel(v[f], v0[f], T[f], s0[f], a_max[f], b_comf[f], delta[f], g, v[f] - v[j], True)


def _mobil_py(step_index, period, dt, roads, agents, idm, path, mobil, traffic, claimed, started):
    """MOBIL (Kesting, Treiber & Helbing 2007) lane-change decisions; returns how many began.

    Bundles (sim.traffic.kernels.bundles): ``roads``, ``agents``, ``idm``, ``traffic``
    (from _refresh: order, sorted_key, rank, glane, gap_ctl, v_ctl) are read; ``path`` (a
    lane change starts) and ``mobil.lc_cooldown`` are written. ``claimed``: (N,) bool
    scratch, all False; ``started[c]`` is set for each agent that begins a change this step
    (the caller reads and clears it). ``dt`` [s]; ``step_index``, ``period`` [steps].

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
    of their road that run the same way, exist there and do not end. ``lane`` is the road's
    lane index, ``glane`` the global one. Decisions are made in index order; the agents
    around a gap taken this step (changer, its new leader and follower) sit out the rest of
    it, so two cars never merge into the same gap at once.

    Two phases, so that the first may run threaded (_mobil_parallel) with the same result:
    every visited driver's options are weighed from the frozen state (neighbours,
    accelerations, safety, incentive per side), then the decisions are taken in index order,
    skipping whatever involves an agent already claimed this step.
    """
    road_lanes = roads.road_lanes
    road, lane, s, d, v = agents.road, agents.lane, agents.s, agents.d, agents.v
    lc_active, lc_s0, lc_len, lc_d0, lc_d1 = (
        path.lc_active,
        path.lc_s0,
        path.lc_len,
        path.lc_d0,
        path.lc_d1,
    )
    threshold, lc_duration, lc_cooldown = mobil.threshold, mobil.lc_duration, mobil.lc_cooldown
    n = traffic.order.shape[0]
    buckets = _key_buckets(traffic.sorted_key)
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
    choice = (eligible, lead_of, follower_of, side_ok, side_gain, side_agents)
    turn = (first, period, dt)
    pieces = _pieces(m)  # threads take pieces (sim.traffic.kernels.shared._pieces)
    for piece in numba.prange(pieces):
        _mobil_weigh(
            m * piece // pieces,
            m * (piece + 1) // pieces,
            turn,
            roads,
            agents,
            idm,
            path,
            mobil,
            traffic,
            started,
            buckets,
            choice,
        )
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


@numba.njit(cache=True)
def _mobil_weigh(lo, hi, turn, roads, agents, idm, path, mobil, traffic, started, buckets, choice):
    """Phase 1 of _mobil_py for visits lo..hi-1 of this step's turn ``(first, period, dt)``:
    each visited driver's options from the frozen state, into ``choice`` (eligible, leader,
    old follower, per side: allowed, incentive, the agents it involves). ``buckets``:
    _key_buckets(traffic.sorted_key)."""
    road_lanes, lane_tab, lane_wall = roads.road_lanes, roads.lane_tab, roads.lane_wall
    lane_stride = roads.lane_stride
    active, road, lane, dirn = agents.active, agents.road, agents.lane, agents.dirn
    s, v, length, acc_override = agents.s, agents.v, agents.length, agents.acc_override
    v0, T, s0, a_max, b_comf, delta = idm.v0, idm.T, idm.s0, idm.a_max, idm.b_comf, idm.delta
    lc_active = path.lc_active
    mobil_on, politeness, lc_cooldown = mobil.mobil, mobil.politeness, mobil.lc_cooldown
    b_safe = mobil.b_safe
    order, sorted_key, rank, glane = traffic.order, traffic.sorted_key, traffic.rank, traffic.glane
    gap_ctl, v_ctl = traffic.gap_ctl, traffic.v_ctl
    first, period, dt = turn
    start, lo_key, scale, nb = buckets
    eligible, lead_of, follower_of, side_ok, side_gain, side_agents = choice
    n = order.shape[0]
    for vi in range(max(lo, 0), hi):
        if vi >= eligible.shape[0]:  # a bound the compiler sees: a faster loop (docs/traffic.md)
            break
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
        elif not mobil_on[c]:
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
        a_c = _idm_accel(
            v[c],
            v0[c],
            T[c],
            s0[c],
            a_max[c],
            b_comf[c],
            delta[c],
            gap_ctl[c],
            v[c] - v_ctl[c],
            gap_ctl[c] < np.inf,
        )
        gain_o = 0.0
        if old_f >= 0:
            gain_o = _idm_behind(old_f, lead, v, s, length, v0, T, s0, a_max, b_comf, delta) - (
                _idm_behind(old_f, c, v, s, length, v0, T, s0, a_max, b_comf, delta)
            )
        for side in range(2):
            target = my_lane + (1 if side == 0 else -1)
            if target < 0 or target >= n_lanes:
                continue
            gt = base + target
            if lane_tab[gt, 0] < 0 or s[c] < lane_tab[gt, 1] or lane_wall[gt] < 1e300:
                continue  # runs the other way, has not begun, or ends: nobody changes into it
            new_lead, new_f = _lane_neighbours(
                order, sorted_key, glane, active, lane_stride, gt, s[c], start, lo_key, scale, nb
            )
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
                fl, ff = _lane_neighbours(
                    order,
                    sorted_key,
                    glane,
                    active,
                    lane_stride,
                    base + far,
                    s[c],
                    start,
                    lo_key,
                    scale,
                    nb,
                )
                # (written out in full: the sum's order decides its last bit)
                if fl >= 0 and (
                    abs(s[fl] - s[c]) < 0.5 * (length[fl] + length[c]) + s0[c] + v[c] * T[c]
                ):
                    far_lead = fl
                    blocked = blocked or lc_active[fl]
                if ff >= 0 and (
                    abs(s[ff] - s[c]) < 0.5 * (length[ff] + length[c]) + s0[c] + v[c] * T[c]
                ):
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


_mobil, _mobil_parallel = serial_and_threaded(_mobil_py, "_mobil")
