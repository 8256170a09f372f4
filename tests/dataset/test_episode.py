"""End to end through the public entry point: `python -m sim run scenarios/cut_in.yaml`."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.checks import check_coco, check_frames, check_kitti, check_manifest, load_json
from helpers.episodes import run_sim

SMALL = [
    "--set",
    "duration=5.0",
    "--set",
    "sensors.cameras.0.width=320",
    "--set",
    "sensors.cameras.0.height=180",
]


@pytest.fixture(scope="module")
def small_episode(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ep") / "cut_in"
    proc = run_sim("run", "scenarios/cut_in.yaml", "--out", str(out), "--quiet", *SMALL)
    assert proc.returncode == 0, proc.stderr
    assert "wrote 50 frames" in proc.stdout and str(out) in proc.stdout
    return out


def test_every_file_of_the_contract_exists(small_episode):
    root = small_episode
    for name in (
        "meta.json",
        "scenario.resolved.yaml",
        "tracks.csv",
        "manifest.json",
        "coco/front.json",
    ):
        assert (root / name).is_file(), name
    for kind in ("rgb", "depth", "semantic", "instance"):
        assert len(list((root / "frames" / "front" / kind).glob("*.png"))) == 50
    assert len(list((root / "labels" / "front").glob("*.json"))) == 50
    for kind, ext in (("image_2", "png"), ("label_2", "txt"), ("calib", "txt")):
        assert len(list((root / "kitti" / "front" / kind).glob(f"*.{ext}"))) == 50
    check_manifest(root)
    assert not list(root.parent.glob(".*partial*"))


def test_labels_agree_with_masks_and_depth(small_episode):
    stats = check_frames(small_episode)
    assert stats["labels"] > 100


def test_coco_loads_with_pycocotools_and_matches_masks(small_episode):
    assert check_coco(small_episode) > 100


def test_kitti_parses(small_episode):
    assert check_kitti(small_episode) > 100


def test_cut_in_happened_as_asked(small_episode):
    meta = load_json(small_episode / "meta.json")
    crossing = [e for e in meta["events"] if e["event"] == "cut_in_crossing"]
    assert len(crossing) == 1 and 7.0 <= crossing[0]["gap"] <= 13.0
    assert crossing[0]["target"] == 1  # the ego
    assert meta["metrics"]["collisions"] == 0
    assert meta["renderer"]["gl_renderer"]


def test_same_seed_same_bytes_and_different_seed_differs(small_episode, tmp_path):
    again = tmp_path / "again"
    proc = run_sim("run", "scenarios/cut_in.yaml", "--out", str(again), "--quiet", *SMALL)
    assert proc.returncode == 0, proc.stderr
    first = load_json(small_episode / "manifest.json")
    second = load_json(again / "manifest.json")
    assert first == second
    other = tmp_path / "other"
    proc = run_sim(
        "run", "scenarios/cut_in.yaml", "--out", str(other), "--quiet", "--seed", "8", *SMALL
    )
    assert proc.returncode == 0, proc.stderr
    assert load_json(other / "manifest.json") != first


@pytest.mark.slow  # long: runs in .ci/run's slow pass
def test_resolved_scenario_reproduces_the_episode(small_episode, tmp_path):
    """Running scenario.resolved.yaml gives the same frames, labels and tracks."""
    out = tmp_path / "from_resolved"
    proc = run_sim(
        "run", str(small_episode / "scenario.resolved.yaml"), "--out", str(out), "--quiet"
    )
    assert proc.returncode == 0, proc.stderr
    a = {f["path"]: f["sha256"] for f in load_json(small_episode / "manifest.json")["files"]}
    b = {f["path"]: f["sha256"] for f in load_json(out / "manifest.json")["files"]}
    assert a.keys() == b.keys()
    differ = sorted(p for p in a if a[p] != b[p])
    assert differ == ["meta.json"], differ  # meta.json names the scenario file it came from


@pytest.mark.slow
def test_default_cut_in_episode_full_size(tmp_path):
    """The README's episode at full size: labels agree with masks, and some labelled object
    is partly hidden by another."""
    out = tmp_path / "full"
    proc = run_sim("run", "scenarios/cut_in.yaml", "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "wrote 80 frames" in proc.stdout
    check_manifest(out)
    stats = check_frames(out)
    assert stats["partly_hidden"] > 0
    check_coco(out)
    check_kitti(out)


def test_every_output_format_has_a_writer_and_native_runs_first(tmp_path):
    from typing import get_args

    from sim.dataset.writers import WRITERS, episode_writers
    from sim.scenario.schema import Format

    assert set(WRITERS) == set(get_args(Format))
    writers = episode_writers(["yolo", "coco"], tmp_path)
    assert [type(w) for w in writers] == [WRITERS["native"], WRITERS["coco"], WRITERS["yolo"]]
    with pytest.raises(ValueError, match="no writer for output format"):
        episode_writers(["native", "png"], tmp_path)
