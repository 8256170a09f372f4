"""``python -m sim report DIR``: an HTML page with plots of what a dataset holds.

Reads the dataset manifest and every episode's labels and meta.json; writes
``DIR/report/index.html`` and its PNG plots (matplotlib, Agg): frames and objects per class,
2D box sizes, distances, occlusion and truncation levels, scenario and edge-case counts, and
a contact sheet of frames drawn at random (a generator seeded from the dataset seed) with
their labels drawn by :func:`sim.viz.draw_labels`.
"""

from __future__ import annotations

import html
import json
import math
from collections import Counter
from pathlib import Path

import numpy as np

from sim.classes import BY_NAME
from sim.dataset.generate import read_manifest
from sim.dataset.io import read_png, staged_dir, write_json, write_png
from sim.dataset.targets import targets_made
from sim.seeding import child_rng, root_seed

PLOT_DPI = 100


def _load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def collect(root: Path, manifest: dict) -> dict:
    """Per-object and per-frame columns over the whole dataset."""
    cols = {
        "cls": [],
        "width": [],
        "height": [],
        "distance": [],
        "occlusion": [],
        "truncation": [],
        "visible": [],
        "split": [],
    }
    frames_by_split: Counter[str] = Counter()
    perturbations: Counter[str] = Counter()
    frame_refs = []  # (episode path, camera, frame index, object count)
    for ep in manifest["episodes"]:
        ep_dir = root / ep["path"]
        meta = _load(ep_dir / "meta.json")
        perturbations.update(
            p.get("name", str(p)) if isinstance(p, dict) else str(p) for p in meta["perturbations"]
        )
        for cam in meta["cameras"]:
            for k in range(cam["frames"]):
                objects = _load(ep_dir / "labels" / cam["name"] / f"{k:06d}.json")["objects"]
                frames_by_split[ep["split"]] += 1
                frame_refs.append((ep["path"], cam["name"], k, len(objects)))
                for obj in objects:
                    x0, y0, x1, y1 = obj["box2d"]
                    cols["cls"].append(obj["cls"])
                    cols["width"].append(x1 - x0)
                    cols["height"].append(y1 - y0)
                    cols["distance"].append(math.dist((0.0, 0.0, 0.0), obj["box3d"]["center"]))
                    cols["occlusion"].append(obj["occlusion"])
                    cols["truncation"].append(obj["truncation"])
                    cols["visible"].append(obj["visible_fraction"])
                    cols["split"].append(ep["split"])
    return {
        "objects": cols,
        "frames_by_split": frames_by_split,
        "perturbations": perturbations,
        "frames": frame_refs,
    }


def _figure(width=6.4, height=3.6):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height), dpi=PLOT_DPI)
    return plt, fig, ax


def _save(plt, fig, path: Path) -> str:
    fig.tight_layout()
    # no timestamps or software tags: the same dataset gives the same PNG bytes
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
    return path.name


def _bar(path: Path, counts: dict, title: str, xlabel: str, ylabel: str) -> str:
    plt, fig, ax = _figure()
    names = list(counts)
    ax.bar(range(len(names)), [counts[n] for n in names], color="#4477aa")
    ax.set_xticks(
        range(len(names)),
        names,
        rotation=30 if len(names) > 4 else 0,
        ha="right" if len(names) > 4 else "center",
    )
    for i, n in enumerate(names):
        ax.annotate(str(counts[n]), (i, counts[n]), ha="center", va="bottom", fontsize=8)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return _save(plt, fig, path)


def _hist(path: Path, values, bins, title: str, xlabel: str, log_x: bool = False) -> str:
    plt, fig, ax = _figure()
    values = np.asarray(values, dtype=np.float64)
    if len(values):
        ax.hist(values, bins=bins, color="#228833", edgecolor="white")
    if log_x:
        ax.set_xscale("log")
    ax.set(title=title, xlabel=xlabel, ylabel="objects")
    return _save(plt, fig, path)


