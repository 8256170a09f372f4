"""The road block: the main road's lanes and shape (segments), on-ramp, lane drops, and a
junction with its traffic lights."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from sim.scenario.schema.base import Num, Strict, upper
from sim.scenario.schema.limits import MAX_ROAD_LENGTH


class SegmentSpec(Strict):
    """A piece of the road's reference line."""

    type: Literal["straight", "arc"] = "straight"
    length: Annotated[Any, Num(gt=0, le=MAX_ROAD_LENGTH)] = Field(
        description="[m] arc length of the piece"
    )
    radius: Annotated[Any, Num(ge=10)] | None = Field(default=None, description="[m] arcs only")
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

    start: Annotated[Any, Num(ge=0.0)] = Field(description="[m] where the ramp joins the road")
    end: Annotated[Any, Num(gt=0.0)] = Field(description="[m] where the acceleration lane ends")
    taper: Annotated[Any, Num(ge=10.0, le=300.0)] = 60.0
    offset: Annotated[Any, Num(ge=2.0, le=30.0)] = Field(
        default=8.0, description="[m] how far right of the road the ramp runs before joining"
    )


class LaneDropSpec(Strict):
    """An outer lane (0 or the leftmost forward lane) ends at ``at``, narrowing over ``taper`` m."""

    lane: Annotated[Any, Num(ge=0, integer=True)]
    at: Annotated[Any, Num(gt=0.0)] = Field(description="[m] where the lane has ended")
    taper: Annotated[Any, Num(ge=10.0, le=300.0)] = 60.0


class SignalsSpec(Strict):
    """Fixed-time traffic lights: main road green, amber, all red, cross street green, amber,
    all red."""

    main_green: Annotated[Any, Num(gt=0.0, le=300.0)] = 20.0
    cross_green: Annotated[Any, Num(gt=0.0, le=300.0)] = 15.0
    amber: Annotated[Any, Num(ge=0.0, le=10.0)] = 3.0
    all_red: Annotated[Any, Num(ge=0.0, le=10.0)] = 2.0
    offset: Annotated[Any, Num(ge=0.0, le=600.0)] = Field(
        default=0.0, description="[s] into the cycle at t = 0"
    )


class JunctionSpec(Strict):
    """A four-way junction: a straight two-way cross street crossing the main road at ``s``."""

    s: Annotated[Any, Num(gt=0.0)] = Field(
        description="[m] on the main road (which must be straight there)"
    )
    lanes: Annotated[Any, Num(ge=1, le=3, integer=True)] = Field(
        default=1, description="cross street lanes per direction"
    )
    lane_width: Annotated[Any, Num(ge=2.0, le=6.0)] = 3.5
    arm_length: Annotated[Any, Num(ge=30.0, le=1000.0)] = Field(
        default=120.0, description="[m] cross street on each side of the junction"
    )
    signals: SignalsSpec | None = Field(
        default_factory=SignalsSpec, description="null: no traffic lights"
    )


class SignalStateSpec(Strict):
    """From ``at`` [s] on, the light ``signal`` (its OpenDRIVE id) and every light of its
    group show ``state``, whatever the plan says (OpenSCENARIO's TrafficSignalStateAction)."""

    at: Annotated[Any, Num(ge=0.0)] = 0.0
    signal: str = Field(min_length=1, max_length=256)
    state: Literal["red", "amber", "green"]


class MapSignalsSpec(Strict):
    """Fixed-time plan of a map's traffic lights: the signal groups of a junction (one per
    signal controller of the file, else one per approach road) are green in turn, each for
    ``green`` s, then amber and all red; ``states`` set a light's state from a time on."""

    green: Annotated[Any, Num(gt=0.0, le=300.0)] = 15.0
    amber: Annotated[Any, Num(ge=0.0, le=10.0)] = 3.0
    all_red: Annotated[Any, Num(ge=0.0, le=10.0)] = 2.0
    states: list[SignalStateSpec] = Field(default_factory=list, max_length=1000)


class OpenDriveSpec(Strict):
    """The road network of an ASAM OpenDRIVE map (docs/opendrive.md, "Scenarios on a map")."""

    file: str = Field(
        min_length=1,
        max_length=4096,
        description="the .xodr file, relative to the scenario file's folder",
    )
    signals: MapSignalsSpec = MapSignalsSpec()


MAP_ROAD_KEYS = ("length", "segments", "junction", "on_ramp", "lane_drops", "crossings")
"""Road keys a map replaces (refused next to ``opendrive``)."""


class RoadSpec(Strict):
    """The main road: forward lanes numbered from the right, 0 = rightmost, then (on a
    two-way road) the ``oncoming_lanes``, running the other way, to their left."""

    lanes: Annotated[Any, Num(ge=1, le=8, integer=True)] = 3
    oncoming_lanes: Annotated[Any, Num(ge=0, le=6, integer=True)] = Field(
        default=0, description="lanes running towards -s, left of the forward lanes"
    )
    on_ramp: OnRampSpec | None = None
    lane_drops: list[LaneDropSpec] = Field(default=[], max_length=100)
    junction: JunctionSpec | None = None
    lane_width: Annotated[Any, Num(ge=2.0, le=6.0)] = 3.5
    shoulder_width: Annotated[Any, Num(ge=0.0, le=10.0)] = 2.5
    sidewalk_width: Annotated[Any, Num(ge=0.0, le=8.0)] = Field(
        default=0.0, description="[m] raised sidewalk behind a kerb on each side (0: none)"
    )
    crossings: list[Annotated[Any, Num(ge=0.0)]] = Field(
        default_factory=list, max_length=1000, description="s [m] of zebra crossings"
    )
    speed_limit: Annotated[Any, Num(gt=0.0)] = 33.3
    length: Annotated[Any, Num(gt=0.0, le=MAX_ROAD_LENGTH)] | None = Field(
        default=None, description="[m] shorthand for one straight segment"
    )
    segments: list[SegmentSpec] | None = Field(default=None, max_length=1000)
    opendrive: OpenDriveSpec | None = Field(
        default=None, description="drive on an OpenDRIVE map instead of the road model above"
    )

    @model_validator(mode="after")
    def _one_shape(self) -> RoadSpec:
        if self.opendrive is not None:
            given = [k for k in MAP_ROAD_KEYS if getattr(self, k) not in (None, [])]
            if given:
                raise ValueError(
                    f"'{given[0]}' does not go with 'opendrive': the map gives the roads"
                )
            return self
        if self.length is not None and self.segments is not None:
            raise ValueError("give either 'length' or 'segments', not both")
        if self.length is None and not self.segments:
            raise ValueError("the road needs a 'length' or a list of 'segments'")
        total = sum(upper(seg.length) for seg in self.segments or ())
        if total > MAX_ROAD_LENGTH:
            raise ValueError(f"the segments add up to {total:g} m, more than {MAX_ROAD_LENGTH:g} m")
        return self
