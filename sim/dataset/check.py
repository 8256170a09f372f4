"""``python -m sim check DIR``: is this dataset exactly what its manifest says, and are its
labels true to its masks?

Checks, each problem named by the file it is in:
- ``manifest.json`` lists every file (sha256, size) and nothing else is there (but the run
  log and lock); no episode is missing;
- every file can be read: PNGs decode, JSON parses, text is UTF-8;
- every label agrees with the buffers: ``pixels`` and ``box2d`` are those of the object's
  instance pixels, whose semantic class is the label's; every object with at least
  ``min_pixels`` pixels is labelled; images have the camera's size and dtypes;
- COCO annotations decode (pycocotools) to exactly the instance mask; KITTI has one 15-field
  line per label; merged COCO files load and hold every frame and object of their split;
- the counts in the manifest are those of the files.

DIR may also be one episode's folder (its own ``manifest.json``): its files, frames and
labels are checked the same way. Files that training tools write beside a dataset
(:data:`TOOL_CACHES`) are not reported when the manifest does not list them; sim's own files
are always checked, whatever their name.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

import numpy as np
from tqdm import tqdm

from sim.dataset.io import read_png
from sim.dataset.merge import UNLISTED

TOOL_CACHES: tuple[tuple[str, str], ...] = (
    ("*.cache", "Ultralytics' label caches (labels.cache beside a labels/ folder)"),
    ("*.npy", "Ultralytics' cache=disk image arrays, each beside its image (x.npy by x.png)"),
    ("__pycache__", "Python byte code"),
    (".ipynb_checkpoints", "Jupyter"),
    (".DS_Store", "macOS Finder"),
    ("Thumbs.db", "Windows Explorer"),
)
"""(name pattern, whose): files and folders of other tools that ``sim check`` does not report
as unlisted (docs/dataset-generation.md)."""
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


@dataclass
class CheckReport:
    root: Path
    problems: list[str] = field(default_factory=list)
    files: int = 0
    frames: int = 0
    objects: int = 0
    episodes: int = 0

    def bad(self, path: Path | str, message: str) -> None:
        rel = (
            Path(path).relative_to(self.root).as_posix() if Path(path).is_absolute() else str(path)
        )
        self.problems.append(f"{rel}: {message}")

    def line(self) -> str:
        status = (
            "ok"
            if not self.problems
            else f"{len(self.problems)} problem{'s' * (len(self.problems) != 1)}"
        )
        return (
            f"{status}: {self.episodes} episodes, {self.frames} frames, {self.objects} objects, "
            f"{self.files} files checked in {self.root}"
        )


def check_dataset(root: Path, progress: bool = False) -> CheckReport:
    root = Path(root).resolve()
    report = CheckReport(root)
    manifest_path = root / "manifest.json"
    if not manifest_path.is_file():
        report.bad(manifest_path, "missing: not a finished dataset (run generate again)")
        return report
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        report.bad(manifest_path, f"unreadable: {err}")
        return report
    if isinstance(manifest, dict) and "episode" in manifest and "files" in manifest:
        return _check_one_episode(root, manifest, report)
    if not isinstance(manifest, dict) or not {"counts", "episodes", "files"} <= set(manifest):
        report.bad(manifest_path, "not a manifest sim wrote (neither a dataset nor an episode)")
        return report
    broken = _check_files(root, manifest, report)
    for missing in manifest.get("missing", []):
        report.bad(root / missing["path"], f"episode missing ({missing.get('error')})")
    episodes = manifest.get("episodes", [])
    counts = {s: {"episodes": 0, "frames": 0, "objects": 0} for s in manifest["counts"]["by_split"]}
    per_camera: dict[str, tuple[int, int]] = {}  # "<split>_<cam>" -> (frames, objects)
    for ep in tqdm(episodes, unit="ep", desc="check", disable=not progress, leave=False):
        by_cam = _check_episode(root / ep["path"], report, broken)
        for cam, (f, o) in by_cam.items():
            key = f"{ep['split']}_{cam}"
            per_camera[key] = (
                per_camera.get(key, (0, 0))[0] + f,
                per_camera.get(key, (0, 0))[1] + o,
            )
        frames = sum(f for f, _ in by_cam.values())
        objects = sum(o for _, o in by_cam.values())
        report.episodes += 1
        report.frames += frames
        report.objects += objects
        c = counts.setdefault(ep["split"], {"episodes": 0, "frames": 0, "objects": 0})
        c["episodes"] += 1
        c["frames"] += frames
        c["objects"] += objects
        if (frames, objects) != (ep["frames"], ep["objects"]):
            report.bad(
                root / ep["path"],
                f"manifest says {ep['frames']} frames and {ep['objects']} objects, "
                f"the files hold {frames} and {objects}",
            )
    if counts != manifest["counts"]["by_split"]:
        report.bad(
            manifest_path,
            f"counts by split {manifest['counts']['by_split']} differ from the files' {counts}",
        )
    _check_merged(root, per_camera, report, broken)
    return report


def _check_one_episode(root: Path, manifest: dict, report: CheckReport) -> CheckReport:
    broken = _check_files(root, manifest, report)
    by_cam = _check_episode(root, report, broken)
    report.episodes = 1
    report.frames = sum(f for f, _ in by_cam.values())
    report.objects = sum(o for _, o in by_cam.values())
    return report


def is_tool_cache(rel: str, on_disk: set[str]) -> bool:
    """Whether ``rel`` (a path under the checked folder) is another tool's file
    (:data:`TOOL_CACHES`); an ``.npy`` only beside an image of the same name."""
    parts = rel.split("/")
    for pattern, _ in TOOL_CACHES:
        if pattern == "*.npy":
            if fnmatch(parts[-1], pattern) and any(
                rel[: -len(".npy")] + s in on_disk for s in IMAGE_SUFFIXES
            ):
                return True
        elif any(fnmatch(part, pattern) for part in parts):
            return True
    return False


def _check_files(root: Path, manifest: dict, report: CheckReport) -> set[str]:
    """Hashes, sizes, unlisted files, readability. Returns the paths that cannot be read."""
    broken: set[str] = set()
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = {
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink()
    }
    for rel in sorted(on_disk - set(listed) - set(UNLISTED)):
        if rel.startswith("report/") or is_tool_cache(rel, on_disk):
            continue  # `sim report` output, a training tool's cache
        report.bad(root / rel, "not listed in manifest.json")
    for rel, entry in sorted(listed.items()):
        path = root / rel
        report.files += 1
        if rel not in on_disk:
            report.bad(path, "listed in manifest.json but missing")
            broken.add(rel)
            continue
        data = path.read_bytes()
        # a file that differs is reported here and still checked below if it can be read
        if len(data) != entry["size"]:
            report.bad(path, f"size {len(data)} differs from the manifest's {entry['size']}")
        elif hashlib.sha256(data).hexdigest() != entry["sha256"]:
            report.bad(path, "sha256 differs from the manifest's")
        problem = _unreadable(path, data)
        if problem:
            report.bad(path, f"unreadable: {problem}")
            broken.add(rel)
    return broken


def _unreadable(path: Path, data: bytes) -> str | None:
    import cv2

    suffix = path.suffix.lower()
    try:
        if suffix == ".png":
            image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
            if image is None:
                return "PNG does not decode"
        elif suffix == ".json":
            json.loads(data.decode("utf-8"))
        elif suffix in (".txt", ".csv", ".yaml", ".yml"):
            data.decode("utf-8")
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        return str(err)
    return None


def _load(path: Path, report: CheckReport, broken: set[str]):
    rel = path.relative_to(report.root).as_posix()
    if rel in broken or not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _check_episode(ep: Path, report: CheckReport, broken: set[str]) -> dict[str, tuple[int, int]]:
    """Check every frame of one episode; (frames, objects) per camera."""
    meta = _load(ep / "meta.json", report, broken)
    if meta is None:
        report.bad(ep / "meta.json", "missing or broken: episode not checked further")
        return {}
    class_of = {c["name"]: c["id"] for c in meta["classes"]}
    agent_ids = {a["id"] for a in meta["agents"]}
    out = {}
    for cam in meta["cameras"]:
        frames = objects = 0
        coco = (
            _load(ep / "coco" / f"{cam['name']}.json", report, broken)
            if "coco" in meta["formats"]
            else None
        )
        coco_by_file: dict[str, list[dict]] = {}
        if coco is not None:
            image_file = {img["id"]: img["file_name"] for img in coco["images"]}
            for ann in coco["annotations"]:
                coco_by_file.setdefault(image_file[ann["image_id"]], []).append(ann)
        for k in range(cam["frames"]):
            n = _check_frame(
                ep,
                cam,
                k,
                meta,
                class_of,
                agent_ids,
                coco_by_file if coco else None,
                report,
                broken,
            )
            frames += 1
            objects += n
        out[cam["name"]] = (frames, objects)
    return out


def _check_frame(ep, cam, k, meta, class_of, agent_ids, coco_by_file, report, broken) -> int:
    name, stem = cam["name"], f"{k:06d}"
    label_path = ep / "labels" / name / f"{stem}.json"
    labels = _load(label_path, report, broken)
    if labels is None:
        return 0
    objs = labels["objects"]
    paths = {
        kind: ep / "frames" / name / kind / f"{stem}.png"
        for kind in ("rgb", "depth", "semantic", "instance")
    }
    if any(
        p.relative_to(report.root).as_posix() in broken or not p.is_file() for p in paths.values()
    ):
        return len(objs)  # already reported
    rgb, sem, inst = (
        read_png(paths["rgb"]),
        read_png(paths["semantic"]),
        read_png(paths["instance"]),
    )
    depth = read_png(paths["depth"])
    size = (cam["height"], cam["width"])
    for kind, image, shape, dtype in (
        ("rgb", rgb, (*size, 3), np.uint8),
        ("depth", depth, size, np.uint16),
        ("semantic", sem, size, np.uint8),
        ("instance", inst, size, np.uint16),
    ):
        if image.shape != shape or image.dtype != dtype:
            report.bad(
                paths[kind],
                f"expected {shape} {np.dtype(dtype).name}, found {image.shape} {image.dtype}",
            )
            return len(objs)
    unknown = set(np.unique(inst).tolist()) - agent_ids - {0}
    if unknown:
        report.bad(paths["instance"], f"ids {sorted(unknown)} are not agents of the episode")
    counts = np.bincount(inst.ravel())
    for obj in objs:
        mask = inst == obj["id"]
        ys, xs = np.nonzero(mask)
        where = f"object {obj['id']}"
        if len(xs) == 0:
            report.bad(label_path, f"{where} has no pixel in the instance mask")
            continue
        tight = [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]
        if obj["pixels"] != len(xs):
            report.bad(label_path, f"{where}: pixels {obj['pixels']} but the mask has {len(xs)}")
        elif obj["box2d"] != tight:
            report.bad(label_path, f"{where}: box2d {obj['box2d']} but the mask spans {tight}")
        elif not np.all(sem[mask] == class_of.get(obj["cls"], -1)):
            report.bad(label_path, f"{where}: semantic class under its mask is not {obj['cls']!r}")
        elif not 0 < obj["visible_fraction"] <= 1:
            report.bad(
                label_path, f"{where}: visible_fraction {obj['visible_fraction']} outside (0, 1]"
            )
    enough = {i for i in np.nonzero(counts >= meta["min_pixels"])[0].tolist() if i != 0}
    labelled = {o["id"] for o in objs}
    if enough != labelled:
        report.bad(
            label_path,
            f"labelled ids {sorted(labelled)} differ from ids with >= {meta['min_pixels']} "
            f"pixels in the mask {sorted(enough)}",
        )
    if coco_by_file is not None:
        _check_coco_frame(
            ep, paths, coco_by_file.get(f"frames/{name}/rgb/{stem}.png", []), inst, report
        )
    if "kitti" in meta["formats"]:
        kitti = ep / "kitti" / name / "label_2" / f"{stem}.txt"
        if kitti.is_file() and kitti.relative_to(report.root).as_posix() not in broken:
            lines = kitti.read_text(encoding="utf-8").splitlines()
            if len(lines) != len(objs) or any(len(line.split()) != 15 for line in lines):
                report.bad(kitti, f"expected {len(objs)} lines of 15 fields")
    return len(objs)


def _check_coco_frame(
    ep: Path, paths: dict, anns: list[dict], inst: np.ndarray, report: CheckReport
) -> None:
    from pycocotools import mask as mask_utils

    coco_file = ep / "coco" / f"{paths['rgb'].parent.parent.name}.json"
    for ann in anns:
        rle = {
            "size": ann["segmentation"]["size"],
            "counts": ann["segmentation"]["counts"].encode("ascii"),
        }
        decoded = mask_utils.decode(rle).astype(bool)
        if decoded.shape != inst.shape or not np.array_equal(decoded, inst == ann["track_id"]):
            report.bad(
                coco_file,
                f"annotation {ann['id']}: mask differs from instance {ann['track_id']} "
                f"in {paths['instance'].name}",
            )
        elif ann["area"] != int(decoded.sum()):
            report.bad(
                coco_file,
                f"annotation {ann['id']}: area {ann['area']} but the mask has {int(decoded.sum())}",
            )


def _check_merged(root: Path, per_camera: dict, report: CheckReport, broken: set[str]) -> None:
    from pycocotools.coco import COCO

    for path in sorted((root / "coco").glob("*.json")) if (root / "coco").is_dir() else []:
        if path.relative_to(root).as_posix() in broken:
            continue
        coco = COCO()
        coco.dataset = json.loads(path.read_text(encoding="utf-8"))
        _quiet_index(coco)
        missing = [
            img["file_name"]
            for img in coco.dataset["images"]
            if not (root / img["file_name"]).is_file()
        ]
        if missing:
            report.bad(path, f"images that do not exist, e.g. {missing[0]}")
        found = (len(coco.getImgIds()), len(coco.getAnnIds()))
        expected = per_camera.get(path.stem, (0, 0))
        if found != expected:
            report.bad(
                path,
                f"{found[0]} images and {found[1]} annotations; the split's episodes hold "
                f"{expected[0]} frames and {expected[1]} objects of that camera",
            )


def _quiet_index(coco) -> None:
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
