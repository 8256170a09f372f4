"""Edge cases and sensor effects: injection rates, recorded parameters, labels that stay
true, and a criticality search that beats random sampling."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from sim.assets import load_catalog
from sim.errors import ScenarioError
from sim.perturb.catalog import CATALOG
from sim.pipeline import resolve_scenario
from sim.render import effects
from sim.scenario import load_scenario
from sim.studies.sweep import _stratified

from helpers.checks import check_frames
from helpers.episodes import run_sim
from helpers.paths import REPO

CUT_IN = REPO / "scenarios" / "cut_in.yaml"
TINY = [
    "--set",
    "duration=1.0",
    "--set",
    "sensors.cameras.0.width=320",
    "--set",
    "sensors.cameras.0.height=180",
]


def _resolve(overrides, seed):
    return resolve_scenario(load_scenario(CUT_IN, overrides), load_catalog(), seed)


def test_injection_rate_matches_the_requested_rate():
    """Binomial check: 300 episodes at rate 0.3 -> within 4 standard deviations of 90."""
    n, rate = 300, 0.3
    ov = [f"perturbations=[{{name: lead_hard_brake, rate: {rate}}}, {{name: fog, rate: 0.8}}]"]
    hits = np.zeros(2, int)
    for seed in range(n):
        names = [p.name for p in _resolve(ov, seed).perturbations]
        hits += ["lead_hard_brake" in names, "fog" in names]
    for k, p in zip(hits, (rate, 0.8), strict=True):
        assert abs(k - n * p) < 4 * math.sqrt(n * p * (1 - p)), (k, p)


def test_applied_edge_case_changes_the_scenario_and_is_recorded():
    spec = _resolve(
        [
            "perturbations=[{name: lead_hard_brake}, "
            "{name: stalled_vehicle, params: {distance: 150}}]"
        ],
        4,
    )
    lead = next(a for a in spec.actors if a.name == "lead")
    assert [m.type for m in lead.maneuvers] == ["stop"]
    assert 6.0 <= lead.maneuvers[0].decel <= 9.0
    stalled = next(a for a in spec.actors if a.name == "stalled")
    assert (
        stalled.speed == 0
        and stalled.lane == spec.ego.lane
        and stalled.s == pytest.approx(spec.ego.s + 150)
    )
    recorded = {p.name: p for p in spec.perturbations}
    assert recorded["lead_hard_brake"].params["decel"] == lead.maneuvers[0].decel
    assert recorded["stalled_vehicle"].params["distance"] == 150 and all(
        p.applied for p in spec.perturbations
    )


def test_unknown_perturbation_or_parameter_is_one_clear_error(tmp_path):
    with pytest.raises(ScenarioError, match=r"unknown perturbation 'fgo'; did you mean 'fog'\?"):
        _resolve(["perturbations=[{name: fgo}]"], 0)
    with pytest.raises(
        ScenarioError, match=r"fog has no parameter 'visibilty'; did you mean 'visibility'\?"
    ):
        _resolve(["perturbations=[{name: fog, params: {visibilty: 50}}]"], 0)
    path = tmp_path / "s.yaml"
    path.write_text(
        CUT_IN.read_text().replace(
            "sweep:", "perturbations:\n  - {name: aggressive_cut_in}\n  - {name: tailgatr}\nsweep:"
        )
    )
    out = tmp_path / "out"
    proc = run_sim("run", str(path), "--out", str(out))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and not out.exists()
    line = path.read_text().splitlines().index("  - {name: tailgatr}") + 1
    assert f"s.yaml:{line}:" in proc.stderr and "did you mean 'tailgater'" in proc.stderr


def test_edge_case_that_cannot_apply_is_refused():
    with pytest.raises(
        ScenarioError, match="aggressive_cut_in needs an actor with a cut_in maneuver"
    ):
        _resolve(["actors.1.maneuvers=[]", "perturbations=[{name: aggressive_cut_in}]"], 0)


def test_stratified_sampling_covers_each_case_exactly():
    rng = np.random.default_rng(0)
    strata = _stratified([(0, "fog", 0.25), (1, "noise", 0.5)], 40, rng)
    fog = sum("perturbations.0.rate=1.0" in s for s in strata)
    noise = sum("perturbations.1.rate=1.0" in s for s in strata)
    assert (fog, noise) == (10, 20)


def test_fog_formula_and_sky():
    rgb = np.zeros((1, 3, 3), np.uint8)
    depth = np.array([[10.0, 100.0, 0.0]], np.float32)  # 0 = sky, infinitely far
    out = effects.fog(rgb, depth, None, np.random.default_rng(0), visibility=100.0)
    t = math.exp(-3.912 * 10 / 100)
    np.testing.assert_allclose(out[0, 0], np.rint(effects.FOG_COLOR * (1 - t)), atol=1)
    np.testing.assert_allclose(
        out[0, 1], np.rint(effects.FOG_COLOR * (1 - math.exp(-3.912))), atol=1
    )
    np.testing.assert_array_equal(out[0, 2], effects.FOG_COLOR.astype(np.uint8))


def test_noise_and_exposure_statistics():
    rng = np.random.default_rng(1)
    rgb = np.full((200, 200, 3), 128, np.uint8)
    noisy = effects.noise(rgb, None, None, rng, sigma=6.0).astype(float)
    assert abs(noisy.mean() - 128) < 0.2 and abs(noisy.std() - 6.0) < 0.2
    assert np.all(effects.exposure(rgb, None, None, rng, gain=1.5) == 192)


def _labels(root: Path) -> dict:
    return {
        p.name: json.loads(p.read_text())
        for p in sorted((root / "labels" / "front").glob("*.json"))
    }


@pytest.mark.slow  # long: runs in .ci/run's slow pass
def test_sensor_effects_change_pixels_but_never_labels(tmp_path):
    clean, foggy = tmp_path / "clean", tmp_path / "foggy"
    assert run_sim("run", str(CUT_IN), "--out", str(clean), "--quiet", *TINY).returncode == 0
    proc = run_sim(
        "run",
        str(CUT_IN),
        "--out",
        str(foggy),
        "--quiet",
        *TINY,
        "--set",
        "perturbations=[{name: fog, params: {visibility: 60}}, {name: noise}, {name: motion_blur}]",
    )
    assert proc.returncode == 0, proc.stderr
    assert _labels(clean) == _labels(foggy)
    for kind in ("depth", "instance", "semantic"):
        a = (clean / "frames/front" / kind / "000005.png").read_bytes()
        assert a == (foggy / "frames/front" / kind / "000005.png").read_bytes()
    assert (clean / "frames/front/rgb/000005.png").read_bytes() != (
        foggy / "frames/front/rgb/000005.png"
    ).read_bytes()
    meta = json.loads((foggy / "meta.json").read_text())
    assert [p["name"] for p in meta["perturbations"]] == ["fog", "noise", "motion_blur"]
    assert meta["perturbations"][0]["params"] == {"visibility": 60.0}
    # the resolved scenario reproduces the perturbed episode (same noise, same blur)
    again = tmp_path / "again"
    assert (
        run_sim(
            "run", str(foggy / "scenario.resolved.yaml"), "--out", str(again), "--quiet"
        ).returncode
        == 0
    )
    assert (again / "frames/front/rgb/000005.png").read_bytes() == (
        foggy / "frames/front/rgb/000005.png"
    ).read_bytes()


@pytest.mark.slow  # 7 s: two episodes
def test_extrinsic_jitter_moves_boxes_with_the_image(tmp_path):
    out = tmp_path / "jitter"
    proc = run_sim(
        "run",
        str(CUT_IN),
        "--out",
        str(out),
        "--quiet",
        *TINY,
        "--set",
        "perturbations=[{name: extrinsic_jitter, "
        "params: {yaw_deg: 2.0, pitch_deg: -1.5, roll_deg: 1.0}}]",
    )
    assert proc.returncode == 0, proc.stderr
    check_frames(
        out
    )  # every box still agrees with its mask, 3D boxes with depth, P2 with projection
    meta = json.loads((out / "meta.json").read_text())
    T = np.array(meta["cameras"][0]["T_ego_cam"])
    forward = T[:3, 2]  # optical axis in the ego frame: yawed left 2 deg, pitched up 1.5 deg
    assert math.degrees(math.atan2(forward[1], forward[0])) == pytest.approx(2.0, abs=1e-6)
    assert math.degrees(math.asin(forward[2])) == pytest.approx(1.5, abs=0.05)


@pytest.mark.slow  # 11 s
def test_cem_finds_more_critical_cut_ins_than_random(tmp_path):
    out = tmp_path / "sweep"
    proc = run_sim(
        "sweep", str(CUT_IN), "--n", "200", "--search", "cem", "--out", str(out), "--quiet"
    )
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader((out / "sweep.csv").open()))
    assert len(rows) == 400
    crit = {
        ph: [float(r["criticality"]) for r in rows if r["phase"] == ph] for ph in ("random", "cem")
    }
    k = {ph: sum(c < 2.0 for c in v) for ph, v in crit.items()}
    assert k["cem"] > k["random"], k
    assert "cem vs random" in proc.stdout
    for png in ("ttc_cdf.png", "coverage.png", "ttc_vs_params_cut_in_gap.png"):
        assert (out / png).stat().st_size > 1000
    weights = [float(r["weight"]) for r in rows if r["phase"] == "random"]
    assert all(w == 1.0 for w in weights)  # random draws are nominal: weight 1


def test_every_catalogue_entry_is_documented():
    doc = (REPO / "docs" / "perturbations.md").read_text()
    for name in CATALOG:
        assert f"`{name}`" in doc
