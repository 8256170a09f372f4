"""The scenario schema (pydantic v2): what a scenario file may say, with units and defaults.

Every numeric field accepts a plain number or a distribution (see distributions.py); a
``ScenarioSpec`` may still hold distributions, a resolved one holds numbers only. Field
docs are the source of docs/scenario-format.md. Units: metres, seconds, m/s, m/s^2;
angles in degrees where the key ends in ``_deg``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator, model_validator
from pydantic_core import PydanticCustomError

from sim.scenario.daylight import DAY_AMBIENT, DAY_SKY, DAY_SUN_COLOR, DAY_SUN_INTENSITY
from sim.scenario.distributions import (
    Choice,
    DistributionError,
    IntUniform,
    Normal,
    ParamRef,
    Uniform,
    parse_distribution,
)
from sim.seeding import MAX_SEED

_DIST_TYPES = (Uniform, Normal, Choice, IntUniform, ParamRef)

# Bounds where a larger (smaller) value can only be a mistake; docs/scenario-format.md, "Limits".
MIN_STEP = 1e-3
"""[s] a finer physics step buys nothing (the kernels are stable at 0.1 s) and costs memory."""
MAX_DURATION = 3600.0  # [s]
MAX_STEPS = 360_000
"""duration / step: one hour at 0.01 s."""
MAX_FRAMES = 200_000
"""duration x rate, per camera: 5.5 h at 10 Hz, more than a day's disk."""
MAX_ROAD_LENGTH = 100_000.0  # [m], also the sum of the segments
MAX_AGENTS = 20_000
"""Every road user of a scenario: actors + background + cross traffic + steady reserves +
pedestrians (the schema's own counts allow 17,000; a resolved scenario lists them all)."""
MAX_MANEUVERS = 100  # per actor
MAX_CAMERAS = 16


def _fail(message: str) -> PydanticCustomError:
    return PydanticCustomError("sim", message)


def _bounds_text(gt, ge, lt, le) -> str:
    parts = []
    if gt is not None:
        parts.append(f"> {gt:g}")
    if ge is not None:
        parts.append(f">= {ge:g}")
    if lt is not None:
        parts.append(f"< {lt:g}")
    if le is not None:
        parts.append(f"<= {le:g}")
    return " and ".join(parts)


def _in_bounds(x: float, gt, ge, lt, le) -> bool:
    return not (
        (gt is not None and not x > gt)
        or (ge is not None and not x >= ge)
        or (lt is not None and not x < lt)
        or (le is not None and not x <= le)
    )


def _serialize_num(value: Any) -> Any:
    return value.to_yaml() if isinstance(value, _DIST_TYPES) else value


def Num(*, gt=None, ge=None, lt=None, le=None, integer: bool = False):  # noqa: N802 - a type
    """A number (int if ``integer``) within bounds, or a distribution whose support is."""
    kind = "an integer" if integer else "a number"
    bounds = _bounds_text(gt, ge, lt, le)
    want = f"{kind}{' ' + bounds if bounds else ''}"

    def validate(value: Any) -> Any:
        if isinstance(value, _DIST_TYPES):
            return value
        if isinstance(value, bool) or value is None:
            raise _fail(f"expected {want}, found {value!r}")
        if isinstance(value, (int, float)):
            if not math.isfinite(value):
                raise _fail(f"expected {want}, found {value!r}")
            if integer and float(value) != int(value):
                raise _fail(f"expected {want}, found {value!r}")
            if not _in_bounds(value, gt, ge, lt, le):
                raise _fail(f"expected {want}, found {value!r}")
            return int(value) if integer else float(value)
        try:
            dist = parse_distribution(value)
        except DistributionError as err:
            raise _fail(f"expected {want} or a distribution: {err}") from None
        if isinstance(dist, ParamRef):
            return dist
        if integer and isinstance(dist, (Uniform, Normal)):
            raise _fail(f"expected {want}; use an int or choice distribution here, not {type(dist).__name__.lower()}")
        if integer and isinstance(dist, Choice) and not all(
            isinstance(v, int) and not isinstance(v, bool) for v in dist.values
        ):
            raise _fail(f"expected {want}: choice values must be integers")
        if isinstance(dist, Choice):
            for v in dist.values:
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not _in_bounds(v, gt, ge, lt, le):
                    raise _fail(f"expected {want}: choice value {v!r} is not")
            return dist
        lo, hi = dist.support()
        if isinstance(dist, Normal) and bounds and (
            (math.isinf(lo) and (gt is not None or ge is not None))
            or (math.isinf(hi) and (lt is not None or le is not None))
        ):
            raise _fail(f"values here must be {bounds}: give the normal distribution min/max")
        lo_ok = _in_bounds(lo, gt, ge, None, None)
        # uniform draws lie in [lo, hi): hi may touch a strict upper bound
        hi_ok = _in_bounds(hi, None, None, lt, le) or (isinstance(dist, Uniform) and hi == lt)
        if not (lo_ok and hi_ok):
            raise _fail(f"values here must be {bounds}, but the distribution covers [{lo:g}, {hi:g}]")
        return dist

    return Annotated[Any, PlainValidator(validate), PlainSerializer(_serialize_num)]


