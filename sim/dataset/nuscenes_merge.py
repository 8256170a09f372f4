"""The dataset-wide nuScenes database, made from the episodes' nuScenes exports (format
``nuscenes``): one dataroot with every episode a scene::

    DIR/nuscenes/v1.0-sim/*.json                 the 13 tables over all episodes
    DIR/nuscenes/samples/CAM_<NAME>/<episode>__NNNNNN.png   hard links to the episodes' images
    DIR/nuscenes/{samples,sweeps}/LIDAR_TOP/<episode>__<token>.pcd.bin   and point clouds
    DIR/nuscenes/maps/sim_stub.png               the map stub (one map record, every log)
    DIR/nuscenes/splits.json                     {"train": [scene names], "val": ..., "test": ...}

``NuScenes(version="v1.0-sim", dataroot="DIR/nuscenes")`` loads it. Scene ``scene-NNNN`` is
episode index NNNN (its ``description`` names the episode folder, scenario, seed and split,
its log's ``logfile`` the episode folder). The devkit's own splits are lists of scene names
(``nuscenes.utils.splits``); this dataset's are in ``splits.json``: select a split's scenes
with ``[s for s in nusc.scene if s["name"] in splits["train"]]``.

The episodes' own record tokens (scene, sample, sample_data, ego_pose, calibrated_sensor,
instance, sample_annotation, log) are re-derived from the dataset name, the episode folder
and the episode token, so two episodes never share a token even if their frames are equal;
the vocabulary (category, attribute, visibility, sensor, map) is shared as it is.
"""

from __future__ import annotations

import json
from pathlib import Path

from sim.dataset.config import SPLITS, EpisodeTask
from sim.dataset.io import json_bytes, write_bytes_atomic
from sim.dataset.kitti_tree import _place, _prune
from sim.dataset.writers.nuscenes import FOLDER, MAP_FILE, VERSION, map_stub_png, token

OWN = (
    "scene",
    "sample",
    "sample_data",
    "ego_pose",
    "calibrated_sensor",
    "instance",
    "sample_annotation",
    "log",
)
"""The tables whose records belong to one episode (their tokens are re-derived)."""
SHARED = ("category", "attribute", "visibility", "sensor")
"""The tables every episode holds alike (merged by token)."""


def _retoken(record: dict, new: dict[str, str]) -> dict:
    out = {}
    for key, value in record.items():
        if key == "token" or key.endswith("_token") or key in ("prev", "next"):
            value = new.get(value, value)
        elif key.endswith("_tokens"):
            value = [new.get(v, v) for v in value]
        out[key] = value
    return out


def nuscenes_tree(root: Path, tasks: list[EpisodeTask], dataset: str) -> list[Path]:
    """The nuScenes dataroot ``DIR/nuscenes`` of dataset ``dataset`` over ``tasks`` (complete
    episodes, index order); the files written ([] if no episode has a nuScenes export)."""
    tree = root / FOLDER
    written: list[Path] = []
    tables: dict[str, list[dict]] = {name: [] for name in (*OWN, *SHARED)}
    shared_seen: set[tuple[str, str]] = set()
    splits: dict[str, list[str]] = {s: [] for s in SPLITS}
    for task in tasks:
        src = root / task.rel_dir / FOLDER
        if not (src / VERSION / "scene.json").is_file():
            continue
        ep = {
            n: json.loads((src / VERSION / f"{n}.json").read_text(encoding="utf-8"))
            for n in (*OWN, *SHARED)
        }
        new = {r["token"]: token(dataset, task.rel_dir, r["token"]) for n in OWN for r in ep[n]}
        name = f"scene-{task.index:04d}"
        for n in OWN:
            for record in ep[n]:
                record = _retoken(record, new)
                if n == "scene":
                    record["name"] = name
                    record["description"] = (
                        f"sim episode {task.rel_dir}, scenario {task.scenario}, "
                        f"seed {task.seed}, split {task.split}"
                    )
                elif n == "log":
                    record["logfile"] = task.rel_dir
                elif n == "sample_data":
                    old = record["filename"]  # samples/ or sweeps/<channel>/<file>
                    folder, channel, file = old.split("/")[-3:]
                    record["filename"] = f"{folder}/{channel}/{task.name}__{file}"
                    _place(src / old, tree / record["filename"], written)
                tables[n].append(record)
        for n in SHARED:
            for record in ep[n]:
                if (n, record["token"]) not in shared_seen:
                    shared_seen.add((n, record["token"]))
                    tables[n].append(record)
        splits[task.split].append(name)
    if tables["scene"]:
        tables["map"] = [
            {
                "token": token("map", "sim_stub"),
                "log_tokens": [r["token"] for r in tables["log"]],
                "category": "semantic_prior",
                "filename": MAP_FILE,
            }
        ]
        for n, records in tables.items():
            if n in SHARED:
                records.sort(key=lambda r: r.get("name", r.get("channel", r["token"])))
            _write(tree / VERSION / f"{n}.json", json_bytes(records), written)
        _write(tree / MAP_FILE, map_stub_png(), written)
        _write(tree / "splits.json", json_bytes(splits), written)
    _prune(tree, written)
    return written


def _write(path: Path, data: bytes, written: list[Path]) -> None:
    write_bytes_atomic(path, data)
    written.append(path)
