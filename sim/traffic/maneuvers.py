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

from sim.traffic.state import AgentState


@dataclass(frozen=True)
class Trigger:
    """When a maneuver starts.

    kind: ``immediate``; ``time`` (t >= at); ``gap`` (bumper gap to ``other``, positive when
    this agent is ahead, compared with ``above``/``below``); ``distance`` (centre distance to
    ``other``); ``ttc`` (time to collision with ``other`` below ``below``); ``event``
    (``other`` has emitted ``event``, e.g. ``lane_change_done``).
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


Maneuver = LaneChange | CutIn | HardBrake | SetSpeed | CutOut | Stop | Accelerate | Stalled | Mobil


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


class ScriptRunner:
    """Evaluates triggers and starts/finishes maneuvers; records events."""

    def __init__(self, scripts: dict[int, tuple[Maneuver, ...]]) -> None:
        self.scripts = [Script(agent, tuple(m)) for agent, m in sorted(scripts.items())]
        self._script_of = {sc.agent: sc for sc in self.scripts}
        self.n_lanes = 1 << 30  # the World sets the road's lane count
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
        else:  # pragma: no cover - the schema only builds known kinds
            raise ValueError(f"unknown trigger kind {trig.kind!r}")
        if trig.above is not None and not value >= trig.above:
            return False
        if trig.below is not None and not value <= trig.below:
            return False
        return True

    def act(self, state: AgentState, t: float, lane_width: float) -> bool:
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
            if self._start(m, state, i, t, lane_width):
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
                if not 0 <= to_lane < self.n_lanes:
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
        return True

    def after_step(self, state: AgentState, t: float, lane_change_done: np.ndarray, lane_width: float) -> None:
        """Finish maneuvers that completed during the step that ended at time t."""
        for sc in self.scripts:
            m = sc.running
            if m is None:
                continue
            i = sc.agent
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
            if done:
                sc.running = None
                self.emit(t, i, f"{m.name}_done")
