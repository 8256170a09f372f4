"""Small builders for traffic tests (no scenario files, no assets)."""

from __future__ import annotations

import numpy as np

from sim.road import Road
from sim.traffic import params as P
from sim.traffic.kernels import DTYPES
from sim.traffic.state import AgentState


def make_state(road: Road, lanes, s, v, v0=None, length=4.5, width=1.8) -> AgentState:
    n = len(s)
    st = AgentState.empty(n)
    st.id[:] = np.arange(1, n + 1)
    st.cls[:] = 11
    st.length[:] = length
    st.width[:] = width
    st.height[:] = 1.5
    st.wheelbase[:] = 2.7
    d = road.lane_center(np.asarray(lanes))
    x, y, h = road.to_world(np.asarray(s, float), d)
    st.x[:], st.y[:], st.yaw[:] = x, y, h
    st.s[:] = s
    st.v[:] = v
    st.v0[:] = v if v0 is None else v0
    st.v0[:] = np.maximum(st.v0, 0.1)
    st.T[:] = P.IDM_TIME_HEADWAY
    st.s0[:] = P.IDM_MIN_GAP
    st.a_max[:] = P.IDM_MAX_ACCEL
    st.b_comf[:] = P.IDM_COMFORT_DECEL
    st.delta[:] = P.IDM_DELTA
    st.b_max[:] = P.MAX_BRAKE
    st.steer_max[:] = P.MAX_STEER
    st.steer_rate_max[:] = P.MAX_STEER_RATE
    st.d_ref[:] = d
    return st


def bundle(kind, n: int, **given):
    """A kernel bundle (sim.traffic.kernels.bundles) of ``n`` agents: the ``given`` arrays
    (converted to the field's dtype), zeros for every other field."""
    fields = {}
    for name, dtype in DTYPES[kind].items():
        value = given.pop(name, None)
        fields[name] = (
            np.zeros(n, dtype=dtype)
            if value is None
            else np.ascontiguousarray(np.broadcast_to(value, (n,)), dtype=dtype).copy()
        )
    if given:
        raise TypeError(f"{kind.__name__} has no field(s) {sorted(given)}")
    return kind(**fields)
