"""Lane changes on an OpenDRIVE map: ``lane_change`` by OpenDRIVE lane id, ``cut_in`` and
``cut_out`` between the lanes of one road's side, a change that goes on across a lane
section where the lanes are renumbered (tests/data/xodr/lane_drop.xodr: road 1 has right
lanes -1, -2, -3 on s in [0, 60] and -1, -2 on [60, 120], on an arc from s = 50), and the
checks a user meets."""

from __future__ import annotations

import math

import numpy as np
from ruamel.yaml import YAML

from helpers.episodes import run_sim
from helpers.maps import drive, map_scenario
from helpers.paths import REPO

MAP = REPO / "tests" / "data" / "xodr" / "lane_drop.xodr"
STEP = 0.05


def _scenario(tmp_path, actors, ego=None, duration=8.0):
    ego = ego or {"asset": "sedan", "road": "1", "lane": -3, "s": 5.0, "speed": 10.0}
    return map_scenario(tmp_path, MAP, ego, actors, duration, STEP)


def _events(world, k):
    return {e.name: e for e in world.scripts.events if e.agent == k}


def _odr_lane(world, traj, t, k) -> tuple[str, int, int]:
    """(OpenDRIVE road, section, lane id) of agent k at step t."""
    piece = world.network.pieces[int(traj.road[t, k])]
    return piece.road_id, piece.section, piece.lane_ids[int(traj.lane[t, k])]


CHANGER = {
    "name": "changer",
    "asset": "sedan",
    "road": "1",
    "lane": -1,
    "s": 30.0,
    "speed": 10.0,
    "behaviour": {"desired_speed": 10.0},
}


def test_a_lane_change_goes_on_across_a_lane_section_that_renumbers_the_lanes(tmp_path):
    """Begun at s = 50 over 30 m: the section joint at s = 60 (lane -2 is sim lane 1 before
    it, sim lane 0 after) comes half-way; the car arrives in lane -2 on a smooth path."""
    m = {
        "type": "lane_change",
        "to_lane": -2,
        "duration": 3.0,
        "trigger": {"type": "time", "at": 2.0},
    }
    traj, world, idx = drive(_scenario(tmp_path, [{**CHANGER, "maneuvers": [m]}]))
    k = idx["changer"]
    ev = _events(world, k)
    assert ev["lane_change_start"].data == {"to_lane": -2} and ev["lane_change_start"].t == 2.0
    assert "lane_change_done" in ev  # the change was not cut off at the joint ...
    assert math.isclose(ev["lane_change_done"].t, 5.0, abs_tol=0.15)  # ... and took 3 s
    assert _odr_lane(world, traj, 0, k) == ("1", 0, -1)
    sections = {_odr_lane(world, traj, t, k)[1] for t in range(len(traj.t)) if traj.t[t] < 4.0}
    assert sections == {0, 1}  # it crossed the joint while changing
    end = int(np.searchsorted(traj.t, 5.5))
    assert _odr_lane(world, traj, end, k) == ("1", 1, -2)
    assert abs(traj.d[end, k] - 1.75) < 0.15  # lane -2's centre (sim lane 0), on the arc
    # no jump: every step as long as the speed makes it, the heading turning smoothly
    steps = np.hypot(np.diff(traj.x[:, k]), np.diff(traj.y[:, k]))
    assert np.all(np.abs(steps - 10.0 * STEP) < 0.01)
    turn = np.diff(np.unwrap(traj.yaw[:, k]))
    assert np.abs(np.diff(turn)).max() < 0.01  # [rad per step^2]
    assert world.collisions == []


def test_a_lane_the_section_lacks_makes_the_change_impossible(tmp_path):
    m = {"type": "lane_change", "to_lane": -3, "trigger": {"type": "time", "at": 4.0}}
    traj, world, idx = drive(_scenario(tmp_path, [{**CHANGER, "maneuvers": [m]}]))
    k = idx["changer"]
    ev = _events(world, k)
    assert ev["lane_change_impossible"].data == {"to_lane": -3}  # at s = 70: lanes -1, -2
    assert "lane_change_start" not in ev
    assert _odr_lane(world, traj, len(traj.t) - 1, k)[2] == -1


def test_cut_in_and_cut_out_on_a_map(tmp_path):
    ego = {"asset": "sedan", "road": "1", "lane": -1, "s": 5.0, "speed": 10.0}
    cutter = {
        "name": "cutter",
        "asset": "sedan",
        "road": "1",
        "lane": -2,
        "s": 20.0,
        "speed": 10.0,
        "behaviour": {"desired_speed": 10.0},
        "maneuvers": [{"type": "cut_in", "target": "ego", "gap": 8.0, "duration": 2.5}],
    }
    leaver = {
        "name": "leaver",
        "asset": "suv",
        "road": "1",
        "lane": -2,
        "s": 45.0,
        "speed": 10.0,
        "behaviour": {"desired_speed": 10.0},
        "maneuvers": [{"type": "cut_out", "side": "right", "duration": 2.5}],
    }
    traj, world, idx = drive(_scenario(tmp_path, [cutter, leaver], ego=ego, duration=3.0))
    k = idx["cutter"]
    ev = _events(world, k)
    assert ev["cut_in_start"].data == {"to_lane": -1}
    assert ev["cut_in_crossing"].data["gap"] > 8.0
    assert _odr_lane(world, traj, len(traj.t) - 1, k)[2] == -1  # in the ego's lane
    k = idx["leaver"]
    assert _events(world, k)["cut_out_start"].data == {"to_lane": -3}  # right of -2
    assert _odr_lane(world, traj, len(traj.t) - 1, k)[2] == -3
    assert world.collisions == []


