"""Steady traffic around the ego: background vehicles leave a window around it and fresh
ones enter at the other end (scenario ``background.steady``).

After every step, a recyclable vehicle on the main road whose centre is more than
``behind`` m behind the ego or ``ahead`` m ahead of it is made inactive (event
``despawn``); for each one that left, the next reserve vehicle enters (event ``spawn``) at
the opposite end of the window -- ahead of the ego for one left behind, behind it for one
that ran away ahead -- in a forward lane drawn with the run's generator among those with
room (``ENTRY_GAP`` m of free road around it, measured between bumpers). It enters at the
speed of the vehicle nearest to it in that lane (or its own desired speed), centred in the
lane, heading along it. A departure whose replacement finds no room waits for the next
step; when the reserve is used up, vehicles still leave but none enter.

Every vehicle keeps its id for the whole episode; reserve vehicles are simply inactive
(not drawn, not labelled, no tracks.csv rows) until they enter, and leavers after they leave.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

ENTRY_GAP = 12.0  # [m] free road a vehicle needs in front of and behind it to enter


class Spawner:
    def __init__(
        self,
        behind: float,
        ahead: float,
        recyclable: np.ndarray,
        reserve: list[int],
        rng: np.random.Generator,
    ) -> None:
        self.behind = float(behind)
        self.ahead = float(ahead)
        self.recyclable = recyclable  # (N,) bool: background vehicles, reserve included
        self.reserve = deque(reserve)  # agent indices, in order of entry
        self.rng = rng
        self.waiting: deque[str] = deque()  # "ahead" / "behind": where a replacement should enter

    def step(self, world) -> bool:
        """Despawn and spawn after a step; returns whether anything changed."""
        st = world.state
        if st.road[0] != 0:
            return False  # the ego has left the main road (a turn): the window is undefined
        s_ego = float(st.s[0])
        rel = st.s - s_ego
        leaving = (
            world.active
            & self.recyclable
            & (st.road == 0)
            & ((rel < -self.behind) | (rel > self.ahead))
        )
        changed = False
        for i in np.flatnonzero(leaving):
            world.active[i] = False
            world.scripts.emit(world.t, int(i), "despawn")
            self.waiting.append("ahead" if rel[i] < 0 else "behind")
            changed = True
        while self.waiting and self.reserve:
            where = self.waiting[0]
            if not self._enter(world, self.reserve[0], where, s_ego):
                break  # no room this step
            self.reserve.popleft()
            self.waiting.popleft()
            changed = True
        return changed

    def _enter(self, world, i: int, where: str, s_ego: float) -> bool:
        st, road = world.state, world.road
        s = s_ego + self.ahead - 10.0 if where == "ahead" else s_ego - self.behind + 10.0
        if not 0.0 + st.length[i] < s < road.length - st.length[i]:
            return False
        lanes = [
            k
            for k in range(road.lanes)
            if road.lane_bounds(k, s) is not None and road.lane_shift(k, s) == 0.0
        ]
        self.rng.shuffle(lanes)
        on_main = world.active & (st.road == 0)
        for lane in lanes:
            same = on_main & (st.lane == lane)
            free = np.abs(st.s - s) - 0.5 * (st.length + st.length[i]) > ENTRY_GAP
            if np.any(same & ~free):
                continue
            near = np.flatnonzero(same)
            v = float(st.v0[i])
            if near.size:
                v = float(st.v[near[np.argmin(np.abs(st.s[near] - s))]])
            self._place(world, i, lane, s, v)
            return True
        return False

    @staticmethod
    def _place(world, i: int, lane: int, s: float, v: float) -> None:
        st, road = world.state, world.road
        d = float(road.lane_center(lane))
        x, y, yaw = road.to_world([s], [d])
        st.x[i], st.y[i], st.yaw[i] = x[0], y[0], yaw[0]
        st.s[i], st.d[i], st.lane[i], st.road[i], st.dirn[i] = s, d, lane, 0, 1.0
        st.v[i], st.a[i], st.steer[i] = v, 0.0, 0.0
        st.d_ref[i] = d
        st.lc_active[i] = False
        st.acc_override[i] = math.nan
        st.collided[i] = False
        world._cos_yaw[i] = math.cos(yaw[0])
        world._sin_yaw[i] = math.sin(yaw[0])
        world.active[i] = True
        world.scripts.emit(world.t, int(i), "spawn", lane=lane, s=round(s, 6))
