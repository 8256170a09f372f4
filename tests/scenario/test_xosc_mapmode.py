"""import-xosc on the whole OpenDRIVE map: a junction scenario whose entities start on
three roads of a signalised map becomes a road.opendrive scenario that validates, keeps the
file's positions (lane, world and relative ones), turns the ego's AssignRouteAction into
the turn the map's lanes take, and drives through the junction without collisions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from ruamel.yaml import YAML

from sim.assets import load_catalog
from sim.commands.import_xosc import scenario_text
from sim.pipeline import resolve_scenario
from sim.scenario import load_scenario
from sim.scenario.xosc import import_xosc
from sim.scenario.xosc.globals import signal_word
from sim.traffic.setup import build_world, n_steps
from sim.traffic.world import simulate

from helpers.episodes import run_sim
from helpers.maps import drive
from helpers.paths import REPO

XOSC = REPO / "tests" / "data" / "xosc" / "hand_junction_map.xosc"
XODR = REPO / "tests" / "data" / "xodr" / "signal_junction.xodr"


def test_junction_scenario_imports_onto_the_map():
    imp = import_xosc(XOSC)
    data = imp.data
    assert data["road"] == {"opendrive": {"file": str(XODR.resolve())}}
    ego = data["ego"]
    assert (ego["road"], ego["lane"], ego["s"], ego["speed"]) == ("1", -1, 40.0, 10.0)
    assert ego["maneuvers"] == [{"type": "route", "turns": ["left"]}]
    by_name = {a["name"]: a for a in data["actors"]}
    assert (by_name["Crossing"]["road"], by_name["Crossing"]["lane"]) == ("2", -1)
    assert math.isclose(by_name["Crossing"]["s"], 30.0, abs_tol=1e-3)
    follower = by_name["Follower"]  # RelativeLanePosition ds = -20 from the ego
    assert (follower["road"], follower["lane"]) == ("1", -1)
    assert math.isclose(follower["s"], 20.0, abs_tol=1e-3)
    assert "maneuvers" not in follower  # its lane change is into the oncoming lane ...
    oncoming = "Follower: lane change into lane 1, which runs the other way"
    assert any(oncoming in n for n in imp.notes)
    # ... and the one-road import's stand-in for the ego's route (a lane change) is dropped
    assert any("ego: a routing action's lane change left out" in n for n in imp.notes)
    assert not any("the one sim drives" in n for n in imp.notes)
    assert imp.fallback is not None and "opendrive" not in imp.fallback.data["road"]


def test_imported_junction_scenario_runs_the_route_through_the_junction(tmp_path):
    out = tmp_path / "junction.yaml"
    proc = run_sim("import-xosc", str(XOSC), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    catalog = load_catalog()
    resolved = resolve_scenario(load_scenario(out), catalog)
    world, agents = build_world(resolved, catalog)
    traj = simulate(world, n_steps(resolved))
    assert world.collisions == []
    pieces = world.network.pieces
    assert pieces[int(traj.road[0, 0])].road_id == "1"
    assert pieces[int(traj.road[-1, 0])].road_id == "4"  # the route: left, to road 4


def test_map_never_keeps_the_one_road_import(tmp_path):
    out = tmp_path / "one_road.yaml"
    proc = run_sim("import-xosc", str(XOSC), "--out", str(out), "--map", "never")
    assert proc.returncode == 0, proc.stderr
    data = YAML(typ="safe").load(out.read_text())
    assert "opendrive" not in data["road"] and data["road"]["lanes"] >= 1


def test_single_road_files_keep_the_one_road_import():
    imp = import_xosc(REPO / "tests" / "data" / "xosc" / "gen_cut_in.xosc")
    assert imp.fallback is None and "opendrive" not in imp.data["road"]


def _events_of(imported, tmp_path, name):
    path = tmp_path / name
    path.write_text(scenario_text(imported))
    _traj, world, _idx = drive(path)
    assert world.collisions == []
    return world.scripts.events


@pytest.mark.parametrize("name", ["gen_spiral_follow", "gen_positions"])
def test_a_reached_position_starts_the_action_on_the_map_when_it_does_on_the_one_road(
    tmp_path, name
):
    """ReachPositionCondition: s on the one road; a position trigger by the map's geometry."""
    started = {}
    for mode in ("never", "always"):
        imp = import_xosc(REPO / "tests" / "data" / "xosc" / f"{name}.xosc", map_mode=mode)
        if mode == "always":
            braking = [
                m for a in [imp.data["ego"], *imp.data["actors"]] for m in a.get("maneuvers", [])
            ]
            assert any(m.get("trigger", {}).get("type") == "position" for m in braking)
        events = _events_of(imp, tmp_path, f"{mode}.yaml")
        started[mode] = [(e.agent, e.t) for e in events if e.name == "hard_brake_start"]
    assert started["never"] and started["always"] == started["never"]


