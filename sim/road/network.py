"""The road network: the main road, an optional four-way junction with a crossing street and
traffic lights, and the turn paths through it.

Roads are numbered: 0 the main road, 1 the cross street (when there is a junction). Turn
paths are one-lane roads of their own (straight + quarter arc + straight) that the traffic
engine appends after these; an agent on a path joins the exit road at the path's end.

The cross street is a straight two-way road perpendicular to the main road at ``s``,
centred on it: its forward lanes run to the main road's left. All four approaches stop at a
stop line ``STOP_BACK`` metres before the junction box (room for a zebra crossing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from shapely.geometry import Polygon

from sim.road.road import Road, Segment

STOP_BACK = 5.0  # [m] from the junction box's edge back to the stop line
EXIT_RUN = 6.0  # [m] a turn path runs this far past the junction box before joining its exit lane

GREEN, AMBER, RED = "green", "amber", "red"


@dataclass(frozen=True)
class SignalPlan:
    """A fixed-time two-phase plan: the main road, then the cross street.

    Cycle: main green, amber, all red, cross green, amber, all red [s]; ``offset`` shifts
    the cycle (t = 0 is ``offset`` seconds into it).
    """

    main_green: float = 20.0
    cross_green: float = 15.0
    amber: float = 3.0
    all_red: float = 2.0
    offset: float = 0.0

    @property
    def cycle(self) -> float:
        return self.main_green + self.cross_green + 2.0 * (self.amber + self.all_red)

    def state(self, t: float, group: str) -> str:
        """'green', 'amber' or 'red' for the 'main' or 'cross' approaches at time t [s]."""
        u = (t + self.offset) % self.cycle
        if group == "cross":
            u = (u - self.main_green - self.amber - self.all_red) % self.cycle
            green = self.cross_green
        else:
            green = self.main_green
        if u < green:
            return GREEN
        if u < green + self.amber:
            return AMBER
        return RED


@dataclass(frozen=True)
class Junction:
    s: float
    """[m] where the cross street crosses the main road (the main road must be straight there)."""
    lanes: int = 1
    """cross street lanes per direction."""
    lane_width: float = 3.5
    arm_length: float = 120.0
    """[m] the cross street runs this far to each side of the main road's centre line."""
    signals: SignalPlan | None = field(default_factory=SignalPlan)
    """None: no lights (drivers on the main road do not stop)."""


@dataclass(frozen=True)
class StopLine:
    road: int
    lane: int
    s: float
    direction: int
    group: str  # "main" | "cross"


@dataclass(frozen=True)
class SignalHead:
    """Where a traffic light stands: (x, y) of the pole's foot, yaw facing the approaching
    traffic, and the signal group it shows."""

    x: float
    y: float
    yaw: float
    group: str


@dataclass(frozen=True)
class TurnPath:
    """A movement through the junction: from ``(road, lane)`` at the stop line ``s_entry``
    along ``path`` (a one-lane road) into ``(exit_road, exit_lane)`` at ``exit_s``."""

    road: int
    lane: int
    s_entry: float
    path: Road
    exit_road: int
    exit_lane: int
    exit_s: float


