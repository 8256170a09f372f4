"""``python -m sim run`` with ``outputs.ground_truth`` on: the files, their consistency with
the frame's buffers, reproducibility; and off: no trace of it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.dataset.io import read_png
from sim.groundtruth.flow import read_kitti_flow

from helpers.episodes import run_sim

SCENARIO = """\
name: gt_tiny
seed: 3
duration: 0.3
step: 0.05
road: {{length: 300.0, lanes: 2, lane_width: 3.5, sidewalk_width: 2.0}}
ego: {{asset: sedan, lane: 0, s: 60.0, speed: 10.0}}
actors:
  - {{name: lead, asset: suv, lane: 0, s: 75.0, speed: 6.0}}
  - {{name: other, asset: hatchback, lane: 1, s: 68.0, speed: 14.0}}
sensors:
  cameras:
    - {{name: front, width: 160, height: 96, hfov_deg: 90.0, rate: 10.0}}
outputs:
  formats: [native]
{extra}"""

GROUND_TRUTH = """\
  ground_truth:
    flow: true
    bev: {extent_x: 40.0, extent_y: 20.0, resolution: 0.25}
    occupancy: {extent_x: 40.0, extent_y: 20.0, voxel: 0.5}
    lanes: true
    culane: true
"""


def _run(tmp_path, name, extra):
    yaml = tmp_path / f"{name}.yaml"
    yaml.write_text(SCENARIO.format(extra=extra))
    out = tmp_path / name
    result = run_sim("run", str(yaml), "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def episodes(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gt")
    return (
        _run(tmp, "on", GROUND_TRUTH),
        _run(tmp, "again", GROUND_TRUTH),
        _run(tmp, "off", ""),
    )


def test_ground_truth_files_match_the_frames(episodes):
    on = episodes[0]
    frames = sorted((on / "frames" / "front" / "rgb").glob("*.png"))
    assert len(frames) == 3
    for kind, suffix in (("flow", ".png"),):
        assert len(list((on / "frames" / "front" / kind).glob(f"*{suffix}"))) == 3
    for folder, suffix in (("motion", ".json"), ("bev", ".npz"), ("lanes", ".json")):
        assert len(list((on / folder / "front").glob(f"*{suffix}"))) == 3
    assert len(list((on / "culane" / "front").glob("*.lines.txt"))) == 3
    # flow: valid only where there is a surface; the last frame (step 4) flows to step 6,
    # the trajectory's last state
    depth = read_png(on / "frames" / "front" / "depth" / "000000.png")
    flow = read_kitti_flow(on / "frames" / "front" / "flow" / "000000.png")
    assert flow.valid.any() and not flow.valid[depth == 0].any()
    assert read_kitti_flow(on / "frames" / "front" / "flow" / "000002.png").valid.any()
    # BEV: the lead car's footprint under its id, 15 m ahead of the ego (ego x forward)
    bev = np.load(on / "bev" / "front" / "000000.npz")
    assert bev["semantic"].shape == (160, 80) and bev["occupancy"].shape == (80, 40, 10)
    meta = json.loads((on / "meta.json").read_text())
    lead = next(a["id"] for a in meta["agents"] if a["name"] == "lead")
    rows, cols = np.nonzero(bev["instance"] == lead)
    x = 20.0 - (rows + 0.5) * 0.25
    assert rows.size > 50 and 12.0 < x.mean() < 18.0
    # motion: the labelled lead's velocity, ~6 m/s forward
    labels = json.loads((on / "labels" / "front" / "000000.json").read_text())
    motion = json.loads((on / "motion" / "front" / "000000.json").read_text())
    assert [o["id"] for o in motion["objects"]] == [o["id"] for o in labels["objects"]]
    v_lead = next(o for o in motion["objects"] if o["id"] == lead)
    assert v_lead["velocity_ego"][0] == pytest.approx(6.0, abs=0.5)
    lanes = json.loads((on / "lanes" / "front" / "000000.json").read_text())
    assert {ln["type"] for ln in lanes["lane_lines"]} >= {"solid", "dashed", "kerb", "centreline"}
    gt = json.loads((on / "ground_truth.json").read_text())
    assert gt["bev"]["shape"] == [160, 80]
    manifest = {f["path"] for f in json.loads((on / "manifest.json").read_text())["files"]}
    assert "frames/front/flow/000000.png" in manifest and "ground_truth.json" in manifest


def test_ground_truth_reproduces_byte_for_byte(episodes):
    on, again, _ = episodes
    a = json.loads((on / "manifest.json").read_text())["files"]
    b = json.loads((again / "manifest.json").read_text())["files"]
    # meta.json names the scenario file (on.yaml, again.yaml); everything else is equal
    assert [f for f in a if f["path"] != "meta.json"] == [f for f in b if f["path"] != "meta.json"]


def test_off_by_default_writes_nothing_extra(episodes):
    on, _, off = episodes
    files = {f["path"] for f in json.loads((off / "manifest.json").read_text())["files"]}
    assert not any(p.split("/")[0] in ("bev", "lanes", "culane", "motion") for p in files)
    assert not any("/flow/" in p for p in files) and "ground_truth.json" not in files
    assert "ground_truth" not in (off / "scenario.resolved.yaml").read_text()
    assert "ground_truth" in (on / "scenario.resolved.yaml").read_text()
    # the camera files are the same with and without it
    on_files = {
        f["path"]: f["sha256"] for f in json.loads((on / "manifest.json").read_text())["files"]
    }
    for f in json.loads((off / "manifest.json").read_text())["files"]:
        if f["path"].startswith(("frames/", "labels/")):
            assert on_files[f["path"]] == f["sha256"], f["path"]


def test_bad_ground_truth_keys_are_one_line_errors(tmp_path):
    yaml = tmp_path / "bad.yaml"
    yaml.write_text(SCENARIO.format(extra="  ground_truth: {culane: true, bev: {resolution: 0}}\n"))
    result = run_sim("run", str(yaml), "--out", str(tmp_path / "bad"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "ground_truth" in result.stderr