def upper(value: Any) -> float:
    """The largest value a number or distribution can take (0 for a parameter reference,
    which is bounded where the parameter is declared)."""
    if value is None or isinstance(value, (ParamRef, bool)):
        return 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, Choice):
        return max((float(v) for v in value.values if isinstance(v, (int, float))), default=0.0)
    return float(value.support()[1])


def lower(value: Any) -> float:
    """The smallest value a number or distribution can take (inf for a parameter reference)."""
    if value is None or isinstance(value, (ParamRef, bool)):
        return math.inf
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, Choice):
        values = [float(v) for v in value.values if isinstance(v, (int, float))]
        return min(values, default=math.inf)
    return float(value.support()[0])


def Name():  # noqa: N802 - a type
    """A string, or a choice of strings (e.g. asset names)."""

    def validate(value: Any) -> Any:
        if isinstance(value, (Choice, ParamRef)):
            return value
        if isinstance(value, str) and not value.startswith("$"):
            if not value:
                raise _fail("expected a non-empty name")
            return value
        try:
            dist = parse_distribution(value)
        except DistributionError:
            raise _fail(f"expected a name or {{choice: [names]}}, found {value!r}") from None
        if isinstance(dist, ParamRef):
            return dist
        if not isinstance(dist, Choice) or not all(isinstance(v, str) for v in dist.values):
            raise _fail(f"expected a name or {{choice: [names]}}, found {value!r}")
        return dist

    return Annotated[Any, PlainValidator(validate), PlainSerializer(_serialize_num)]


class Strict(BaseModel):
    """Base of every schema block: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]
RGB = Annotated[tuple[int, int, int], Field(description="colour, 0..255 per channel")]


# --- road ---------------------------------------------------------------------------------
class SegmentSpec(Strict):
    """A piece of the road's reference line."""

    type: Literal["straight", "arc"] = "straight"
    length: Num(gt=0, le=MAX_ROAD_LENGTH) = Field(description="[m] arc length of the piece")
    radius: Num(ge=10) | None = Field(None, description="[m] arcs only")
    turn: Literal["left", "right"] = "left"

    @model_validator(mode="after")
    def _arc_needs_radius(self) -> SegmentSpec:
        if self.type == "arc" and self.radius is None:
            raise ValueError("an arc segment needs 'radius'")
        if self.type == "straight" and self.radius is not None:
            raise ValueError("a straight segment takes no 'radius'")
        return self


class OnRampSpec(Strict):
    """Lane 0 (rightmost) is an on-ramp: a separate ramp ``offset`` m to the right of the
    road until it curves in over ``taper`` m before ``start``; an acceleration lane from
    ``start`` that ends (narrowing over ``taper`` m) at ``end``."""

    start: Num(ge=0.0) = Field(description="[m] where the ramp joins the road")
    end: Num(gt=0.0) = Field(description="[m] where the acceleration lane ends")
    taper: Num(ge=10.0, le=300.0) = 60.0
    offset: Num(ge=2.0, le=30.0) = Field(8.0, description="[m] how far right of the road the ramp runs before joining")


