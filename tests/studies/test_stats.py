"""``python -m sim stats``: the metrics on synthetic images, and the command on a real episode."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.studies.stats import (
    block_majority_class,
    flat_block_fraction,
    horizontal_gradient_kurtosis,
    kurtosis,
)

from helpers.episodes import run_sim


def test_flat_image_is_all_flat_blocks():
    assert flat_block_fraction(np.full((720, 1280, 3), 120, np.uint8)) == 1.0


def test_noise_of_std_10_has_no_flat_block():
    rng = np.random.default_rng(0)
    img = np.clip(rng.normal(128, 10, (360, 640, 3)), 0, 255).astype(np.uint8)
    assert flat_block_fraction(img) == 0.0


def test_half_flat_image_is_half_flat():
    rng = np.random.default_rng(1)
    img = np.clip(rng.normal(128, 10, (360, 640, 3)), 0, 255).astype(np.uint8)
    img[:, :320] = 90
    assert flat_block_fraction(img) == 0.5


def test_kurtosis_of_known_distributions():
    rng = np.random.default_rng(2)
    n = 400_000
    assert kurtosis(rng.normal(size=n)) == pytest.approx(3.0, abs=0.05)
    assert kurtosis(rng.uniform(size=n)) == pytest.approx(1.8, abs=0.02)
    assert kurtosis(rng.laplace(size=n)) == pytest.approx(6.0, abs=0.3)
    assert np.isnan(kurtosis(np.ones(10)))


def test_gradient_kurtosis_of_a_single_edge_is_high():
    img = np.zeros((360, 640, 3), np.uint8)
    img[:, 320:] = 200
    rng = np.random.default_rng(3)
    img = np.clip(img + rng.normal(0, 2, img.shape), 0, 255).astype(np.uint8)
    assert horizontal_gradient_kurtosis(img) > 50


def test_block_majority_class():
    sem = np.zeros((360, 640), np.uint8)
    sem[:, :320] = 1
    sem[:3, 320:] = 5  # minority rows in the first block row
    major = block_majority_class(sem)
    assert major.shape == (45, 80)
    assert (major[:, :40] == 1).all() and (major[:, 40:] == 0).all()


@pytest.fixture(scope="module")
def episode(tmp_path_factory):
    out = tmp_path_factory.mktemp("stats") / "ep"
    proc = run_sim(
        "run",
        "scenarios/cut_in.yaml",
        "--set",
        "duration=1",
        "--set",
        "sensors.cameras.0.width=320",
        "--set",
        "sensors.cameras.0.height=180",
        "--set",
        "sensors.cameras.0.rate=2",
        "--out",
        str(out),
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    return out


def test_stats_of_an_episode_prints_plots_and_writes_json(episode, tmp_path):
    plot, js = tmp_path / "s.png", tmp_path / "s.json"
    proc = run_sim("stats", str(episode), "--plot", str(plot), "--json", str(js), "--quiet")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for metric in ("flat-block fraction", "horizontal-gradient kurtosis", "luminance",
                   "saturation", "class pixel shares", "flat blocks by class"):  # fmt: skip
        assert metric in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot.stat().st_size > 10_000
    data = json.loads(js.read_text())
    assert data["frames"] == 2 and data["kind"] == "episode"
    assert 0.0 <= data["flat_block_fraction"]["median"] <= 1.0
    assert "front" in data["cameras"]
    assert sum(data["class_pixel_shares"].values()) == pytest.approx(1.0)
    assert "road" in data["class_pixel_shares"]
    # a folder of episodes is measured too
    proc = run_sim("stats", str(episode.parent), "--quiet", "--max-frames", "1")
    assert proc.returncode == 0, proc.stderr
    assert "folder of episodes" in proc.stdout and "1 frames" in proc.stdout


def test_bad_folders_exit_2_with_one_line(tmp_path, episode):
    (tmp_path / "empty").mkdir()
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "manifest.json").write_text("[1, 2]")
    (tmp_path / "file.txt").write_text("x")
    for folder in ("missing", "empty", "junk", "file.txt"):
        proc = run_sim("stats", str(tmp_path / folder), "--quiet")
        assert proc.returncode == 2, (folder, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    # the plot may not go into the episode (its manifest lists every file)
    proc = run_sim("stats", str(episode), "--plot", str(episode / "p.png"), "--quiet")
    assert proc.returncode == 2 and "inside" in proc.stderr
    assert not (episode / "p.png").exists()


@pytest.mark.slow  # long: runs in .ci/run's slow pass
def test_render_bench_reports_every_feature_row():
    proc = run_sim(
        "bench", "render", "--size", "160x90", "--frames", "2", "--objects", "3",
        "--features", "2", "--feature-rounds", "1",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for row in ("plain", "labelled (today)", "+textures", "+shadows", "+lens", "+isp/effects",
                "all on"):  # fmt: skip
        assert f"  {row} " in out, row
    assert "all features: " in out and "(budget 2.00 x)" in out
    assert out.strip().splitlines()[-1].startswith("render bench: a fully labelled frame costs")
