"""Collisions (sim.traffic.kernels.collisions, sim.geometry): the grid sweep against
shapely's all-pairs twin, and the work it does (candidate pairs tested) on a long road."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.geometry import obb_overlap
from sim.traffic import kernels
from sim.traffic.kernels import Boxes, Grid

import naive


def _sweep(order, key, active, x, y, yaw, length, width, threaded=False):
    """The collision kernel on loose arrays (its grid order and keys kept by the caller)."""
    boxes = Boxes(active, x, y, np.cos(yaw), np.sin(yaw), length, width)
    return kernels.find_collisions(Grid(order, key), boxes, threaded=threaded)


def test_collision_pairs_match_shapely():
    rng = np.random.default_rng(9)
    for _ in range(30):
        n = 40
        x, y = rng.uniform(0, 60, n), rng.uniform(0, 20, n)
        yaw = rng.uniform(-math.pi, math.pi, n)
        length, width = rng.uniform(0.5, 12, n), rng.uniform(0.5, 3, n)
        active = rng.random(n) > 0.1
        got = {tuple(p) for p in kernels.collision_pairs(active, x, y, yaw, length, width)}
        assert got == set(naive.collision_pairs(active, x, y, yaw, length, width))


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
        got, _ = _sweep(order, key, active, x, y, yaw, length, width)
        assert [tuple(p) for p in got] == sorted(
            naive.collision_pairs(active, x, y, yaw, length, width)
        )
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
        got, _ = _sweep(order, key, active, x, y, yaw, length, width)
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
    order, key = np.arange(n), np.zeros(n, np.int64)
    got, _ = _sweep(order, key, active, x, y, yaw, length, width, threaded=threaded)
    want = sorted(naive.collision_pairs(active, x, y, yaw, length, width))
    assert len(want) >= (90 * 89 // 2 if pile_up else 5)
    assert len({int(x[p[0]] // 2500.0) for p in want}) > 2  # pairs in several pieces
    assert [tuple(p) for p in got] == want


def test_obb_overlap_matches_shapely():
    """The separating-axis test (sim.geometry.obb_overlap) against shapely polygons."""
    rng = np.random.default_rng(10)
    for _ in range(2000):
        a = (
            rng.uniform(-5, 5),
            rng.uniform(-5, 5),
            rng.uniform(-4, 4),
            rng.uniform(0.5, 8),
            rng.uniform(0.3, 3),
        )
        b = (
            rng.uniform(-5, 5),
            rng.uniform(-5, 5),
            rng.uniform(-4, 4),
            rng.uniform(0.5, 8),
            rng.uniform(0.3, 3),
        )
        want = naive.box_polygon(*a).intersects(naive.box_polygon(*b))
        assert obb_overlap(*a, *b) == want


def _spread_along_a_road(n, seed):
    """n cars spread at random along a road of n * 8 m, 3 lanes (one car per 24 m of lane
    on average, some bumper to bumper, some overlapping)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 8.0 * n, n)
    y = rng.integers(0, 3, n) * 3.5 + 1.75 + rng.normal(0.0, 0.2, n)
    yaw = rng.normal(0.0, 0.05, n)
    length = rng.choice([4.5, 4.5, 4.5, 12.0], n)
    return np.ones(n, bool), x, y, yaw, length, np.full(n, 1.9)


@pytest.mark.parametrize("threaded", [False, True])
def test_collision_sweep_tests_a_linear_number_of_pairs_on_a_long_road(threaded):
    """The work of the sweep (candidate pairs it tests) grows like N, not N^2 / 2: at most
    a few per car for 1,000 and for 10,000 cars spread along a road, and the pairs it finds
    are the overlapping ones (checked with shapely on the smaller scene)."""
    per_car = {}
    for n in (1000, 10000):
        active, x, y, yaw, length, width = _spread_along_a_road(n, n)
        order, key = np.arange(n), np.zeros(n, np.int64)
        pairs, tested = _sweep(order, key, active, x, y, yaw, length, width, threaded=threaded)
        per_car[n] = tested / n
        assert len(pairs) <= tested <= 6 * n  # all-pairs would be n (n - 1) / 2
        if n == 1000:
            want = naive.collision_pairs(active, x, y, yaw, length, width)
            assert [tuple(p) for p in pairs] == sorted(want) and want
    assert per_car[10000] < 1.5 * per_car[1000] + 0.5  # linear: the same work per car


def test_collision_sweep_counts_every_candidate_it_tests():
    """Two cars in one cell are one candidate pair; cars 25 m apart in 4 lanes are tested
    against their neighbours across the lanes only (cells 2 r_max wide), never all."""
    one = _sweep(
        np.arange(2),
        np.zeros(2, np.int64),
        np.ones(2, bool),
        np.array([0.0, 1.0]),
        np.array([0.0, 0.0]),
        np.zeros(2),
        np.full(2, 4.5),
        np.full(2, 1.8),
    )
    assert one[1] == 1 and [tuple(p) for p in one[0]] == [(0, 1)]
    n = 4000
    x = np.repeat(np.arange(n // 4) * 25.0, 4)
    y = np.tile(np.arange(4) * 3.5 + 1.75, n // 4)
    pairs, tested = _sweep(
        np.arange(n),
        np.zeros(n, np.int64),
        np.ones(n, bool),
        x,
        y,
        np.zeros(n),
        np.full(n, 4.5),
        np.full(n, 1.8),
    )
    assert pairs.shape == (0, 2)
    assert 0 < tested <= 2 * n  # each lane's neighbour across, no pair along the road
