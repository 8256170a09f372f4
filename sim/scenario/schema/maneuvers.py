"""Triggers and maneuvers: what a scripted actor does, and when (docs/scenario-format.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from sim.scenario.schema.base import AnyNumber, Identifier, Num, Strict
from sim.scenario.schema.road import SegmentSpec


class TimeTrigger(Strict):
    type: Literal["time"]
    at: Annotated[Any, Num(ge=0.0)] = Field(description="[s] episode time")


class _Compare(Strict):
    to: Identifier = "ego"
    above: AnyNumber | None = None
    below: AnyNumber | None = None

    @model_validator(mode="after")
    def _one_side(self):
        if self.above is None and self.below is None:
            raise ValueError("give 'above' or 'below' (or both)")
        return self


class GapTrigger(_Compare):
    """Bumper gap [m] to ``to`` along the road, positive when this actor is ahead."""

    type: Literal["gap"]


class DistanceTrigger(_Compare):
    """Centre-to-centre distance [m] to ``to``."""

    type: Literal["distance"]


class TtcTrigger(_Compare):
    """Time to collision [s] with ``to`` at current speeds."""

    type: Literal["ttc"]


class EventTrigger(Strict):
    """Another actor's event, e.g. ``{type: event, actor: lead, event: hard_brake_start}``."""

    type: Literal["event"]
    actor: Identifier
    event: Identifier


class SpeedTrigger(_Compare):
    """Speed [m/s] of actor ``to``, e.g. ``{type: speed, to: lead, below: 1.0}``."""

    type: Literal["speed"]


class ReachTrigger(Strict):
    """This actor has passed ``s`` [m] on its road, in its direction of travel."""

    type: Literal["reach"]
    s: Annotated[Any, Num(ge=0.0)]


class PositionTrigger(Strict):
    """This actor's centre is within ``within`` [m] of the world point (``x``, ``y``) [m]
    (OpenSCENARIO's ReachPositionCondition; on sim's road and on a map)."""

    type: Literal["position"]
    x: AnyNumber
    y: AnyNumber
    within: Annotated[Any, Num(gt=0.0, le=1000.0)] = 2.0


class TravelTrigger(Strict):
    """This actor has travelled ``distance`` [m] since the start (the path it drove;
    OpenSCENARIO's TraveledDistanceCondition)."""

    type: Literal["travel"]
    distance: Annotated[Any, Num(ge=0.0, le=100000.0)]


TriggerSpec = Annotated[
    TimeTrigger
    | GapTrigger
    | DistanceTrigger
    | TtcTrigger
    | EventTrigger
    | SpeedTrigger
    | ReachTrigger
    | PositionTrigger
    | TravelTrigger,
    Field(discriminator="type"),
]


class LaneChangeSpec(Strict):
    type: Literal["lane_change"]
    to_lane: Annotated[Any, Num(integer=True)] = Field(
        description="sim's road: the lane index (0 = the rightmost); on a road.opendrive map: "
        "the OpenDRIVE lane id on the road the actor is on when it starts"
    )
    duration: Annotated[Any, Num(gt=0.5, le=15.0)] = 3.0
    trigger: TriggerSpec | None = None


class CutInSpec(Strict):
    """Move into ``target``'s lane, ``gap`` [m] ahead of it when crossing the lane line."""

    type: Literal["cut_in"]
    target: Identifier = "ego"
    gap: Annotated[Any, Num(gt=0.0, le=200.0)]
    duration: Annotated[Any, Num(gt=0.5, le=15.0)] = 2.5
    trigger: TriggerSpec | None = None


class HardBrakeSpec(Strict):
    type: Literal["hard_brake"]
    decel: Annotated[Any, Num(gt=0.0, le=12.0)] = Field(description="[m/s^2]")
    duration: Annotated[Any, Num(gt=0.0)] | None = Field(
        default=None, description="[s] default: until standing"
    )
    trigger: TriggerSpec | None = None


class SetSpeedSpec(Strict):
    type: Literal["set_speed"]
    speed: Annotated[Any, Num(ge=0.0)] = Field(description="[m/s] new desired speed")
    trigger: TriggerSpec | None = None


class CutOutSpec(Strict):
    """Leave the current lane for the adjacent one on ``side`` (skipped, with a
    ``cut_out_impossible`` event, when there is no lane there)."""

    type: Literal["cut_out"]
    side: Literal["left", "right"] = "left"
    duration: Annotated[Any, Num(gt=0.5, le=15.0)] = 2.5
    trigger: TriggerSpec | None = None


class StopSpec(Strict):
    """Brake at ``decel`` to a standstill and stay (a later set_speed/accelerate drives off)."""

    type: Literal["stop"]
    decel: Annotated[Any, Num(gt=0.0, le=12.0)] = Field(default=3.0, description="[m/s^2]")
    trigger: TriggerSpec | None = None