class LaneDropSpec(Strict):
    """An outer lane (0 or the leftmost forward lane) ends at ``at``, narrowing over ``taper`` m."""

    lane: Num(ge=0, integer=True)
    at: Num(gt=0.0) = Field(description="[m] where the lane has ended")
    taper: Num(ge=10.0, le=300.0) = 60.0


class SignalsSpec(Strict):
    """Fixed-time traffic lights: main road green, amber, all red, cross street green, amber, all red."""

    main_green: Num(gt=0.0, le=300.0) = 20.0
    cross_green: Num(gt=0.0, le=300.0) = 15.0
    amber: Num(ge=0.0, le=10.0) = 3.0
    all_red: Num(ge=0.0, le=10.0) = 2.0
    offset: Num(ge=0.0, le=600.0) = Field(0.0, description="[s] into the cycle at t = 0")


class JunctionSpec(Strict):
    """A four-way junction: a straight two-way cross street crossing the main road at ``s``."""

    s: Num(gt=0.0) = Field(description="[m] on the main road (which must be straight there)")
    lanes: Num(ge=1, le=3, integer=True) = Field(1, description="cross street lanes per direction")
    lane_width: Num(ge=2.0, le=6.0) = 3.5
    arm_length: Num(ge=30.0, le=1000.0) = Field(120.0, description="[m] cross street on each side of the junction")
    signals: SignalsSpec | None = Field(default_factory=SignalsSpec, description="null: no traffic lights")


class RoadSpec(Strict):
    """The main road: forward lanes numbered from the right, 0 = rightmost, then (on a
    two-way road) the ``oncoming_lanes``, running the other way, to their left."""

    lanes: Num(ge=1, le=8, integer=True) = 3
    oncoming_lanes: Num(ge=0, le=6, integer=True) = Field(0, description="lanes running towards -s, left of the forward lanes")
    on_ramp: OnRampSpec | None = None
    lane_drops: list[LaneDropSpec] = Field([], max_length=100)
    junction: JunctionSpec | None = None
    lane_width: Num(ge=2.0, le=6.0) = 3.5
    shoulder_width: Num(ge=0.0, le=10.0) = 2.5
    sidewalk_width: Num(ge=0.0, le=8.0) = Field(0.0, description="[m] raised sidewalk behind a kerb on each side (0: none)")
    crossings: list[Num(ge=0.0)] = Field(default_factory=list, max_length=1000,
                                         description="s [m] of zebra crossings")
    speed_limit: Num(gt=0.0) = 33.3
    length: Num(gt=0.0, le=MAX_ROAD_LENGTH) | None = Field(
        None, description="[m] shorthand for one straight segment")
    segments: list[SegmentSpec] | None = Field(None, max_length=1000)

    @model_validator(mode="after")
    def _one_shape(self) -> RoadSpec:
        if self.length is not None and self.segments is not None:
            raise ValueError("give either 'length' or 'segments', not both")
        if self.length is None and not self.segments:
            raise ValueError("the road needs a 'length' or a list of 'segments'")
        total = sum(upper(seg.length) for seg in self.segments or ())
        if total > MAX_ROAD_LENGTH:
            raise ValueError(f"the segments add up to {total:g} m, more than {MAX_ROAD_LENGTH:g} m")
        return self


# --- behaviour, triggers, maneuvers -------------------------------------------------------
class BehaviourSpec(Strict):
    """IDM car-following parameters (Treiber et al. 2000)."""

    desired_speed: Num(gt=0.0) | None = Field(None, description="[m/s] v0; default: initial speed")
    time_headway: Num(gt=0.0, le=10.0) = 1.5
    min_gap: Num(ge=0.0, le=50.0) = 2.0
    max_accel: Num(gt=0.0, le=10.0) = 1.5
    comfort_decel: Num(gt=0.0, le=10.0) = 2.0
    max_brake: Num(gt=0.0, le=12.0) = 9.0


class TimeTrigger(Strict):
    type: Literal["time"]
    at: Num(ge=0.0) = Field(description="[s] episode time")


class _Compare(Strict):
    to: Identifier = "ego"
    above: Num() | None = None
    below: Num() | None = None

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
    s: Num(ge=0.0)


TriggerSpec = Annotated[
    TimeTrigger | GapTrigger | DistanceTrigger | TtcTrigger | EventTrigger | SpeedTrigger | ReachTrigger,
    Field(discriminator="type"),
]


