"""Build the traffic World of a resolved scenario (ids: ego 1, then actors in file order)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.assets import Catalog
from sim.classes import BY_NAME
from sim.road import Junction, LaneSpan, Network, Road, Segment, SignalPlan
from sim.scenario.schema import (
    AccelerateSpec,
    CrossSpec,
    CutInSpec,
    CutOutSpec,
    FollowPathSpec,
    ReachTrigger,
    DistanceTrigger,
    EventTrigger,
    GapTrigger,
    HardBrakeSpec,
    LaneChangeSpec,
    MobilSpec,
    RoadSpec,
    ScenarioSpec,
    SetSpeedSpec,
    SpeedTrigger,
    StalledSpec,
    StopSpec,
    TimeTrigger,
    TtcTrigger,
    TurnSpec,
    actor_d,
)
from sim.traffic import params as P
from sim.traffic.maneuvers import (
    Accelerate,
    Cross,
    CutIn,
    CutOut,
    FollowPath,
    HardBrake,
    LaneChange,
    Mobil,
    SetSpeed,
    Stalled,
    Stop,
    Trigger,
    Turn,
)
from sim.traffic.state import KIND_PEDESTRIAN, KIND_TWO_WHEELER, KIND_VEHICLE, AgentState
from sim.seeding import child_rng, root_seed
from sim.traffic.spawn import Spawner
from sim.traffic.world import World

_KINDS = {"vehicle": KIND_VEHICLE, "two_wheeler": KIND_TWO_WHEELER, "pedestrian": KIND_PEDESTRIAN}


@dataclass(frozen=True)
class AgentInfo:
    """Static facts of one agent, in id order (index = id - 1)."""

    id: int
    name: str
    asset: str
    variant: int
    cls: str
    color: tuple[int, int, int] | None
    size: tuple[float, float, float]


def _segments(specs) -> tuple[Segment, ...]:
    return tuple(
        Segment(float(s.length), 0.0 if s.type == "straight" else (1.0 if s.turn == "left" else -1.0) / float(s.radius))
        for s in specs
    )


def build_road(spec: RoadSpec) -> Road:
    """The main road of a scenario (lanes, on-ramp, lane drops; no junction)."""
    segments = (Segment(float(spec.length)),) if spec.segments is None else _segments(spec.segments)
    spans = []
    if spec.on_ramp is not None:
        r = spec.on_ramp
        spans.append(LaneSpan(0, float(r.start), float(r.end), float(r.taper), float(r.offset)))
    for drop in spec.lane_drops:
        if spec.on_ramp is not None and int(drop.lane) == 0:
            raise ValueError("lane 0 is the on-ramp; it cannot also drop")
        spans.append(LaneSpan(int(drop.lane), 0.0, float(drop.at), float(drop.taper)))
    return Road(
        lanes=int(spec.lanes), lane_width=float(spec.lane_width), segments=segments,
        shoulder_width=float(spec.shoulder_width), speed_limit=float(spec.speed_limit),
        sidewalk_width=float(spec.sidewalk_width), crossings=tuple(float(c) for c in spec.crossings),
        oncoming_lanes=int(spec.oncoming_lanes), spans=tuple(spans),
    )


def build_network(spec: RoadSpec) -> Network:
    """Main road + the junction, if any (ValueError with the reason when they do not fit)."""
    road = build_road(spec)
    j = spec.junction
    if j is None:
        return Network(road)
    signals = None
    if j.signals is not None:
        g = j.signals
        signals = SignalPlan(float(g.main_green), float(g.cross_green), float(g.amber), float(g.all_red), float(g.offset))
    return Network(road, Junction(float(j.s), int(j.lanes), float(j.lane_width), float(j.arm_length), signals))


def build_world(spec: ScenarioSpec, catalog: Catalog) -> tuple[World, list[AgentInfo]]:
    network = build_network(spec.road)
    actors = [("ego", spec.ego)] + [(a.name, a) for a in spec.actors]
    index = {name: i for i, (name, _) in enumerate(actors)}
    n = len(actors)
    st = AgentState.empty(n)
    infos: list[AgentInfo] = []
    scripts = {}
    for i, (name, a) in enumerate(actors):
        asset = catalog.info(a.asset)
        variant = asset.variants[a.variant]
        l, w, h = variant.size
        cls = BY_NAME[asset.cls]
        st.id[i] = i + 1
        st.cls[i] = cls.id
        st.kind[i] = _KINDS[asset.kind] if asset.kind in _KINDS else KIND_VEHICLE
        st.length[i], st.width[i], st.height[i] = l, w, h
        st.wheelbase[i] = variant.wheelbase if variant.wheelbase else 0.6 * l
        r = 1 if a.road == "cross" else 0
        road = network.roads[r]
        d = actor_d(a, road.lane_width)
        lane = int(road.lane_of(d))
        direction = road.lane_direction(lane) if 0.0 <= d <= road.width else 1
        if a.direction is not None:
            direction = 1 if a.direction == "forward" else -1
        shift = road.lane_shift(lane, float(a.s)) if a.lane is not None else 0.0  # on a ramp
        x, y, yaw = road.to_world([a.s], [d + shift])
        st.road[i] = r
        st.dirn[i] = direction
        st.x[i], st.y[i] = x[0], y[0]
        st.yaw[i] = yaw[0] if direction > 0 else yaw[0] + math.pi
        st.s[i] = a.s  # hint for the World's first projection
        st.ignore_signals[i] = a.ignore_signals
        standing_walker = False
        if st.kind[i] == KIND_PEDESTRIAN or asset.kind == "static":
            # walkers (people, animals) turn on the spot and look 1.5 m ahead; static
            # objects (debris, a ball) are walkers that stand until a maneuver moves them
            st.walker[i] = True
            st.look_min[i] = P.WALK_LOOKAHEAD
            st.steer_rate_max[i] = P.WALK_TURN_RATE
            standing_walker = asset.kind == "static" or a.speed == 0 and a.behaviour.desired_speed is None
        st.v[i] = a.speed
        b = a.behaviour
        v0 = b.desired_speed if b.desired_speed is not None else (a.speed if a.speed > 0 else road.speed_limit)
        st.v0[i] = max(v0, 0.1)
        st.T[i], st.s0[i] = b.time_headway, b.min_gap
        st.a_max[i], st.b_comf[i], st.delta[i] = b.max_accel, b.comfort_decel, P.IDM_DELTA
        st.b_max[i] = b.max_brake
        if standing_walker:  # waits where it stands until a maneuver sets it going
            st.v0[i] = 0.1
            st.acc_override[i] = -b.comfort_decel
        st.steer_max[i] = P.MAX_STEER
        if not st.walker[i]:
            st.steer_rate_max[i] = P.MAX_STEER_RATE
        st.d_ref[i] = d
        if a.maneuvers:
            scripts[i] = tuple(_maneuver(m, index) for m in a.maneuvers)
        infos.append(AgentInfo(i + 1, name, a.asset, int(a.variant), asset.cls,
                               tuple(a.color) if a.color is not None else None, (l, w, h)))
    world = World(network, st, float(spec.step), scripts, stop_on_collision=spec.stop_on_collision)
    steady = spec.background.steady
    if steady is not None:
        reserve = [i for i, (_, a) in enumerate(actors) if getattr(a, "reserve", False)]
        world.active[reserve] = False
        recyclable = np.array([name.startswith("bg_") for name, _ in actors])
        world.spawner = Spawner(float(steady.behind), float(steady.ahead), recyclable, reserve,
                                child_rng(root_seed(int(spec.seed)), "spawn"))
        world._refresh_order()
    return world, infos


def _trigger(t, index: dict[str, int]) -> Trigger:
    if t is None:
        return Trigger()
    if isinstance(t, TimeTrigger):
        return Trigger("time", at=float(t.at))
    if isinstance(t, EventTrigger):
        return Trigger("event", other=index[t.actor], event=t.event)
    if isinstance(t, ReachTrigger):
        return Trigger("reach", at=float(t.s))
    kind = {GapTrigger: "gap", DistanceTrigger: "distance", TtcTrigger: "ttc", SpeedTrigger: "speed"}[type(t)]
    return Trigger(kind, other=index[t.to], above=t.above, below=t.below)


def _maneuver(m, index: dict[str, int]):
    trig = _trigger(m.trigger, index)
    if isinstance(m, LaneChangeSpec):
        return LaneChange(int(m.to_lane), float(m.duration), trig)
    if isinstance(m, CutInSpec):
        return CutIn(index[m.target], float(m.gap), float(m.duration), trig)
    if isinstance(m, HardBrakeSpec):
        return HardBrake(float(m.decel), None if m.duration is None else float(m.duration), trig)
    if isinstance(m, SetSpeedSpec):
        return SetSpeed(float(m.speed), trig)
    if isinstance(m, CutOutSpec):
        return CutOut(m.side, float(m.duration), trig)
    if isinstance(m, StopSpec):
        return Stop(float(m.decel), trig)
    if isinstance(m, AccelerateSpec):
        return Accelerate(float(m.speed), float(m.accel), trig)
    if isinstance(m, StalledSpec):
        return Stalled(float(m.decel), trig)
    if isinstance(m, TurnSpec):
        return Turn(m.direction, None if m.to_lane is None else int(m.to_lane), float(m.speed), float(m.accept_gap), trig)
    if isinstance(m, FollowPathSpec):
        return FollowPath(_segments(m.segments), float(m.speed), trig)
    if isinstance(m, CrossSpec):
        return Cross(float(m.speed), None if m.to_d is None else float(m.to_d), float(m.along), m.then, trig)
    if isinstance(m, MobilSpec):
        return Mobil(float(m.politeness), float(m.threshold), float(m.safe_decel), float(m.duration), trig)
    raise TypeError(f"unknown maneuver {type(m).__name__}")  # pragma: no cover


def n_steps(spec: ScenarioSpec) -> int:
    return int(round(float(spec.duration) / float(spec.step)))

