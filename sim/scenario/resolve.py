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
from pydantic import ValidationError

from sim.assets import Catalog
from sim.scenario.daylight import daylight
from sim.scenario.draws import PLACEMENT_TRIES as _PLACEMENT_TRIES
from sim.scenario.draws import actors_with_paths as _actors_with_paths
from sim.scenario.draws import (
    asset_weights,
    background_actor,
    draw_look,
    iter_refs,
    reserve_vehicles,
)
from sim.scenario.draws import draw as _draw
from sim.scenario.errors import suggest, translate
from sim.scenario.loader import Path_, SourceMap
from sim.scenario.map_pedestrians import place_pedestrians_on_map
from sim.scenario.maps import on_map, place_background_on_map
from sim.scenario.pedestrians import place_pedestrians as _place_pedestrians
from sim.scenario.placement import draw_uniform, free_spans, pack, room, stretches
from sim.scenario.schema import (
    ActorSpec,
    BackgroundSpec,
    CyclistsSpec,
    PedestriansSpec,
    ScenarioSpec,
)
from sim.seeding import child_rng, root_seed


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
        elif name in ("background", "cross_traffic", "pedestrians", "cyclists"):
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
    data["cyclists"] = CyclistsSpec(count=0)
    resolved = _validate(data, src)
    _check_names_and_assets(resolved, src, catalog)
    resolved = appearance(resolved, catalog, child_rng(root, "appearance"))
    if on_map(resolved):
        if spec.cross_traffic is not None and _draw(spec.cross_traffic.count, rng, params):
            raise src.error(
                "'cross_traffic' is not available on a road.opendrive map yet", ("cross_traffic",)
            )
        resolved = place_background_on_map(
            resolved, spec.background, catalog, child_rng(root, "background"), src, params
        )
        resolved = _place_cyclists(
            resolved, spec.cyclists, catalog, child_rng(root, "cyclists"), src, params
        )
        return place_pedestrians_on_map(
            resolved, spec.pedestrians, catalog, child_rng(root, "pedestrians"), src, params
        )
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
    resolved = _place_cyclists(
        resolved, spec.cyclists, catalog, child_rng(root, "cyclists"), src, params
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
    key: str | None = None,
    prefix: str | None = None,
) -> ScenarioSpec:
    """Expand ``background`` (or ``cross_traffic``; ``key`` names another block of the same
    shape in errors, ``prefix`` its actors' names) into explicit actors placed without
    overlap, min_gap apart."""
    key = key or ("cross_traffic" if on_cross else "background")
    prefix = prefix or ("cx" if on_cross else "bg")
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
    names, weights = asset_weights(bg.assets, catalog, src, key)
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
        asset, info, variant, color = draw_look(names, weights, catalog, rng)
        length = info.variants[variant].size[0]
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
        placed.append(
            background_actor(
                bg,
                rng,
                params,
                f"{prefix}_{k:03d}",
                asset,
                variant,
                color,
                road_name,
                lane,
                round(s, 6),
            )
        )
    if bg.steady is not None and not on_cross and not any(a.reserve for a in spec.actors):
        # (a resolved file lists its reserve already)
        placed += reserve_vehicles(bg, names, weights, catalog, rng, params, lanes, n_forward)
    return spec.model_copy(update={"actors": [*spec.actors, *placed]})


def _place_cyclists(
    spec: ScenarioSpec,
    cyc: CyclistsSpec,
    catalog: Catalog,
    rng: np.random.Generator,
    src: SourceMap,
    params: dict[str, Any],
) -> ScenarioSpec:
    """Expand ``cyclists`` into riders ``cy_000``, ... in the kerb-side lanes: placed like
    background vehicles (no overlap, ``min_gap`` apart), then moved ``offset`` towards the
    kerb, each keeping its own speed (IDM's desired speed = its initial speed). On a map:
    in the outermost lane of its pieces near the ego, placed as the map's background."""
    count = int(_draw(cyc.count, rng, params))
    if count == 0:
        return spec
    road = spec.road
    known = catalog.names()
    for name in cyc.assets:
        if name not in known:
            raise src.error(
                f"unknown asset {name!r}{suggest(name, known)}", ("cyclists", "assets", name)
            )
        if catalog.info(name).kind != "two_wheeler":
            raise src.error(f"{name!r} is not a two-wheeler asset", ("cyclists", "assets", name))
    lanes = cyc.lanes
    if lanes is None and not on_map(spec):
        n_lanes = road.lanes + road.oncoming_lanes
        lanes = [0] + ([n_lanes - 1] if road.oncoming_lanes > 0 else [])
    as_background = BackgroundSpec(
        count=count,
        lanes=lanes,
        s_range=cyc.s_range,
        speed=cyc.speed,
        min_gap=cyc.min_gap,
        assets=cyc.assets,
    )
    before = len(spec.actors)
    if on_map(spec):
        spec = place_background_on_map(  # (the actors were checked with the background)
            spec,
            as_background,
            catalog,
            rng,
            src,
            params,
            block="cyclists",
            kerb_side=True,
            check=False,
        )
    else:
        spec = _place_background(
            spec, as_background, catalog, rng, src, params, key="cyclists", prefix="cy"
        )
    offset = float(_draw(cyc.offset, rng, params))
    riders = []
    for actor in spec.actors[before:]:
        # the kerb: at -d on sim's forward lanes and on a map (offsets are to the left of
        # the travel direction there), at +d on sim's oncoming lanes
        kerb = 1.0 if not on_map(spec) and actor.lane >= road.lanes else -1.0
        riders.append(
            actor.model_copy(
                update={
                    "offset": kerb * offset,
                    "behaviour": actor.behaviour.model_copy(
                        update={"desired_speed": actor.speed, "max_accel": 1.0}
                    ),
                }
            )
        )
    return spec.model_copy(update={"actors": [*spec.actors[:before], *riders]})


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
