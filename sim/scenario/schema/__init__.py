"""The scenario schema (pydantic v2): what a scenario file may say, with units and defaults.

Every numeric field accepts a plain number or a distribution (see distributions.py); a
``ScenarioSpec`` may still hold distributions, a resolved one holds numbers only. Field
docs are the source of docs/scenario-format.md. Units: metres, seconds, m/s, m/s^2;
angles in degrees where the key ends in ``_deg``.

The blocks live by concern: :mod:`.base` (numbers, names, the strict base model),
:mod:`.road`, :mod:`.maneuvers` (and triggers), :mod:`.actors`, :mod:`.sensors` (and
outputs), :mod:`.environment`, :mod:`.limits`; this module holds the top level
(:class:`ScenarioSpec`, its limits) and re-exports every public name, so importers write
``from sim.scenario.schema import RoadSpec``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import Field

from sim.scenario.schema.actors import (
    ActorSpec,
    BackgroundSpec,
    BehaviourSpec,
    CyclistsSpec,
    EgoSpec,
    PedestriansSpec,
    SteadySpec,
    actor_d,
)
from sim.scenario.schema.appearance import AppearanceSpec
from sim.scenario.schema.base import (
    RGB,
    AnyNumber,
    Identifier,
    NameOrChoice,
    Num,
    Strict,
    lower,
    upper,
)
from sim.scenario.schema.environment import EnvironmentSpec
from sim.scenario.schema.limits import (
    MAX_AGENTS,
    MAX_CAMERAS,
    MAX_DURATION,
    MAX_FRAMES,
    MAX_MANEUVERS,
    MAX_ROAD_LENGTH,
    MAX_STEPS,
    MIN_STEP,
)
from sim.scenario.schema.maneuvers import (
    AccelerateSpec,
    CrossSpec,
    CutInSpec,
    CutOutSpec,
    DistanceTrigger,
    EventTrigger,
    FollowPathSpec,
    GapTrigger,
    HardBrakeSpec,
    LaneChangeSpec,
    ManeuverSpec,
    MobilSpec,
    PositionTrigger,
    ReachTrigger,
    RouteSpec,
    SetSpeedSpec,
    SpeedTrigger,
    StalledSpec,
    StopSpec,
    TimeTrigger,
    TravelTrigger,
    TriggerSpec,
    TtcTrigger,
    TurnSpec,
)
from sim.scenario.schema.road import (
    JunctionSpec,
    LaneDropSpec,
    MapSignalsSpec,
    OnRampSpec,
    OpenDriveSpec,
    RoadSpec,
    SegmentSpec,
    SignalsSpec,
)
from sim.scenario.schema.sensors import CameraSpec, Format, MountSpec, OutputsSpec, SensorsSpec
from sim.seeding import MAX_SEED


class PerturbationSpec(Strict):
    """An edge case or sensor effect from the catalogue in sim/perturb (docs/perturbations.md)."""

    name: Identifier
    rate: Annotated[Any, Num(ge=0.0, le=1.0)] = Field(
        default=1.0, description="probability that an episode gets it"
    )
    params: dict[Identifier, AnyNumber] = Field(
        default_factory=dict,
        description="override the catalogue's parameter laws (numbers or distributions)",
    )
    applied: bool = Field(
        default=False,
        description="set in scenario.resolved.yaml: the scenario already carries its changes",
    )


class SweepSpec(Strict):
    """What ``python -m sim sweep`` varies by default: ``--set`` key -> distribution."""

    vary: dict[str, AnyNumber] = Field(default_factory=dict)


class ScenarioSpec(Strict):
    name: Identifier
    description: str = ""
    seed: Annotated[Any, Num(ge=0, le=MAX_SEED, integer=True)] = 0
    duration: Annotated[Any, Num(gt=0.0, le=MAX_DURATION)] = Field(description="[s] episode length")
    step: Annotated[Any, Num(ge=MIN_STEP, le=0.5)] = Field(
        default=0.05, description="[s] physics step"
    )
    stop_on_collision: bool = False
    params: dict[Identifier, AnyNumber] = Field(default_factory=dict)
    road: RoadSpec
    ego: EgoSpec
    actors: list[ActorSpec] = Field(default=[], max_length=MAX_AGENTS)
    background: BackgroundSpec = BackgroundSpec()
    cross_traffic: BackgroundSpec | None = Field(
        default=None, description="background vehicles on the junction's cross street"
    )
    pedestrians: PedestriansSpec = PedestriansSpec()
    cyclists: CyclistsSpec = CyclistsSpec()
    environment: EnvironmentSpec = EnvironmentSpec()
    sensors: SensorsSpec = SensorsSpec()
    outputs: OutputsSpec = OutputsSpec()
    perturbations: list[PerturbationSpec] = Field(default=[], max_length=100)
    sweep: SweepSpec | None = None
    appearance: AppearanceSpec = AppearanceSpec()


def limit_problems(spec: ScenarioSpec) -> list[tuple[tuple[str | int, ...], str]]:
    """(key path, message) for each product of values past its limit: the number of steps
    (duration / step), frames per camera (duration x rate) and road users. Distributions
    count at their extremes, so a scenario within the limits is so for every seed."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    duration = upper(spec.duration)
    step = lower(spec.step)
    if math.isfinite(step) and step > 0 and duration / step > MAX_STEPS:
        out.append(
            (
                ("duration",),
                f"{duration:g} s at a step of {step:g} s is "
                f"{duration / step:,.0f} steps, more than {MAX_STEPS:,}; use a larger step",
            )
        )
    for i, cam in enumerate(spec.sensors.cameras):
        frames = duration * upper(cam.rate)
        if frames > MAX_FRAMES:
            out.append(
                (
                    ("sensors", "cameras", i, "rate"),
                    f"{duration:g} s at {upper(cam.rate):g} Hz is {frames:,.0f} frames, more "
                    f"than {MAX_FRAMES:,} per camera; lower the rate or the duration",
                )
            )
    agents = 1 + len(spec.actors) + upper(spec.background.count) + upper(spec.pedestrians.count)
    agents += upper(spec.cyclists.count)
    for bg in (spec.background, spec.cross_traffic):
        if bg is not None and bg.steady is not None:
            agents += upper(bg.steady.reserve)
    if spec.cross_traffic is not None:
        agents += upper(spec.cross_traffic.count)
    if agents > MAX_AGENTS:
        out.append(
            (
                ("actors",),
                f"{agents:,.0f} road users in all (ego, actors, background, "
                f"cross traffic, reserves, pedestrians, cyclists), more than {MAX_AGENTS:,}",
            )
        )
    return out


