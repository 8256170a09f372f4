"""What a perception engineer does with a dataset after `generate`: a quick small run of a
big config from the command line, `sim check` on one episode, training tools' caches beside
the files, and YOLO data.yaml files read from another working directory."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from sim.dataset.check import is_tool_cache
from sim.dataset.config import SplitSpec, interleave, largest_remainder, load_config, make_plan

from helpers.episodes import run_sim as sim
from helpers.paths import DATA, REPO

TINY = DATA / "tiny_dataset.yaml"


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """The tiny config cut to 2 episodes from the command line, with YOLO and KITTI."""
    out = tmp_path_factory.mktemp("tools") / "ds"
    proc = sim(
        "generate",
        str(TINY),
        "--out",
        str(out),
        "--episodes",
        "2",
        "--set",
        "formats=[native, yolo, kitti, kitti_tracking]",
        "--set",
        "split={train: 0.5, val: 0.5}",
        "--workers",
        "1",
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    assert "generated 2 episodes" in proc.stdout
    return out


def test_split_shares_not_given_are_zero_once_any_is_given():
    assert SplitSpec.model_validate({"train": 0.75, "val": 0.25}).test == 0.0
    assert SplitSpec.model_validate({"train": 1.0}).model_dump() == {
        "train": 1.0,
        "val": 0.0,
        "test": 0.0,
    }
    default = SplitSpec.model_validate({})
    assert (default.train, default.val, default.test) == (0.8, 0.1, 0.1)
    with pytest.raises(ValueError, match="must be 1"):
        SplitSpec.model_validate({"train": 0.5})


def test_episodes_and_set_change_the_config_as_if_edited(tmp_path):
    edited = tmp_path / "tiny.yaml"
    text = TINY.read_text().replace("episodes: 4", "episodes: 3").replace("seed: 11", "seed: 5")
    edited.write_text(text.replace("../../scenarios", str(REPO / "scenarios")))
    by_file = make_plan(load_config(edited))
    by_args = make_plan(load_config(TINY, ["seed=5"], episodes=3))
    assert [(t.seed, t.split, t.name) for t in by_args] == [
        (t.seed, t.split, t.name) for t in by_file
    ]


def test_a_bad_config_override_is_located_on_the_command_line(tmp_path):
    proc = sim("generate", str(TINY), "--out", str(tmp_path / "o"), "--set", "episodes=-1")
    assert proc.returncode == 2, proc.stderr
    line = proc.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "--set #1" in line and "episodes" in line
    assert not (tmp_path / "o").exists()


def test_check_checks_one_episode_and_names_a_change(small, tmp_path):
    episode = next(small.glob("shard_*/ep_000000_*"))
    proc = sim("check", str(episode), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok: 1 episodes, 5 frames")
    copy = tmp_path / "ep"
    shutil.copytree(episode, copy, symlinks=True)
    label = next((copy / "labels").rglob("*.json"))
    data = json.loads(label.read_text())
    data["objects"][0]["box2d"][0] += 1
    label.write_text(json.dumps(data))
    proc = sim("check", str(copy), "--quiet")
    assert proc.returncode == 1
    rel = label.relative_to(copy).as_posix()
    assert f"BAD {rel}: size" in proc.stderr
    assert "box2d" in proc.stderr and "but the mask spans" in proc.stderr


def test_check_ignores_training_tools_caches_but_not_changes_to_its_own_files(small, tmp_path):
    ds = tmp_path / "ds"
    shutil.copytree(small, ds, symlinks=True)
    episode = next(ds.glob("shard_*/ep_000000_*"))
    detect = episode / "yolo" / "front" / "detect"
    # what Ultralytics leaves: labels.cache beside labels/, x.npy beside x.png (cache=disk)
    np.save(detect / "labels.cache.npy", np.zeros(3))
    (detect / "labels.cache.npy").rename(detect / "labels.cache")
    image = next((detect / "images").glob("*.png"))
    np.save(image.with_suffix(".npy"), np.zeros((2, 2)))
    (ds / "yolo" / "front" / "detect" / "train.cache").write_bytes(b"x")
    proc = sim("check", str(ds), "--quiet")
    assert proc.returncode == 0, proc.stderr
    # an .npy that is not an image's cache, and a changed file of sim's own, are reported
    (episode / "stray.npy").write_bytes(b"x")
    tracks = episode / "tracks.csv"
    tracks.write_text(tracks.read_text() + "\n")
    proc = sim("check", str(ds), "--quiet")
    assert proc.returncode == 1
    assert "stray.npy: not listed in manifest.json" in proc.stderr
    assert "tracks.csv: size" in proc.stderr


def test_tool_cache_patterns():
    disk = {"a/images/000001.png", "a/images/000001.npy", "a/x.npy"}
    assert is_tool_cache("a/images/000001.npy", disk)
    assert not is_tool_cache("a/x.npy", disk)
    assert is_tool_cache("a/labels.cache", disk)
    assert is_tool_cache("a/__pycache__/m.pyc", disk)
    assert not is_tool_cache("a/labels/000001.txt", disk)


def resolve_like_ultralytics(data_yaml: Path, cwd: Path) -> dict[str, list[Path]]:
    """The image files a data.yaml names, resolved the way Ultralytics' check_det_dataset and
    its image loader do (docs/output-format.md): root = ``path`` if given (relative paths
    against the working directory), else the folder of data.yaml; a list file's lines that
    start with ``./`` are relative to the list file."""
    data = YAML(typ="safe").load(data_yaml.read_text())
    root = Path(data["path"]) if "path" in data else data_yaml.parent
    if not root.is_absolute():
        root = cwd / root
    out = {}
    for key in ("train", "val"):
        target = root / data[key]
        if target.suffix == ".txt":
            lines = target.read_text().split()
            files = [target.parent / x[2:] if x.startswith("./") else Path(x) for x in lines]
        else:
            files = sorted(target.glob("*.png"))
        out[key] = files
    return out


def test_yolo_data_yaml_resolves_from_an_unrelated_working_directory(small, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for data_yaml in [
        small / "yolo" / "front" / "detect" / "data.yaml",
        *small.glob("shard_*/*/yolo/front/*/data.yaml"),
    ]:
        found = resolve_like_ultralytics(data_yaml, elsewhere)
        assert found["train"] and found["val"], data_yaml
        for files in found.values():
            assert all(f.is_file() for f in files), data_yaml
            labels = [
                Path(str(f).replace("/images/", "/labels/")).with_suffix(".txt") for f in files
            ]
            assert all(f.is_file() for f in labels), data_yaml


def test_kitti_object_tree_numbers_every_frame_of_the_dataset(small):
    tree = small / "kitti_object" / "front" / "Kitti" / "raw"  # torchvision's layout
    images = sorted((tree / "training" / "image_2").glob("*.png"))
    assert [p.stem for p in images] == [f"{i:06d}" for i in range(10)]  # 2 episodes x 5
    index = (tree / "index.csv").read_text().splitlines()
    assert index[0] == "id,split,episode,frame" and len(index) == 11
    manifest = json.loads((small / "manifest.json").read_text())
    split_of = {ep["path"]: ep["split"] for ep in manifest["episodes"]}
    for row in index[1:]:
        new, split, episode, frame = row.split(",")
        assert split_of[episode] == split
        src = small / episode / "kitti" / "front"
        for part, suffix in (("image_2", ".png"), ("label_2", ".txt"), ("calib", ".txt")):
            mine = (tree / "training" / part / f"{new}{suffix}").read_bytes()
            assert mine == (src / part / f"{frame}{suffix}").read_bytes()
        ids = (tree / "ImageSets" / f"{split}.txt").read_text().split()
        assert new in ids
    train, val = ((tree / "ImageSets" / f"{s}.txt").read_text().split() for s in ("train", "val"))
    assert sorted(train + val) == [p.stem for p in images]
    assert (tree / "ImageSets" / "trainval.txt").read_text().split() == sorted(train + val)


def test_kitti_tracking_tree_has_one_sequence_per_episode(small):
    tree = small / "kitti_tracking" / "front" / "training"
    assert sorted(p.name for p in (tree / "label_02").iterdir()) == ["0000.txt", "0001.txt"]
    assert len(list((tree / "image_02" / "0001").glob("*.png"))) == 5
    for line in (tree / "label_02" / "0001.txt").read_text().splitlines():
        assert len(line.split()) == 17  # frame, track id, then KITTI's 15 fields


def test_a_resumed_merge_leaves_no_stale_file_in_the_kitti_trees(small, tmp_path):
    ds = tmp_path / "ds"
    shutil.copytree(small, ds, symlinks=True)
    stale = ds / "kitti_object" / "front" / "Kitti" / "raw" / "training" / "image_2" / "000999.png"
    stale.write_bytes(b"old")
    proc = sim(
        "generate",
        str(TINY),
        "--out",
        str(ds),
        "--episodes",
        "2",
        "--set",
        "formats=[native, yolo, kitti, kitti_tracking]",
        "--set",
        "split={train: 0.5, val: 0.5}",
        "--workers",
        "1",
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    assert not stale.exists()
    assert sim("check", str(ds), "--quiet").returncode == 0


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 300),
    weights=st.lists(st.floats(0.01, 100.0), min_size=1, max_size=12),
)
def test_stratified_counts_are_within_one_episode_of_each_share(n, weights):
    counts = largest_remainder(n, weights)
    assert sum(counts) == n
    for c, w in zip(counts, weights, strict=True):
        assert abs(c - n * w / sum(weights)) < 1.0 + 1e-9
    order = interleave(counts)
    assert sorted(order) == sorted(k for k, c in enumerate(counts) for _ in range(c))
    for k, c in enumerate(counts):  # every prefix is stratified too (within ~1)
        seen = 0
        for m, item in enumerate(order, start=1):
            seen += item == k
            assert abs(seen - m * c / n) < 1.0 + 1e-9


def test_twelve_episodes_over_ten_weighted_scenarios_follow_the_weights(tmp_path):
    # the complaint: 12 episodes over 10 weighted scenarios drew only 6 of them
    scenarios = sorted((REPO / "scenarios").glob("*.yaml"))[:10]
    weights = [1 + i % 3 for i in range(10)]
    lines = ["name: mix", "seed: 1", "episodes: 12", "scenarios:"]
    for path, w in zip(scenarios, weights, strict=True):
        lines += [f"  - path: {path}", f"    weight: {w}"]
    cfg = tmp_path / "mix.yaml"
    cfg.write_text("\n".join(lines) + "\n")
    plan = make_plan(load_config(cfg))
    for path, w in zip(scenarios, weights, strict=True):
        made = sum(t.scenario == str(path) for t in plan)
        assert abs(made - 12 * w / sum(weights)) < 1, path.name
    assert len({t.scenario for t in plan}) == 9  # every share >= 0.63 but one rounds to 0
    equal = cfg.read_text()
    for w in set(weights):
        equal = equal.replace(f"weight: {w}", "weight: 1")
    cfg.write_text(equal)
    assert len({t.scenario for t in make_plan(load_config(cfg))}) == 10
