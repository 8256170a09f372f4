"""A LiDAR through ``python -m sim run``: its files, formats, calib and reproducibility."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.classes import BY_NAME
from sim.dataset.writers.kitti import calib_text
from sim.dataset.writers.lidar import FIELDS, write_lidars
from sim.lidar.semantickitti import SEMANTIC_KITTI_ID
from sim.render.camera import CameraModel, invert_rigid, mount_transform

from helpers.checks import check_manifest
from helpers.paths import REPO

CUT_IN = REPO / "scenarios" / "cut_in.yaml"
LIDAR = "[{name: top, preset: hdl32e, horizontal_resolution_deg: 0.5, range_noise: 0.02}]"
ARGS = [
    "--set",
    "duration=0.3",
    "--set",
    "sensors.cameras.0.width=160",
    "--set",
    "sensors.cameras.0.height=90",
    "--set",
    f"sensors.lidars={LIDAR}",
    "--set",
    "outputs.formats=[native, kitti, kitti_tracking]",
    "--quiet",
]


def _run(out: Path, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "sim", "run", str(CUT_IN), "--out", str(out), *ARGS],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def episodes(tmp_path_factory) -> tuple[Path, Path]:
    home = tmp_path_factory.mktemp("home")
    outs = []
    for name in ("a", "b"):
        out = home / name
        proc = _run(out, home)
        assert proc.returncode == 0, proc.stderr
        outs.append(out)
    return outs[0], outs[1]


@pytest.mark.slow  # long: runs in .ci/run's slow pass
def test_lidar_files_and_formats(episodes):
    root, _ = episodes
    check_manifest(root)
    meta = json.loads((root / "meta.json").read_text())
    (lidar,) = meta["lidars"]
    assert lidar["name"] == "top" and lidar["beams"] == 32 and lidar["columns"] == 720
    assert lidar["sweeps"] == 4  # centred on t = 0, 0.1, 0.2, 0.3 s
    T_ego_lidar = np.array(lidar["T_ego_lidar"])
    ids = {a["id"] for a in meta["agents"][1:]}
    seq = root / "semantickitti" / "top" / "sequences" / "00"
    seen = 0
    for k in range(lidar["sweeps"]):
        stem = f"{k:06d}"
        with np.load(root / "lidar" / "top" / f"{stem}.npz") as z:
            data = {name: z[name] for name in z.files}
        assert set(FIELDS) | {"t", "T_world_lidar"} == set(data)
        n = len(data["range"])
        assert n > 5000 and data["xyz"].shape == (n, 3) and data["xyz"].dtype == np.float32
        assert data["instance"].dtype == np.uint16 and data["semantic"].dtype == np.uint8
        assert float(data["t"]) == pytest.approx(0.1 * k)
        assert set(np.unique(data["instance"]).tolist()) - {0} <= ids
        # KITTI velodyne: float32 x y z intensity, the same points
        xyzi = np.fromfile(seq / "velodyne" / f"{stem}.bin", dtype="<f4").reshape(-1, 4)
        assert np.array_equal(xyzi[:, :3], data["xyz"])
        assert np.array_equal(xyzi[:, 3], data["intensity"])
        # SemanticKITTI: class low 16 bits, instance high 16
        words = np.fromfile(seq / "labels" / f"{stem}.label", dtype="<u4")
        assert np.array_equal(words >> 16, data["instance"])
        car = data["semantic"] == BY_NAME["car"].id
        assert np.all((words[car] & 0xFFFF) == SEMANTIC_KITTI_ID["car"])
        labels = json.loads((root / "lidar" / "top" / "labels" / f"{stem}.json").read_text())
        hits = np.bincount(data["instance"], minlength=max(ids) + 1)
        for obj in labels["objects"]:
            assert obj["num_lidar_hits"] == hits[obj["id"]]
            assert obj["num_lidar_pts"] >= 0
            seen += obj["num_lidar_hits"] > 0
    assert seen > 0
    assert len((seq / "poses.txt").read_text().splitlines()) == lidar["sweeps"]
    # each KITTI camera frame gets the sweep of its time, and LiDAR -> camera calib
    cam = meta["cameras"][0]
    frames = sorted((root / "kitti" / "front" / "label_2").glob("*.txt"))
    assert len(frames) == cam["frames"] >= 3
    for path in frames:
        t = json.loads((root / "labels" / "front" / f"{path.stem}.json").read_text())["t"]
        sweep = seq / "velodyne" / f"{round(t * 10):06d}.bin"
        bin_path = root / "kitti" / "front" / "velodyne" / f"{path.stem}.bin"
        assert bin_path.read_bytes() == sweep.read_bytes()
        calib = (root / "kitti" / "front" / "calib" / f"{path.stem}.txt").read_text()
        rows = {ln.split(":")[0]: ln.split(":")[1] for ln in calib.splitlines()}
        Tr = np.array(rows["Tr_velo_to_cam"].split(), dtype=float).reshape(3, 4)
        want = (invert_rigid(np.array(cam["T_ego_cam"])) @ T_ego_lidar)[:3]
        np.testing.assert_allclose(Tr, want, atol=1e-9)
        assert (root / "kitti_tracking" / "front" / "velodyne" / "0000" / bin_path.name).exists()


@pytest.mark.slow  # long: runs in .ci/run's slow pass
def test_lidar_episode_reproduces_byte_for_byte(episodes):
    a, b = episodes
    assert (a / "manifest.json").read_bytes() == (b / "manifest.json").read_bytes()


def test_no_lidar_writes_nothing_and_keeps_the_calib(tmp_path):
    class Spec:  # what write_lidars reads of a resolved scenario without lidars
        class sensors:  # noqa: N801
            lidars: list = []

    assert write_lidars(Spec, None, [], {}, None, [], tmp_path, None) == []
    assert list(tmp_path.iterdir()) == []
    cam = CameraModel.from_fov("c", 64, 48, 1.5, mount_transform(1.0, 0.0, 1.6, 0, 0, 0))
    assert calib_text(cam) == calib_text(cam, None)
    Tr = [ln for ln in calib_text(cam).splitlines() if ln.startswith("Tr_velo_to_cam")][0]
    want = invert_rigid(cam.T_ego_cam)[:3].ravel()
    np.testing.assert_allclose(np.array(Tr.split()[1:], dtype=float), want)
