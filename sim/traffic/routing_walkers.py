"""Walkers crossing a map's road move between its one-way pieces (sim.road.opendrive.offlane):
a walker is carried by the piece of its side of the road, whose drivers see it in their
lanes; when it steps into the lanes of another piece (the oncoming side), it moves to that
piece, so that those drivers see it too, with its crossing target and its direction along
the road unchanged in the world. Run by the Router after each step."""

from __future__ import annotations

import math

import numpy as np

from sim.road.opendrive.offlane import drivable_piece_at
from sim.traffic.kernels.motion import WALK_ANTICIPATION


def rehome_crossing_walkers(world, n_roads: int) -> None:
    """Every active walker that is crossing (a target s) and whose next WALK_ANTICIPATION
    metres lie on the drivable lanes of another piece moves to that piece."""
    st = world.state
    crossing = world.active & st.walker & ~np.isnan(st.tgt_s) & (st.road < n_roads)
    for i in np.flatnonzero(crossing):
        i = int(i)
        c, s = math.cos(st.yaw[i]), math.sin(st.yaw[i])
        x, y = float(st.x[i]), float(st.y[i])
        r2 = drivable_piece_at(world.network, x + WALK_ANTICIPATION * c, y + WALK_ANTICIPATION * s)
        if r2 is None or r2 == int(st.road[i]):
            continue
        old = world.roads[int(st.road[i])]
        tx, ty, _ = old.to_world([st.tgt_s[i]], [st.d_ref[i]])
        # its direction along the road, as a world heading (for walking on after the crossing)
        along = float(old.to_world([st.s[i]], [0.0])[2][0]) + (0.0 if st.dirn[i] > 0 else math.pi)
        v0, acc = float(st.v0[i]), float(st.acc_override[i])
        world.move_to_road(i, r2)
        new = world.roads[r2]
        ts, td = new.to_lane(tx, ty, window=40)
        st.tgt_s[i], st.d_ref[i] = float(ts[0]), float(td[0])
        heading = float(new.to_world([st.s[i]], [0.0])[2][0])
        st.dirn[i] = 1.0 if math.cos(along - heading) >= 0.0 else -1.0
        st.v0[i], st.acc_override[i] = v0, acc
