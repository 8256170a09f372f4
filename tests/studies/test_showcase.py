"""``python -m sim edge-cases``: the overview shows each asked-for case, with its actors in view."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.dataset.io import read_png

from helpers.episodes import run_sim


@pytest.mark.slow  # long: runs in .ci/run's slow pass
def test_edge_cases_overview_shows_the_inserted_debris_and_a_sensor_effect(tmp_path):
    out = tmp_path / "cases"
    proc = run_sim(
        "edge-cases",
        "--case",
        "debris",
        "--case",
        "fog",
        "--width",
        "320",
        "--height",
        "180",
        "--duration",
        "8",
        "--out",
        str(out),
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    assert "debris" in proc.stdout and "wrote" in proc.stdout
    overview = read_png(out / "overview.png")
    index = (out / "index.md").read_text()
    assert "| debris | highway_merge | debris |" in index and "| fog | cut_in | - |" in index
    # two rows: caption strip + 4 tiles each
    assert overview.shape[0] > 2 * 200 and overview.shape[1] >= 4 * 320
    episode = out / "debris" / "episode"
    meta = json.loads((episode / "meta.json").read_text())
    (debris,) = [a["id"] for a in meta["agents"] if a["name"] == "debris"]
    (row,) = [line for line in index.splitlines() if line.startswith("| debris |")]
    frames = [int(k) for k in row.split("|")[4].strip(" []").split(",")]
    assert len(frames) == 4
    for k in frames:
        instance = read_png(episode / "frames" / "front" / "instance" / f"{k:06d}.png")
        assert np.any(instance == debris), f"frame {k} shows the debris"
    assert [p["name"] for p in meta["perturbations"]] == ["debris"]


def test_edge_cases_rejects_an_unknown_case_with_a_suggestion(tmp_path):
    proc = run_sim("edge-cases", "--case", "jaywalkr", "--out", str(tmp_path / "x"))
    assert proc.returncode == 2
    assert "jaywalker" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "x").exists()
