"""Road users: the ego, named actors, background traffic and pedestrians."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from sim.scenario.distributions import Uniform
from sim.scenario.schema.base import RGB, AnyNumber, Identifier, NameOrChoice, Num, Strict
from sim.scenario.schema.limits import MAX_MANEUVERS
from sim.scenario.schema.maneuvers import ManeuverSpec


class BehaviourSpec(Strict):
    """IDM car-following parameters (Treiber et al. 2000)."""

    desired_speed: Annotated[Any, Num(gt=0.0)] | None = Field(
        default=None, description="[m/s] v0; default: initial speed"
    )
    time_headway: Annotated[Any, Num(gt=0.0, le=10.0)] = 1.5
    min_gap: Annotated[Any, Num(ge=0.0, le=50.0)] = 2.0
    max_accel: Annotated[Any, Num(gt=0.0, le=10.0)] = 1.5
    comfort_decel: Annotated[Any, Num(gt=0.0, le=10.0)] = 2.0
    max_brake: Annotated[Any, Num(gt=0.0, le=12.0)] = 9.0


class _ActorBase(Strict):
    asset: NameOrChoice = Field(default="sedan", description="asset name from assets/catalog.yaml")
    variant: Annotated[Any, Num(ge=0, integer=True)] | None = Field(
        default=None, description="default: drawn at random"
    )
    color: RGB | None = Field(
        default=None, description="body colour; default: drawn from the asset's palette"
    )
    road: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        default="main",
        description="'main' or 'cross' (the cross street needs a junction); on a "
        "road.opendrive map: the id of a road of the map",
    )
    lane: Annotated[Any, Num(ge=-100, le=100, integer=True)] | None = Field(
        default=None,
        description="lane index (0 = rightmost); or give 'd'; on a map: the OpenDRIVE lane "
        "id (-1, -2, ... right of the reference line, 1, 2, ... left)",
    )
    d: AnyNumber | None = Field(
        default=None,
        description="[m] lateral position instead of a lane (e.g. -3: on the right sidewalk)",
    )
    s: Annotated[Any, Num(ge=0.0)] = Field(description="[m] position of the centre along the road")
    offset: Annotated[Any, Num(ge=-3.0, le=3.0)] = Field(
        default=0.0, description="[m] from the lane centre, left positive"
    )
    speed: Annotated[Any, Num(ge=0.0, le=80.0)] = Field(description="[m/s] initial speed")
    direction: Literal["forward", "backward"] | None = Field(
        default=None,
        description="towards +s or -s; default: the lane's way (a wrong-way driver: the other)",
    )
    ignore_signals: bool = Field(default=False, description="drives through red lights")
    reserve: bool = Field(
        default=False, description="waits off stage until the steady background lets it in"
    )
    behaviour: BehaviourSpec = BehaviourSpec()
    maneuvers: list[ManeuverSpec] = Field(default=[], max_length=MAX_MANEUVERS)

    @model_validator(mode="after")
    def _lane_or_d(self):
        if (self.lane is None) == (self.d is None):
            raise ValueError("give either 'lane' (with optional 'offset') or 'd'")
        return self


def actor_d(actor: _ActorBase, lane_width: float) -> float:
    """Lateral position d [m] of an actor at the start: 'd', or its lane's centre + offset."""
    if actor.d is not None:
        return float(actor.d)
    if actor.lane is None:  # the model refuses it: 'lane' or 'd'
        raise ValueError("an actor needs 'lane' or 'd'")
    return (actor.lane + 0.5) * lane_width + float(actor.offset)


class EgoSpec(_ActorBase):
    """The vehicle carrying the cameras (id 1)."""


class ActorSpec(_ActorBase):
    name: Identifier


class SteadySpec(Strict):
    """Keep the traffic around the ego steady over a long episode: a background vehicle that
    falls ``behind`` m behind the ego (or gets ``ahead`` m ahead of it) leaves the scene, and
    a fresh one from the ``reserve`` enters at the other end of that window, in a free lane."""

    behind: Annotated[Any, Num(gt=20.0, le=2000.0)] = Field(
        default=150.0, description="[m] behind the ego"
    )
    ahead: Annotated[Any, Num(gt=20.0, le=2000.0)] = Field(
        default=250.0, description="[m] ahead of the ego"
    )
    reserve: Annotated[Any, Num(ge=1, le=5000, integer=True)] = Field(
        default=20, description="vehicles waiting to enter"
    )


