"""Scenarios on an OpenDRIVE map (``road.opendrive``): the map as a lane-graph network,
actors placed by OpenDRIVE lane position, background vehicles drawn on the map, and the
checks a map scenario needs (docs/opendrive.md, "Scenarios on a map").

An actor on a map gives ``road`` (the id of a road of the map), ``lane`` (its OpenDRIVE
lane id: -1, -2, ... right of the reference line, 1, 2, ... left) and ``s`` [m] along that
road's reference line, plus ``offset`` from the lane centre. The traffic engine drives on
one-way pieces of the map (:func:`sim.road.opendrive.graph_from_opendrive`); this module
maps between the two.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

import numpy as np

from sim.assets import Catalog
from sim.geometry import obb_overlap
from sim.road.graph import GraphNetwork
from sim.road.opendrive import OpenDriveError, load_opendrive
from sim.road.opendrive.lanegraph import graph_from_opendrive, odr_to_graph
from sim.road.opendrive.offlane import odr_to_piece
from sim.scenario.draws import (
    PLACEMENT_TRIES,
    actors_with_paths,
    asset_weights,
    background_actor,
    draw_look,
    reserve_vehicles,
)
from sim.scenario.draws import draw as _draw
from sim.scenario.errors import suggest
from sim.scenario.loader import SourceMap
from sim.scenario.schema import (
    AccelerateSpec,
    BackgroundSpec,
    CrossSpec,
    CutInSpec,
    CutOutSpec,
    FollowPathSpec,
    HardBrakeSpec,
    LaneChangeSpec,
    MobilSpec,
    ReachTrigger,
    RoadSpec,
    RouteSpec,
    ScenarioSpec,
    SetSpeedSpec,
    StalledSpec,
    StopSpec,
)

BACKGROUND_RADIUS = 150.0
"""[m] background vehicles start within this distance of the ego (on a map)."""

APPROACH_CLEAR = 40.0
"""[m] no background vehicle starts this close to a junction it drives into (at the speeds
of the background it could not stop for a conflicting movement)."""

MAP_MANEUVERS = (
    RouteSpec,
    LaneChangeSpec,
    CutInSpec,
    CutOutSpec,
    CrossSpec,
    FollowPathSpec,
    SetSpeedSpec,
    HardBrakeSpec,
    StopSpec,
    AccelerateSpec,
    StalledSpec,
    MobilSpec,
)
"""Maneuvers that mean the same on a map (the others name lanes or turns of sim's own road
model)."""


def on_map(spec: ScenarioSpec) -> bool:
    return spec.road.opendrive is not None


def map_path(road: RoadSpec) -> Path:
    if road.opendrive is None:
        raise ValueError("the scenario has no road.opendrive map")
    return Path(road.opendrive.file)


def load_map(road: RoadSpec) -> GraphNetwork:
    """The map of ``road.opendrive`` as a GraphNetwork (built once per file and plan)."""
    path = map_path(road)
    st = path.stat()
    g = road.opendrive.signals  # type: ignore[union-attr]
    return _load(
        str(path), st.st_size, st.st_mtime_ns, float(g.green), float(g.amber), float(g.all_red)
    )


@functools.lru_cache(maxsize=8)
def _load(
    path: str, size: int, mtime_ns: int, green: float, amber: float, all_red: float
) -> GraphNetwork:
    del size, mtime_ns  # part of the cache key only: a changed file is read again
    return graph_from_opendrive(load_opendrive(path), green=green, amber=amber, all_red=all_red)


def resolve_map_file(spec: ScenarioSpec, src: SourceMap, scenario_path: Path) -> ScenarioSpec:
    """``road.opendrive.file`` made absolute (relative to the scenario file's folder) and
    checked to be a readable map."""
    od = spec.road.opendrive
    if od is None:
        return spec
    where = ("road", "opendrive", "file")
    path = Path(od.file)
    if not path.is_absolute():
        path = scenario_path.parent / path
    path = path.resolve()
    if not path.is_file():
        raise src.error(f"map file not found: {od.file} (looked for {path})", where)
    road = spec.road.model_copy(update={"opendrive": od.model_copy(update={"file": str(path)})})
    spec = spec.model_copy(update={"road": road})
    try:
        load_map(spec.road)
    except OpenDriveError as err:
        raise src.error(f"the map cannot be read: {err}", where) from None
    return spec


# ---------------------------------------------------------------------------- positions
def stands_off_lanes(catalog: Catalog, actor) -> bool:
    """Walkers (people, animals) and static objects may stand on any lane of a map (a
    sidewalk, a shoulder); vehicles start on its drivable lanes."""
    return catalog.info(actor.asset).kind in ("pedestrian", "static")


def actor_pose(
    net: GraphNetwork, actor, off_lanes: bool = False
) -> tuple[int, int, float, float, float, float, float]:
    """(piece road, piece lane (-1: off the drivable lanes), piece s, piece d, x, y, yaw) of
    an actor on a map (ValueError/OpenDriveError saying why not). ``off_lanes``: any lane
    of the map will do (stands_off_lanes), carried by the piece beside it."""
    place = odr_to_piece if off_lanes else odr_to_graph
    r, k, s, d = place(net, str(actor.road), int(actor.lane), float(actor.s))
    d = d + float(actor.offset)
    road = net.roads[r]
    x, y, h = road.to_world([s], [d])
    return r, k, s, d, float(x[0]), float(y[0]), float(h[0])


def graph_to_odr(net: GraphNetwork, r: int, k: int, s: float) -> tuple[str, int, float]:
    """(road id, lane id, s) on the map of lane ``k`` of piece ``r`` at its ``s``."""
    piece = net.pieces[r]  # type: ignore[attr-defined]
    order = np.argsort(piece.sim_s)
    s_odr = float(np.interp(s, piece.sim_s[order], piece.odr_s[order]))
    return str(piece.road_id), int(piece.lane_ids[k]), s_odr


# ---------------------------------------------------------------------------- checks
def check_map_scenario(spec: ScenarioSpec, src: SourceMap, catalog: Catalog) -> None:
    """What a map scenario must satisfy beyond its schema: actors on drivable lanes of the
    map, apart at the start, with maneuvers that mean something on a map."""
    net = load_map(spec.road)
    odr = net.source
    road_ids = [r.id for r in odr.odr.roads]  # type: ignore[attr-defined]
    lane_ids = {k for p in net.pieces for k in p.lane_ids}  # type: ignore[attr-defined]
    for k, state in enumerate(spec.road.opendrive.signals.states):  # type: ignore[union-attr]
        if state.signal not in net.signal_ids:
            known = ", ".join(sorted(net.signal_ids)[:20]) or "none"
            raise src.error(
                f"the map has no traffic light {state.signal!r} on a lane entering a junction"
                f"{suggest(state.signal, list(net.signal_ids))} (its lights: {known})",
                ("road", "opendrive", "signals", "states", k, "signal"),
            )
    for key in ("cross_traffic",):
        if getattr(spec, key) is not None:
            raise src.error(f"'{key}' needs sim's own junction; on a map use background", (key,))
    gt = spec.outputs.ground_truth
    if gt is not None and gt.lanes:
        raise src.error(
            "lane ground truth is drawn from sim's own road model, not yet from a map",
            ("outputs", "ground_truth", "lanes"),
        )
    footprints: list[tuple[str, float, float, float, float, float]] = []
    for path, actor in [(("ego",), spec.ego)] + [
        (("actors", i), a) for i, a in enumerate(spec.actors)
    ]:
        name = "ego" if path == ("ego",) else actor.name
        if actor.reserve:
            continue
        if actor.road not in road_ids:
            raise src.error(
                f"the map has no road {actor.road!r}{suggest(actor.road, road_ids)}",
                (*path, "road"),
            )
        if actor.lane is None:
            raise src.error("on a map, give the OpenDRIVE 'lane' id (not 'd')", (*path, "lane"))
        length = odr.road(actor.road).length  # type: ignore[attr-defined]
        if not 0.0 <= float(actor.s) <= length:
            raise src.error(
                f"s = {actor.s:g} m is not on road {actor.road!r} [0, {length:g}] m",
                (*path, "s"),
            )
        try:
            _r, _k, _s, _d, x, y, yaw = actor_pose(net, actor, stands_off_lanes(catalog, actor))
        except (ValueError, OpenDriveError) as err:
            raise src.error(str(err), (*path, "lane")) from None
        size = catalog.info(actor.asset).variants[actor.variant].size
        for other, ox, oy, oyaw, ol, ow in footprints:
            if obb_overlap(x, y, yaw, size[0], size[1], ox, oy, oyaw, ol, ow):
                raise src.error(f"{name} overlaps {other} at the start", (*path, "s"))
        footprints.append((name, x, y, yaw, size[0], size[1]))
        for k, m in enumerate(actor.maneuvers):
            mpath = (*path, "maneuvers", k)
            if not isinstance(m, MAP_MANEUVERS):
                raise src.error(
                    f"maneuver {m.type!r} names lanes or turns of sim's own road model; on a "
                    "map use 'route' (and lane_change, cut_in, cut_out, follow_path, cross, "
                    "set_speed, hard_brake, stop, accelerate, stalled, mobil)",
                    (*mpath, "type"),
                )
            if isinstance(m, LaneChangeSpec) and m.to_lane not in lane_ids:
                raise src.error(
                    f"to_lane {m.to_lane}: expected an OpenDRIVE id of a drivable lane of the "
                    f"map ({', '.join(str(k) for k in sorted(lane_ids))})",
                    (*mpath, "to_lane"),
                )
            if isinstance(m, CrossSpec) and not stands_off_lanes(catalog, actor):
                raise src.error(
                    f"only walkers cross ({actor.asset!r} is a {catalog.info(actor.asset).kind})",
                    (*mpath, "type"),
                )
            if isinstance(getattr(m, "trigger", None), ReachTrigger):
                raise src.error(
                    "a 'reach' trigger measures s on sim's own road; on a map use time, "
                    "distance, gap, ttc, speed or event",
                    (*mpath, "trigger", "type"),
                )
        if sum(isinstance(m, RouteSpec) for m in actor.maneuvers) > 1:
            raise src.error("give one 'route' per actor", (*path, "maneuvers"))


def check_not_on_map(spec: ScenarioSpec, src: SourceMap) -> None:
    """Off a map: ``road`` is 'main' or 'cross', and nobody has a 'route'."""
    for path, actor in [(("ego",), spec.ego)] + [
        (("actors", i), a) for i, a in enumerate(spec.actors)
    ]:
        if actor.road not in ("main", "cross"):
            raise src.error(
                f"road {actor.road!r}: expected 'main' or 'cross' (road ids name the roads "
                "of a road.opendrive map)",
                (*path, "road"),
            )
        for k, m in enumerate(actor.maneuvers):
            if isinstance(m, RouteSpec):
                raise src.error(
                    "a 'route' follows a road.opendrive map's lanes; on sim's own road use 'turn'",
                    (*path, "maneuvers", k, "type"),
                )


# ---------------------------------------------------------------------------- background
def place_background_on_map(
    spec: ScenarioSpec,
    bg: BackgroundSpec,
    catalog: Catalog,
    rng: np.random.Generator,
    src: SourceMap,
    params: dict[str, Any],
    block: str = "background",
    kerb_side: bool = False,
    check: bool = True,
) -> ScenarioSpec:
    """``background.count`` vehicles ``bg_000``, ... on the map's driving lanes outside
    junctions, within BACKGROUND_RADIUS of the ego's start, ``min_gap`` apart (bumper to
    bumper, as boxes) from each other and every actor; each at its drawn speed, routed at
    random by the traffic engine. ``block`` 'cyclists' (with ``kerb_side``: in the
    outermost lane of each piece) draws riders ``cy_000``, ... the same way. ``check``:
    check the named actors first (once per scenario: before the background is drawn)."""
    if check:
        check_map_scenario(spec, src, catalog)  # the named actors, before drawing around them
    count = int(_draw(bg.count, rng, params))
    if count == 0 and bg.steady is None:
        return spec
    if bg.lanes is not None or bg.s_range is not None:
        key = "lanes" if bg.lanes is not None else "s_range"
        raise src.error(
            f"{block}.{key} names lanes or s of sim's own road; on a map they are "
            f"drawn within {BACKGROUND_RADIUS:g} m of the ego",
            (block, key),
        )
    net = load_map(spec.road)
    kind = "two_wheeler" if block == "cyclists" else None
    what = "background vehicles" if block == "background" else block
    names, weights = asset_weights(bg.assets, catalog, src, block, kind)
    min_gap = float(_draw(bg.min_gap, rng, params))
    _r, _k, _s, _d, ex, ey, _yaw = actor_pose(net, spec.ego)
    # candidate stretches: pieces outside junctions, lanes, with some part near the ego
    pieces = [
        r
        for r, rd in enumerate(net.roads)
        if net.junction_of[r] is None and _near(rd, ex, ey, BACKGROUND_RADIUS)
    ]
    if not pieces:
        raise src.error(
            f"no driving lane of the map lies within {BACKGROUND_RADIUS:g} m of the ego",
            ("background", "count"),
        )
    lane_len = np.array(
        [net.roads[r].length * (1 if kerb_side else net.roads[r].lanes) for r in pieces]
    )
    p_piece = lane_len / lane_len.sum()
    bodies = []  # (x, y, yaw, length, width) of everyone placed
    for _, actor in actors_with_paths(spec):
        if actor.reserve:
            continue
        size = catalog.info(actor.asset).variants[actor.variant].size
        *_, x, y, yaw = actor_pose(net, actor, stands_off_lanes(catalog, actor))
        bodies.append((x, y, yaw, size[0], size[1]))
    placed = []
    for k in range(count):
        asset, info, variant, color = draw_look(names, weights, catalog, rng)
        length, width = info.variants[variant].size[:2]
        for _ in range(PLACEMENT_TRIES):
            r = pieces[int(rng.choice(len(pieces), p=p_piece))]
            rd = net.roads[r]
            lane = 0 if kerb_side else int(rng.integers(rd.lanes))
            # not in the last APPROACH_CLEAR m before a junction: room to stop for its turn
            end = rd.length - (APPROACH_CLEAR if _enters_junction(net, r, lane) else 0.0)
            if end < length + 2.0:
                continue
            s = float(rng.uniform(length / 2 + 1.0, end - length / 2 - 1.0))
            x, y, h = (float(v[0]) for v in rd.to_world([s], [rd.lane_center(lane)]))
            if math.hypot(x - ex, y - ey) > BACKGROUND_RADIUS:
                continue
            grown = (length + 2 * min_gap, width + 0.2)
            if any(obb_overlap(x, y, h, *grown, *b[:3], b[3], b[4]) for b in bodies):
                continue
            break
        else:
            raise src.error(
                f"found room for only {k} of {count} {what} {min_gap:g} m apart "
                f"within {BACKGROUND_RADIUS:g} m of the ego",
                (block, "count"),
            )
        bodies.append((x, y, h, length, width))
        road_id, lane_id, s_odr = graph_to_odr(net, r, lane, s)
        placed.append(
            background_actor(
                bg,
                rng,
                params,
                f"{'cy' if block == 'cyclists' else 'bg'}_{k:03d}",
                asset,
                variant,
                color,
                road_id,
                lane_id,
                round(s_odr, 6),
            )
        )
    if bg.steady is not None and not any(a.reserve for a in spec.actors):
        # (a resolved file lists its reserve already)
        placed += reserve_vehicles(bg, names, weights, catalog, rng, params, [0], 1)
    return spec.model_copy(update={"actors": [*spec.actors, *placed]})


def _enters_junction(net: GraphNetwork, r: int, lane: int) -> bool:
    return any(net.junction_of[link.to_road] is not None for link in net.successors(r, lane))


def _near(road, x: float, y: float, radius: float) -> bool:
    s = np.linspace(0.0, road.length, max(2, int(road.length / 5.0) + 1))
    px, py, _ = road.to_world(s, np.zeros_like(s))
    return bool((np.hypot(px - x, py - y) <= radius).any())
