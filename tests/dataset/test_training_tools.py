"""The exports in the tools people train with (slow: torch, torchvision and Ultralytics are
several GB; .ci/run installs them for the slow tests, see tools/install_training_tools.sh).

- Ultralytics' own dataset check accepts the dataset-level and episode-level data.yaml from
  an unrelated working directory, its loader reads every label (0 corrupt), and `sim check`
  still passes after it wrote its label caches beside the data;
- torchvision's KITTI dataset loads the dataset-wide KITTI object tree.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.episodes import run_sim as sim
from helpers.paths import DATA

pytestmark = pytest.mark.slow


PROBE = Path(__file__).parents[1] / "helpers" / "training_probe.py"


def need(module: str) -> None:
    """Skip unless ``module`` is installed; fail where CI installed it
    (SIM_REQUIRE_TRAINING_TOOLS). Found without importing it: the probe imports it."""
    if importlib.util.find_spec(module) is None:
        if os.environ.get("SIM_REQUIRE_TRAINING_TOOLS"):
            pytest.fail(f"{module} is not installed (tools/install_training_tools.sh)")
        pytest.skip(f"{module} is not installed")


def probe(tool: str, dataset: Path, cwd: Path) -> dict:
    """What ``tool`` read from ``dataset``, from a fresh process run in ``cwd``: torch's
    triton and the llvmpipe this process rendered with cannot share one (helpers/training_probe)."""
    proc = subprocess.run(
        [sys.executable, str(PROBE), tool, str(dataset)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("train") / "ds"
    proc = sim(
        "generate",
        str(DATA / "tiny_dataset.yaml"),
        "--out",
        str(out),
        "--set",
        "formats=[native, yolo, kitti]",
        "--set",
        "split={train: 0.5, val: 0.5}",
        "--workers",
        "2",
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    return out


def native_objects(root: Path) -> int:
    manifest = json.loads((root / "manifest.json").read_text())
    return manifest["counts"]["objects"]


def test_ultralytics_takes_data_yaml_from_any_working_directory(dataset, tmp_path):
    need("ultralytics")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    found = probe("ultralytics", dataset, cwd=elsewhere)
    for train, val in found["resolved"]:  # absolute and relative paths to data.yaml
        assert Path(train).is_file() and Path(val).is_file()
    for split in ("train", "val"):
        assert found["splits"][split]["images"] == 10  # 2 episodes x 5 frames per split
    labelled = sum(found["splits"][split]["labels"] for split in ("train", "val"))
    assert labelled == native_objects(dataset)  # every sim label read, none corrupt
    assert Path(found["episode_train"]).is_dir()
    assert list(dataset.rglob("labels.cache"))  # Ultralytics wrote its caches ...
    proc = sim("check", str(dataset), "--quiet")
    assert proc.returncode == 0, proc.stderr  # ... and sim check ignores them


def test_torchvision_kitti_loads_the_dataset_wide_tree(dataset, tmp_path):
    need("torchvision")
    samples = probe("torchvision", dataset, cwd=tmp_path)["samples"]
    assert len(samples) == 20
    objects = 0
    for sample in samples:
        assert sample["size"] == [160, 90]
        for x0, y0, x1, y1 in sample["boxes"]:
            assert 0 <= x0 < x1 <= 160 and 0 <= y0 < y1 <= 90
        objects += len(sample["boxes"])
    assert objects == native_objects(dataset)
