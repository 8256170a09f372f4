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


def figure(episode: Path, camera: str, frame: int) -> np.ndarray:
    stem = f"{frame:06d}"
    rgb = read_png(episode / "frames" / camera / "rgb" / f"{stem}.png")
    inst = read_png(episode / "frames" / camera / "instance" / f"{stem}.png")
    sem = read_png(episode / "frames" / camera / "semantic" / f"{stem}.png")
    depth = read_png(episode / "frames" / camera / "depth" / f"{stem}.png").astype(np.float64) / 1000.0
    labels = json.loads((episode / "labels" / camera / f"{stem}.json").read_text())
    main = draw_labels(rgb, labels["objects"], instance=inst)
    palette = np.zeros((256, 3), np.uint8)
    for c in CLASSES:
        palette[c.id] = c.color
    sem_rgb = palette[sem]
    valid = depth > 0
    d = np.zeros(depth.shape, np.uint8)
    d[valid] = (255 * (1 - np.clip(np.log1p(depth[valid]) / np.log1p(150.0), 0, 1))).astype(np.uint8)
    depth_rgb = cv2.applyColorMap(d, cv2.COLORMAP_MAGMA)[..., ::-1].copy()
    depth_rgb[~valid] = 0
    h, w = rgb.shape[:2]
    small = (w // 2, h // 2)
    right = np.concatenate([cv2.resize(sem_rgb, small, interpolation=cv2.INTER_NEAREST),
                            cv2.resize(depth_rgb, small, interpolation=cv2.INTER_AREA)], axis=0)
    for img, text in ((main, f"rgb + labels, frame {frame}"),):
        cv2.putText(img, text, (10, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2, cv2.LINE_AA)
    cv2.putText(right, "semantic", (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2, cv2.LINE_AA)
    cv2.putText(right, "depth", (8, small[1] + 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2, cv2.LINE_AA)
    return np.concatenate([main, right[:h]], axis=1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episode", type=Path, help="existing episode folder (default: run cut_in now)")
    ap.add_argument("--camera", default="front")
    ap.add_argument("--frame", type=int, default=30)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "cut_in.png")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        episode = args.episode
        if episode is None:
            episode = Path(tmp) / "cut_in"
            subprocess.run([sys.executable, "-m", "sim", "run", str(ROOT / "scenarios" / "cut_in.yaml"),
                            "--out", str(episode), "--quiet"], check=True, cwd=ROOT)
        img = figure(episode, args.camera, args.frame)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.out), img[..., ::-1], [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"wrote {args.out} ({img.shape[1]}x{img.shape[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
