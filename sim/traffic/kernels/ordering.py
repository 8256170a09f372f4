"""Ordering: the per-lane order of the agents, every leader and gap, and what each driver
reacts to (``_refresh``); look-ups in that order for MOBIL (``_lane_neighbours``).

The order is kept sorted by ``key = global lane * lane_stride + s`` with an insertion sort
(the order barely changes between steps, so this is O(N)); leaders are read off it: no
all-pairs loop.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from sim.traffic.kernels.shared import (
    _INACTIVE_KEY,
    _insertion_sort,
    _pieces,
    serial_and_threaded,
)

MERGE_SIGNAL = 120.0  # [m] before its lane's end a driver signals and is let in


@numba.njit(cache=True)
def _find_leaders(
    order, sorted_key, lane, s, length, active, lc_active, lc_lane, lane_stride, leader, gap, dirn
):
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
            if (
                active[j]
                and lane[j] == target
                and (leader[c] < 0 or dirn[c] * (s[j] - s[leader[c]]) < 0.0)
            ):
                leader[c] = j
                gap[c] = dirn[c] * (s[j] - s[c]) - 0.5 * (length[j] + length[c])
        if 0 <= behind < n:
            f = order[behind]
            g = dirn[f] * (s[c] - s[f]) - 0.5 * (length[c] + length[f])
            if (
                active[f]
                and lane[f] == target
                and dirn[f] == dirn[c]
                and (leader[f] < 0 or dirn[f] * (s[c] - s[leader[f]]) < 0.0)
                and (lc_active[c] or g > 0.0)  # a driver only signalling must be ahead
            ):
                leader[f] = c
                gap[f] = g


def _refresh_py(roads, agents, path, traffic):
    """Per-lane order, changers' second lane, every leader and gap, then what each driver
    reacts to (one call). Bundles: :class:`~sim.traffic.kernels.bundles.Roads`,
    ``Agents``, ``LanePath`` (read) and ``Traffic`` (written).

    ``traffic.glane``: global lane id, -1 off the carriageway. A changer joins its target
    lane's traffic once its body overlaps that lane (followers there react from then on,
    not from the first blink): ``lc_lane`` is that lane, else the agent's own.
    ``gap``/``leader``: the nearest agent ahead. ``gap_ctl``/``v_ctl`` (frozen for _step):
    the gap [m] and the speed along the driver's direction [m/s] of whatever it must not
    hit -- the leader, or a standing wall: its lane's end (``lane_wall``), a red or amber
    light's stop line (``lane_signal``, NaN when green; only if it can still stop at
    3.5 m/s^2 and does not ``ignore_signals``), or a scripted stop point ``stop_s`` (NaN:
    none). Walkers react to their stop point only. ``sorted_key`` = key[order] and ``rank``
    are kept for _mobil. The per-agent loops may run threaded (_refresh_parallel); the sort
    and the leader search run on one thread.
    """
    n = agents.s.shape[0]
    pieces = _pieces(n)  # threads take pieces (sim.traffic.kernels.shared._pieces)
    for piece in numba.prange(pieces):
        _refresh_lanes(n * piece // pieces, n * (piece + 1) // pieces, roads, agents, path, traffic)
    _insertion_sort(traffic.order, traffic.key)
    for piece in numba.prange(pieces):
        _refresh_ranks(n * piece // pieces, n * (piece + 1) // pieces, traffic)
    _find_leaders(
        traffic.order,
        traffic.sorted_key,
        traffic.glane,
        agents.s,
        agents.length,
        agents.active,
        path.lc_active,
        traffic.lc_lane,
        roads.lane_stride,
        traffic.leader,
        traffic.gap,
        agents.dirn,
    )
    for piece in numba.prange(pieces):
        _refresh_reactions(n * piece // pieces, n * (piece + 1) // pieces, roads, agents, traffic)


@numba.njit(cache=True)
def _refresh_lanes(lo, hi, roads, agents, path, traffic):
    """Agents lo..hi-1: global lane, ordering key, and the second lane a changer (or a
    driver whose lane ends: it signals) occupies."""
    lane_stride, road_lanes, lane_wall = roads.lane_stride, roads.road_lanes, roads.lane_wall
    active, road, lane, s, d = agents.active, agents.road, agents.lane, agents.s, agents.d
    width, walker = agents.width, agents.walker
    lc_active, lc_d1 = path.lc_active, path.lc_d1
    glane, key, lc_lane = traffic.glane, traffic.key, traffic.lc_lane
    for i in range(max(lo, 0), hi):
        if i >= s.shape[0]:  # a bound the compiler sees: a faster loop (docs/traffic.md)
            break
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


@numba.njit(cache=True)
def _refresh_ranks(lo, hi, traffic):
    """Positions lo..hi-1 of the sorted order: their keys and each agent's rank."""
    order, key, sorted_key, rank = traffic.order, traffic.key, traffic.sorted_key, traffic.rank
    for k in range(max(lo, 0), hi):
        if k >= order.shape[0]:  # a bound the compiler sees: a faster loop
            break
        sorted_key[k] = key[order[k]]
        rank[order[k]] = k


@numba.njit(cache=True)
def _refresh_reactions(lo, hi, roads, agents, traffic):
    """Agents lo..hi-1: what each driver reacts to (``gap_ctl``, ``v_ctl``) and its
    leader's speed; walkers follow nobody."""
    lane_tab, lane_wall, lane_signal = roads.lane_tab, roads.lane_wall, roads.lane_signal
    active, s, v, length, dirn = agents.active, agents.s, agents.v, agents.length, agents.dirn
    cos_yaw, sin_yaw, walker, stop_s = agents.cos_yaw, agents.sin_yaw, agents.walker, agents.stop_s
    ignore_signals = agents.ignore_signals
    glane, leader, gap, v_lead = traffic.glane, traffic.leader, traffic.gap, traffic.v_lead
    gap_ctl, v_ctl = traffic.gap_ctl, traffic.v_ctl
    for i in range(max(lo, 0), hi):
        if i >= s.shape[0]:  # a bound the compiler sees: a faster loop (docs/traffic.md)
            break
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


_refresh, _refresh_parallel = serial_and_threaded(_refresh_py, "_refresh")


# ------------------------------------------------------------------ look-ups for MOBIL
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
def _lane_neighbours(
    order, sorted_key, lane, active, lane_stride, target, s_query, start, lo, scale, nb
):
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
