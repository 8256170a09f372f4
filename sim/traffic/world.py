"""The World: road + agent arrays + scripts, advanced one fixed step at a time.

``World.step()`` is act-then-move: scripts start maneuvers from the current state, every
agent decides from the same frozen state (kernels._controls), then every agent moves
(kernels._integrate). ``simulate()`` runs a whole episode and returns a Trajectory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.road import Road
from sim.traffic import kernels
from sim.traffic import params as P
from sim.traffic.maneuvers import Event, Maneuver, ScriptRunner
from sim.traffic.state import AgentState


_HINT_WINDOW = 8  # [samples] search window around a caller-given s at start


@dataclass(frozen=True)
class Collision:
    step: int
    t: float
    a: int  # agent index
    b: int
    impact_speed: float  # [m/s], norm of the relative velocity


class World:
    """Road + agents + scripts. ``step()`` costs a fixed handful of kernel calls (see
    kernels.py); Python only runs per scripted agent and per collision.

    ``parallel``: use the threaded step kernel (worth it from a few thousand agents on an
    idle machine; the serial one is steadier on a busy one). Results are identical.
    """

    def __init__(
        self,
        road: Road,
        state: AgentState,
        dt: float,
        scripts: dict[int, tuple[Maneuver, ...]] | None = None,
        stop_on_collision: bool = False,
        parallel: bool = False,
    ) -> None:
        if dt <= 0:
            raise ValueError("dt must be positive")
        self.road = road
        self.state = state
        self.dt = float(dt)
        self.step_index = 0
        self.scripts = ScriptRunner(scripts or {})
        self.scripts.n_lanes = road.lanes
        self.stop_on_collision = stop_on_collision
        self.stopped = False
        self.collisions: list[Collision] = []
        self._colliding: set[tuple[int, int]] = set()
        self._step_kernel = kernels._step_parallel if parallel else kernels._step
        n = len(state)
        self.active = np.ones(n, dtype=np.bool_)
        self.leader = np.full(n, -1, dtype=np.int32)
        self.gap = np.full(n, np.inf)
        self._v_lead = np.zeros(n)
        # cos/sin of every heading, kept current by the step kernel (yaw changes nowhere else)
        self._cos_yaw = np.cos(state.yaw)
        self._sin_yaw = np.sin(state.yaw)
        self._done = np.zeros(n, dtype=np.bool_)
        self._started = np.zeros(n, dtype=np.bool_)
        self._lane_stride = road.length + 1e4
        self._lc_lane = np.zeros(n, dtype=np.int32)
        self._key = np.zeros(n)
        self._sorted_key = np.zeros(n)
        self._rank = np.zeros(n, dtype=np.int64)
        self._claimed = np.zeros(n, dtype=np.bool_)
        self.order = np.arange(n, dtype=np.int64)
        self._grid_key = np.zeros(n, dtype=np.int64)
        self._grid_order = np.arange(n, dtype=np.int64)
        # initial lane coordinates: from the caller's s as a hint when it gave one (builders
        # place agents by (s, d)), else an exhaustive projection; hinted updates after that
        if np.any(state.s != 0.0):
            s, d = road.to_lane(state.x, state.y, s_hint=state.s, window=_HINT_WINDOW)
        else:
            s, d = road.to_lane(state.x, state.y)
        state.s[:] = s
        state.d[:] = d
        state.lane[:] = road.lane_of(d)
        self._refresh_order()

    @property
    def t(self) -> float:
        return self.step_index * self.dt

    def _refresh_order(self) -> None:
        st, road = self.state, self.road
        kernels._refresh(
            self.order, self._key, self._sorted_key, self._rank, self._lane_stride,
            road.lane_width, road.lanes, self.active,
            st.lane, st.s, st.d, st.v, st.width, st.length, st.lc_active, st.lc_d1, self._lc_lane,
            self.leader, self.gap, self._v_lead,
        )

    def step(self) -> None:
        """Advance by one step of ``dt``."""
        if self.stopped:
            return
        st, road = self.state, self.road
        if self.scripts.act(st, self.t, road.lane_width):
            self._refresh_order()  # a lane change started: it now occupies two lanes
        self._step_kernel(
            self.dt, road.segment_table, road.lane_width, road.lanes, P.LOOKAHEAD_TIME,
            P.LOOKAHEAD_MIN,
            P.LOOKAHEAD_MAX, self.active, st.x, st.y, st.yaw, st.v, st.a, st.steer, st.s, st.d,
            st.lane, st.wheelbase, st.v0, st.T, st.s0, st.a_max, st.b_comf, st.delta, st.b_max,
            st.steer_max, st.steer_rate_max, st.d_ref, st.lc_active, st.lc_s0, st.lc_len,
            st.lc_d0, st.lc_d1, st.acc_override, self.leader, self.gap, self._v_lead,
            self._cos_yaw, self._sin_yaw, self._done,
        )
        self.step_index += 1
        self.scripts.after_step(st, self.t, self._done, road.lane_width)
        self._detect_collisions()
        self._refresh_order()  # leaders and gaps of the new state
        if self._mobil_on:
            started = kernels._mobil(
                self.step_index, P.MOBIL_PERIOD, self.dt, self.order, self._sorted_key,
                self._rank, self._claimed, self._lane_stride, road.lane_width, road.lanes,
                self.active, st.lane, st.s,
                st.d, st.v, st.length, st.v0, st.T, st.s0, st.a_max, st.b_comf, st.delta,
                st.acc_override, st.mobil, st.politeness, st.mobil_threshold, st.b_safe,
                st.lc_duration, st.lc_cooldown, st.lc_active, st.lc_s0, st.lc_len, st.lc_d0,
                st.lc_d1, self._started,
            )
            if started:
                for i in np.flatnonzero(self._started):
                    self.scripts.emit(self.t, int(i), "mobil_lane_change_start",
                                      to_lane=int(road.lane_of(st.lc_d1[i])))
                self._started[:] = False

    @property
    def _mobil_on(self) -> bool:
        return bool(self.state.mobil.any())

    def _detect_collisions(self) -> None:
        st = self.state
        pairs = kernels._collisions(
            self._grid_order, self._grid_key, self.active, st.x, st.y, self._cos_yaw,
            self._sin_yaw, st.length, st.width,
        )
        if pairs.shape[0] == 0 and not self._colliding:
            return
        now = set()
        for a, b in pairs:
            key = (int(a), int(b))
            now.add(key)
            st.collided[a] = True
            st.collided[b] = True
            if key not in self._colliding:
                va = np.array([math.cos(st.yaw[a]), math.sin(st.yaw[a])]) * st.v[a]
                vb = np.array([math.cos(st.yaw[b]), math.sin(st.yaw[b])]) * st.v[b]
                self.collisions.append(
                    Collision(self.step_index, round(self.t, 9), key[0], key[1],
                              float(np.linalg.norm(va - vb)))
                )
        self._colliding = now
        if pairs.shape[0] and self.stop_on_collision:
            self.stopped = True


TRACK_FIELDS = ("x", "y", "yaw", "v", "a", "steer", "s", "d", "lane", "collided")


@dataclass
class Trajectory:
    """Every agent's state at every step 0..n_steps (rows), agents in columns.

    t : (S,) [s]; x, y, yaw, v, a, steer, s, d : (S, N) float64; lane : (S, N) int32;
    collided : (S, N) bool; leader : (S, N) int32 (-1 none); gap : (S, N) [m] to the leader.
    """

    t: np.ndarray
    x: np.ndarray
    y: np.ndarray
    yaw: np.ndarray
    v: np.ndarray
    a: np.ndarray
    steer: np.ndarray
    s: np.ndarray
    d: np.ndarray
    lane: np.ndarray
    collided: np.ndarray
    leader: np.ndarray
    gap: np.ndarray
    events: list[Event] = field(default_factory=list)
    collisions: list[Collision] = field(default_factory=list)

    @property
    def n_steps(self) -> int:
        return self.t.shape[0] - 1


def simulate(world: World, n_steps: int) -> Trajectory:
    """Run ``n_steps`` steps, recording the state before the first and after each step."""
    st = world.state
    n = len(st)
    rec = {name: np.zeros((n_steps + 1, n), dtype=getattr(st, name).dtype) for name in TRACK_FIELDS}
    leader = np.zeros((n_steps + 1, n), dtype=np.int32)
    gap = np.zeros((n_steps + 1, n))
    t = np.zeros(n_steps + 1)
    for k in range(n_steps + 1):
        if k > 0:
            world.step()
        for name in TRACK_FIELDS:
            rec[name][k] = getattr(st, name)
        leader[k] = world.leader
        gap[k] = world.gap
        t[k] = k * world.dt
    return Trajectory(t=t, leader=leader, gap=gap, events=list(world.scripts.events),
                      collisions=list(world.collisions), **rec)
