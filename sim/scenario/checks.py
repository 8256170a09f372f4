"""Semantic checks of a resolved scenario: things a schema cannot see.

Each raises a ScenarioError pointing at the offending key: actors on lanes that do not
exist or off the road, actors overlapping at the start, maneuvers naming unknown actors,
cameras whose rate does not fall on physics steps, durations shorter than a step.
"""

from __future__ import annotations

import math

from sim.assets import Catalog
from sim.geometry import obb_overlap
from sim.scenario.loader import SourceMap
from sim.scenario.maps import check_map_scenario, check_not_on_map, load_map, on_map
from sim.scenario.roads import build_network
from sim.scenario.schema import (
    CrossSpec,
    CutInSpec,
    EventTrigger,
    LaneChangeSpec,
    ScenarioSpec,
    TurnSpec,
    actor_d,
)

_STEP_TOLERANCE = 1e-6


def road_length(spec: ScenarioSpec) -> float:
    """The main road's length [m] (on a road.opendrive map: the longest road's)."""
    road = spec.road
    if road.opendrive is not None:
        return max(rd.length for rd in load_map(road).roads)
    return float(
        road.length if road.length is not None else sum(seg.length for seg in road.segments)
    )


def steps_per_frame(rate: float, step: float) -> int | None:
    """Physics steps between two frames at ``rate`` [Hz], or None if not a whole number."""
    ratio = 1.0 / (rate * step)
    k = round(ratio)
    return k if k >= 1 and abs(ratio - k) < _STEP_TOLERANCE * max(1.0, ratio) else None


