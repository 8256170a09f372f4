"""Road-user edge cases of the catalogue: someone or something where drivers do not expect it.

Each inserts actors into the resolved scenario, placed relative to the ego's start (``s``
ahead along the main road) and started by triggers on the ego's distance, so the event
happens in front of the cameras whatever the base scenario:

* ``jaywalker``: a pedestrian steps off the right kerb and crosses, optionally from behind
  a van parked on the shoulder (occluded until it steps out);
* ``child_ball``: a ball rolls out into the road and a child runs after it a moment later;
* ``debris``: a tyre, a box or a pallet lies in the ego's lane;
* ``wrong_way_driver``: a car comes towards the ego in the ego's lane;
* ``red_light_runner``: a car on the cross street drives through its red light as the ego
  reaches the junction on green (needs a signalised junction);
* ``animal_crossing``: a deer or a dog runs across the road.

The inserted actors are named after the case (``jaywalker``, ``ball``, ``child``, ...), so
tracks.csv, meta.json and the labels say exactly what was injected.
"""

from __future__ import annotations

from typing import Any

from sim.scenario.distributions import Choice, Uniform
from sim.scenario.schema import (
    ActorSpec,
    BehaviourSpec,
    CrossSpec,
    DistanceTrigger,
    ScenarioSpec,
    StalledSpec,
)

SIDE_CLEARANCE = 0.5  # [m] a pedestrian waits this far outside the carriageway's edge


def _road_length(spec: ScenarioSpec) -> float:
    road = spec.road
    return float(
        road.length if road.length is not None else sum(seg.length for seg in road.segments)
    )


def _width(spec: ScenarioSpec) -> float:
    return float((spec.road.lanes + spec.road.oncoming_lanes) * spec.road.lane_width)


def _ahead(spec: ScenarioSpec, distance: float) -> float:
    """s [m] ``distance`` ahead of the ego's start, kept on the road."""
    return min(float(spec.ego.s) + distance, _road_length(spec) - 15.0)


def _on_main_road(spec: ScenarioSpec) -> str | None:
    if spec.ego.road != "main" or spec.ego.lane is None:
        return "needs the ego in a lane of the main road"
    if _road_length(spec) - float(spec.ego.s) < 80.0:
        return "needs 80 m of road ahead of the ego"
    return None


def _clear(
    spec: ScenarioSpec, s: float, reach: float, lanes: set[int] | None = None
) -> list[ActorSpec]:
    """The actors, less background vehicles within ``reach`` metres of ``s`` (in ``lanes``,
    default any): room for what is inserted. Named actors are never removed."""
    kept = []
    for a in spec.actors:
        near = (
            a.road == "main" and abs(float(a.s) - s) < reach and (lanes is None or a.lane in lanes)
        )
        if near and a.name.startswith(("bg_", "cx_")):
            continue
        kept.append(a)
    return kept


STOP_DECEL = 5.0  # [m/s^2] named actors must be able to stop before an inserted obstacle
STOP_MARGIN = 10.0  # [m]


def _lane_ahead_clear(
    spec: ScenarioSpec, lane: int, s: float, v_obstacle: float = 0.0
) -> tuple[float, list[ActorSpec]]:
    """Room for an obstacle in ``lane`` at or beyond ``s``: background vehicles between the
    ego and it are removed (the ego meets it first), and it moves on until every named
    actor in the lane behind it could stop short of it (closing at its own speed plus
    ``v_obstacle``): returns (s, actors)."""
    ego_s = float(spec.ego.s)
    for a in spec.actors:
        if (
            a.road == "main"
            and a.lane == lane
            and ego_s < float(a.s) < s
            and not a.name.startswith(("bg_", "cx_"))
        ):
            need = (float(a.speed) ** 2 + v_obstacle**2) / (2.0 * STOP_DECEL) + STOP_MARGIN
            s = max(s, float(a.s) + need)
    s = min(s, _road_length(spec) - 15.0)
    kept = [
        a
        for a in spec.actors
        if not (
            a.name.startswith("bg_")
            and a.road == "main"
            and a.lane == lane
            and ego_s < float(a.s) < s + 30.0
        )
    ]
    return s, kept


def _name(spec: ScenarioSpec, base: str) -> str:
    """``base``, or ``base_2``, ``base_3``, ... if the scenario already has an actor so named."""
    taken = {a.name for a in spec.actors}
    k, name = 1, base
    while name in taken:
        k += 1
        name = f"{base}_{k}"
    return name


def _when(spec: ScenarioSpec, seconds: float) -> float:
    """Trigger distance [m]: what the ego covers in ``seconds`` at its initial speed (at least
    12 m), so a crossing starts that long before the ego would arrive, whatever its speed."""
    return max(12.0, float(spec.ego.speed) * seconds)


