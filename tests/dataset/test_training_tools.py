"""The exports in the tools people train with (slow: torch, torchvision and Ultralytics are
several GB; .ci/run installs them for the slow tests, see tools/install_training_tools.sh).

- Ultralytics' own dataset check accepts the dataset-level and episode-level data.yaml from
  an unrelated working directory, its loader reads every label (0 corrupt), and `sim check`
  still passes after it wrote its label caches beside the data;
- torchvision's KITTI dataset loads the dataset-wide KITTI object tree.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers.episodes import run_sim as sim
from helpers.paths import DATA

pytestmark = pytest.mark.slow


def need(module: str):
    """The module, else skip, or fail where CI installed it (SIM_REQUIRE_TRAINING_TOOLS)."""
    if os.environ.get("SIM_REQUIRE_TRAINING_TOOLS"):
        return __import__(module)
    return pytest.importorskip(module)


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
    import json

    manifest = json.loads((root / "manifest.json").read_text())
    return manifest["counts"]["objects"]


def test_ultralytics_takes_data_yaml_from_any_working_directory(dataset, tmp_path, monkeypatch):
    need("ultralytics")
    from ultralytics.data.dataset import YOLODataset
    from ultralytics.data.utils import check_det_dataset

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    data_yaml = dataset / "yolo" / "front" / "detect" / "data.yaml"
    relative = Path(os.path.relpath(dataset, elsewhere))
    for given in (data_yaml, relative / "yolo" / "front" / "detect" / "data.yaml"):
        info = check_det_dataset(str(given), autodownload=False)
        assert Path(info["train"]).is_file() and Path(info["val"]).is_file()
    info = check_det_dataset(str(data_yaml), autodownload=False)
    labelled = 0
    for split in ("train", "val"):
        ds = YOLODataset(img_path=info[split], data=info, task="detect", imgsz=160, augment=False)
        assert len(ds.im_files) == 10  # 2 episodes x 5 frames per split
        labelled += sum(len(lab["cls"]) for lab in ds.labels)
    assert labelled == native_objects(dataset)  # every sim label read, none corrupt
    episode = next(dataset.glob("shard_*/ep_*"))
    one = check_det_dataset(str(episode / "yolo" / "front" / "detect" / "data.yaml"))
    assert Path(one["train"]).is_dir()
    assert list(dataset.rglob("labels.cache"))  # Ultralytics wrote its caches ...
    proc = sim("check", str(dataset), "--quiet")
    assert proc.returncode == 0, proc.stderr  # ... and sim check ignores them


def test_torchvision_kitti_loads_the_dataset_wide_tree(dataset):
    need("torchvision")
    from torchvision.datasets import Kitti

    kitti = Kitti(root=str(dataset / "kitti_object" / "front"), train=True, download=False)
    assert len(kitti) == 20
    objects = 0
    for i in range(len(kitti)):
        image, target = kitti[i]
        assert image.size == (160, 90)
        for obj in target:
            x0, y0, x1, y1 = obj["bbox"]
            assert 0 <= x0 < x1 <= 160 and 0 <= y0 < y1 <= 90
        objects += len(target)
    assert objects == native_objects(dataset)