__all__ = [
    "AppearanceSpec",
    "MAX_AGENTS",
    "MAX_CAMERAS",
    "MAX_DURATION",
    "MAX_FRAMES",
    "MAX_MANEUVERS",
    "MAX_ROAD_LENGTH",
    "MAX_STEPS",
    "MIN_STEP",
    "RGB",
    "AccelerateSpec",
    "ActorSpec",
    "AnyNumber",
    "BackgroundSpec",
    "BehaviourSpec",
    "CameraSpec",
    "CrossSpec",
    "CutInSpec",
    "CutOutSpec",
    "DistanceTrigger",
    "EgoSpec",
    "EnvironmentSpec",
    "EventTrigger",
    "FollowPathSpec",
    "Format",
    "GapTrigger",
    "HardBrakeSpec",
    "Identifier",
    "JunctionSpec",
    "LaneChangeSpec",
    "LaneDropSpec",
    "ManeuverSpec",
    "MobilSpec",
    "MountSpec",
    "NameOrChoice",
    "Num",
    "OnRampSpec",
    "OutputsSpec",
    "CyclistsSpec",
    "PedestriansSpec",
    "PerturbationSpec",
    "PositionTrigger",
    "ReachTrigger",
    "RoadSpec",
    "RouteSpec",
    "OpenDriveSpec",
    "MapSignalsSpec",
    "ScenarioSpec",
    "SegmentSpec",
    "SensorsSpec",
    "SetSpeedSpec",
    "SignalsSpec",
    "SpeedTrigger",
    "StalledSpec",
    "SteadySpec",
    "StopSpec",
    "Strict",
    "SweepSpec",
    "TimeTrigger",
    "TravelTrigger",
    "TriggerSpec",
    "TtcTrigger",
    "TurnSpec",
    "actor_d",
    "limit_problems",
    "lower",
    "upper",
]