def _contact_sheet(
    root: Path, frames: list, samples: int, seed: int, path: Path
) -> tuple[str, list[str]]:
    from sim.viz import draw_labels

    rng = child_rng(root_seed(seed), "report/contact_sheet")
    pick = sorted(rng.choice(len(frames), size=min(samples, len(frames)), replace=False).tolist())
    tiles, captions = [], []
    for i in pick:
        ep, cam, k, _ = frames[i]
        base = root / ep
        rgb = read_png(base / "frames" / cam / "rgb" / f"{k:06d}.png")
        inst = read_png(base / "frames" / cam / "instance" / f"{k:06d}.png")
        objects = _load(base / "labels" / cam / f"{k:06d}.json")["objects"]
        tiles.append(draw_labels(rgb, objects, inst))
        captions.append(f"{ep} {cam} #{k}")
    if not tiles:
        return "", []
    h = max(t.shape[0] for t in tiles)
    w = max(t.shape[1] for t in tiles)
    cols = min(4, len(tiles))
    rows = math.ceil(len(tiles) / cols)
    sheet = np.full((rows * (h + 4), cols * (w + 4), 3), 255, dtype=np.uint8)
    for n, t in enumerate(tiles):
        r, c = divmod(n, cols)
        sheet[r * (h + 4) : r * (h + 4) + t.shape[0], c * (w + 4) : c * (w + 4) + t.shape[1]] = t
    write_png(path, sheet)
    return path.name, captions


def write_report(
    dataset: Path, out: Path | None = None, samples: int = 12, overwrite: bool = False
) -> Path:
    """Write the report; returns the path of its index.html.

    The folder is written whole or not at all (:func:`sim.dataset.io.staged_dir`); an earlier
    report there is replaced only with ``overwrite``, and only if sim wrote it.
    """
    root = Path(dataset)
    manifest = read_manifest(root)
    final = Path(out) if out is not None else root / "report"
    with staged_dir(final, overwrite, "report") as partial:
        _write_report(root, manifest, partial, samples)
    return final / "index.html"


def _write_report(root: Path, manifest: dict, out: Path, samples: int) -> None:
    data = collect(root, manifest)
    objs = data["objects"]
    plan_file = root / "plan.json"
    targets = targets_made(_load(plan_file), objs) if plan_file.is_file() else []
    write_json(out / "targets.json", targets)
    per_frame = density(objs, sum(data["frames_by_split"].values()))
    write_json(out / "density.json", per_frame)
    levels = difficulty(objs)
    write_json(out / "difficulty.json", levels)
    counts = manifest["counts"]
    plots = []
    cls_counts = dict(sorted(Counter(objs["cls"]).items()))
    plots.append(
        (
            "Objects per class",
            _bar(
                out / "objects_per_class.png",
                cls_counts,
                "Labelled objects per class",
                "class",
                "objects",
            ),
        )
    )
    frames = {s: data["frames_by_split"].get(s, 0) for s in ("train", "val", "test")}
    plots.append(
        (
            "Frames per split",
            _bar(out / "frames_per_split.png", frames, "Frames per split", "split", "frames"),
        )
    )
    plots.append(
        (
            "Scenarios",
            _bar(
                out / "scenarios.png",
                counts["by_scenario"],
                "Episodes per scenario",
                "scenario",
                "episodes",
            ),
        )
    )
    sizes = np.sqrt(np.asarray(objs["width"], float) * np.asarray(objs["height"], float))
    bins = np.geomspace(1, max(2.0, float(sizes.max()) if len(sizes) else 2.0) * 1.05, 30)
    plots.append(
        (
            "Box sizes",
            _hist(
                out / "box_sizes.png",
                sizes,
                bins,
                "2D box size (sqrt of width x height)",
                "pixels",
                log_x=True,
            ),
        )
    )
    plots.append(
        (
            "Box heights",
            _hist(out / "box_heights.png", objs["height"], 30, "2D box height", "pixels"),
        )
    )
    plots.append(
        (
            "Distances",
            _hist(
                out / "distances.png",
                objs["distance"],
                30,
                "Distance to the camera",
                "metres (3D box centre)",
            ),
        )
    )
    occ = Counter(objs["occlusion"])
    names = {0: "0 visible", 1: "1 partly", 2: "2 largely", 3: "3 unknown"}
    plots.append(
        (
            "Occlusion",
            _bar(
                out / "occlusion.png",
                {names[k]: occ.get(k, 0) for k in range(4)},
                "KITTI occlusion level",
                "level",
                "objects",
            ),
        )
    )
    plots.append(
        (
            "Truncation",
            _hist(
                out / "truncation.png",
                objs["truncation"],
                np.linspace(0, 1, 21),
                "Truncation (share of the projected box outside the image)",
                "truncation",
            ),
        )
    )
    plots.append(
        (
            "Visible fraction",
            _hist(
                out / "visible_fraction.png",
                objs["visible"],
                np.linspace(0, 1, 21),
                "Visible fraction (occlusion only)",
                "visible fraction",
            ),
        )
    )
    edge = dict(sorted(data["perturbations"].items())) or {"none applied": 0}
    plots.append(
        (
            "Edge cases",
            _bar(out / "edge_cases.png", edge, "Edge cases applied", "edge case", "episodes"),
        )
    )
    sheet, captions = _contact_sheet(
        root, data["frames"], samples, int(manifest["seed"]), out / "contact_sheet.png"
    )
    page = _html(manifest, plots, sheet, captions).replace(
        "<h2>Plots</h2>",
        _targets_html(targets)
        + _density_html(per_frame)
        + _difficulty_html(levels)
        + "<h2>Plots</h2>",
        1,
    )
    (out / "index.html").write_text(page, encoding="utf-8")


