"""OpenSCENARIO files on curved OpenDRIVE roads: ``python -m sim import-xosc`` writes the
.xodr road of the ego's start as sim's road (lines and arcs exactly, spirals as short arcs),
every actor in the lane the file names, and the road sim builds from the YAML lies on the
.xodr's lanes (its world positions within 0.1 m of sim.road.opendrive's own to_world)."""

from __future__ import annotations

import math
import re
import shutil

import numpy as np
import pytest
from ruamel.yaml import YAML

from sim.commands.import_xosc import scenario_text
from sim.road.opendrive import load_opendrive
from sim.scenario import load_scenario
from sim.scenario.roads import build_road
from sim.scenario.xosc import import_xosc

from helpers.episodes import run_sim
from helpers.paths import DATA

XOSC = DATA / "xosc"
TINY_CAMERA = "sensors.cameras=[{name: front, width: 64, height: 48, rate: 2, hfov_deg: 90}]"
ORIGIN = re.compile(r"sim's road starts at x=(\S+), y=(\S+), heading (\S+) rad of the \.xodr")


def _load_yaml(text: str):
    """Plain data from YAML text (ruamel.yaml, the project's own YAML library)."""
    return YAML(typ="safe", pure=True).load(text)


def _import_cli(tmp_path, name):
    out = tmp_path / f"{name}.yaml"
    proc = run_sim("import-xosc", str(XOSC / f"{name}.xosc"), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


def _to_xodr(text, x, y):
    """sim's world frame -> the .xodr's (the origin the header names)."""
    x0, y0, h0 = (float(v.rstrip(",")) for v in ORIGIN.search(text).groups())
    c, s = math.cos(h0), math.sin(h0)
    return x0 + c * x - s * y, y0 + s * x + c * y


def _lane_world(road, item):
    d = road.lane_center(item["lane"]) + item.get("offset", 0.0)
    x, y, _ = road.to_world([item["s"]], [d])
    return float(x[0]), float(y[0])


# (actor, OpenDRIVE lane id, s, offset, sim lane) as gen_curve_cut_in.xosc places them
CURVE_ACTORS = [
    ("ego", -2, 80.0, 0.0, 1),
    ("lead", -2, 130.0, 0.0, 1),
    ("cutter", -1, 70.0, 0.3, 2),
    ("oncoming", 1, 400.0, 0.0, 3),
]


def test_curved_cut_in_lands_on_the_xodr_lanes(tmp_path):
    out = _import_cli(tmp_path, "gen_curve_cut_in")
    text = out.read_text()
    assert "OpenDRIVE road '1' of curve_3lanes.xodr" in text
    assert "approximated by arcs: 2 spiral" in text
    spec = load_scenario(out)
    road = build_road(spec.spec.road)
    assert (road.lanes, road.oncoming_lanes, road.lane_width) == (3, 1, 3.5)
    assert any(abs(seg.curvature) > 0.0038 for seg in road.segments)  # R 250 m + 10.5 m
    net = load_opendrive(XOSC / "curve_3lanes.xodr")
    data = _load_yaml(text)
    items = {"ego": data["ego"], **{a["name"]: a for a in data["actors"]}}
    for name, lane_id, s, offset, sim_lane in CURVE_ACTORS:
        item = items[name]
        assert item["lane"] == sim_lane, name
        assert item.get("offset", 0.0) == pytest.approx(offset, abs=1e-6), name
        t = float(net.lane_center("1", lane_id, [s])[0]) + offset
        want = net.to_world("1", [s], t)[0]
        got = _to_xodr(text, *_lane_world(road, item))
        assert math.hypot(got[0] - want[0], got[1] - want[1]) < 0.1, name
    assert items["oncoming"].get("direction", "backward") == "backward"
    # 100 m down the ego's lane (into the arc), and every 5 m of every lane: the .xodr's
    # lane centre is on sim's lane centre
    for lane_id, sim_lane in ((-3, 0), (-2, 1), (-1, 2), (1, 3)):
        s = np.arange(0.0, 730.0, 5.0) if lane_id != -2 else np.array([80.0, 180.0])
        pts = net.to_world("1", s, net.lane_center("1", lane_id, s))
        x0, y0, h0 = (float(v) for v in ORIGIN.search(text).groups())
        dx, dy = pts[:, 0] - x0, pts[:, 1] - y0
        xs, ys = math.cos(h0) * dx + math.sin(h0) * dy, -math.sin(h0) * dx + math.cos(h0) * dy
        s_sim, d_sim = road.to_lane(xs, ys)
        assert np.max(np.abs(d_sim - road.lane_center(sim_lane))) < 0.1, lane_id
        bx, by, _ = road.to_world(s_sim, d_sim)
        assert np.max(np.hypot(bx - xs, by - ys)) < 0.01


def test_spiral_follow_positions(tmp_path):
    out = _import_cli(tmp_path, "gen_spiral_follow")
    text = out.read_text()
    assert "OpenDRIVE road '1' of spiral_2lanes.xodr" in text
    data = _load_yaml(text)
    road = build_road(load_scenario(out).spec.road)
    net = load_opendrive(XOSC / "spiral_2lanes.xodr")
    items = {"ego": data["ego"], **{a["name"]: a for a in data["actors"]}}
    # RoadPosition (40, -1.75), LanePosition (75, lane -1), the follower 25 m behind the ego
    for name, s, t in (("ego", 40.0, -1.75), ("lead", 75.0, -1.75), ("follower", 15.0, -1.75)):
        assert items[name]["lane"] == 0, name
        want = net.to_world("1", [s], t)[0]
        got = _to_xodr(text, *_lane_world(road, items[name]))
        assert math.hypot(got[0] - want[0], got[1] - want[1]) < 0.1, name
    trigger = data["actors"][0]["maneuvers"][0]["trigger"]
    assert trigger["type"] == "reach"
    want = net.to_world("1", [198.0], -1.75)[0]  # s 200 less the 2 m tolerance
    got = _to_xodr(text, *_lane_world(road, {"s": trigger["s"], "lane": 0}))
    assert math.hypot(got[0] - want[0], got[1] - want[1]) < 0.1


def _episode(path):
    """(events as (actor, name, t), collisions) of a traffic run, no rendering."""
    from sim.assets import load_catalog
    from sim.pipeline import resolve_scenario
    from sim.traffic.setup import build_world, n_steps
    from sim.traffic.world import simulate

    catalog = load_catalog()
    spec = resolve_scenario(load_scenario(path), catalog, 7)
    world, infos = build_world(spec, catalog)
    traj = simulate(world, n_steps(spec))
    return [(infos[e.agent].name, e.name, e.t) for e in traj.events], traj.collisions


def test_curved_files_drive_in_their_lanes(tmp_path):
    for name in ("gen_curve_cut_in", "gen_spiral_follow"):
        out = tmp_path / f"{name}.yaml"
        out.write_text(scenario_text(import_xosc(XOSC / f"{name}.xosc")))
        events, collisions = _episode(out)
        assert not collisions, name
        assert events, name
        if name == "gen_curve_cut_in":
            assert ("cutter", "lane_change_start") in {(a, n) for a, n, _ in events}


def test_a_road_the_bridge_refuses_falls_back_to_the_stand_in(tmp_path):
    shutil.copy(DATA / "xodr" / "geometries.xodr", tmp_path / "geometries.xodr")
    text = (XOSC / "gen_cut_in.xosc").read_text()
    text = text.replace("straight_3lanes.xodr", "geometries.xodr").replace(
        'roadId="0"', 'roadId="1"'
    )
    (tmp_path / "f.xosc").write_text(text)
    imp = import_xosc(tmp_path / "f.xosc")
    note = next(n for n in imp.notes if n.startswith("road:"))
    assert "road '1' of the OpenDRIVE file 'geometries.xodr' cannot become a sim road" in note
    assert "laneOffset that varies" in note and "stands in" in note
    assert "length" in imp.data["road"]  # the straight stand-in


@pytest.mark.slow
@pytest.mark.parametrize("name", ["gen_curve_cut_in", "gen_spiral_follow"])
def test_curved_files_run_with_the_cli(tmp_path, name):
    out = _import_cli(tmp_path, name)
    run = run_sim(
        "run", str(out), "--out", str(tmp_path / "run"), "--quiet",
        "--set", "duration=2", "--set", TINY_CAMERA,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "run" / "manifest.json").is_file()


def test_world_positions_on_the_curve(tmp_path):
    """WorldPositions (x, y, h) in the arc: the ego (and with it the road) is found by
    to_road; the actor lands in the lane under the point, its heading against the road's
    giving the direction."""
    net = load_opendrive(XOSC / "curve_3lanes.xodr")
    shutil.copy(XOSC / "curve_3lanes.xodr", tmp_path / "curve_3lanes.xodr")
    text = (XOSC / "gen_curve_cut_in.xosc").read_text()
    for old, s, lane_id, offset, back in (
        ('<LanePosition roadId="1" laneId="-2" s="80.0" offset="0.0"/>', 200.0, -3, 0.0, False),
        ('<LanePosition roadId="1" laneId="1" s="400.0" offset="0.0"/>', 260.0, 1, 0.5, True),
    ):
        t = float(net.lane_center("1", lane_id, [s])[0]) + offset
        x, y, _, h = (float(v) for v in net.to_world("1", [s], t)[0])
        h = h + math.pi if back else h
        text = text.replace(old, f'<WorldPosition x="{x!r}" y="{y!r}" h="{h!r}"/>', 1)
    (tmp_path / "w.xosc").write_text(text)
    imp = import_xosc(tmp_path / "w.xosc")
    assert any("OpenDRIVE road '1' of curve_3lanes.xodr" in n for n in imp.notes)
    out = tmp_path / "w.yaml"
    out.write_text(scenario_text(imp))
    data = _load_yaml(out.read_text())
    road = build_road(load_scenario(out).spec.road)
    ego, oncoming = data["ego"], data["actors"][-1]
    assert ego["lane"] == 0 and "direction" not in ego  # lane -3, forward
    assert oncoming["lane"] == 3 and oncoming.get("offset") == pytest.approx(0.5, abs=1e-6)
    assert oncoming.get("direction", "backward") == "backward"
    for item, s, lane_id, offset in ((ego, 200.0, -3, 0.0), (oncoming, 260.0, 1, 0.5)):
        t = float(net.lane_center("1", lane_id, [s])[0]) + offset
        want = net.to_world("1", [s], t)[0]
        got = _to_xodr(out.read_text(), *_lane_world(road, item))
        assert math.hypot(got[0] - want[0], got[1] - want[1]) < 0.1
