"""Balance on demand: a dataset config with per-class targets gets the episodes of each
scenario that reach them, and `sim report` shows each target against what was made."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.dataset.targets import solve_counts

from helpers.episodes import run_sim as sim
from helpers.paths import REPO

CONFIG = """\
name: balanced
seed: 4
split: {{train: 0.5, val: 0.5}}
formats: [native]
set: [duration=3.0, sensors.cameras.0.width=320, sensors.cameras.0.height=180]
targets:
  min_height: 6
  per_split: {{pedestrian: 20, bicycle: 20, car: 40}}
scenarios:
  - {{path: {s}/cut_in.yaml}}
  - {{path: {s}/pedestrian_crossing.yaml}}
  - {{path: {s}/cyclist_overtake.yaml}}
{extra}"""


def config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "balanced.yaml"
    path.write_text(CONFIG.format(s=REPO / "scenarios", extra=extra))
    return path


@pytest.fixture(scope="module")
def balanced(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("targets")
    out = tmp / "ds"
    proc = sim("generate", str(config(tmp)), "--out", str(out), "--workers", "2", "--quiet")
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.slow  # long: runs in .ci/run's slow pass
def test_targets_choose_the_episodes_and_are_reached(balanced, tmp_path):
    sampling = json.loads((balanced / "plan.json").read_text())["sampling"]
    per = sampling["episodes_per_scenario"]
    assert all(n >= 1 for n in per)  # each class lives in one scenario: all three are needed
    assert abs(sum(sampling["weights"]) - 1) < 1e-5
    yields = sampling["yields_per_episode"]
    assert yields[str(REPO / "scenarios" / "pedestrian_crossing.yaml")]["pedestrian"] > 0
    assert yields[str(REPO / "scenarios" / "cut_in.yaml")]["pedestrian"] == 0
    proc = sim("report", str(balanced), "--out", str(tmp_path / "report"))
    assert proc.returncode == 0, proc.stderr
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("target ")]
    assert len(lines) == 6  # 3 classes x 2 splits
    assert all(ln.endswith(" met") for ln in lines), lines
    table = json.loads((tmp_path / "report" / "targets.json").read_text())
    assert all(row["made"] >= row["target"] for row in table)
    assert "<h2>Targets</h2>" in (tmp_path / "report" / "index.html").read_text()


def test_a_target_no_scenario_can_meet_is_one_located_error(tmp_path):
    cfg = config(tmp_path).read_text().replace("car: 40}", "car: 40, animal: 5}")
    path = tmp_path / "animals.yaml"
    path.write_text(cfg)
    proc = sim("generate", str(path), "--out", str(tmp_path / "o"), "--quiet")
    assert proc.returncode == 2
    line = proc.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert (
        f"{path}:8:" in line
        and "targets.per_split.animal" in line
        and "no scenario made any animal" in line
    )
    assert not (tmp_path / "o").exists()


def test_too_few_episodes_for_the_targets_is_refused(tmp_path):
    proc = sim("generate", str(config(tmp_path, "episodes: 2\n")), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2
    assert "the targets need about" in proc.stderr and "episodes: 2" in proc.stderr


def test_a_config_needs_episodes_or_targets(tmp_path):
    path = tmp_path / "none.yaml"
    path.write_text(f"name: n\nscenarios:\n  - path: {REPO}/scenarios/cut_in.yaml\n")
    proc = sim("generate", str(path), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "give episodes" in proc.stderr


@settings(max_examples=100, deadline=None)
@given(
    yields=st.lists(
        st.lists(st.just(0.0) | st.floats(0.01, 50.0), min_size=4, max_size=4),
        min_size=1,
        max_size=5,
    ),
    need=st.lists(st.just(0.0) | st.floats(0.5, 500.0), min_size=3, max_size=3),
)
def test_solved_counts_meet_every_need(yields, need):
    Y = np.array(yields, dtype=float).T  # (3 classes + all, scenarios)
    Y[3] = Y[:3].sum(axis=0) + Y[3]  # "all" holds at least the three classes
    counts = solve_counts(Y, np.array(need), np.zeros(3), margin=1.0)
    feasible = all(n == 0 or Y[c].max() > 0 for c, n in enumerate(need))
    if not feasible:
        assert counts is None
        return
    assert counts is not None and (counts >= 0).all()
    assert (Y[:3] @ counts >= np.array(need) - 1e-6).all()
