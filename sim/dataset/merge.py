"""Dataset-level files, made from the episode folders once they are written.

    DIR/plan.json                   every episode: index, folder, scenario, seed, split, overrides
    DIR/coco/<split>_<cam>.json     COCO of every episode of the split, ids renumbered,
                                    file_name relative to DIR
    DIR/kitti/<cam>/<split>.txt     one line per frame: its KITTI image_2 file, relative to DIR
    DIR/kitti_object/<cam>/...      one KITTI object tree over the dataset (6-digit ids,
                                    ImageSets, index.csv), and DIR/kitti_tracking/<cam>/...
                                    with each episode a sequence (sim.dataset.kitti_tree)
    DIR/yolo/<cam>/<task>/data.yaml with <split>.txt lists of the episodes' YOLO images
                                    (format "yolo"; task = detect | segment)
    DIR/nuscenes/...                one nuScenes dataroot, every episode a scene (format
                                    "nuscenes"; sim.dataset.nuscenes_merge)
    DIR/manifest.json               counts, episodes, and every file with sha256 and size;
                                    written last

Everything here is a function of the episode files and the plan, in episode-index order, so
the bytes do not depend on which worker or backend wrote which episode.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import sim
from sim.dataset.config import SPLITS, EpisodeTask, LoadedConfig
from sim.dataset.io import json_bytes, sha256_file, write_bytes_atomic, write_json
from sim.dataset.kitti_tree import object_tree, tracking_tree
from sim.dataset.nuscenes_merge import nuscenes_tree
from sim.dataset.writers.yolo import YAML_RELATIVE

UNLISTED = ("manifest.json", "generate.log", ".lock")
"""Files under DIR that the dataset manifest does not list (itself, the run log, the lock)."""


def plan_json(loaded: LoadedConfig, tasks: list[EpisodeTask], sampling: dict | None = None) -> dict:
    """plan.json: the config (minus execution settings), the episodes, and for a config with
    ``targets`` the ``sampling`` that met them (yields, episodes per scenario, weights)."""
    config = loaded.config.model_dump(
        mode="json", exclude={"out", "workers", "timeout", "max_tries"}
    )
    plan = {
        "dataset": loaded.config.name,
        "config": config,
        "episodes": [t.to_json() for t in tasks],
    }
    if sampling is not None:
        plan["sampling"] = sampling
    return plan


def _load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def episode_stats(root: Path, task: EpisodeTask) -> dict:
    """Frames, objects and per-class counts of one complete episode (from its files)."""
    ep = root / task.rel_dir
    meta = _load(ep / "meta.json")
    by_class: Counter[str] = Counter()
    frames = 0
    for cam in meta["cameras"]:
        for k in range(cam["frames"]):
            labels = _load(ep / "labels" / cam["name"] / f"{k:06d}.json")
            by_class.update(obj["cls"] for obj in labels["objects"])
            frames += 1
    return {
        "frames": frames,
        "objects": sum(by_class.values()),
        "by_class": dict(by_class),
        "cameras": [c["name"] for c in meta["cameras"]],
        "formats": meta["formats"],
        "scenario": meta["scenario"]["name"],
    }


def merged_coco(root: Path, tasks: list[EpisodeTask], split: str, cam: str) -> dict | None:
    images, annotations, categories = [], [], None
    for task in tasks:
        path = root / task.rel_dir / "coco" / f"{cam}.json"
        if task.split != split or not path.is_file():
            continue
        coco = _load(path)
        categories = coco["categories"]
        remap = {}
        for img in coco["images"]:
            remap[img["id"]] = len(images) + 1
            images.append(
                {
                    **img,
                    "id": len(images) + 1,
                    "file_name": f"{task.rel_dir}/{img['file_name']}",
                    "episode": task.rel_dir,
                }
            )
        for ann in coco["annotations"]:
            annotations.append(
                {**ann, "id": len(annotations) + 1, "image_id": remap[ann["image_id"]]}
            )
    if categories is None:
        return None
    return {
        "info": {"description": f"sim dataset, split {split}, camera {cam}", "version": "1.0"},
        "images": images,
        "annotations": annotations,
        "categories": categories,
    }


def kitti_list(root: Path, tasks: list[EpisodeTask], split: str, cam: str) -> str | None:
    lines = []
    for task in tasks:
        folder = root / task.rel_dir / "kitti" / cam / "image_2"
        if task.split == split and folder.is_dir():
            lines += [
                f"{task.rel_dir}/kitti/{cam}/image_2/{p.name}" for p in sorted(folder.glob("*.png"))
            ]
    return "".join(f"{line}\n" for line in lines) if lines else None


def yolo_lists(root: Path, tasks: list[EpisodeTask], cam: str, task_name: str) -> dict[str, str]:
    """{file name: text} of the dataset-level YOLO files of one camera and task (or {}).

    List lines are ``./../../../<episode>/yolo/<cam>/<task>/images/NNNNNN.png``: YOLO tools
    read a leading ``./`` as the folder of the list file.
    """
    out: dict[str, str] = {}
    header = None
    for split in SPLITS:
        lines = []
        for task in tasks:
            folder = root / task.rel_dir / "yolo" / cam / task_name
            if task.split != split or not (folder / "data.yaml").is_file():
                continue
            if header is None:
                text = (folder / "data.yaml").read_text(encoding="utf-8")
                header = text[text.index("nc:") :] if "nc:" in text else ""
            lines += [
                f"./../../../{task.rel_dir}/yolo/{cam}/{task_name}/images/{p.name}"
                for p in sorted((folder / "images").glob("*.png"))
            ]
        if lines:
            out[f"{split}.txt"] = "".join(f"{line}\n" for line in lines)
    if header is None:
        return {}
    splits = "".join(f"{s}: {s}.txt\n" for s in SPLITS if f"{s}.txt" in out)
    for need in ("train", "val"):  # Ultralytics refuses a data.yaml without both
        if f"{need}.txt" not in out:
            have = next(s for s in SPLITS if f"{s}.txt" in out)
            splits += f"{need}: {have}.txt  # this dataset has no {need} episodes\n"
    # no `path` key: Ultralytics resolves train/val against this file's folder, from any cwd
    out["data.yaml"] = (
        f"# sim dataset: {cam} camera, {task_name}\n{YAML_RELATIVE}\n{splits}{header}"
    )
    return out


def finalize(
    root: Path, loaded: LoadedConfig, tasks: list[EpisodeTask], failed: dict[int, str]
) -> dict:
    """Write the merged files and the dataset manifest over the complete episodes."""
    complete = [t for t in tasks if (root / t.rel_dir / "manifest.json").is_file()]
    stats = {t.index: episode_stats(root, t) for t in complete}
    cameras = sorted({c for s in stats.values() for c in s["cameras"]})
    written = []
    for split in SPLITS:
        for cam in cameras:
            coco = merged_coco(root, complete, split, cam)
            target = root / "coco" / f"{split}_{cam}.json"
            if coco is not None:
                write_json(target, coco)
                written.append(target)
            listing = kitti_list(root, complete, split, cam)
            target = root / "kitti" / cam / f"{split}.txt"
            if listing is not None:
                write_bytes_atomic(target, listing.encode("utf-8"))
                written.append(target)
    for cam in cameras:
        written += object_tree(root, complete, cam)  # DIR/kitti_object/<cam>/training/...
        written += tracking_tree(root, complete, cam)  # DIR/kitti_tracking/<cam>/training/...
        for task_name in ("detect", "segment"):
            for name, text in yolo_lists(root, complete, cam, task_name).items():
                target = root / "yolo" / cam / task_name / name
                write_bytes_atomic(target, text.encode("utf-8"))
                written.append(target)
    # format "nuscenes": one dataroot DIR/nuscenes, every episode a scene
    written += nuscenes_tree(root, complete, loaded.config.name)

    files = [_entry(root, root / "plan.json")]
    episodes = []
    for task in complete:
        ep_manifest = root / task.rel_dir / "manifest.json"
        for f in _load(ep_manifest)["files"]:
            files.append({**f, "path": f"{task.rel_dir}/{f['path']}"})
        files.append(_entry(root, ep_manifest))
        s = stats[task.index]
        episodes.append(
            {
                "index": task.index,
                "path": task.rel_dir,
                "scenario": s["scenario"],
                "seed": task.seed,
                "split": task.split,
                "frames": s["frames"],
                "objects": s["objects"],
            }
        )
    files += [_entry(root, p) for p in written]
    files.sort(key=lambda f: f["path"])

    manifest = {
        "dataset": loaded.config.name,
        "sim_version": sim.__version__,
        "seed": loaded.config.seed,
        "complete": len(complete) == len(tasks),
        "missing": [
            {"index": t.index, "path": t.rel_dir, "error": failed.get(t.index, "not run")}
            for t in tasks
            if t.index not in stats
        ],
        "counts": _counts(tasks, complete, stats, len(files)),
        "cameras": cameras,
        "episodes": episodes,
        "files": files,
    }
    write_bytes_atomic(root / "manifest.json", json_bytes(manifest))
    return manifest


def _counts(tasks, complete, stats, n_files) -> dict:
    by_split = {s: {"episodes": 0, "frames": 0, "objects": 0} for s in SPLITS}
    by_scenario: Counter[str] = Counter()
    by_class: Counter[str] = Counter()
    for t in complete:
        s = stats[t.index]
        by_split[t.split]["episodes"] += 1
        by_split[t.split]["frames"] += s["frames"]
        by_split[t.split]["objects"] += s["objects"]
        by_scenario[s["scenario"]] += 1
        by_class.update(s["by_class"])
    return {
        "episodes_planned": len(tasks),
        "episodes": len(complete),
        "frames": sum(v["frames"] for v in by_split.values()),
        "objects": sum(v["objects"] for v in by_split.values()),
        "files": n_files,
        "by_split": by_split,
        "by_scenario": dict(sorted(by_scenario.items())),
        "by_class": dict(sorted(by_class.items())),
    }


def _entry(root: Path, path: Path) -> dict:
    return {
        "path": path.relative_to(root).as_posix(),
        "sha256": sha256_file(path),
        "size": path.stat().st_size,
    }
