"""Vehicles on a lane-graph network: placing them (:func:`state_on_network`) and keeping
background traffic around the ego (:class:`NetworkSpawner`, run by a
:class:`sim.traffic.routing.Router`)."""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from sim.road.graph import GraphNetwork
from sim.traffic.routing import Router
from sim.traffic.spawn import ENTRY_GAP
from sim.traffic.state import AgentState

CROSSING_CLEAR = 60.0  # [m] no vehicle enters this close to a walker crossing the road


def state_on_network(network: GraphNetwork, road, lane, s, v=0.0, **values) -> AgentState:
    """Vehicles on a graph network: agent i on the centre of lane ``lane[i]`` of road
    ``road[i]`` at ``s[i]`` [m], heading along it at ``v[i]`` [m/s] (scalars broadcast);
    ``v0`` defaults to ``v`` where positive, else the road's speed limit; any AgentState
    field by keyword as in :meth:`AgentState.vehicles`."""
    s = np.atleast_1d(np.asarray(s, dtype=np.float64))
    n = s.shape[0]
    road = np.broadcast_to(np.asarray(road), (n,)).astype(np.int64)
    lane = np.broadcast_to(np.asarray(lane), (n,)).astype(np.int64)
    st = AgentState.vehicles(network.roads[0], np.zeros(n), lane=0, v=v)
    for i in range(n):
        rd = network.roads[int(road[i])]
        if not 0 <= lane[i] < rd.lanes:
            raise ValueError(f"agent {i}: no lane {lane[i]} on {network.names[road[i]]}")
        d = float(rd.lane_center(int(lane[i])))
        x, y, h = rd.to_world([s[i]], [d])
        st.x[i], st.y[i], st.yaw[i], st.s[i], st.d_ref[i] = x[0], y[0], h[0], s[i], d
        st.road[i] = road[i]
        if not st.v[i] > 0.0:
            st.v0[i] = rd.speed_limit
    for name, value in values.items():
        getattr(st, name)[:] = value
    st.validate()
    return st


