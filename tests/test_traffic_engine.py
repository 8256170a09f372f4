"""The fused step, grid collisions and MOBIL: kernels against naive twins, and behaviour."""

from __future__ import annotations

import math

import numpy as np
import pytest

import naive
from sim.road import Road, Segment
from sim.road.kernels import _lane_to_world_fast, _world_to_lane_fast
from sim.traffic import kernels
from sim.traffic import params as P
from sim.traffic.world import World, simulate
from traffic_helpers import make_state

DT = 0.05
SEGMENTS = [(100.0, 0.0), (80.0, 1 / 60.0), (50.0, 0.0), (70.0, -1 / 45.0)]


def _curvy_road(lanes=3):
    return Road(lanes=lanes, lane_width=3.5, segments=tuple(Segment(l, k) for l, k in SEGMENTS))


# ------------------------------------------------------------------ lane coordinates
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


# ------------------------------------------------------------------ the fused step
def test_step_kernel_matches_naive_controls_bicycle_and_projection():
    road = _curvy_road()
    rng = np.random.default_rng(5)
    n = 12
    lanes = rng.integers(0, 3, n)
    st = make_state(road, lanes, rng.uniform(20, 260, n), rng.uniform(0, 30, n), v0=rng.uniform(10, 35, n))
    st.yaw += rng.uniform(-0.05, 0.05, n)
    st.steer[:] = rng.uniform(-0.05, 0.05, n)
    st.acc_override[:3] = [-6.0, 1.0, np.nan]
    st.lc_active[3] = True
    st.lc_s0[3], st.lc_len[3], st.lc_d0[3], st.lc_d1[3] = st.s[3] - 5, 60.0, st.d_ref[3], st.d_ref[3] + 3.5
    world = World(road, st, DT)
    before = st.copy()
    leader, gap = world.leader.copy(), world.gap.copy()
    world.step()
    for i in range(n):
        j = leader[i]
        look = min(max(P.LOOKAHEAD_TIME * before.v[i], P.LOOKAHEAD_MIN), P.LOOKAHEAD_MAX)
        q = (before.s[i] + look - before.lc_s0[i]) / before.lc_len[i] if before.lc_active[i] else None
        lat = before.d_ref[i] if q is None else (
            before.lc_d0[i] + (before.lc_d1[i] - before.lc_d0[i]) * min(max(q, 0.0), 1.0) ** 3
            * (10 - 15 * min(max(q, 0.0), 1.0) + 6 * min(max(q, 0.0), 1.0) ** 2))
        over = None if math.isnan(before.acc_override[i]) else before.acc_override[i]
        acc, steer_cmd = naive.agent_controls(
            SEGMENTS, before.x[i], before.y[i], before.yaw[i], before.v[i], before.s[i], before.wheelbase[i],
            before.v0[i], before.T[i], before.s0[i], before.a_max[i], before.b_comf[i], before.delta[i],
            before.b_max[i], lat, over, gap[i] if j >= 0 else None,
            before.v[j] * math.cos(before.yaw[i] - before.yaw[j]) if j >= 0 else None,  # along my heading
            P.LOOKAHEAD_TIME, P.LOOKAHEAD_MIN, P.LOOKAHEAD_MAX)
        want = naive.bicycle_step(before.x[i], before.y[i], before.yaw[i], before.v[i], before.steer[i], acc,
                                  steer_cmd, before.wheelbase[i], P.MAX_STEER, P.MAX_STEER_RATE, DT)
        got = (st.x[i], st.y[i], st.yaw[i], st.v[i], st.a[i], st.steer[i])
        assert got == pytest.approx(want, abs=1e-9), i
        bs, bd = naive.world_to_lane(SEGMENTS, st.x[i], st.y[i], 300.0, step=0.005)
        assert (st.s[i], st.d[i]) == pytest.approx((bs, bd), abs=0.01)


def test_parallel_and_serial_step_give_identical_trajectories():
    road = Road.straight(3000.0, 3, 3.5)
    rng = np.random.default_rng(6)
    s = np.sort(rng.choice(np.arange(0, 2500, 15.0), 120, replace=False))
    args = (road, rng.integers(0, 3, 120), s, rng.uniform(15, 30, 120))
    runs = []
    for parallel in (False, True):
        st = make_state(*args, v0=np.full(120, 30.0))
        st.mobil[:] = True
        traj = simulate(World(road, st, DT, parallel=parallel), 100)
        runs.append(b"".join(getattr(traj, f).tobytes() for f in ("x", "y", "yaw", "v", "lane")))
    assert runs[0] == runs[1]


