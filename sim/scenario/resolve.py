"""ScenarioSpec (distributions open) -> resolved ScenarioSpec (every number fixed).

Sampling order is fixed and every draw goes through a generator derived from the run's
seed: parameters first (declaration order), then every other field in schema order
(``rng`` child "scenario"), then background vehicles ("background"), then the look of
every actor (asset variant, paint colour; "appearance"). The result lists every vehicle
explicitly, so ``scenario.resolved.yaml`` rebuilds the episode without any randomness.
"""

from __future__ import annotations

import bisect
import math
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from sim.assets import Catalog
from sim.scenario.daylight import daylight
from sim.scenario.distributions import Choice, IntUniform, Normal, ParamRef, Uniform
from sim.scenario.errors import suggest, translate
from sim.scenario.loader import Path_, SourceMap
from sim.scenario.placement import draw_uniform, free_spans, pack, room, stretches
from sim.scenario.schema import (
    ActorSpec,
    BackgroundSpec,
    BehaviourSpec,
    CrossSpec,
    PedestriansSpec,
    ReachTrigger,
    ScenarioSpec,
)
from sim.seeding import child_rng, root_seed

_DISTS = (Uniform, Normal, Choice, IntUniform)
_PLACEMENT_TRIES = 200


def iter_refs(value: Any, path: Path_ = ()):
    """Yield (path, ParamRef) for every parameter reference inside a spec."""
    if isinstance(value, ParamRef):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from iter_refs(getattr(value, name), (*path, name))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from iter_refs(item, (*path, i))
    elif isinstance(value, dict):
        for k, item in value.items():
            yield from iter_refs(item, (*path, k))


def _draw(value: Any, rng: np.random.Generator, params: dict[str, Any]) -> Any:
    """Replace every distribution/reference inside ``value`` by a drawn number (plain data)."""
    if isinstance(value, ParamRef):
        return params[value.name]
    if isinstance(value, _DISTS):
        return value.sample(rng)
    if isinstance(value, BaseModel):
        return {name: _draw(getattr(value, name), rng, params) for name in type(value).model_fields}
    if isinstance(value, (list, tuple)):
        return [_draw(v, rng, params) for v in value]
    if isinstance(value, dict):
        return {k: _draw(v, rng, params) for k, v in value.items()}
    return value


def _validate(data: dict, src: SourceMap) -> ScenarioSpec:
    try:
        return ScenarioSpec.model_validate(data)
    except ValidationError as err:
        errors = translate(err, data, src, ScenarioSpec)
        first = errors[0]
        first.all_errors = errors  # type: ignore[attr-defined]
        raise first from None


def check_param_refs(spec: ScenarioSpec, src: SourceMap) -> None:
    for path, ref in iter_refs(spec):
        if path and path[0] == "params":
            raise src.error("parameters cannot refer to other parameters", path)
        if ref.name not in spec.params:
            raise src.error(
                f"unknown parameter ${ref.name}{suggest(ref.name, spec.params)}"
                + ("" if spec.params else " (declare it under 'params')"),
                path,
            )


def resolve(
    spec: ScenarioSpec, src: SourceMap, catalog: Catalog, seed: int | None = None
) -> ScenarioSpec:
    """Sample every distribution of ``spec`` with ``seed`` (default: the scenario's own seed):
    parameters, values, appearance, background vehicles and pedestrians. Perturbations are
    drawn after this, by :func:`sim.pipeline.resolve_scenario`."""
    check_param_refs(spec, src)
    if seed is None:
        if not isinstance(spec.seed, int):
            raise src.error("the seed must be a plain integer", ("seed",))
        seed = spec.seed
    root = root_seed(seed)
    rng = child_rng(root, "scenario")
    params = {name: _draw(value, rng, {}) for name, value in spec.params.items()}
    data = {}
    for name in ScenarioSpec.model_fields:
        if name == "params":
            data[name] = params
        elif name in ("background", "cross_traffic", "pedestrians"):
            data[name] = None  # drawn per vehicle (pedestrian) below
        elif name == "seed":
            data[name] = seed
        elif name in ("perturbations", "sweep"):
            data[name] = getattr(spec, name)  # drawn by sim.perturb / used by the sweep only
        else:
            data[name] = _draw(getattr(spec, name), rng, params)
    data["environment"] = _daylight(data["environment"], spec.environment.model_fields_set)
    data["background"] = BackgroundSpec(count=0, steady=spec.background.steady)
    data["pedestrians"] = PedestriansSpec(count=0)
    resolved = _validate(data, src)
    _check_names_and_assets(resolved, src, catalog)
    resolved = appearance(resolved, catalog, child_rng(root, "appearance"))
    resolved = _place_background(
        resolved, spec.background, catalog, child_rng(root, "background"), src, params
    )
    if spec.cross_traffic is not None:
        if resolved.road.junction is None:
            raise src.error("cross_traffic needs a road.junction", ("cross_traffic",))
        resolved = _place_background(
            resolved,
            spec.cross_traffic,
            catalog,
            child_rng(root, "cross_traffic"),
            src,
            params,
            on_cross=True,
        )
    resolved = _place_pedestrians(
        resolved, spec.pedestrians, catalog, child_rng(root, "pedestrians"), src, params
    )
    return resolved


