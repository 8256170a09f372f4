"""Import a useful subset of ASAM OpenSCENARIO 1.x (.xosc) as a sim scenario.

What is read (everything else is listed in the import's notes, never silently dropped):

* ``ParameterDeclarations``: ``$name`` references in attributes (not ``${...}`` expressions).
* ``Entities``: each ``ScenarioObject`` becomes an actor; the asset comes from a
  ``Vehicle``'s ``vehicleCategory``, a ``Pedestrian``, or words in a ``CatalogReference``
  entry name (truck, bus, van, bike, motorbike, pedestrian; else a sedan). The entity named
  ``Ego``/``hero`` (any case), else the first, is the ego.
* ``Init``: ``TeleportAction`` to a ``LanePosition`` (lane id, s, offset), a
  ``RelativeLanePosition``/``RelativeRoadPosition`` of an entity placed before it, or a
  ``WorldPosition`` (x taken as s, y as d: a straight road along +x); ``SpeedAction`` with an
  ``AbsoluteTargetSpeed`` as the initial speed.
* ``Storyboard`` events, per actor in document order (they run one after another here):
  ``LaneChangeAction`` (``RelativeTargetLane`` to an entity's lane at the start, or
  ``AbsoluteTargetLane``; duration from ``LaneChangeActionDynamics`` in time, or distance /
  speed) and ``SpeedAction`` (to 0: ``stop``; slower with a rate: ``hard_brake`` for the
  speed difference, then the new desired speed; faster: ``accelerate``; else ``set_speed``).
  Start triggers: the first condition of the first group, of kinds ``SimulationTime``,
  ``RelativeDistance`` (as a centre distance), ``TimeToCollision``, ``Speed``, and
  ``ReachPosition`` of the actor itself (as a ``reach`` of its s).
* ``StopTrigger`` with a ``SimulationTimeCondition``: the duration.

Conditions fire when they hold (``conditionEdge`` is not modelled: a condition already true
at the start fires at once), and a condition's ``delay`` is ignored (noted).

The road is not read from OpenDRIVE: the import makes a straight road with as many lanes as
the lane ids need (negative ids: forward lanes, -1 next to the centre line; positive:
oncoming lanes), long enough for every position plus 300 m.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from sim.errors import SimError

RULES_BELOW = {"lessThan", "lessOrEqual"}
DEFAULT_DURATION = 20.0  # [s] without a StopTrigger on simulation time
ROAD_MARGIN = 300.0  # [m] of road beyond the farthest position


class OpenScenarioError(SimError):
    """An .xosc file that cannot be imported (with where and why)."""


@dataclass
class Imported:
    data: dict  # the scenario, as the YAML's mapping
    notes: list[str] = field(default_factory=list)  # what was approximated or left out


def _asset(obj: ET.Element) -> str:
    veh = obj.find("Vehicle")
    if veh is not None:
        cat = (veh.get("vehicleCategory") or "car").lower()
        return {
            "truck": "truck",
            "trailer": "truck",
            "semitrailer": "truck",
            "bus": "bus",
            "van": "van",
            "motorbike": "motorcycle_with_rider",
            "bicycle": "bicycle_with_rider",
        }.get(cat, "sedan")
    if obj.find("Pedestrian") is not None:
        return "pedestrian_adult"
    ref = obj.find("CatalogReference")
    name = (ref.get("entryName") if ref is not None else "") or ""
    name = name.lower()
    for word, asset in (
        ("truck", "truck"),
        ("bus", "bus"),
        ("van", "van"),
        ("motorbike", "motorcycle_with_rider"),
        ("motorcycle", "motorcycle_with_rider"),
        ("bike", "bicycle_with_rider"),
        ("cycl", "bicycle_with_rider"),
        ("ped", "pedestrian_adult"),
        ("walker", "pedestrian_adult"),
    ):
        if word in name:
            return asset
    return "sedan"


def _ident(name: str) -> str:
    out = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return out if out and not out[0].isdigit() else f"a_{out}"


class _Reader:
    def __init__(self, root: ET.Element, path: Path) -> None:
        self.path = path
        self.notes: list[str] = []
        self.params: dict[str, str] = {}
        for p in root.iter("ParameterDeclaration"):
            if p.get("name"):
                self.params[p.get("name").lstrip("$")] = p.get("value", "")

    def attr(self, el: ET.Element, key: str, default: str | None = None) -> str | None:
        value = el.get(key, default)
        if value is None:
            return None
        if value.startswith("${"):
            raise OpenScenarioError(
                f"{self.path}: <{el.tag} {key}={value!r}>: expressions are not supported"
            )
        if value.startswith("$"):
            if value[1:] not in self.params:
                raise OpenScenarioError(
                    f"{self.path}: <{el.tag} {key}={value!r}>: no such parameter"
                )
            return self.params[value[1:]]
        return value

    def num(self, el: ET.Element, key: str, default: float | None = None) -> float | None:
        value = self.attr(el, key)
        if value is None:
            return default
        try:
            return float(value)
        except ValueError:
            raise OpenScenarioError(
                f"{self.path}: <{el.tag} {key}={value!r}>: expected a number"
            ) from None


def _parse(path: Path) -> ET.Element:
    """The XML root of ``path``, read like every input (sim.scenario.loader.read_input: a
    regular file under the size cap). A DTD is refused: OpenSCENARIO has none, and entity
    declarations are how XML bombs and external-entity reads work."""
    from sim.scenario.loader import InputRefused, read_input

    try:
        data = read_input(path)
    except InputRefused as err:
        raise OpenScenarioError(f"{path}: {err}") from None
    head = data[:4096].lower()
    if b"<!doctype" in data.lower() or b"<!entity" in head:
        line = data[: data.lower().find(b"<!")].count(b"\n") + 1
        raise OpenScenarioError(
            f"{path}:{line}: a DOCTYPE/ENTITY declaration is not supported "
            "(OpenSCENARIO files have none)"
        )
    try:
        return ET.fromstring(data)
    except ET.ParseError as err:
        line, col = getattr(err, "position", (None, None))
        where = f"{path}:{line}:{col + 1}" if line is not None else str(path)
        reason = str(err).split(":")[0]
        raise OpenScenarioError(f"{where}: not well-formed XML ({reason})") from None


def import_xosc(
    path: str | Path, lane_width: float = 3.5, duration: float | None = None
) -> Imported:
    """Read ``path`` and return the scenario mapping plus notes (see the module doc)."""
    path = Path(path)
    root = _parse(path)
    if root.tag != "OpenSCENARIO":
        raise OpenScenarioError(f"{path}: not an OpenSCENARIO file (root element <{root.tag}>)")
    r = _Reader(root, path)
    objects = root.findall("./Entities/ScenarioObject")
    if not objects:
        raise OpenScenarioError(f"{path}: no <Entities>/<ScenarioObject>")
    names = [o.get("name", f"object{i}") for i, o in enumerate(objects)]
    ego_name = next((n for n in names if n.lower() in ("ego", "hero", "ego_vehicle")), names[0])
    actors: dict[str, dict] = {}
    lane_ids: dict[str, int] = {}
    for o, name in zip(objects, names, strict=True):
        ident = "ego" if name == ego_name else _ident(name)
        if ident == "ego" and name != ego_name:
            ident = "ego_2"  # 'ego' is the ego's own name in sim scenarios
        actors[name] = {"name": ident, "asset": _asset(o), "s": 0.0, "speed": 0.0, "maneuvers": []}
    for private in root.findall("./Storyboard/Init/Actions/Private"):
        who = r.attr(private, "entityRef")
        if who not in actors:
            r.notes.append(f"Init of unknown entity {who!r} skipped")
            continue
        for action in private.iter("PrivateAction"):
            _init_action(r, action, who, actors, lane_ids)
    # lanes: negative ids run forward (-1 by the centre line), positive ones oncoming
    neg = [-k for k in lane_ids.values() if k < 0]
    pos = [k for k in lane_ids.values() if k > 0]
    n_forward = max(neg, default=1)
    n_oncoming = max(pos, default=0)

    def our_lane(lane_id: int) -> int:
        return n_forward + lane_id if lane_id < 0 else n_forward + lane_id - 1

    for who, a in actors.items():
        if who in lane_ids:
            a["lane"] = our_lane(lane_ids[who])
        elif "d" not in a:
            a["lane"] = 0
            r.notes.append(f"{who}: no initial position; put in lane 0 at s = 0")
        if lane_ids.get(who, -1) > 0:
            a["direction"] = "backward"
    stop = duration
    for cond in root.findall("./Storyboard/StopTrigger//SimulationTimeCondition"):
        stop = stop or r.num(cond, "value")
    for story_event in _events(root):
        _story_event(r, story_event, actors, lane_ids, our_lane)
    length = max(a["s"] for a in actors.values()) + ROAD_MARGIN
    ego = actors.pop(ego_name)
    ego.pop("name")
    data = {
        "name": _ident(path.stem),
        "description": f"imported from {path.name} (OpenSCENARIO); see the notes at the top",
        "duration": float(stop or DEFAULT_DURATION),
        "road": {
            "length": round(length, 3),
            "lanes": n_forward,
            "lane_width": lane_width,
            **({"oncoming_lanes": n_oncoming} if n_oncoming else {}),
        },
        "ego": _clean(ego),
        "actors": [_clean(a) for a in actors.values()],
    }
    if stop is None:
        r.notes.append(f"no StopTrigger on simulation time: duration {DEFAULT_DURATION:g} s")
    r.notes.append("road: straight, from the lane ids used (OpenDRIVE geometry is not read)")
    return Imported(data, r.notes)


def _clean(a: dict) -> dict:
    out = {k: v for k, v in a.items() if not (k == "maneuvers" and not v)}
    for k in ("s", "speed"):
        out[k] = round(float(out[k]), 6)
    return out


def _init_action(r: _Reader, action: ET.Element, who: str, actors: dict, lane_ids: dict) -> None:
    a = actors[who]
    pos = action.find("./TeleportAction/Position")
    if pos is not None:
        lp, rel, world = (
            pos.find("LanePosition"),
            pos.find("RelativeLanePosition"),
            pos.find("WorldPosition"),
        )
        rel = rel if rel is not None else pos.find("RelativeRoadPosition")
        if lp is not None:
            lane_ids[who] = int(r.num(lp, "laneId"))
            a["s"] = r.num(lp, "s", 0.0)
            if r.num(lp, "offset", 0.0):
                a["offset"] = r.num(lp, "offset", 0.0)
        elif rel is not None:
            ref = r.attr(rel, "entityRef")
            if ref not in lane_ids:
                raise OpenScenarioError(
                    f"{r.path}: {who} is placed relative to {ref!r}, which has no lane position "
                    "before it"
                )
            lane_ids[who] = lane_ids[ref] + int(r.num(rel, "dLane", 0.0))
            a["s"] = actors[ref]["s"] + r.num(rel, "ds", 0.0)
        elif world is not None:
            a["s"] = r.num(world, "x", 0.0)
            a["d"] = r.num(world, "y", 0.0)
            r.notes.append(f"{who}: WorldPosition read as s = x, d = y (a straight road along +x)")
        else:
            r.notes.append(
                f"{who}: position kind {[c.tag for c in pos]} not supported; left at s = 0"
            )
        return
    target = action.find("./LongitudinalAction/SpeedAction/SpeedActionTarget/AbsoluteTargetSpeed")
    if target is not None:
        a["speed"] = r.num(target, "value", 0.0)
        return
    r.notes.append(f"{who}: init action {[c.tag for c in action]} not supported")


def _events(root: ET.Element):
    """(actor entity name, Event element) in document order."""
    for group in root.iter("ManeuverGroup"):
        refs = [e.get("entityRef") for e in group.findall("./Actors/EntityRef")]
        for event in group.iter("Event"):
            yield refs, event


def _story_event(r: _Reader, item, actors: dict, lane_ids: dict, our_lane) -> None:
    refs, event = item
    name = event.get("name", "event")
    for who in refs:
        if who not in actors:
            r.notes.append(f"event {name!r}: unknown actor {who!r}")
            continue
        trigger = _trigger(r, event.find("StartTrigger"), who, actors, name)
        for action in event.iter("PrivateAction"):
            made = _maneuver(r, action, who, actors, lane_ids, our_lane, name)
            for m in made if isinstance(made, list) else [made] if made is not None else []:
                if trigger is not None:
                    m["trigger"] = trigger
                actors[who]["maneuvers"].append(m)
                trigger = None  # further actions of this event follow the first


def _maneuver(
    r: _Reader, action: ET.Element, who: str, actors: dict, lane_ids: dict, our_lane, event: str
):
    a = actors[who]
    lc = action.find("./LateralAction/LaneChangeAction")
    if lc is not None:
        dyn = lc.find("LaneChangeActionDynamics")
        duration = 3.0
        if dyn is not None:
            value = r.num(dyn, "value", 3.0)
            dim = r.attr(dyn, "dynamicsDimension", "time")
            duration = value if dim == "time" else value / max(a["speed"], 1.0)
        rel = lc.find("./LaneChangeTarget/RelativeTargetLane")
        absolute = lc.find("./LaneChangeTarget/AbsoluteTargetLane")
        if rel is not None:
            ref = r.attr(rel, "entityRef")
            if ref not in lane_ids:
                r.notes.append(
                    f"event {event!r}: lane change relative to {ref!r} without a lane; skipped"
                )
                return None
            to_lane = our_lane(lane_ids[ref]) + int(r.num(rel, "value", 0.0))
        elif absolute is not None:
            to_lane = our_lane(int(r.num(absolute, "value")))
        else:
            r.notes.append(f"event {event!r}: lane change target not supported; skipped")
            return None
        return {
            "type": "lane_change",
            "to_lane": to_lane,
            "duration": round(min(max(duration, 0.6), 15.0), 6),
        }
    speed = action.find("./LongitudinalAction/SpeedAction")
    if speed is not None:
        target = speed.find("./SpeedActionTarget/AbsoluteTargetSpeed")
        if target is None:
            r.notes.append(f"event {event!r}: only absolute target speeds are supported; skipped")
            return None
        v = r.num(target, "value", 0.0)
        dyn = speed.find("SpeedActionDynamics")
        rate = None
        if dyn is not None and r.attr(dyn, "dynamicsDimension") == "rate":
            rate = abs(r.num(dyn, "value", 0.0)) or None
        current = a["speed"]
        if v <= 0.0:
            return {"type": "stop", "decel": round(min(rate or 3.0, 12.0), 6)}
        if v < current and rate:
            r.notes.append(
                f"event {event!r}: braking to {v:g} m/s as hard_brake for "
                f"{(current - v) / rate:.2f} s, "
                f"then set_speed {v:g}"
            )
            return [
                {
                    "type": "hard_brake",
                    "decel": round(min(rate, 12.0), 6),
                    "duration": round((current - v) / rate, 6),
                },
                {"type": "set_speed", "speed": v},
            ]
        if v > current and rate:
            return {"type": "accelerate", "speed": v, "accel": round(min(rate, 10.0), 6)}
        return {"type": "set_speed", "speed": v}
    r.notes.append(f"event {event!r}: action {[c.tag for c in action]} not supported; skipped")
    return None


def _compare(r: _Reader, el: ET.Element) -> dict:
    value = r.num(el, "value")
    rule = r.attr(el, "rule", "lessThan")
    return {"below": value} if rule in RULES_BELOW else {"above": value}


def _trigger(
    r: _Reader, start: ET.Element | None, who: str, actors: dict, event: str
) -> dict | None:
    if start is None:
        return None
    groups = start.findall("ConditionGroup")
    conditions = [c for g in groups for c in g.findall("Condition")]
    if not conditions:
        return None
    if len(conditions) > 1:
        r.notes.append(
            f"event {event!r}: only the first of {len(conditions)} start conditions is used"
        )
    cond = conditions[0]
    if r.num(cond, "delay", 0.0):
        r.notes.append(f"event {event!r}: the condition's delay is ignored")
    t = cond.find("./ByValueCondition/SimulationTimeCondition")
    if t is not None:
        return {"type": "time", "at": r.num(t, "value", 0.0)}
    by_entity = cond.find("ByEntityCondition")
    if by_entity is None:
        r.notes.append(
            f"event {event!r}: condition {[c.tag for c in cond]} not supported; starts at once"
        )
        return None
    triggering = [
        r.attr(e, "entityRef") for e in by_entity.findall("./TriggeringEntities/EntityRef")
    ]
    ec = by_entity.find("EntityCondition")
    kind = ec[0] if ec is not None and len(ec) else None
    other = triggering[0] if triggering else who
    if kind is not None and kind.tag == "RelativeDistanceCondition":
        ref = r.attr(kind, "entityRef")
        peer = ref if other == who else other
        if who not in (other, ref):
            r.notes.append(
                f"event {event!r}: a distance between two other entities is not supported; "
                "starts at once"
            )
            return None
        return {"type": "distance", "to": actors[peer]["name"], **_compare(r, kind)}
    if kind is not None and kind.tag == "TimeToCollisionCondition":
        ref = kind.find("./TimeToCollisionConditionTarget/EntityRef")
        peer = r.attr(ref, "entityRef") if ref is not None else None
        peer = peer if other == who else other
        if peer not in actors or peer == who:
            r.notes.append(
                f"event {event!r}: time-to-collision target not supported; starts at once"
            )
            return None
        return {"type": "ttc", "to": actors[peer]["name"], **_compare(r, kind)}
    if kind is not None and kind.tag == "SpeedCondition":
        if other == who:
            r.notes.append(
                f"event {event!r}: a speed condition on the actor itself is not supported; "
                "starts at once"
            )
            return None
        return {"type": "speed", "to": actors[other]["name"], **_compare(r, kind)}
    if kind is not None and kind.tag == "ReachPositionCondition" and other == who:
        lp = kind.find("./Position/LanePosition")
        if lp is not None:
            return {"type": "reach", "s": r.num(lp, "s", 0.0)}
    r.notes.append(
        f"event {event!r}: condition {kind.tag if kind is not None else '?'} not supported; "
        "starts at once"
    )
    return None


def notes_header(notes: list[str]) -> str:
    lines = ["# Imported from OpenSCENARIO by `python -m sim import-xosc`. Notes:"]
    lines += [f"#  - {n}" for n in notes] or ["#  - none"]
    return "\n".join(lines) + "\n"
