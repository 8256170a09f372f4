"""Signal groups, phase plans, signal heads and priorities of an OpenDRIVE lane graph
(:mod:`.lanegraph`).

* Every traffic light (``Signal.is_traffic_light``: dynamic, or type 10000xx; references
  excluded) applies to the lanes of its road that its ``orientation`` covers ('+': the
  right lanes, travelling towards +s; '-': the left lanes; else both), narrowed by its
  ``<validity>`` records. From the piece at the light's s, each such lane is followed along
  its links (at most ``MAX_HOPS`` pieces) to the lane that enters a junction piece: that
  (piece, lane) gets the light's group.
* Groups: one per controller (``<controller><control signalId>``): every light of one
  controller shows the same phase. A light no controller lists gets the group of its road
  (``"road <id>"``). A junction whose lanes have groups gets a :class:`PhasePlan` of its
  groups (sorted, each its own phase, ``green``/``amber``/``all_red``).
* Priority: a junction's ``<priority high low>`` ranks roads (incoming or connecting
  roads, whichever the file names): rank(high) > rank(low), 0 for the others; a lane
  entering the junction gets the highest rank of its road and of the connecting road it
  enters.
"""

from __future__ import annotations

import math

from sim.road.graph import LaneLink, PhasePlan
from sim.road.network import SignalHead

MAX_HOPS = 6  # pieces a light's lanes are followed to find the junction they enter


def _succ_table(links: list[LaneLink]) -> dict[tuple[int, int], list[LaneLink]]:
    out: dict[tuple[int, int], list[LaneLink]] = {}
    for link in links:
        out.setdefault((link.road, link.lane), []).append(link)
    return out


def _entering(succ, junction_of, r: int, k: int) -> tuple[int, int, str] | None:
    """The (piece, lane) on the way from (r, k) that enters a junction piece, and the
    junction's id."""
    if junction_of[r] is not None:
        return None
    for _ in range(MAX_HOPS):
        nxt = succ.get((r, k), [])
        into = [lk for lk in nxt if junction_of[lk.to_road] is not None]
        if into:
            return r, k, str(junction_of[into[0].to_road])
        if not nxt:
            return None
        r, k = nxt[0].to_road, nxt[0].to_lane
    return None


def signal_tables(odr, pieces, roads, links, junction_of, notes, green, amber, all_red):
    """(groups, plans, signal_heads, signal_ids: light id -> group) of the lane graph (see
    the module doc)."""
    controller_of = {}
    for ctrl in odr.odr.controllers:
        for sig_id in ctrl.signals:
            controller_of.setdefault(sig_id, ctrl.id)
    succ = _succ_table(links)
    groups: dict[tuple[int, int], str] = {}
    junction_groups: dict[str, set[str]] = {}
    group_junction: dict[str, str] = {}
    heads: list[SignalHead] = []
    signal_ids: dict[str, str] = {}
    unused: list[str] = []
    clashes = 0
    for road_id, sig, pose in odr.traffic_lights():
        if sig.reference_of is not None:
            continue
        base = (
            f"controller {controller_of[sig.id]}" if sig.id in controller_of else f"road {road_id}"
        )
        sides = {"+": ("right",), "-": ("left",)}.get(sig.orientation, ("right", "left"))
        head_done = False
        for side in sides:
            here = [
                i
                for i, p in enumerate(pieces)
                if p.road_id == road_id and p.side == side and p.s_start <= sig.s <= p.s_end + 1e-6
            ]
            lanes = [(r, i) for r in here for i in pieces[r].lane_ids]
            if sig.valid_lanes:
                lanes = [
                    (r, i) for r, i in lanes
                    if any(min(a, b) <= i <= max(a, b) for a, b in sig.valid_lanes)
                ]  # fmt: skip
            for r, lane_id in lanes:
                found = _entering(succ, junction_of, r, pieces[r].sim_lane(lane_id))
                if found is None:
                    continue
                er, ek, jid = found
                group = base
                if group_junction.setdefault(group, jid) != jid:
                    group = f"{base} at junction {jid}"
                    group_junction.setdefault(group, jid)
                if (er, ek) in groups and groups[(er, ek)] != group:
                    clashes += 1
                    continue
                groups[(er, ek)] = group
                signal_ids.setdefault(sig.id, group)
                junction_groups.setdefault(jid, set()).add(group)
                if not head_done:
                    travel = pose[3] + (0.0 if side == "right" else math.pi)
                    yaw = travel + math.pi + sig.h_offset  # faces the approaching drivers
                    yaw = math.atan2(math.sin(yaw), math.cos(yaw))
                    heads.append(SignalHead(float(pose[0]), float(pose[1]), yaw, group))
                    head_done = True
        if not head_done:
            unused.append(sig.id)
    if unused:
        notes.append(f"traffic lights on no lane entering a junction, not used: {unused[:10]}")
    if clashes:
        notes.append(f"{clashes} lanes shown by lights of two groups: the first kept")
    plans = {
        jid: PhasePlan(tuple(sorted(gs)), green, amber, all_red)
        for jid, gs in sorted(junction_groups.items())
    }
    return groups, plans, heads, signal_ids


def _ranks(priorities: tuple[tuple[str, str], ...]) -> dict[str, int]:
    rank: dict[str, int] = {}
    for _ in range(len(priorities) + 1):  # bounded: a cycle in the file cannot loop
        changed = False
        for high, low in priorities:
            want = rank.get(low, 0) + 1
            if rank.get(high, 0) < want:
                rank[high] = want
                changed = True
        if not changed:
            break
    return rank


def priority_table(odr, pieces, links, junction_of) -> dict[tuple[int, int], int]:
    """(piece, lane) entering a junction -> its rank from the junction's <priority>."""
    ranks = {j.id: _ranks(j.priorities) for j in odr.odr.junctions if j.priorities}
    out: dict[tuple[int, int], int] = {}
    for link in links:
        jid = junction_of[link.to_road]
        if jid is None or junction_of[link.road] is not None or jid not in ranks:
            continue
        rank = ranks[jid]
        value = max(
            rank.get(pieces[link.road].road_id, 0), rank.get(pieces[link.to_road].road_id, 0)
        )
        if value > out.get((link.road, link.lane), 0):
            out[(link.road, link.lane)] = value
    return out