def _trigger(distance: float) -> DistanceTrigger:
    return DistanceTrigger(type="distance", to="ego", below=round(float(distance), 6))


def _right_kerb_d(spec: ScenarioSpec) -> float:
    """d [m] where a pedestrian waits on the right: just off the carriageway."""
    return -SIDE_CLEARANCE - 0.3


def jaywalker(spec: ScenarioSpec, p: dict[str, float]) -> ScenarioSpec:
    s = _ahead(spec, p["ahead"])
    actors = _clear(spec, s, 15.0)
    inserted = []
    if p["occluded"] >= 0.5:
        inserted.append(
            ActorSpec(
                name=_name(spec, "jaywalker_cover"),
                asset="van",
                d=-1.2,
                s=round(s - 4.6, 6),
                speed=0.0,
                maneuvers=[StalledSpec(type="stalled")],
            )
        )
    inserted.append(
        ActorSpec(
            name=_name(spec, "jaywalker"),
            asset="pedestrian_adult",
            d=round(_right_kerb_d(spec) - 0.2, 6),
            s=round(s, 6),
            speed=0.0,
            maneuvers=[
                CrossSpec(type="cross", speed=p["speed"], trigger=_trigger(_when(spec, p["tta"])))
            ],
        )
    )
    return spec.model_copy(update={"actors": [*actors, *inserted]})


def child_ball(spec: ScenarioSpec, p: dict[str, float]) -> ScenarioSpec:
    s = _ahead(spec, p["ahead"])
    actors = _clear(spec, s, 15.0)
    d0 = _right_kerb_d(spec)
    start = _when(spec, p["tta"])
    ball = ActorSpec(
        name=_name(spec, "ball"),
        asset="ball",
        d=round(d0, 6),
        s=round(s, 6),
        speed=0.0,
        maneuvers=[
            CrossSpec(type="cross", speed=p["ball_speed"], then="stop", trigger=_trigger(start))
        ],
    )
    child = ActorSpec(
        name=_name(spec, "child"),
        asset="pedestrian_child",
        d=round(d0 - 0.6, 6),
        s=round(s - 1.5, 6),
        speed=0.0,
        maneuvers=[
            CrossSpec(
                type="cross",
                speed=p["child_speed"],
                along=1.5,
                then="stop",
                trigger=_trigger(max(start - p["delay"] * float(spec.ego.speed), 5.0)),
            )
        ],
    )
    return spec.model_copy(update={"actors": [*actors, ball, child]})


DEBRIS_ASSETS = ("tire", "cardboard_box", "pallet")


def debris(spec: ScenarioSpec, p: dict[str, float]) -> ScenarioSpec:
    lane = int(spec.ego.lane)
    s, actors = _lane_ahead_clear(spec, lane, _ahead(spec, p["ahead"]))
    obj = ActorSpec(
        name=_name(spec, "debris"),
        asset=DEBRIS_ASSETS[int(p["asset"])],
        lane=lane,
        offset=round(p["offset"], 6),
        s=round(s, 6),
        speed=0.0,
    )
    return spec.model_copy(update={"actors": [*actors, obj]})


def wrong_way_driver(spec: ScenarioSpec, p: dict[str, float]) -> ScenarioSpec:
    lane = int(spec.ego.lane)
    s, actors = _lane_ahead_clear(spec, lane, _ahead(spec, p["ahead"]), p["speed"])
    ghost = ActorSpec(
        name=_name(spec, "wrong_way"),
        asset="sedan",
        lane=lane,
        s=round(s, 6),
        speed=round(p["speed"], 6),
        direction="backward"
        if spec.road.oncoming_lanes == 0 or lane < spec.road.lanes
        else "forward",
        behaviour=BehaviourSpec(desired_speed=round(p["speed"], 6)),
    )
    return spec.model_copy(update={"actors": [*actors, ghost]})


def _needs_ahead(distance: float):
    def check(spec: ScenarioSpec) -> str | None:
        reason = _on_main_road(spec)
        if reason is None and _road_length(spec) - float(spec.ego.s) < distance:
            return f"needs {distance:g} m of road ahead of the ego"
        return reason

    return check


def _needs_lights(spec: ScenarioSpec) -> str | None:
    j = spec.road.junction
    if j is None or j.signals is None:
        return "needs a junction with traffic lights (road.junction)"
    if spec.ego.road != "main" or float(spec.ego.s) >= float(j.s):
        return "needs the ego on the main road before the junction"
    return None