@pytest.mark.parametrize("name", ["_step", "_refresh", "_collisions", "_mobil"])
def test_threaded_kernels_are_cached_apart_from_the_serial_ones(name):
    # Numba's disk cache keys a function by module, qualified name, signature and bytecode,
    # not by compile options: a threaded kernel compiled from the serial one's function
    # would load the serial machine code from the cache (or the other way round)
    serial = getattr(kernels, name)
    threaded = getattr(kernels, name + "_parallel")
    assert threaded.targetoptions.get("parallel") and not serial.targetoptions.get("parallel")
    assert serial.py_func.__qualname__ != threaded.py_func.__qualname__
    assert serial.py_func.__code__.co_code == threaded.py_func.__code__.co_code


# ------------------------------------------------------------------ sorting and collisions
def test_insertion_sort_falls_back_on_a_scrambled_order():
    rng = np.random.default_rng(7)
    key = rng.uniform(0, 1, 20000)
    order = rng.permutation(20000).astype(np.int64)
    kernels._insertion_sort(order, key)
    assert np.all(np.diff(key[order]) >= 0)
    assert sorted(order) == list(range(20000))


def test_insertion_sort_of_a_nearly_sorted_order_is_stable():
    """Few moves, many equal keys (the grid's cells): same as a stable sort of the input order."""
    rng = np.random.default_rng(8)
    key = np.sort(rng.integers(0, 300, 2000)).astype(np.float64)
    order = np.arange(2000, dtype=np.int64)
    for _ in range(5):
        key = key + rng.choice([0.0, 0.0, 0.0, 1.0, -1.0, 7.0], 2000)
        want = sorted(order.tolist(), key=lambda i: key[i])  # Python's sort is stable
        kernels._insertion_sort(order, key)
        assert order.tolist() == want


@pytest.mark.parametrize("layout", ["lanes", "clustered", "duplicates"])
def test_bucket_search_matches_a_linear_scan(layout):
    """MOBIL's neighbour look-up (bucket table + search in one bucket) finds what a scan of
    the sorted keys finds, for queries inside, between and beyond the keys."""
    rng = np.random.default_rng(len(layout))
    n, stride = 3000, 1e4
    if layout == "lanes":  # lane * stride + s, four lanes of a 7 km road
        keys = rng.integers(0, 4, n) * stride + rng.uniform(-5, 7000, n)
    elif layout == "clustered":  # most keys within metres of one point, a few far away
        keys = np.concatenate([rng.normal(5000.0, 2.0, n - 5), rng.uniform(0, 4e4, 5)])
    else:
        keys = rng.integers(0, 40, n) * 25.0
    keys = np.concatenate([np.sort(keys), np.full(7, kernels._INACTIVE_KEY)])  # inactive last
    start, lo, scale, nb = kernels._key_buckets(keys)
    queries = np.concatenate([rng.choice(keys[:-7], 200), rng.uniform(-2e4, 6e4, 300),
                              [-1e9, 1e9, keys[0], keys[-8]]])
    for v in queries:
        got = kernels._bucket_search(keys, start, lo, scale, nb, v)
        assert got == naive.searchsorted_left(keys, v) == np.searchsorted(keys, v), v
    empty = np.full(3, kernels._INACTIVE_KEY)
    assert kernels._bucket_search(empty, *kernels._key_buckets(empty), 5.0) == 0


def test_grid_collisions_skip_the_sort_only_while_nobody_changes_cell():
    """Standing traffic keeps every cell key (the sort is skipped); then one car jumps far
    along the road into another's box: the sweep still finds exactly the shapely pairs."""
    rng = np.random.default_rng(9)
    n = 200
    x, y = rng.uniform(0, 600, n), rng.uniform(0, 14, n)
    yaw = rng.normal(0, 0.2, n)
    length, width = rng.choice([4.5, 12.0], n), np.full(n, 1.9)
    active = np.ones(n, bool)
    order, key = rng.permutation(n).astype(np.int64), np.zeros(n, np.int64)
    for step in range(4):
        if step == 3:
            x[0], y[0], yaw[0] = x[150] + 1.0, y[150], yaw[150]
        got = kernels._collisions(order, key, active, x, y, np.cos(yaw), np.sin(yaw), length, width)
        assert [tuple(p) for p in got] == sorted(naive.collision_pairs(active, x, y, yaw, length, width))
        assert np.all(np.diff(key[order]) >= 0)
    assert (0, 150) in {tuple(p) for p in got}


