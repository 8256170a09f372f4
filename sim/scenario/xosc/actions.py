"""Private actions -> sim maneuvers (docs/openscenario.md has the table).

A maneuver's lane target is kept as an OpenDRIVE lane id (``_to_lane_id``) until the road's
lanes are known; the importer turns it into sim's lane index. Each actor's speed and lane
after the actions read so far (in document order) stand in for "its speed when the action
starts", which a rate or a distance needs.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from sim.scenario.xosc.context import Actor, Ctx
from sim.scenario.xosc.positions import Unsupported, position

MAX_DECEL = 12.0  # [m/s^2] sim's hard_brake/stop limit
MAX_ACCEL = 10.0  # [m/s^2] sim's accelerate limit
MIN_RADIUS = 10.0  # [m] sim's smallest path arc
MAX_RADIUS = 1e5  # [m] flatter arcs are straights
CLOTHOID_PIECES = 20  # arcs per clothoid (stepwise curvature)
LANE_CHANGE_TIME = (0.6, 15.0)  # [s] sim's lane-change durations
DEFAULT_LANE_CHANGE = 3.0  # [s]


def private_action(ctx: Ctx, action: ET.Element, who: Actor, event: str) -> list[dict]:
    """The maneuvers ``action`` (a ``PrivateAction``) becomes for ``who`` (maybe none: then
    a note says why)."""
    if len(action) == 0:
        return []
    kind = action[0]
    if kind.tag == "LongitudinalAction":
        speed = kind.find("SpeedAction")
        if speed is not None:
            return _speed(ctx, speed, who, event)
        ctx.note(kind, f"event {event!r}: {[c.tag for c in kind]} not supported; skipped")
        return []
    if kind.tag == "LateralAction":
        lc = kind.find("LaneChangeAction")
        if lc is not None:
            return _lane_change(ctx, lc, who, event)
        lo = kind.find("LaneOffsetAction")
        if lo is not None:
            return _lane_offset(ctx, lo, who, event)
        ctx.note(kind, f"event {event!r}: {[c.tag for c in kind]} not supported; skipped")
        return []
    if kind.tag == "RoutingAction":
        return _routing(ctx, kind, who, event)
    if kind.tag == "TeleportAction":
        ctx.note(kind, f"event {event!r}: a TeleportAction during the story is not supported")
        return []
    ctx.note(action, f"event {event!r}: action {[c.tag for c in action]} not supported; skipped")
    return []


def _target_speed(ctx: Ctx, speed: ET.Element, who: Actor) -> float | None:
    target = speed.find("SpeedActionTarget")
    absolute = target.find("AbsoluteTargetSpeed") if target is not None else None
    if absolute is not None:
        return ctx.params.need(absolute, "value")
    relative = target.find("RelativeTargetSpeed") if target is not None else None
    if relative is not None:
        ref = ctx.actor(relative)
        value = ctx.params.need(relative, "value")
        kind = ctx.text(relative, "speedTargetValueType", "delta")
        if ctx.params.boolean(relative, "continuous"):
            ctx.note(relative, "RelativeTargetSpeed continuous: set once, not followed")
        ctx.note(
            relative,
            f"RelativeTargetSpeed: relative to {ref.entity}'s speed as the file sets it "
            "before this action (not as it is when the action starts)",
        )
        return max(ref.v * value if kind == "factor" else ref.v + value, 0.0)
    return None


def _speed(ctx: Ctx, speed: ET.Element, who: Actor, event: str) -> list[dict]:
    v = _target_speed(ctx, speed, who)
    if v is None:
        ctx.note(speed, f"event {event!r}: speed target not supported; skipped")
        return []
    dyn = speed.find("SpeedActionDynamics")
    shape = ctx.text(dyn, "dynamicsShape", "step") if dyn is not None else "step"
    dim = ctx.text(dyn, "dynamicsDimension", "time") if dyn is not None else "time"
    value = abs(ctx.num(dyn, "value", 0.0)) if dyn is not None else 0.0
    current = who.v
    dv = abs(v - current)
    rate = None
    if shape != "step" and value > 0.0 and dv > 0.0:
        if dim == "rate":
            rate = value
        elif dim == "time":
            rate = dv / value
        elif dim == "distance":
            rate = abs(v * v - current * current) / (2.0 * value)
        if shape in ("cubic", "sinusoidal"):
            ctx.note(dyn, f"speed change shape {shape!r}: constant rate over the same time")
    who.v = float(v)
    if rate is None or rate <= 0.0:
        if v <= 0.0:
            ctx.note(speed, f"event {event!r}: a step to standstill as stop at {8.0:g} m/s^2")
            return [{"type": "stop", "decel": 8.0}]
        if dv > 0.0:
            ctx.note(speed, f"event {event!r}: a step speed change as a new desired speed (IDM)")
        return [{"type": "set_speed", "speed": v}]
    if v < current:
        decel = _clamp(ctx, speed, rate, MAX_DECEL, "deceleration")
        if v <= 0.0:
            return [{"type": "stop", "decel": decel}]
        return [
            {"type": "hard_brake", "decel": decel, "duration": dv / decel},
            {"type": "set_speed", "speed": v},
        ]
    if v > current:
        accel = _clamp(ctx, speed, rate, MAX_ACCEL, "acceleration")
        return [{"type": "accelerate", "speed": v, "accel": accel}]
    return [{"type": "set_speed", "speed": v}]


def _clamp(ctx: Ctx, el: ET.Element, rate: float, most: float, what: str) -> float:
    if rate > most:
        ctx.note(el, f"{what} {rate:.3g} m/s^2 clamped to sim's {most:g}")
        return most
    return rate


def _lane_change(ctx: Ctx, lc: ET.Element, who: Actor, event: str) -> list[dict]:
    target = lc.find("LaneChangeTarget")
    rel = target.find("RelativeTargetLane") if target is not None else None
    absolute = target.find("AbsoluteTargetLane") if target is not None else None
    if rel is not None:
        ref = ctx.actor(rel)
        base = ref.lane_id if ref.lane_id is not None else ctx.lane_of(ref.t)
        n = ctx.params.integer(rel, "value", 0)
        if ref.backward:  # positive: to the left as the entity drives, towards lower ids
            n = -n
        to = base + n
        if (base < 0) != (to < 0) or to == 0:  # lane ids skip 0
            to += 1 if n > 0 else -1
        if ref is not who:
            ctx.note(rel, f"lane change relative to {ref.entity}'s lane as the file sets it before")
    elif absolute is not None:
        to = ctx.params.integer(absolute, "value", 0)
        if to == 0:
            raise ctx.docs.error(absolute, "lane 0 is the centre line, not a lane")
    else:
        ctx.note(lc, f"event {event!r}: lane change target not supported; skipped")
        return []
    if ctx.num(lc, "targetLaneOffset", 0.0):
        ctx.note(lc, "LaneChangeAction targetLaneOffset: dropped (to the lane centre)")
    dyn = lc.find("LaneChangeActionDynamics")
    duration = DEFAULT_LANE_CHANGE
    if dyn is not None:
        value = abs(ctx.num(dyn, "value", DEFAULT_LANE_CHANGE))
        dim = ctx.text(dyn, "dynamicsDimension", "time")
        lanes = abs(to - (who.lane_id or to)) or 1
        if dim == "distance":
            duration = value / max(who.v, 1.0)
        elif dim == "rate":  # lateral speed
            duration = lanes * ctx.lane_width / max(value, 1e-3)
        else:
            duration = value
        shape = ctx.text(dyn, "dynamicsShape", "sinusoidal")
        if shape not in ("sinusoidal", "cubic"):
            ctx.note(dyn, f"lane change shape {shape!r}: sim's smooth lane-change profile")
    return [_lane_change_to(ctx, lc, who, to, duration)]


def _lane_change_to(ctx: Ctx, el: ET.Element, who: Actor, to: int, duration: float) -> dict:
    lo, hi = LANE_CHANGE_TIME
    if not lo <= duration <= hi:
        ctx.note(el, f"lane change of {duration:.3g} s clamped to sim's [{lo:g}, {hi:g}] s")
        duration = min(max(duration, lo), hi)
    ctx.lane_ids.add(to)
    who.lane_id = to
    return {"type": "lane_change", "_to_lane_id": to, "duration": duration}


def _lane_offset(ctx: Ctx, lo: ET.Element, who: Actor, event: str) -> list[dict]:
    target = lo.find("LaneOffsetTarget")
    absolute = target.find("AbsoluteTargetLaneOffset") if target is not None else None
    rel = target.find("RelativeTargetLaneOffset") if target is not None else None
    lane = who.lane_id if who.lane_id is not None else ctx.lane_of(who.t)
    if absolute is not None:
        t = ctx.lane_centre(lane) + ctx.params.need(absolute, "value")
    elif rel is not None:
        ref = ctx.actor(rel)
        t = ref.t + ctx.params.need(rel, "value")
    else:
        ctx.note(lo, f"event {event!r}: lane offset target not supported; skipped")
        return []
    new = ctx.lane_of(t)
    if new == lane:
        ctx.note(lo, f"event {event!r}: a lane offset within the lane is not supported; skipped")
        return []
    dyn = lo.find("LaneOffsetActionDynamics")
    accel = ctx.num(dyn, "maxLateralAcc", 0.5) if dyn is not None else 0.5
    dist = abs(t - ctx.lane_centre(lane))
    ctx.note(lo, f"event {event!r}: a lane offset into another lane as a lane change")
    return [_lane_change_to(ctx, lo, who, new, math.sqrt(2 * math.pi * dist / max(accel, 0.05)))]


def _routing(ctx: Ctx, routing: ET.Element, who: Actor, event: str) -> list[dict]:
    follow = routing.find("FollowTrajectoryAction")
    if follow is not None:
        return _follow_trajectory(ctx, follow, who, event)
    assign = routing.find("AssignRouteAction")
    acquire = routing.find("AcquirePositionAction")
    where: ET.Element | None = None
    if assign is not None:
        route = assign.find("Route")
        ref = assign.find("CatalogReference")
        if route is None and ref is not None:
            route = ctx.catalogs.resolve(ref)
        points = route.findall("Waypoint") if route is not None else []
        where = points[-1].find("Position") if points else None
        if route is None:
            ctx.note(assign, f"event {event!r}: the route is not found; skipped")
            return []
        ctx.note(assign, "AssignRouteAction: only a lane change to its last waypoint's lane")
    elif acquire is not None:
        where = acquire.find("Position")
        ctx.note(acquire, "AcquirePositionAction: only a lane change to the position's lane")
    if where is None:
        ctx.note(routing, f"event {event!r}: routing action not supported; skipped")
        return []
    try:
        _, t, _ = position(ctx, where)
    except Unsupported as err:
        ctx.note(where, f"event {event!r}: {err}; skipped")
        return []
    lane = who.lane_id if who.lane_id is not None else ctx.lane_of(who.t)
    target = ctx.lane_of(t)
    if target == lane:
        return []
    # (on the whole map a route is followed along the lanes instead: mapmode drops this)
    return [{**_lane_change_to(ctx, where, who, target, DEFAULT_LANE_CHANGE), "_routing": True}]


def _trajectory_points(ctx: Ctx, traj: ET.Element):
    """((s, t) points, duration [s] or 0, or path segments directly) of a Trajectory's
    Shape."""
    shape = traj.find("Shape")
    if shape is None or len(shape) == 0:
        raise Unsupported("a trajectory without a Shape")
    kind = shape[0]
    pts: list[tuple[float, float]] = []
    times: list[float] = []
    if kind.tag == "Polyline":
        for v in kind.findall("Vertex"):
            s, t, _ = position(ctx, v.find("Position"))
            pts.append((s, t))
            if v.get("time") is not None:
                times.append(ctx.params.need(v, "time"))
    elif kind.tag == "Nurbs":
        ctx.note(kind, "Nurbs trajectory: driven through its control points")
        for cp in kind.findall("ControlPoint"):
            s, t, _ = position(ctx, cp.find("Position"))
            pts.append((s, t))
    elif kind.tag == "Clothoid":
        pos = kind.find("Position")
        s, t, _ = position(ctx, pos) if pos is not None else (0.0, 0.0, None)
        k0 = ctx.num(kind, "curvature", 0.0)
        dk = ctx.num(kind, "curvatureDot", None)
        dk = ctx.num(kind, "curvaturePrime", 0.0) if dk is None else dk
        length = ctx.params.need(kind, "length")
        n = max(1, min(CLOTHOID_PIECES, int(length / 2.0)))
        ctx.note(kind, f"Clothoid trajectory: {n} arcs of stepwise curvature")
        return [], 0.0, [_arc(length / n, k0 + dk * (i + 0.5) * length / n) for i in range(n)]
    else:
        raise Unsupported(f"trajectory shape {kind.tag}")
    duration = times[-1] - times[0] if len(times) >= 2 else 0.0
    return pts, duration, None


def _arc(length: float, curvature: float) -> dict:
    """One path piece of ``length`` [m] and ``curvature`` [1/m] (left positive)."""
    if abs(curvature) < 1.0 / MAX_RADIUS:
        return {"type": "straight", "length": length}
    radius = max(1.0 / abs(curvature), MIN_RADIUS)
    return {"type": "arc", "length": length, "radius": radius,
            "turn": "left" if curvature > 0 else "right"}  # fmt: skip


def _follow_trajectory(ctx: Ctx, follow: ET.Element, who: Actor, event: str) -> list[dict]:
    traj = follow.find("Trajectory")
    if traj is None:
        ref_parent = follow.find("TrajectoryRef")
        traj = ref_parent.find("Trajectory") if ref_parent is not None else None
        ref = follow.find("CatalogReference")
        if ref is None and ref_parent is not None:
            ref = ref_parent.find("CatalogReference")
        if traj is None and ref is not None:
            traj = ctx.catalogs.resolve(ref)
    if traj is None:
        ctx.note(follow, f"event {event!r}: trajectory not found; skipped")
        return []
    try:
        pts, duration, segments = _trajectory_points(ctx, traj)
    except Unsupported as err:
        ctx.note(traj, f"event {event!r}: {err}; skipped")
        return []
    if who.kind == "pedestrian" and len(pts) >= 2:
        return _walk(ctx, traj, who, event, pts, duration)
    if segments is None:
        if ctx.road is not None:
            pts = _world_shape(ctx, pts)
        segments, length = path_segments(ctx, traj, pts, math.pi if who.backward else 0.0)
    else:
        length = sum(seg["length"] for seg in segments)
    if not segments:
        ctx.note(traj, f"event {event!r}: a trajectory shorter than 5 cm; skipped")
        return []
    speed = length / duration if duration > 0.0 else max(who.v, 1.0)
    speed = min(max(speed, 0.5), 40.0)
    ctx.note(
        traj,
        f"event {event!r}: trajectory {ctx.text(traj, 'name', '')!r} as a path of "
        f"{len(segments)} arcs/straights driven from where the actor is, at {speed:.3g} m/s "
        "(vertex times and timeReference not followed)",
    )
    who.v = speed
    return [{"type": "follow_path", "segments": segments, "speed": speed}]


def _world_shape(ctx: Ctx, pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points given as (s, t) on the .xodr road -> their plan-view world positions in the
    frame of the road's heading at the first point (so a path drawn from the actor's
    heading there has the file's world shape through the curves)."""
    net, road_id = ctx.road.bridged.odr, ctx.road.road_id
    s = [min(max(p[0], 0.0), ctx.road.length) for p in pts]
    ref = net.reference_pose(road_id, s)
    x0, y0, h0 = ref[0, 0], ref[0, 1], ref[0, 2]
    out = []
    for (ps, pt), (x, y, h, _), sc in zip(pts, ref, s, strict=True):
        x, y = (
            x + (ps - sc) * math.cos(h) - pt * math.sin(h),
            y + (ps - sc) * math.sin(h) + pt * math.cos(h),
        )
        dx, dy = x - x0, y - y0
        out.append((pts[0][0] + math.cos(h0) * dx + math.sin(h0) * dy,
                    pts[0][1] - math.sin(h0) * dx + math.cos(h0) * dy))  # fmt: skip
    return out


