"""Road model: lane coordinates against exact geometry."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.road import Road, Segment

from naive import lane_to_world, world_to_lane

SEGMENTS = [(100.0, 0.0), (80.0, 1 / 60.0), (50.0, 0.0), (70.0, -1 / 45.0)]


def _road():
    return Road(
        lanes=3, lane_width=3.5, segments=tuple(Segment(length, k) for length, k in SEGMENTS)
    )


def test_length_and_lanes():
    road = _road()
    assert road.length == pytest.approx(300.0)
    assert road.lane_center(1) == pytest.approx(5.25)
    assert list(road.lane_of(np.array([-1.0, 0.1, 3.6, 10.4, 12.0]))) == [0, 0, 1, 2, 2]


def test_lane_to_world_matches_exact_geometry():
    road = _road()
    rng = np.random.default_rng(0)
    s = rng.uniform(0, 300, 200)
    d = rng.uniform(-3, 12, 200)
    x, y, h = road.to_world(s, d)
    for k in range(len(s)):
        ex, ey, eh = lane_to_world(SEGMENTS, s[k], d[k])
        assert x[k] == pytest.approx(ex, abs=2e-3)
        assert y[k] == pytest.approx(ey, abs=2e-3)
        assert math.remainder(h[k] - eh, 2 * math.pi) == pytest.approx(0.0, abs=2e-3)


def test_world_to_lane_round_trip_and_brute_force():
    road = _road()
    rng = np.random.default_rng(1)
    s = rng.uniform(1, 299, 60)
    d = rng.uniform(-2, 11, 60)
    x, y, _ = road.to_world(s, d)
    s2, d2 = road.to_lane(x, y)
    np.testing.assert_allclose(s2, s, atol=5e-3)
    np.testing.assert_allclose(d2, d, atol=5e-3)
    # with a hint, a short search window gives the same answer
    s3, d3 = road.to_lane(x, y, s_hint=s + rng.uniform(-1, 1, 60), window=6)
    np.testing.assert_allclose(s3, s, atol=5e-3)
    np.testing.assert_allclose(d3, d, atol=5e-3)
    for k in range(5):
        bs, bd = world_to_lane(SEGMENTS, x[k], y[k], 300.0, step=0.01)
        assert s2[k] == pytest.approx(bs, abs=0.02)
        assert d2[k] == pytest.approx(bd, abs=0.02)


def test_straight_road_is_the_x_axis():
    road = Road.straight(500.0, 2, 3.5)
    x, y, h = road.to_world([0.0, 250.0], [1.75, 5.25])
    np.testing.assert_allclose(x, [0.0, 250.0])
    np.testing.assert_allclose(y, [1.75, 5.25])
    np.testing.assert_allclose(h, [0.0, 0.0])


def test_invalid_roads_are_refused():
    with pytest.raises(ValueError):
        Road(lanes=0, lane_width=3.5, segments=(Segment(10.0),))
    with pytest.raises(ValueError):
        Road(lanes=2, lane_width=3.5, segments=(Segment(-1.0),))
