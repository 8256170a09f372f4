"""Pedestrians on an OpenDRIVE map's sidewalks (``pedestrians:`` in a map scenario): walkers
``ped_000``, ... on the sidewalk lanes of the roads near the ego (outside junctions), clear
of each other and of the scenario's own actors; a ``crossing_rate`` share crosses the road
at a time drawn from the seed (the map has no zebra crossings sim reads), once no vehicle
is about to reach it (``cross.look``), then stands on the far side
(docs/scenario-format.md, "On an OpenDRIVE map")."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.assets import Catalog
from sim.road.opendrive.offlane import SIDEWALK
from sim.scenario.draws import PLACEMENT_TRIES, actors_with_paths, asset_weights, draw
from sim.scenario.loader import SourceMap
from sim.scenario.maps import BACKGROUND_RADIUS, actor_pose, load_map, stands_off_lanes
from sim.scenario.pedestrians import PEDESTRIAN_SPACING
from sim.scenario.schema import ActorSpec, CrossSpec, PedestriansSpec, ScenarioSpec, TimeTrigger

CROSS_AFTER = (0.5, 0.6)
"""A crossing walker starts between 0.5 s and 60 % of the episode's duration."""
END_CLEAR = 2.0  # [m] a walker's walk stays this far from its sidewalk's end


def _sidewalks(
    odr, ex: float, ey: float, walk: float
) -> list[tuple[str, int, float, float, float]]:
    """(road id, lane id, s from, s to, signed direction of the walk along s) of every
    sidewalk stretch outside junctions that comes within BACKGROUND_RADIUS of the ego and
    leaves room for a ``walk`` [m] long (walkers walk with their side's traffic: the right
    sidewalks towards +s, the left ones towards -s)."""
    out = []
    for road in odr.odr.roads:
        if road.junction != "-1":
            continue
        ends = [sec.s for sec in road.lane_sections[1:]] + [road.length]
        for sec, s1 in zip(road.lane_sections, ends, strict=True):
            for lane in sec.left + sec.right:
                if lane.type != SIDEWALK or s1 - sec.s < walk + 2 * END_CLEAR:
                    continue
                s = np.linspace(sec.s, s1, max(2, int((s1 - sec.s) / 5.0) + 1))
                pts = odr.to_world(road.id, s, odr.lane_center(road.id, lane.id, s))
                if (np.hypot(pts[:, 0] - ex, pts[:, 1] - ey) <= BACKGROUND_RADIUS).any():
                    out.append((road.id, lane.id, sec.s, s1, -1.0 if lane.id > 0 else 1.0))
    return out


def place_pedestrians_on_map(
    spec: ScenarioSpec,
    peds: PedestriansSpec,
    catalog: Catalog,
    rng: np.random.Generator,
    src: SourceMap,
    params: dict[str, Any],
) -> ScenarioSpec:
    """Expand ``pedestrians`` into walkers on the map's sidewalks (see the module doc)."""
    count = int(draw(peds.count, rng, params))
    if count == 0:
        return spec
    if peds.s_range is not None:
        raise src.error(
            "pedestrians.s_range measures s on sim's own road; on a map walkers are drawn "
            f"within {BACKGROUND_RADIUS:g} m of the ego",
            ("pedestrians", "s_range"),
        )
    net = load_map(spec.road)
    odr = net.source
    names, weights = asset_weights(peds.assets, catalog, src, "pedestrians", "pedestrian")
    speeds = [float(draw(peds.speed, rng, params)) for _ in range(count)]
    walk = max(speeds) * float(spec.duration)
    _r, _k, _s, _d, ex, ey, _yaw = actor_pose(net, spec.ego)
    stretches = _sidewalks(odr, ex, ey, walk)
    if not stretches:
        raise src.error(
            f"no sidewalk of the map within {BACKGROUND_RADIUS:g} m of the ego is long enough "
            f"for a {walk:.0f} m walk",
            ("pedestrians", "count"),
        )
    room = np.array([s1 - s0 - walk - 2 * END_CLEAR for _, _, s0, s1, _ in stretches])
    p_stretch = room / room.sum()
    bodies = []  # (x, y) of everybody placed
    for _, actor in actors_with_paths(spec):
        if not actor.reserve:
            *_, x, y, _yaw = actor_pose(net, actor, stands_off_lanes(catalog, actor))
            bodies.append((x, y))
    out = []
    duration = float(spec.duration)
    for k in range(count):
        asset = names[int(rng.choice(len(names), p=weights))]
        variant = int(rng.integers(len(catalog.info(asset).variants)))
        for _ in range(PLACEMENT_TRIES):
            road_id, lane_id, s0, s1, along = stretches[
                int(rng.choice(len(stretches), p=p_stretch))
            ]
            lo, hi = (s0 + END_CLEAR, s1 - END_CLEAR - walk)
            if along < 0:
                lo, hi = s0 + END_CLEAR + walk, s1 - END_CLEAR
            s = float(rng.uniform(lo, hi))
            x, y = (
                float(v)
                for v in odr.to_world(road_id, [s], odr.lane_center(road_id, lane_id, [s]))[0][:2]
            )
            if all(math.hypot(x - bx, y - by) >= PEDESTRIAN_SPACING for bx, by in bodies):
                break
        else:
            raise src.error(
                f"could place only {k} of {count} pedestrians {PEDESTRIAN_SPACING:g} m apart on "
                "the map's sidewalks near the ego",
                ("pedestrians", "count"),
            )
        bodies.append((x, y))
        crosses = float(rng.random()) < float(draw(peds.crossing_rate, rng, params))
        maneuvers = []
        if crosses:
            at = float(rng.uniform(CROSS_AFTER[0], max(CROSS_AFTER[0], CROSS_AFTER[1] * duration)))
            maneuvers = [
                CrossSpec(
                    type="cross",
                    speed=speeds[k],
                    then="stop",
                    look=True,
                    trigger=TimeTrigger(type="time", at=round(at, 6)),
                )
            ]
        out.append(
            ActorSpec(
                name=f"ped_{k:03d}",
                asset=asset,
                variant=variant,
                road=road_id,
                lane=lane_id,
                s=round(s, 6),
                speed=round(speeds[k], 6),
                maneuvers=maneuvers,
            )
        )
    return spec.model_copy(update={"actors": [*spec.actors, *out]})
