"""OpenSCENARIO import, golden checks on the corpus (tests/data/xosc): parameters and
expressions, catalogs, positions, actions and conditions land where the file says on the
.xodr road (or the straight stand-in where the file names none that sim can drive), what is
approximated is in the header, and what sim's validator would refuse is refused with the
file and line, nothing written."""

from __future__ import annotations

import math

import pytest

from sim.commands.import_xosc import scenario_text, validate_text
from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.scenario.xosc import OpenScenarioError, import_set, import_xosc

from helpers.episodes import run_sim
from helpers.paths import DATA

XOSC = DATA / "xosc"
W = 3.5  # lane width [m]


def load(tmp_path, imported, name="s.yaml"):
    text = scenario_text(imported)
    validate_text(text, name)
    out = tmp_path / name
    out.write_text(text)
    return load_scenario(out).spec, text


def by_name(spec):
    return {a.name: a for a in spec.actors} | {"ego": spec.ego}


def test_parameters_expressions_and_typed_values(tmp_path):
    spec, text = load(tmp_path, import_xosc(XOSC / "hand_edge_cases.xosc"))
    a = by_name(spec)
    assert spec.ego.speed == 25.0  # ${$EgoSpeedKmh / 3.6} with 90 km/h
    assert a["Wide"].speed == 15.0  # ${max(10, min(20, $EgoSpeed - 10))}
    assert spec.ego.maneuvers[0].trigger.at == 3.0  # Story-scoped ${2 * 1.5}
    assert spec.environment.time_of_day == 8.25  # dateTime parameter 08:15
    assert spec.environment.cloud_cover == 0.5
    assert spec.background.count == 4  # unsignedInt $Swarm
    # boolean ParameterCondition true: the event runs; string one false: left out
    assert [m.type for m in spec.ego.maneuvers] == ["lane_change", "hard_brake", "set_speed"]
    assert "event 'never' can never start: left out" in text
    assert spec.ego.maneuvers[1].decel == 12.0 and "clamped to sim's 12" in text
    assert spec.ego.maneuvers[2].speed == 12.5  # ${$EgoSpeed * 0.5}


def test_the_issues_cases_are_converted_not_refused(tmp_path):
    """s = 0, an offset of 3.07 m past the lane, a target lane -1: what made earlier imports
    fail sim's own schema."""
    spec, text = load(tmp_path, import_xosc(XOSC / "hand_edge_cases.xosc"))
    a = by_name(spec)
    assert spec.road.lanes == 3 and spec.road.oncoming_lanes == 1
    assert spec.ego.s == 10.0 and "every s moved 10 m forward" in text  # was s = 0
    assert a["Wide"].s == 60.0
    # laneId -2, offset -3.07: t = -5.25 - 3.07 = -8.32 m, in lane -3 (sim lane 0)
    assert a["Wide"].lane == 0 and a["Wide"].offset == pytest.approx(3 * W - 8.32 - 0.5 * W)
    assert spec.ego.maneuvers[0].to_lane == 2  # AbsoluteTargetLane -1: the leftmost forward
    assert spec.ego.maneuvers[0].duration == pytest.approx(W / 1.2)  # lateral rate 1.2 m/s
    assert a["Oncoming"].lane == 3 and a["Oncoming"].direction is None  # h = pi, y = 1.75
    assert a["Child"].asset == "pedestrian_child" and a["Child"].d == pytest.approx(-3.82)
    assert a["Cone"].asset == "traffic_cone"


