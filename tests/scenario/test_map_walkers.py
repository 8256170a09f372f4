"""Walkers and objects on an OpenDRIVE map: a pedestrian on a sidewalk crossing both
directions of scenarios/maps/town_junction.xodr (road 1 runs along +x from (0, 0): lanes -1
and 1 are 3.5 m driving lanes, -2 and 2 2.5 m sidewalks, so world y is the file's t), seen
by the drivers of each side in turn; an object on a lane; the import of a pedestrian
crossing onto the map; and the checks a user meets."""

from __future__ import annotations

import math

import numpy as np

from sim.assets import load_catalog
from sim.commands.import_xosc import scenario_text
from sim.pipeline import resolve_scenario
from sim.scenario import load_scenario
from sim.scenario.maps import load_map
from sim.scenario.xosc import import_xosc
from sim.traffic.setup import build_world, n_steps
from sim.traffic.world import simulate

from helpers.episodes import run_sim
from helpers.maps import drive, map_scenario
from helpers.paths import REPO

MAP = REPO / "scenarios" / "maps" / "town_junction.xodr"
SCENARIO = REPO / "scenarios" / "urban_intersection_opendrive.yaml"
STEP = 0.05
XOSC = REPO / "tests" / "data" / "xosc" / "hand_pedestrian_map.xosc"

WALKER = {
    "name": "walker",
    "asset": "pedestrian_adult",
    "road": "1",
    "lane": -2,
    "s": 80.0,
    "speed": 0.0,
    "maneuvers": [{"type": "cross", "speed": 1.4, "trigger": {"type": "time", "at": 0.5}}],
}
ONCOMING = {"name": "oncoming", "asset": "suv", "road": "1", "lane": 1, "s": 140.0, "speed": 8.0}


def _scenario(tmp_path, actors, ego=None, duration=12.0):
    ego = ego or {"asset": "sedan", "road": "1", "lane": -1, "s": 10.0, "speed": 10.0}
    return map_scenario(tmp_path, MAP, ego, actors, duration, STEP)


def test_a_pedestrian_crossing_on_a_map_is_seen_by_the_drivers_of_both_sides(tmp_path):
    traj, world, idx = drive(_scenario(tmp_path, [WALKER, ONCOMING]))
    k, ego, onc = idx["walker"], idx["ego"], idx["oncoming"]
    sides = [world.network.pieces[int(r)].side for r in traj.road[:, k]]
    assert sides[0] == "right" and sides[-1] == "left"  # carried by the side it stands on
    y = traj.y[:, k]
    assert math.isclose(y[0], -4.75, abs_tol=0.01)  # the middle of sidewalk -2
    done = next(e.t for e in world.scripts.events if e.agent == k and e.name == "cross_done")
    at = int(np.searchsorted(traj.t, done))
    assert math.isclose(y[at], 4.75, abs_tol=0.2)  # the middle of the far sidewalk (2)
    # it was in each side's lanes in turn, and each side's driver braked for it (nothing
    # else is in their lanes: without the move to the far side's piece the oncoming driver
    # would not see it and hold its 8 m/s)
    lanes = traj.lane[:, k] >= 0
    assert (lanes & (np.array(sides) == "right")).any() and (
        lanes & (np.array(sides) == "left")
    ).any()
    assert traj.v[:, ego].min() < 8.0 and traj.v[-1, ego] > 6.0
    assert traj.v[:, onc].min() < 7.5
    assert world.collisions == []


def test_an_object_stands_on_a_lane_and_the_ego_stops_behind_it(tmp_path):
    box = {"name": "box", "asset": "cardboard_box", "road": "1", "lane": -1, "s": 60.0, "speed": 0}
    traj, world, idx = drive(_scenario(tmp_path, [box]))
    k = idx["box"]
    assert np.allclose(traj.x[:, k], 60.0, atol=1e-6) and np.allclose(traj.y[:, k], -1.75)
    assert traj.v[-1, idx["ego"]] < 0.1 and traj.x[-1, idx["ego"]] < 60.0 - 2.5
    assert world.collisions == []