class Network:
    """Main road + optional junction. ``roads[0]`` main, ``roads[1]`` cross street."""

    def __init__(self, main: Road, junction: Junction | None = None) -> None:
        self.main = main
        self.junction = junction
        self.cross: Road | None = None
        self.stop_lines: list[StopLine] = []
        self.signal_heads: list[SignalHead] = []
        if junction is not None:
            self._build_junction(main, junction)
        self.roads: tuple[Road, ...] = (main,) if self.cross is None else (main, self.cross)

    # ------------------------------------------------------------------ junction geometry
    def _build_junction(self, main: Road, j: Junction) -> None:
        wc = 2 * j.lanes * j.lane_width
        wm = main.width
        lo, hi = j.s - wc / 2 - STOP_BACK - 10.0, j.s + wc / 2 + STOP_BACK + 10.0
        if lo < 0 or hi > main.length:
            raise ValueError(
                f"junction at s={j.s:g} m: the main road must run "
                f"{wc / 2 + STOP_BACK + 10:g} m past it on both sides"
            )
        s0 = 0.0
        for seg in main.segments:
            if s0 < hi and lo < s0 + seg.length and seg.curvature != 0.0:
                raise ValueError(
                    f"junction at s={j.s:g} m: the main road must be straight "
                    f"from {lo:g} to {hi:g} m"
                )
            s0 += seg.length
        if j.arm_length < wm / 2 + STOP_BACK + 20.0:
            raise ValueError("junction arm_length too short for the main road's width")
        px, py, h = (float(v[0]) for v in main.to_world([j.s], [wm / 2]))
        hc = h + math.pi / 2
        ux, uy = math.cos(hc), math.sin(hc)
        nx, ny = -math.sin(hc), math.cos(hc)  # cross street's left normal = -main forward
        ox = px - j.arm_length * ux - (wc / 2) * nx
        oy = py - j.arm_length * uy - (wc / 2) * ny
        self.cross = Road(
            lanes=j.lanes,
            oncoming_lanes=j.lanes,
            lane_width=j.lane_width,
            segments=(Segment(2 * j.arm_length),),
            shoulder_width=min(main.shoulder_width, 1.0),
            speed_limit=main.speed_limit,
            sidewalk_width=main.sidewalk_width,
            origin=(ox, oy, hc),
        )
        self.box_main = (j.s - wc / 2, j.s + wc / 2)  # s range of the box on the main road
        self.box_cross = (j.arm_length - wm / 2, j.arm_length + wm / 2)
        for road_id, road, (b0, b1), group in (
            (0, main, self.box_main, "main"),
            (1, self.cross, self.box_cross, "cross"),
        ):
            for lane in range(road.total_lanes):
                direction = road.lane_direction(lane)
                s = b0 - STOP_BACK if direction > 0 else b1 + STOP_BACK
                self.stop_lines.append(StopLine(road_id, lane, s, direction, group))
            if j.signals is None:
                continue
            for direction in (1, -1):
                s = b0 - STOP_BACK if direction > 0 else b1 + STOP_BACK
                # right of the approaching traffic, just beyond the shoulder
                d = (
                    -road.shoulder_width - 0.8
                    if direction > 0
                    else road.width + road.shoulder_width + 0.8
                )
                x, y, hr = (float(v[0]) for v in road.to_world([s], [d]))
                yaw = hr + math.pi if direction > 0 else hr  # faces the oncoming drivers
                self.signal_heads.append(SignalHead(x, y, yaw, group))

    @property
    def signalised(self) -> bool:
        return self.junction is not None and self.junction.signals is not None

    def signal_state(self, t: float) -> dict[str, str]:
        """{'main': state, 'cross': state} at time t; every approach green without lights."""
        plan = self.junction.signals if self.junction is not None else None
        if plan is None:
            return {"main": GREEN, "cross": GREEN}
        return {"main": plan.state(t, "main"), "cross": plan.state(t, "cross")}

    def box_polygon(self) -> Polygon | None:
        """The junction box (where the two carriageways overlap), world frame."""
        if self.junction is None:
            return None
        s0, s1 = self.box_main
        w = self.main.width
        x, y, _ = self.main.to_world([s0, s1, s1, s0], [0.0, 0.0, w, w])
        return Polygon(np.stack((x, y), axis=1))

    def drivable_area(self) -> Polygon:
        """Carriageways of every road (shapely polygon, world frame)."""
        polys = [_strip(r, 0.0, r.width) for r in self.roads]
        out = polys[0]
        for p in polys[1:]:
            out = out.union(p)
        return out

    def walkable_area(self):
        """Sidewalks of every road (shapely, world frame; empty without sidewalks), minus
        the carriageways (sidewalks stop at the junction)."""
        polys = []
        for r in self.roads:
            if r.sidewalk_width > 0:
                sh, sw = r.shoulder_width, r.sidewalk_width
                polys += [_strip(r, -sh - sw, -sh), _strip(r, r.width + sh, r.width + sh + sw)]
        if not polys:
            return Polygon()
        out = polys[0]
        for p in polys[1:]:
            out = out.union(p)
        return out.difference(self.drivable_area())

    # ------------------------------------------------------------------ turns
    def turn_path(self, road: int, lane: int, turn: str, to_lane: int | None = None) -> TurnPath:
        """The path of a ``turn`` ('left' | 'right') from ``(road, lane)`` at its stop line.

        The exit lane defaults to the innermost lane of the exit direction for a left turn
        and the outermost for a right turn.
        """
        if self.junction is None:
            raise ValueError("a turn needs a junction")
        src = self.roads[road]
        stop = next(sl for sl in self.stop_lines if sl.road == road and sl.lane == lane)
        ax, ay, h = (float(v[0]) for v in src.to_world([stop.s], [src.lane_center(lane)]))
        if stop.direction < 0:
            h += math.pi
        exit_road = 1 - road
        dst = self.roads[exit_road]
        side = 1.0 if turn == "left" else -1.0
        h_exit = h + side * math.pi / 2
        # exit lanes: those whose travel direction is h_exit
        _, _, h_dst = (float(v[0]) for v in dst.to_world([0.0], [0.0]))
        want_dir = 1 if math.cos(h_exit - h_dst) > 0 else -1
        lanes = [k for k in range(dst.total_lanes) if dst.lane_direction(k) == want_dir]
        # innermost = nearest the other direction's lanes
        inner_first = sorted(lanes, key=lambda k: -k if want_dir > 0 else k)
        if to_lane is None:
            to_lane = inner_first[0] if turn == "left" else inner_first[-1]
        elif to_lane not in lanes:
            raise ValueError(
                f"lane {to_lane} of the exit road does not run in the turn's direction "
                f"(lanes {lanes})"
            )
        # exit lane centre line in the approach's local frame: x = X
        ex, ey, _ = (float(v[0]) for v in dst.to_world([0.0], [dst.lane_center(to_lane)]))
        c, sn = math.cos(h), math.sin(h)
        radius = (ex - ax) * c + (ey - ay) * sn  # centre-line radius
        if radius < 3.0:
            raise ValueError(
                f"turn from lane {lane}: exit lane {to_lane} lies behind the stop line"
            )
        lw = src.lane_width
        r_ref = radius + side * lw / 2  # the reference line is the lane's right edge
        nx, ny = -sn, c
        box = self.box_cross if exit_road == 1 else self.box_main
        end_y = side * radius
        # run on along the exit lane to EXIT_RUN past the box
        # exit lane coordinate s of the arc's end, then the far side of the box
        arc_end_x, arc_end_y = ax + radius * c + end_y * nx, ay + radius * sn + end_y * ny
        s_arc, _ = dst.to_lane([arc_end_x], [arc_end_y])
        s_arc_end = float(s_arc[0])
        s_exit = box[1] + EXIT_RUN if want_dir > 0 else box[0] - EXIT_RUN
        run = max(want_dir * (s_exit - s_arc_end), 1.0)
        path = Road(
            lanes=1,
            lane_width=lw,
            shoulder_width=0.0,
            speed_limit=src.speed_limit,
            segments=(Segment(r_ref * math.pi / 2, side / r_ref), Segment(run)),
            origin=(ax + (lw / 2) * sn, ay - (lw / 2) * c, h),
        )
        return TurnPath(road, lane, stop.s, path, exit_road, to_lane, s_arc_end + want_dir * run)


def _strip(road: Road, d0: float, d1: float) -> Polygon:
    s = np.linspace(0.0, road.length, max(2, int(road.length / 2.0) + 1))
    xl, yl, _ = road.to_world(s, np.full_like(s, d0))
    xr, yr, _ = road.to_world(s[::-1], np.full_like(s, d1))
    return Polygon(np.concatenate([np.stack((xl, yl), 1), np.stack((xr, yr), 1)]))
