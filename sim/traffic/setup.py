"""Build the traffic World of a resolved scenario (ids: ego 1, then actors in file order)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.assets import Catalog
from sim.classes import BY_NAME
from sim.road import Road, Segment
from sim.scenario.schema import (
    AccelerateSpec,
    CutInSpec,
    CutOutSpec,
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
)
from sim.traffic import params as P
from sim.traffic.maneuvers import (
    Accelerate,
    CutIn,
    CutOut,
    HardBrake,
    LaneChange,
    Mobil,
    SetSpeed,
    Stalled,
    Stop,
    Trigger,
)
from sim.traffic.state import KIND_PEDESTRIAN, KIND_TWO_WHEELER, KIND_VEHICLE, AgentState
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


def build_road(spec: RoadSpec) -> Road:
    if spec.segments is None:
        segments = (Segment(float(spec.length)),)
    else:
        segments = tuple(
            Segment(float(s.length), 0.0 if s.type == "straight" else (1.0 if s.turn == "left" else -1.0) / float(s.radius))
            for s in spec.segments
        )
    return Road(
        lanes=int(spec.lanes), lane_width=float(spec.lane_width), segments=segments,
        shoulder_width=float(spec.shoulder_width), speed_limit=float(spec.speed_limit),
        sidewalk_width=float(spec.sidewalk_width), crossings=tuple(float(c) for c in spec.crossings),
    )


def build_world(spec: ScenarioSpec, catalog: Catalog) -> tuple[World, list[AgentInfo]]:
    road = build_road(spec.road)
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
        d = (a.lane + 0.5) * road.lane_width + a.offset
        x, y, yaw = road.to_world([a.s], [d])
        st.x[i], st.y[i], st.yaw[i] = x[0], y[0], yaw[0]
        st.s[i] = a.s  # hint for the World's first projection
        st.v[i] = a.speed
        b = a.behaviour
        v0 = b.desired_speed if b.desired_speed is not None else (a.speed if a.speed > 0 else road.speed_limit)
        st.v0[i] = max(v0, 0.1)
        st.T[i], st.s0[i] = b.time_headway, b.min_gap
        st.a_max[i], st.b_comf[i], st.delta[i] = b.max_accel, b.comfort_decel, P.IDM_DELTA
        st.b_max[i] = b.max_brake
        st.steer_max[i], st.steer_rate_max[i] = P.MAX_STEER, P.MAX_STEER_RATE
        st.d_ref[i] = d
        if a.maneuvers:
            scripts[i] = tuple(_maneuver(m, index) for m in a.maneuvers)
        infos.append(AgentInfo(i + 1, name, a.asset, int(a.variant), asset.cls,
                               tuple(a.color) if a.color is not None else None, (l, w, h)))
    world = World(road, st, float(spec.step), scripts, stop_on_collision=spec.stop_on_collision)
    return world, infos


def _trigger(t, index: dict[str, int]) -> Trigger:
    if t is None:
        return Trigger()
    if isinstance(t, TimeTrigger):
        return Trigger("time", at=float(t.at))
    if isinstance(t, EventTrigger):
        return Trigger("event", other=index[t.actor], event=t.event)
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
    if isinstance(m, MobilSpec):
        return Mobil(float(m.politeness), float(m.threshold), float(m.safe_decel), float(m.duration), trig)
    raise TypeError(f"unknown maneuver {type(m).__name__}")  # pragma: no cover


def n_steps(spec: ScenarioSpec) -> int:
    return int(round(float(spec.duration) / float(spec.step)))

