"""Per-object 3D velocity in the native labels (``velocity.cam`` / ``velocity.ego``): the
motion of the boxes themselves, the trajectory's, and what the nuScenes devkit derives
(``NuScenes.box_velocity``) from the nuScenes export of the same episode."""

from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from sim.dataset.writers.nuscenes import VERSION

from helpers.episodes import run_sim

ARGS = (
    "scenarios/cut_in.yaml",
    "--quiet",
    "--set",
    "outputs.formats=[native, nuscenes]",
    "--set",
    "duration=1",
    "--set",
    "sensors.cameras.0.width=240",
    "--set",
    "sensors.cameras.0.height=135",
)


@pytest.fixture(scope="module")
def episode(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vel") / "ep"
    proc = run_sim("run", *ARGS, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


def _frames(episode: Path) -> list[dict]:
    return [
        json.loads(p.read_text()) for p in sorted((episode / "labels" / "front").glob("*.json"))
    ]


def _world(frame: dict, T_ego_cam: np.ndarray) -> tuple[np.ndarray, dict[int, tuple]]:
    """The ego's rotation and, per object, (world centre, world velocity from the labels)."""
    T_world_ego = np.array(frame["T_world_ego"])
    T_world_cam = T_world_ego @ T_ego_cam
    out = {}
    for o in frame["objects"]:
        centre = T_world_cam[:3, :3] @ np.array(o["box3d"]["center"]) + T_world_cam[:3, 3]
        v_from_cam = T_world_cam[:3, :3] @ np.array(o["velocity"]["cam"])
        v_from_ego = T_world_ego[:3, :3] @ np.array(o["velocity"]["ego"])
        assert np.allclose(v_from_cam, v_from_ego, atol=2e-6)  # the same vector, two frames
        out[o["id"]] = (centre, v_from_ego)
    return T_world_ego[:3, :3], out


def test_label_velocity_is_the_boxes_own_motion_and_the_trajectorys(episode):
    meta = json.loads((episode / "meta.json").read_text())
    T_ego_cam = np.array(meta["cameras"][0]["T_ego_cam"])
    frames = _frames(episode)
    worlds = [_world(f, T_ego_cam)[1] for f in frames]
    with open(episode / "tracks.csv", newline="") as fh:
        track = {(int(r["step"]), int(r["id"])): r for r in csv.DictReader(fh)}
    compared = 0
    for k, frame in enumerate(frames):
        for oid, (_centre, v) in worlds[k].items():
            row = track[(frame["step"], oid)]
            speed, yaw = float(row["speed"]), float(row["yaw"])
            expected = [speed * math.cos(yaw), speed * math.sin(yaw), 0.0]
            assert v == pytest.approx(expected, abs=2e-4)  # tracks.csv keeps 4-6 decimals
            if 0 < k < len(frames) - 1 and oid in worlds[k - 1] and oid in worlds[k + 1]:
                # central difference of the box centres over two frames: exact for a constant
                # acceleration, which the kinematics integrates between frames
                dt = frames[k + 1]["t"] - frames[k - 1]["t"]
                moved = (worlds[k + 1][oid][0] - worlds[k - 1][oid][0]) / dt
                assert np.abs(moved - v).max() < 0.05, (oid, k, moved, v)
                compared += 1
    assert compared >= 5
    # the camera frame: the lead car 25 m/s straight ahead of a camera looking forward
    lead = next(a["id"] for a in meta["agents"] if a["name"] == "lead")
    obj = next(o for o in frames[3]["objects"] if o["id"] == lead)
    assert obj["velocity"]["cam"] == pytest.approx([0.0, 0.0, 25.0], abs=1e-6)
    assert obj["velocity"]["ego"] == pytest.approx([25.0, 0.0, 0.0], abs=1e-6)


def test_the_nuscenes_devkits_box_velocity_agrees_with_the_labels(episode):
    if not (os.environ.get("CI") or os.environ.get("SIM_REQUIRE_NUSCENES")):
        pytest.importorskip(
            "nuscenes", reason="pip install --no-deps -c constraints.txt nuscenes-devkit"
        )
    from nuscenes.nuscenes import NuScenes

    nusc = NuScenes(version=VERSION, dataroot=str(episode / "nuscenes"), verbose=False)
    meta = json.loads((episode / "meta.json").read_text())
    T_ego_cam = np.array(meta["cameras"][0]["T_ego_cam"])
    frames = {f["step"]: _world(f, T_ego_cam)[1] for f in _frames(episode)}
    steps = {s["token"]: sorted(frames)[i] for i, s in enumerate(_chain(nusc))}
    sim_id = {i["token"]: i["sim_id"] for i in nusc.instance}
    with open(episode / "tracks.csv", newline="") as fh:
        speeds: dict[int, list[float]] = {}
        for r in csv.DictReader(fh):
            speeds.setdefault(int(r["id"]), []).append(float(r["speed"]))
    steady = {i for i, v in speeds.items() if max(v) - min(v) < 0.01}  # constant speed
    compared = 0
    for ann in nusc.sample_annotation:
        oid = sim_id[ann["instance_token"]]
        labelled = frames[steps[ann["sample_token"]]].get(oid)
        if oid not in steady or labelled is None or not (ann["prev"] or ann["next"]):
            continue
        v = nusc.box_velocity(ann["token"])
        assert np.abs(v - labelled[1]).max() < 0.1, (oid, v, labelled[1])
        compared += 1
    assert compared >= 5


def _chain(nusc) -> list[dict]:
    """The scene's samples in time order."""
    out, tok = [], nusc.scene[0]["first_sample_token"]
    while tok:
        out.append(nusc.get("sample", tok))
        tok = out[-1]["next"]
    return out
