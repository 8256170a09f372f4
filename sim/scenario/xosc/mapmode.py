"""The import on the whole OpenDRIVE map (``--map``): a scenario with ``road.opendrive`` whose
actors start where the file's Init puts them on the map, by road id, lane id and s
(docs/openscenario.md, "On the map").

The bridged import (one road of the map, :mod:`.road`) is made first; the map import
reuses its actors' speeds and maneuvers and replaces the road and the positions:

* every Init ``TeleportAction`` position becomes a world point (LanePosition and
  RoadPosition by the map's own geometry; WorldPosition as given; the relative kinds from
  the entity they name, already placed) and then the drivable lane under it
  (:func:`sim.road.opendrive.lanegraph.world_to_graph`);
* maneuvers that mean the same on a map are kept (lane changes, by the OpenDRIVE lane id
  the file names; paths; speed changes, braking, stopping, stalling, MOBIL); a position
  reached becomes a ``position`` trigger at its world point, a travelled distance a
  ``travel`` trigger (any other ``reach`` of s on sim's road is left out with a note); an
  Init ``AssignRouteAction`` becomes a ``route``: the turns at the junctions on the way
  (fewest pieces) to its last waypoint's road; other drivers take the junctions on routes
  drawn from the seed;
* walkers and objects start on whatever lane of the map is under them (a sidewalk, a
  shoulder: :func:`_off_lane_start`); a walker's trajectory, which the bridged import made a
  ``cross`` to the file's t, crosses to that t on the map (``to_d`` is t there).

``auto`` (the default) takes the map when the bridged import could not drive on the
file's road (it stands in a straight road), or the positions name more than one road of the
map; ``always`` takes it whenever the file names a map that can be read; ``never`` keeps
the bridged import. If the map import
fails (no drivable lane under the ego, say), the bridged import stands, with a note.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

from sim.errors import ScenarioError
from sim.road.opendrive import load_opendrive
from sim.road.opendrive.lanegraph import graph_from_opendrive, world_to_graph
from sim.scenario.maps import graph_to_odr
from sim.scenario.xosc.context import Ctx
from sim.scenario.xosc.road import logic_file

MAP_MODES = ("auto", "always", "never")
MIN_WITHIN = 1.0
"""[m] the least tolerance of a position reached (a car moves up to ~1.7 m a step)."""
KEPT = {
    "lane_change",
    "cross",
    "follow_path",
    "set_speed",
    "hard_brake",
    "stop",
    "accelerate",
    "stalled",
    "mobil",
}
"""Maneuver types that mean the same on a map (sim.scenario.maps.MAP_MANEUVERS)."""


def wants_map(ctx: Ctx, root: ET.Element, mode: str) -> bool:
    if mode not in MAP_MODES:
        raise ValueError(f"map mode must be one of {MAP_MODES}, got {mode!r}")
    filepath = logic_file(ctx, root)[1]
    if mode == "never" or filepath is None or not (ctx.path.parent / filepath).is_file():
        return False
    if mode == "always":
        return True
    return ctx.road is None or len(ctx.road_ids) > 1


def map_scenario(ctx: Ctx, root: ET.Element, bridged: dict) -> tuple[dict, list[str]] | None:
    """The scenario on the map and its own notes, or None (why: in ``ctx.notes``)."""
    _logic, filepath = logic_file(ctx, root)
    path = (ctx.path.parent / str(filepath)).resolve()
    try:
        odr = load_opendrive(path)
        net = graph_from_opendrive(odr)
    except (ScenarioError, OSError, ValueError) as err:
        ctx.note(None, f"map: {filepath!r} cannot be driven as a map ({err}); one road it is")
        return None
    notes: list[str] = [
        f"map: the whole OpenDRIVE map {Path(str(filepath)).name} ({len(net.roads)} one-way "
        "pieces); drivers take its junctions on routes drawn from the seed"
    ]
    world: dict[str, tuple[float, float, float]] = {}  # entity -> (x, y, heading) placed
    starts: dict[str, dict] = {}
    for private in root.findall("./Storyboard/Init/Actions/Private"):
        entity = ctx.text(private, "entityRef")
        pos = private.find("./PrivateAction/TeleportAction/Position")
        if entity is None or pos is None or not len(pos):
            continue
        point = _world_point(ctx, odr, pos[0], world)
        if point is None:
            notes.append(f"map: {entity}: position <{pos[0].tag}> not placed on the map")
            continue
        world[entity] = point
        who = ctx.actors.get(entity)
        if who is not None and who.kind != "vehicle":  # may stand on any lane (a sidewalk)
            placed = _off_lane_start(odr, point)
            if placed is None:
                notes.append(f"map: {entity} ({who.kind}) starts on no lane of the map: left out")
            else:
                starts[entity] = placed
            continue
        try:
            r, k, s, d = world_to_graph(net, point[0], point[1])
        except ScenarioError:
            notes.append(f"map: {entity} starts on no drivable lane of the map: left out")
            continue
        road_id, lane_id, s_odr = graph_to_odr(net, r, k, s)
        offset = d - float(net.roads[r].lane_center(k))
        starts[entity] = {"road": road_id, "lane": lane_id, "s": s_odr, "offset": offset}
    by_ident = {a.ident: a for a in ctx.actors.values()}
    ego = by_ident["ego"]
    if ego.entity not in starts or ego.kind != "vehicle":
        ctx.note(None, "map: the ego does not start on a drivable lane of the map; one road it is")
        return None
    data = {k: v for k, v in bridged.items() if k not in ("road", "ego", "actors")}
    data["road"] = {"opendrive": {"file": str(path)}}
    states = _signal_states(ctx, net, notes)
    if states:
        data["road"]["opendrive"]["signals"] = {"states": states}

    def where(pos: ET.Element):
        return _world_point(ctx, odr, pos[0], world) if len(pos) else None

    data["ego"] = _actor(ctx, bridged["ego"], starts[ego.entity], "ego", notes, where)
    actors = []
    for item in bridged["actors"]:
        who = by_ident[item["name"]]
        if who.entity not in starts:
            continue
        actors.append(
            {
                "name": item["name"],
                **_actor(ctx, item, starts[who.entity], who.entity, notes, where),
            }
        )
    data["actors"] = actors
    _routes(ctx, root, net, odr, starts, data, notes)
    bg = data.get("background")
    if isinstance(bg, dict):
        data["background"] = {k: v for k, v in bg.items() if k not in ("lanes", "s_range")}
    if data.get("perturbations"):
        notes.append("map: perturbations left out (the scenario kind needs sim's own road)")
        data.pop("perturbations")
    return data, notes


def _routes(ctx: Ctx, root: ET.Element, net, odr, starts, data, notes: list[str]) -> None:
    """An Init AssignRouteAction as a 'route': the turns at the junctions on the way (fewest
    pieces) from the entity's start to its last waypoint's road."""
    items = {"ego": data["ego"], **{a["name"]: a for a in data["actors"]}}
    for private in root.findall("./Storyboard/Init/Actions/Private"):
        entity = ctx.text(private, "entityRef")
        route = private.find("./PrivateAction/RoutingAction/AssignRouteAction/Route")
        who = ctx.actors.get(str(entity))
        if route is None or who is None or entity not in starts or who.ident not in items:
            continue
        waypoints = route.findall("./Waypoint/Position")
        last = _world_point(ctx, odr, waypoints[-1][0], {}) if waypoints else None
        goal = odr.to_road([last[0]], [last[1]]) if last is not None else None
        if goal is None or goal.road[0] < 0:
            notes.append(f"map: {entity}: its route's last waypoint is on no road: not used")
            continue
        goal_road = odr.odr.roads[int(goal.road[0])].id
        st = starts[entity]
        r, k, _s, _d = world_to_graph(net, *_world_point_of(odr, st))
        turns = _turns_to(net, r, k, goal_road)
        if turns is None:
            notes.append(f"map: {entity}: no way along the lanes to road {goal_road!r}: no route")
            continue
        item = items[who.ident]
        item["maneuvers"] = [m for m in item.get("maneuvers", []) if m["type"] != "route"]
        if turns:
            item["maneuvers"].insert(0, {"type": "route", "turns": turns})
        notes.append(f"map: {entity}: its route to road {goal_road!r} as turns {turns}")


def _world_point_of(odr, start: dict) -> tuple[float, float]:
    t = float(odr.lane_center(start["road"], start["lane"], [start["s"]])[0]) + start["offset"]
    x, y, _z, _h = (float(v) for v in odr.to_world(start["road"], [start["s"]], [t])[0])
    return x, y


def _turns_to(net, r0: int, k0: int, goal_road: str) -> list[str] | None:
    """Turns at each junction entered on the fewest-pieces way from (r0, k0) to a piece of
    ``goal_road`` (breadth first over the lane links); None: unreachable."""
    came: dict[tuple[int, int], tuple[tuple[int, int], str] | None] = {(r0, k0): None}
    queue = [(r0, k0)]
    for node in queue:
        if net.pieces[node[0]].road_id == goal_road and node != (r0, k0):
            turns = []
            while came[node] is not None:
                prev, turn = came[node]  # type: ignore[misc]
                if net.junction_of[node[0]] is not None and net.junction_of[prev[0]] is None:
                    turns.append(turn)
                node = prev
            return turns[::-1]
        for link in net.successors(*node):
            nxt = (link.to_road, link.to_lane)
            if nxt not in came:
                came[nxt] = (node, link.turn)
                queue.append(nxt)
    if net.pieces[r0].road_id == goal_road:
        return []
    return None


def _actor(ctx: Ctx, item: dict, start: dict, who: str, notes: list[str], where) -> dict:
    """The bridged import's actor ``item`` on the map: placed at ``start``, with the
    maneuvers that mean the same there (``where``: a <Position> element -> world point)."""
    out = {"asset": item["asset"], "road": start["road"], "lane": start["lane"]}
    out["s"] = round(start["s"], 6)
    if abs(start["offset"]) > 1e-3:
        out["offset"] = round(max(-3.0, min(3.0, start["offset"])), 6)
    out["speed"] = item.get("speed", 0.0)
    kept = []
    for m in item.get("maneuvers", []):
        trig = m.get("trigger") or {}
        if m.get("_routing"):
            notes.append(f"map: {who}: a routing action's lane change left out (the lanes lead)")
            continue
        if m["type"] not in KEPT:
            notes.append(f"map: {who}: maneuver {m['type']!r} left out (not yet on a map)")
            continue
        if trig.get("type") == "reach" and trig.get("_travel") is not None:
            m = {**m, "trigger": {"type": "travel", "distance": trig["_travel"]}}
        elif trig.get("type") == "reach":  # a position reached: by the map's own geometry
            point = where(trig["_where"]) if trig.get("_where") is not None else None
            if point is None:
                notes.append(f"map: {who}: {m['type']} at reach of s left out (s of sim's road)")
                continue
            within = max(float(trig.get("_within") or 0.0), MIN_WITHIN)
            x, y = round(point[0], 6), round(point[1], 6)
            m = {**m, "trigger": {"type": "position", "x": x, "y": y, "within": within}}
            notes.append(f"map: {who}: {m['type']} when within {within:g} m of ({x:g}, {y:g})")
        if m["type"] == "lane_change":
            if (m["_to_lane_id"] > 0) != (start["lane"] > 0):
                notes.append(
                    f"map: {who}: lane change into lane {m['_to_lane_id']}, which runs the "
                    "other way, left out (a map's roads are one-way pieces)"
                )
                continue
            m = {**m, "to_lane": m["_to_lane_id"]}  # the OpenDRIVE lane id the file names
        elif m["type"] == "cross" and "_to_t" in m:
            m = {**m, "to_d": m["_to_t"]}  # to the file's t (along its road's s)
        kept.append(m)
    if kept:
        out["maneuvers"] = kept
    return out


def _signal_states(ctx: Ctx, net, notes: list[str]) -> list[dict]:
    """The file's TrafficSignalStateActions on the map's lights (by OpenDRIVE signal id)."""
    out = []
    for state in ctx.signal_states:
        if state["signal"] in net.signal_ids:
            out.append(state)
            notes.append(
                f"map: traffic light {state['signal']} ({net.signal_ids[state['signal']]}) "
                f"{state['state']} from t = {state['at']:g} s"
            )
        else:
            notes.append(
                f"map: a state for signal {state['signal']!r}, which is no traffic light on a "
                "lane entering a junction of the map, left out"
            )
    return out


def _off_lane_start(odr, point: tuple[float, float, float]) -> dict | None:
    """A walker's or an object's start on any lane of the map (road, lane id, s, offset
    from the lane's centre), None off every lane."""
    pos = odr.to_road([point[0]], [point[1]])
    if pos.road[0] < 0 or pos.lane[0] == 0:
        return None
    road_id = odr.odr.roads[int(pos.road[0])].id
    lane_id, s = int(pos.lane[0]), float(pos.s[0])
    offset = float(pos.t[0]) - float(odr.lane_center(road_id, lane_id, [s])[0])
    return {"road": road_id, "lane": lane_id, "s": s, "offset": offset}


def _world_point(ctx: Ctx, odr, el: ET.Element, placed) -> tuple[float, float, float] | None:
    """World (x, y, heading) of a position element on the map (None: not this kind)."""
    tag = el.tag
    try:
        if tag == "WorldPosition":
            return ctx.params.need(el, "x"), ctx.num(el, "y", 0.0), ctx.num(el, "h", 0.0)
        if tag in ("LanePosition", "RoadPosition"):
            road = str(ctx.text(el, "roadId"))
            s = ctx.params.need(el, "s")
            if tag == "LanePosition":
                lane = int(ctx.params.integer(el, "laneId") or -1)
                t = float(odr.lane_center(road, lane, [s])[0]) + ctx.num(el, "offset", 0.0)
            else:
                t = ctx.num(el, "t", 0.0)
            x, y, _z, h = (float(v) for v in odr.to_world(road, [s], [t])[0])
            return x, y, h
        if tag in ("RelativeWorldPosition", "RelativeObjectPosition"):
            ref = placed.get(ctx.text(el, "entityRef"))
            if ref is None:
                return None
            dx, dy = ctx.num(el, "dx", 0.0), ctx.num(el, "dy", 0.0)
            if tag == "RelativeObjectPosition":
                c, s_ = math.cos(ref[2]), math.sin(ref[2])
                dx, dy = c * dx - s_ * dy, s_ * dx + c * dy
            return ref[0] + dx, ref[1] + dy, ref[2]
        if tag in ("RelativeLanePosition", "RelativeRoadPosition"):
            ref = placed.get(ctx.text(el, "entityRef"))
            if ref is None:
                return None
            pos = odr.to_road([ref[0]], [ref[1]])
            if pos.road[0] < 0:
                return None
            road = odr.odr.roads[int(pos.road[0])].id
            s = float(pos.s[0])
            if tag == "RelativeLanePosition":
                lane = int(pos.lane[0])
                d_lane = int(ctx.params.integer(el, "dLane", 0) or 0)
                target = lane + d_lane
                if (lane < 0) != (target < 0) or target == 0:  # lane ids skip 0
                    target += 1 if d_lane > 0 else -1
                ds = ctx.num(el, "ds", None)
                ds = ctx.num(el, "dsLane", 0.0) if ds is None else ds
                s += ds if lane < 0 else -ds  # along the lane's way
                t = float(odr.lane_center(road, target, [s])[0]) + ctx.num(el, "offset", 0.0)
            else:
                s += ctx.num(el, "ds", 0.0)
                t = float(pos.t[0]) + ctx.num(el, "dt", 0.0)
            x, y, _z, h = (float(v) for v in odr.to_world(road, [s], [t])[0])
            return x, y, h
    except (ScenarioError, KeyError, ValueError, IndexError):
        return None
    return None


__all__ = ["MAP_MODES", "map_scenario", "wants_map"]
