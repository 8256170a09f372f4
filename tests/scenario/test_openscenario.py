"""OpenSCENARIO import: a 1.0 cut-in file becomes a valid scenario whose traffic does what the
file says, and what cannot be imported is said, in the file and on the command line."""

from __future__ import annotations

import numpy as np

from sim.assets import load_catalog
from sim.pipeline import resolve_scenario
from sim.scenario import load_scenario
from sim.traffic.setup import build_world, n_steps
from sim.traffic.world import simulate

from helpers.episodes import run_sim
from helpers.paths import DATA


def test_imported_cut_in_runs_as_the_xosc_file_says(tmp_path):
    out = tmp_path / "cut_in.yaml"
    proc = run_sim("import-xosc", str(DATA / "cut_in.xosc"), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "wrote" in proc.stdout and "ego + 2 actors, 3 maneuvers" in proc.stdout
    text = out.read_text()
    assert text.startswith("# Imported from OpenSCENARIO")
    assert "'straight_500m.xodr' is not read" in text
    catalog = load_catalog()
    spec = resolve_scenario(load_scenario(out), catalog)
    assert spec.duration == 10.0 and spec.road.lanes == 2
    assert (
        spec.ego.lane == 1 and spec.ego.s == 50.0 and spec.ego.speed == 22.0
    )  # laneId -1 by the centre line
    target = next(a for a in spec.actors if a.name == "Target")
    assert (
        target.asset == "van" and target.lane == 0 and target.s == 45.0
    )  # RelativeLanePosition dLane -1, ds -5
    world, infos = build_world(spec, catalog)
    traj = simulate(world, n_steps(spec))
    ev = {(infos[e.agent].name, e.name): e.t for e in traj.events}
    assert ev[("Target", "lane_change_start")] == 3.0  # SimulationTimeCondition $CutInTime
    k = int(round(ev[("Target", "hard_brake_start")] / spec.step))
    dist = np.hypot(traj.x[k - 1, 1] - traj.x[k - 1, 0], traj.y[k - 1, 1] - traj.y[k - 1, 0])
    assert dist > 29.0  # RelativeDistanceCondition > $BrakeDistance (checked each step)
    assert traj.lane[-1, 1] == traj.lane[-1, 0] and traj.s[-1, 1] > traj.s[-1, 0], (
        "it cut in ahead of the ego"
    )
    assert world.state.v0[1] == 18.0, "its new desired speed is the action's target speed"
    assert not traj.collisions


def test_unsupported_parts_are_noted_and_bad_files_are_errors(tmp_path):
    text = (
        (DATA / "cut_in.xosc")
        .read_text()
        .replace(  # a story action sim does not have
            "<PrivateAction><LateralAction>",
            "<PrivateAction><ControllerAction/></PrivateAction><PrivateAction><LateralAction>",
            1,
        )
    )
    text = text.replace('<Condition name="Soon" delay="0"', '<Condition name="Soon" delay="1.5"')
    src = tmp_path / "odd.xosc"
    src.write_text(text)
    out = tmp_path / "odd.yaml"
    assert run_sim("import-xosc", str(src), "--out", str(out)).returncode == 0
    head = out.read_text().split("name:")[0]
    assert "['ControllerAction'] not supported; skipped" in head
    cutter = next(a for a in load_scenario(out).spec.actors if a.name == "Target")
    assert cutter.maneuvers[0].trigger.at == 4.5  # SimulationTimeCondition 3 s + delay 1.5 s
    broken = tmp_path / "broken.xosc"
    broken.write_text("<OpenSCENARIO><Entities>")
    proc = run_sim("import-xosc", str(broken), "--out", str(tmp_path / "b.yaml"))
    assert proc.returncode == 2 and "broken.xosc" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "b.yaml").exists()
    expr = tmp_path / "expr.xosc"
    expr.write_text(
        (DATA / "cut_in.xosc").read_text().replace('value="$EgoSpeed"', 'value="${$EgoSpeed + 1}"')
    )
    proc = run_sim("import-xosc", str(expr), "--out", str(tmp_path / "e.yaml"))
    assert proc.returncode == 0, proc.stderr
    assert load_scenario(tmp_path / "e.yaml").spec.ego.speed == 23.0  # ${$EgoSpeed + 1}
    bad = tmp_path / "bad_expr.xosc"
    bad.write_text(
        (DATA / "cut_in.xosc").read_text().replace('value="$EgoSpeed"', 'value="${$EgoSpeed +}"')
    )
    proc = run_sim("import-xosc", str(bad), "--out", str(tmp_path / "x.yaml"))
    assert proc.returncode == 2 and "bad_expr.xosc:" in proc.stderr and "value=" in proc.stderr
    assert not (tmp_path / "x.yaml").exists()
