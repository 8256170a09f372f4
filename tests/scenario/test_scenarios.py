"""The scenario library: every file validates, runs end to end with consistent labels, and
its traffic does what the scenario's name promises."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sim.assets import load_catalog
from sim.pipeline import resolve_scenario
from sim.scenario import load_scenario
from sim.traffic.setup import build_world, n_steps
from sim.traffic.world import simulate

from helpers.checks import check_frames, check_manifest
from helpers.episodes import run_sim
from helpers.paths import REPO

LIBRARY = sorted((REPO / "scenarios").glob("*.yaml"))


def _small_overrides(
    path: Path, duration: float = 1.0, width: int = 160, height: int = 96
) -> list[str]:
    spec = load_scenario(path).spec
    out = ["--set", f"duration={duration}"]
    for i, _cam in enumerate(spec.sensors.cameras):
        out += [
            "--set",
            f"sensors.cameras.{i}.width={width}",
            "--set",
            f"sensors.cameras.{i}.height={height}",
        ]
    return out


def test_library_has_the_basic_scenarios():
    names = {p.stem for p in LIBRARY}
    assert {
        "cut_in",
        "cut_out",
        "hard_brake",
        "stalled_vehicle",
        "dense_traffic_jam",
        "multi_camera_rig",
        "curved_road_night",
        "cyclist_overtake",
    } <= names


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_scenario_has_a_header_saying_what_it_tests(path):
    head = path.read_text().splitlines()[:6]
    assert head[0].startswith(f"# {path.stem} ")
    assert any(line.startswith("# Tests:") for line in head), (
        "header must say what the scenario tests"
    )


def test_every_library_scenario_validates():
    proc = run_sim("validate", *map(str, LIBRARY))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("ok:") == len(LIBRARY)


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_every_library_scenario_runs_with_consistent_labels(path, tmp_path):
    out = tmp_path / path.stem
    proc = run_sim("run", str(path), "--out", str(out), "--quiet", *_small_overrides(path))
    assert proc.returncode == 0, proc.stderr
    check_manifest(out)
    stats = check_frames(out)
    assert stats["frames"] >= 1
    occ = json.loads((out / "meta.json").read_text())["metrics"]["occlusion"]
    assert (
        occ["fully_visible"] + occ["partly_occluded"] + occ["largely_occluded"] == stats["labels"]
    )


def _trajectory(name: str | Path, seed: int | None = None):
    """Simulate a library scenario by name (or a scenario file by path).

    Returns (traj, index by name, world).
    """
    loaded = load_scenario(name if isinstance(name, Path) else REPO / "scenarios" / f"{name}.yaml")
    catalog = load_catalog()
    resolved = resolve_scenario(loaded, catalog, seed)
    world, agents = build_world(resolved, catalog)
    traj = simulate(world, n_steps(resolved))
    return traj, {a.name: a.id - 1 for a in agents}, world


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hard_brake_lead_stops_and_ego_brakes_hard_without_hitting_it(seed):
    traj, idx, world = _trajectory("hard_brake", seed)
    lead, ego = idx["lead"], idx["ego"]
    braking = traj.a[:, lead] < -1.0
    assert braking.any()
    assert np.isclose(traj.a[braking, lead].min(), -8.0, atol=0.05)
    assert traj.v[-1, lead] < 0.01  # standing, and staying
    assert not world.collisions
    assert (traj.leader[:, ego] == lead).all()
    assert -traj.a[:, ego].min() > 4.0  # the ego had to brake hard too
    # and it creeps up to the standing lead, ending between IDM's minimum gap (2 m) and 8 m
    assert traj.v[-1, ego] < 2.0 and 1.9 < traj.gap[-1, ego] < 8.0 and traj.gap[:, ego].min() > 1.9


def test_cyclist_overtake_ego_passes_in_the_left_lane():
    traj, idx, world = _trajectory("cyclist_overtake")
    ego = idx["ego"]
    assert traj.lane[-1, ego] == 1
    assert traj.s[-1, ego] > traj.s[-1, idx["cyclist"]]  # passed the first cyclist
    assert not world.collisions


def test_curved_road_vehicles_keep_their_lanes():
    traj, idx, world = _trajectory("curved_road_night")
    lane_width = 3.5
    offset = traj.d - (traj.lane + 0.5) * lane_width
    assert np.abs(offset).max() < 0.35  # pure pursuit holds the lane centre on both arcs
    assert np.ptp(traj.yaw[:, idx["ego"]]) > 0.3  # and the road really turns
    assert not world.collisions


def test_multi_camera_rig_ids_agree_across_cameras(tmp_path):
    path = REPO / "scenarios" / "multi_camera_rig.yaml"
    out = tmp_path / "rig"
    proc = run_sim(
        "run", str(path), "--out", str(out), "--quiet", *_small_overrides(path, 0.5, 320, 192)
    )
    assert proc.returncode == 0, proc.stderr
    meta = json.loads((out / "meta.json").read_text())
    assert [c["name"] for c in meta["cameras"]] == ["front", "left", "right", "rear"]
    seen: dict[int, set[str]] = {}
    for cam in ("front", "left", "right", "rear"):
        for f in (out / "labels" / cam).glob("*.json"):
            for obj in json.loads(f.read_text())["objects"]:
                seen.setdefault(obj["id"], set()).add(cam)
    # 'alongside' drives beside the ego, in the overlap of the front and right cameras
    alongside = next(a["id"] for a in meta["agents"] if a["name"] == "alongside")
    assert seen.get(alongside, set()) >= {"front", "right"}
    tracks = {int(line.split(",")[2]) for line in (out / "tracks.csv").read_text().splitlines()[1:]}
    assert set(seen) <= tracks


def test_cut_out_reveals_the_stopped_car_to_the_ego():
    traj, idx, world = _trajectory("cut_out")
    ego, lead, stopped = idx["ego"], idx["lead"], idx["stopped"]
    assert np.all(traj.v[:, stopped] == 0.0)
    assert traj.lane[0, lead] == 1 and traj.lane[-1, lead] == 2
    leaders = traj.leader[:, ego]
    assert leaders[0] == lead and leaders[-1] == stopped  # the ego now faces the stopped car
    assert not world.collisions


def test_stalled_truck_stays_and_traffic_goes_around_it():
    traj, idx, world = _trajectory("stalled_vehicle")
    assert np.all(traj.v[:, idx["truck"]] == 0.0)
    for name in ("ego", "car_ahead"):
        assert traj.lane[0, idx[name]] == 0 and traj.lane[-1, idx[name]] != 0, name
    assert not world.collisions


def test_traffic_jam_stops_and_goes():
    traj, idx, world = _trajectory("dense_traffic_jam")
    head = idx["head"]
    stopped_at = np.nonzero(traj.v[:, head] < 0.05)[0]
    assert len(stopped_at) and traj.v[-1, head] > 2.0  # stops, then drives off again
    crawled = (traj.v < 1.0).any(axis=0)
    assert crawled.sum() >= 8  # the wave reaches the vehicles behind the head
    assert not world.collisions


# ------------------------------------------------------------------ road network scenarios
@pytest.mark.parametrize("seed", [31, 32, 33])
def test_highway_merge_cars_join_from_the_ramp_and_nobody_drives_off_its_end(seed):
    traj, idx, world = _trajectory("highway_merge", seed)
    road = world.road
    wall = road.lane_end_wall(0)
    in_ramp_lane = (traj.lane == 0) & (traj.road == 0)
    front = traj.s + 0.5 * world.state.length
    assert not np.any(in_ramp_lane & (front > wall + 0.5)), (
        "a car ran into the end of the acceleration lane"
    )
    for name in ("merger", "merger_van"):
        i = idx[name]
        assert traj.lane[0, i] == 0 and traj.s[0, i] < road.lane_table[0, 1], "starts on the ramp"
        assert traj.d[0, i] < road.lane_center(0) - 0.5, "right of the road, still curving in"
        assert traj.lane[-1, i] == 1, f"{name} merged"
        joined = np.flatnonzero(traj.lane[:, i] == 1)[0]
        assert traj.s[joined, i] > road.lane_table[0, 1], "changed lanes only after the ramp joined"
    assert not traj.collisions


@pytest.mark.parametrize("seed", [37, 38, 39])
def test_lane_drop_traffic_merges_before_the_lane_ends(seed):
    traj, idx, world = _trajectory("lane_drop", seed)
    wall = world.road.lane_end_wall(2)
    front = traj.s + 0.5 * world.state.length
    assert not np.any((traj.lane == 2) & (front > wall + 0.5))
    assert traj.lane[-1, idx["late_merger"]] == 1
    assert not traj.collisions


def test_urban_intersection_cross_traffic_waits_at_red_and_ego_turns_left_after_oncoming_cars():
    traj, idx, world = _trajectory("urban_intersection")
    net = world.network
    st = world.state
    # nobody's front crosses its stop line while its light is red
    for sl in net.stop_lines:
        on = (traj.road == sl.road) & (traj.lane == sl.lane)
        front = sl.direction * (
            traj.s + sl.direction * 0.5 * st.length - sl.s
        )  # > 0: past the line
        for k in range(1, traj.t.size):
            if net.signal_state(traj.t[k])[sl.group] != "red":
                continue
            crossed = on[k] & on[k - 1] & (front[k - 1] <= 0) & (front[k] > 0)
            assert not crossed.any(), (sl, traj.t[k])
    # the cross street's queue stands while the main road has green
    queued = [i for i in range(len(st)) if traj.road[0, i] == 1 and traj.v[-1, i] < 0.5]
    assert len(queued) >= 3
    # the ego turned left into the cross street's forward lane, after both oncoming cars passed
    ego = idx["ego"]
    enter = next(e for e in traj.events if e.agent == ego and e.name == "turn_enter")
    k = int(round(enter.t / (traj.t[1] - traj.t[0])))
    for name in ("oncoming_1", "oncoming_2"):
        j = idx[name]
        rear = traj.s[k, j] + 0.5 * st.length[j]
        assert rear < net.box_main[0], f"{name} had left the junction when the ego turned"
    assert traj.road[-1, ego] == 1 and traj.lane[-1, ego] == 0
    from sim.traffic.metrics import post_encroachment

    assert post_encroachment(traj, st.length, ego) > 2.0, (
        "the turn left a safe gap (PET) to the oncoming cars"
    )
    yaw_cross = float(net.cross.to_world([0.0], [0.0])[2][0])
    assert np.cos(traj.yaw[-1, ego] - yaw_cross) > 0.98
    assert not traj.collisions


@pytest.mark.parametrize("seed", [41, 42, 43, 44])
def test_pedestrian_crossing_jaywalker_crosses_the_ego_brakes_walkers_stay_on_the_sidewalk(seed):
    traj, idx, world = _trajectory("pedestrian_crossing", seed)
    road = world.road
    walk = idx["jaywalker"]
    assert traj.d[0, walk] < 0 and traj.d[-1, walk] > road.lane_width, (
        "from the right side across the ego's lane"
    )
    # at the start the parked van stands between the ego's camera and the jaywalker
    from shapely.geometry import LineString, Polygon

    van = idx["parked_van"]
    st = world.state
    c, s_ = np.cos(traj.yaw[0, van]), np.sin(traj.yaw[0, van])
    half_l, half_w = st.length[van] / 2, st.width[van] / 2
    corners = [
        (traj.x[0, van] + c * u - s_ * v, traj.y[0, van] + s_ * u + c * v)
        for u, v in ((half_l, half_w), (-half_l, half_w), (-half_l, -half_w), (half_l, -half_w))
    ]
    sight = LineString([(traj.x[0, 0] + 1.0, traj.y[0, 0]), (traj.x[0, walk], traj.y[0, walk])])
    assert sight.intersects(Polygon(corners)), "the van hides the jaywalker"
    ego = idx["ego"]
    assert traj.a[:, ego].min() < -4.0, "the ego brakes hard for it"
    assert not traj.collisions
    walkable = world.network.walkable_area()
    from shapely.geometry import Point

    for name in ("walker_right", "walker_left"):
        i = idx[name]
        assert all(
            walkable.buffer(0.05).contains(Point(x, y))
            for x, y in zip(traj.x[:, i], traj.y[:, i], strict=True)
        ), name


WRONG_WAY = """
name: wrong_way
duration: 14.0
road: {length: 400.0, lanes: 2}
ego: {lane: 0, s: 50.0, speed: 20.0}
actors:
  - {name: ghost, asset: sedan, lane: 0, s: 220.0, speed: 15.0, direction: backward}
  - {name: neighbour, asset: van, lane: 1, s: 80.0, speed: 20.0}
