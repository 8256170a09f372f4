"""Positions -> (s, t) in the road frame (see :mod:`.context`): OpenDRIVE lane coordinates
on the .xodr road sim drives, or on the straight stand-in.

=========================  ==============================================================
WorldPosition x, y, h      on an .xodr road: (s, t) of the foot of the perpendicular, h
                           against the road's heading; on the stand-in: s = x, t = y (the
                           reference line is the x axis), h near pi: driving towards -s
LanePosition               s; t = centre of ``laneId`` + ``offset`` (roadId: noted if
                           several roads are named)
RoadPosition               s, t
RelativeLanePosition       the entity's s + ds (or dsLane), its lane id + dLane (0 skipped),
                           + offset
RelativeRoadPosition       the entity's s + ds, t + dt
RelativeObjectPosition     dx, dy in the entity's frame (forward or backward along s)
RelativeWorldPosition      the entity's s + dx, t + dy
RoutePosition              InRoutePosition: FromLaneCoordinates (pathS, laneId, laneOffset),
                           FromRoadCoordinates (pathS, t), FromCurrentEntity (its position)
=========================  ==============================================================

Relative positions use the entity's position at the start (where it was placed in Init).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from sim.scenario.xosc.context import Ctx


class Unsupported(Exception):
    """A position kind the road frame cannot hold (the message says which)."""


def position(ctx: Ctx, pos: ET.Element) -> tuple[float, float, bool | None]:
    """(s [m], t [m], driving towards -s or None if the position does not say) of the
    ``Position`` element ``pos``."""
    if len(pos) == 0:
        raise ctx.docs.error(pos, "<Position> is empty")
    kind = pos[0]
    tag = kind.tag
    if tag == "WorldPosition" and ctx.road is not None:
        return _world_on_xodr(ctx, kind)
    if tag == "WorldPosition":
        h = ctx.num(kind, "h", 0.0)
        backward = math.cos(h) < -0.5 if kind.get("h") is not None else None
        ctx.note(None, "WorldPosition: s = x, t = y (the stand-in road runs along +x)")
        return ctx.params.need(kind, "x"), ctx.num(kind, "y", 0.0), backward
    if tag == "LanePosition":
        lane = _lane_id(ctx, kind, "laneId")
        _road(ctx, kind)
        return (
            ctx.params.need(kind, "s"),
            ctx.lane_centre(lane) + ctx.num(kind, "offset", 0.0),
            lane > 0,
        )
    if tag == "RoadPosition":
        _road(ctx, kind)
        return ctx.params.need(kind, "s"), ctx.num(kind, "t", 0.0), None
    if tag in (
        "RelativeLanePosition",
        "RelativeRoadPosition",
        "RelativeObjectPosition",
        "RelativeWorldPosition",
    ):
        ref = ctx.actor(kind)
        if ref.s is None:
            raise ctx.docs.error(
                kind, f"{ref.entity!r} has no position yet (place it before it is referred to)"
            )
        sign = -1.0 if ref.backward else 1.0
        if tag == "RelativeLanePosition":
            d_lane = ctx.params.integer(kind, "dLane", 0)
            lane = ctx.lane_of(ref.t)
            target = lane + d_lane
            if (lane < 0) != (target < 0) or target == 0:  # lane ids skip 0
                target += 1 if d_lane > 0 else -1
            ctx.lane_ids.add(target)
            ds = ctx.num(kind, "ds", None)
            if ds is None:
                ds = ctx.num(kind, "dsLane", 0.0)
            return ref.s + sign * ds, ctx.lane_centre(target) + ctx.num(kind, "offset", 0.0), None
        if tag == "RelativeRoadPosition":
            return ref.s + sign * ctx.num(kind, "ds", 0.0), ref.t + ctx.num(kind, "dt", 0.0), None
        dx, dy = ctx.num(kind, "dx", 0.0), ctx.num(kind, "dy", 0.0)
        if tag == "RelativeObjectPosition":
            return ref.s + sign * dx, ref.t + sign * dy, None
        return ref.s + dx, ref.t + dy, None
    if tag == "RoutePosition":
        inroute = kind.find("InRoutePosition")
        ctx.note(kind, "RoutePosition: the route's path s is read as s on sim's road")
        if inroute is not None and len(inroute):
            sub = inroute[0]
            if sub.tag == "FromLaneCoordinates":
                lane = _lane_id(ctx, sub, "laneId")
                return (
                    ctx.params.need(sub, "pathS"),
                    ctx.lane_centre(lane) + ctx.num(sub, "laneOffset", 0.0),
                    None,
                )
            if sub.tag == "FromRoadCoordinates":
                return ctx.params.need(sub, "pathS"), ctx.num(sub, "t", 0.0), None
            if sub.tag == "FromCurrentEntity":
                ref = ctx.actor(sub)
                if ref.s is not None:
                    return ref.s, ref.t, None
        raise Unsupported("a RoutePosition without a usable InRoutePosition")
    raise Unsupported(f"position kind {tag}")


def _lane_id(ctx: Ctx, el: ET.Element, key: str) -> int:
    lane = ctx.params.integer(el, key)
    if lane is None:
        raise ctx.docs.error(el, f"<{el.tag}> needs {key!r}")
    if lane == 0:
        raise ctx.docs.error(el, f"<{el.tag} {key}='0'>: lane 0 is the centre line, not a lane")
    if abs(lane) > 8:
        raise ctx.docs.error(el, f"<{el.tag} {key}={lane}>: sim roads have at most 8 lanes a side")
    ctx.lane_ids.add(lane)
    return lane


def _road(ctx: Ctx, el: ET.Element) -> None:
    road = ctx.text(el, "roadId")
    if road is not None:
        ctx.road_ids.add(road)
        if ctx.road is not None and road != ctx.road.road_id:
            ctx.note(
                el,
                f"a position on OpenDRIVE road {road!r}: put at the same s and t on road "
                f"{ctx.road.road_id!r}, the one sim drives",
            )


def _world_on_xodr(ctx: Ctx, kind: ET.Element) -> tuple[float, float, bool | None]:
    """A WorldPosition on the .xodr road: its (s, t) there (the foot of the perpendicular)."""
    x, y = ctx.params.need(kind, "x"), ctx.num(kind, "y", 0.0)
    net = ctx.road.bridged.odr
    hit = net.to_road([x], [y])
    road_id = ctx.road.road_id
    if hit.road[0] < 0 or net.odr.roads[int(hit.road[0])].id != road_id:
        found = "no road" if hit.road[0] < 0 else f"road {net.odr.roads[int(hit.road[0])].id!r}"
        ctx.note(
            kind,
            f"WorldPosition ({x:g}, {y:g}) is on {found}, not road {road_id!r}: put at "
            "s = x, t = y on it",
        )
        s, t, ref_h = x, y, 0.0
    else:
        s, t = float(hit.s[0]), float(hit.t[0])
        ref_h = float(net.reference_pose(road_id, [s])[0, 2])
    backward = None
    if kind.get("h") is not None:
        backward = math.cos(ctx.num(kind, "h", 0.0) - ref_h) < -0.5
    return s, t, backward