def _daylight(env: dict, given: set[str]) -> dict:
    """The environment with what its drawn ``time_of_day`` sets (sim.scenario.daylight) in
    every key the file did not give itself."""
    if env.get("time_of_day") is None:
        return env
    derived = daylight(env["time_of_day"])
    return {**env, **{k: v for k, v in derived.items() if k not in given}}


def _check_names_and_assets(spec: ScenarioSpec, src: SourceMap, catalog: Catalog) -> None:
    seen: dict[str, int] = {}
    for i, actor in enumerate(spec.actors):
        if actor.name == "ego":
            raise src.error(
                "'ego' is reserved for the ego vehicle; choose another name", ("actors", i, "name")
            )
        if actor.name in seen:
            raise src.error(
                f"duplicate actor name {actor.name!r} (also actors[{seen[actor.name]}])",
                ("actors", i, "name"),
            )
        seen[actor.name] = i
    known = catalog.names()
    for path, actor in _actors_with_paths(spec):
        if actor.asset not in known:
            raise src.error(
                f"unknown asset {actor.asset!r}{suggest(actor.asset, known)}", (*path, "asset")
            )
        n_var = len(catalog.info(actor.asset).variants)
        if actor.variant is not None and actor.variant >= n_var:
            raise src.error(
                f"asset {actor.asset!r} has {n_var} variants (0..{n_var - 1}), "
                f"found {actor.variant}",
                (*path, "variant"),
            )


def _actors_with_paths(spec: ScenarioSpec):
    yield ("ego",), spec.ego
    for i, actor in enumerate(spec.actors):
        yield ("actors", i), actor


def appearance(spec: ScenarioSpec, catalog: Catalog, rng: np.random.Generator) -> ScenarioSpec:
    """Fix the variant and paint colour of every actor that did not say."""

    def fix(actor):
        info = catalog.info(actor.asset)
        variant = actor.variant
        if variant is None:
            variant = int(rng.integers(len(info.variants)))
        color = actor.color
        if color is None and info.paint_colors:
            color = tuple(
                int(c) for c in info.paint_colors[int(rng.integers(len(info.paint_colors)))]
            )
        return actor.model_copy(update={"variant": variant, "color": color})

    return spec.model_copy(update={"ego": fix(spec.ego), "actors": [fix(a) for a in spec.actors]})


