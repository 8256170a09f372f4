"""A road network as a lane graph: one-way roads joined lane to lane, junctions whose lanes
may conflict, fixed-time signal groups. Made from an OpenDRIVE map
(:func:`sim.road.opendrive.lanegraph.graph_from_opendrive`) or by hand (tests).

Every road of a :class:`GraphNetwork` is one-way: all its lanes run towards +s (lane 0 the
rightmost), ``oncoming_lanes`` is 0. A two-way street is two roads. A :class:`LaneLink`
says that lane ``lane`` of road ``road`` continues, at its end (s = length), as lane
``to_lane`` of road ``to_road`` at its start (s = 0); the geometry is continuous there
(the maker checks it). Roads inside a junction (``junction_of[r]`` not None) carry one
movement each through it; two junction lanes of one junction *conflict* when their lane
areas overlap (crossing, merging into one lane, or diverging from one): the traffic engine
lets one of them be used at a time (sim.traffic.routing).

Signals: each lane entering a junction may belong to a signal group; the groups of a
junction take turns in a fixed cycle (:class:`PhasePlan`: green, amber, all red each).
Lanes without a group enter on priority (``priority``: higher goes first).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from shapely.geometry import Polygon
from shapely.strtree import STRtree

from sim.road.network import AMBER, GREEN, RED, Network, SignalHead, StopLine
from sim.road.road import Road

CONTINUITY_TOL = 0.05  # [m] a link's lane centres must meet this closely
TURNS = ("straight", "left", "right", "uturn")


@dataclass(frozen=True)
class LaneLink:
    """Lane ``lane`` of road ``road`` continues as lane ``to_lane`` of road ``to_road``."""

    road: int
    lane: int
    to_road: int
    to_lane: int
    turn: str = "straight"
    """the movement's heading change over the junction road it enters or is:
    'straight', 'left', 'right' or 'uturn'."""


@dataclass(frozen=True)
class PhasePlan:
    """Fixed time: ``groups`` green one after another (each ``green`` s, then ``amber``
    and ``all_red``); ``offset`` shifts the cycle."""

    groups: tuple[str, ...]
    green: float = 15.0
    amber: float = 3.0
    all_red: float = 2.0
    offset: float = 0.0

    @property
    def cycle(self) -> float:
        return len(self.groups) * (self.green + self.amber + self.all_red)

    def state(self, t: float, group: str) -> str:
        k = self.groups.index(group)
        phase = self.green + self.amber + self.all_red
        u = (t + self.offset - k * phase) % self.cycle
        if u < self.green:
            return GREEN
        if u < self.green + self.amber:
            return AMBER
        return RED


def classify_turn(heading_in: float, heading_out: float) -> str:
    """'straight' (|change| < 30 deg), 'left', 'right', or 'uturn' (> 150 deg)."""
    dh = math.atan2(math.sin(heading_out - heading_in), math.cos(heading_out - heading_in))
    if abs(dh) < math.radians(30.0):
        return "straight"
    if abs(dh) > math.radians(150.0):
        return "uturn"
    return "left" if dh > 0 else "right"


def lane_polygon(road: Road, lane: int, step: float = 1.0) -> Polygon:
    """The area of one lane, world frame."""
    s = np.linspace(0.0, road.length, max(2, int(math.ceil(road.length / step)) + 1))
    d0, d1 = lane * road.lane_width, (lane + 1) * road.lane_width
    xl, yl, _ = road.to_world(s, np.full_like(s, d0))
    xr, yr, _ = road.to_world(s[::-1], np.full_like(s, d1))
    poly = Polygon(np.concatenate([np.stack((xl, yl), 1), np.stack((xr, yr), 1)]))
    return poly if poly.is_valid else poly.buffer(0.0)


@dataclass
class GraphNetwork(Network):
    """One-way roads, lane links, junction conflicts and signals (see the module doc).

    ``names[r]``: how errors and events name road r (e.g. "odr road 5, right lanes").
    ``source``: what it was made from (an :class:`~sim.road.opendrive.OpenDriveNetwork`,
    which the renderer draws; None when made by hand).
    """

    roads: tuple[Road, ...]
    links: tuple[LaneLink, ...]
    junction_of: tuple[str | None, ...]
    names: tuple[str, ...] = ()
    groups: Mapping[tuple[int, int], str] = field(default_factory=dict)
    """(road, lane) entering a junction -> its signal group."""
    plans: Mapping[str, PhasePlan] = field(default_factory=dict)
    """junction id -> its plan (the groups of that junction)."""
    priority: Mapping[tuple[int, int], int] = field(default_factory=dict)
    """(road, lane) entering a junction -> priority (default 0; higher goes first)."""
    signal_heads: list[SignalHead] = field(default_factory=list)
    signal_ids: Mapping[str, str] = field(default_factory=dict)
    """a map's traffic light id -> its group (the lights of one controller share one)."""
    signal_overrides: tuple[tuple[float, str, str], ...] = ()
    """(t [s], group, state), sorted by t: from t on the group shows state, whatever its plan
    says (a scenario's ``signals.states``; :meth:`with_signal_states`)."""
    source: object | None = None
    stop_back: float = 5.0
    """[m] a stop line stands this far before the end of a lane entering a junction."""

    def __post_init__(self) -> None:
        if not self.roads:
            raise ValueError("a graph network needs at least one road")
        if len(self.junction_of) != len(self.roads):
            raise ValueError("junction_of needs one entry per road")
        if not self.names:
            self.names = tuple(f"road {r}" for r in range(len(self.roads)))
        for r, rd in enumerate(self.roads):
            if rd.oncoming_lanes:
                raise ValueError(f"{self.names[r]}: a graph network's roads are one-way")
        self.main = self.roads[0]
        self.junction = None
        self.cross = None
        self._succ: dict[tuple[int, int], list[LaneLink]] = {}
        self._pred: dict[tuple[int, int], list[LaneLink]] = {}
        for link in self.links:
            self._check_link(link)
            self._succ.setdefault((link.road, link.lane), []).append(link)
            self._pred.setdefault((link.to_road, link.to_lane), []).append(link)
        self.conflicts = self._find_conflicts()
        group_of_junction = {g: j for j, plan in self.plans.items() for g in plan.groups}
        self.stop_lines = []
        for (r, k), g in sorted(self.groups.items()):
            if g not in group_of_junction:
                raise ValueError(f"{self.names[r]} lane {k}: signal group {g!r} has no plan")
            s = max(self.roads[r].length - self.stop_back, 0.0)
            self.stop_lines.append(StopLine(r, k, s, 1, g))

    # ------------------------------------------------------------------ topology
    def _check_link(self, link: LaneLink) -> None:
        for r, k in ((link.road, link.lane), (link.to_road, link.to_lane)):
            if not (0 <= r < len(self.roads) and 0 <= k < self.roads[r].lanes):
                raise ValueError(f"link {link}: no lane {k} on road {r}")
        if link.turn not in TURNS:
            raise ValueError(f"link {link}: turn must be one of {TURNS}")
        a, b = self.roads[link.road], self.roads[link.to_road]
        xa, ya, _ = a.to_world([a.length], [a.lane_center(link.lane)])
        xb, yb, _ = b.to_world([0.0], [b.lane_center(link.to_lane)])
        gap = math.hypot(float(xa[0] - xb[0]), float(ya[0] - yb[0]))
        if gap > CONTINUITY_TOL:
            raise ValueError(
                f"{self.names[link.road]} lane {link.lane} ends {gap:.3f} m from where "
                f"{self.names[link.to_road]} lane {link.to_lane} begins "
                f"(at most {CONTINUITY_TOL} m)"
            )

    def successors(self, road: int, lane: int) -> list[LaneLink]:
        """Where lane ``lane`` of road ``road`` leads at its end ([] : the network's edge)."""
        return self._succ.get((road, lane), [])

    def predecessors(self, road: int, lane: int) -> list[LaneLink]:
        return self._pred.get((road, lane), [])

    def entries(self) -> list[tuple[int, int]]:
        """(road, lane) outside junctions with no predecessor: where traffic enters."""
        return [
            (r, k)
            for r, rd in enumerate(self.roads)
            if self.junction_of[r] is None
            for k in range(rd.lanes)
            if not self.predecessors(r, k)
        ]

    def _find_conflicts(self) -> dict[tuple[int, int], frozenset[tuple[int, int]]]:
        """Junction lane -> the junction lanes of the same junction it conflicts with."""
        keys = [
            (r, k)
            for r, rd in enumerate(self.roads)
            if self.junction_of[r] is not None
            for k in range(rd.lanes)
        ]
        out: dict[tuple[int, int], set[tuple[int, int]]] = {key: set() for key in keys}
        if not keys:
            return {}
        # a lane's area less 5 cm on every side: neighbours that only touch do not conflict
        polys = [lane_polygon(self.roads[r], k).buffer(-0.05) for r, k in keys]
        tree = STRtree(polys)
        for a, (ka, pa) in enumerate(zip(keys, polys, strict=True)):
            for b in tree.query(pa):
                b = int(b)
                if b <= a or self.junction_of[ka[0]] != self.junction_of[keys[b][0]]:
                    continue
                if pa.intersects(polys[b]):
                    out[ka].add(keys[b])
                    out[keys[b]].add(ka)
        return {key: frozenset(v) for key, v in out.items()}

    # ------------------------------------------------------------------ signals
    @property
    def signalised(self) -> bool:
        return bool(self.plans)

    def signal_state(self, t: float) -> dict[str, str]:
        """{group: 'green' | 'amber' | 'red'} at time t [s]."""
        out = {g: plan.state(t, g) for plan in self.plans.values() for g in plan.groups}
        for at, group, state in self.signal_overrides:
            if at > t + 1e-9:
                break
            out[group] = state
        return out

    def with_signal_states(self, states) -> GraphNetwork:
        """A shallow copy whose lights follow ``states`` ((t, signal id, state) each) on top
        of their plans; the lanes, links and tables are shared, not rebuilt."""
        out = copy.copy(self)
        out.signal_overrides = tuple(
            sorted((float(t), self.signal_ids[sig], state) for t, sig, state in states)
        )
        return out

    def box_polygon(self) -> Polygon | None:
        """Every junction's area (the union of its roads), or None without junctions."""
        polys = [
            lane_polygon(rd, k)
            for r, rd in enumerate(self.roads)
            if self.junction_of[r] is not None
            for k in range(rd.lanes)
        ]
        if not polys:
            return None
        out = polys[0]
        for p in polys[1:]:
            out = out.union(p)
        return out

    def turn_path(self, road: int, lane: int, turn: str, to_lane: int | None = None):
        raise ValueError(
            "on a road network from a map, turns follow the map's lanes: give the driver a "
            "route (maneuver 'route') instead of a 'turn'"
        )


__all__ = [
    "AMBER",
    "GREEN",
    "RED",
    "GraphNetwork",
    "LaneLink",
    "PhasePlan",
    "classify_turn",
    "lane_polygon",
]