def test_positions(tmp_path):
    spec, text = load(tmp_path, import_xosc(XOSC / "gen_positions.xosc"))
    a = by_name(spec)
    assert spec.road.lanes == 3
    assert (spec.ego.lane, spec.ego.s) == (1, 60.0)  # LanePosition laneId -2
    assert (a["lane_pos"].lane, a["lane_pos"].offset) == (2, 0.4)
    assert (a["world_pos"].lane, a["world_pos"].s) == (2, 160.0)  # x = 160, y = -1.75
    assert (a["road_pos"].lane, a["road_pos"].s) == (0, 200.0)  # t = -8.75
    assert (a["rel_lane"].lane, a["rel_lane"].s) == (0, 35.0)  # Ego, dLane -1, ds -25
    # dt +3.5 from lane_pos: t = 2.15, left of the centre line of the one-way .xodr road
    # (no lane 1 there): beside the lanes, d = 3 * 3.5 + 2.15
    assert a["rel_road"].lane is None and a["rel_road"].d == pytest.approx(12.65)
    assert "lanes [1] are named but road '0' has no such driving lanes" in text
    assert "OpenDRIVE road '0' of straight_3lanes.xodr (600 m" in text
    assert (a["rel_obj"].lane, a["rel_obj"].s) == (2, 200.0)  # world_pos + dx 40
    assert (a["rel_world"].lane, a["rel_world"].s) == (0, 235.0)  # road_pos + dx 35
    reach = spec.ego.maneuvers[0].trigger
    assert reach.type == "reach" and reach.s == 98.0  # s 100, tolerance 2


def test_speed_actions_of_every_shape(tmp_path):
    spec, text = load(tmp_path, import_xosc(XOSC / "gen_speed_shapes.xosc"))
    a = by_name(spec)
    brake, after, cubic = a["A"].maneuvers
    assert (brake.type, brake.decel, brake.duration) == ("hard_brake", 4.0, 2.5)  # rate $Brake
    assert after.speed == 10.0 and cubic.type == "accelerate"
    assert cubic.accel == pytest.approx(8.0 / 4.0)  # 10 -> 18 m/s over 4 s
    assert "shape 'cubic': constant rate over the same time" in text
    sinus, step = a["B"].maneuvers
    assert sinus.accel == pytest.approx((25**2 - 20**2) / (2 * 60))  # over 60 m
    assert step.type == "set_speed" and step.speed == 15.0
    assert (step.trigger.type, step.trigger.actor, step.trigger.event) == (
        "event",
        "A",
        "set_speed_done",
    )
    assert a["C"].maneuvers[0].speed == pytest.approx(24.0)  # 1.2 x Ego's 20 m/s
    stop = a["D"].maneuvers[0]
    assert (stop.type, stop.decel, stop.trigger.at) == ("stop", 4.0, 3.5)  # delay 0.5 s


def test_lateral_actions_and_entity_conditions(tmp_path):
    spec, text = load(tmp_path, import_xosc(XOSC / "gen_lateral.xosc"))
    over, back = spec.ego.maneuvers
    assert over.to_lane == 2 and over.duration == pytest.approx(60 / 22)  # 60 m at 22 m/s
    # time headway 2 s at the ego's 22 m/s: a 44 m free gap, as a centre distance
    assert over.trigger.type == "distance" and over.trigger.below == pytest.approx(
        math.hypot(44 + 4.7, 0.0)
    )
    assert back.trigger.type == "reach" and back.trigger.s == 200.0  # travelled 150 m
    side = by_name(spec)["Side"].maneuvers
    assert side[0].type == "lane_change" and side[0].to_lane == 1  # offset 3.5 m: next lane
    assert side[0].trigger.type == "ttc" and side[0].trigger.below == 30.0
    assert side[1].trigger.type == "reach" and side[1].trigger.s == 150.0