class LaneChangeSpec(Strict):
    type: Literal["lane_change"]
    to_lane: Num(ge=0, integer=True)
    duration: Num(gt=0.5, le=15.0) = 3.0
    trigger: TriggerSpec | None = None


class CutInSpec(Strict):
    """Move into ``target``'s lane, ``gap`` [m] ahead of it when crossing the lane line."""

    type: Literal["cut_in"]
    target: Identifier = "ego"
    gap: Num(gt=0.0, le=200.0)
    duration: Num(gt=0.5, le=15.0) = 2.5
    trigger: TriggerSpec | None = None


class HardBrakeSpec(Strict):
    type: Literal["hard_brake"]
    decel: Num(gt=0.0, le=12.0) = Field(description="[m/s^2]")
    duration: Num(gt=0.0) | None = Field(None, description="[s] default: until standing")
    trigger: TriggerSpec | None = None


class SetSpeedSpec(Strict):
    type: Literal["set_speed"]
    speed: Num(ge=0.0) = Field(description="[m/s] new desired speed")
    trigger: TriggerSpec | None = None


class CutOutSpec(Strict):
    """Leave the current lane for the adjacent one on ``side`` (skipped, with a
    ``cut_out_impossible`` event, when there is no lane there)."""

    type: Literal["cut_out"]
    side: Literal["left", "right"] = "left"
    duration: Num(gt=0.5, le=15.0) = 2.5
    trigger: TriggerSpec | None = None


class StopSpec(Strict):
    """Brake at ``decel`` to a standstill and stay (a later set_speed/accelerate drives off)."""

    type: Literal["stop"]
    decel: Num(gt=0.0, le=12.0) = Field(3.0, description="[m/s^2]")
    trigger: TriggerSpec | None = None


class AccelerateSpec(Strict):
    """Accelerate at ``accel`` (still braking for a leader) up to ``speed``, then keep it."""

    type: Literal["accelerate"]
    speed: Num(ge=0.0, le=80.0) = Field(description="[m/s] target speed")
    accel: Num(gt=0.0, le=10.0) = Field(2.0, description="[m/s^2]")
    trigger: TriggerSpec | None = None


class StalledSpec(Strict):
    """Break down: brake at ``decel`` to a standstill (at once if standing) and never move
    again; later maneuvers of this actor do not run."""

    type: Literal["stalled"]
    decel: Num(gt=0.0, le=12.0) = Field(4.0, description="[m/s^2]")
    trigger: TriggerSpec | None = None


class MobilSpec(Strict):
    """Free lane changes from the trigger on: MOBIL (Kesting et al. 2007) picks the lane."""

    type: Literal["mobil"]
    politeness: Num(ge=0.0, le=1.0) = Field(0.3, description="weight of the others' gain")
    threshold: Num(ge=0.0, le=5.0) = Field(0.2, description="[m/s^2] advantage needed")
    safe_decel: Num(gt=0.0, le=12.0) = Field(4.0, description="[m/s^2] most braking imposed on the new follower")
    duration: Num(gt=0.5, le=15.0) = Field(3.0, description="[s] of one lane change")
    trigger: TriggerSpec | None = None


class TurnSpec(Strict):
    """Turn at the junction ahead into the cross street: slow to ``speed``, wait at the stop
    line for green and (turning left) for a gap of ``accept_gap`` s in the oncoming traffic."""

    type: Literal["turn"]
    direction: Literal["left", "right"]
    to_lane: Num(ge=0, integer=True) | None = Field(None, description="cross street lane; default: the natural one")
    speed: Num(gt=0.0, le=20.0) = Field(6.0, description="[m/s] through the turn")
    accept_gap: Num(ge=0.0, le=20.0) = Field(5.0, description="[s] oncoming gap needed to turn left")
    trigger: TriggerSpec | None = None


class FollowPathSpec(Strict):
    """Leave the lane along a path of segments starting where the actor is; at its end,
    rejoin the lane there (or stop, if it ends off the road)."""

    type: Literal["follow_path"]
    segments: list[SegmentSpec] = Field(min_length=1, max_length=1000)
    speed: Num(gt=0.0, le=40.0) = Field(description="[m/s] desired speed on the path")
    trigger: TriggerSpec | None = None