"""


def test_wrong_way_driver_and_the_ego_brake_for_each_other(tmp_path):
    path = tmp_path / "wrong_way.yaml"
    path.write_text(WRONG_WAY)
    traj, idx, world = _trajectory(path)
    ego, ghost, van = idx["ego"], idx["ghost"], idx["neighbour"]
    assert np.cos(traj.yaw[0, ghost] - traj.yaw[0, ego]) < -0.99, "it faces the ego"
    assert traj.leader[0, ego] == ghost and traj.leader[0, ghost] == ego
    assert traj.leader[0, van] == -1, "the next lane's traffic is not involved"
    assert traj.v[-1, ego] < 0.5 and traj.v[-1, ghost] < 0.5, "both stop"
    gap = (
        traj.s[-1, ghost]
        - traj.s[-1, ego]
        - 0.5 * (world.state.length[ego] + world.state.length[ghost])
    )
    assert gap > 0.5
    assert not traj.collisions


FOLLOW_PATH = """
name: follow_path
duration: 12.0
road: {length: 600.0, lanes: 2, shoulder_width: 3.0}
ego: {lane: 0, s: 50.0, speed: 15.0}
actors:
  - name: swerver        # an S-bend into the left lane and back: rejoins the road's lane
    asset: sedan
    lane: 0
    s: 120.0
    speed: 14.0
    maneuvers:
      - type: follow_path
        speed: 14.0
        segments:
          - {type: arc, length: 12.0, radius: 60.0, turn: left}
          - {type: arc, length: 12.0, radius: 60.0, turn: right}
          - {type: straight, length: 20.0}
        trigger: {type: time, at: 1.0}
  - name: parker         # turns right off the road onto the verge and stops there
    asset: hatchback
    lane: 0
    s: 220.0
    speed: 10.0
    maneuvers:
      - type: follow_path
        speed: 6.0
        segments:
          - {type: arc, length: 14.0, radius: 20.0, turn: right}
          - {type: straight, length: 6.0}
        trigger: {type: time, at: 0.5}
