"""Start conditions -> sim triggers (docs/openscenario.md has the table).

sim starts a maneuver on one trigger; a ``StartTrigger`` is an OR of ``ConditionGroup`` s,
each an AND of conditions. The first condition that maps (of the first group that has one)
is used and the rest are noted. A condition's ``delay`` is added to a time trigger and noted
elsewhere; ``conditionEdge`` is read as "while it holds" (so a condition that already holds
at the start fires at once).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from sim.scenario.xosc.context import Actor, Ctx
from sim.scenario.xosc.expr import ExpressionError
from sim.scenario.xosc.params import text_of
from sim.scenario.xosc.positions import Unsupported, position

NEVER = "never"
"""The trigger of an event that can never start (a parameter condition that is false)."""
BELOW = {"lessThan", "lessOrEqual"}
ABOVE = {"greaterThan", "greaterOrEqual"}


def _side(ctx: Ctx, el: ET.Element, value: float) -> dict:
    rule = ctx.text(el, "rule", "greaterThan")
    if rule in BELOW:
        return {"below": value}
    if rule in ABOVE:
        return {"above": value}
    if rule == "equalTo":
        ctx.note(el, "rule equalTo read as greaterOrEqual (a measure sampled each step)")
        return {"above": value}
    if rule == "notEqualTo":
        ctx.note(el, "rule notEqualTo read as greaterThan")
        return {"above": value}
    raise ctx.docs.error(el, f"<{el.tag} rule={rule!r}>: unknown rule")


def start_trigger(ctx: Ctx, start: ET.Element | None, who: Actor, event: str):
    """The trigger dict for ``who``, None (at once) or :data:`NEVER`.

    Groups are ORed, conditions in a group ANDed: a condition that always holds (decided at
    import) drops out of its group, one that never does sinks the group; of what is left,
    the first condition sim can express is used (the others are noted)."""
    if start is None:
        return None
    options = []
    for group in start.findall("ConditionGroup"):
        got = [condition(ctx, c, who, event) for c in group.findall("Condition")]
        got = [g for g in got if g is not _SKIP]
        if NEVER in got:
            continue
        triggers = [g for g in got if g is not None]
        if len(triggers) > 1:
            ctx.note(group, f"event {event!r}: only the first of {len(triggers)} conditions used")
        options.append(triggers[0] if triggers else None)
    if not options:
        return NEVER if start.findall("ConditionGroup") else None
    if None in options:
        return None
    if len(options) > 1:
        ctx.note(start, f"event {event!r}: only the first of {len(options)} condition groups used")
    return options[0]


_SKIP = object()


def condition(ctx: Ctx, cond: ET.Element, who: Actor, event: str):
    delay = ctx.num(cond, "delay", 0.0) or 0.0
    by_value = cond.find("ByValueCondition")
    if by_value is not None and len(by_value):
        kind = by_value[0]
        if kind.tag == "SimulationTimeCondition":
            value = ctx.params.need(kind, "value")
            if ctx.text(kind, "rule", "greaterThan") in BELOW:
                return None
            return {"type": "time", "at": max(value + delay, 0.0)}
        if kind.tag == "ParameterCondition":
            return _parameter(ctx, kind, event)
        if kind.tag == "StoryboardElementStateCondition":
            got = _storyboard(ctx, kind, event)
            if got is not _SKIP and delay:
                ctx.note(cond, f"event {event!r}: the condition's delay is ignored")
            return got
        ctx.note(kind, f"event {event!r}: condition {kind.tag} not supported")
        return _SKIP
    by_entity = cond.find("ByEntityCondition")
    if by_entity is None:
        ctx.note(cond, f"event {event!r}: condition {[c.tag for c in cond]} not supported")
        return _SKIP
    refs = by_entity.findall("./TriggeringEntities/EntityRef")
    te = ctx.actor(refs[0]) if refs else who
    if len(refs) > 1:
        ctx.note(by_entity, f"event {event!r}: only the first triggering entity is used")
    ec = by_entity.find("EntityCondition")
    if ec is None or not len(ec):
        return _SKIP
    kind = ec[0]
    got = _entity(ctx, kind, te, who, event)
    if got is not _SKIP and delay:
        ctx.note(cond, f"event {event!r}: the condition's delay is ignored")
    return got


def _parameter(ctx: Ctx, kind: ET.Element, event: str):
    name = (ctx.text(kind, "parameterRef") or "").lstrip("$")
    try:
        value = ctx.params.lookup(kind, name)
    except KeyError:
        raise ctx.docs.error(kind, f"no parameter {name!r} is declared") from None
    ref = ctx.params.value(kind, "value")
    rule = ctx.text(kind, "rule", "equalTo")
    try:
        if isinstance(value, bool) or isinstance(ref, bool):
            raise ValueError
        a, b = float(value), float(ref)
    except (TypeError, ValueError, ExpressionError):
        a, b = text_of(value), text_of(ref)  # strings and booleans compare as text
    holds = {
        "equalTo": a == b,
        "notEqualTo": a != b,
        "lessThan": a < b,
        "lessOrEqual": a <= b,
        "greaterThan": a > b,
        "greaterOrEqual": a >= b,
    }.get(rule, False)
    ctx.note(kind, f"event {event!r}: ParameterCondition on {name} decided at import ({holds})")
    return None if holds else NEVER


def _storyboard(ctx: Ctx, kind: ET.Element, event: str):
    ref = ctx.text(kind, "storyboardElementRef", "")
    state = ctx.text(kind, "state", "endTransition")
    if ref not in ctx.events:
        ctx.note(kind, f"event {event!r}: {ref!r} is not an event sim imported")
        return _SKIP
    actor, made = ctx.events[ref]
    if not made:
        ctx.note(kind, f"event {event!r}: {ref!r} made no maneuver")
        return _SKIP
    first, last = made[0]["type"], made[-1]["type"]
    name = f"{first}_start" if state in ("startTransition", "runningState") else f"{last}_done"
    if state not in ("startTransition", "runningState", "endTransition", "completeState"):
        ctx.note(kind, f"state {state!r} read as endTransition")
    return {"type": "event", "actor": actor, "event": name}


def _who_and_other(ctx, kind, te: Actor, who: Actor, event: str, ref: Actor):
    if te is who:
        return ref
    if ref is who:
        return te
    ctx.note(kind, f"event {event!r}: a {kind.tag} between two other entities is not supported")
    return None


def _entity(ctx: Ctx, kind: ET.Element, te: Actor, who: Actor, event: str):
    tag = kind.tag
    if tag in ("RelativeDistanceCondition", "TimeHeadwayCondition"):
        other = _who_and_other(ctx, kind, te, who, event, ctx.actor(kind))
        if other is None:
            return _SKIP
        value = ctx.params.need(kind, "value")
        if tag == "TimeHeadwayCondition":
            value *= max(te.v, 0.1)
            ctx.note(kind, f"TimeHeadwayCondition as a gap at {te.entity}'s speed ({te.v:g} m/s)")
            dist_type = "longitudinal"
        else:
            dist_type = ctx.text(kind, "relativeDistanceType", "cartesianDistance")
        if dist_type == "lateral":
            ctx.note(kind, f"event {event!r}: lateral distance condition not supported")
            return _SKIP
        if dist_type == "longitudinal":
            # OpenSCENARIO's distance has no sign, nor has sim's centre distance: the
            # longitudinal one (free space: plus the half lengths) with the lateral offset
            # the two have at the start
            along = value
            if ctx.params.boolean(kind, "freespace", True):
                along += 0.5 * (who.length + other.length)
            lateral = abs(who.t - other.t)
            ctx.note(
                kind,
                "a longitudinal distance as the centre distance with the lateral offset at the "
                f"start ({lateral:g} m)",
            )
            return {
                "type": "distance",
                "to": other.ident,
                **_side(ctx, kind, math.hypot(along, lateral)),
            }
        if ctx.params.boolean(kind, "freespace"):
            ctx.note(kind, "a free-space distance read as the centre-to-centre distance")
        return {"type": "distance", "to": other.ident, **_side(ctx, kind, value)}
    if tag == "TimeToCollisionCondition":
        target = kind.find("./TimeToCollisionConditionTarget/EntityRef")
        if target is None:
            ctx.note(kind, f"event {event!r}: time to collision with a position not supported")
            return _SKIP
        other = _who_and_other(ctx, kind, te, who, event, ctx.actor(target))
        if other is None:
            return _SKIP
        return {
            "type": "ttc",
            "to": other.ident,
            **_side(ctx, kind, ctx.params.need(kind, "value")),
        }
    if tag in ("SpeedCondition", "StandStillCondition"):
        if tag == "StandStillCondition":
            ctx.note(kind, "StandStillCondition as speed below 0.01 m/s (its duration is ignored)")
            side = {"below": 0.01}
        else:
            side = _side(ctx, kind, ctx.params.need(kind, "value"))
        if te is not who:
            return {"type": "speed", "to": te.ident, **side}
        # sim compares a speed with another actor's only: the actor's own speed changes
        # come from its maneuvers, which run one after another
        if who.maneuvers:
            ctx.note(kind, f"event {event!r}: {tag} on the actor itself as 'after its previous "
                     "maneuver'")  # fmt: skip
        else:
            ctx.note(kind, f"event {event!r}: {tag} on the actor itself; starts at once")
        return None
    if tag in ("ReachPositionCondition", "DistanceCondition"):
        pos = kind.find("Position")
        try:
            s, _, _ = position(ctx, pos) if pos is not None else (None, 0.0, None)
        except Unsupported as err:
            ctx.note(kind, f"event {event!r}: {err}")
            return _SKIP
        if s is None:
            return _SKIP
        margin = ctx.num(kind, "tolerance" if tag == "ReachPositionCondition" else "value", 0.0)
        ahead = -margin if not te.backward else margin
        if te is who:
            ctx.note(kind, f"{tag} as reaching s along the road ({margin:g} m before it)")
            # (the position and its tolerance: on the whole map, a position trigger)
            return {"type": "reach", "s": max(s + ahead, 0.0), "_shift": True,
                    "_where": pos, "_within": margin}  # fmt: skip
        if te.v > 0.0 and te.s is not None:
            at = max(abs(s + ahead - te.s) / te.v, 0.0)
            ctx.note(
                kind,
                f"{tag} of {te.entity} (another actor) as the time it would get there at "
                f"{te.v:g} m/s ({at:.3g} s)",
            )
            return {"type": "time", "at": at}
        ctx.note(kind, f"event {event!r}: {tag} of a standing other actor not supported")
        return _SKIP
    if tag == "TraveledDistanceCondition" and te.s is not None:
        value = ctx.params.need(kind, "value")
        if te is who:
            ctx.note(kind, "TraveledDistanceCondition as reaching its start s + the distance")
            s = who.s - value if who.backward else who.s + value
            # (on the whole map: a travel trigger)
            return {"type": "reach", "s": max(s, 0.0), "_shift": True, "_travel": value}
        if te.v > 0.0:
            ctx.note(kind, f"TraveledDistanceCondition of {te.entity} as the time at {te.v:g} m/s")
            return {"type": "time", "at": value / te.v}
    ctx.note(kind, f"event {event!r}: condition {tag} not supported")
    return _SKIP


def combine(ctx: Ctx, act, event, name: str):
    """One trigger from an Act's start trigger and its event's."""
    if act is not None and act != NEVER and act["type"] == "time" and act["at"] <= 0.0:
        act = None  # at the start: no trigger (it also waits for the maneuver before it)
    if event is not None and event != NEVER and event["type"] == "time" and event["at"] <= 0.0:
        event = None
    if act is None:
        return event
    if event is None:
        return act
    if act == NEVER or event == NEVER:
        return NEVER
    if act["type"] == "time" and event["type"] == "time":
        return {"type": "time", "at": max(act["at"], event["at"])}
    ctx.note(None, f"event {name!r}: its act's start trigger is not combined with its own")
    return event