class CrossSpec(Strict):
    """A pedestrian (or animal) crosses the road at ``speed``: to ``to_d`` (default: the
    far sidewalk or shoulder), ``along`` m further along the road; then walks on or stops."""

    type: Literal["cross"]
    speed: Num(gt=0.0, le=12.0) = Field(1.4, description="[m/s]")
    to_d: Num() | None = Field(None, description="[m] lateral target; default: the far side")
    along: Num(ge=-50.0, le=50.0) = 0.0
    then: Literal["walk", "stop"] = "walk"
    trigger: TriggerSpec | None = None


ManeuverSpec = Annotated[
    LaneChangeSpec | CutInSpec | HardBrakeSpec | SetSpeedSpec | CutOutSpec | StopSpec
    | AccelerateSpec | StalledSpec | MobilSpec | TurnSpec | FollowPathSpec | CrossSpec,
    Field(discriminator="type"),
]


# --- actors -------------------------------------------------------------------------------
class _ActorBase(Strict):
    asset: Name() = Field("sedan", description="asset name from assets/catalog.yaml")
    variant: Num(ge=0, integer=True) | None = Field(None, description="default: drawn at random")
    color: RGB | None = Field(None, description="body colour; default: drawn from the asset's palette")
    road: Literal["main", "cross"] = Field("main", description="the cross street needs a junction")
    lane: Num(ge=0, integer=True) | None = Field(None, description="lane index; or give 'd'")
    d: Num() | None = Field(None, description="[m] lateral position instead of a lane (e.g. -3: on the right sidewalk)")
    s: Num(ge=0.0) = Field(description="[m] position of the centre along the road")
    offset: Num(ge=-3.0, le=3.0) = Field(0.0, description="[m] from the lane centre, left positive")
    speed: Num(ge=0.0, le=80.0) = Field(description="[m/s] initial speed")
    direction: Literal["forward", "backward"] | None = Field(
        None, description="towards +s or -s; default: the lane's way (a wrong-way driver: the other)")
    ignore_signals: bool = Field(False, description="drives through red lights")
    reserve: bool = Field(False, description="waits off stage until the steady background lets it in")
    behaviour: BehaviourSpec = BehaviourSpec()
    maneuvers: list[ManeuverSpec] = Field([], max_length=MAX_MANEUVERS)

    @model_validator(mode="after")
    def _lane_or_d(self):
        if (self.lane is None) == (self.d is None):
            raise ValueError("give either 'lane' (with optional 'offset') or 'd'")
        return self


def actor_d(actor: _ActorBase, lane_width: float) -> float:
    """Lateral position d [m] of an actor at the start: 'd', or its lane's centre + offset."""
    if actor.d is not None:
        return float(actor.d)
    return (actor.lane + 0.5) * lane_width + float(actor.offset)


class EgoSpec(_ActorBase):
    """The vehicle carrying the cameras (id 1)."""


class ActorSpec(_ActorBase):
    name: Identifier


class SteadySpec(Strict):
    """Keep the traffic around the ego steady over a long episode: a background vehicle that
    falls ``behind`` m behind the ego (or gets ``ahead`` m ahead of it) leaves the scene, and
    a fresh one from the ``reserve`` enters at the other end of that window, in a free lane."""

    behind: Num(gt=20.0, le=2000.0) = Field(150.0, description="[m] behind the ego")
    ahead: Num(gt=20.0, le=2000.0) = Field(250.0, description="[m] ahead of the ego")
    reserve: Num(ge=1, le=5000, integer=True) = Field(20, description="vehicles waiting to enter")


