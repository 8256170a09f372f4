"""Read a sim dataset with the tools people train with, in a process of its own, and print
what they found as JSON (run by tests/dataset/test_training_tools.py):

    python tests/helpers/training_probe.py ultralytics DATASET
    python tests/helpers/training_probe.py torchvision DATASET

A process of its own because torch's triton and Mesa's llvmpipe each bring an LLVM: importing
torchvision after llvmpipe has rendered in the same process crashes in triton's loader
(docs/dataset-generation.md, "Training in the same process"). Training jobs are separate
processes anyway; the pytest process has rendered by the time the slow tests run.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def ultralytics(dataset: Path) -> dict:
    """Ultralytics' own dataset check and loader on the dataset- and episode-level data.yaml,
    run from the current working directory (the caller picks an unrelated one)."""
    from ultralytics.data.dataset import YOLODataset
    from ultralytics.data.utils import check_det_dataset

    data_yaml = dataset / "yolo" / "front" / "detect" / "data.yaml"
    relative = Path(os.path.relpath(dataset, Path.cwd()))
    resolved = []
    for given in (data_yaml, relative / "yolo" / "front" / "detect" / "data.yaml"):
        info = check_det_dataset(str(given), autodownload=False)
        resolved.append([info["train"], info["val"]])
    info = check_det_dataset(str(data_yaml), autodownload=False)
    splits = {}
    for split in ("train", "val"):
        ds = YOLODataset(img_path=info[split], data=info, task="detect", imgsz=160, augment=False)
        splits[split] = {
            "images": len(ds.im_files),
            "labels": int(sum(len(lab["cls"]) for lab in ds.labels)),
        }
    episode = next(dataset.glob("shard_*/ep_*"))
    one = check_det_dataset(str(episode / "yolo" / "front" / "detect" / "data.yaml"))
    return {"resolved": resolved, "splits": splits, "episode_train": one["train"]}


def torchvision(dataset: Path) -> dict:
    """torchvision's KITTI dataset on the dataset-wide KITTI object tree."""
    from torchvision.datasets import Kitti

    kitti = Kitti(root=str(dataset / "kitti_object" / "front"), train=True, download=False)
    samples = []
    for i in range(len(kitti)):
        image, target = kitti[i]
        samples.append({"size": list(image.size), "boxes": [obj["bbox"] for obj in target]})
    return {"samples": samples}


if __name__ == "__main__":
    tool, root = sys.argv[1], Path(sys.argv[2])
    probe = {"ultralytics": ultralytics, "torchvision": torchvision}[tool]
    print(json.dumps(probe(root)))
