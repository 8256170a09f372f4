"""Every file of the OpenSCENARIO corpus (tests/data/xosc, made by tools/make_xosc_corpus.py
and by hand) imports into a scenario sim validates and runs; the imported cut-in does what
scenarios/cut_in.yaml does (same lane-change start, same minimum gap)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.assets import load_catalog
from sim.commands.import_xosc import scenario_text
from sim.pipeline import resolve_scenario
from sim.scenario import load_scenario
from sim.scenario.xosc import import_set, import_xosc, is_distribution
from sim.traffic.metrics import episode_metrics
from sim.traffic.setup import build_world, n_steps
from sim.traffic.world import simulate

from helpers.episodes import run_sim
from helpers.paths import DATA, REPO

CORPUS = sorted((DATA / "xosc").glob("*.xosc"))
TINY_CAMERA = "sensors.cameras=[{name: front, width: 64, height: 48, rate: 2, hfov_deg: 90}]"


def imports(path):
    return import_set(path) if is_distribution(path) else [import_xosc(path)]


def episode(path, overrides=(), seed=7):
    """(events as (actor, name, t), metrics, collisions) of a traffic run, no rendering."""
    catalog = load_catalog()
    spec = resolve_scenario(load_scenario(path, list(overrides)), catalog, seed)
    world, infos = build_world(spec, catalog)
    traj = simulate(world, n_steps(spec))
    events = [(infos[e.agent].name, e.name, e.t) for e in traj.events]
    metrics = episode_metrics(traj, length=np.array([i.size[0] for i in infos]))
    return events, metrics, traj.collisions


def test_the_corpus_covers_what_it_should():
    names = {p.name for p in CORPUS}
    assert len(CORPUS) >= 10 and "gen_cut_in.xosc" in names
    assert (DATA / "xosc" / "straight_3lanes.xodr").is_file()
    text = " ".join(p.read_text() for p in CORPUS)
    for element in (
        "ParameterDeclaration",
        "${",
        "CatalogReference",
        "ParameterAssignment",
        "WorldPosition",
        "LanePosition",
        "RelativeLanePosition",
        "RelativeRoadPosition",
        "RelativeObjectPosition",
        "RelativeWorldPosition",
        "RoadPosition",
        'dynamicsShape="step"',
        'dynamicsShape="linear"',
        'dynamicsShape="cubic"',
        'dynamicsShape="sinusoidal"',
        "LaneChangeAction",
        "LaneOffsetAction",
        "TeleportAction",
        "FollowTrajectoryAction",
        "AssignRouteAction",
        "AcquirePositionAction",
        "TrafficSignalStateAction",
        "SimulationTimeCondition",
        "RelativeDistanceCondition",
        "DistanceCondition",
        "TimeHeadwayCondition",
        "TimeToCollisionCondition",
        "ReachPositionCondition",
        "SpeedCondition",
        "StoryboardElementStateCondition",
        "Deterministic",
        "Stochastic",
    ):
        assert element in text, element


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_every_corpus_file_imports_validates_and_drives(tmp_path, path):
    for k, imported in enumerate(imports(path)[:2]):  # two sets are enough here
        out = tmp_path / f"{path.stem}_{k}.yaml"
        out.write_text(scenario_text(imported))
        events, metrics, collisions = episode(out)
        assert metrics["min_gap"] is None or np.isfinite(metrics["min_gap"])
        assert events, "the story's maneuvers start"
        assert not collisions, "the corpus asks for no collision"


@pytest.mark.parametrize("map_mode", ["auto", "always"])
def test_imported_cut_in_does_what_the_library_cut_in_does(tmp_path, map_mode):
    """On the file's one road and on its whole OpenDRIVE map (the lane change by lane id)."""
    out = tmp_path / "cut_in.yaml"
    imported = import_xosc(DATA / "xosc" / "gen_cut_in.xosc", map_mode=map_mode)
    assert ("opendrive" in imported.data["road"]) == (map_mode == "always")
    out.write_text(scenario_text(imported))
    lib_events, lib, _ = episode(
        REPO / "scenarios" / "cut_in.yaml", ["background.count=0", "params.cut_in_gap=10"]
    )
    ev, imp, collisions = episode(out)
    start = {(a, n): t for a, n, t in ev}
    lib_start = {(a, n): t for a, n, t in lib_events}
    assert start[("cutter", "lane_change_start")] == lib_start[("cutter", "cut_in_start")]
    assert start[("cutter", "lane_change_done")] == lib_start[("cutter", "cut_in_done")]
    assert abs(imp["ego_min_gap"] - lib["ego_min_gap"]) < 0.5
    assert not collisions


@pytest.mark.slow
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_every_corpus_file_runs_with_the_cli(tmp_path, path):
    """``python -m sim import-xosc F.xosc --out S.yaml`` then ``python -m sim run S.yaml``."""
    out = tmp_path / "s.yaml"
    proc = run_sim("import-xosc", str(path), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    first = out if out.exists() else tmp_path / "s_001.yaml"
    run = run_sim(
        "run",
        str(first),
        "--out",
        str(tmp_path / "run"),
        "--quiet",
        "--set",
        "duration=1",
        "--set",
        TINY_CAMERA,
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "run" / "manifest.json").is_file()


@pytest.mark.slow
def test_imported_cut_in_events_in_meta_json(tmp_path):
    out = tmp_path / "cut_in.yaml"
    assert (
        run_sim("import-xosc", str(DATA / "xosc" / "gen_cut_in.xosc"), "--out", str(out)).returncode
        == 0
    )
    metas = []
    for scen, extra in (
        (out, []),
        (
            REPO / "scenarios" / "cut_in.yaml",
            ["--set", "background.count=0", "--set", "params.cut_in_gap=10"],
        ),
    ):
        run = tmp_path / f"run{len(metas)}"
        proc = run_sim(
            "run",
            str(scen),
            "--out",
            str(run),
            "--quiet",
            "--seed",
            "7",
            "--set",
            TINY_CAMERA,
            *extra,
        )
        assert proc.returncode == 0, proc.stderr
        metas.append(json.loads((run / "meta.json").read_text()))
    imp, lib = metas
    t_imp = next(e["t"] for e in imp["events"] if e["event"] == "lane_change_start")
    t_lib = next(e["t"] for e in lib["events"] if e["event"] == "cut_in_start")
    assert t_imp == t_lib
    assert abs(imp["metrics"]["ego_min_gap"] - lib["metrics"]["ego_min_gap"]) < 0.5
