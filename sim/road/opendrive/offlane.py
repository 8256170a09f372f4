"""Walkers and objects on an OpenDRIVE map's lane graph, where they may stand off the
drivable lanes (a sidewalk, a shoulder, the median): which one-way piece carries them, and
where a crossing takes them (docs/opendrive.md, "Walkers and objects").

A piece (sim.road.opendrive.lanegraph) covers the drivable lanes of one side of one lane
section; its lateral coordinate d goes on beyond them, so a point on the sidewalk of that
side has d < 0 and a point across the road d > the piece's width. A walker is carried by the
piece of its road, lane section and side (the other side's where its side has none) and
moves to the piece whose lanes it steps into (sim.traffic.routing_walkers), so that the
drivers there see it.
"""

from __future__ import annotations

import math

import numpy as np

from sim.road.graph import GraphNetwork
from sim.road.opendrive.lanegraph import DRIVABLE, Piece, odr_to_graph
from sim.road.opendrive.network import OpenDriveNetwork
from sim.road.opendrive.xml import OpenDriveError

SIDEWALK = "sidewalk"
KERB_STEP = 1.0
"""[m] a crossing with no sidewalk on the far side ends this far beyond the outer border."""


def _section_at(road, s: float):
    """The lane section of a parsed road that holds s (the later one at a joint)."""
    section = road.lane_sections[0]
    for sec in road.lane_sections:
        if sec.s <= s + 1e-9:
            section = sec
    return section


def _pieces_at(net: GraphNetwork, road_id: str, s: float) -> list[int]:
    pieces: tuple[Piece, ...] = net.pieces  # type: ignore[attr-defined]
    return [
        i
        for i, p in enumerate(pieces)
        if p.road_id == road_id and p.s_start - 1e-6 <= s <= p.s_end + 1e-6
    ]


def odr_to_piece(
    net: GraphNetwork, road_id: str, lane_id: int, s: float, offset: float = 0.0
) -> tuple[int, int, float, float]:
    """An OpenDRIVE lane position on any lane of the map (a sidewalk, a shoulder, ...) ->
    (sim road, sim lane or -1 off the drivable lanes, sim s, sim d). Raises OpenDriveError
    where the road has no lane ``lane_id`` at s, or no drivable lane there to carry it."""
    odr: OpenDriveNetwork = net.source  # type: ignore[assignment]
    try:
        return odr_to_graph(net, road_id, lane_id, s, offset)
    except OpenDriveError:
        pass
    t = float(odr.lane_center(road_id, lane_id, [s])[0])
    if not math.isfinite(t):
        raise OpenDriveError(f"road {road_id!r} has no lane {lane_id} at s={s:g}")
    found = _pieces_at(net, road_id, s)
    if not found:
        raise OpenDriveError(f"road {road_id!r} at s={s:g}: no drivable lane there to stand by")
    pieces: tuple[Piece, ...] = net.pieces  # type: ignore[attr-defined]
    side = "right" if lane_id < 0 else "left"
    same = [i for i in found if pieces[i].side == side] or found
    r = max(same, key=lambda i: (pieces[i].s_start, -i))  # the later section at a joint
    x, y = odr.to_world(road_id, [s], [t + offset])[0][:2]
    p = pieces[r]
    order = np.argsort(p.odr_s)
    hint = float(np.interp(s, p.odr_s[order], p.sim_s[order]))
    s_sim, d_sim = net.roads[r].to_lane([x], [y], s_hint=[hint], window=20)
    return r, -1, float(s_sim[0]), float(d_sim[0])


def _far_side_t(odr: OpenDriveNetwork, road_id: str, s: float, t: float) -> float:
    """t [m] where a walker at t crossing the road arrives: the middle of the far side's
    outermost lane if that is a sidewalk, else KERB_STEP beyond the far outer border."""
    section = _section_at(odr.road(road_id), s)
    far = section.left if t < 0.0 else section.right
    if not far:  # a one-sided road: over its reference line
        return math.copysign(KERB_STEP, -t)
    outer = far[-1]
    inner, edge = (float(v) for v in odr.lane_edges(road_id, outer.id, [s])[0])
    if outer.type == SIDEWALK:
        return 0.5 * (inner + edge)
    return edge + math.copysign(KERB_STEP, edge)


def crossing_target(
    net: GraphNetwork, r: int, x: float, y: float, to_t: float | None, along: float
) -> tuple[float, float]:
    """Where a walker at world (x, y), carried by piece ``r``, crosses to: (sim s, sim d) on
    that piece of the point ``along`` [m] further along the OpenDRIVE road's s and at its
    t = ``to_t`` (None: the far side, :func:`_far_side_t`)."""
    odr: OpenDriveNetwork = net.source  # type: ignore[assignment]
    pieces: tuple[Piece, ...] = net.pieces  # type: ignore[attr-defined]
    road_id = pieces[r].road_id
    pos = odr.to_road([x], [y])
    if pos.road[0] >= 0 and odr.odr.roads[int(pos.road[0])].id == road_id:
        s, t = float(pos.s[0]), float(pos.t[0])
    else:  # (beside its road's outline: measured on the piece's own road)
        piece = pieces[r]
        s_sim, _d = net.roads[r].to_lane([x], [y])
        order = np.argsort(piece.sim_s)
        s = float(np.interp(s_sim[0], piece.sim_s[order], piece.odr_s[order]))
        t = float("nan")
    if to_t is None:
        here = t if math.isfinite(t) else (-1.0 if pieces[r].side == "right" else 1.0)
        to_t = _far_side_t(odr, road_id, s, here)
    s_to = min(max(s + along, 0.0), odr.road(road_id).length)
    tx, ty = odr.to_world(road_id, [s_to], [to_t])[0][:2]
    s_sim, d_sim = net.roads[r].to_lane([tx], [ty], window=40)
    return float(s_sim[0]), float(d_sim[0])


def drivable_piece_at(net: GraphNetwork, x: float, y: float) -> int | None:
    """The piece whose drivable lanes hold world (x, y), or None (off them)."""
    odr: OpenDriveNetwork = net.source  # type: ignore[assignment]
    pos = odr.to_road([x], [y])
    if pos.road[0] < 0 or pos.lane[0] == 0:
        return None
    road = odr.odr.roads[int(pos.road[0])]
    lane_id, s = int(pos.lane[0]), float(pos.s[0])
    section = _section_at(road, s)
    lane = next((ln for ln in section.left + section.right if ln.id == lane_id), None)
    if lane is None or lane.type not in DRIVABLE:
        return None
    try:
        return odr_to_graph(net, road.id, lane_id, s)[0]
    except OpenDriveError:
        return None


__all__ = ["crossing_target", "drivable_piece_at", "odr_to_piece"]