def check(spec: ScenarioSpec, src: SourceMap, catalog: Catalog) -> None:
    if spec.duration < spec.step:
        raise src.error(
            f"duration {spec.duration:g} s is shorter than one step ({spec.step:g} s)",
            ("duration",),
        )
    for i, cam in enumerate(spec.sensors.cameras):
        if steps_per_frame(cam.rate, spec.step) is None:
            raise src.error(
                f"camera rate {cam.rate:g} Hz is not a whole number of {spec.step:g} s steps "
                f"(1 / (rate * step) = {1 / (cam.rate * spec.step):.4g})",
                ("sensors", "cameras", i, "rate"),
            )
        if cam.znear >= cam.zfar:
            raise src.error(
                f"znear ({cam.znear:g}) must be smaller than zfar ({cam.zfar:g})",
                ("sensors", "cameras", i, "znear"),
            )
    names = [c.name for c in spec.sensors.cameras]
    for i, name in enumerate(names):
        if names.index(name) != i:
            raise src.error(f"duplicate camera name {name!r}", ("sensors", "cameras", i, "name"))
    formats = spec.outputs.formats
    for i, f in enumerate(formats):
        if formats.index(f) != i:
            raise src.error(f"format {f!r} listed twice", ("outputs", "formats", i))

    if on_map(spec):
        check_map_scenario(spec, src, catalog)
        return
    check_not_on_map(spec, src)
    length = road_length(spec)
    _check_road(spec, src, length)
    actors = [(("ego",), "ego", spec.ego)] + [
        (("actors", i), a.name, a) for i, a in enumerate(spec.actors)
    ]
    known = {name for _, name, _ in actors}
    footprints = []
    junction = spec.road.junction
    for path, name, actor in actors:
        if actor.reserve:
            if not name.startswith("bg_r"):
                raise src.error(
                    "only the steady background's own vehicles (bg_r...) wait in reserve",
                    (*path, "reserve"),
                )
            continue  # placed by the World when it enters
        if actor.road == "cross":
            if junction is None:
                raise src.error("road 'cross' needs a road.junction", (*path, "road"))
            lanes, lane_width, road_len = (
                2 * junction.lanes,
                junction.lane_width,
                2.0 * junction.arm_length,
            )
        else:
            lanes, lane_width, road_len = (
                spec.road.lanes + spec.road.oncoming_lanes,
                spec.road.lane_width,
                length,
            )
        if actor.lane is not None and not 0 <= actor.lane < lanes:
            raise src.error(
                f"lane {actor.lane} does not exist (the road has lanes 0..{lanes - 1})",
                (*path, "lane"),
            )
        size = catalog.info(actor.asset).variants[actor.variant].size
        if actor.s - size[0] / 2 < 0 or actor.s + size[0] / 2 > road_len:
            raise src.error(
                f"{name} at s = {actor.s:g} m does not fit on the road [0, {road_len:g}] m",
                (*path, "s"),
            )
        d = actor_d(actor, lane_width)
        for _other_path, other_name, other_road, ox, oy, ol, ow in footprints:
            if other_road == actor.road and obb_overlap(
                actor.s, d, 0.0, size[0], size[1], ox, oy, 0.0, ol, ow
            ):
                raise src.error(f"{name} overlaps {other_name} at the start", (*path, "s"))
        footprints.append((path, name, actor.road, actor.s, d, size[0], size[1]))
        for k, m in enumerate(actor.maneuvers):
            mpath = (*path, "maneuvers", k)
            if isinstance(m, LaneChangeSpec) and not 0 <= m.to_lane < lanes:
                raise src.error(
                    f"lane {m.to_lane} does not exist (the road has lanes 0..{lanes - 1})",
                    (*mpath, "to_lane"),
                )
            if isinstance(m, TurnSpec) and junction is None:
                raise src.error("a turn needs a road.junction", (*mpath, "type"))
            if isinstance(m, CrossSpec) and catalog.info(actor.asset).kind not in (
                "pedestrian",
                "static",
            ):
                raise src.error(
                    f"only walkers cross ({actor.asset!r} is a {catalog.info(actor.asset).kind}); "
                    "a vehicle can use follow_path",
                    (*mpath, "type"),
                )
            if isinstance(m, CutInSpec):
                if m.target not in known:
                    raise src.error(f"unknown actor {m.target!r}", (*mpath, "target"))
                if m.target == name:
                    raise src.error("an actor cannot cut in front of itself", (*mpath, "target"))
            trig = m.trigger
            if trig is not None:
                other = trig.actor if isinstance(trig, EventTrigger) else getattr(trig, "to", None)
                key = "actor" if isinstance(trig, EventTrigger) else "to"
                if other is not None and other not in known:
                    raise src.error(f"unknown actor {other!r}", (*mpath, "trigger", key))
                if other == name and not isinstance(trig, EventTrigger):
                    raise src.error(
                        "a trigger cannot compare an actor with itself", (*mpath, "trigger", key)
                    )
    if not math.isfinite(length):
        raise src.error("road length must be finite", ("road",))
    for i, c in enumerate(spec.road.crossings):
        if not 2.0 <= c <= length - 2.0:
            raise src.error(
                f"crossing at s = {c:g} m is not on the road [2, {length - 2.0:g}] m",
                ("road", "crossings", i),
            )


def _check_road(spec: ScenarioSpec, src: SourceMap, length: float) -> None:
    """On-ramp, lane drops and junction fit the road (the road model says why not)."""

    road = spec.road
    if road.on_ramp is not None and not road.on_ramp.start < road.on_ramp.end <= length:
        raise src.error(
            f"on_ramp needs start < end <= road length ({length:g} m)", ("road", "on_ramp")
        )
    for i, drop in enumerate(road.lane_drops):
        if drop.lane not in (0, road.lanes - 1):
            raise src.error(
                f"only an outer forward lane (0 or {road.lanes - 1}) can end",
                ("road", "lane_drops", i, "lane"),
            )
        if drop.at > length:
            raise src.error(
                f"lane drop at {drop.at:g} m is beyond the road's end ({length:g} m)",
                ("road", "lane_drops", i, "at"),
            )
    try:
        build_network(road)
    except ValueError as err:
        where = (
            ("road", "junction")
            if road.junction is not None and "junction" in str(err)
            else ("road",)
        )
        raise src.error(str(err), where) from None
