"""The traffic World judged by physical outcome: following, equilibrium gaps, free road,
curves, scripted cut-ins, lane changes and braking; determinism; the bench's output."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.road import Road, Segment
from sim.traffic.maneuvers import CutIn, HardBrake, LaneChange, Trigger
from sim.traffic.world import World, simulate

from helpers.traffic import make_state

DT = 0.05


def _run(road, st, steps, scripts=None):
    world = World(road, st, DT, scripts)
    return world, simulate(world, steps)


def test_follower_stops_s0_behind_a_stopped_car_without_collision():
    road = Road.straight(1000.0, 1, 3.5)
    st = make_state(road, [0, 0], [100.0, 300.0], [25.0, 0.0], v0=[25.0, 0.1])
    st.acc_override[1] = -9.0  # standing, brakes on
    world, traj = _run(road, st, 1200)  # 60 s
    assert traj.x[-1, 1] == traj.x[0, 1]
    gap = traj.gap[-1, 0]
    assert traj.v[-1, 0] == pytest.approx(0.0, abs=0.05)
    assert gap == pytest.approx(2.0, abs=0.25)  # s0
    assert traj.gap[:, 0].min() > 0.0
    assert not traj.collided.any()


def test_equilibrium_gap_is_s0_plus_vT_behind_a_steady_leader():
    """Behind a leader at v, IDM settles at s_e = (s0 + vT) / sqrt(1 - (v/v0)^delta)."""
    road = Road.straight(5000.0, 1, 3.5)
    v = 20.0
    st = make_state(road, [0, 0], [50.0, 120.0], [v, v], v0=[30.0, v])
    world, traj = _run(road, st, 3000)
    s_e = (2.0 + v * 1.5) / math.sqrt(1 - (v / 30.0) ** 4)
    assert traj.gap[-1, 0] == pytest.approx(s_e, rel=0.01)
    assert traj.v[-1, 0] == pytest.approx(v, abs=0.05)


def test_free_road_speed_approaches_v0():
    road = Road.straight(3000.0, 1, 3.5)
    st = make_state(road, [0], [10.0], [0.0], v0=[27.0])
    world, traj = _run(road, st, 1600)
    assert traj.v[-1, 0] == pytest.approx(27.0, abs=0.3)
    assert np.all(np.diff(traj.v[:, 0]) >= -1e-9)  # never slows down on a free road
    assert traj.a[:, 0].max() <= 1.5 + 1e-9


def test_vehicle_follows_a_curved_lane():
    road = Road(
        lanes=2,
        lane_width=3.5,
        segments=(
            Segment(60.0),
            Segment(250.0, 1 / 80.0),
            Segment(60.0),
            Segment(200.0, -1 / 60.0),
            Segment(100.0),
        ),
    )
    st = make_state(road, [1], [10.0], [20.0])
    world, traj = _run(road, st, 600)
    offset = traj.d[:, 0] - road.lane_center(1)
    assert np.abs(offset).max() < 0.5  # stays well inside its 3.5 m lane
    assert traj.s[-1, 0] > 500


def test_cut_in_happens_at_the_requested_gap():
    road = Road.straight(1000.0, 3, 3.5)
    # ego (0) in lane 1, cutter (1) in lane 2 alongside and faster
    st = make_state(road, [1, 2], [80.0, 78.0], [25.0, 30.0])
    for gap in (6.0, 10.0, 15.0):
        s2 = make_state(road, [1, 2], [80.0, 78.0], [25.0, 30.0])
        world, traj = _run(road, s2, 200, {1: (CutIn(0, gap, 2.5),)})
        crossing = [e for e in traj.events if e.name == "cut_in_crossing"]
        assert len(crossing) == 1
        assert crossing[0].data["gap"] == pytest.approx(gap, abs=1.0)
        assert traj.lane[-1, 1] == 1
        assert not traj.collided.any()
    del st


def test_lane_change_reaches_target_lane_centre_and_hard_brake_stops():
    road = Road.straight(1000.0, 3, 3.5)
    st = make_state(road, [0], [50.0], [20.0])
    scripts = {0: (LaneChange(2, 4.0, Trigger("time", at=1.0)), HardBrake(8.0))}
    world, traj = _run(road, st, 400, scripts)
    names = [e.name for e in traj.events]
    assert names == ["lane_change_start", "lane_change_done", "hard_brake_start", "hard_brake_done"]
    assert traj.d[-1, 0] == pytest.approx(road.lane_center(2), abs=0.15)
    start = next(e.t for e in traj.events if e.name == "hard_brake_start")
    done = next(e.t for e in traj.events if e.name == "hard_brake_done")
    assert traj.a[int(round(start / DT)) + 2, 0] == pytest.approx(-8.0)
    assert traj.v[int(round(done / DT)), 0] == pytest.approx(0.0, abs=1e-6)
    assert done - start == pytest.approx(20.0 / 8.0, abs=DT)  # v / decel


def test_determinism_same_inputs_same_bytes():
    road = Road.straight(2000.0, 3, 3.5)
    rng = np.random.default_rng(0)
    s = np.sort(rng.choice(np.arange(0, 1800, 12.0), 80, replace=False))
    lanes = rng.integers(0, 3, 80)
    v = rng.uniform(15, 30, 80)
    runs = []
    for _ in range(2):
        st = make_state(road, lanes, s, v, v0=v + 3)
        _, traj = _run(road, st, 200)
        runs.append(
            b"".join(getattr(traj, f).tobytes() for f in ("x", "y", "yaw", "v", "a", "steer"))
        )
    assert runs[0] == runs[1]


def test_traffic_bench_prints_a_line_per_size_and_the_issue_targets(capsys):
    import argparse
    import json

    from sim.bench import traffic as bench

    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    assert parser.parse_args([]).sizes == [50, 1000, 10000, 100000]
    args = parser.parse_args(
        [
            "--sizes",
            "40",
            "80",
            "--seconds",
            "0.001",
            "--repeats",
            "2",
            "--parallel-min",
            "80",
            "--python-max",
            "40",
            "--large",
            "50",
        ]
    )
    assert bench.run(args) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r.get("n") for r in rows[:2]] == [40, 80] and rows[2]["summary"]
    assert "python_agent_steps_per_s" in rows[0] and "python_agent_steps_per_s" not in rows[1]
    assert "engine_threaded_agent_steps_per_s" in rows[1] and rows[0]["numpy_agent_steps_per_s"] > 0
    assert len(rows[2]["load_average_before_after"]) == 2