def test_the_imported_pedestrian_crossing_keeps_the_walker_and_the_cone(tmp_path):
    imp = import_xosc(XOSC)
    assert imp.data["road"] == {"opendrive": {"file": str(MAP.resolve())}}
    actors = {a["name"]: a for a in imp.data["actors"]}
    walker, cone = actors["Walker"], actors["Cone"]
    assert (walker["road"], walker["lane"], walker["s"]) == ("1", -2, 80.0)
    (cross,) = walker["maneuvers"]
    assert cross["type"] == "cross" and cross["to_d"] == 5.25  # t of lane 2's centre
    assert (cone["road"], cone["lane"], cone["s"], cone["offset"]) == ("3", -1, 60.0, 0.5)
    assert not any("lanes [-2, 2] are named" in n for n in imp.notes)  # (the one road's)
    out = tmp_path / "imported.yaml"
    out.write_text(scenario_text(imp))
    traj, world, idx = drive(out)
    k = idx["Walker"]
    assert math.isclose(traj.y[-1, k], 5.25, abs_tol=0.2)  # across, where the file's path ends
    assert world.collisions == []


def test_walkers_on_a_map_are_checked_with_file_line_and_key(tmp_path):
    cases = [
        ({**WALKER, "lane": -5}, "actors[0].lane: road '1' has no lane -5 at s=80"),
        (
            {**WALKER, "asset": "sedan", "lane": -1},
            "actors[0].maneuvers[0].type: only walkers cross ('sedan' is a vehicle)",
        ),
    ]
    for actor, message in cases:
        proc = run_sim("validate", str(_scenario(tmp_path, [actor])))
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert "scenario.yaml:" in proc.stderr and message in proc.stderr, proc.stderr


def test_a_walker_who_looks_lets_the_approaching_car_pass_first(tmp_path):
    looks = {**WALKER, "maneuvers": [{**WALKER["maneuvers"][0], "look": True}]}
    traj, world, idx = drive(_scenario(tmp_path, [looks]))
    k, ego = idx["walker"], idx["ego"]
    start = next(e.t for e in world.scripts.events if e.agent == k and e.name == "cross_start")
    passed = traj.t[np.argmax(traj.x[:, ego] - 0.5 * 4.7 > 80.0 + 1.0)]  # its rear past
    assert start >= passed > 2.0  # (without look it steps out at 0.5 s: the test above)
    assert world.collisions == []


def test_pedestrians_drawn_on_the_maps_sidewalks_cross_without_collisions():
    """urban_intersection_opendrive with 12 pedestrians, half of them crossing, 3 seeds (30
    seeds gave 148 crossings and no collision when this was written)."""
    catalog = load_catalog()
    odr = load_map(load_scenario(SCENARIO).spec.road).source
    crossings = 0
    for seed in range(1, 4):
        scenario = load_scenario(
            SCENARIO, ["pedestrians.count=12", "pedestrians.crossing_rate=0.5"]
        )
        resolved = resolve_scenario(scenario, catalog, seed)
        peds = [a for a in resolved.actors if a.name.startswith("ped_")]
        assert len(peds) == 12
        for p in peds:  # on a sidewalk lane of a road outside the junction
            road = odr.road(p.road)
            lanes = {ln.id: ln.type for sec in road.lane_sections for ln in sec.left + sec.right}
            assert road.junction == "-1" and lanes[p.lane] == "sidewalk", p
        world, _agents = build_world(resolved, catalog)
        simulate(world, n_steps(resolved))
        assert world.collisions == [], (seed, world.collisions[:2])
        crossings += sum(e.name == "cross_done" for e in world.scripts.events)
    assert crossings >= 6
    again = resolve_scenario(
        load_scenario(SCENARIO, ["pedestrians.count=12", "pedestrians.crossing_rate=0.5"]),
        catalog,
        3,
    )
    assert again == resolved  # same seed, same walkers
