"""Pedestrians on the sidewalks (``pedestrians:`` in a scenario): placed clear of each
other and of the scenario's own walkers; some cross at the zebra crossings."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.assets import Catalog
from sim.scenario.draws import PLACEMENT_TRIES, actors_with_paths, asset_weights, draw
from sim.scenario.loader import SourceMap
from sim.scenario.placement import draw_uniform, free_spans, pack
from sim.scenario.schema import (
    ActorSpec,
    CrossSpec,
    PedestriansSpec,
    ReachTrigger,
    ScenarioSpec,
    actor_d,
)

PEDESTRIAN_SPACING = 1.5  # [m] between two pedestrians' centres on one side at the start


def place_pedestrians(
    spec: ScenarioSpec,
    peds: PedestriansSpec,
    catalog: Catalog,
    rng: np.random.Generator,
    src: SourceMap,
    params: dict[str, Any],
) -> ScenarioSpec:
    """Expand ``pedestrians`` into walkers ``ped_000``, ... on the main road's sidewalks (the
    middle of each, jittered) or, without sidewalks, 0.6 m beyond the shoulders' outer edge;
    a ``crossing_rate`` share get a ``cross`` at the next zebra crossing on their way."""
    count = int(draw(peds.count, rng, params))
    if count == 0:
        return spec
    road = spec.road
    length = road.length if road.length is not None else sum(seg.length for seg in road.segments)
    s_lo, s_hi = draw(peds.s_range, rng, params) if peds.s_range is not None else (0.0, length)
    if not 0 <= s_lo < s_hi <= length:
        raise src.error(
            f"s_range must lie within the road [0, {length:g}] with lo < hi",
            ("pedestrians", "s_range"),
        )
    names, weights = asset_weights(peds.assets, catalog, src, "pedestrians", "pedestrian")
    width = (road.lanes + road.oncoming_lanes) * road.lane_width
    sw, sh = float(road.sidewalk_width), float(road.shoulder_width)
    sides = (-sh - sw / 2, width + sh + sw / 2) if sw > 0 else (-sh - 0.6, width + sh + 0.6)
    jitter = max(0.0, sw / 2 - 0.5)
    taken: dict[int, list[float]] = {0: [], 1: []}
    band = max(sw / 2, 0.6) + 0.5  # [m] a side's walkers lie this close to its line
    for _, actor in actors_with_paths(spec):  # the scenario's own walkers keep their place
        if actor.road != "main":
            continue
        d = actor_d(actor, road.lane_width)
        for side, line in enumerate(sides):
            if abs(d - line) <= band:
                taken[side].append(float(actor.s))
    fixed = {side: list(row) for side, row in taken.items()}
    drawn = []  # per pedestrian: [asset, variant, side, s, offset from the side's line, ...]
    lo, hi = s_lo + 1.0, s_hi - 1.0  # where centres may lie [m]
    for k in range(count):
        asset = names[int(rng.choice(len(names), p=weights))]
        variant = int(rng.integers(len(catalog.info(asset).variants)))
        side = int(rng.integers(2))
        for _ in range(PLACEMENT_TRIES):
            s = float(rng.uniform(lo, hi))
            if all(abs(s - o) >= PEDESTRIAN_SPACING for o in taken[side]):
                break
        else:
            what = f"{k} of {count} pedestrians {PEDESTRIAN_SPACING:g} m apart"
            side, s = _place_walker_exactly(side, taken, fixed, drawn, lo, hi, rng, src, what)
        taken[side].append(s)
        offset = float(rng.uniform(-jitter, jitter))
        forward = bool(rng.integers(2))
        speed = float(draw(peds.speed, rng, params))
        crosses = float(rng.random()) < float(draw(peds.crossing_rate, rng, params))
        drawn.append([asset, variant, side, s, offset, forward, speed, crosses])
    out = []
    for k, (asset, variant, side, s, offset, forward, speed, crosses) in enumerate(drawn):
        d = sides[side] + offset
        ahead = [c for c in road.crossings if (c > s + 2.0 if forward else c < s - 2.0)]
        maneuvers = []
        if crosses and ahead:
            c = min(ahead) if forward else max(ahead)
            maneuvers = [
                CrossSpec(
                    type="cross", speed=speed, trigger=ReachTrigger(type="reach", s=round(c, 6))
                )
            ]
        out.append(
            ActorSpec(
                name=f"ped_{k:03d}",
                asset=asset,
                variant=variant,
                d=round(d, 6),
                s=round(s, 6),
                speed=round(speed, 6),
                direction="forward" if forward else "backward",
                maneuvers=maneuvers,
            )
        )
    return spec.model_copy(update={"actors": [*spec.actors, *out]})


def _place_walker_exactly(
    side: int,
    taken: dict[int, list[float]],
    fixed: dict[int, list[float]],
    drawn: list,
    lo: float,
    hi: float,
    rng: np.random.Generator,
    src: SourceMap,
    what: str,
) -> tuple[int, float]:
    """Side and s [m] of a pedestrian for which every rejection try failed (see
    sim.scenario.placement): drawn uniformly among the free positions of its side, else of
    the other side; if neither has one, everybody drawn is spread again over both sides,
    around the scenario's own walkers (``fixed``, never moved; ``taken`` and the ``drawn``
    records are updated). ScenarioError only when they cannot fit."""
    for sd in (side, 1 - side):
        points = [(o, o) for o in taken[sd]]
        spans = free_spans(points, lo, hi, 0.0, PEDESTRIAN_SPACING)
        hit = draw_uniform([(sd, a, b) for a, b in spans], rng)
        if hit is not None:
            return int(hit[0]), float(hit[1])
    spaces = [
        (sd, a, b)
        for sd in (0, 1)
        for a, b in free_spans([(o, o) for o in fixed[sd]], lo, hi, 0.0, PEDESTRIAN_SPACING)
    ]
    where = pack(spaces, [0.0] * (len(drawn) + 1), PEDESTRIAN_SPACING, rng)
    if where is None:
        fit = 2 * (int((hi - lo) // PEDESTRIAN_SPACING) + 1)
        raise src.error(
            f"could place only {what}: at most {fit} fit on the two sidewalks of s_range",
            ("pedestrians", "count"),
        )
    taken[0][:] = fixed[0]
    taken[1][:] = fixed[1]
    for rec, (sd, s) in zip(drawn, where[:-1], strict=True):
        rec[2], rec[3] = int(sd), float(s)
        taken[int(sd)].append(float(s))
    return int(where[-1][0]), float(where[-1][1])