def test_trajectories_routes_environment(tmp_path):
    spec, text = load(tmp_path, import_xosc(XOSC / "gen_routes_world.xosc"))
    a = by_name(spec)
    poly = a["Poly"].maneuvers[0]
    assert poly.type == "follow_path"
    # the path meets every vertex: integrate the arcs from the start pose
    x, y, h = 70.0, -8.75, 0.0
    for seg in poly.segments:
        k = (1 if seg.turn == "left" else -1) / seg.radius if seg.type == "arc" else 0.0
        if k:
            x, y = (
                x + (math.sin(h + k * seg.length) - math.sin(h)) / k,
                y - (math.cos(h + k * seg.length) - math.cos(h)) / k,
            )
        else:
            x, y = x + seg.length * math.cos(h), y + seg.length * math.sin(h)
        h += k * seg.length
    assert (x, y) == (pytest.approx(170.0, abs=1e-3), pytest.approx(-5.25, abs=1e-3))
    assert poly.speed == pytest.approx(sum(s.length for s in poly.segments) / 8.3)
    clothoid = a["Clo"].maneuvers[0].segments
    curv = [1 / s.radius for s in clothoid]
    assert curv == sorted(curv) and curv[-1] == pytest.approx(0.0002 * 40 * (1 - 1 / 40), rel=0.01)
    assert a["Router"].maneuvers[0].to_lane == 1  # route ends in lane -2
    assert a["Seeker"].maneuvers[0].to_lane == 1 and len(a["Seeker"].maneuvers) == 1
    assert "TeleportAction during the story is not supported" in text
    assert "traffic signal actions dropped" in text
    env = spec.environment
    assert env.time_of_day == 19.5 and env.cloud_cover == 0.75  # six oktas
    assert env.sun_elevation_deg == pytest.approx(math.degrees(0.12))
    assert env.sun_azimuth_deg == pytest.approx((90 - math.degrees(4.2)) % 360)
    assert [p.name for p in spec.perturbations] == ["fog", "rain"]
    assert spec.perturbations[0].params["visibility"] == 150.0


def test_catalogs_with_parameter_assignments(tmp_path):
    spec, text = load(tmp_path, import_xosc(XOSC / "hand_catalogs.xosc"))
    a = by_name(spec)
    assert spec.ego.asset == "sedan" and spec.ego.speed == 20.0
    assert a["Van"].asset == "van" and a["Truck"].asset == "truck"  # Category assigned
    assert a["Walker"].asset == "pedestrian_adult"
    change = a["Van"].maneuvers[0]  # from the maneuver catalog, Duration ${$EgoSpeed / 5}
    assert (change.type, change.duration, change.to_lane, change.trigger.at) == (
        "lane_change",
        4.0,
        1,
        2.0,
    )
    assert a["Truck"].maneuvers[0].to_lane == 1  # route catalog: last waypoint in lane -2
    assert "its controller is not used" in text


def test_catalog_errors_name_the_file_and_line(tmp_path):
    src = (XOSC / "hand_catalogs.xosc").read_text()
    (tmp_path / "catalogs").symlink_to(XOSC / "catalogs")
    bad = tmp_path / "bad.xosc"
    bad.write_text(src.replace('entryName="walker"', 'entryName="runner"'))
    with pytest.raises(OpenScenarioError, match=r"bad\.xosc:\d+: .*no entry 'runner'"):
        import_xosc(bad)
    bad.write_text(src.replace('parameterRef="Length"', 'parameterRef="Width"'))
    with pytest.raises(OpenScenarioError, match="declares no parameter Width"):
        import_xosc(bad)
    bad.write_text(src.replace('"catalogs"', '"nowhere"'))
    imported = import_xosc(bad)  # missing catalogs: entities by entry name, noted
    assert any("directory" in n and "not found" in n for n in imported.notes)
    assert imported.data["actors"][0]["asset"] == "sedan"  # entry 'delivery': no word in it
    assert any("a maneuver from a catalog that is not found: skipped" in n for n in imported.notes)


