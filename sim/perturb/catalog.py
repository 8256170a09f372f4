"""The edge-case catalogue: named, parameterised perturbations of a resolved scenario.

Two kinds:

* ``scenario`` perturbations change the resolved scenario itself (add a braking maneuver,
  insert a stalled vehicle, move the sun, shift the camera mounts). Everything downstream
  (traffic, rendering, labels) then follows from the changed scenario, so labels stay exact.
* ``sensor`` perturbations change only the RGB image after rendering (fog, noise, exposure,
  blur; :mod:`sim.render.effects`). Depth, masks and labels are those of the clean scene.

Each entry declares its parameter laws (overridable per scenario), what it applies to
(``applicable(spec) -> reason or None``) and, for the scenario kind, ``apply(spec, params)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.perturb import edge_cases
from sim.scenario.distributions import Choice, Uniform
from sim.scenario.schema import (
    ActorSpec,
    BehaviourSpec,
    CutInSpec,
    ScenarioSpec,
    StalledSpec,
    StopSpec,
    TimeTrigger,
)


@dataclass(frozen=True)
class Perturbation:
    name: str
    kind: str  # "scenario" | "sensor"
    doc: str
    params: dict[str, Any]  # parameter -> Distribution (or a number)
    applicable: Callable[[ScenarioSpec], str | None] = lambda spec: None  # reason it cannot apply
    apply: Callable[[ScenarioSpec, dict[str, float]], ScenarioSpec] | None = None
    demo: str = "cut_in"
    """the library scenario ``python -m sim edge-cases`` shows it on"""
    demo_overrides: tuple[str, ...] = ()
    """``--set`` overrides of the demo scenario for the showcase (e.g. a sun ahead for glare)"""


def _all_actors(spec: ScenarioSpec) -> list[tuple[str, Any]]:
    return [("ego", spec.ego)] + [(a.name, a) for a in spec.actors]


def _leader_of_ego(spec: ScenarioSpec, free_only: bool = True) -> int | None:
    """Index in ``spec.actors`` of the nearest vehicle ahead of the ego in its lane at start."""
    best, best_s = None, math.inf
    for k, a in enumerate(spec.actors):
        if (
            a.lane == spec.ego.lane
            and a.s > spec.ego.s
            and a.s < best_s
            and not (free_only and a.maneuvers)
        ):
            best, best_s = k, a.s
    return best


# --- scenario perturbations -----------------------------------------------------------
def _has_cut_in(spec: ScenarioSpec) -> str | None:
    if any(isinstance(m, CutInSpec) for _, a in _all_actors(spec) for m in a.maneuvers):
        return None
    return "needs an actor with a cut_in maneuver"


def _aggressive_cut_in(spec: ScenarioSpec, p: dict[str, float]) -> ScenarioSpec:
    def fix(a):
        ms = [
            m.model_copy(update={"gap": p["gap"], "duration": p["duration"]})
            if isinstance(m, CutInSpec)
            else m
            for m in a.maneuvers
        ]
        return a.model_copy(update={"maneuvers": ms})

    return spec.model_copy(update={"actors": [fix(a) for a in spec.actors], "ego": fix(spec.ego)})


def _needs_leader(spec: ScenarioSpec) -> str | None:
    return (
        None if _leader_of_ego(spec) is not None else "needs a vehicle ahead of the ego in its lane"
    )


def _lead_hard_brake(spec: ScenarioSpec, p: dict[str, float]) -> ScenarioSpec:
    k = _leader_of_ego(spec)
    lead = spec.actors[k]
    brake = StopSpec(type="stop", decel=p["decel"], trigger=TimeTrigger(type="time", at=p["at"]))
    actors = list(spec.actors)
    actors[k] = lead.model_copy(update={"maneuvers": [brake]})
    return spec.model_copy(update={"actors": actors})


def _free_slot(
    spec: ScenarioSpec, lane: int, s: float, length: float, margin: float
) -> list[ActorSpec]:
    """Actors kept when a vehicle of ``length`` is put at ``s`` in ``lane`` (background
    vehicles in the way are removed; named actors are never removed)."""
    kept = []
    for a in spec.actors:
        clash = a.lane == lane and abs(a.s - s) < length + margin
        if clash and a.name.startswith("bg_"):
            continue
        kept.append(a)
    return kept


def _always(spec: ScenarioSpec) -> str | None:
    return None


def _stalled_vehicle(spec: ScenarioSpec, p: dict[str, float]) -> ScenarioSpec:
    assets = ("sedan", "van", "truck")
    asset = assets[int(p["asset"])]
    s = float(spec.ego.s + p["distance"])
    actors = _free_slot(spec, spec.ego.lane, s, 12.0, 4.0)
    stalled = ActorSpec(
        name="stalled",
        asset=asset,
        lane=spec.ego.lane,
        s=round(s, 6),
        speed=0.0,
        maneuvers=[StalledSpec(type="stalled")],  # standing from the first step, for good
    )
    return spec.model_copy(update={"actors": [*actors, stalled]})


def _tailgater(spec: ScenarioSpec, p: dict[str, float]) -> ScenarioSpec:
    ego = spec.ego
    s = float(ego.s - 4.9 - p["gap"])  # centre behind the ego: its half length + ours ~ 4.9 m
    actors = _free_slot(spec, ego.lane, s, 8.0, 2.0)
    tail = ActorSpec(
        name="tailgater",
        asset="suv",
        lane=ego.lane,
        s=round(max(s, 3.0), 6),
        speed=float(ego.speed),
        behaviour=BehaviourSpec(
            desired_speed=float(ego.speed) + 4.0,
            time_headway=p["headway"],
            min_gap=1.0,
            max_accel=2.5,
        ),
    )
    return spec.model_copy(update={"actors": [*actors, tail]})


def _low_sun(spec: ScenarioSpec, p: dict[str, float]) -> ScenarioSpec:
    # the light comes from straight ahead of a ego driving along +x: azimuth 0 +- spread
    env = spec.environment.model_copy(
        update={
            "sun_elevation_deg": p["elevation_deg"],
            "sun_azimuth_deg": p["azimuth_deg"],
            "sun_intensity": p["intensity"],
            "sun_color": (1.0, 0.85, 0.65),
        }
    )
    return spec.model_copy(update={"environment": env})


def _dusk(spec: ScenarioSpec, p: dict[str, float]) -> ScenarioSpec:
    env = spec.environment.model_copy(
        update={
            "sun_elevation_deg": p["elevation_deg"],
            "ambient": p["ambient"],
            "sun_intensity": 1.2,
            "sun_color": (1.0, 0.6, 0.4),
            "sky_top": (20, 26, 60),
            "sky_horizon": (180, 105, 80),
        }
    )
    return spec.model_copy(update={"environment": env})


def _extrinsic_jitter(spec: ScenarioSpec, p: dict[str, float]) -> ScenarioSpec:
    cams = []
    for cam in spec.sensors.cameras:
        m = cam.mount
        mount = m.model_copy(
            update={
                "yaw_deg": m.yaw_deg + p["yaw_deg"],
                "pitch_deg": m.pitch_deg + p["pitch_deg"],
                "roll_deg": m.roll_deg + p["roll_deg"],
                "z": m.z + p["dz"],
            }
        )
        cams.append(cam.model_copy(update={"mount": mount}))
    return spec.model_copy(update={"sensors": spec.sensors.model_copy(update={"cameras": cams})})


# --- more sensor / environment perturbations (image effects in sim.render.effects) -------
_SENSOR_EXTRA = (
    Perturbation(
        "rain",
        "sensor",
        "rain streaks (thin, slanted, semi-transparent, new every frame) and a wet, darker road "
        "with a sky sheen",
        {
            "density": Uniform(2.0, 8.0),
            "length": Uniform(0.03, 0.1),
            "angle_deg": Uniform(-20.0, 20.0),
            "opacity": Uniform(0.15, 0.4),
            "wetness": Uniform(0.3, 1.0),
        },
    ),
    Perturbation(
        "lens_dirt",
        "sensor",
        "soft, blurred, semi-opaque dirt blobs fixed on the lens for the whole episode",
        {"blobs": Uniform(2.0, 7.0), "size": Uniform(0.03, 0.09), "opacity": Uniform(0.35, 0.75)},
    ),
    Perturbation(
        "frame_drop",
        "sensor",
        "camera fault: each frame is lost (not written) with a given probability",
        {"probability": Uniform(0.02, 0.1)},
    ),
    Perturbation(
        "frame_duplicate",
        "sensor",
        "camera fault: each frame repeats the previous one (image and labels) with a given "
        "probability",
        {"probability": Uniform(0.02, 0.1)},
    ),
    Perturbation(
        "marking_wear",
        "sensor",
        "worn lane markings: a spatially coherent fraction of marking pixels faded toward the road "
        "(image space)",
        {"fraction": Uniform(0.2, 0.7), "strength": Uniform(0.6, 1.0), "scale": Uniform(0.15, 0.6)},
    ),
    Perturbation(
        "road_texture",
        "sensor",
        "low-frequency brightness variation (patches, repairs, stains) on road pixels",
        {"amplitude": Uniform(0.04, 0.15), "scale": Uniform(1.0, 6.0)},
    ),
)
"""Sensor and environment perturbations beyond the first four (rain, lens dirt, frame
faults, road-surface randomisation); see docs/perturbations.md."""


CATALOG: dict[str, Perturbation] = {
    p.name: p
    for p in (
        Perturbation(
            "aggressive_cut_in",
            "scenario",
            "every cut_in happens with a small gap and a quick lateral move",
            {"gap": Uniform(2.0, 6.0), "duration": Uniform(1.0, 1.8)},
            _has_cut_in,
            _aggressive_cut_in,
        ),
        Perturbation(
            "lead_hard_brake",
            "scenario",
            "the ego's leader (nearest vehicle ahead in its lane, without maneuvers) brakes hard "
            "to a stop",
            {"decel": Uniform(6.0, 9.0), "at": Uniform(1.0, 4.0)},
            _needs_leader,
            _lead_hard_brake,
            "hard_brake",
        ),
        Perturbation(
            "stalled_vehicle",
            "scenario",
            "a stopped vehicle (sedan, van or truck) stands in the ego lane ahead",
            {"distance": Uniform(60.0, 120.0), "asset": Choice((0, 1, 2))},
            _always,
            _stalled_vehicle,
            "lane_drop",
        ),
        Perturbation(
            "tailgater",
            "scenario",
            "an SUV follows the ego a few metres behind with a short time headway",
            {"gap": Uniform(3.0, 7.0), "headway": Uniform(0.3, 0.7)},
            _always,
            _tailgater,
            "multi_camera_rig",
        ),
        Perturbation(
            "low_sun",
            "scenario",
            "the sun a few degrees above the horizon, straight ahead (long shadows; glare adds the "
            "lens effects)",
            {
                "elevation_deg": Uniform(2.0, 8.0),
                "azimuth_deg": Uniform(-15.0, 15.0),
                "intensity": Uniform(4.0, 6.0),
            },
            _always,
            _low_sun,
        ),
        Perturbation(
            "dusk",
            "scenario",
            "sun at the horizon, dark sky, little ambient light",
            {"elevation_deg": Uniform(-2.0, 4.0), "ambient": Uniform(0.04, 0.15)},
            _always,
            _dusk,
        ),
        Perturbation(
            "extrinsic_jitter",
            "scenario",
            "every camera mount rotated and raised a little (miscalibration); labels follow the "
            "true pose",
            {
                "yaw_deg": Uniform(-2.0, 2.0),
                "pitch_deg": Uniform(-2.0, 2.0),
                "roll_deg": Uniform(-2.0, 2.0),
                "dz": Uniform(-0.05, 0.05),
            },
            _always,
            _extrinsic_jitter,
        ),
        Perturbation(
            "fog",
            "sensor",
            "depth-based fog (Koschmieder): contrast falls as exp(-3.912 d / visibility)",
            {"visibility": Uniform(40.0, 200.0)},
        ),
        Perturbation(
            "glare",
            "sensor",
            "sun glare where the sun is: bloom, veiling haze, lens-flare ghosts (sun in or near "
            "the view)",
            {"strength": Uniform(0.6, 1.0)},
            demo="cut_in",
            demo_overrides=("environment.time_of_day=7.0",),
        ),
        Perturbation(
            "noise",
            "sensor",
            "Gaussian sensor noise, sigma in 8-bit units",
            {"sigma": Uniform(2.0, 10.0)},
        ),
        Perturbation(
            "exposure",
            "sensor",
            "over/under-exposure: linear gain on the image",
            {"gain": Uniform(0.4, 1.8)},
        ),
        Perturbation(
            "motion_blur",
            "sensor",
            "linear blur of a given length [px] and direction [deg]",
            {"length": Uniform(3.0, 15.0), "angle_deg": Uniform(0.0, 180.0)},
        ),
        *_SENSOR_EXTRA,
        *edge_cases.entries(
            lambda name, doc, params, applicable, apply, demo: Perturbation(
                name, "scenario", doc, params, applicable, apply, demo
            )
        ),
    )
}
"""Every perturbation, by name."""