def _place_background(
    spec: ScenarioSpec,
    bg: BackgroundSpec,
    catalog: Catalog,
    rng: np.random.Generator,
    src: SourceMap,
    params: dict[str, Any],
    on_cross: bool = False,
) -> ScenarioSpec:
    """Expand ``background`` (or ``cross_traffic``) into explicit actors placed without
    overlap, min_gap apart."""
    key = "cross_traffic" if on_cross else "background"
    count = _draw(bg.count, rng, params)
    if count == 0 and bg.steady is None:
        return spec
    road = spec.road
    if on_cross:
        n_lanes = 2 * road.junction.lanes
        road_length = 2 * road.junction.arm_length
    else:
        n_lanes = road.lanes + road.oncoming_lanes
        road_length = (
            road.length if road.length is not None else sum(seg.length for seg in road.segments)
        )
    lanes = list(bg.lanes) if bg.lanes is not None else list(range(n_lanes))
    n_forward = road.junction.lanes if on_cross else road.lanes
    lane_ends: dict[int, float] = {}
    if not on_cross:
        for drop in road.lane_drops:
            lane_ends[int(drop.lane)] = float(drop.at) - float(drop.taper)
        if road.on_ramp is not None:
            lane_ends[0] = float(road.on_ramp.end) - float(road.on_ramp.taper)
    for k, lane in enumerate(lanes):
        if not 0 <= lane < n_lanes:
            raise src.error(
                f"lane {lane} does not exist (the road has lanes 0..{n_lanes - 1})",
                (key, "lanes", k),
            )
    s_lo, s_hi = _draw(bg.s_range, rng, params) if bg.s_range is not None else (0.0, road_length)
    if not 0 <= s_lo < s_hi <= road_length:
        raise src.error(
            f"s_range must lie within the road [0, {road_length:g}] with lo < hi", (key, "s_range")
        )
    names = list(bg.assets)
    known = catalog.names()
    for name in names:
        if name not in known:
            raise src.error(f"unknown asset {name!r}{suggest(name, known)}", (key, "assets", name))
    weights = np.array([bg.assets[n] for n in names], dtype=np.float64)
    if (weights < 0).any() or weights.sum() <= 0:
        raise src.error("asset weights must be non-negative and not all zero", (key, "assets"))
    weights = weights / weights.sum()
    min_gap = float(_draw(bg.min_gap, rng, params))
    # occupied intervals [rear, front] per lane, kept sorted by rear
    occupied: dict[int, list[tuple[float, float]]] = {lane: [] for lane in range(n_lanes)}
    road_name = "cross" if on_cross else "main"
    for _, actor in _actors_with_paths(spec):
        if actor.road != road_name:
            continue
        length = catalog.info(actor.asset).variants[actor.variant].size[0]
        lane = actor.lane if actor.lane is not None else int(actor.d // road.lane_width)
        bisect.insort(occupied.setdefault(lane, []), (actor.s - length / 2, actor.s + length / 2))
    fixed = {lane: list(row) for lane, row in occupied.items()}  # the actors: never moved

    def body_range(lane: int) -> tuple[float, float]:
        """Where a body may lie in ``lane`` [m]: s_range (from the far end on an oncoming
        lane), up to the lane's end."""
        lo, hi = (road_length - s_hi, road_length - s_lo) if lane >= n_forward else (s_lo, s_hi)
        return lo, min(hi, lane_ends.get(lane, math.inf))

    placed: list[ActorSpec] = []
    bodies: list[tuple[int, float, float]] = []  # (lane, s, length) of each placed vehicle
    for k in range(count):
        asset = names[int(rng.choice(len(names), p=weights))]
        info = catalog.info(asset)
        variant = int(rng.integers(len(info.variants)))
        length = info.variants[variant].size[0]
        color = (
            tuple(int(c) for c in info.paint_colors[int(rng.integers(len(info.paint_colors)))])
            if info.paint_colors
            else None
        )
        for _ in range(_PLACEMENT_TRIES):
            lane = lanes[int(rng.integers(len(lanes)))]
            s = float(rng.uniform(s_lo + length / 2, s_hi - length / 2))
            if lane >= n_forward:  # s_range runs along each lane's way: from the far end here
                s = road_length - s
            if s + length / 2 > lane_ends.get(lane, math.inf):
                continue  # the lane has ended here (lane drop, end of an acceleration lane)
            rear, front = s - length / 2, s + length / 2
            row = occupied[lane]
            pos = bisect.bisect_left(row, (rear, front))
            ok = (pos == 0 or row[pos - 1][1] + min_gap <= rear) and (
                pos == len(row) or front + min_gap <= row[pos][0]
            )
            if ok:
                bisect.insort(row, (rear, front))
                break
        else:
            # every try failed: place it exactly (sim.scenario.placement), moving the
            # vehicles placed so far only if no position is free
            lane, s = _place_exactly(
                length,
                lanes,
                body_range,
                occupied,
                fixed,
                bodies,
                placed,
                min_gap,
                rng,
                src,
                (key, "count"),
                f"{k} of {count} background vehicles {min_gap:g} m apart in "
                f"s_range [{s_lo:g}, {s_hi:g}] on lanes {lanes}",
            )
        bodies.append((lane, s, length))
        speed = float(_draw(bg.speed, rng, params))
        behaviour = BehaviourSpec.model_validate(_draw(bg.behaviour, rng, params))
        placed.append(
            ActorSpec(
                name=f"{'cx' if on_cross else 'bg'}_{k:03d}",
                asset=asset,
                variant=variant,
                color=color,
                road=road_name,
                lane=lane,
                s=round(s, 6),
                speed=speed,
                behaviour=behaviour,
                maneuvers=[{"type": "mobil"}] if bg.mobil else [],
            )
        )
    if bg.steady is not None and not on_cross and not any(a.reserve for a in spec.actors):
        # (a resolved file lists its reserve already)
        placed += _reserve(bg, names, weights, catalog, rng, params, lanes, n_forward)
    return spec.model_copy(update={"actors": [*spec.actors, *placed]})


def _place_exactly(
    length: float,
    lanes: list[int],
    body_range,
    occupied: dict,
    fixed: dict,
    bodies: list,
    placed: list,
    gap: float,
    rng: np.random.Generator,
    src: SourceMap,
    path: Path_,
    what: str,
) -> tuple[int, float]:
    """Lane and centre s [m] of a vehicle of ``length`` [m] for which every rejection try
    failed (see sim.scenario.placement): drawn uniformly among the positions still free on
    ``lanes``; if there are none, this call's vehicles placed so far (``bodies``, ``placed``)
    and this one are packed again between the ``fixed`` actors. ``occupied`` is updated.
    ScenarioError only when the vehicles do not fit in the free stretches at all."""
    spans = [
        (lane, a, b)
        for lane in lanes
        for a, b in free_spans(occupied[lane], *body_range(lane), length, gap)
    ]
    hit = draw_uniform(spans, rng)
    if hit is None:
        spaces = [
            (lane, lo, hi)
            for lane in sorted(set(lanes))
            for lo, hi in stretches(fixed[lane], *body_range(lane), gap)
        ]
        lengths = [b[2] for b in bodies] + [length]
        where = pack(spaces, lengths, gap, rng)
        if where is None:
            raise src.error(
                f"could place only {what}: the first {len(lengths)} need "
                f"{sum(lengths) + gap * len(lengths):.1f} m of lane (lengths plus gaps), the "
                f"free stretches hold {room(spaces, gap):.1f} m",
                path,
            )
        for lane in occupied:
            occupied[lane] = list(fixed.get(lane, []))
        for i, (lane, s) in enumerate(where[:-1]):
            half = 0.5 * bodies[i][2]
            bodies[i] = (lane, s, bodies[i][2])
            placed[i] = placed[i].model_copy(update={"lane": lane, "s": round(s, 6)})
            bisect.insort(occupied[lane], (s - half, s + half))
        hit = where[-1]
    lane, s = hit
    bisect.insort(occupied[lane], (s - 0.5 * length, s + 0.5 * length))
    return int(lane), float(s)


PEDESTRIAN_SPACING = 1.5  # [m] between two pedestrians' centres on one side at the start


def _place_pedestrians(
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
    count = int(_draw(peds.count, rng, params))
    if count == 0:
        return spec
    road = spec.road
    length = road.length if road.length is not None else sum(seg.length for seg in road.segments)
    s_lo, s_hi = _draw(peds.s_range, rng, params) if peds.s_range is not None else (0.0, length)
    if not 0 <= s_lo < s_hi <= length:
        raise src.error(
            f"s_range must lie within the road [0, {length:g}] with lo < hi",
            ("pedestrians", "s_range"),
        )
    names = list(peds.assets)
    known = catalog.names()
    for name in names:
        if name not in known:
            raise src.error(
                f"unknown asset {name!r}{suggest(name, known)}", ("pedestrians", "assets", name)
            )
        if catalog.info(name).kind != "pedestrian":
            raise src.error(f"{name!r} is not a pedestrian asset", ("pedestrians", "assets", name))
    weights = np.array([peds.assets[n] for n in names], dtype=np.float64)
    if (weights < 0).any() or weights.sum() <= 0:
        raise src.error(
            "asset weights must be non-negative and not all zero", ("pedestrians", "assets")
        )
    weights /= weights.sum()
    width = (road.lanes + road.oncoming_lanes) * road.lane_width
    sw, sh = float(road.sidewalk_width), float(road.shoulder_width)
    sides = (-sh - sw / 2, width + sh + sw / 2) if sw > 0 else (-sh - 0.6, width + sh + 0.6)
    jitter = max(0.0, sw / 2 - 0.5)
    taken: dict[int, list[float]] = {0: [], 1: []}
    drawn = []  # per pedestrian: [asset, variant, side, s, offset from the side's line, ...]
    lo, hi = s_lo + 1.0, s_hi - 1.0  # where centres may lie [m]
    for k in range(count):
        asset = names[int(rng.choice(len(names), p=weights))]
        variant = int(rng.integers(len(catalog.info(asset).variants)))
        side = int(rng.integers(2))
        for _ in range(_PLACEMENT_TRIES):
            s = float(rng.uniform(lo, hi))
            if all(abs(s - o) >= PEDESTRIAN_SPACING for o in taken[side]):
                break
        else:
            what = f"{k} of {count} pedestrians {PEDESTRIAN_SPACING:g} m apart"
            side, s = _place_walker_exactly(side, taken, drawn, lo, hi, rng, src, what)
        taken[side].append(s)
        offset = float(rng.uniform(-jitter, jitter))
        forward = bool(rng.integers(2))
        speed = float(_draw(peds.speed, rng, params))
        crosses = float(rng.random()) < float(_draw(peds.crossing_rate, rng, params))
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
    drawn: list,
    lo: float,
    hi: float,
    rng: np.random.Generator,
    src: SourceMap,
    what: str,
) -> tuple[int, float]:
    """Side and s [m] of a pedestrian for which every rejection try failed (see
    sim.scenario.placement): drawn uniformly among the free positions of its side, else of
    the other side; if neither has one, everybody is spread again over both sides (``taken``
    and the ``drawn`` records are updated). ScenarioError only when they cannot fit."""
    for sd in (side, 1 - side):
        points = [(o, o) for o in taken[sd]]
        spans = free_spans(points, lo, hi, 0.0, PEDESTRIAN_SPACING)
        hit = draw_uniform([(sd, a, b) for a, b in spans], rng)
        if hit is not None:
            return int(hit[0]), float(hit[1])
    spaces = [(0, lo, hi), (1, lo, hi)]
    where = pack(spaces, [0.0] * (len(drawn) + 1), PEDESTRIAN_SPACING, rng)
    if where is None:
        fit = 2 * (int((hi - lo) // PEDESTRIAN_SPACING) + 1)
        raise src.error(
            f"could place only {what}: at most {fit} fit on the two sidewalks of s_range",
            ("pedestrians", "count"),
        )
    taken[0].clear()
    taken[1].clear()
    for rec, (sd, s) in zip(drawn, where[:-1], strict=True):
        rec[2], rec[3] = int(sd), float(s)
        taken[int(sd)].append(float(s))
    return int(where[-1][0]), float(where[-1][1])


def _reserve(
    bg: BackgroundSpec, names, weights, catalog, rng, params, lanes, n_forward
) -> list[ActorSpec]:
    """The steady background's waiting vehicles ``bg_r000``, ...: drawn like the others
    (asset, look, speed, behaviour); the World places each when it lets it in."""
    out = []
    forward = [lane for lane in lanes if lane < n_forward] or [0]
    for k in range(int(_draw(bg.steady.reserve, rng, params))):
        asset = names[int(rng.choice(len(names), p=weights))]
        info = catalog.info(asset)
        variant = int(rng.integers(len(info.variants)))
        color = (
            tuple(int(c) for c in info.paint_colors[int(rng.integers(len(info.paint_colors)))])
            if info.paint_colors
            else None
        )
        speed = float(_draw(bg.speed, rng, params))
        behaviour = BehaviourSpec.model_validate(_draw(bg.behaviour, rng, params))
        out.append(
            ActorSpec(
                name=f"bg_r{k:03d}",
                asset=asset,
                variant=variant,
                color=color,
                lane=forward[0],
                s=0.0,
                speed=speed,
                behaviour=behaviour,
                reserve=True,
                maneuvers=[{"type": "mobil"}] if bg.mobil else [],
            )
        )
    return out
