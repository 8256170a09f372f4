"""The road network a scenario describes: ``road:`` (a RoadSpec) -> sim.road objects.

Used by the scenario checks (does the junction fit?) and by the traffic engine (the World's
roads); it needs only the schema and the road model.
"""

from __future__ import annotations

from collections.abc import Iterable

from sim.road import Junction, LaneSpan, Network, Road, Segment, SignalPlan
from sim.scenario.maps import load_map
from sim.scenario.schema import RoadSpec, SegmentSpec


def segments(specs: Iterable[SegmentSpec]) -> tuple[Segment, ...]:
    """Road segments of ``segments:`` entries: straight, or an arc of ``radius`` [m]
    turning ``left`` (positive curvature) or ``right``."""
    return tuple(
        Segment(
            float(s.length),
            0.0 if s.type == "straight" else (1.0 if s.turn == "left" else -1.0) / float(s.radius),
        )
        for s in specs
    )


def build_road(spec: RoadSpec) -> Road:
    """The main road of a scenario (lanes, on-ramp, lane drops; no junction)."""
    road_segments = (
        (Segment(float(spec.length)),) if spec.segments is None else segments(spec.segments)
    )
    spans = []
    if spec.on_ramp is not None:
        r = spec.on_ramp
        spans.append(LaneSpan(0, float(r.start), float(r.end), float(r.taper), float(r.offset)))
    for drop in spec.lane_drops:
        if spec.on_ramp is not None and int(drop.lane) == 0:
            raise ValueError("lane 0 is the on-ramp; it cannot also drop")
        spans.append(LaneSpan(int(drop.lane), 0.0, float(drop.at), float(drop.taper)))
    return Road(
        lanes=int(spec.lanes),
        lane_width=float(spec.lane_width),
        segments=road_segments,
        shoulder_width=float(spec.shoulder_width),
        speed_limit=float(spec.speed_limit),
        sidewalk_width=float(spec.sidewalk_width),
        crossings=tuple(float(c) for c in spec.crossings),
        oncoming_lanes=int(spec.oncoming_lanes),
        spans=tuple(spans),
    )


def build_network(spec: RoadSpec) -> Network:
    """Main road + the junction, if any (ValueError with the reason when they do not fit);
    on a ``road.opendrive`` map, the map's lane graph (sim.road.graph.GraphNetwork)."""
    if spec.opendrive is not None:
        net = load_map(spec)
        states = spec.opendrive.signals.states
        if states:  # (the cached map stays as it is: a copy follows the set states)
            return net.with_signal_states([(s.at, s.signal, s.state) for s in states])
        return net
    road = build_road(spec)
    j = spec.junction
    if j is None:
        return Network(road)
    signals = None
    if j.signals is not None:
        g = j.signals
        signals = SignalPlan(
            float(g.main_green),
            float(g.cross_green),
            float(g.amber),
            float(g.all_red),
            float(g.offset),
        )
    junction = Junction(float(j.s), int(j.lanes), float(j.lane_width), float(j.arm_length), signals)
    return Network(road, junction)