KITTI_PER_IMAGE = {"Car": 28742 / 7481, "Pedestrian": 4487 / 7481, "Cyclist": 1627 / 7481}
"""Labelled objects per image of KITTI's object training set (7,481 images): 28,742 cars,
4,487 pedestrians, 1,627 cyclists (the devkit's label_2 counts; DontCare not counted)."""


def density(objs: dict, frames: int) -> list[dict]:
    """Labelled objects per frame by KITTI type (sim.classes: car -> Car, pedestrian ->
    Pedestrian, bicycle and motorcycle -> Cyclist) beside KITTI's per-image figure."""
    counts = Counter(BY_NAME[c].kitti for c in objs["cls"] if c in BY_NAME)
    return [
        {
            "kitti_type": kind,
            "per_frame": round(counts.get(kind, 0) / max(frames, 1), 3),
            "kitti_per_image": round(ref, 3),
            "objects": counts.get(kind, 0),
            "frames": frames,
        }
        for kind, ref in KITTI_PER_IMAGE.items()
    ]


KITTI_DIFFICULTY = (  # (name, least box height [px], most occlusion level, most truncation)
    ("easy", 40.0, 0, 0.15),
    ("moderate", 25.0, 1, 0.30),
    ("hard", 25.0, 2, 0.50),
)
"""The KITTI object benchmark's difficulty levels (devkit readme): an object is in the
easiest level whose three limits it meets; the others are ignored by the benchmark."""


def difficulty(objs: dict) -> dict[str, dict[str, int]]:
    """Objects per class in each KITTI difficulty level (the easiest it meets) or
    ``ignored``, from the labels' box height, occlusion level and truncation."""
    out: dict[str, dict[str, int]] = {}
    for cls, h, occ, trunc in zip(
        objs["cls"], objs["height"], objs["occlusion"], objs["truncation"], strict=True
    ):
        row = out.setdefault(cls, {name: 0 for name, *_ in KITTI_DIFFICULTY} | {"ignored": 0})
        for name, min_h, max_occ, max_trunc in KITTI_DIFFICULTY:
            if h >= min_h and occ <= max_occ and trunc <= max_trunc:
                row[name] += 1
                break
        else:
            row["ignored"] += 1
    return dict(sorted(out.items()))