class AccelerateSpec(Strict):
    """Accelerate at ``accel`` (still braking for a leader) up to ``speed``, then keep it."""

    type: Literal["accelerate"]
    speed: Annotated[Any, Num(ge=0.0, le=80.0)] = Field(description="[m/s] target speed")
    accel: Annotated[Any, Num(gt=0.0, le=10.0)] = Field(default=2.0, description="[m/s^2]")
    trigger: TriggerSpec | None = None


class StalledSpec(Strict):
    """Break down: brake at ``decel`` to a standstill (at once if standing) and never move
    again; later maneuvers of this actor do not run."""

    type: Literal["stalled"]
    decel: Annotated[Any, Num(gt=0.0, le=12.0)] = Field(default=4.0, description="[m/s^2]")
    trigger: TriggerSpec | None = None


class MobilSpec(Strict):
    """Free lane changes from the trigger on: MOBIL (Kesting et al. 2007) picks the lane."""

    type: Literal["mobil"]
    politeness: Annotated[Any, Num(ge=0.0, le=1.0)] = Field(
        default=0.3, description="weight of the others' gain"
    )
    threshold: Annotated[Any, Num(ge=0.0, le=5.0)] = Field(
        default=0.2, description="[m/s^2] advantage needed"
    )
    safe_decel: Annotated[Any, Num(gt=0.0, le=12.0)] = Field(
        default=4.0, description="[m/s^2] most braking imposed on the new follower"
    )
    duration: Annotated[Any, Num(gt=0.5, le=15.0)] = Field(
        default=3.0, description="[s] of one lane change"
    )
    trigger: TriggerSpec | None = None


class TurnSpec(Strict):
    """Turn at the junction ahead into the cross street: slow to ``speed``, wait at the stop
    line for green and (turning left) for a gap of ``accept_gap`` s in the oncoming traffic."""

    type: Literal["turn"]
    direction: Literal["left", "right"]
    to_lane: Annotated[Any, Num(ge=0, integer=True)] | None = Field(
        default=None, description="cross street lane; default: the natural one"
    )
    speed: Annotated[Any, Num(gt=0.0, le=20.0)] = Field(
        default=6.0, description="[m/s] through the turn"
    )
    accept_gap: Annotated[Any, Num(ge=0.0, le=20.0)] = Field(
        default=5.0, description="[s] oncoming gap needed to turn left"
    )
    trigger: TriggerSpec | None = None


class FollowPathSpec(Strict):
    """Leave the lane along a path of segments starting where the actor is; at its end,
    rejoin the lane there (or stop, if it ends off the road)."""

    type: Literal["follow_path"]
    segments: list[SegmentSpec] = Field(min_length=1, max_length=1000)
    speed: Annotated[Any, Num(gt=0.0, le=40.0)] = Field(
        description="[m/s] desired speed on the path"
    )
    trigger: TriggerSpec | None = None


class CrossSpec(Strict):
    """A pedestrian (or animal) crosses the road at ``speed``: to ``to_d`` (default: the
    far sidewalk or shoulder), ``along`` m further along the road; then walks on or stops."""

    type: Literal["cross"]
    speed: Annotated[Any, Num(gt=0.0, le=12.0)] = Field(default=1.4, description="[m/s]")
    to_d: AnyNumber | None = Field(
        default=None,
        description="[m] lateral target (on a road.opendrive map: the OpenDRIVE t of the "
        "walker's road); default: the far side",
    )
    along: Annotated[Any, Num(ge=-50.0, le=50.0)] = Field(
        default=0.0, description="[m] further along the road (on a map: along its s)"
    )
    then: Literal["walk", "stop"] = "walk"
    look: bool | None = Field(
        default=None,
        description="wait, once triggered, until no moving vehicle has the walker ahead within "
        "8 s of its travel (at least 10 m) and 12 m of its line, nor a standing one within "
        "4 m of its front; default: step out at once",
    )
    trigger: TriggerSpec | None = None


class RouteSpec(Strict):
    """On a road.opendrive map: the movement to take at each junction ahead, in order
    (junctions after the last one: drawn from the seed). The route holds from the start;
    it takes no trigger."""

    type: Literal["route"]
    turns: list[Literal["straight", "left", "right", "uturn"]] = Field(min_length=1, max_length=100)


ManeuverSpec = Annotated[
    LaneChangeSpec
    | CutInSpec
    | HardBrakeSpec
    | SetSpeedSpec
    | CutOutSpec
    | StopSpec
    | AccelerateSpec
    | StalledSpec
    | MobilSpec
    | TurnSpec
    | FollowPathSpec
    | CrossSpec
    | RouteSpec,
    Field(discriminator="type"),
]