class BackgroundSpec(Strict):
    """Vehicles placed at random around the road at the start, driving with IDM."""

    count: Num(ge=0, le=5000, integer=True) = 0
    lanes: list[int] | None = Field(None, max_length=100, description="default: every lane")
    s_range: tuple[Num(ge=0.0), Num(ge=0.0)] | None = Field(
        None, description="[m] default: whole road; on lanes running towards -s, measured from the road's far end")
    speed: Num(ge=0.0, le=80.0) = Field(default_factory=lambda: Uniform(20.0, 30.0))
    min_gap: Num(ge=0.0) = Field(10.0, description="[m] bumper gap kept from every other vehicle at start")
    assets: dict[str, float] = Field(
        default_factory=lambda: {"sedan": 3.0, "hatchback": 2.0, "suv": 2.0, "van": 1.0, "truck": 1.0},
        description="asset name -> relative weight",
    )
    behaviour: BehaviourSpec = BehaviourSpec()
    mobil: bool = Field(False, description="free lane changes (MOBIL, default parameters)")
    steady: SteadySpec | None = Field(None, description="recycle vehicles around the ego (main road only)")


class PedestriansSpec(Strict):
    """Pedestrians walking along the main road's sidewalks (or the outer edge of its
    shoulders), either way; some cross the road at its zebra crossings."""

    count: Num(ge=0, le=2000, integer=True) = 0
    s_range: tuple[Num(ge=0.0), Num(ge=0.0)] | None = Field(None, description="[m] default: whole road")
    speed: Num(gt=0.0, le=3.0) = Field(default_factory=lambda: Uniform(1.0, 1.6), description="[m/s]")
    assets: dict[str, float] = Field(
        default_factory=lambda: {"pedestrian_adult": 4.0, "pedestrian_child": 1.0}, description="asset -> weight")
    crossing_rate: Num(ge=0.0, le=1.0) = Field(
        0.3, description="share that crosses at the next zebra crossing on its way (road.crossings)")


# --- sensors ------------------------------------------------------------------------------
class MountSpec(Strict):
    """Camera pose on the ego: position [m] in the ego frame (x forward, y left, z up, origin
    at the bottom centre of the ego's box), then yaw (left +), pitch (down +), roll [deg]."""

    x: Num() = 1.0
    y: Num() = 0.0
    z: Num() = 1.6
    yaw_deg: Num(ge=-180.0, le=180.0) = 0.0
    pitch_deg: Num(ge=-90.0, le=90.0) = 0.0
    roll_deg: Num(ge=-180.0, le=180.0) = 0.0


class CameraSpec(Strict):
    name: Identifier
    width: Num(ge=16, le=8192, integer=True) = 1280
    height: Num(ge=16, le=8192, integer=True) = 720
    hfov_deg: Num(gt=0.0, lt=180.0) | None = Field(None, description="horizontal field of view")
    fx: Num(gt=0.0) | None = None
    fy: Num(gt=0.0) | None = None
    cx: Num() | None = None
    cy: Num() | None = None
    rate: Num(gt=0.0, le=100.0) = Field(10.0, description="[Hz] frames per second")
    mount: MountSpec = MountSpec()
    znear: Num(gt=0.0) = 0.3
    zfar: Num(gt=0.0) = 1000.0

    @model_validator(mode="after")
    def _intrinsics(self) -> CameraSpec:
        if (self.hfov_deg is None) == (self.fx is None):
            raise ValueError("give either 'hfov_deg' or 'fx' (with optional fy, cx, cy)")
        if self.hfov_deg is not None and any(v is not None for v in (self.fy, self.cx, self.cy)):
            raise ValueError("'fy', 'cx', 'cy' go with 'fx', not with 'hfov_deg'")
        return self


def _default_cameras() -> list[CameraSpec]:
    return [CameraSpec(name="front", hfov_deg=90.0)]


class SensorsSpec(Strict):
    cameras: list[CameraSpec] = Field(default_factory=_default_cameras, min_length=1,
                                      max_length=MAX_CAMERAS)


class EnvironmentSpec(Strict):
    time_of_day: Num(ge=0.0, le=24.0) | None = Field(
        None,
        description="[h] solar time (17.5 = 17:30): sets the sun, ambient light and sky of a clear"
        " equinox day at 48 deg N, +x = east (sim/scenario/daylight.py); keys given here win",
    )
    sun_elevation_deg: Num(ge=-10.0, le=90.0) = 50.0
    sun_azimuth_deg: Num(ge=-360.0, le=360.0) = Field(
        140.0, description="compass direction the light comes from, counter-clockwise from +x"
    )
    sun_intensity: Num(ge=0.0, le=20.0) = DAY_SUN_INTENSITY
    sun_color: tuple[Num(ge=0, le=1), Num(ge=0, le=1), Num(ge=0, le=1)] = DAY_SUN_COLOR
    ambient: Num(ge=0.0, le=1.0) = DAY_AMBIENT
    sky_top: RGB = DAY_SKY[0]
    sky_horizon: RGB = DAY_SKY[1]
    roadside_density: Num(ge=0.0, le=4.0) = Field(
        1.0, description="trees, street lamps and buildings along the road (0: bare road)"
    )