class NetworkSpawner:
    """Background vehicles kept around the ego (agent 0; or around a fixed point
    ``centre``) on a graph network; run by its
    Router after the links are followed (``Router(..., spawner=NetworkSpawner(...))``).

    Each step: a ``recyclable`` active vehicle farther than ``radius`` m from the ego is
    made inactive (event ``despawn``); with ``recycle`` every inactive recyclable vehicle
    (despawned here, or gone off the network's edge) joins the end of the reserve again
    (it may come back later, elsewhere, with its id). While fewer than ``target``
    recyclable vehicles are active, up to ``per_step`` reserve vehicles enter (event
    ``spawn``): at a spot drawn with ``rng`` among those between ``r_min`` and ``radius``
    m from the ego with free room (``ENTRY_GAP`` m between bumpers in its lane, no body
    within a car length in any lane): the start of an entry lane (``where="entries"``), or
    also every 20 m of every lane outside junctions, clear of its end (``"anywhere"``).
    It enters centred in its lane at the speed of the nearest car ahead in it (within
    60 m), else its desired speed capped by the speed limit.
    """

    def __init__(
        self,
        radius: float,
        recyclable: np.ndarray,
        reserve: list[int],
        rng: np.random.Generator,
        *,
        r_min: float = 0.0,
        target: int | None = None,
        where: str = "entries",
        recycle: bool = True,
        per_step: int = 1,
        centre: tuple[float, float] | None = None,
    ) -> None:
        if where not in ("entries", "anywhere"):
            raise ValueError(f"where must be 'entries' or 'anywhere', got {where!r}")
        self.radius = float(radius)
        self.r_min = float(r_min)
        self.recyclable = np.asarray(recyclable, dtype=np.bool_)
        self.reserve = deque(int(i) for i in reserve)
        self.rng = rng
        self.target = target
        self.where = where
        self.recycle = recycle
        self.per_step = int(per_step)
        self.centre = centre
        self._spots = None

    def _make_spots(self, world, router: Router) -> None:
        net = router.network
        spots = []
        for r, k in net.entries():
            spots.append((r, k, 0.5 * 4.5 + 1.0))
        if self.where == "anywhere":
            for r, rd in enumerate(net.roads):
                if net.junction_of[r] is not None:
                    continue
                for k in range(rd.lanes):
                    for s in np.arange(ENTRY_GAP + 10.0, rd.length - 40.0, 20.0):
                        spots.append((r, k, float(s)))
        self._spots = spots
        xy = [net.roads[r].to_world([s], [net.roads[r].lane_center(k)]) for r, k, s in spots]
        self._xy = np.array([(float(x[0]), float(y[0])) for x, y, _ in xy]).reshape(-1, 2)
        if self.target is None:
            self.target = int((world.active & self.recyclable).sum())

    def _centre(self, world) -> tuple[float, float]:
        if self.centre is not None:
            return float(self.centre[0]), float(self.centre[1])
        return float(world.state.x[0]), float(world.state.y[0])

    def step(self, world, router: Router) -> bool:
        """Despawn, recycle and spawn (after the Router followed the links)."""
        st = world.state
        if self._spots is None:
            self._make_spots(world, router)
        changed = False
        cx, cy = self._centre(world)
        dist = np.hypot(st.x - cx, st.y - cy)
        for i in np.flatnonzero(world.active & self.recyclable & (dist > self.radius)):
            router._remove(world, int(i))
            changed = True
        n_active = int((world.active & self.recyclable).sum())
        entered = 0
        while self.reserve and n_active < self.target and entered < self.per_step:
            if not self._enter(world, router, self.reserve[0]):
                break
            self.reserve.popleft()
            n_active += 1
            entered += 1
            changed = True
        if self.recycle:  # after the entries: a leaver is out for one step at least
            queued = np.zeros(len(st), dtype=np.bool_)
            queued[list(self.reserve)] = True
            for i in np.flatnonzero(self.recyclable & ~world.active & ~queued):
                self.reserve.append(int(i))
        return changed

    def _enter(self, world, router: Router, i: int) -> bool:
        st = world.state
        cx, cy = self._centre(world)
        d_ego = np.hypot(self._xy[:, 0] - cx, self._xy[:, 1] - cy)
        ok = np.flatnonzero((d_ego >= self.r_min) & (d_ego <= self.radius))
        if ok.size == 0:
            return False
        g = router._cur_lane(world)
        act = world.active
        crossing = np.flatnonzero(act & st.walker & ~np.isnan(st.tgt_s))
        for c in ok[self.rng.permutation(ok.size)]:
            r, k, s = self._spots[c]
            s = max(s, 0.5 * st.length[i] + 1.0)
            lane_g = router.base[r] + k
            same = np.flatnonzero(act & (g == lane_g))
            gaps = np.abs(st.s[same] - s) - 0.5 * (st.length[same] + st.length[i])
            if np.any(gaps <= ENTRY_GAP):
                continue
            x, y = self._xy[c]
            near = np.hypot(st.x[crossing] - x, st.y[crossing] - y)
            if near.size and near.min() < CROSSING_CLEAR:
                continue  # (a walker crossing there looked before it stepped out: no car came)
            body = np.hypot(st.x - x, st.y - y) - 0.5 * (st.length + st.length[i])
            if np.any(act & (body < st.length[i])):
                continue
            rd = router.network.roads[r]
            v = min(float(st.v0[i]), rd.speed_limit)
            ahead = same[(st.s[same] > s) & (st.s[same] - s < 60.0)]
            if ahead.size:
                v = min(v, float(st.v[ahead[np.argmin(st.s[ahead])]]))
            self._place(world, router, i, r, k, s, v)
            return True
        return False

    @staticmethod
    def _place(world, router: Router, i: int, r: int, k: int, s: float, v: float) -> None:
        st, rd = world.state, router.network.roads[r]
        d = float(rd.lane_center(k))
        x, y, yaw = rd.to_world([s], [d])
        st.x[i], st.y[i], st.yaw[i] = x[0], y[0], yaw[0]
        st.s[i], st.d[i], st.lane[i], st.road[i], st.dirn[i] = s, d, k, r, 1.0
        st.v[i], st.a[i], st.steer[i] = v, 0.0, 0.0
        st.d_ref[i] = d
        st.lc_active[i] = False
        st.acc_override[i] = math.nan
        st.stop_s[i] = math.nan
        st.collided[i] = False
        world._cos_yaw[i] = math.cos(yaw[0])
        world._sin_yaw[i] = math.sin(yaw[0])
        world.active[i] = True
        router.forget(i)
        router.route_pos[i] = 0
        world.scripts.emit(world.t, int(i), "spawn", road=r, lane=k, s=round(s, 6))


__all__ = ["NetworkSpawner", "state_on_network"]