def test_vehicle_trajectories_are_driven_on_the_map(tmp_path):
    imp = import_xosc(REPO / "tests" / "data" / "xosc" / "gen_routes_world.xosc", map_mode="always")
    assert "opendrive" in imp.data["road"]
    events = _events_of(imp, tmp_path, "paths.yaml")
    done = {e.agent for e in events if e.name == "follow_path_done"}
    assert len(done) == 2  # the polyline's and the clothoid's drivers, back on the map's lanes


def test_traffic_signal_states_are_imported_onto_the_map_and_obeyed(tmp_path):
    """hand_signal_map.xosc turns the ego's light (signal 100) red at once, green at 12 s."""
    imp = import_xosc(REPO / "tests" / "data" / "xosc" / "hand_signal_map.xosc")
    assert imp.data["road"]["opendrive"]["signals"] == {
        "states": [
            {"at": 0.0, "signal": "100", "state": "red"},
            {"at": 12.0, "signal": "100", "state": "green"},
        ]
    }
    assert not any("without actors" in n or "have no OpenDRIVE signals" in n for n in imp.notes)
    path = tmp_path / "signals.yaml"
    path.write_text(scenario_text(imp))
    traj, world, _idx = drive(path)
    assert world.network.signal_state(5.0)["controller 1"] == "red"  # the plan says green
    assert world.network.signal_state(19.0)["controller 1"] == "green"  # the plan says red
    held = int(np.searchsorted(traj.t, 11.9))
    assert traj.v[held, 0] < 0.1 and traj.x[held, 0] < 95.0  # held at the line
    assert traj.x[-1, 0] > 110.0  # through the junction once green
    assert world.collisions == []


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("green", "green"),
        ("Yellow", "amber"),
        ("red", "red"),
        ("off;off;on", "green"),
        ("off;on;off", "amber"),
        ("on;off;off", "red"),
        ("on;on;off", "red"),  # red with amber: still stop
        ("off;off;off", None),
        ("blinking", None),
        ("on;off", None),
    ],
)
def test_signal_states_as_the_files_write_them(text, state):
    assert signal_word(text) == state


def test_a_signal_state_for_no_light_of_the_map_is_refused(tmp_path):
    yaml = YAML(typ="rt")
    data = yaml.load((REPO / "scenarios" / "urban_intersection_opendrive.yaml").read_text())
    data["road"]["opendrive"]["signals"]["states"] = [{"at": 2.0, "signal": "1009", "state": "red"}]
    (tmp_path / "maps").mkdir()
    src = REPO / "scenarios" / "maps" / "town_junction.xodr"
    (tmp_path / "maps" / src.name).write_bytes(src.read_bytes())
    path = tmp_path / "variant.yaml"
    with path.open("w") as f:
        yaml.dump(data, f)
    proc = run_sim("validate", str(path))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "road.opendrive.signals.states[0].signal: the map has no traffic light '1009'" in (
        proc.stderr
    )
    assert "1001, 1002, 1003, 1004" in proc.stderr


def test_a_travelled_distance_becomes_a_travel_trigger_on_the_map():
    imp = import_xosc(REPO / "tests" / "data" / "xosc" / "gen_lateral.xosc", map_mode="always")
    triggers = [m.get("trigger") for m in imp.data["ego"]["maneuvers"]]
    assert {"type": "travel", "distance": 150.0} in triggers  # TraveledDistanceCondition 150
    assert not any("at reach of s left out" in n for n in imp.notes)
