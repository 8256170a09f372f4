"""The import of one .xosc scenario: entities, Init, the story's events, the stop trigger,
then the road the positions need and the scenario mapping (see the package doc)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from sim.scenario.schema.limits import MAX_DURATION, MAX_ROAD_LENGTH
from sim.scenario.xosc.actions import private_action
from sim.scenario.xosc.catalogs import Catalogs
from sim.scenario.xosc.conditions import NEVER, combine, start_trigger
from sim.scenario.xosc.context import Actor, Ctx
from sim.scenario.xosc.entities import asset_of
from sim.scenario.xosc.globals import global_action
from sim.scenario.xosc.mapmode import map_scenario, wants_map
from sim.scenario.xosc.params import ParamFloat, Params, Value
from sim.scenario.xosc.positions import Unsupported, position
from sim.scenario.xosc.road import choose_road, road_spec
from sim.scenario.xosc.xmldoc import Documents, OpenScenarioError

DEFAULT_DURATION = 20.0  # [s] without a StopTrigger on simulation time
ROAD_MARGIN = 300.0  # [m] of road beyond the farthest position
START_MARGIN = 10.0  # [m] of road kept behind the rearmost actor
EGO_NAMES = ("ego", "hero", "ego_vehicle", "egovehicle")


@dataclass
class Imported:
    data: dict  # the scenario, as the YAML's mapping
    notes: list[str] = field(default_factory=list)  # what was approximated or left out
    fallback: Imported | None = None  # the one-road import, where ``data`` is on the map


def _ident(name: str) -> str:
    out = "".join(c if c.isalnum() or c == "_" else "_" for c in name)[:60]
    return out if out and not out[0].isdigit() else f"a_{out}"


def import_xosc(
    path: str | Path,
    lane_width: float = 3.5,
    duration: float | None = None,
    *,
    overrides: dict[str, Value] | None = None,
    distributions: dict[str, dict] | None = None,
    seed: int | None = None,
    map_mode: str = "auto",
) -> Imported:
    """Read ``path`` and return the scenario mapping plus notes.

    ``overrides``: values for the file's own parameters (a deterministic parameter set);
    ``distributions``: parameter name -> sim distribution (YAML form) for stochastic ones.
    ``map_mode``: 'auto', 'always' or 'never' drive on the whole OpenDRIVE map
    (:mod:`.mapmode`).
    """
    path = Path(path)
    docs = Documents()
    root = docs.parse(path)
    if root.tag != "OpenSCENARIO":
        raise docs.error(root, f"not an OpenSCENARIO file (root element <{root.tag}>)")
    if root.find("ParameterValueDistribution") is not None:
        raise docs.error(root, "a parameter value distribution: import it with import_set()")
    params = Params(docs, overrides, set(distributions or ()))
    params.declare_all(root)
    notes: list[str] = []
    catalogs = Catalogs(docs, params, root, path.parent, notes)
    ctx = Ctx(path, docs, params, catalogs, lane_width, notes)
    _rev(ctx, root)
    _entities(ctx, root)
    ego = next(a.entity for a in ctx.actors.values() if a.ident == "ego")
    ctx.road = choose_road(ctx, root, ego)
    if ctx.road is not None:
        if lane_width != 3.5:
            ctx.note(None, "--lane-width: not used (the .xodr gives the lane width)")
        ctx.lane_width = ctx.road.sim_road.lane_width
        ctx.lane_offset = ctx.road.bridged.lane_offset
    _init(ctx, root)
    for act in root.iter("Act"):
        _act(ctx, act)
    stop = duration
    if stop is None:
        for cond in root.findall("./Storyboard/StopTrigger//SimulationTimeCondition"):
            stop = params.need(cond, "value")
            break
    if stop is None:
        ctx.note(None, f"no StopTrigger on simulation time: duration {DEFAULT_DURATION:g} s")
        stop = DEFAULT_DURATION
    stop = float(min(max(stop, 0.1), MAX_DURATION))
    unused = sorted(set(params.overrides) - params.used_overrides)
    if unused:
        raise OpenScenarioError(
            f"the parameter set names undeclared parameters {unused}", file=str(path)
        )
    data = _scenario(ctx, stop, path)
    if distributions:
        used = _param_refs(data)
        data["params"] = {k: v for k, v in distributions.items() if k in used}
        for k in sorted(set(distributions) - used):
            ctx.note(None, f"parameter {k}: not one field sim can draw; its declared value is used")
    if seed is not None:
        data["seed"] = seed
    if wants_map(ctx, root, map_mode):
        made = map_scenario(ctx, root, data)
        if made is not None:
            on_map, extra = made
            one_road = ("road:", "every s moved", "AssignRouteAction", "lanes [")  # the one road's
            kept = [
                n
                for n in ctx.notes
                if not n.startswith(one_road)
                and "the one sim drives" not in n
                and "sim roads have no OpenDRIVE signals" not in n
            ]
            return Imported(
                _public(_tidy(on_map)), kept + extra, fallback=Imported(_public(data), ctx.notes)
            )
    return Imported(_public(data), ctx.notes)


def _rev(ctx: Ctx, root: ET.Element) -> None:
    head = root.find("FileHeader")
    if head is not None and head.get("revMajor") not in (None, "1"):
        ctx.note(head, f"OpenSCENARIO {head.get('revMajor')}.x: read as 1.x")


def _entities(ctx: Ctx, root: ET.Element) -> None:
    objects = root.findall("./Entities/ScenarioObject")
    if not objects:
        raise ctx.docs.error(root, "no <Entities>/<ScenarioObject>")
    names = [ctx.text(o, "name") or f"object{i}" for i, o in enumerate(objects)]
    if root.find("./Entities/EntitySelection") is not None:
        ctx.note(None, "EntitySelection: not supported (its members act alone)")
    ego = next((n for n in names if n.lower() in EGO_NAMES), None)
    ego = ego or next((n for n in names if n.lower().startswith("ego")), names[0])
    taken = {"ego"}
    for obj, name in zip(objects, names, strict=True):
        if name in ctx.actors:
            raise ctx.docs.error(obj, f"two entities are named {name!r}")
        ident = "ego" if name == ego else _ident(name)
        while ident in taken and name != ego:
            ident += "_2"
        taken.add(ident)
        asset, kind, length = asset_of(ctx, obj)
        actor = Actor(name, ident, asset, kind=kind)
        if length is not None and length > 0:
            actor.length = length
        if obj.find("ObjectController") is not None:
            ctx.note(None, f"{name}: its controller is not used (sim's drivers drive)")
        ctx.actors[name] = actor


def _place(ctx: Ctx, actor: Actor, pos: ET.Element) -> None:
    lanes = set(ctx.lane_ids)
    try:
        s, t, backward = position(ctx, pos)
    except Unsupported as err:
        ctx.note(pos, f"{actor.entity}: {err} not supported; left at s = 0 in lane -1")
        s, t, backward = 0.0, ctx.lane_centre(-1), None
    if actor.kind != "vehicle":
        ctx.lane_ids = lanes  # walkers and objects stand where they are; they make no lanes
    actor.s, actor.t = s, t
    actor.lane_id = ctx.lane_of(t)
    actor.backward = backward if backward is not None else actor.lane_id > 0


def _init(ctx: Ctx, root: ET.Element) -> None:
    actions = root.find("./Storyboard/Init/Actions")
    if actions is None:
        return
    for g in actions.findall("GlobalAction"):
        global_action(ctx, g, "Init")
    later = []  # other Init actions run once every position and speed is known
    for private in actions.findall("Private"):
        who = ctx.actor(private)
        for action in private.findall("PrivateAction"):
            pos = action.find("./TeleportAction/Position")
            if pos is not None:
                _place(ctx, who, pos)
                continue
            speed = action.find("./LongitudinalAction/SpeedAction")
            target = None
            if speed is not None:
                target = speed.find("./SpeedActionTarget/AbsoluteTargetSpeed")
            if target is not None:
                who.speed = who.v = ctx.params.need(target, "value")
                continue
            later.append((who, action))
    for who in ctx.actors.values():
        if who.s is None:
            ctx.note(None, f"{who.entity}: no initial position; put in lane -1 at s = 0")
            who.s, who.t, who.lane_id = 0.0, ctx.lane_centre(-1), -1
    for who, action in later:
        speed = action.find("./LongitudinalAction/SpeedAction")
        if speed is not None and speed.find("./SpeedActionTarget/RelativeTargetSpeed") is not None:
            made = private_action(ctx, action, who, "Init")  # relative: the initial speed
            if len(made) == 1 and made[0]["type"] == "set_speed":
                who.speed = who.v = made[0]["speed"]
                continue
            who.maneuvers += made
            continue
        who.maneuvers += private_action(ctx, action, who, "Init")


def _act(ctx: Ctx, act: ET.Element) -> None:
    act_name = ctx.name(act, "act")
    for group in act.findall("ManeuverGroup"):
        refs = [ctx.actor(e) for e in group.findall("./Actors/EntityRef")]
        if not refs and group.find(".//PrivateAction") is not None:  # (global actions run)
            ctx.note(group, f"maneuver group {ctx.name(group)!r} without actors: skipped")
        maneuvers = list(group.findall("Maneuver"))
        for ref in group.findall("CatalogReference"):
            entry = ctx.catalogs.resolve(ref)
            if entry is None:
                ctx.note(ref, "a maneuver from a catalog that is not found: skipped")
            elif entry.tag == "Maneuver":
                maneuvers.append(entry)
        for who in refs:
            act_trigger = start_trigger(ctx, act.find("StartTrigger"), who, act_name)
            for maneuver in maneuvers:
                made: list[dict] = []
                for event in maneuver.findall("Event"):
                    made += _event(ctx, event, who, act_trigger)
                ctx.events.setdefault(ctx.name(maneuver), (who.ident, made))
            ctx.events.setdefault(ctx.name(group), (who.ident, list(who.maneuvers)))
    for event in act.iter("Event"):
        for g in event.iter("GlobalAction"):
            global_action(ctx, g, act_name, _global_time(ctx, act, event, g))


def _global_time(ctx: Ctx, act: ET.Element, event: ET.Element, g: ET.Element) -> float | None:
    """When a traffic signal action of ``event`` runs [s] (None: not at a time); 0 for the
    other global actions, which sim applies from the start."""
    if g.find("InfrastructureAction") is None:
        return 0.0
    ego = next((a for a in ctx.actors.values() if a.ident == "ego"), None)
    if ego is None:
        return None
    name = ctx.name(event, "event")
    trigger = combine(
        ctx,
        start_trigger(ctx, act.find("StartTrigger"), ego, ctx.name(act, "act")),
        start_trigger(ctx, event.find("StartTrigger"), ego, name),
        name,
    )
    if trigger is None:
        return 0.0
    if trigger == NEVER or trigger["type"] != "time":
        return None
    return float(trigger["at"])


def _event(ctx: Ctx, event: ET.Element, who: Actor, act_trigger) -> list[dict]:
    name = ctx.name(event, "event")
    if (ctx.params.integer(event, "maximumExecutionCount", 1) or 1) > 1:
        ctx.note(event, f"event {name!r}: runs once (maximumExecutionCount not modelled)")
    trigger = combine(
        ctx, act_trigger, start_trigger(ctx, event.find("StartTrigger"), who, name), name
    )
    if trigger == NEVER:
        ctx.note(event, f"event {name!r} can never start: left out")
        return []
    made: list[dict] = []
    for action in event.findall("Action"):
        for private in action.findall("PrivateAction"):
            made += private_action(ctx, private, who, name)
    if made and trigger is not None:
        made[0]["trigger"] = trigger
    if len([m for m in made if m["type"] != "set_speed"]) > 1:
        ctx.note(event, f"event {name!r}: its actions run one after another")
    who.maneuvers += made
    ctx.events[name] = (who.ident, made)
    for action in event.findall("Action"):
        ctx.events.setdefault(ctx.name(action), (who.ident, made))
    return made


def _scenario(ctx: Ctx, duration: float, path: Path) -> dict:
    w = ctx.lane_width
    xodr = ctx.road
    moving = [a for a in ctx.actors.values() if a.kind == "vehicle"]
    ids = set(ctx.lane_ids) | {ctx.lane_of(a.t) for a in moving}
    n_fwd = max([1] + [-k for k in ids if k < 0])
    n_onc = max([0] + [k for k in ids if k > 0])
    if xodr is not None:
        missing = sorted(
            k for k in ids if not -xodr.bridged.right_lanes <= k <= xodr.bridged.left_lanes
        )
        if missing:
            ctx.note(None, f"lanes {missing} are named but road {xodr.road_id!r} has no such "
                     "driving lanes: actors there stand beside the lanes, lane changes to them "
                     "end in the outermost lane")  # fmt: skip
        n_fwd, n_onc = xodr.bridged.right_lanes, xodr.bridged.left_lanes

    def sim_s(s: float) -> float:
        return float(xodr.sim_s([s])[0]) if xodr is not None else s

    def sim_d(t: float) -> float:
        return xodr.sim_d(t) if xodr is not None else n_fwd * w + t

    for a in ctx.actors.values():
        a.s = sim_s(a.s)
    if n_fwd > 8 or n_onc > 6:
        raise OpenScenarioError(
            f"the positions need {n_fwd} forward and {n_onc} oncoming lanes; sim roads have at "
            "most 8 and 6",
            file=str(path),
        )
    rear = min(a.s for a in ctx.actors.values())
    shift = max(0.0, START_MARGIN - rear)
    if shift:
        ctx.note(None, f"every s moved {shift:g} m forward (the road starts at s = 0)")

    def lane_index(k: int) -> int:
        lane = n_fwd + k if k < 0 else n_fwd + k - 1
        return min(max(lane, 0), n_fwd + n_onc - 1)

    out: dict[str, dict] = {}
    far = travel = 0.0
    for a in ctx.actors.values():
        d = sim_d(a.t)
        item: dict = {"asset": a.asset, "s": a.s + shift if shift else a.s}
        if 0.0 <= d < (n_fwd + n_onc) * w:
            lane = int(d // w)
            item["lane"] = lane
            offset = d - (lane + 0.5) * w
            if abs(offset) > 1e-9:
                item["offset"] = offset
            if a.backward != (lane >= n_fwd):
                item["direction"] = "backward" if a.backward else "forward"
        else:
            item["d"] = d
            if a.backward:
                item["direction"] = "backward"
        item["speed"] = a.speed
        for m in a.maneuvers:
            if "_to_lane_id" in m:
                m["to_lane"] = lane_index(m["_to_lane_id"])  # the id: for the map import
            if "_to_t" in m:
                m["to_d"] = sim_d(m["_to_t"])  # t itself: for the map import
            trig = m.get("trigger")
            if trig is not None and trig.pop("_shift", False):
                trig["s"] = sim_s(trig["s"]) + shift
                far = max(far, trig["s"])
        if a.maneuvers:
            item["maneuvers"] = a.maneuvers
        far = max(far, a.s + shift)
        travel = max(travel, max(a.speed, a.v) * duration)
        out[a.entity] = item
    if xodr is None and ctx.road_ids and len(ctx.road_ids) > 1:
        ctx.note(None, f"positions on OpenDRIVE roads {sorted(ctx.road_ids)} share one road")
    ego_name = next(a.entity for a in ctx.actors.values() if a.ident == "ego")
    ego = out.pop(ego_name)
    data = {
        "name": _ident(path.stem),
        "description": f"imported from {path.name} (OpenSCENARIO); see the notes at the top",
        "duration": duration,
        "road": {
            "length": min(far + max(ROAD_MARGIN, travel), MAX_ROAD_LENGTH),
            "lanes": n_fwd,
            "lane_width": w,
            **({"oncoming_lanes": n_onc} if n_onc else {}),
        },
        "ego": ego,
        "actors": [{"name": ctx.actors[k].ident, **v} for k, v in out.items()],
    }
    if xodr is not None:
        data["road"], origin = road_spec(xodr, shift, far - shift + max(ROAD_MARGIN, travel))
        past = far - shift + max(ROAD_MARGIN, travel) - xodr.sim_road.length
        if past > 0.0:
            ctx.note(None, f"road: goes on straight for {past:.0f} m past the end of road "
                     f"{xodr.road_id!r} (the actors drive that far)")  # fmt: skip
        if shift:
            ctx.note(None, f"road: {shift:g} m of straight added before road {xodr.road_id!r}")
        ctx.note(None, "road: sim's road starts at x={:.6f}, y={:.6f}, heading {:.9f} rad of "
                 "the .xodr (sim's frame is the .xodr's moved there)".format(*origin))  # fmt: skip
    env = dict(ctx.environment)
    perturbations = env.pop("_perturbations", None)
    if env:
        data["environment"] = env
    if perturbations:
        data["perturbations"] = perturbations
    if ctx.background:
        data["background"] = ctx.background
    return _tidy(data)


def _public(value):
    """``value`` without the importer's own keys (those starting with '_')."""
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list):
        return [_public(v) for v in value]
    return value


def _tidy(value):
    """Numbers rounded to 6 decimals; a stochastic parameter's number as ``$name``."""
    if isinstance(value, ParamFloat):
        return f"${value.param}"
    if isinstance(value, dict):
        return {k: _tidy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    if isinstance(value, float):
        r = round(float(value), 6)
        return 0.0 if r == 0 else r
    return value


def _param_refs(value) -> set[str]:
    if isinstance(value, str) and value.startswith("$"):
        return {value[1:]}
    if isinstance(value, dict):
        return set().union(*(_param_refs(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_param_refs(v) for v in value)) if value else set()
    return set()


def notes_header(notes: list[str]) -> str:
    lines = ["# Imported from OpenSCENARIO by `python -m sim import-xosc`. Notes:"]
    lines += [f"#  - {n}" for n in notes] or ["#  - none"]
    return "\n".join(lines) + "\n"
