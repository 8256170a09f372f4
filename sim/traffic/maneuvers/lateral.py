"""Maneuvers that move an agent across lanes: lane change, cut-in, cut-out. Each writes a
lane-change path (``lc_*``) and the step kernel drives it; done when the kernel closes it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import CutInSpec, CutOutSpec, LaneChangeSpec
from sim.traffic.maneuvers.base import Maneuver, Trigger, gap_ahead, registers
from sim.traffic.state import AgentState


def _begin_lane_change(
    run, m: Maneuver, state: AgentState, i: int, t: float, to_lane: int, duration: float
) -> None:
    """Write the lane-change path of agent i into lane ``to_lane`` over ``duration`` [s]."""
    lane_width = run.lane_width(state, i)
    state.lc_active[i] = True
    state.lc_s0[i] = state.s[i]
    state.lc_len[i] = max(state.v[i], 1.0) * duration
    state.lc_d0[i] = state.d[i]
    state.lc_d1[i] = (to_lane + 0.5) * lane_width
    run.emit(t, i, f"{m.name}_start", to_lane=run.lane_label(state, i, to_lane))


class _LaneChanging(Maneuver):
    def progress(self, run, sc, state: AgentState, t: float, done: np.ndarray) -> bool:
        return bool(done[sc.agent])


@registers(LaneChangeSpec)
@dataclass(frozen=True)
class LaneChange(_LaneChanging):
    to_lane: int
    duration: float
    trigger: Trigger = Trigger()
    name: str = "lane_change"

    @classmethod
    def from_spec(cls, spec, trigger, index):
        return cls(int(spec.to_lane), float(spec.duration), trigger)

    def start(self, run, sc, state, i, t):
        to_lane = run.sim_lane(state, i, self.to_lane)
        if to_lane is None:  # on a map: the road it is on has no such lane
            run.emit(t, i, f"{self.name}_impossible", to_lane=self.to_lane)
            return False
        _begin_lane_change(run, self, state, i, t, to_lane, self.duration)
        return True


@registers(CutInSpec)
@dataclass(frozen=True)
class CutIn(_LaneChanging):
    """Change into ``target``'s lane so that the bumper gap to it is ``gap`` [m] at the moment
    this agent's centre crosses the lane line (half-way through the ``duration`` [s] change)."""

    target: int
    gap: float
    duration: float
    trigger: Trigger = Trigger()
    name: str = "cut_in"

    @classmethod
    def from_spec(cls, spec, trigger, index):
        return cls(index[spec.target], float(spec.gap), float(spec.duration), trigger)

    def ready(self, run, state, i):
        """On the target's road (a map's roads are its lane sections) and the predicted gap
        at the lane-line crossing (half the duration ahead) reached?"""
        if state.road[i] != state.road[self.target]:
            return False
        closing = (state.v[i] - state.v[self.target]) * 0.5 * self.duration
        return gap_ahead(state, i, self.target) + closing >= self.gap

    def start(self, run, sc, state, i, t):
        to_lane = int(state.lane[self.target])
        _begin_lane_change(run, self, state, i, t, to_lane, self.duration)
        return True

    def progress(self, run, sc, state, t, done):
        i = sc.agent
        if not sc.crossing_logged:
            half = 0.5 * run.lane_width(state, i)
            boundary = state.lc_d1[i] + (half if state.lc_d0[i] > state.lc_d1[i] else -half)
            if (state.d[i] - boundary) * (state.lc_d0[i] - boundary) <= 0.0:
                sc.crossing_logged = True
                run.emit(
                    t,
                    i,
                    "cut_in_crossing",
                    gap=round(gap_ahead(state, i, self.target), 6),
                    target=self.target,
                )
        return bool(done[i])


@registers(CutOutSpec)
@dataclass(frozen=True)
class CutOut(_LaneChanging):
    """Leave the current lane for the adjacent one on ``side`` (``left`` or ``right``) over
    ``duration`` [s] -- typically a lead car swerving round an obstacle it revealed."""

    side: str = "left"
    duration: float = 2.5
    trigger: Trigger = Trigger()
    name: str = "cut_out"

    @classmethod
    def from_spec(cls, spec, trigger, index):
        return cls(spec.side, float(spec.duration), trigger)

    def start(self, run, sc, state, i, t):
        to_lane = int(state.lane[i]) + (1 if self.side == "left" else -1)
        road = run.world.roads[state.road[i]]
        if not 0 <= to_lane < road.total_lanes or road.lane_direction(
            to_lane
        ) != road.lane_direction(int(state.lane[i])):
            run.emit(t, i, f"{self.name}_impossible", to_lane=to_lane)
            return False
        _begin_lane_change(run, self, state, i, t, to_lane, self.duration)
        return True
