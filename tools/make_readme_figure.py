#!/usr/bin/env python
"""Draw one real frame of an episode with its labels: ``python tools/make_readme_figure.py``.

Runs ``scenarios/cut_in.yaml`` (unless ``--episode`` points at an existing episode folder),
then writes ``docs/img/cut_in.png``: the RGB frame with instance masks, visible boxes (thick),
amodal boxes (thin) and ``id class visible%`` tags, next to its semantic and depth buffers.
Everything drawn comes from the episode's own files, so the picture shows what users get.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.classes import CLASSES  # noqa: E402
from sim.dataset.io import read_png  # noqa: E402
from sim.viz import draw_labels  # noqa: E402


def _crop(
    img: np.ndarray, box: tuple[int, int, int, int], size: tuple[int, int], nearest: bool
) -> np.ndarray:
    x0, y0, x1, y1 = box
    interp = cv2.INTER_NEAREST if nearest else cv2.INTER_CUBIC
    return cv2.resize(np.ascontiguousarray(img[y0:y1, x0:x1]), size, interpolation=interp)


def _zoom_box(
    objects: list[dict], w: int, h: int, frac: float = 1 / 4
) -> tuple[int, int, int, int]:
    """A w*frac x h*frac window centred on the labelled objects, inside the image."""
    cw, ch = int(w * frac), int(h * frac)
    if objects:
        b = np.array([o["box2d"] for o in objects], dtype=np.float64)
        cx, cy = (b[:, 0].min() + b[:, 2].max()) / 2, (b[:, 1].min() + b[:, 3].max()) / 2
    else:
        cx, cy = w / 2, h / 2
    x0 = int(np.clip(cx - cw / 2, 0, w - cw))
    y0 = int(np.clip(cy - ch / 2, 0, h - ch))
    return x0, y0, x0 + cw, y0 + ch


def _put(img: np.ndarray, text: str, y: int = 24) -> None:
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.55, 1)
    cv2.rectangle(img, (4, y - th - 5), (12 + tw, y + base + 2), (25, 25, 25), -1)
    cv2.putText(img, text, (8, y), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255), 1, cv2.LINE_AA)


def figure(episode: Path, camera: str, frame: int) -> np.ndarray:
    """Full frame with labels (left); zoom on the labelled objects and its buffers (right)."""
    stem = f"{frame:06d}"
    rgb = read_png(episode / "frames" / camera / "rgb" / f"{stem}.png")
    inst = read_png(episode / "frames" / camera / "instance" / f"{stem}.png")
    sem = read_png(episode / "frames" / camera / "semantic" / f"{stem}.png")
    depth = (
        read_png(episode / "frames" / camera / "depth" / f"{stem}.png").astype(np.float64) / 1000.0
    )
    objects = json.loads((episode / "labels" / camera / f"{stem}.json").read_text())["objects"]
    h, w = rgb.shape[:2]
    main = draw_labels(rgb, objects, instance=inst, tags=False)
    _put(main, f"{episode.name} {camera} frame {frame}: {len(objects)} labelled objects")

    # zoom: upscale first, then draw, so boxes and tags stay sharp and readable
    box = _zoom_box(objects, w, h)
    zw, zh = w // 2, h // 2
    sx, sy = zw / (box[2] - box[0]), zh / (box[3] - box[1])

    def moved(o: dict) -> dict:
        o = dict(o)
        x0, y0, x1, y1 = o["box2d"]
        o["box2d"] = [
            round((x0 - box[0]) * sx),
            round((y0 - box[1]) * sy),
            round((x1 - box[0]) * sx),
            round((y1 - box[1]) * sy),
        ]
        a = o["box2d_amodal"]
        o["box2d_amodal"] = [
            (a[0] - box[0]) * sx,
            (a[1] - box[1]) * sy,
            (a[2] - box[0]) * sx,
            (a[3] - box[1]) * sy,
        ]
        return o

    zoom_inst = _crop(inst, box, (zw, zh), nearest=True)
    zoom = draw_labels(
        _crop(rgb, box, (zw, zh), nearest=False), [moved(o) for o in objects], instance=zoom_inst
    )
    _put(zoom, "zoom: visible box (thick), amodal (thin), id class visible%")

    palette = np.zeros((256, 3), np.uint8)
    for c in CLASSES:
        palette[c.id] = c.color
    small = (zw // 2, zh // 2)
    sem_rgb = _crop(palette[sem], box, small, nearest=True)
    valid = depth > 0
    d = np.zeros(depth.shape, np.uint8)
    d[valid] = (255 * (1 - np.clip(np.log1p(depth[valid]) / np.log1p(150.0), 0, 1))).astype(
        np.uint8
    )
    depth_rgb = cv2.applyColorMap(d, cv2.COLORMAP_MAGMA)[..., ::-1].copy()
    depth_rgb[~valid] = 0
    depth_rgb = _crop(depth_rgb, box, small, nearest=True)
    ids = np.unique(inst[inst > 0])
    inst_palette = np.zeros((int(inst.max()) + 1, 3), np.uint8)
    rng = np.random.default_rng(0)  # fixed colours per id: the figure is reproducible
    inst_palette[ids] = rng.integers(60, 256, size=(len(ids), 3), dtype=np.uint8)
    inst_rgb = _crop(inst_palette[inst], box, small, nearest=True)
    cls_of = {c.id: c.name for c in CLASSES}
    legend = np.full((small[1], small[0], 3), 30, np.uint8)
    for k, cid in enumerate(sorted(set(np.unique(sem).tolist()))[:8]):
        y = 22 + 20 * k
        cv2.rectangle(legend, (8, y - 12), (24, y + 2), tuple(int(v) for v in palette[cid]), -1)
        cv2.putText(
            legend,
            f"{cid} {cls_of.get(cid, '?')}",
            (30, y),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.45,
            (235, 235, 235),
            1,
            cv2.LINE_AA,
        )
    for img, text in ((sem_rgb, "semantic"), (depth_rgb, "depth"), (inst_rgb, "instance")):
        _put(img, text, 18)
    right = np.concatenate(
        [
            zoom,
            np.concatenate([sem_rgb, depth_rgb], axis=1),
            np.concatenate([inst_rgb, legend], axis=1),
        ],
        axis=0,
    )
    return np.concatenate([main, right[:h]], axis=1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--episode", type=Path, help="existing episode folder (default: run cut_in now)"
    )
    ap.add_argument("--camera", default="front")
    ap.add_argument("--frame", type=int, default=30)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "cut_in.png")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        episode = args.episode
        if episode is None:
            episode = Path(tmp) / "cut_in"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "sim",
                    "run",
                    str(ROOT / "scenarios" / "cut_in.yaml"),
                    "--out",
                    str(episode),
                    "--quiet",
                ],
                check=True,
                cwd=ROOT,
            )
        img = figure(episode, args.camera, args.frame)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.out), img[..., ::-1], [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"wrote {args.out} ({img.shape[1]}x{img.shape[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