def test_deterministic_sets_and_stochastic_distributions(tmp_path):
    sets = import_set(XOSC / "gen_cut_in_sets.xosc")
    assert len(sets) == 2 * 2  # gaps {8, 12} x slow speeds 20..22 step 2
    speeds = sorted({s.data["actors"][1]["maneuvers"][1]["speed"] for s in sets})
    assert speeds == [20.0, 22.0] and "parameter set 1 of 4" in sets[0].notes[0]
    multi = import_set(XOSC / "hand_value_sets.xosc")
    assert len(multi) == 2 * 3
    assert {m.data["ego"]["speed"] for m in multi} == {round(80 / 3.6, 6), round(100 / 3.6, 6)}
    (sto,) = import_set(XOSC / "gen_cut_in_stochastic.xosc")
    spec, text = load(tmp_path, sto)
    assert spec.seed == 7 and "numberOfTestRuns 50" in text
    cutter = by_name(spec)["cutter"]
    assert cutter.speed.name == "CutterSpeed"  # drawn by sim
    assert spec.params["CutterSpeed"].mean == 30.0 and spec.params["CutterSpeed"].lo == 27.0
    assert spec.params["SlowSpeed"].weights == (0.25, 0.75)
    assert "parameter CutInGap: not one field sim can draw" in text  # used in an expression
    (approx,) = import_set(XOSC / "hand_stochastic.xosc")
    spec, text = load(tmp_path, approx, "approx.yaml")
    assert spec.params["CutterSpeed"].values == (29.0, 31.0)  # histogram bin centres
    assert spec.params["SlowSpeed"].mean == pytest.approx(math.exp(3.1 + 0.005))
    assert spec.params["EgoSpeed"].std == 5.0  # Poisson: sqrt(25)


def test_what_sim_would_refuse_is_refused_and_nothing_is_written(tmp_path):
    src = (XOSC / "gen_cut_in.xosc").read_text()
    bad = tmp_path / "overlap.xosc"
    bad.write_text(src.replace('s="125.0"', 's="82.0"'))  # the lead on top of the ego
    out = tmp_path / "o.yaml"
    proc = run_sim("import-xosc", str(bad), "--out", str(out))
    assert proc.returncode == 2 and "would not validate, so nothing was written" in proc.stderr
    assert "overlaps" in proc.stderr and "Traceback" not in proc.stderr and not out.exists()
    with pytest.raises(ScenarioError, match=r"overlap\.xosc:\d+: .*no parameter 'Nope'"):
        bad.write_text(src.replace('value="$EgoSpeed"', 'value="$Nope"'))
        import_xosc(bad)
    with pytest.raises(ScenarioError, match=r"value='\$\{1 / 0\}'>: division by zero"):
        bad.write_text(src.replace('value="$EgoSpeed"', 'value="${1 / 0}"'))
        import_xosc(bad)
    with pytest.raises(ScenarioError, match="lane 0 is the centre line"):
        bad.write_text(src.replace('laneId="-2" s="80.0"', 'laneId="0" s="80.0"'))
        import_xosc(bad)
    with pytest.raises(ScenarioError, match=r"'EgoSpeed' \(double\) = 'fast'"):
        bad.write_text(
            src.replace(
                'name="EgoSpeed" parameterType="double" value="25"',
                'name="EgoSpeed" parameterType="double" value="fast"',
            )
        )
        import_xosc(bad)


def test_patterns_of_public_files(tmp_path):
    spec, text = load(tmp_path, import_xosc(XOSC / "hand_wild_patterns.xosc"))
    a = by_name(spec)
    assert set(a) == {"ego", "OverTaker", "Oncoming", "walker"}
    assert "entry 'car_white' read by its name only" in text  # the catalog folder is missing
    assert (spec.ego.lane, spec.ego.s) == (0, 50.0)  # RoutePosition pathS 50, lane -3
    first, change, brake, slow = a["OverTaker"].maneuvers  # $owner from the Story's scope
    assert first.type == "set_speed" and first.speed == pytest.approx(1.2 * 20.0)
    assert change.to_lane == spec.ego.lane
    assert change.trigger.type == "distance" and change.trigger.above == pytest.approx(
        math.hypot(0.6 * 20.0, W)
    )  # time headway 0.6 s at 20 m/s, no free space
    assert (brake.trigger.type, brake.trigger.event) == ("event", "lane_change_done")
    oncoming = a["Oncoming"].maneuvers[0]
    assert a["Oncoming"].lane == 3 and oncoming.to_lane == 2  # +1 to its left: across
    walk = a["walker"].maneuvers[0]
    assert walk.type == "cross" and walk.along == -5.0 and walk.to_d == pytest.approx(-0.75)
    assert walk.trigger.at == pytest.approx(5 / 20)  # the ego travels 5 m
    assert spec.duration == 20.0 and "no StopTrigger on simulation time" in text
