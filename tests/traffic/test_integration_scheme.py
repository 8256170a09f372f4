"""The longitudinal integration scheme of the traffic engine, on closed-form cases.

The step kernel updates speed and position *ballistically* (SUMO's ``--step-method.ballistic``):

    v' = max(0, v + a dt)
    x' = x + (v + v') / 2 * dt            (along the heading)

so a constant acceleration gives x = x0 + v0 t + a t^2 / 2 exactly, and every step moves
a dt^2 / 2 less than the semi-implicit Euler update x' = x + v' dt (SUMO's default) would.
A vehicle that would reach v = 0 inside a step stops there (v' = 0) after moving v dt / 2,
and never moves backwards. See docs/traffic.md, "Integration scheme".

Every case runs the real engine (World.step through ``simulate``) on a one-lane straight
road, heading along +x, so the position along the lane is the world x.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.road import Road
from sim.traffic import params as P
from sim.traffic.world import World, simulate

from helpers.traffic import make_state

DT = 0.05
X0 = 100.0


def _run(v, n_steps, override=math.nan, v0=None, s=(X0,)):
    """One lane, agents at ``s`` with speeds ``v``; ``override``: scripted acceleration
    [m/s^2] of agent 0 (NaN: IDM decides; < 0: brake at it; > 0: accelerate at it)."""
    road = Road.straight(5000.0, 1, 3.5)
    n = len(s)
    st = make_state(road, np.zeros(n, int), np.asarray(s, float), np.full(n, v, float), v0=v0)
    st.acc_override[0] = override
    traj = simulate(World(road, st, DT), n_steps)
    # the closed forms below are along the lane: the car must stay on it, heading +x
    np.testing.assert_array_equal(traj.yaw[:, 0], 0.0)
    np.testing.assert_array_equal(traj.y[:, 0], traj.y[0, 0])
    return traj


def test_cruising_at_the_desired_speed_covers_v0_t_exactly():
    # IDM with v = v0 and nobody ahead: a = a_max (1 - (v/v0)^4) = 0, both schemes agree
    v0, n = 20.0, 400
    traj = _run(v0, n, v0=v0)
    np.testing.assert_array_equal(traj.a[1:, 0], 0.0)
    np.testing.assert_array_equal(traj.v[:, 0], v0)
    np.testing.assert_allclose(traj.x[:, 0], X0 + v0 * traj.t, rtol=0, atol=1e-9)


@pytest.mark.parametrize("v_start, acc", [(5.0, 2.0), (20.0, -4.0)])
def test_constant_acceleration_is_the_ballistic_closed_form_not_euler(v_start, acc):
    # 4 s of a fixed scripted acceleration (+2 m/s^2 from 5 m/s; -4 m/s^2 from 20 m/s,
    # ending at 4 m/s: no stop)
    n = 80
    traj = _run(v_start, n, override=acc)
    t, x, v = traj.t, traj.x[:, 0], traj.v[:, 0]
    np.testing.assert_allclose(v, v_start + acc * t, rtol=0, atol=1e-9)
    np.testing.assert_allclose(traj.a[1:, 0], acc, rtol=0, atol=1e-9)
    ballistic = X0 + v_start * t + 0.5 * acc * t**2
    np.testing.assert_allclose(x, ballistic, rtol=0, atol=1e-9)
    # semi-implicit Euler (x' = x + v' dt) over the same speeds: after k steps it is
    # k * a dt^2 / 2 ahead of the ballistic position (a t dt / 2: 0.2 m, -0.4 m here)
    k = np.arange(n + 1)
    euler = X0 + v_start * t + acc * DT**2 * k * (k + 1) / 2
    np.testing.assert_allclose(euler - x, k * acc * DT**2 / 2, rtol=0, atol=1e-9)
    assert abs(euler[-1] - x[-1]) == pytest.approx(abs(acc) * t[-1] * DT / 2, abs=1e-9)
    assert abs(euler[-1] - x[-1]) > 0.15  # a difference the 1e-9 checks above would catch


def test_every_idm_step_moves_by_the_mean_of_old_and_new_speed():
    # IDM proper (acceleration changes every step): a car starting from rest 40 m behind a
    # slower leader, then closing in and braking. Each step moves (v + v') / 2 * dt, which is
    # the semi-implicit Euler step v' dt minus a dt^2 / 2 (a: the step's acceleration)
    traj = _run(0.0, 600, v0=np.array([25.0, 8.0]), s=(X0, X0 + 40.0))
    x, v, a = traj.x[:, 0], traj.v[:, 0], traj.a[1:, 0]
    assert a.max() > 1.0 and a.min() < -0.3  # it did speed up, then brake, by IDM
    assert np.ptp(a) > 1.5
    dx = np.diff(x)
    np.testing.assert_allclose(dx, (v[:-1] + v[1:]) / 2 * DT, rtol=0, atol=1e-12)
    np.testing.assert_allclose(v[1:] * DT - dx, a * DT**2 / 2, rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.diff(v), a * DT, rtol=0, atol=1e-12)
    # summed up: over the same speeds, Euler's position leads by half a step's worth of the
    # speed gained so far, (v(t) - v(0)) dt / 2 (0.2 m at 8 m/s)
    euler = X0 + np.cumsum(v[1:] * DT)
    np.testing.assert_allclose(euler - x[1:], (v[1:] - v[0]) * DT / 2, rtol=0, atol=1e-9)


def test_a_vehicle_stopping_inside_a_step_stops_there_and_never_reverses():
    # 3 m/s braking at 8 m/s^2: 0.4 m/s per step, v = 0.2 m/s after 7 steps; the 8th step
    # would end at -0.2 m/s, so the car stops inside it and stays stopped
    v_start, b = 3.0, 8.0
    assert b < P.MAX_BRAKE  # the override is used as given
    traj = _run(v_start, 40, override=-b)
    x, v, a = traj.x[:, 0], traj.v[:, 0], traj.a[:, 0]
    k = math.floor(v_start / (b * DT))  # full braking steps before the stopping step
    v_k = v_start - k * b * DT
    assert k == 7 and v_k == pytest.approx(0.2)
    np.testing.assert_allclose(v[: k + 1], v_start - b * DT * np.arange(k + 1), atol=1e-12)
    np.testing.assert_array_equal(v[k + 1 :], 0.0)
    # the stopping step moves v_k dt / 2 (mean of v_k and 0) and reports its mean deceleration
    assert a[k + 1] == pytest.approx(-v_k / DT, abs=1e-9)
    np.testing.assert_array_equal(a[k + 2 :], 0.0)
    stop_exact = X0 + v_start**2 / (2 * b)  # where a constant deceleration b comes to rest
    stop_engine = stop_exact + v_k / 2 * (DT - v_k / b)
    assert x[k + 1] == pytest.approx(stop_engine, abs=1e-9)
    # 2.5 mm past the exact point here, never more than b dt^2 / 8 (v_k = b dt / 2)
    assert 0.0 <= x[k + 1] - stop_exact <= b * DT**2 / 8 + 1e-12
    assert x[k + 1] - stop_exact == pytest.approx(0.0025, abs=1e-9)
    # stopped: not a millimetre further, and never backwards on the way
    np.testing.assert_array_equal(x[k + 1 :], x[k + 1])
    assert np.all(np.diff(x) >= 0.0)
