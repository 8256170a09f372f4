"""Hand-made lane-graph networks for the routing tests (and anyone else's): a row of
4-arm junctions of one-way straight roads joined by quarter-arc and straight connecting
roads, signalised or on priority; and a World of vehicles placed on it.

Junction j is centred at (j * spacing, 0). Arms: 0 west, 1 south, 2 east, 3 north; the
incoming road of arm a heads a * 90 deg (towards the centre), the outgoing road away from
it, right-hand traffic. Neighbouring junctions share the roads between them. Each lane of
an incoming road runs straight on in the same lane; its rightmost lane also turns right
(into the exit's rightmost lane), its leftmost lane turns left (into the exit's leftmost).
"""

from __future__ import annotations

import math

import numpy as np

from sim.road import Road, Segment
from sim.road.graph import GraphNetwork, LaneLink, PhasePlan
from sim.traffic.routing_spawn import state_on_network
from sim.traffic.world import World

ARMS = ("W", "S", "E", "N")


def _u(h: float) -> np.ndarray:
    return np.array([math.cos(h), math.sin(h)])


def _right(h: float) -> np.ndarray:
    return np.array([math.sin(h), -math.cos(h)])


def junction_row(
    n: int = 1,
    lanes: int = 1,
    lane_width: float = 3.5,
    arm: float = 100.0,
    spacing: float = 160.0,
    signals: bool = False,
    priority_axis: str | None = None,
    speed_limit: float = 13.9,
    green: float = 15.0,
    margin: float = 6.0,
) -> GraphNetwork:
    """``n`` junctions in a row (see the module doc). ``signals``: a two-group fixed-time
    plan per junction (east-west then north-south, ``green`` s each, 3 s amber, 2 s all
    red). ``priority_axis`` 'ew' or 'ns': those approaches have priority 1 (the others 0).
    ``margin`` [m]: how far the box reaches past the carriageways (half size of the box =
    lanes * lane_width + margin). Road 0 is junction 0's western approach."""
    w = lane_width
    half = lanes * w + margin  # half size of the junction box
    roads: list[Road] = []
    names: list[str] = []
    junction_of: list[str | None] = []
    inc: dict[tuple[int, int], int] = {}
    out: dict[tuple[int, int], int] = {}

    def add(road: Road, name: str, junction: str | None) -> int:
        roads.append(road)
        names.append(name)
        junction_of.append(junction)
        return len(roads) - 1

    def straight(p0, h: float, length: float, nl: int) -> Road:
        return Road(
            lanes=nl,
            lane_width=w,
            segments=(Segment(length),),
            shoulder_width=1.0,
            speed_limit=speed_limit,
            origin=(float(p0[0]), float(p0[1]), h),
        )

    centre = [np.array([j * spacing, 0.0]) for j in range(n)]
    for j in range(n):
        for a in range(4):
            h = a * math.pi / 2
            c = centre[j]
            inner_in = (a == 0 and j > 0) or (a == 2 and j < n - 1)
            length = spacing - 2 * half if inner_in else arm
            if (j, a) not in inc:
                end = c - half * _u(h) + lanes * w * _right(h)
                r = add(
                    straight(end - length * _u(h), h, length, lanes), f"J{j} {ARMS[a]} in", None
                )
                inc[(j, a)] = r
                if a == 0 and j > 0:
                    out[(j - 1, 2)] = r
                if a == 2 and j < n - 1:
                    out[(j + 1, 0)] = r
            if (j, a) not in out:
                p0 = c - half * _u(h) - lanes * w * _right(h)
                r = add(straight(p0, h + math.pi, length, lanes), f"J{j} {ARMS[a]} out", None)
                out[(j, a)] = r
                if a == 2 and j < n - 1:
                    inc[(j + 1, 0)] = r
                if a == 0 and j > 0:
                    inc[(j - 1, 2)] = r
    links: list[LaneLink] = []
    groups: dict[tuple[int, int], str] = {}
    plans: dict[str, PhasePlan] = {}
    priority: dict[tuple[int, int], int] = {}
    for j in range(n):
        jid = f"J{j}"
        c = centre[j]
        for a in range(4):
            h = a * math.pi / 2
            src = inc[(j, a)]
            end = c - half * _u(h) + lanes * w * _right(h)  # right edge of the approach's end
            moves = []
            for k in range(lanes):  # straight on, lane k -> lane k
                p0 = end - k * w * _right(h)
                moves.append(("straight", k, (a + 2) % 4, k, Segment(2 * half), p0))
            # right turn from lane 0: centre-line radius half - lanes*w + w/2
            r_ref = half - lanes * w  # reference = the lane's right (inner) edge
            moves.append(
                ("right", 0, (a + 1) % 4, 0, Segment(r_ref * math.pi / 2, -1 / r_ref), end)
            )
            # left turn from the leftmost lane: centre-line radius half + w/2
            r_ref = half + w  # reference = the lane's right (outer) edge
            p0 = end - (lanes - 1) * w * _right(h)
            moves.append(
                (
                    "left",
                    lanes - 1,
                    (a + 3) % 4,
                    lanes - 1,
                    Segment(r_ref * math.pi / 2, 1 / r_ref),
                    p0,
                )
            )
            for turn, k, b, k_out, seg, p0 in moves:
                road = Road(
                    lanes=1,
                    lane_width=w,
                    segments=(seg,),
                    shoulder_width=0.0,
                    speed_limit=speed_limit,
                    origin=(float(p0[0]), float(p0[1]), h),
                )
                jr = add(road, f"J{j} {ARMS[a]}->{ARMS[b]} {turn} lane {k}", jid)
                links.append(LaneLink(src, k, jr, 0, turn))
                links.append(LaneLink(jr, 0, out[(j, b)], k_out, turn))
            for k in range(lanes):
                if signals:
                    groups[(src, k)] = f"{jid} ew" if a in (0, 2) else f"{jid} ns"
                if priority_axis is not None:
                    major = (a in (0, 2)) == (priority_axis == "ew")
                    priority[(src, k)] = 1 if major else 0
        if signals:
            plans[jid] = PhasePlan((f"{jid} ew", f"{jid} ns"), green=green)
    return GraphNetwork(
        roads=tuple(roads),
        links=tuple(links),
        junction_of=tuple(junction_of),
        names=tuple(names),
        groups=groups,
        plans=plans,
        priority=priority,
    )