def test_a_lane_id_the_map_lacks_is_refused_with_file_line_and_key(tmp_path):
    m = {"type": "lane_change", "to_lane": -5}
    path = _scenario(tmp_path, [{**CHANGER, "maneuvers": [m]}])
    proc = run_sim("validate", str(path))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "scenario.yaml:" in proc.stderr
    assert (
        "actors[0].maneuvers[0].to_lane: to_lane -5: expected an OpenDRIVE id of a drivable "
        "lane of the map (-3, -2, -1, 1, 2, 3)"
    ) in proc.stderr, proc.stderr


def test_a_negative_lane_on_sims_own_road_is_refused(tmp_path):
    yaml = YAML(typ="rt")
    data = yaml.load((REPO / "scenarios" / "cut_in.yaml").read_text())
    data["actors"][1]["maneuvers"] = [{"type": "lane_change", "to_lane": -1}]
    path = tmp_path / "variant.yaml"
    with path.open("w") as f:
        yaml.dump(data, f)
    proc = run_sim("validate", str(path))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "actors[1].maneuvers[0].to_lane: lane -1 does not exist" in proc.stderr, proc.stderr


def test_a_path_on_a_map_ends_in_the_lane_under_it_and_the_driver_drives_on(tmp_path):
    """An S of two 60 m-radius arcs shifts the car 3.5 m right, from lane -1 into lane -2,
    on road 1's straight; then the lane links take it on past the lane-section joint."""
    arc = 2.0 * 60.0 * math.acos(1.0 - 3.5 / 120.0) / 2.0  # each arc: half the S
    m = {
        "type": "follow_path",
        "speed": 10.0,
        "segments": [
            {"type": "arc", "length": arc, "radius": 60.0, "turn": "right"},
            {"type": "arc", "length": arc, "radius": 60.0, "turn": "left"},
        ],
        "trigger": {"type": "time", "at": 1.0},
    }
    mover = {**CHANGER, "s": 10.0, "maneuvers": [m]}
    traj, world, idx = drive(_scenario(tmp_path, [mover], duration=7.0))
    k = idx["changer"]
    ev = _events(world, k)
    assert "follow_path_start" in ev and "follow_path_done" in ev
    done = int(np.searchsorted(traj.t, ev["follow_path_done"].t)) + 1
    assert _odr_lane(world, traj, done, k)[::2] == ("1", -2)  # the lane under the path's end
    assert math.isclose(traj.y[done, k], -5.25, abs_tol=0.1)  # lane -2's centre
    road, section, lane = _odr_lane(world, traj, len(traj.t) - 1, k)
    assert (road, lane) in {("1", -2), ("2", -2)} and (road, section) != ("1", 0)  # drove on
    steps = np.hypot(np.diff(traj.x[:, k]), np.diff(traj.y[:, k]))
    assert steps.max() < 10.0 * STEP + 0.05  # no jump onto or off the path
    assert world.collisions == []


def test_a_position_trigger_fires_where_the_actor_reaches_the_point(tmp_path):
    """On a map and on sim's own road (cut_in's ego brakes at x = 200 in its lane)."""
    trig = {"type": "position", "x": 50.0, "y": -1.75, "within": 1.0}
    m = {"type": "lane_change", "to_lane": -2, "trigger": trig}
    traj, world, idx = drive(_scenario(tmp_path, [{**CHANGER, "maneuvers": [m]}]))
    k = idx["changer"]
    at = int(np.searchsorted(traj.t, _events(world, k)["lane_change_start"].t))
    assert 49.0 <= traj.x[at, k] <= 49.6  # the first step within 1 m (0.5 m a step)
    yaml = YAML(typ="rt")
    data = yaml.load((REPO / "scenarios" / "cut_in.yaml").read_text())
    trig = {"type": "position", "x": 200.0, "y": 5.25}  # the middle lane's centre
    data["ego"]["maneuvers"] = [{"type": "hard_brake", "decel": 3.0, "trigger": trig}]
    data["background"]["count"] = 0
    path = tmp_path / "cut_in.yaml"
    with path.open("w") as f:
        yaml.dump(data, f)
    traj, world, idx = drive(path)
    k = idx["ego"]
    at = int(np.searchsorted(traj.t, _events(world, k)["hard_brake_start"].t))
    assert math.hypot(traj.x[at, k] - 200.0, traj.y[at, k] - 5.25) <= 2.0  # within (default)
    assert math.hypot(traj.x[at - 1, k] - 200.0, traj.y[at - 1, k] - 5.25) > 2.0


def test_a_travel_trigger_fires_when_the_actor_has_driven_the_distance(tmp_path):
    m = {"type": "lane_change", "to_lane": -2, "trigger": {"type": "travel", "distance": 25.0}}
    traj, world, idx = drive(_scenario(tmp_path, [{**CHANGER, "maneuvers": [m]}]))
    k = idx["changer"]
    start = _events(world, k)["lane_change_start"].t
    assert math.isclose(start, 2.5, abs_tol=STEP + 1e-9)  # 25 m at 10 m/s
    at = int(np.searchsorted(traj.t, start))
    driven = np.hypot(np.diff(traj.x[: at + 1, k]), np.diff(traj.y[: at + 1, k])).sum()
    assert 25.0 - 1e-6 <= driven < 25.0 + 10.0 * STEP
