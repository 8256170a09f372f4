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


Maneuver = LaneChange | CutIn | HardBrake | SetSpeed


@dataclass(frozen=True)
class Event:
    t: float
    agent: int  # index
    name: str
    data: dict = field(default_factory=dict)


def bumper_gap(state: AgentState, i: int, j: int) -> float:
    """Longitudinal bumper-to-bumper gap [m] from j to i along s; positive when i is ahead."""
    return float(state.s[i] - state.s[j] - 0.5 * (state.length[i] + state.length[j]))


def time_to_collision(state: AgentState, i: int, j: int) -> float:
    """Time [s] until i and j touch if both keep their speed along s (inf if not closing)."""
    g = bumper_gap(state, i, j)
    closing = (state.v[j] - state.v[i]) if g >= 0 else (state.v[i] - state.v[j])
    if closing <= 0.0:
        return math.inf
    return max(abs(g), 0.0) / closing


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
            self._start(m, state, i, t, lane_width)
            started = True
        return started

    def _cut_in_ready(self, m: CutIn, state: AgentState, i: int) -> bool:
        """Predicted gap at the lane-line crossing (half the duration ahead) reached?"""
        predicted = bumper_gap(state, i, m.target) + (state.v[i] - state.v[m.target]) * 0.5 * m.duration
        return predicted >= m.gap

    def _start(self, m: Maneuver, state: AgentState, i: int, t: float, lane_width: float) -> None:
        if isinstance(m, (LaneChange, CutIn)):
            to_lane = m.to_lane if isinstance(m, LaneChange) else int(state.lane[m.target])
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
            self.emit(t, i, f"{m.name}_start", speed=m.speed)

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
                    self.emit(t, i, "cut_in_crossing", gap=round(bumper_gap(state, i, m.target), 6),
                              target=m.target)
            done = False
            if isinstance(m, (LaneChange, CutIn)):
                done = bool(lane_change_done[i])
            elif isinstance(m, HardBrake):
                done = state.v[i] <= 1e-6 or (m.duration is not None and t - sc.started_at >= m.duration - 1e-9)
                if done:
                    state.acc_override[i] = np.nan
            elif isinstance(m, SetSpeed):
                done = True  # it only changes the desired speed; IDM does the rest
            if done:
                sc.running = None
                self.emit(t, i, f"{m.name}_done")