def _difficulty_html(rows: dict[str, dict[str, int]]) -> str:
    levels = [name for name, *_ in KITTI_DIFFICULTY] + ["ignored"]
    head = "".join(f"<th>{name}</th>" for name in levels)
    cells = "".join(
        f"<tr><td>{html.escape(cls)}</td>" + "".join(f"<td>{row[n]}</td>" for n in levels) + "</tr>"
        for cls, row in rows.items()
    )
    return (
        "<h2>KITTI difficulty</h2><p>easy: box >= 40 px, fully visible, truncation <= 0.15; "
        "moderate: >= 25 px, partly occluded at most, <= 0.30; hard: >= 25 px, largely "
        f"occluded at most, <= 0.50</p><table><tr><th>class</th>{head}</tr>{cells}</table>"
    )


def _density_html(rows: list[dict]) -> str:
    cells = "".join(
        f"<tr><td>{r['kitti_type']}</td><td>{r['per_frame']:.2f}</td>"
        f"<td>{r['kitti_per_image']:.2f}</td></tr>"
        for r in rows
    )
    return (
        "<h2>Objects per frame</h2><table><tr><th>KITTI type</th><th>per frame</th>"
        f"<th>KITTI training, per image</th></tr>{cells}</table>"
    )


def _targets_html(targets: list[dict]) -> str:
    if not targets:
        return ""
    esc = html.escape
    rows = "".join(
        f"<tr><td>{esc(t['split'])}</td><td>{esc(t['cls'])}</td><td>{t['target']}</td>"
        f"<td>{t['made']}</td><td>{'met' if t['met'] else 'NOT met'}</td></tr>"
        for t in targets
    )
    return (
        "<h2>Targets</h2><p>Objects of at least the targets' min_height (box2d) per split, "
        "and shares of all such objects (split 'all').</p><table><tr><th>split</th>"
        f"<th>class</th><th>target</th><th>made</th><th></th></tr>{rows}</table>"
    )


def _html(manifest: dict, plots: list[tuple[str, str]], sheet: str, captions: list[str]) -> str:
    c = manifest["counts"]
    esc = html.escape
    rows = "".join(
        f"<tr><td>{esc(s)}</td><td>{v['episodes']}</td><td>{v['frames']}</td><td>{v['objects']}</td></tr>"
        for s, v in c["by_split"].items()
    )
    status = (
        "complete"
        if manifest["complete"]
        else f"INCOMPLETE: {len(manifest['missing'])} episodes missing"
    )
    figures = "".join(
        f"<figure><img src='{esc(f)}' alt='{esc(t)}'><figcaption>{esc(t)}</figcaption></figure>"
        for t, f in plots
    )
    sheet_html = ""
    if sheet:
        sheet_html = (
            f"<h2>Contact sheet</h2><p>{len(captions)} frames drawn at random: "
            f"{esc(', '.join(captions))}</p>"
            f"<img class='sheet' src='{esc(sheet)}' alt='contact sheet'>"
        )
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>sim dataset {esc(manifest["dataset"])}</title>
<style>body{{font-family:sans-serif;margin:2em}}figure{{display:inline-block;margin:0 1em 1em 0}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}}
img.sheet{{max-width:100%}}</style></head><body>
<h1>Dataset {esc(manifest["dataset"])}</h1>
<p>sim {esc(manifest["sim_version"])}, seed {manifest["seed"]}, {status}: \
{c["episodes"]} of {c["episodes_planned"]}
episodes, {c["frames"]} frames, {c["objects"]} labelled objects, {c["files"]} files.</p>
<table><tr><th>split</th><th>episodes</th><th>frames</th><th>objects</th></tr>{rows}</table>
<h2>Plots</h2>{figures}
{sheet_html}
</body></html>
"""