@pytest.mark.parametrize("heading", [0.0, math.pi / 2, 2.3])
def test_grid_collisions_match_shapely_while_agents_move(heading):
    """Dense random boxes on a road in any direction; the grid order carries over steps."""
    rng = np.random.default_rng(int(heading * 10))
    n = 300
    along, across = rng.uniform(0, 400, n), rng.uniform(0, 14, n)
    c, s = math.cos(heading), math.sin(heading)
    x, y = along * c - across * s, along * s + across * c
    yaw = heading + rng.normal(0, 0.3, n)
    length, width = rng.choice([4.5, 5.2, 12.0], n), rng.choice([1.8, 2.0, 2.5], n)
    active = rng.random(n) > 0.05
    order, key = rng.permutation(n).astype(np.int64), np.zeros(n, np.int64)
    for _ in range(4):
        got = kernels._collisions(order, key, active, x, y, np.cos(yaw), np.sin(yaw), length, width)
        want = naive.collision_pairs(active, x, y, yaw, length, width)
        assert [tuple(p) for p in got] == sorted(want)
        assert len(want) > 0
        x = x + rng.normal(0, 1.0, n)
        y = y + rng.normal(0, 1.0, n)


@pytest.mark.parametrize("threaded", [False, True])
@pytest.mark.parametrize("pile_up", [False, True])
def test_grid_collisions_in_sweep_pieces_and_of_a_pile_up(threaded, pile_up):
    """2,000 agents, so the sweep runs in pieces whose pairs are gathered; with 90 of them
    stacked on one spot (4,005 pairs: more than a piece holds) that piece is swept again
    into the result. Exactly the shapely pairs either way, threaded or not."""
    rng = np.random.default_rng(12)
    n = 2000
    x, y = rng.uniform(0, 20000, n), rng.uniform(0, 14, n)
    if pile_up:
        x[500:590], y[500:590] = 1000.0 + rng.uniform(0, 0.5, 90), 7.0
    yaw = rng.normal(0, 0.2, n)
    length, width = rng.choice([4.5, 12.0], n), np.full(n, 1.9)
    active = np.ones(n, bool)
    kernel = kernels._collisions_parallel if threaded else kernels._collisions
    got = kernel(np.arange(n), np.zeros(n, np.int64), active, x, y, np.cos(yaw), np.sin(yaw), length, width)
    want = sorted(naive.collision_pairs(active, x, y, yaw, length, width))
    assert len(want) >= (90 * 89 // 2 if pile_up else 5)
    assert len({int(x[p[0]] // 2500.0) for p in want}) > 2  # pairs in several pieces
    assert [tuple(p) for p in got] == want


def test_no_all_pairs_work_in_the_collision_sweep():
    """Cars 25 m apart in 4 lanes: each is tested against a handful of others, not all."""
    n = 4000
    x = np.repeat(np.arange(n // 4) * 25.0, 4)
    y = np.tile(np.arange(4) * 3.5 + 1.75, n // 4)
    pairs = kernels._collision_pairs(np.ones(n, bool), x, y, np.zeros(n), np.full(n, 4.5), np.full(n, 1.8))
    assert pairs.shape == (0, 2)


# ------------------------------------------------------------------ MOBIL
def _mobil_kernel(world, period=1):
    st, road = world.state, world.road
    started = np.zeros(len(st), bool)
    kernels._mobil(0, period, DT, world.order, world._sorted_key, world._rank,
                   np.zeros(len(st), bool), world._lane_stride, world._road_lanes, world._lane_tab,
                   world._lane_wall, world.active, st.road, st.lane, world._glane, st.dirn,
                   world.gap_ctl, world._v_ctl, st.s, st.d, st.v, st.length, st.v0, st.T, st.s0,
                   st.a_max, st.b_comf, st.delta, st.acc_override, st.mobil, st.politeness,
                   st.mobil_threshold, st.b_safe, st.lc_duration, st.lc_cooldown, st.lc_active,
                   st.lc_s0, st.lc_len, st.lc_d0, st.lc_d1, started)
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
            return naive.idm_accel(before.v[f], before.v0[f], before.T[f], before.s0[f], before.a_max[f], before.b_comf[f], 4.0)
        gap = before.s[j] - before.s[f] - 0.5 * (before.length[f] + before.length[j])
        return naive.idm_accel(before.v[f], before.v0[f], before.T[f], before.s0[f], before.a_max[f],
                               before.b_comf[f], 4.0, gap, before.v[j])

    want = naive.mobil(before.lane, before.s, before.length, idm, np.ones(n, bool), before.mobil,
                       before.politeness, before.mobil_threshold, before.b_safe,
                       before.s0 + before.v * before.T, 4)
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


@pytest.mark.parametrize("politeness, b_safe, changes", [(0.0, 4.0, True), (1.0, 4.0, False), (0.0, 1.0, False)])
def test_mobil_politeness_and_safety_criterion(politeness, b_safe, changes):
    """A car stuck behind a slower truck, a faster car 50 m back in the free lane. Moving
    over gains the car more than the threshold but makes the other car brake at ~2 m/s^2:
    an egoistic driver (p = 0) goes; a polite one (p = 1) counts that braking and stays; and
    nobody goes when the braking it imposes exceeds b_safe (the safety criterion)."""
    road = Road.straight(2000.0, 2, 3.5)
    st = make_state(road, [0, 0, 1], [500.0, 560.0, 450.0], [25.0, 22.0, 28.0],
                    v0=np.array([33.0, 22.0, 33.0]))
    st.mobil[:] = [True, False, False]
    st.politeness[:], st.b_safe[:], st.mobil_threshold[:] = politeness, b_safe, 0.1
    idm = (P.IDM_TIME_HEADWAY, P.IDM_MIN_GAP, P.IDM_MAX_ACCEL, P.IDM_COMFORT_DECEL, P.IDM_DELTA)
    gap_new = 500.0 - 450.0 - 4.5  # the other car behind the car, once it has moved over
    imposed = naive.idm_accel(28.0, 33.0, *idm, gap=gap_new, v_leader=25.0) - naive.idm_accel(28.0, 33.0, *idm)
    own_gain = naive.idm_accel(25.0, 33.0, *idm) - naive.idm_accel(25.0, 33.0, *idm, gap=60.0 - 4.5, v_leader=22.0)
    assert -4.0 < naive.idm_accel(28.0, 33.0, *idm, gap=gap_new, v_leader=25.0) < -1.0
    assert own_gain > 0.1 and own_gain + imposed < 0.1  # egoistic: go; polite: stay
    assert _mobil_kernel(World(road, st, DT)) == ({0: 1} if changes else {})


def test_mobil_traffic_stays_collision_free():
    road = Road.straight(4000.0, 3, 3.5)
    rng = np.random.default_rng(11)
    n = 150
    s = np.sort(rng.choice(np.arange(0, 3000, 20.0), n, replace=False))
    st = make_state(road, rng.integers(0, 3, n), s, rng.uniform(15, 30, n), v0=rng.uniform(20, 38, n))
    st.mobil[:] = True
    traj = simulate(World(road, st, DT), 600)
    changes = [e for e in traj.events if e.name == "mobil_lane_change_start"]
    assert len(changes) > 10
    assert not traj.collided.any()
    assert np.all(np.abs(np.diff(traj.lane, axis=0)) <= 1)


@pytest.mark.parametrize("seed", range(5))
def test_refresh_matches_all_pairs_leaders_with_lane_changers(seed):
    """_refresh (order, changers' second lane, leaders, gaps, leader speeds) against the
    all-pairs twin, with the overlap rule for changers written out."""
    rng = np.random.default_rng(100 + seed)
    n = 60
    road = Road.straight(1000.0, 3, 3.5)
    st = make_state(road, rng.integers(0, 3, n), rng.uniform(0, 800, n), rng.uniform(0, 30, n))
    changing = rng.random(n) > 0.7
    st.lc_active[:] = changing
    st.lc_d1[:] = road.lane_center(np.clip(st.lane + rng.choice([-1, 1], n), 0, 2))
    world = World(road, st, DT)  # computes lane, s, d, then _refresh
    st.d[:] = st.d + np.where(changing, rng.uniform(-2.0, 2.0, n), 0.0)  # part-way across
    st.lane[:] = road.lane_of(st.d)
    world.active[rng.random(n) < 0.1] = False
    world._refresh_order()
    target = road.lane_of(st.lc_d1)
    overlaps = np.abs(st.d - road.lane_center(target)) < 0.5 * (road.lane_width + st.width)
    lc_lane = np.where(st.lc_active & overlaps, target, st.lane)
    want_leader, want_gap = naive.leaders(st.lane, st.s, st.length, world.active, st.lc_active, lc_lane)
    np.testing.assert_array_equal(world.leader, want_leader)
    np.testing.assert_allclose(world.gap, want_gap)
    np.testing.assert_array_equal(world._v_lead, np.where(want_leader >= 0, st.v[want_leader], 0.0))


# ------------------------------------------------------------------ bench (no timing asserted)
def test_traffic_bench_prints_a_line_per_size_and_the_issue_targets(capsys):
    import argparse
    import json

    from sim.bench import traffic as bench

    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    assert parser.parse_args([]).sizes == [50, 1000, 10000, 100000]
    args = parser.parse_args(["--sizes", "40", "80", "--seconds", "0.001", "--repeats", "2",
                              "--parallel-min", "80", "--python-max", "40", "--large", "50"])
    assert bench.run(args) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r.get("n") for r in rows[:2]] == [40, 80] and rows[2]["summary"]
    assert "python_agent_steps_per_s" in rows[0] and "python_agent_steps_per_s" not in rows[1]
    assert "engine_threaded_agent_steps_per_s" in rows[1] and rows[0]["numpy_agent_steps_per_s"] > 0
    assert len(rows[2]["load_average_before_after"]) == 2