def red_light_runner(spec: ScenarioSpec, p: dict[str, float]) -> ScenarioSpec:
    j = spec.road.junction
    main_width = _width(spec)
    arm = float(j.arm_length)
    ego_speed = max(float(spec.ego.speed), 3.0)
    t_ego = max(
        (float(j.s) - float(spec.ego.s)) / ego_speed, 1.0
    )  # when the ego reaches the junction
    t_run = max(t_ego + p["offset"], 1.0)
    from_right = p["from_right"] >= 0.5
    # cross lane 0 runs to the main road's left: it comes from the right of the ego
    lane = 0 if from_right else 2 * int(j.lanes) - 1
    box_edge = arm - main_width / 2 if from_right else arm + main_width / 2
    s = box_edge - p["speed"] * t_run if from_right else box_edge + p["speed"] * t_run
    s = min(max(s, 5.0), 2 * arm - 5.0)
    runner = ActorSpec(
        name=_name(spec, "red_light_runner"),
        asset="sedan",
        road="cross",
        lane=lane,
        s=round(s, 6),
        speed=round(p["speed"], 6),
        ignore_signals=True,
        behaviour=BehaviourSpec(desired_speed=round(p["speed"], 6)),
    )
    kept = [
        a
        for a in spec.actors
        if not (a.road == "cross" and a.lane == lane and a.name.startswith("cx_"))
    ]
    return spec.model_copy(update={"actors": [*kept, runner]})


ANIMALS = ("deer", "dog")


def animal_crossing(spec: ScenarioSpec, p: dict[str, float]) -> ScenarioSpec:
    s = _ahead(spec, p["ahead"])
    actors = _clear(spec, s, 10.0)
    width = _width(spec)
    edge = float(spec.road.shoulder_width) + float(spec.road.sidewalk_width) + 1.0
    from_right = p["from_right"] >= 0.5
    d0, d1 = (-edge, width + edge) if from_right else (width + edge, -edge)
    animal = ActorSpec(
        name=_name(spec, "animal"),
        asset=ANIMALS[int(p["asset"])],
        d=round(d0, 6),
        s=round(s, 6),
        speed=0.0,
        maneuvers=[
            CrossSpec(
                type="cross",
                speed=p["speed"],
                to_d=round(d1, 6),
                along=round(p["along"], 6),
                then="stop",
                trigger=_trigger(_when(spec, p["tta"])),
            )
        ],
    )
    return spec.model_copy(update={"actors": [*actors, animal]})


def entries(make) -> tuple[Any, ...]:
    """The catalogue entries, built with ``make(name, doc, params, applicable, apply, demo)``
    (``demo``: the library scenario that ``python -m sim edge-cases`` shows it on)."""
    return (
        make(
            "jaywalker",
            "a pedestrian steps off the right kerb (optionally from behind a parked van) and "
            "crosses the road ahead of the ego",
            {
                "ahead": Uniform(60.0, 110.0),
                "tta": Uniform(2.5, 4.5),
                "speed": Uniform(1.2, 2.5),
                "occluded": Choice((0, 1)),
            },
            _needs_ahead(70.0),
            jaywalker,
            "cyclist_overtake",
        ),
        make(
            "child_ball",
            "a ball rolls into the road from the right and a child runs after it",
            {
                "ahead": Uniform(60.0, 110.0),
                "tta": Uniform(2.5, 4.0),
                "ball_speed": Uniform(3.0, 5.0),
                "child_speed": Uniform(2.5, 3.5),
                "delay": Uniform(0.6, 1.4),
            },
            _needs_ahead(70.0),
            child_ball,
            "cyclist_overtake",
        ),
        make(
            "debris",
            "a tyre, a cardboard box or a pallet lies in the ego's lane ahead",
            {
                "ahead": Uniform(50.0, 120.0),
                "asset": Choice((0, 1, 2)),
                "offset": Uniform(-0.8, 0.8),
            },
            _needs_ahead(60.0),
            debris,
            "highway_merge",
        ),
        make(
            "wrong_way_driver",
            "a car drives towards the ego in the ego's lane",
            {"ahead": Uniform(120.0, 250.0), "speed": Uniform(10.0, 25.0)},
            _needs_ahead(130.0),
            wrong_way_driver,
            "curved_road_night",
        ),
        make(
            "red_light_runner",
            "a car on the cross street runs its red light as the ego reaches the junction",
            {
                "speed": Uniform(9.0, 14.0),
                "offset": Uniform(-1.5, 1.0),
                "from_right": Choice((0, 1)),
            },
            _needs_lights,
            red_light_runner,
            "urban_intersection",
        ),
        make(
            "animal_crossing",
            "a deer or a dog runs across the road ahead",
            {
                "ahead": Uniform(60.0, 120.0),
                "tta": Uniform(2.0, 4.0),
                "speed": Uniform(3.0, 8.0),
                "asset": Choice((0, 1)),
                "along": Uniform(-6.0, 6.0),
                "from_right": Choice((0, 1)),
            },
            _needs_ahead(70.0),
            animal_crossing,
            "curved_road_night",
        ),
    )
