"""Road-user edge cases of the catalogue: each, asked for by name in a scenario file, happens.

Through the public entry points: a library scenario with ``perturbations: [{name, rate: 1}]``
is resolved and simulated (and one end to end with ``sim run``); the assertions are the
physical outcomes the case promises.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from sim.assets import load_catalog
from sim.perturb.catalog import CATALOG
from sim.pipeline import resolve_scenario
from sim.scenario import load_scenario
from sim.traffic.setup import build_world, n_steps
from sim.traffic.world import simulate

from helpers.episodes import run_sim
from helpers.paths import REPO

ROAD_USER_CASES = (
    "jaywalker",
    "child_ball",
    "debris",
    "wrong_way_driver",
    "red_light_runner",
    "animal_crossing",
)


def _with_case(tmp_path: Path, case: str, base: str | None = None) -> Path:
    """A scenario file extending the case's demo scenario with the case at rate 1."""
    base = base or CATALOG[case].demo
    path = tmp_path / f"{case}.yaml"
    # a base must lie in the scenario's folder (docs/scenario-format.md): copy it next to it
    (tmp_path / f"{base}.yaml").write_bytes((REPO / "scenarios" / f"{base}.yaml").read_bytes())
    path.write_text(f"extends: {base}.yaml\nperturbations:\n  - {{name: {case}, rate: 1.0}}\n")
    return path


def _simulate(path: Path, seed: int):
    catalog = load_catalog()
    spec = resolve_scenario(load_scenario(path), catalog, seed)
    world, infos = build_world(spec, catalog)
    traj = simulate(world, n_steps(spec))
    return spec, world, traj, {info.name: info.id - 1 for info in infos}


def _ego_collisions(traj, names, idx):
    return [c for c in traj.collisions if 0 in (c.a, c.b) and {c.a, c.b} & {idx[n] for n in names}]


def test_every_road_user_case_has_a_demo_scenario_it_applies_to():
    for case in ROAD_USER_CASES:
        spec = load_scenario(REPO / "scenarios" / f"{CATALOG[case].demo}.yaml").spec
        assert CATALOG[case].kind == "scenario"
        assert CATALOG[case].applicable(spec) is None, case


@pytest.mark.parametrize("seed", [1, 2])
def test_jaywalker_crosses_from_the_right_kerb_and_the_ego_does_not_hit_it(tmp_path, seed):
    spec, world, traj, idx = _simulate(_with_case(tmp_path, "jaywalker"), seed)
    j = idx["jaywalker"]
    assert traj.d[0, j] < 0 and traj.d[-1, j] > world.road.lane_width, (
        "stepped off the kerb and crossed lane 0"
    )
    assert traj.v[0, j] == 0 and traj.v[:, j].max() > 1.0
    if spec.perturbations[0].params["occluded"] >= 0.5:
        cover = idx["jaywalker_cover"]
        assert np.ptp(traj.x[:, cover]) == 0 and traj.d[0, cover] < 0, (
            "a van parked on the shoulder"
        )
    assert not _ego_collisions(traj, ["jaywalker"], idx)


@pytest.mark.parametrize("seed", [1, 2])
def test_child_runs_after_a_ball_into_the_road_and_the_ego_brakes(tmp_path, seed):
    spec, world, traj, idx = _simulate(_with_case(tmp_path, "child_ball"), seed)
    ball, child = idx["ball"], idx["child"]
    for k in (ball, child):
        assert traj.d[0, k] < 0 and traj.d[:, k].max() > world.road.lane_width, (
            "from the right kerb into the road"
        )
        far = int(np.argmax(traj.d[:, k]))
        assert np.all(np.diff(traj.d[: far + 1, k]) > -1e-6), "straight across, never back"
    first_in = [int(np.flatnonzero(traj.d[:, k] > 0)[0]) for k in (ball, child)]
    assert first_in[0] < first_in[1], "the ball first, then the child"
    assert traj.a[:, 0].min() < -4.0
    assert not _ego_collisions(traj, ["ball", "child"], idx)


