"""Scenarios on an OpenDRIVE map (road.opendrive): loading, the checks a user meets first
(file, line, key, what was expected; exit code 2), and the library's map scenario driven
through the junction as its header says."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from ruamel.yaml import YAML

from sim.assets import load_catalog
from sim.pipeline import resolve_scenario
from sim.scenario import load_scenario
from sim.traffic.setup import build_world, n_steps
from sim.traffic.world import simulate

from helpers.episodes import run_sim
from helpers.paths import REPO

SCENARIO = REPO / "scenarios" / "urban_intersection_opendrive.yaml"
MAP = REPO / "scenarios" / "maps" / "town_junction.xodr"


def _variant(tmp_path, edit, name="variant.yaml"):
    """The library map scenario with ``edit(data)`` applied, written next to a copy of its
    map (the map path is relative to the scenario file)."""
    yaml = YAML(typ="rt")
    data = yaml.load(SCENARIO.read_text())
    edit(data)
    (tmp_path / "maps").mkdir(exist_ok=True)
    (tmp_path / "maps" / MAP.name).write_bytes(MAP.read_bytes())
    out = tmp_path / name
    with out.open("w") as f:
        yaml.dump(data, f)
    return out


def _validate_error(path) -> str:
    proc = run_sim("validate", str(path))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stderr


def test_map_path_is_relative_to_the_scenario_file(tmp_path):
    path = _variant(tmp_path, lambda d: None)
    proc = run_sim("validate", str(path), cwd=tmp_path.parent)
    assert proc.returncode == 0, proc.stderr
    spec = load_scenario(path).spec
    assert spec.road.opendrive.file == str((tmp_path / "maps" / MAP.name).resolve())


@pytest.mark.parametrize(
    ("edit", "key", "message"),
    [
        (
            lambda d: d["road"]["opendrive"].__setitem__("file", "maps/nope.xodr"),
            r"road\.opendrive\.file",
            "map file not found: maps/nope.xodr",
        ),
        (
            lambda d: d["road"].__setitem__("length", 100.0),
            r"road",
            "'length' does not go with 'opendrive'",
        ),
        (
            lambda d: d["actors"][0].__setitem__("road", "33"),
            r"actors\[0\]\.road",
            "the map has no road '33'",
        ),
        (
            lambda d: d["actors"][0].__setitem__("lane", -2),
            r"actors\[0\]\.lane",
            "road '3' lane -2 at s=95: not a drivable lane",
        ),
        (
            lambda d: d["ego"].__setitem__("s", 400.0),
            r"ego\.s",
            "s = 400 m is not on road '1' [0, 150] m",
        ),
        (
            lambda d: d["actors"][2].__setitem__("s", 87.0),
            r"actors\[2\]\.s",
            "lead overlaps ego at the start",
        ),
        (
            lambda d: d["ego"]["maneuvers"].__setitem__(0, {"type": "turn", "direction": "left"}),
            r"ego\.maneuvers\[0\]\.type",
            "maneuver 'turn' names lanes or turns of sim's own road model",
        ),
        (
            lambda d: d.__setitem__("cross_traffic", {"count": 3}),
            r"cross_traffic",
            "'cross_traffic' is not available on a road.opendrive map yet",
        ),
    ],
    ids=["missing_map", "length", "road", "lane", "s", "overlap", "turn", "cross_traffic"],
)
def test_map_scenario_mistakes_name_file_line_and_key(tmp_path, edit, key, message):
    err = _validate_error(_variant(tmp_path, edit))
    assert re.search(rf"variant\.yaml:\d+:\d+: {key}: ", err), err
    assert message in err, err


def test_route_off_a_map_is_refused(tmp_path):
    yaml = YAML(typ="rt")
    data = yaml.load((REPO / "scenarios" / "urban_intersection.yaml").read_text())
    data["ego"]["maneuvers"] = [{"type": "route", "turns": ["left"]}]
    path = tmp_path / "variant.yaml"
    with path.open("w") as f:
        yaml.dump(data, f)
    err = _validate_error(path)
    assert re.search(r"variant\.yaml:\d+:\d+: ego\.maneuvers\[0\]\.type: a 'route'", err), err


def test_a_road_id_off_a_map_is_refused(tmp_path):
    yaml = YAML(typ="rt")
    data = yaml.load((REPO / "scenarios" / "cut_in.yaml").read_text())
    data["ego"]["road"] = "7"
    path = tmp_path / "variant.yaml"
    with path.open("w") as f:
        yaml.dump(data, f)
    err = _validate_error(path)
    assert "ego.road: road '7': expected 'main' or 'cross'" in err, err


def _simulate(seed=None):
    catalog = load_catalog()
    resolved = resolve_scenario(load_scenario(SCENARIO), catalog, seed)
    world, agents = build_world(resolved, catalog)
    traj = simulate(world, n_steps(resolved))
    return traj, {a.name: a.id - 1 for a in agents}, world


def _odr_road(world, r: int) -> str:
    return world.network.pieces[r].road_id


def test_urban_intersection_on_the_map_turns_left_after_the_oncoming_cars():
    traj, idx, world = _simulate()
    assert world.collisions == []
    ego = idx["ego"]
    roads = [_odr_road(world, int(r)) for r in traj.road[:, ego]]
    assert roads[0] == "1" and roads[-1] == "4"  # west arm -> through the junction -> north arm
    heading = np.unwrap(traj.yaw[:, ego])
    assert math.isclose(heading[-1] - heading[0], math.pi / 2, abs_tol=0.15)  # a left turn
    # the oncoming cars went straight through first: each left the junction before the
    # ego's movement began
    for name in ("oncoming_1", "oncoming_2"):
        k = idx[name]
        assert _odr_road(world, int(traj.road[-1, k])) == "1"
    lead = idx["lead"]
    assert _odr_road(world, int(traj.road[-1, lead])) == "2"  # the lead turned right (south)


def test_background_traffic_turns_through_the_junction_without_collisions():
    turned = crossed = 0
    for seed in range(1, 7):
        traj, idx, world = _simulate(seed)
        assert world.collisions == [], seed
        for name, k in idx.items():
            if not name.startswith("bg_"):
                continue
            junction = [world.network.junction_of[int(r)] is not None for r in traj.road[:, k]]
            if any(junction & traj.active[:, k]):
                crossed += 1
                heading = np.unwrap(traj.yaw[:, k])
                turned += abs(heading[-1] - heading[0]) > 1.0
    assert crossed >= 6 and turned >= 3, (crossed, turned)


def test_same_seed_same_trajectories_on_the_map():
    a, _, _ = _simulate(5)
    b, _, _ = _simulate(5)
    assert a.x.tobytes() == b.x.tobytes() and a.road.tobytes() == b.road.tobytes()


@pytest.mark.slow
def test_dense_traffic_on_the_map_for_a_minute_and_a_half_has_no_collisions():
    """20 background vehicles, reserve vehicles entering at the map's edges, 90 s, 20 seeds:
    whatever movements they draw, nobody hits anybody (a control: tests/traffic/
    test_routing.py switches the conflict checks off and sees collisions)."""
    catalog = load_catalog()
    overrides = ["duration=90", "background.count=20", "background.steady.reserve=80"]
    crossings = 0
    for seed in range(1, 21):
        resolved = resolve_scenario(load_scenario(SCENARIO, overrides), catalog, seed)
        world, agents = build_world(resolved, catalog)
        simulate(world, n_steps(resolved))
        assert world.collisions == [], (seed, world.collisions[:2])
        crossings += world.router.crossings
    assert crossings >= 20 * 12


def test_cyclists_on_the_map_ride_at_the_kerb_of_the_outermost_lane():
    """urban_intersection_opendrive with 4 cyclists and 6 pedestrians, 3 seeds."""
    catalog = load_catalog()
    for seed in range(1, 4):
        scenario = load_scenario(SCENARIO, ["cyclists.count=4", "pedestrians.count=6"])
        resolved = resolve_scenario(scenario, catalog, seed)
        riders = [a for a in resolved.actors if a.name.startswith("cy_")]
        assert len(riders) == 4
        assert all(catalog.info(a.asset).kind == "two_wheeler" for a in riders)
        assert all(a.lane in (-1, 1) and a.offset == -1.0 for a in riders)  # kerb-side
        world, agents = build_world(resolved, catalog)
        traj = simulate(world, n_steps(resolved))
        assert world.collisions == [], (seed, world.collisions[:2])
        for a in agents:
            if a.name.startswith("cy_"):  # at their own steady speed, below the cars'
                assert traj.v[:, a.id - 1].max() <= resolved.actors[a.id - 2].speed + 0.01
