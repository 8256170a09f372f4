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


@dataclass(frozen=True)
class Collision:
    step: int
    t: float
    a: int  # agent index
    b: int
    impact_speed: float  # [m/s], norm of the relative velocity


class World:
    def __init__(
        self,
        road: Road,
        state: AgentState,
        dt: float,
        scripts: dict[int, tuple[Maneuver, ...]] | None = None,
        stop_on_collision: bool = False,
    ) -> None:
        if dt <= 0:
            raise ValueError("dt must be positive")
        self.road = road
        self.state = state
        self.dt = float(dt)
        self.step_index = 0
        self.scripts = ScriptRunner(scripts or {})
        self.stop_on_collision = stop_on_collision
        self.stopped = False
        self.collisions: list[Collision] = []
        self._colliding: set[tuple[int, int]] = set()
        n = len(state)
        self.active = np.ones(n, dtype=np.bool_)
        self.leader = np.full(n, -1, dtype=np.int32)
        self.gap = np.full(n, np.inf)
        self._acc = np.zeros(n)
        self._steer = np.zeros(n)
        self._done = np.zeros(n, dtype=np.bool_)
        self._lane_stride = road.length + 1e4
        self._lc_lane = np.zeros(n, dtype=np.int32)
        self._key = np.zeros(n)
        self.order = np.arange(n, dtype=np.int64)
        # initial lane coordinates: exact global projection once, then hinted updates
        s, d = road.to_lane(state.x, state.y)
        state.s[:] = s
        state.d[:] = d
        state.lane[:] = road.lane_of(d)
        self._refresh_order()

    @property
    def t(self) -> float:
        return self.step_index * self.dt

    def _refresh_order(self) -> None:
        st = self.state
        np.copyto(self._key, st.lane * self._lane_stride + st.s)
        self._key[~self.active] = kernels._INACTIVE_KEY
        kernels._insertion_sort(self.order, self._key)
        # An agent changing lanes joins its target lane's traffic once its body overlaps
        # that lane: followers there react from then on, not from the first blink.
        target = self.road.lane_of(st.lc_d1)
        overlaps = np.abs(st.d - self.road.lane_center(target)) < 0.5 * (self.road.lane_width + st.width)
        np.copyto(self._lc_lane, np.where(st.lc_active & overlaps, target, st.lane))
        kernels._find_leaders(
            self.order, self._key, st.lane, st.s, st.length, self.active, st.lc_active,
            self._lc_lane, self._lane_stride, self.leader, self.gap,
        )

    def step(self) -> None:
        """Advance by one step of ``dt``."""
        if self.stopped:
            return
        st, road = self.state, self.road
        if self.scripts.act(st, self.t, road.lane_width):
            self._refresh_order()  # a lane change started: it now occupies two lanes
        kernels._controls(
            road.ref_x, road.ref_y, road.ref_heading, road.ds, self.active,
            st.x, st.y, st.yaw, st.v, st.s, st.length, st.wheelbase,
            st.v0, st.T, st.s0, st.a_max, st.b_comf, st.delta, st.b_max,
            st.d_ref, st.lc_active, st.lc_s0, st.lc_len, st.lc_d0, st.lc_d1, st.acc_override,
            self.leader, self.gap, P.LOOKAHEAD_TIME, P.LOOKAHEAD_MIN, P.LOOKAHEAD_MAX,
            self._acc, self._steer,
        )
        kernels._integrate(
            self.dt, self.active, st.x, st.y, st.yaw, st.v, st.a, st.steer, st.wheelbase,
            st.steer_max, st.steer_rate_max, self._acc, self._steer,
        )
        kernels._update_lane_coords(
            road.ref_x, road.ref_y, road.ref_heading, road.ds, road.lane_width, road.lanes, self.active,
            st.x, st.y, st.s, st.d, st.lane,
        )
        kernels._finish_lane_changes(
            self.active, st.s, st.lc_active, st.lc_s0, st.lc_len, st.lc_d1, st.d_ref, self._done
        )
        self.step_index += 1
        self.scripts.after_step(st, self.t, self._done, road.lane_width)
        self._detect_collisions()
        self._refresh_order()  # leaders and gaps of the new state

    def _detect_collisions(self) -> None:
        st = self.state
        pairs = kernels._collision_pairs(self.active, st.x, st.y, st.yaw, st.length, st.width)
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
