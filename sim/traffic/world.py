"""The World: road + agent arrays + scripts, advanced one fixed step at a time.

``World.step()`` is act-then-move: scripts start maneuvers from the current state, then the
step kernel (sim.traffic.kernels.motion) lets every agent decide from the same frozen state
and then move; the ordering, collision and MOBIL kernels follow. ``simulate()`` runs a
whole episode and returns a Trajectory.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from sim.road import Network, Road
from sim.road.network import GREEN
from sim.traffic import params as P
from sim.traffic.kernels import (
    Agents,
    Boxes,
    Grid,
    Idm,
    LanePath,
    Limits,
    MobilParams,
    Roads,
    Traffic,
    validate,
)
from sim.traffic.kernels.collisions import _collisions, _collisions_parallel
from sim.traffic.kernels.lane_change import _mobil, _mobil_parallel
from sim.traffic.kernels.motion import _lane_at, _step, _step_parallel
from sim.traffic.kernels.ordering import _refresh, _refresh_parallel
from sim.traffic.maneuvers import Event, Maneuver, ScriptRunner, WorldView
from sim.traffic.state import AgentState
from sim.traffic.threads import KernelChooser

_HINT_WINDOW = 8  # [samples] search window around a caller-given s at start
DEFAULT_DT = 0.05  # [s] the scenario format's default physics step


_KERNELS = (
    _step,
    _step_parallel,
    _refresh,
    _refresh_parallel,
    _collisions,
    _collisions_parallel,
    _mobil,
    _mobil_parallel,
)


class _Direct:
    """A kernel called, after its first call, through the machine code compiled for this
    World's argument types, skipping Numba's per-call type dispatch: for bundles (tuples of
    arrays) the dispatcher spends ~8 us a call working out their types, more than the whole
    step at 50 agents. A World's bundles keep their types (validated once), so the entry
    point found after the first call fits every later one; if Numba has no such entry
    point, the dispatcher keeps being called."""

    def __init__(self, kernel) -> None:
        self.kernel = kernel
        self.call = None

    def __call__(self, *args):
        if self.call is not None:
            return self.call(*args)
        out = self.kernel(*args)
        try:
            types = tuple(self.kernel.typeof_pyval(a) for a in args)
            self.call = self.kernel.overloads[types].entry_point
        except (AttributeError, KeyError):
            self.call = self.kernel
        return out


@dataclass(frozen=True)
class Collision:
    step: int
    t: float
    a: int  # agent index
    b: int
    impact_speed: float  # [m/s], norm of the relative velocity


class World:
    """Roads + agents + scripts. ``step()`` costs a fixed handful of kernel calls (see
    sim.traffic.kernels); Python only runs per scripted agent and per collision. The kernels
    take named bundles of the World's arrays (sim.traffic.kernels.bundles), built and
    validated once here; the arrays are updated in place.

    ``road`` is a Road (one road) or a Network (main road, cross street, traffic lights);
    ``self.roads`` lists them, then the turn and follow-a-path paths added by maneuvers.

    ``parallel``: ``False`` (default) runs the serial kernels; ``True`` lets the World
    choose, step by step, between the threaded kernels (step, refresh, collision sweep,
    MOBIL; worth it from a few thousand agents) and the serial ones, by timing its own steps
    (:class:`sim.traffic.threads.KernelChooser`: on a machine whose cores are busy with other
    work, threads can lose to one core, and then it runs serial); ``"always"`` runs the
    threaded kernels whatever they cost (benches, tests). The results are bit-identical in
    every case: the choice changes only the wall time.

    Building one from Python: :meth:`from_agents` (vehicles on a road by lane and s, every
    other quantity a physical default) or a state from :meth:`AgentState.vehicles`; see
    docs/traffic.md. A state whose values cannot be physical (``AgentState.validate``) is
    refused with ValueError.
    """

    @classmethod
    def from_agents(
        cls,
        road: Road | Network,
        s,
        lane=0,
        v=0.0,
        dt: float = DEFAULT_DT,
        scripts: dict[int, tuple[Maneuver, ...]] | None = None,
        stop_on_collision: bool = False,
        parallel: bool | str = False,
        **values,
    ) -> World:
        """A World of vehicles on ``road`` (its main road when a Network): agent ``i`` on
        the centre of ``lane[i]`` at arc length ``s[i]`` [m] with speed ``v[i]`` [m/s];
        every other quantity is a physical default or given by keyword (any AgentState
        field, a scalar or one value per agent: ``v0``, ``length``, ``b_max``, ...).
        ``dt`` [s]: the step. Agent ``i`` has id ``i + 1``.

            world = World.from_agents(Road.straight(500.0, 2, 3.5), s=[10.0, 60.0], v=[15.0, 0.0])
        """
        main = road.main if isinstance(road, Network) else road
        state = AgentState.vehicles(main, s, lane=lane, v=v, **values)
        return cls(road, state, dt, scripts, stop_on_collision=stop_on_collision, parallel=parallel)

    def __init__(
        self,
        road: Road | Network,
        state: AgentState,
        dt: float,
        scripts: dict[int, tuple[Maneuver, ...]] | None = None,
        stop_on_collision: bool = False,
        parallel: bool | str = False,
    ) -> None:
        if not dt > 0 or not math.isfinite(dt):
            raise ValueError(f"dt must be a positive number of seconds, got {dt!r}")
        if parallel not in (False, True, "always"):
            raise ValueError(f"parallel must be False, True or 'always', got {parallel!r}")
        state.validate()
        self.network = road if isinstance(road, Network) else Network(road)
        self.road = self.network.main
        self.roads: list[Road] = list(self.network.roads)
        self.state = state
        self.dt = float(dt)
        self.step_index = 0
        self.scripts = ScriptRunner(scripts or {})
        # scripts see roads, network and two calls, not the World
        self.scripts.bind(WorldView(self.roads, self.network, self.add_road, self.move_to_road))
        self.stop_on_collision = stop_on_collision
        self.stopped = False
        self.collisions: list[Collision] = []
        self.spawner = None  # a sim.traffic.spawn.Spawner keeps the traffic around the ego steady
        self.router = None  # a sim.traffic.routing.Router: links, junction yielding (networks)
        self._colliding: set[tuple[int, int]] = set()
        # threaded or serial kernels: fixed, or chosen per step from measured step times
        self.chooser = KernelChooser() if parallel is True else None
        self._use_kernels(parallel is not False)
        n = len(state)
        self.active = np.ones(n, dtype=np.bool_)
        self.scripts.active = self.active  # (the same array: scripts see who is on stage)
        self.leader = np.full(n, -1, dtype=np.int32)
        self.gap = np.full(n, np.inf)
        self._v_lead = np.zeros(n)
        # cos/sin of every heading, kept current by the step kernel (yaw changes nowhere else)
        self._cos_yaw = np.cos(state.yaw)
        self._sin_yaw = np.sin(state.yaw)
        self._done = np.zeros(n, dtype=np.bool_)
        self._started = np.zeros(n, dtype=np.bool_)
        self._build_road_tables()
        self._lc_lane = np.zeros(n, dtype=np.int32)
        self._glane = np.zeros(n, dtype=np.int32)
        self.gap_ctl = np.full(n, np.inf)
        self._v_ctl = np.zeros(n)
        self._key = np.zeros(n)
        self._sorted_key = np.zeros(n)
        self._rank = np.zeros(n, dtype=np.int64)
        self._claimed = np.zeros(n, dtype=np.bool_)
        self.order = np.arange(n, dtype=np.int64)
        self._grid_key = np.zeros(n, dtype=np.int64)
        self._grid_order = np.arange(n, dtype=np.int64)
        self._bundle()
        # initial lane coordinates: from the caller's s as a hint when it gave one (builders
        # place agents by (s, d)), else an exhaustive projection; hinted updates after that
        for r, rd in enumerate(self.roads):
            on = state.road == r
            if not on.any():
                continue
            if np.any(state.s[on] != 0.0):
                s, d = rd.to_lane(state.x[on], state.y[on], s_hint=state.s[on], window=_HINT_WINDOW)
            else:
                s, d = rd.to_lane(state.x[on], state.y[on])
            state.s[on] = s
            state.d[on] = d
            base = int(self._road_lanes[r, 0])
            state.lane[on] = [
                _lane_at(self._lane_tab, base, rd.total_lanes, rd.lane_width, si, di)
                for si, di in zip(s, d, strict=True)
            ]
            # d_ref NaN (AgentState.empty): keep to the centre of the lane it starts in
            unset = on & np.isnan(state.d_ref)
            if unset.any():
                k = state.lane[unset]
                centre = rd.lane_center(np.maximum(k, 0))
                state.d_ref[unset] = np.where(k >= 0, centre, state.d[unset])
        self._update_signals()
        self._refresh_order()

    def _use_kernels(self, threaded: bool) -> None:
        """Point the step at the threaded or the serial kernels (same results)."""
        self._threaded = threaded
        if not hasattr(self, "_direct"):
            self._direct = {k: _Direct(k) for k in _KERNELS}
        pick = {kernel: self._direct[kernel] for kernel in _KERNELS}
        self._step_kernel = pick[_step_parallel if threaded else _step]
        self._refresh_kernel = pick[_refresh_parallel if threaded else _refresh]
        self._collision_kernel = pick[_collisions_parallel if threaded else _collisions]
        self._mobil_kernel = pick[_mobil_parallel if threaded else _mobil]

    def _bundle(self) -> None:
        """The kernels' bundles of this World's arrays (shared, not copied), validated once:
        a wrong dtype or length is a ValueError naming the field here, never a silent
        recompile or a swapped argument in the step."""
        st = self.state
        own = {"active": self.active, "cos_yaw": self._cos_yaw, "sin_yaw": self._sin_yaw}
        self._agents = Agents(*(own.get(f, getattr(st, f, None)) for f in Agents._fields))
        self._idm = Idm(*(getattr(st, f) for f in Idm._fields))
        self._limits = Limits(*(getattr(st, f) for f in Limits._fields))
        self._path = LanePath(*(getattr(st, f) for f in LanePath._fields))
        self._mobil_params = MobilParams(
            st.mobil, st.politeness, st.mobil_threshold, st.b_safe, st.lc_duration, st.lc_cooldown
        )
        self._traffic = Traffic(
            self.order,
            self._key,
            self._sorted_key,
            self._rank,
            self._glane,
            self._lc_lane,
            self.leader,
            self.gap,
            self._v_lead,
            self.gap_ctl,
            self._v_ctl,
        )
        self._grid = Grid(self._grid_order, self._grid_key)
        self._boxes = Boxes(
            self.active, st.x, st.y, self._cos_yaw, self._sin_yaw, st.length, st.width
        )
        validate(
            self._agents,
            self._idm,
            self._limits,
            self._path,
            self._mobil_params,
            self._traffic,
            self._grid,
            self._boxes,
            n=len(st),
        )

    def _build_road_tables(self) -> None:
        """Stack every road's segment table and lane table for the kernels."""
        rows, tables, lanes, lane_rows, walls = [], [], [], [], []
        r0, g0 = 0, 0
        for rd in self.roads:
            tables.append(rd.segment_table)
            rows.append((r0, r0 + rd.segment_table.shape[0]))
            r0 += rd.segment_table.shape[0]
            lanes.append((g0, rd.total_lanes, rd.lane_width))
            g0 += rd.total_lanes
            lane_rows.append(rd.lane_table)
            walls += [rd.lane_end_wall(k) for k in range(rd.total_lanes)]
        self._ref_all = np.ascontiguousarray(np.concatenate(tables))
        self._ref_rows = np.array(rows, dtype=np.int64)
        self._road_lanes = np.array(lanes, dtype=np.float64)
        self._lane_tab = np.ascontiguousarray(np.concatenate(lane_rows))
        self._lane_wall = np.array([w if math.isfinite(w) else 1e300 for w in walls])
        self._lane_signal = np.full(g0, np.nan)
        self._lane_stride = max(rd.length for rd in self.roads) + 1e4
        self._roads = Roads(
            self._ref_all,
            self._ref_rows,
            self._road_lanes,
            self._lane_tab,
            self._lane_wall,
            self._lane_signal,
            float(self._lane_stride),
        )
        validate(self._roads)
        self._stop_lines = [
            (int(self._road_lanes[sl.road, 0]) + sl.lane, sl) for sl in self.network.stop_lines
        ]

    def add_road(self, road: Road) -> int:
        """Append a path (turn, follow-a-path) and return its road index."""
        self.roads.append(road)
        self._build_road_tables()
        return len(self.roads) - 1

    def _update_signals(self) -> None:
        """Stop lines of the approaches whose light is not green at time t."""
        if not self.network.signalised:
            return
        states = self.network.signal_state(self.t)
        for g, sl in self._stop_lines:
            self._lane_signal[g] = np.nan if states[sl.group] == GREEN else sl.s

    @property
    def t(self) -> float:
        return self.step_index * self.dt

    def _refresh_order(self) -> None:
        self._refresh_kernel(self._roads, self._agents, self._path, self._traffic)
        if self.router is not None:
            self.router.react(self)  # link leaders, junction walls: before the next step reads

    def step(self) -> None:
        """Advance by one step of ``dt``."""
        if self.stopped:
            return
        chooser = self.chooser
        if chooser is None:
            self._step()
            return
        threaded = chooser.threaded()
        if threaded != self._threaded:
            self._use_kernels(threaded)
        t0 = time.perf_counter()
        self._step()
        chooser.record(threaded, time.perf_counter() - t0)

    def _step(self) -> None:
        st = self.state
        if self.scripts.act(st, self.t):
            self._refresh_order()  # a lane change started: it now occupies two lanes
        self._step_kernel(
            self.dt,
            P.LOOKAHEAD_TIME,
            P.LOOKAHEAD_MAX,
            self._roads,
            self._agents,
            self._idm,
            self._limits,
            self._path,
            self._traffic,
            self._done,
        )
        self.step_index += 1
        self.scripts.after_step(st, self.t, self._done)
        if self.spawner is not None:
            self.spawner.step(self)
        if self.router is not None:
            self.router.step(self)  # links followed, junctions granted, network spawns
        self._detect_collisions()
        self._update_signals()
        self._refresh_order()  # leaders and gaps of the new state
        if self._mobil_on:
            started = self._mobil_kernel(
                self.step_index,
                P.MOBIL_PERIOD,
                self.dt,
                self._roads,
                self._agents,
                self._idm,
                self._path,
                self._mobil_params,
                self._traffic,
                self._claimed,
                self._started,
            )
            if started:
                for i in np.flatnonzero(self._started):
                    rd = self.roads[st.road[i]]
                    self.scripts.emit(
                        self.t,
                        int(i),
                        "mobil_lane_change_start",
                        to_lane=int(rd.lane_of(st.lc_d1[i])),
                    )
                self._started[:] = False

    @property
    def _mobil_on(self) -> bool:
        return bool(self.state.mobil.any()) or bool((self._lane_wall < 1e300).any())

    def move_to_road(self, i: int, r: int, lane: int | None = None) -> None:
        """Put agent i on road r where it stands (a path's start or end): lane coordinates,
        direction from its heading, lateral target the lane's centre (or where it is)."""
        st, rd = self.state, self.roads[r]
        s, d = rd.to_lane([st.x[i]], [st.y[i]])
        st.road[i] = r
        st.s[i], st.d[i] = s[0], d[0]
        k = int(rd.lane_of(d[0])) if lane is None else lane
        st.lane[i] = k if lane is not None or 0.0 <= d[0] <= rd.width else -1
        heading = float(rd.to_world(s, [0.0])[2][0])
        st.dirn[i] = 1.0 if math.cos(st.yaw[i] - heading) >= 0 else -1.0
        st.d_ref[i] = rd.lane_center(k) if 0.0 <= d[0] <= rd.width or lane is not None else d[0]
        st.lc_active[i] = False
        st.stop_s[i] = np.nan

    def _detect_collisions(self) -> None:
        st = self.state
        pairs, _tested = self._collision_kernel(self._grid, self._boxes)
        if pairs.shape[0] == 0 and not self._colliding:
            return
        now = set()
        for a, b in pairs:
            if st.walker[a] and st.walker[b]:
                continue  # people (or a ball and a child) brushing past each other: no crash
            key = (int(a), int(b))
            now.add(key)
            st.collided[a] = True
            st.collided[b] = True
            if key not in self._colliding:
                va = np.array([math.cos(st.yaw[a]), math.sin(st.yaw[a])]) * st.v[a]
                vb = np.array([math.cos(st.yaw[b]), math.sin(st.yaw[b])]) * st.v[b]
                self.collisions.append(
                    Collision(
                        self.step_index,
                        round(self.t, 9),
                        key[0],
                        key[1],
                        float(np.linalg.norm(va - vb)),
                    )
                )
        self._colliding = now
        if now and self.stop_on_collision:
            self.stopped = True


TRACK_FIELDS = ("x", "y", "yaw", "v", "a", "steer", "s", "d", "lane", "road", "collided")
"""Per-agent state recorded at every step (plus ``active``, from the World)."""


@dataclass
class Trajectory:
    """Every agent's state at every step 0..n_steps (rows), agents in columns.

    t : (S,) [s]; x, y, yaw, v, a, steer, s, d : (S, N) float64; lane, road : (S, N) int32;
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
    road: np.ndarray
    collided: np.ndarray
    leader: np.ndarray
    gap: np.ndarray
    active: np.ndarray | None = None  # (S, N) bool: in the scene (None: everybody, always)
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
    active = np.zeros((n_steps + 1, n), dtype=np.bool_)
    t = np.zeros(n_steps + 1)
    for k in range(n_steps + 1):
        if k > 0:
            world.step()
        for name in TRACK_FIELDS:
            rec[name][k] = getattr(st, name)
        leader[k] = world.leader
        gap[k] = world.gap
        active[k] = world.active
        t[k] = k * world.dt
    return Trajectory(
        t=t,
        leader=leader,
        gap=gap,
        active=active,
        events=list(world.scripts.events),
        collisions=list(world.collisions),
        **rec,
    )
