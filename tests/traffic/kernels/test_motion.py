"""Motion kernels (sim.traffic.kernels.motion) against their naive twins: IDM, the
kinematic bicycle, the fused step, and the lane-coordinate kernels the step walks with."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.road import Road, Segment
from sim.road.kernels import _lane_to_world_fast, _world_to_lane_fast
from sim.traffic import params as P
from sim.traffic.kernels import Agents, Limits
from sim.traffic.kernels.motion import _integrate
from sim.traffic.kernels.shared import _idm_accel
from sim.traffic.world import World

import naive
from helpers.traffic import bundle, make_state

DT = 0.05
SEGMENTS = [(100.0, 0.0), (80.0, 1 / 60.0), (50.0, 0.0), (70.0, -1 / 45.0)]


def _curvy_road(lanes=3):
    return Road(
        lanes=lanes, lane_width=3.5, segments=tuple(Segment(length, k) for length, k in SEGMENTS)
    )


def test_idm_kernel_matches_published_equation():
    rng = np.random.default_rng(0)
    for _ in range(200):
        v, v0 = rng.uniform(0, 40), rng.uniform(5, 40)
        T, s0, a, b = (
            rng.uniform(0.5, 2.5),
            rng.uniform(1, 4),
            rng.uniform(0.5, 3),
            rng.uniform(1, 4),
        )
        gap, vl = rng.uniform(0.5, 100), rng.uniform(0, 40)
        got = _idm_accel(v, v0, T, s0, a, b, 4.0, gap, v - vl, True)
        assert got == pytest.approx(
            naive.idm_accel(v, v0, T, s0, a, b, 4.0, gap, vl), rel=1e-12, abs=1e-12
        )
        got_free = _idm_accel(v, v0, T, s0, a, b, 4.0, 0.0, 0.0, False)
        assert got_free == pytest.approx(
            naive.idm_accel(v, v0, T, s0, a, b, 4.0), rel=1e-12, abs=1e-12
        )


def test_integrate_matches_bicycle_twin():
    rng = np.random.default_rng(5)
    n = 50
    x, y, yaw = rng.uniform(-50, 50, n), rng.uniform(-50, 50, n), rng.uniform(-3, 3, n)
    v, steer = rng.uniform(0, 30, n), rng.uniform(-0.5, 0.5, n)
    acc, steer_cmd = rng.uniform(-9, 3, n), rng.uniform(-1, 1, n)
    wb = rng.uniform(2, 6, n)
    smax, srate = np.full(n, 0.6), np.full(n, 0.8)
    want = [
        naive.bicycle_step(
            x[i], y[i], yaw[i], v[i], steer[i], acc[i], steer_cmd[i], wb[i], 0.6, 0.8, DT
        )
        for i in range(n)
    ]
    agents = bundle(Agents, n, active=True, x=x, y=y, yaw=yaw, v=v, steer=steer, wheelbase=wb)
    _integrate(DT, agents, bundle(Limits, n, steer_max=smax, steer_rate_max=srate), acc, steer_cmd)
    got = np.stack([agents.x, agents.y, agents.yaw, agents.v, agents.a, agents.steer], 1)
    np.testing.assert_allclose(got, np.array(want), rtol=1e-12, atol=1e-12)


def test_segment_lane_to_world_matches_exact_geometry():
    road = _curvy_road()
    rng = np.random.default_rng(3)
    s, d = rng.uniform(0, 300, 300), rng.uniform(-3, 12, 300)
    x, y = np.zeros(300), np.zeros(300)
    _lane_to_world_fast(road.segment_table, s, d, x, y)
    for k in range(300):
        ex, ey, _ = naive.lane_to_world(SEGMENTS, s[k], d[k])
        assert (x[k], y[k]) == pytest.approx((ex, ey), abs=1e-9)


def test_walking_projection_matches_brute_force_from_nearby_hints():
    road = _curvy_road()
    rng = np.random.default_rng(4)
    s, d = rng.uniform(1, 299, 40), rng.uniform(-2, 11, 40)
    x, y, _ = road.to_world(s, d)
    hint = s + rng.uniform(-60, 60, 40)  # any hint: the walk crosses segments as needed
    out_s, out_d = np.zeros(40), np.zeros(40)
    _world_to_lane_fast(road.segment_table, x, y, hint, out_s, out_d)
    np.testing.assert_allclose(out_s, s, atol=1e-9)
    np.testing.assert_allclose(out_d, d, atol=1e-9)
    for k in range(4):
        bs, bd = naive.world_to_lane(SEGMENTS, x[k], y[k], 300.0, step=0.01)
        assert (out_s[k], out_d[k]) == pytest.approx((bs, bd), abs=0.02)


def test_step_kernel_matches_naive_controls_bicycle_and_projection():
    road = _curvy_road()
    rng = np.random.default_rng(5)
    n = 12
    lanes = rng.integers(0, 3, n)
    st = make_state(
        road, lanes, rng.uniform(20, 260, n), rng.uniform(0, 30, n), v0=rng.uniform(10, 35, n)
    )
    st.yaw += rng.uniform(-0.05, 0.05, n)
    st.steer[:] = rng.uniform(-0.05, 0.05, n)
    st.acc_override[:3] = [-6.0, 1.0, np.nan]
    st.lc_active[3] = True
    st.lc_s0[3], st.lc_len[3], st.lc_d0[3], st.lc_d1[3] = (
        st.s[3] - 5,
        60.0,
        st.d_ref[3],
        st.d_ref[3] + 3.5,
    )
    world = World(road, st, DT)
    before = st.copy()
    leader, gap = world.leader.copy(), world.gap.copy()
    world.step()
    for i in range(n):
        j = leader[i]
        look = min(max(P.LOOKAHEAD_TIME * before.v[i], P.LOOKAHEAD_MIN), P.LOOKAHEAD_MAX)
        q = (
            (before.s[i] + look - before.lc_s0[i]) / before.lc_len[i]
            if before.lc_active[i]
            else None
        )
        lat = (
            before.d_ref[i]
            if q is None
            else (
                before.lc_d0[i]
                + (before.lc_d1[i] - before.lc_d0[i])
                * min(max(q, 0.0), 1.0) ** 3
                * (10 - 15 * min(max(q, 0.0), 1.0) + 6 * min(max(q, 0.0), 1.0) ** 2)
            )
        )
        over = None if math.isnan(before.acc_override[i]) else before.acc_override[i]
        acc, steer_cmd = naive.agent_controls(
            SEGMENTS,
            before.x[i],
            before.y[i],
            before.yaw[i],
            before.v[i],
            before.s[i],
            before.wheelbase[i],
            before.v0[i],
            before.T[i],
            before.s0[i],
            before.a_max[i],
            before.b_comf[i],
            before.delta[i],
            before.b_max[i],
            lat,
            over,
            gap[i] if j >= 0 else None,
            before.v[j] * math.cos(before.yaw[i] - before.yaw[j])
            if j >= 0
            else None,  # along my heading
            P.LOOKAHEAD_TIME,
            P.LOOKAHEAD_MIN,
            P.LOOKAHEAD_MAX,
        )
        want = naive.bicycle_step(
            before.x[i],
            before.y[i],
            before.yaw[i],
            before.v[i],
            before.steer[i],
            acc,
            steer_cmd,
            before.wheelbase[i],
            P.MAX_STEER,
            P.MAX_STEER_RATE,
            DT,
        )
        got = (st.x[i], st.y[i], st.yaw[i], st.v[i], st.a[i], st.steer[i])
        assert got == pytest.approx(want, abs=1e-9), i
        bs, bd = naive.world_to_lane(SEGMENTS, st.x[i], st.y[i], 300.0, step=0.005)
        assert (st.s[i], st.d[i]) == pytest.approx((bs, bd), abs=0.01)