Format = Literal["native", "coco", "kitti", "kitti_tracking", "yolo"]


class OutputsSpec(Strict):
    formats: list[Format] = Field(["native", "coco", "kitti"], max_length=20)
    min_pixels: Num(ge=1, integer=True) = Field(
        10, description="objects with fewer visible pixels get no 2D label"
    )


class PerturbationSpec(Strict):
    """An edge case or sensor effect from the catalogue in sim/perturb (docs/perturbations.md)."""

    name: Identifier
    rate: Num(ge=0.0, le=1.0) = Field(1.0, description="probability that an episode gets it")
    params: dict[Identifier, Num()] = Field(
        default_factory=dict, description="override the catalogue's parameter laws (numbers or distributions)"
    )
    applied: bool = Field(
        False, description="set in scenario.resolved.yaml: the scenario already carries its changes"
    )


class SweepSpec(Strict):
    """What ``python -m sim sweep`` varies by default: ``--set`` key -> distribution."""

    vary: dict[str, Num()] = Field(default_factory=dict)


class ScenarioSpec(Strict):
    name: Identifier
    description: str = ""
    seed: Num(ge=0, le=MAX_SEED, integer=True) = 0
    duration: Num(gt=0.0, le=MAX_DURATION) = Field(description="[s] episode length")
    step: Num(ge=MIN_STEP, le=0.5) = Field(0.05, description="[s] physics step")
    stop_on_collision: bool = False
    params: dict[Identifier, Num()] = Field(default_factory=dict)
    road: RoadSpec
    ego: EgoSpec
    actors: list[ActorSpec] = Field([], max_length=MAX_AGENTS)
    background: BackgroundSpec = BackgroundSpec()
    cross_traffic: BackgroundSpec | None = Field(None, description="background vehicles on the junction's cross street")
    pedestrians: PedestriansSpec = PedestriansSpec()
    environment: EnvironmentSpec = EnvironmentSpec()
    sensors: SensorsSpec = SensorsSpec()
    outputs: OutputsSpec = OutputsSpec()
    perturbations: list[PerturbationSpec] = Field([], max_length=100)
    sweep: SweepSpec | None = None


def limit_problems(spec: ScenarioSpec) -> list[tuple[tuple[str | int, ...], str]]:
    """(key path, message) for each product of values past its limit: the number of steps
    (duration / step), frames per camera (duration x rate) and road users. Distributions
    count at their extremes, so a scenario within the limits is so for every seed."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    duration = upper(spec.duration)
    step = lower(spec.step)
    if math.isfinite(step) and step > 0 and duration / step > MAX_STEPS:
        out.append((("duration",), f"{duration:g} s at a step of {step:g} s is "
                    f"{duration / step:,.0f} steps, more than {MAX_STEPS:,}; use a larger step"))
    for i, cam in enumerate(spec.sensors.cameras):
        frames = duration * upper(cam.rate)
        if frames > MAX_FRAMES:
            out.append((("sensors", "cameras", i, "rate"),
                        f"{duration:g} s at {upper(cam.rate):g} Hz is {frames:,.0f} frames, more "
                        f"than {MAX_FRAMES:,} per camera; lower the rate or the duration"))
    agents = 1 + len(spec.actors) + upper(spec.background.count) + upper(spec.pedestrians.count)
    for bg in (spec.background, spec.cross_traffic):
        if bg is not None and bg.steady is not None:
            agents += upper(bg.steady.reserve)
    if spec.cross_traffic is not None:
        agents += upper(spec.cross_traffic.count)
    if agents > MAX_AGENTS:
        out.append((("actors",), f"{agents:,.0f} road users in all (ego, actors, background, "
                    f"cross traffic, reserves, pedestrians), more than {MAX_AGENTS:,}"))
    return out