"""


def test_follow_path_drives_the_given_path_then_rejoins_the_lane_or_stops_off_the_road(tmp_path):
    path = tmp_path / "follow_path.yaml"
    path.write_text(FOLLOW_PATH)
    traj, idx, world = _trajectory(path)
    road = world.road
    # the swerver: off to the left by ~ 12^2/60 m at the S-bend's middle, then back in a lane
    i = idx["swerver"]
    assert traj.road[:, i].max() >= 2, "it drove on its own path"
    s, d = road.to_lane(traj.x[:, i], traj.y[:, i])
    assert d.max() - d[0] > 2.0
    assert traj.road[-1, i] == 0 and traj.lane[-1, i] in (0, 1) and abs(traj.yaw[-1, i]) < 0.05
    # the parker: ends right of the carriageway, standing, heading away from the road
    j = idx["parker"]
    s, d = road.to_lane(traj.x[:, j], traj.y[:, j])
    assert d[-1] < -2.0 and traj.v[-1, j] < 0.2
    assert traj.yaw[-1, j] < -0.5
    done = [e.name for e in traj.events if e.agent == j]
    assert "follow_path_start" in done and "follow_path_done" in done
    assert not traj.collisions


def test_town_pedestrians_walk_the_sidewalks_and_cross_only_at_the_zebra():
    traj, idx, world = _trajectory("cyclist_overtake")
    from shapely.geometry import Point

    walkable = world.network.walkable_area().buffer(0.05)
    zebra = world.road.crossings[0]
    peds = [i for name, i in idx.items() if name.startswith("ped_")]
    assert len(peds) == 14
    crossed = 0
    for i in peds:
        off = [
            k
            for k in range(traj.t.size)
            if not walkable.contains(Point(traj.x[k, i], traj.y[k, i]))
        ]
        if off:
            crossed += 1
            assert np.all(np.abs(traj.s[off, i] - zebra) < 2.0), (
                "off the sidewalk only on the zebra"
            )
    assert crossed >= 2
    assert not traj.collisions


def _with(name: str, overrides: list[str], seed: int = 5):
    loaded = load_scenario(REPO / "scenarios" / f"{name}.yaml", overrides)
    catalog = load_catalog()
    resolved = resolve_scenario(loaded, catalog, seed)
    world, agents = build_world(resolved, catalog)
    return resolved, world, agents, simulate(world, n_steps(resolved))


def test_cyclists_ride_the_kerb_side_of_each_direction_at_their_own_speed():
    resolved, world, agents, traj = _with(
        "urban_intersection", ["cyclists.count=6", "duration=4"], seed=5
    )
    riders = [a for a in resolved.actors if a.name.startswith("cy_")]
    assert len(riders) == 6
    road = resolved.road
    assert {a.lane for a in riders} <= {0, road.lanes + road.oncoming_lanes - 1}
    for a in riders:
        assert a.asset == "bicycle_with_rider"
        kerb = -1.0 if a.lane < road.lanes else 1.0
        assert a.offset == pytest.approx(kerb * 1.0)
        assert 4.0 <= a.speed <= 7.0 and a.behaviour.desired_speed == a.speed
    idx = {a.name: a.id - 1 for a in agents}
    for a in riders:
        i = idx[a.name]
        assert np.all(traj.v[:, i] <= a.speed + 0.05)  # a steady rider, not a car's pace
        assert np.abs(traj.d[-1, i] - traj.d[0, i]) < 0.3  # stays by the kerb
    assert not traj.collisions
    # the same seed draws the same riders; no cyclists (the default) changes nothing
    again, *_ = _with("urban_intersection", ["cyclists.count=6", "duration=4"], seed=5)
    assert again.actors == resolved.actors
    plain, *_ = _with("urban_intersection", ["duration=4"], seed=5)
    base, *_ = _with("urban_intersection", ["cyclists.count=0", "duration=4"], seed=5)
    assert plain.actors == base.actors and not any(a.name.startswith("cy_") for a in plain.actors)


def test_a_resolved_file_with_cyclists_rebuilds_the_same_riders(tmp_path):
    from sim.scenario import dump_resolved

    resolved, *_ = _with("urban_intersection", ["cyclists.count=4", "duration=2"], seed=3)
    path = tmp_path / "resolved.yaml"
    path.write_text(dump_resolved(resolved))
    again = resolve_scenario(load_scenario(path), load_catalog(), 3)
    assert again.actors == resolved.actors


def test_cyclists_refuse_an_asset_that_is_not_a_two_wheeler():
    from sim.errors import ScenarioError

    with pytest.raises(ScenarioError, match="not a two-wheeler") as err:
        _with("urban_intersection", ["cyclists.count=2", "cyclists.assets={sedan: 1}"])
    assert "cyclists.assets.sedan" in str(err.value) or "cyclists" in str(err.value)


@pytest.mark.parametrize("seed", range(12))
def test_drawn_pedestrians_keep_clear_of_the_scenarios_own_walkers(seed):
    # pedestrian_crossing has walkers of its own on both sidewalks; a crowd drawn around
    # them used to land on them now and then ("ped_023 overlaps walker_right at the start")
    over = ["pedestrians={count: 60, s_range: [62, 160]}"]
    resolved = resolve_scenario(
        load_scenario(REPO / "scenarios" / "pedestrian_crossing.yaml", over), load_catalog(), seed
    )
    assert sum(a.name.startswith("ped_") for a in resolved.actors) == 60
