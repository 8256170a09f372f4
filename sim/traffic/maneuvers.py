"""Scripted maneuvers and the triggers that start them.

A scripted agent runs its maneuvers in sequence; each waits for its trigger, then writes
into the agent's arrays (lane-change path, acceleration override, desired speed) and the
kernels do the driving. Triggers and maneuvers are evaluated once per step in Python: they
concern the handful of scripted agents, never the whole population.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.road import Road
from sim.traffic.state import AgentState


@dataclass(frozen=True)
class Trigger:
    """When a maneuver starts.

    kind: ``immediate``; ``time`` (t >= at); ``gap`` (bumper gap to ``other``, positive when
    this agent is ahead, compared with ``above``/``below``); ``distance`` (centre distance to
    ``other``); ``ttc`` (time to collision with ``other`` below ``below``); ``event``
    (``other`` has emitted ``event``, e.g. ``lane_change_done``); ``reach`` (this agent has
    passed s = ``at`` on its road, in its direction of travel).
    """

    kind: str = "immediate"
    other: int = -1
    at: float = 0.0
    above: float | None = None
    below: float | None = None
    event: str = ""


@dataclass(frozen=True)
class LaneChange:
    to_lane: int
    duration: float
    trigger: Trigger = Trigger()
    name: str = "lane_change"


@dataclass(frozen=True)
class CutIn:
    """Change into ``target``'s lane so that the bumper gap to it is ``gap`` [m] at the moment
    this agent's centre crosses the lane line (half-way through the ``duration`` [s] change)."""

    target: int
    gap: float
    duration: float
    trigger: Trigger = Trigger()
    name: str = "cut_in"


@dataclass(frozen=True)
class HardBrake:
    """Brake at ``decel`` [m/s^2] until standing (or for ``duration`` [s] if given)."""

    decel: float
    duration: float | None = None
    trigger: Trigger = Trigger()
    name: str = "hard_brake"


@dataclass(frozen=True)
class SetSpeed:
    """Change the desired speed to ``speed`` [m/s]; IDM accelerates/brakes towards it."""

    speed: float
    trigger: Trigger = Trigger()
    name: str = "set_speed"


@dataclass(frozen=True)
class CutOut:
    """Leave the current lane for the adjacent one on ``side`` (``left`` or ``right``) over
    ``duration`` [s] -- typically a lead car swerving round an obstacle it revealed."""

    side: str = "left"
    duration: float = 2.5
    trigger: Trigger = Trigger()
    name: str = "cut_out"


@dataclass(frozen=True)
class Stop:
    """Brake at ``decel`` [m/s^2] to a standstill and stay there (a later set_speed or
    accelerate maneuver drives off again)."""

    decel: float = 3.0
    trigger: Trigger = Trigger()
    name: str = "stop"


@dataclass(frozen=True)
class Accelerate:
    """Accelerate at ``accel`` [m/s^2] (still braking for a leader, as IDM would) until
    ``speed`` [m/s]; then keep it as the desired speed."""

    speed: float
    accel: float = 2.0
    trigger: Trigger = Trigger()
    name: str = "accelerate"


@dataclass(frozen=True)
class Stalled:
    """Break down: brake at ``decel`` [m/s^2] to a standstill (at once when already
    standing) and never move again."""

    decel: float = 4.0
    trigger: Trigger = Trigger()
    name: str = "stalled"


@dataclass(frozen=True)
class Mobil:
    """Hand the lane choice to MOBIL from now on (politeness [-], threshold [m/s^2], safe
    braking [m/s^2], lane-change duration [s])."""

    politeness: float = 0.3
    threshold: float = 0.2
    safe_decel: float = 4.0
    duration: float = 3.0
    trigger: Trigger = Trigger()
    name: str = "mobil"




TURN_DECEL = 1.5  # [m/s^2] a turning driver slows to the turn speed at this rate


