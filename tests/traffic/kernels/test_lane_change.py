"""MOBIL (sim.traffic.kernels.lane_change): the kernel against its all-pairs twin, and
lane changes judged by physical outcome."""

from __future__ import annotations

import numpy as np
import pytest

from sim.road import Road
from sim.traffic import kernels
from sim.traffic import params as P
from sim.traffic.world import World, simulate

import naive
from helpers.traffic import make_state

DT = 0.05


def _mobil_kernel(world, period=1):
    """The MOBIL decisions of one call on a World's bundles: {agent: target lane}."""
    st, road = world.state, world.road
    started = np.zeros(len(st), bool)
    kernels.mobil(
        0,
        period,
        DT,
        world._roads,
        world._agents,
        world._idm,
        world._path,
        world._mobil_params,
        world._traffic,
        started,
    )
    return {int(i): int(road.lane_of(st.lc_d1[i])) for i in np.flatnonzero(started)}


@pytest.mark.parametrize("seed", range(12))
def test_mobil_kernel_matches_all_pairs_twin(seed):
    rng = np.random.default_rng(seed)
    n = 40
    road = Road.straight(2000.0, 4, 3.5)
    lanes = rng.integers(0, 4, n)
    s = rng.uniform(0, 600, n)
    v = rng.uniform(5, 30, n)
    st = make_state(road, lanes, s, v, v0=rng.uniform(15, 40, n), length=rng.choice([4.5, 12.0], n))
    st.mobil[:] = rng.random(n) > 0.2
    st.politeness[:] = rng.uniform(0, 1, n)
    st.mobil_threshold[:] = rng.uniform(0, 0.5, n)
    st.b_safe[:] = rng.uniform(2, 6, n)
    world = World(road, st, DT)
    before = st.copy()
    got = _mobil_kernel(world)

    def idm(f, j):
        if j is None:
            return naive.idm_accel(
                before.v[f],
                before.v0[f],
                before.T[f],
                before.s0[f],
                before.a_max[f],
                before.b_comf[f],
                4.0,
            )
        gap = before.s[j] - before.s[f] - 0.5 * (before.length[f] + before.length[j])
        return naive.idm_accel(
            before.v[f],
            before.v0[f],
            before.T[f],
            before.s0[f],
            before.a_max[f],
            before.b_comf[f],
            4.0,
            gap,
            before.v[j],
        )

    want = naive.mobil(
        before.lane,
        before.s,
        before.length,
        idm,
        np.ones(n, bool),
        before.mobil,
        before.politeness,
        before.mobil_threshold,
        before.b_safe,
        before.s0 + before.v * before.T,
        4,
    )
    assert got == want


def _two_lane(with_neighbour: bool):
    road = Road.straight(3000.0, 2, 3.5)
    # fast car (0) 40 m behind a slow truck (1) in lane 0; optionally a car (2) alongside in lane 1
    lanes, s, v = [0, 0], [100.0, 140.0], [25.0, 15.0]
    if with_neighbour:
        lanes, s, v = lanes + [1], s + [101.0], v + [25.0]
    st = make_state(road, lanes, s, v, v0=[33.0, 15.0] + ([25.0] if with_neighbour else []))
    st.length[1] = 12.0
    st.mobil[0] = True
    return road, st


def test_fast_car_behind_slow_truck_changes_lane_and_passes():
    road, st = _two_lane(False)
    traj = simulate(World(road, st, DT), 600)  # 30 s
    assert traj.lane[-1, 0] == 1 or traj.s[-1, 0] > traj.s[-1, 1]
    assert traj.s[-1, 0] > traj.s[-1, 1] + 20  # it passed the truck
    assert traj.v[:, 0].min() > 14.0  # without crawling behind it first
    assert any(e.name == "mobil_lane_change_start" and e.agent == 0 for e in traj.events)
    assert not traj.collided.any()


def test_no_lane_change_with_a_car_alongside():
    road, st = _two_lane(True)
    traj = simulate(World(road, st, DT), 400)
    # bodies overlap along the road, or the neighbour is so close behind it would have to brake
    alongside = np.abs(traj.s[:, 2] - traj.s[:, 0]) < 0.5 * (4.5 + 4.5) + 1.0
    assert alongside[:20].all()  # the first second at least
    starts = [e.t for e in traj.events if e.name == "mobil_lane_change_start" and e.agent == 0]
    for t in starts:
        assert not alongside[int(round(t / DT))]
    assert (traj.lane[alongside, 0] == 0).all()
    assert not traj.collided.any()
    # once the neighbour has moved ahead, the lane behind it is free: the car changes and passes
    assert starts
    assert traj.s[-1, 0] > traj.s[-1, 1]


@pytest.mark.parametrize(
    "politeness, b_safe, changes", [(0.0, 4.0, True), (1.0, 4.0, False), (0.0, 1.0, False)]
)
def test_mobil_politeness_and_safety_criterion(politeness, b_safe, changes):
    """A car stuck behind a slower truck, a faster car 50 m back in the free lane. Moving
    over gains the car more than the threshold but makes the other car brake at ~2 m/s^2:
    an egoistic driver (p = 0) goes; a polite one (p = 1) counts that braking and stays; and
    nobody goes when the braking it imposes exceeds b_safe (the safety criterion)."""
    road = Road.straight(2000.0, 2, 3.5)
    st = make_state(
        road, [0, 0, 1], [500.0, 560.0, 450.0], [25.0, 22.0, 28.0], v0=np.array([33.0, 22.0, 33.0])
    )
    st.mobil[:] = [True, False, False]
    st.politeness[:], st.b_safe[:], st.mobil_threshold[:] = politeness, b_safe, 0.1
    idm = (P.IDM_TIME_HEADWAY, P.IDM_MIN_GAP, P.IDM_MAX_ACCEL, P.IDM_COMFORT_DECEL, P.IDM_DELTA)
    gap_new = 500.0 - 450.0 - 4.5  # the other car behind the car, once it has moved over
    imposed = naive.idm_accel(28.0, 33.0, *idm, gap=gap_new, v_leader=25.0) - naive.idm_accel(
        28.0, 33.0, *idm
    )
    own_gain = naive.idm_accel(25.0, 33.0, *idm) - naive.idm_accel(
        25.0, 33.0, *idm, gap=60.0 - 4.5, v_leader=22.0
    )
    assert -4.0 < naive.idm_accel(28.0, 33.0, *idm, gap=gap_new, v_leader=25.0) < -1.0
    assert own_gain > 0.1 and own_gain + imposed < 0.1  # egoistic: go; polite: stay
    assert _mobil_kernel(World(road, st, DT)) == ({0: 1} if changes else {})


def test_mobil_traffic_stays_collision_free():
    road = Road.straight(4000.0, 3, 3.5)
    rng = np.random.default_rng(11)
    n = 150
    s = np.sort(rng.choice(np.arange(0, 3000, 20.0), n, replace=False))
    st = make_state(
        road, rng.integers(0, 3, n), s, rng.uniform(15, 30, n), v0=rng.uniform(20, 38, n)
    )
    st.mobil[:] = True
    traj = simulate(World(road, st, DT), 600)
    changes = [e for e in traj.events if e.name == "mobil_lane_change_start"]
    assert len(changes) > 10
    assert not traj.collided.any()
    assert np.all(np.abs(np.diff(traj.lane, axis=0)) <= 1)
