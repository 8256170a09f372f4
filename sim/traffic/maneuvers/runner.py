"""The script runner: evaluates triggers, starts maneuvers and finishes them, records events.

Triggers and maneuvers are evaluated once per step in Python: they concern the handful of
scripted agents, never the whole population. The runner sees the World only through a
:class:`~sim.traffic.maneuvers.base.WorldView` (roads, network, add a road, move an agent).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.traffic.maneuvers.base import (
    Event,
    Maneuver,
    Trigger,
    WorldView,
    bumper_gap,
    time_to_collision,
)
from sim.traffic.state import AgentState


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
        self.world: WorldView | None = None  # bind(): what of the World scripts may use
        self.active: np.ndarray | None = None  # (N,) bool, who is in the scene (the World's)
        self.events: list[Event] = []
        self._emitted: set[tuple[int, str]] = set()
        # odometers [m] (the path each agent has driven, step by step), kept only when a
        # ``travel`` trigger reads them
        self._travels = any(m.trigger.kind == "travel" for sc in self.scripts for m in sc.maneuvers)
        self._odometer: np.ndarray | None = None
        self._last_xy: tuple[np.ndarray, np.ndarray] | None = None

    def bind(self, world: WorldView) -> None:
        """Give the runner its view of the World (the World does, when it is built)."""
        self.world = world

    def emit(self, t: float, agent: int, name: str, **data) -> None:
        self.events.append(Event(round(t, 9), agent, name, data))
        self._emitted.add((agent, name))

    def has_emitted(self, agent: int, name: str) -> bool:
        return (agent, name) in self._emitted

    def _drive_odometers(self, state: AgentState) -> None:
        """Add each agent's step (the chord from its last position) to its odometer; the
        first call (before the first step) sets them to 0."""
        if self._odometer is None or self._last_xy is None:
            self._odometer = np.zeros(len(state.x))
        else:
            x0, y0 = self._last_xy
            self._odometer += np.hypot(state.x - x0, state.y - y0)
        self._last_xy = (state.x.copy(), state.y.copy())

    def lane_width(self, state: AgentState, i: int) -> float:
        """Lane width [m] of the road agent i is on."""
        return self.world.roads[state.road[i]].lane_width

    def _piece(self, state: AgentState, i: int):
        """On an OpenDRIVE map, the lane section agent i is on (its lanes' ids), else None."""
        pieces = getattr(self.world.network, "pieces", None)
        return pieces[state.road[i]] if pieces else None

    def sim_lane(self, state: AgentState, i: int, lane: int) -> int | None:
        """The index on agent i's road of a scenario's lane: on sim's road the index itself;
        on a map the OpenDRIVE lane id, None where the lane section i is on has no such
        drivable lane (one side of a section is one road there)."""
        piece = self._piece(state, i)
        if piece is None:
            return lane
        return piece.lane_ids.index(lane) if lane in piece.lane_ids else None

    def lane_label(self, state: AgentState, i: int, k: int) -> int:
        """Lane index k of agent i's road as a scenario names it (the OpenDRIVE id on a map)."""
        piece = self._piece(state, i)
        return k if piece is None else int(piece.lane_ids[k])

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
        elif trig.kind == "position":
            return math.hypot(state.x[me] - trig.x, state.y[me] - trig.y) <= trig.at
        elif trig.kind == "travel":
            return self._odometer is not None and self._odometer[me] >= trig.at - 1e-9
        else:  # pragma: no cover - the schema only builds known kinds
            raise ValueError(f"unknown trigger kind {trig.kind!r}")
        if trig.above is not None and not value >= trig.above:
            return False
        if trig.below is not None and not value <= trig.below:
            return False
        return True

    def act(self, state: AgentState, t: float) -> bool:
        """Start maneuvers whose trigger fires at time t (before the physics step).

        Returns whether any maneuver started.
        """
        started = False
        if self._travels and self._odometer is None:
            self._drive_odometers(state)
        for sc in self.scripts:
            i = sc.agent
            if sc.running is not None or sc.next_index >= len(sc.maneuvers):
                continue
            m = sc.maneuvers[sc.next_index]
            if not self._fires(m.trigger, state, i, t) or not m.ready(self, state, i):
                continue
            sc.next_index += 1
            sc.running = m
            sc.started_at = t
            sc.crossing_logged = False
            sc.phase = 0
            sc.data = {}
            if m.start(self, sc, state, i, t):
                started = True
            else:
                sc.running = None
        return started

    def after_step(self, state: AgentState, t: float, lane_change_done: np.ndarray) -> None:
        """Finish maneuvers that completed during the step that ended at time t.

        ``lane_change_done``: from the step kernel, a lane change closed (vehicles) or a
        walker arrived at its target."""
        if self._travels:
            self._drive_odometers(state)
        for sc in self.scripts:
            m = sc.running
            if m is None:
                continue
            if m.progress(self, sc, state, t, lane_change_done):
                sc.running = None
                self.emit(t, sc.agent, f"{m.name}_done")