@dataclass(frozen=True)
class Turn:
    """Turn ``turn`` ('left' | 'right') at the junction ahead into the cross street.

    The driver slows to ``speed`` [m/s] for the turn, stops at the stop line unless its
    light is green and, turning left, no oncoming vehicle would reach the junction box
    within ``accept_gap`` [s] (gap acceptance), then follows the turn path into lane
    ``to_lane`` of the cross street (None: the natural one).
    """

    turn: str
    to_lane: int | None
    speed: float
    accept_gap: float
    trigger: Trigger = Trigger()
    name: str = "turn"


@dataclass(frozen=True)
class FollowPath:
    """Leave the lane and follow a path of straight/arc ``segments`` (Segment tuple) from
    where the agent is, at ``speed`` [m/s]; at its end rejoin the lane there, or stop if it
    ends off the carriageway."""

    segments: tuple
    speed: float
    trigger: Trigger = Trigger()
    name: str = "follow_path"


@dataclass(frozen=True)
class Cross:
    """A walker crosses the road to the far side (``to_d`` [m]: lateral target, None =
    the middle of the far sidewalk or shoulder), ``along`` [m] further along the road, at
    ``speed`` [m/s]; then walks on along the road (``then`` 'walk') or stands ('stop')."""

    speed: float
    to_d: float | None
    along: float
    then: str
    trigger: Trigger = Trigger()
    name: str = "cross"


Maneuver = LaneChange | CutIn | HardBrake | SetSpeed | CutOut | Stop | Accelerate | Stalled | Mobil | Turn | FollowPath | Cross


@dataclass(frozen=True)
class Event:
    t: float
    agent: int  # index
    name: str
    data: dict = field(default_factory=dict)


def bumper_gap(state: AgentState, i: int, j: int) -> float:
    """Signed longitudinal bumper-to-bumper gap [m] between i and j along s: the free road
    between them, positive when i is ahead, negative when i is behind (overlapping bodies
    give a value of the other sign, |gap| < the overlap)."""
    ds = float(state.s[i] - state.s[j])
    half = 0.5 * float(state.length[i] + state.length[j])
    return ds - half if ds >= 0.0 else ds + half


def gap_ahead(state: AgentState, i: int, j: int) -> float:
    """Bumper gap [m] from j's front to i's rear were i ahead: s_i - s_j - half lengths,
    linear in s (a cut-in's predicted gap), negative while i is not yet clear of j."""
    return float(state.s[i] - state.s[j] - 0.5 * (state.length[i] + state.length[j]))


def time_to_collision(state: AgentState, i: int, j: int) -> float:
    """Time [s] until i and j touch if both keep their speed along s (inf if not closing)."""
    ahead = state.s[i] >= state.s[j]
    apart = abs(state.s[i] - state.s[j]) >= 0.5 * (state.length[i] + state.length[j])
    g = abs(bumper_gap(state, i, j)) if apart else 0.0  # overlapping along s: touching
    closing = (state.v[j] - state.v[i]) if ahead else (state.v[i] - state.v[j])
    if closing <= 0.0:
        return math.inf
    return g / closing


@dataclass
class Script:
    """Run-time progress of one agent's maneuver list."""

    agent: int
    maneuvers: tuple[Maneuver, ...]
    next_index: int = 0
    running: Maneuver | None = None
    started_at: float = 0.0
    crossing_logged: bool = False
    phase: int = 0
    data: dict = field(default_factory=dict)