def _walk(ctx: Ctx, traj: ET.Element, who: Actor, event: str, pts, duration: float) -> list[dict]:
    """A walker's trajectory as sim's ``cross``: from where it stands to the last vertex's
    lateral position, that far along the road."""
    length = sum(math.dist(a, b) for a, b in zip(pts, pts[1:], strict=False))
    speed = length / duration if duration > 0.0 else 1.4
    along = pts[-1][0] - pts[0][0]
    if abs(along) > 50.0:
        ctx.note(traj, f"a walk {along:.3g} m along the road: at most 50 m")
        along = math.copysign(50.0, along)
    ctx.note(
        traj,
        f"event {event!r}: the walker's trajectory as a crossing to its last vertex "
        f"({len(pts) - 2} vertices between not followed)",
    )
    return [{"type": "cross", "speed": min(max(speed, 0.3), 12.0), "_to_t": pts[-1][1],
             "along": along, "then": "stop"}]  # fmt: skip


def path_segments(
    ctx: Ctx, el: ET.Element, pts: list[tuple[float, float]], heading: float
) -> tuple[list[dict], float]:
    """Straights and arcs through ``pts`` starting at pts[0] with ``heading`` [rad]: each arc
    is the one tangent to the heading so far that ends at the next point (so every point is
    met, except where sim's smallest radius forces a wider arc). Returns (segments, length)."""
    out: list[dict] = []
    total = 0.0
    px, py = pts[0] if pts else (0.0, 0.0)
    h = heading
    for qx, qy in pts[1:]:
        dx, dy = qx - px, qy - py
        c = math.hypot(dx, dy)
        if c < 0.05:
            continue
        a = math.atan2(math.sin(math.atan2(dy, dx) - h), math.cos(math.atan2(dy, dx) - h))
        if abs(a) > 0.45 * math.pi:
            ctx.note(el, "a trajectory point behind the path's heading: turned towards it at most")
            a = math.copysign(0.45 * math.pi, a)
        if abs(a) < 1e-4:
            out.append({"type": "straight", "length": c})
            px, py, total = qx, qy, total + c
            continue
        radius = c / (2.0 * math.sin(abs(a)))
        if radius < MIN_RADIUS:
            ctx.note(el, f"trajectory arcs tighter than sim's {MIN_RADIUS:g} m radius widened")
            radius = MIN_RADIUS
        length = radius * 2.0 * abs(a)
        out.append(
            {
                "type": "arc",
                "length": length,
                "radius": radius,
                "turn": "left" if a > 0 else "right",
            }
        )
        # where the arc really ends (the point itself unless the radius was widened)
        cx, cy = (
            px - math.copysign(radius, a) * math.sin(h),
            py + math.copysign(radius, a) * math.cos(h),
        )
        h += 2.0 * a
        px, py = (
            cx + math.copysign(radius, a) * math.sin(h),
            cy - math.copysign(radius, a) * math.cos(h),
        )
        total += length
    if len(out) > 1000:
        raise ctx.docs.error(el, f"a trajectory of {len(out)} pieces (sim takes at most 1000)")
    return out, total
