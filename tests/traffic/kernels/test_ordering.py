"""Ordering kernels (sim.traffic.kernels.ordering and the shared insertion sort) against
their naive twins: leaders from the sorted per-lane order, the sort itself, MOBIL's bucket
look-up and the whole refresh."""

from __future__ import annotations

import numpy as np
import pytest

from sim.road import Road
from sim.traffic.kernels.ordering import _bucket_search, _find_leaders, _key_buckets
from sim.traffic.kernels.shared import _INACTIVE_KEY, _insertion_sort
from sim.traffic.world import World

import naive
from helpers.traffic import make_state

DT = 0.05


@pytest.mark.parametrize("n", [1, 2, 7, 60])
def test_leader_search_matches_all_pairs(n):
    rng = np.random.default_rng(n)
    for _ in range(20):
        lane = rng.integers(-1, 3, n).astype(np.int32)  # -1: off the carriageway
        s = rng.uniform(0, 200, n)
        length = rng.uniform(3, 12, n)
        active = rng.random(n) > 0.1
        lc_active = rng.random(n) > 0.7
        lc_lane = np.where(lane < 0, lane, np.clip(lane + rng.choice([-1, 1], n), 0, 2)).astype(
            np.int32
        )
        lc_lane = np.where(lc_active | (rng.random(n) > 0.8), lc_lane, lane).astype(
            np.int32
        )  # changing, signalling
        dirn = rng.choice([1.0, 1.0, 1.0, -1.0], n)  # some wrong-way / oncoming drivers
        stride = 1e4
        key = np.where(active & (lane >= 0), lane * stride + s, _INACTIVE_KEY)
        order = rng.permutation(n).astype(np.int64)
        _insertion_sort(order, key)
        assert np.all(np.diff(key[order]) >= 0)
        leader = np.zeros(n, np.int32)
        gap = np.zeros(n)
        _find_leaders(
            order,
            key[order],
            lane,
            s,
            length,
            active,
            lc_active,
            lc_lane,
            stride,
            leader,
            gap,
            dirn,
        )
        want_leader, want_gap = naive.leaders(lane, s, length, active, lc_active, lc_lane, dirn)
        np.testing.assert_array_equal(leader, want_leader)
        np.testing.assert_allclose(gap, want_gap)


def test_insertion_sort_falls_back_on_a_scrambled_order():
    rng = np.random.default_rng(7)
    key = rng.uniform(0, 1, 20000)
    order = rng.permutation(20000).astype(np.int64)
    _insertion_sort(order, key)
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
        _insertion_sort(order, key)
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
    keys = np.concatenate([np.sort(keys), np.full(7, _INACTIVE_KEY)])  # inactive last
    start, lo, scale, nb = _key_buckets(keys)
    queries = np.concatenate(
        [rng.choice(keys[:-7], 200), rng.uniform(-2e4, 6e4, 300), [-1e9, 1e9, keys[0], keys[-8]]]
    )
    for v in queries:
        got = _bucket_search(keys, start, lo, scale, nb, v)
        assert got == naive.searchsorted_left(keys, v) == np.searchsorted(keys, v), v
    empty = np.full(3, _INACTIVE_KEY)
    assert _bucket_search(empty, *_key_buckets(empty), 5.0) == 0


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
    want_leader, want_gap = naive.leaders(
        st.lane, st.s, st.length, world.active, st.lc_active, lc_lane
    )
    np.testing.assert_array_equal(world.leader, want_leader)
    np.testing.assert_allclose(world.gap, want_gap)
    np.testing.assert_array_equal(world._v_lead, np.where(want_leader >= 0, st.v[want_leader], 0.0))