def approaches(net: GraphNetwork) -> list[int]:
    """Roads that enter a junction (their lanes link into a junction road)."""
    return [
        r
        for r in range(len(net.roads))
        if net.junction_of[r] is None
        and any(net.junction_of[lk.to_road] is not None for lk in net.successors(r, 0))
    ]


def world_on(net: GraphNetwork, road, lane, s, v=0.0, dt: float = 0.05, **values) -> World:
    """A World of vehicles on ``net``: agent i on lane ``lane[i]`` of road ``road[i]`` at
    ``s[i]`` (scalars broadcast)."""
    return World(net, state_on_network(net, road, lane, s, v=v, **values), dt)


def random_world(
    net: GraphNetwork, n: int, rng: np.random.Generator, spacing: float = 25.0, **values
) -> World:
    """``n`` vehicles on the non-junction roads, at least ``spacing`` m apart in a lane,
    none within 30 m of a road's end, at 6-12 m/s; agent 0 on road 0."""
    spots = []
    for r, rd in enumerate(net.roads):
        if net.junction_of[r] is not None:
            continue
        for k in range(rd.lanes):
            for s in np.arange(10.0, rd.length - 30.0, spacing):
                spots.append((r, k, float(s)))
    first = [p for p in spots if p[0] == 0]
    rest = [p for p in spots if p != first[0]]
    order = rng.permutation(len(rest))[: n - 1]
    chosen = [first[0]] + [rest[i] for i in order]
    if len(chosen) < n:
        raise ValueError(f"room for {len(chosen)} vehicles, not {n}")
    road, lane, s = (np.array(c) for c in zip(*chosen, strict=True))
    v = rng.uniform(6.0, 12.0, n)
    return world_on(net, road.astype(int), lane.astype(int), s, v=v, **values)
