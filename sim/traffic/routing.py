"""Traffic on a lane-graph road network (:class:`sim.road.graph.GraphNetwork`): drivers
follow lane links from road to road, see the traffic on the lanes ahead of them, and take
turns through junctions.

A :class:`Router` attached to a World (:meth:`Router.attach`) is called by the World after
each step (:meth:`Router.step`) and after every refresh of the leaders (:meth:`Router.react`).

* **Paths.** Every driver keeps a plan of the next lanes it will drive (``path``, up to
  ``PATH_LEN`` global lanes, at least ``lookahead`` m plus 2 s of travel beyond its road
  and always to the far side of a junction): chosen early, at a lane link, by its route
  (``routes[i]``: the turns 'left', 'straight', 'right', 'uturn' it takes at its next
  junction entries, in order; a turn its lane does not offer is replaced by the nearest
  one it does, event ``route_unavailable``), or else drawn with the generator among the
  successors (``turn_weights``, default uniform). A driver only picks among the
  successors of the lane it is in; MOBIL is switched off within ``max(50 m, 3.5 s)`` of a
  road's end (so it arrives in the lane it planned from), on junction roads, as far from
  the start of a road out of a junction (MOBIL does not see the cars still in the
  junction), and below 5 m/s on a junction's approach (in a queue held by a junction
  wall, which MOBIL does not see in the other lane, it would weave); a lane change anyway
  (a script) replans. When its centre passes its road's end it moves on
  to the next lane (``s`` carried over, ``d`` from its position: x and y do not jump).
  A driver with nowhere to go leaves the network there (inactive, event ``despawn``),
  except the ego (``ego``, default agent 0), which stops before the end.
* **Link leaders.** A driver whose road ends within ``lookahead`` m sees the last car on
  the lanes it planned (the nearest, along the path, bumper to bumper) as its leader when
  that car is nearer than what the World found.
* **Junctions.** A junction chain (the junction lanes from an entry to the exit) is used
  on a grant: the first ungranted driver of each lane into a junction asks for its chain
  once it is within its comfortable stopping distance plus ``margin`` of the stop line.
  Requests are ranked by the approach's ``priority``, a green light, arrival time and
  index; a request is granted when its light lets it go (not red; on amber only if it can
  no longer stop), no agent holds a conflicting lane (``network.conflicts``), no better
  ranked request for a conflicting lane is waiting that arrives within ``horizon`` s, and
  the exit lane has room for it (no blocking the box). Until granted, a wall stands at the
  stop line. A grant is held until the driver's rear has left the chain; a grant not yet
  used is given back when a red or amber light stops the driver, or when it stands still
  away from the line. Drivers that ``ignore_signals`` skip the light, not the conflicts.
* **Spawning** (optional, :class:`sim.traffic.routing_spawn.NetworkSpawner`): background
  vehicles kept around the ego.

Events (``world.scripts.emit``): ``route`` (agent entered road ``road`` lane ``lane`` by a
``turn``), ``yield`` (began to wait for a junction), ``enter_junction``,
``route_unavailable``; by default only for agents that are not background (the ego, the
scripted drivers), ``events="all"`` for everybody. ``spawn``/``despawn`` always.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from sim.road.graph import GraphNetwork
from sim.road.network import GREEN
from sim.traffic import params as P
from sim.traffic.kernels.motion import _lane_at
from sim.traffic.routing_walkers import rehome_crossing_walkers

if TYPE_CHECKING:
    from sim.traffic.routing_spawn import NetworkSpawner

PATH_LEN = 6  # lanes planned ahead at most
TURN_ANGLE = {"straight": 0.0, "left": 90.0, "right": -90.0, "uturn": 180.0}
MOBIL_QUIET = 50.0  # [m] no MOBIL lane change this close to a road's end (or 3.5 s)
MOBIL_QUEUE_SPEED = 5.0  # [m/s] no MOBIL lane change slower than this on a junction approach
STALL_GIVE_BACK = 5.0  # [m] a granted driver standing this far from its line gives it back


def _carry_lane_change(st, i: int, rd, s_old: float, d_old: float) -> None:
    """Agent i, changing lanes, has just moved onto the next road ``rd`` (now at st.s[i],
    st.d[i]; it was at ``s_old``, ``d_old`` on the road it left): its lane-change path goes
    on from the same point. The path's distance done is kept; its offsets move by the shift
    of the lateral coordinate between the two roads (a lane added or dropped on the right
    moves the reference line), and the target becomes the centre of the lane of ``rd`` that
    continues it (the nearest existing lane where the target lane ends)."""
    shift = float(st.d[i]) - d_old
    done = float(st.dirn[i]) * (s_old - float(st.lc_s0[i]))
    st.lc_s0[i] = float(st.s[i]) - float(st.dirn[i]) * done
    st.lc_d0[i] += shift
    st.lc_d1[i] = float(rd.lane_center(int(rd.lane_of(float(st.lc_d1[i]) + shift))))


class Router:
    """Routes, link leaders and junction grants on a GraphNetwork (see the module doc).

    ``routes``: agent -> turns at its next junction entries; ``background``: (N,) bool,
    the agents that make no events (default: all but the ego); ``ego``: the agent that
    stops at the network's edge instead of leaving (None: nobody); ``lookahead`` [m]: how far
    past its road's end a driver plans and looks; ``margin`` [m]: added to the stopping
    distance for a junction request; ``horizon`` [s]: a waiting better-ranked request that
    arrives within it blocks a conflicting one; ``turn_weights``: weight of each turn in
    the random choice (missing turns weigh 1); ``spawner``: a NetworkSpawner run after the
    links are followed. After ``attach``: ``next_road``/``next_lane`` (-1 none),
    ``crossings`` (junctions crossed, all agents) and ``crossed`` (per agent).
    """

    def __init__(
        self,
        network: GraphNetwork,
        rng: np.random.Generator,
        routes: Mapping[int, list[str]] | None = None,
        background: np.ndarray | None = None,
        *,
        lookahead: float = 1.5 * P.LOOKAHEAD_MAX,
        margin: float = 8.0,
        horizon: float = 4.0,
        turn_weights: Mapping[str, float] | None = None,
        spawner: NetworkSpawner | None = None,
        events: str = "few",
        ego: int | None = 0,
    ) -> None:
        if not isinstance(network, GraphNetwork):
            raise ValueError("a Router needs a GraphNetwork")
        if events not in ("few", "all"):
            raise ValueError(f"events must be 'few' or 'all', got {events!r}")
        for i, route in (routes or {}).items():
            bad = [t for t in route if t not in TURN_ANGLE]
            if bad:
                raise ValueError(f"agent {i}: unknown turns {bad} (one of {list(TURN_ANGLE)})")
        self.network = network
        self.rng = rng
        self.routes = {int(i): list(r) for i, r in (routes or {}).items()}
        self.background = background
        self.lookahead = float(lookahead)
        self.margin = float(margin)
        self.horizon = float(horizon)
        self.turn_weights = dict(turn_weights or {})
        self.spawner = spawner
        self.events = events
        self.ego = ego
        self.crossings = 0

    # ------------------------------------------------------------------ set-up
    def attach(self, world) -> Router:
        """Become ``world.router``: plan every driver, grant the chains drivers already
        stand in, and apply the link leaders and junction walls to the current state."""
        net = self.network
        if world.network is not net:
            raise ValueError("the Router's network is not the World's")
        n_roads = len(net.roads)
        self.n_roads = n_roads
        self.base = world._road_lanes[:n_roads, 0].astype(np.int64)
        n_lanes = [rd.total_lanes for rd in net.roads]
        n_g = int(self.base[-1]) + n_lanes[-1]
        self.road_len = np.array([rd.length for rd in net.roads])
        self.g_road = np.repeat(np.arange(n_roads), n_lanes)
        self.g_lane = np.concatenate([np.arange(k) for k in n_lanes])
        self.g_len = np.append(self.road_len[self.g_road], 0.0)  # [-1]: no lane
        self.g_junc = np.append([net.junction_of[r] is not None for r in self.g_road], False)
        self.succ: list[list[tuple[int, str]]] = [[] for _ in range(n_g)]
        self.turn_of: dict[tuple[int, int], str] = {}
        for lk in net.links:
            a, b = int(self.base[lk.road]) + lk.lane, int(self.base[lk.to_road]) + lk.to_lane
            self.succ[a].append((b, lk.turn))
            self.turn_of[(a, b)] = lk.turn
        self.g_into_junc = np.zeros(n_g + 1, dtype=np.bool_)
        self.g_after_junc = np.zeros(n_g + 1, dtype=np.bool_)
        for a in range(n_g):
            for b, _ in self.succ[a]:
                if self.g_junc[b] and not self.g_junc[a]:
                    self.g_into_junc[a] = True
                if self.g_junc[a] and not self.g_junc[b]:
                    self.g_after_junc[b] = True
        self.g_stop = self.g_len[:-1] - net.stop_back
        for sl in net.stop_lines:
            self.g_stop[self.base[sl.road] + sl.lane] = sl.s
        self.g_group = [
            net.groups.get((int(r), int(k))) for r, k in zip(self.g_road, self.g_lane, strict=True)
        ]
        self.group_names = sorted({grp for grp in self.g_group if grp is not None})
        self.g_group_id = np.array(
            [self.group_names.index(grp) if grp is not None else -1 for grp in self.g_group]
        )
        self.g_prio = np.array(
            [
                net.priority.get((int(r), int(k)), 0)
                for r, k in zip(self.g_road, self.g_lane, strict=True)
            ]
        )
        jl = np.flatnonzero(self.g_junc[:-1])
        self.jidx = np.full(n_g + 1, -1, dtype=np.int64)
        self.jidx[jl] = np.arange(jl.size)
        self.conflict = np.zeros((jl.size, jl.size), dtype=np.bool_)
        for (r, k), others in net.conflicts.items():
            a = self.jidx[self.base[r] + k]
            for r2, k2 in others:
                self.conflict[a, self.jidx[self.base[r2] + k2]] = True
        self.busy = np.zeros(jl.size, dtype=np.int64)  # holders of each junction lane

        n = len(world.state)
        if self.background is None:
            self.background = np.arange(n) != (-1 if self.ego is None else self.ego)
        self.background = np.asarray(self.background, dtype=np.bool_)
        self.eventful = ~self.background if self.events == "few" else np.ones(n, np.bool_)
        self.path = np.full((n, PATH_LEN), -1, dtype=np.int64)
        self.path_from = np.full(n, -1, dtype=np.int64)
        self.path_edge = np.zeros(n, dtype=np.bool_)
        self.route_pos = np.zeros(n, dtype=np.int64)
        self.ahead: list[list[int] | None] = [None] * n  # granted chain not yet entered
        self.ahead_granted = np.zeros(n, dtype=np.bool_)
        self.holds: list[list[list[int]]] = [[] for _ in range(n)]  # chains entered
        self._holders: set[int] = set()  # agents with a chain in holds
        self.t_arrive = np.full(n, np.nan)
        self.waiting = np.zeros(n, dtype=np.bool_)
        self.crossed = np.zeros(n, dtype=np.int64)
        self._mobil0 = world.state.mobil.copy()
        world.router = self
        g = self._cur_lane(world)
        for i in np.flatnonzero(g >= 0):
            if self.g_junc[g[i]]:  # standing in a junction: it holds its chain
                self._plan(world, int(i), int(g[i]))
                self._hold(int(i), [int(g[i])] + self._chain(int(i), 0))
        self._update(world)
        world._refresh_order()
        return self

    @property
    def next_road(self) -> np.ndarray:
        """(N,) the road each agent enters next (-1: none planned)."""
        nxt = self.path[:, 0]
        return np.where(nxt >= 0, self.g_road[nxt], -1)

    @property
    def next_lane(self) -> np.ndarray:
        nxt = self.path[:, 0]
        return np.where(nxt >= 0, self.g_lane[nxt], -1)

    # ------------------------------------------------------------------ helpers
    def _cur_lane(self, world) -> np.ndarray:
        """(N,) global lane of every active driver on the network (-1: none); a driver off
        its lanes (lane -1) keeps the lane its plan starts from."""
        st = world.state
        on = world.active & (st.road < self.n_roads) & ~st.walker
        r = np.where(on, st.road, 0)
        g = np.where(on & (st.lane >= 0), self.base[r] + st.lane, -1)
        off = on & (st.lane < 0) & (self.path_from >= 0)
        g[off] = np.where(self.g_road[self.path_from[off]] == st.road[off], self.path_from[off], -1)
        return g

    def _emit(self, world, i: int, name: str, **data) -> None:
        if self.eventful[i]:
            world.scripts.emit(world.t, i, name, **data)

    def _chain(self, i: int, k: int) -> list[int]:
        """The junction lanes of agent i's path from position k on."""
        out = []
        for g in self.path[i, k:]:
            if g < 0 or not self.g_junc[g]:
                break
            out.append(int(g))
        return out

    def _hold(self, i: int, chain: list[int]) -> None:
        self.holds[i].append(chain)
        self._holders.add(i)
        self.busy[self.jidx[chain]] += 1

    def _give_back_ahead(self, i: int) -> None:
        if self.ahead[i] is not None:
            self.busy[self.jidx[self.ahead[i]]] -= 1
        self.ahead[i] = None
        self.ahead_granted[i] = False

    def forget(self, i: int) -> None:
        """Drop agent i's plan and grants (it left the scene)."""
        self._give_back_ahead(i)
        for chain in self.holds[i]:
            self.busy[self.jidx[chain]] -= 1
        self.holds[i] = []
        self._holders.discard(i)
        self.path[i] = -1
        self.path_from[i] = -1
        self.path_edge[i] = False
        self.t_arrive[i] = np.nan
        self.waiting[i] = False

    def _remove(self, world, i: int) -> None:
        self.forget(i)
        world.active[i] = False
        world.scripts.emit(world.t, i, "despawn")

    # ------------------------------------------------------------------ plans
    def _plan(self, world, i: int, g0: int) -> None:
        """Extend agent i's plan (from lane g0, where it is) to cover what it must see."""
        st = world.state
        if self.path_from[i] != g0:
            self._give_back_ahead(i)
            self.path[i] = -1
            self.path_from[i] = g0
            self.path_edge[i] = False
        row = self.path[i]
        count = int(np.count_nonzero(row >= 0))
        last = int(row[count - 1]) if count else g0
        dist = self.g_len[g0] - st.s[i] + float(self.g_len[row[:count]].sum())
        need = self.lookahead + 2.0 * st.v[i]
        while count < PATH_LEN and not self.path_edge[i]:
            if dist >= need and not self.g_junc[last]:
                break
            succ = self.succ[last]
            if not succ:
                self.path_edge[i] = True
                break
            last = self._choose(world, i, last, succ)
            row[count] = last
            count += 1
            dist += self.g_len[last]

    def _choose(self, world, i: int, last: int, succ: list[tuple[int, str]]) -> int:
        if len(succ) == 1:
            return succ[0][0]
        entering = not self.g_junc[last] and any(self.g_junc[g] for g, _ in succ)
        route = self.routes.get(i)
        turns = [t for _, t in succ]
        if entering and route is not None and self.route_pos[i] < len(route):
            want = route[self.route_pos[i]]
            self.route_pos[i] += 1
            got = want
            if want not in turns:
                got = min(
                    turns,
                    key=lambda t: (
                        abs((TURN_ANGLE[t] - TURN_ANGLE[want] + 180.0) % 360.0 - 180.0),
                        list(TURN_ANGLE).index(t),
                    ),
                )
                self._emit(world, i, "route_unavailable", wanted=want, turn=got)
            options = [g for g, t in succ if t == got]
            return (
                options[0] if len(options) == 1 else options[int(self.rng.integers(len(options)))]
            )
        if self.turn_weights:
            w = np.array([self.turn_weights.get(t, 1.0) for t in turns], dtype=np.float64)
            return succ[int(self.rng.choice(len(succ), p=w / w.sum()))][0]
        return succ[int(self.rng.integers(len(succ)))][0]

    # ------------------------------------------------------------------ the step
    def step(self, world) -> None:
        """After a step: follow links, run the spawner, replan, release and grant."""
        st = world.state
        on = world.active & (st.road < self.n_roads) & ~st.walker
        r = np.where(on, st.road, 0)
        for i in np.flatnonzero(on & (st.s >= self.road_len[r])):
            self._advance(world, int(i))
        if st.walker.any():
            rehome_crossing_walkers(world, self.n_roads)
        if self.spawner is not None:
            self.spawner.step(world, self)
        self._update(world)

    def _advance(self, world, i: int) -> None:
        """Agent i's centre passed its road's end: onto the next lane of its plan."""
        st = world.state
        while st.s[i] >= self.road_len[st.road[i]]:
            g_old = int(self.path_from[i])
            nxt = int(self.path[i, 0]) if g_old >= 0 else -1
            if nxt < 0 and g_old >= 0 and self.succ[g_old] and not self.path_edge[i]:
                self._plan(world, i, g_old)  # (a plan always reaches past the end)
                nxt = int(self.path[i, 0])
            if nxt < 0:
                if i != self.ego and (g_old < 0 or not self.succ[g_old]):
                    self._remove(world, i)
                return
            r2, k2 = int(self.g_road[nxt]), int(self.g_lane[nxt])
            rd = world.roads[r2]
            over = float(st.s[i] - self.road_len[st.road[i]])
            s2, d2 = rd.to_lane([st.x[i]], [st.y[i]], s_hint=[max(over, 0.0)], window=40)
            s_old, d_old = float(st.s[i]), float(st.d[i])
            st.road[i], st.s[i], st.d[i] = r2, s2[0], d2[0]
            st.lane[i] = _lane_at(
                rd.lane_table, 0, rd.total_lanes, rd.lane_width, float(s2[0]), float(d2[0])
            )
            st.d_ref[i] = rd.lane_center(k2)
            if st.lc_active[i]:
                _carry_lane_change(st, i, rd, s_old, d_old)
            st.stop_s[i] = np.nan
            self.path[i, :-1] = self.path[i, 1:]
            self.path[i, -1] = -1
            self.path_from[i] = nxt
            turn = self.turn_of.get((g_old, nxt), "straight")
            if self.g_junc[nxt] and not self.g_junc[g_old]:
                if self.ahead_granted[i] and self.ahead[i] and self.ahead[i][0] == nxt:
                    self.holds[i].append(self.ahead[i])
                    self._holders.add(i)
                    self.ahead[i] = None
                    self.ahead_granted[i] = False
                else:  # in without a grant (it could not stop): it holds the chain now
                    self._give_back_ahead(i)
                    self._hold(i, [nxt] + self._chain(i, 0))
                self.waiting[i] = False
                self.t_arrive[i] = np.nan
                self._emit(world, i, "enter_junction", road=r2, lane=k2, turn=turn)
            elif self.g_junc[g_old] and not self.g_junc[nxt]:
                self.crossings += 1
                self.crossed[i] += 1
            self._emit(world, i, "route", road=r2, lane=k2, turn=turn)

    def _geometry(self, world):
        """Per agent: current lane, whether it has a plan, distance from its centre to the
        start of each planned lane (N, P), and its next junction entry (index, distance
        to the junction, room to the stop line)."""
        st = world.state
        g = self._cur_lane(world)
        ok = (g >= 0) & (g == self.path_from)
        path = self.path
        lens = self.g_len[path]  # -1 -> 0
        before = np.empty(path.shape)
        before[:, 0] = self.g_len[g] - st.s
        before[:, 1:] = before[:, :1] + np.cumsum(lens[:, :-1], axis=1)
        isj = self.g_junc[path]
        prev = np.concatenate([self.g_junc[g][:, None], isj[:, :-1]], axis=1)
        entry = isj & ~prev & ok[:, None]
        has = entry.any(axis=1)
        k = np.argmax(entry, axis=1)
        rows = np.arange(path.shape[0])
        jdist = before[rows, k]
        appr = np.where(k > 0, path[rows, np.maximum(k - 1, 0)], g)
        appr = np.where(has, appr, 0)
        to_line = jdist - (self.g_len[appr] - np.append(self.g_stop, 0.0)[appr])
        room = to_line - 0.5 * st.length
        return g, ok, before, has, k, jdist, appr, room

    def _update(self, world) -> None:
        st = world.state
        g = self._cur_lane(world)
        # plans: new or changed lanes, and plans that no longer reach far enough
        ahead_m = self.g_len[g] - st.s + (self.g_len[self.path] * (self.path >= 0)).sum(axis=1)
        need = (g >= 0) & (
            (g != self.path_from)
            | ((ahead_m < self.lookahead + 2.0 * st.v) & ~self.path_edge)
            | self.g_junc[self.path[:, -1]]
        )
        for i in np.flatnonzero(need):
            self._plan(world, int(i), int(g[i]))
        if self._mobil0.any():
            quiet = (
                (self.g_len[g] - st.s < np.maximum(MOBIL_QUIET, 3.5 * st.v))
                | self.g_junc[g]
                | (self.g_after_junc[g] & (st.s < np.maximum(MOBIL_QUIET, 3.5 * st.v)))
                | (self.g_into_junc[g] & (st.v < MOBIL_QUEUE_SPEED))
            )
            st.mobil[:] = self._mobil0 & ~((g >= 0) & quiet)
        # grants: chains left behind, grants a light or a stall takes back
        half = 0.5 * st.length
        for i in sorted(self._holders):
            if not world.active[i]:
                self.forget(i)
                continue
            keep = []
            for chain in self.holds[i]:
                if g[i] in chain or (g[i] < 0) or st.s[i] < half[i]:
                    keep.append(chain)
                else:
                    self.busy[self.jidx[chain]] -= 1
            self.holds[i] = keep
            if not keep:
                self._holders.discard(i)
        g, ok, before, has, k, jdist, appr, room = self._geometry(world)
        states = self.network.signal_state(world.t) if self.network.signalised else {}
        stop_ok = (st.v < 1.0) | (st.v * st.v <= 7.0 * room)
        stopped = np.array([states[grp] != GREEN for grp in self.group_names] + [False])
        # a red or amber light stops it (as the World's stop line does)
        held = has & ~st.ignore_signals & stopped[self.g_group_id[appr]] & (room >= 0) & stop_ok
        for i in np.flatnonzero(self.ahead_granted):
            if (
                not world.active[i]
                or not has[i]
                or self.ahead[i][0] != self.path[i, k[i]]
                or held[i]
                or (st.v[i] < 0.5 and room[i] > STALL_GIVE_BACK)
            ):
                self._give_back_ahead(int(i))
        # requests: the first ungranted driver of each approach lane near its line
        b = np.maximum(st.b_comf, 0.1)
        near = has & ~self.ahead_granted & (room <= st.v * st.v / (2.0 * b) + self.margin)
        first: dict[int, int] = {}
        for i in np.flatnonzero(near):
            a = int(appr[i])
            if a not in first or room[i] < room[first[a]]:
                first[a] = int(i)
        if not first:
            return
        for i in first.values():
            if math.isnan(self.t_arrive[i]):
                self.t_arrive[i] = world.t

        def rank(i: int):
            group = self.g_group[appr[i]]
            green = group is None or states.get(group, GREEN) == GREEN
            return (-int(self.g_prio[appr[i]]), not green, float(self.t_arrive[i]), i)

        blocked = np.zeros(self.busy.shape, dtype=np.bool_)
        rear_of, v_of = None, None
        for i in sorted(first.values(), key=rank):
            chain = self._chain(i, int(k[i]))
            idx = self.jidx[chain]
            if held[i]:
                self._wait(world, i)
                continue
            taken = (self.busy > 0) | blocked
            if idx.size and self.conflict[idx][:, taken].any():
                if room[i] <= self.horizon * max(float(st.v[i]), 1.0):
                    blocked[idx] = True
                self._wait(world, i)
                continue
            exit_k = int(k[i]) + len(chain)
            if exit_k < PATH_LEN and self.path[i, exit_k] >= 0:
                if rear_of is None:
                    rear_of, v_of = self._lane_rears(world, g)
                e = int(self.path[i, exit_k])
                if rear_of[e] < st.length[i] + st.s0[i] + 1.0 and v_of[e] < 2.0:
                    self._wait(world, i)  # its exit is full: it does not block the box
                    continue
            self.ahead[i] = chain
            self.ahead_granted[i] = True
            self.busy[idx] += 1
            self.waiting[i] = False

    def _wait(self, world, i: int) -> None:
        if not self.waiting[i]:
            self.waiting[i] = True
            self._emit(world, i, "yield", road=int(world.state.road[i]))

    def _lane_rears(self, world, g: np.ndarray):
        """(G,) s of the rear of the last car on each lane (inf: empty) and its speed."""
        st = world.state
        n_g = self.g_len.shape[0]
        rear = np.full(n_g, np.inf)
        speed = np.full(n_g, np.inf)
        on = np.flatnonzero(g >= 0)
        if on.size:
            r = st.s[on] - 0.5 * st.length[on]
            order = np.lexsort((r, g[on]))
            lanes, first = np.unique(g[on][order], return_index=True)
            rear[lanes] = r[order][first]
            speed[lanes] = st.v[on][order][first]
        return rear, speed

    # ------------------------------------------------------------------ reactions
    def react(self, world) -> None:
        """After the World's refresh: lower ``gap_ctl``/``v_ctl`` to the last car on the
        lanes ahead, to a junction's stop line without a grant, to the network's edge (the
        ego)."""
        st = world.state
        gap_ctl, v_ctl = world.gap_ctl, world._v_ctl
        g, ok, before, has, k, jdist, appr, room = self._geometry(world)
        half = 0.5 * st.length
        n = len(g)
        order, sorted_key, glane = world.order, world._sorted_key, world._glane
        stride = world._lane_stride
        found = ~ok
        for p in range(PATH_LEN):
            e = self.path[:, p]
            m = (
                ~found
                & (e >= 0)
                & (before[:, p] < self.lookahead)
                & (before[:, p] - half < gap_ctl)
            )
            if not m.any():
                break
            idx = np.flatnonzero(m)
            pos = np.searchsorted(sorted_key, e[idx] * stride - 0.5 * stride)
            j = order[np.minimum(pos, n - 1)]
            hit = (pos < n) & (glane[j] == e[idx]) & world.active[j] & (j != idx)
            gap = before[idx, p] + st.s[j] - half[idx] - half[j]
            better = hit & (gap < gap_ctl[idx])
            gap_ctl[idx[better]] = gap[better]
            v_ctl[idx[better]] = st.v[j[better]]
            found[idx[hit]] = True
        wall = has & ~self.ahead_granted
        gap = np.where(room >= 0.0, room, np.maximum(jdist - half, 0.0))
        m = wall & (gap < gap_ctl)
        gap_ctl[m] = gap[m]
        v_ctl[m] = 0.0
        e = self.ego
        if e is not None and ok[e] and self.path_edge[e] and world.active[e]:
            count = int(np.count_nonzero(self.path[e] >= 0))
            end = before[e, count] if count < PATH_LEN else np.inf  # the last lane's end
            room0 = end - half[e]
            if room0 < gap_ctl[e]:
                gap_ctl[e] = max(room0, 0.0)
                v_ctl[e] = 0.0


__all__ = ["PATH_LEN", "TURN_ANGLE", "Router"]