class BackgroundSpec(Strict):
    """Vehicles placed at random around the road at the start, driving with IDM."""

    count: Annotated[Any, Num(ge=0, le=5000, integer=True)] = 0
    lanes: list[int] | None = Field(default=None, max_length=100, description="default: every lane")
    s_range: tuple[Annotated[Any, Num(ge=0.0)], Annotated[Any, Num(ge=0.0)]] | None = Field(
        default=None,
        description="[m] default: whole road; on lanes running towards -s, measured from the "
        "road's far end",
    )
    speed: Annotated[Any, Num(ge=0.0, le=80.0)] = Field(default_factory=lambda: Uniform(20.0, 30.0))
    min_gap: Annotated[Any, Num(ge=0.0)] = Field(
        default=10.0, description="[m] bumper gap kept from every other vehicle at start"
    )
    assets: dict[str, float] = Field(
        default_factory=lambda: {
            "sedan": 3.0,
            "hatchback": 2.0,
            "suv": 2.0,
            "van": 1.0,
            "truck": 1.0,
        },
        description="asset name -> relative weight",
    )
    behaviour: BehaviourSpec = BehaviourSpec()
    mobil: bool = Field(default=False, description="free lane changes (MOBIL, default parameters)")
    steady: SteadySpec | None = Field(
        default=None, description="recycle vehicles around the ego (main road only)"
    )


class CyclistsSpec(Strict):
    """Cyclists riding along the kerb: placed at random in the kerb-side lane of each
    direction (lane 0 and, with oncoming lanes, the outermost oncoming one), ``offset``
    towards the kerb, at their own steady speed; traffic behind follows them (IDM) or
    overtakes (MOBIL)."""

    count: Annotated[Any, Num(ge=0, le=500, integer=True)] = 0
    lanes: list[int] | None = Field(
        default=None, max_length=100, description="default: the kerb-side lane of each direction"
    )
    s_range: tuple[Annotated[Any, Num(ge=0.0)], Annotated[Any, Num(ge=0.0)]] | None = Field(
        default=None,
        description="[m] default: whole road; on lanes running towards -s, measured from the "
        "road's far end",
    )
    speed: Annotated[Any, Num(gt=0.0, le=15.0)] = Field(
        default_factory=lambda: Uniform(4.0, 7.0), description="[m/s] each rider's steady speed"
    )
    offset: Annotated[Any, Num(ge=0.0, le=2.0)] = Field(
        default=1.0, description="[m] from the lane centre towards the kerb"
    )
    min_gap: Annotated[Any, Num(ge=0.0)] = Field(
        default=6.0, description="[m] kept from every other road user at the start"
    )
    assets: dict[str, float] = Field(
        default_factory=lambda: {"bicycle_with_rider": 1.0},
        description="two-wheeler asset -> relative weight",
    )


class PedestriansSpec(Strict):
    """Pedestrians walking along the main road's sidewalks (or the outer edge of its
    shoulders), either way; some cross the road at its zebra crossings."""

    count: Annotated[Any, Num(ge=0, le=2000, integer=True)] = 0
    s_range: tuple[Annotated[Any, Num(ge=0.0)], Annotated[Any, Num(ge=0.0)]] | None = Field(
        default=None, description="[m] default: whole road"
    )
    speed: Annotated[Any, Num(gt=0.0, le=3.0)] = Field(
        default_factory=lambda: Uniform(1.0, 1.6), description="[m/s]"
    )
    assets: dict[str, float] = Field(
        default_factory=lambda: {"pedestrian_adult": 4.0, "pedestrian_child": 1.0},
        description="asset -> weight",
    )
    crossing_rate: Annotated[Any, Num(ge=0.0, le=1.0)] = Field(
        default=0.3,
        description="share that crosses at the next zebra crossing on its way (road.crossings)",
    )