class ScriptRunner:
    """Evaluates triggers and starts/finishes maneuvers; records events."""

    def __init__(self, scripts: dict[int, tuple[Maneuver, ...]]) -> None:
        self.scripts = [Script(agent, tuple(m)) for agent, m in sorted(scripts.items())]
        self._script_of = {sc.agent: sc for sc in self.scripts}
        self.world = None  # the World sets itself here: roads, network, paths
        self.events: list[Event] = []
        self._emitted: set[tuple[int, str]] = set()

    def emit(self, t: float, agent: int, name: str, **data) -> None:
        self.events.append(Event(round(t, 9), agent, name, data))
        self._emitted.add((agent, name))

    def has_emitted(self, agent: int, name: str) -> bool:
        return (agent, name) in self._emitted

    def _fires(self, trig: Trigger, state: AgentState, me: int, t: float) -> bool:
        if trig.kind == "immediate":
            return True
        if trig.kind == "time":
            return t >= trig.at - 1e-9
        if trig.kind == "event":
            return self.has_emitted(trig.other, trig.event)
        if trig.kind == "gap":
            value = bumper_gap(state, me, trig.other)
        elif trig.kind == "distance":
            value = math.hypot(state.x[me] - state.x[trig.other], state.y[me] - state.y[trig.other])
        elif trig.kind == "ttc":
            value = time_to_collision(state, me, trig.other)
        elif trig.kind == "speed":
            value = float(state.v[trig.other])
        elif trig.kind == "reach":
            return bool(state.dirn[me] * (state.s[me] - trig.at) >= 0.0)
        else:  # pragma: no cover - the schema only builds known kinds
            raise ValueError(f"unknown trigger kind {trig.kind!r}")
        if trig.above is not None and not value >= trig.above:
            return False
        if trig.below is not None and not value <= trig.below:
            return False
        return True

    def _lane_width(self, state: AgentState, i: int) -> float:
        return self.world.roads[state.road[i]].lane_width

    def act(self, state: AgentState, t: float) -> bool:
        """Start maneuvers whose trigger fires at time t (before the physics step).

        Returns whether any maneuver started.
        """
        started = False
        for sc in self.scripts:
            i = sc.agent
            if sc.running is not None or sc.next_index >= len(sc.maneuvers):
                continue
            m = sc.maneuvers[sc.next_index]
            if not self._fires(m.trigger, state, i, t):
                continue
            if isinstance(m, CutIn) and not self._cut_in_ready(m, state, i):
                continue
            sc.next_index += 1
            sc.running = m
            sc.started_at = t
            sc.crossing_logged = False
            sc.phase = 0
            sc.data = {}
            if self._start(m, state, i, t, self._lane_width(state, i)):
                started = True
            else:
                sc.running = None
        return started

    def _cut_in_ready(self, m: CutIn, state: AgentState, i: int) -> bool:
        """Predicted gap at the lane-line crossing (half the duration ahead) reached?"""
        predicted = gap_ahead(state, i, m.target) + (state.v[i] - state.v[m.target]) * 0.5 * m.duration
        return predicted >= m.gap

    def _start(self, m: Maneuver, state: AgentState, i: int, t: float, lane_width: float) -> bool:
        """Begin maneuver m of agent i; False when it cannot run (and is skipped)."""
        if isinstance(m, (LaneChange, CutIn, CutOut)):
            if isinstance(m, LaneChange):
                to_lane = m.to_lane
            elif isinstance(m, CutIn):
                to_lane = int(state.lane[m.target])
            else:
                to_lane = int(state.lane[i]) + (1 if m.side == "left" else -1)
                road = self.world.roads[state.road[i]]
                if not 0 <= to_lane < road.total_lanes or road.lane_direction(to_lane) != road.lane_direction(int(state.lane[i])):
                    self.emit(t, i, f"{m.name}_impossible", to_lane=to_lane)
                    return False
            state.lc_active[i] = True
            state.lc_s0[i] = state.s[i]
            state.lc_len[i] = max(state.v[i], 1.0) * m.duration
            state.lc_d0[i] = state.d[i]
            state.lc_d1[i] = (to_lane + 0.5) * lane_width
            self.emit(t, i, f"{m.name}_start", to_lane=to_lane)
        elif isinstance(m, HardBrake):
            state.acc_override[i] = -m.decel
            self.emit(t, i, f"{m.name}_start", decel=m.decel)
        elif isinstance(m, SetSpeed):
            state.v0[i] = max(m.speed, 0.1)
            state.acc_override[i] = np.nan  # e.g. drive off after a stop
            self.emit(t, i, f"{m.name}_start", speed=m.speed)
        elif isinstance(m, (Stop, Stalled)):
            state.acc_override[i] = -m.decel
            state.mobil[i] = False
            if isinstance(m, Stalled):  # a broken-down car runs no further maneuvers
                self._script_of[i].next_index = len(self._script_of[i].maneuvers)
            self.emit(t, i, f"{m.name}_start", decel=m.decel)
        elif isinstance(m, Mobil):
            state.mobil[i] = True
            state.politeness[i], state.mobil_threshold[i] = m.politeness, m.threshold
            state.b_safe[i], state.lc_duration[i] = m.safe_decel, m.duration
            self.emit(t, i, f"{m.name}_start")
        elif isinstance(m, Accelerate):
            state.v0[i] = max(m.speed, 0.1)
            state.acc_override[i] = m.accel
            self.emit(t, i, f"{m.name}_start", speed=m.speed, accel=m.accel)
        elif isinstance(m, Turn):
            net = self.world.network
            if net.junction is None or state.road[i] > 1 or state.lane[i] < 0:
                self.emit(t, i, f"{m.name}_impossible")
                return False
            tp = net.turn_path(int(state.road[i]), int(state.lane[i]), m.turn, m.to_lane)
            if state.dirn[i] * (state.s[i] - tp.s_entry) > 0:
                self.emit(t, i, f"{m.name}_impossible", reason="past the stop line")
                return False
            sc = self._script_of[i]
            sc.data = {"tp": tp, "v0": float(state.v0[i])}
            state.mobil[i] = False
            self.emit(t, i, f"{m.name}_start", turn=m.turn)
        elif isinstance(m, FollowPath):
            road = Road(lanes=1, lane_width=lane_width, segments=tuple(m.segments), shoulder_width=0.0,
                        origin=(float(state.x[i] + math.sin(state.yaw[i]) * lane_width / 2),
                                float(state.y[i] - math.cos(state.yaw[i]) * lane_width / 2),
                                float(state.yaw[i])))
            r = self.world.add_road(road)
            self.world.move_to_road(i, r, lane=0)
            state.v0[i] = max(m.speed, 0.1)
            state.acc_override[i] = np.nan
            self.emit(t, i, f"{m.name}_start", road=r)
        elif isinstance(m, Cross):
            road = self.world.roads[state.road[i]]
            if m.to_d is not None:
                to_d = m.to_d
            else:
                side = road.shoulder_width + (road.sidewalk_width / 2 if road.sidewalk_width > 0 else 0.0)
                to_d = road.width + side if state.d[i] < road.width / 2 else -side
            state.tgt_s[i] = state.s[i] + state.dirn[i] * m.along
            state.d_ref[i] = to_d
            state.v0[i] = max(m.speed, 0.1)
            state.acc_override[i] = np.nan
            self.emit(t, i, f"{m.name}_start", to_d=round(float(to_d), 6))
        return True

    def _turn_step(self, sc: Script, m: Turn, state: AgentState, t: float) -> bool:
        """Advance a turn: approach (hold at the stop line until allowed), path, exit."""
        i = sc.agent
        tp = sc.data["tp"]
        world = self.world
        if sc.phase == 0:
            # desired speed: what still slows to the turn speed at the stop line at 1.5 m/s^2
            dist = max(float(state.dirn[i] * (tp.s_entry - state.s[i])), 0.0)
            state.v0[i] = min(sc.data["v0"], math.sqrt(m.speed**2 + 2.0 * TURN_DECEL * dist))
            allowed = world.network.signal_state(t)["main" if tp.road == 0 else "cross"] == "green"
            if allowed and m.turn == "left":
                allowed = self._oncoming_clear(state, i, tp, m.accept_gap)
            state.stop_s[i] = np.nan if allowed else tp.s_entry
            if allowed and state.dirn[i] * (state.s[i] - tp.s_entry) >= 0.0:
                r = world.add_road(tp.path)
                sc.data["path"] = r
                world.move_to_road(i, r, lane=0)
                sc.phase = 1
                self.emit(t, i, "turn_enter")
            return False
        r = sc.data["path"]
        if state.road[i] == r and state.s[i] >= world.roads[r].length - 0.5:
            world.move_to_road(i, tp.exit_road, lane=tp.exit_lane)
            state.v0[i] = sc.data["v0"]
            return True
        return False

    def _oncoming_clear(self, state: AgentState, i: int, tp, accept_gap: float) -> bool:
        """No vehicle on the approach's road coming the other way reaches (or is in) the
        junction box within ``accept_gap`` seconds."""
        net = self.world.network
        b0, b1 = net.box_main if tp.road == 0 else net.box_cross
        me_dir = state.dirn[i]
        for j in range(len(state)):
            if j == i or state.road[j] != tp.road or state.dirn[j] == me_dir or state.walker[j]:
                continue
            # distance from j's front to the box, along j's direction
            front = state.s[j] + state.dirn[j] * 0.5 * state.length[j]
            edge = b0 if state.dirn[j] > 0 else b1
            dist = state.dirn[j] * (edge - front)
            rear_past = state.dirn[j] * (state.s[j] - state.dirn[j] * 0.5 * state.length[j] - (b1 if state.dirn[j] > 0 else b0)) > 0
            if rear_past:
                continue
            if dist <= 0.0 or dist < accept_gap * max(state.v[j], 0.0):
                return False
        return True

    def after_step(self, state: AgentState, t: float, lane_change_done: np.ndarray) -> None:
        """Finish maneuvers that completed during the step that ended at time t.

        ``lane_change_done``: from the step kernel, a lane change closed (vehicles) or a
        walker arrived at its target."""
        for sc in self.scripts:
            m = sc.running
            if m is None:
                continue
            i = sc.agent
            lane_width = self._lane_width(state, i)
            if isinstance(m, CutIn) and not sc.crossing_logged:
                boundary = state.lc_d1[i] + (0.5 * lane_width if state.lc_d0[i] > state.lc_d1[i] else -0.5 * lane_width)
                crossed = (state.d[i] - boundary) * (state.lc_d0[i] - boundary) <= 0.0
                if crossed:
                    sc.crossing_logged = True
                    self.emit(t, i, "cut_in_crossing", gap=round(gap_ahead(state, i, m.target), 6),
                              target=m.target)
            done = False
            if isinstance(m, (LaneChange, CutIn, CutOut)):
                done = bool(lane_change_done[i])
            elif isinstance(m, HardBrake):
                done = state.v[i] <= 1e-6 or (m.duration is not None and t - sc.started_at >= m.duration - 1e-9)
                if done:
                    state.acc_override[i] = np.nan
            elif isinstance(m, (SetSpeed, Mobil)):
                done = True  # it only changes parameters; the kernels do the rest
            elif isinstance(m, (Stop, Stalled)):
                done = state.v[i] <= 1e-6  # the override stays on: it holds the car standing
            elif isinstance(m, Accelerate):
                done = state.v[i] >= m.speed - 1e-6
                if done:
                    state.acc_override[i] = np.nan
            elif isinstance(m, Turn):
                done = self._turn_step(sc, m, state, t)
            elif isinstance(m, FollowPath):
                road = self.world.roads[state.road[i]]
                done = state.s[i] >= road.length - 0.5
                if done:
                    self._leave_path(state, i)
            elif isinstance(m, Cross):
                done = bool(lane_change_done[i])
                if done:
                    state.tgt_s[i] = np.nan
                    if m.then == "stop":
                        state.v0[i] = 0.1
                        state.acc_override[i] = -3.0
            if done:
                sc.running = None
                self.emit(t, i, f"{m.name}_done")

    def _leave_path(self, state: AgentState, i: int) -> None:
        """At a path's end: rejoin the main road's lane there, or stop off the carriageway."""
        main = self.world.roads[0]
        s, d = main.to_lane([state.x[i]], [state.y[i]])
        if 0.0 <= d[0] <= main.width and 0.0 <= s[0] <= main.length:
            self.world.move_to_road(i, 0)
        else:
            state.acc_override[i] = -3.0