@pytest.mark.parametrize("seed", [pytest.param(1, marks=pytest.mark.slow), 2])  # 1: 11 s
def test_debris_lies_still_in_the_ego_lane_and_the_ego_does_not_hit_it(tmp_path, seed):
    spec, world, traj, idx = _simulate(_with_case(tmp_path, "debris"), seed)
    k = idx["debris"]
    assert np.ptp(traj.x[:, k]) == 0 and np.ptp(traj.y[:, k]) == 0
    assert traj.lane[0, k] == spec.ego.lane
    assert world.state.cls[k] == 19  # debris
    assert not _ego_collisions(traj, ["debris"], idx)


@pytest.mark.parametrize("seed", [1, 2])
def test_wrong_way_driver_comes_towards_the_ego_in_its_lane(tmp_path, seed):
    spec, world, traj, idx = _simulate(_with_case(tmp_path, "wrong_way_driver"), seed)
    k = idx["wrong_way"]
    assert traj.lane[0, k] == spec.ego.lane
    assert math.cos(traj.yaw[0, k] - traj.yaw[0, 0]) < -0.5, "it faces the ego"
    assert traj.s[-1, k] < traj.s[0, k], "it drives towards -s"
    assert not _ego_collisions(traj, ["wrong_way"], idx)


@pytest.mark.parametrize("seed", [1, 2])
def test_red_light_runner_enters_the_junction_on_red(tmp_path, seed):
    spec, world, traj, idx = _simulate(_with_case(tmp_path, "red_light_runner"), seed)
    k = idx["red_light_runner"]
    net = world.network
    b0, b1 = net.box_cross
    inside = (traj.road[:, k] == 1) & (traj.s[:, k] > b0) & (traj.s[:, k] < b1)
    assert inside.any(), "it drove into the junction"
    enter = int(np.flatnonzero(inside)[0])
    assert net.signal_state(traj.t[enter])["cross"] == "red"
    assert world.state.ignore_signals[k]


@pytest.mark.parametrize("seed", [1, 2])
def test_animal_runs_across_the_road(tmp_path, seed):
    spec, world, traj, idx = _simulate(_with_case(tmp_path, "animal_crossing"), seed)
    k = idx["animal"]
    width = world.road.width
    assert (traj.d[0, k] < 0) != (traj.d[0, k] > width) and (traj.d[-1, k] < 0) != (
        traj.d[0, k] < 0
    )
    assert world.state.cls[k] == 20  # animal
    # drivers brake for it once it is in their lane (a deer strike may still happen: that is
    # the case)
    in_ego_lane = np.flatnonzero(
        (traj.lane[:, k] == traj.lane[:, 0]) & (traj.s[:, k] > traj.s[:, 0])
    )
    if in_ego_lane.size and traj.s[in_ego_lane[0], k] - traj.s[in_ego_lane[0], 0] < 60.0:
        assert traj.a[in_ego_lane[0] :, 0].min() < -2.0


@pytest.mark.slow  # long: runs in .ci/run's slow pass
def test_meta_json_records_an_injected_road_user_case(tmp_path):
    path = _with_case(tmp_path, "jaywalker")
    out = tmp_path / "out"
    proc = run_sim(
        "run",
        str(path),
        "--out",
        str(out),
        "--quiet",
        "--set",
        "duration=2.0",
        "--set",
        "sensors.cameras.0.width=160",
        "--set",
        "sensors.cameras.0.height=96",
    )
    assert proc.returncode == 0, proc.stderr
    meta = json.loads((out / "meta.json").read_text())
    (rec,) = [p for p in meta["perturbations"] if p["name"] == "jaywalker"]
    assert rec["kind"] == "scenario" and set(rec["params"]) == set(CATALOG["jaywalker"].params)
    names = {a["name"] for a in meta["agents"]} if "agents" in meta else None
    if names is not None:
        assert "jaywalker" in names
