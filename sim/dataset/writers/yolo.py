"""YOLO detection and segmentation labels, one dataset per camera and task:

```
yolo/<cam>/detect/data.yaml
yolo/<cam>/detect/images/NNNNNN.png    the frame's RGB (hard link to frames/<cam>/rgb/)
yolo/<cam>/detect/labels/NNNNNN.txt    class xc yc w h
yolo/<cam>/segment/data.yaml
yolo/<cam>/segment/images/NNNNNN.png
yolo/<cam>/segment/labels/NNNNNN.txt   class x1 y1 x2 y2 ...
```

Each task has its own images folder because YOLO tools find an image's labels by swapping
``images`` for ``labels`` in its path. Classes are the thing classes, 0-based
(sim.classes.YOLO_CLASS_INDEX). Coordinates are normalised by the image width and height,
in pixel-edge coordinates (the left edge of the image is 0, the right edge 1).

The box is the visible box (``box2d``). The polygon traces the object's visible instance
mask; an object split into several visible parts (a car behind a pole) becomes one polygon
whose parts hang off the first part by zero-width bridges, so every object is one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from sim.classes import THING_CLASSES, YOLO_CLASS_INDEX
from sim.dataset.io import link_or_copy, write_bytes_atomic
from sim.dataset.writers.base import FrameData, Writer
from sim.render.camera import CameraModel

TASKS = ("detect", "segment")


def detection_lines(frame: FrameData) -> list[str]:
    W, H = frame.camera.width, frame.camera.height
    lines = []
    for label in frame.labels:
        x0, y0, x1, y1 = label.box2d
        lines.append(
            f"{YOLO_CLASS_INDEX[label.cls]} {(x0 + x1) / (2 * W):.6f} {(y0 + y1) / (2 * H):.6f} "
            f"{(x1 - x0) / W:.6f} {(y1 - y0) / H:.6f}"
        )
    return lines


def mask_polygon(mask: np.ndarray) -> np.ndarray:
    """(N, 2) float pixel-edge polygon (x, y) tracing a boolean mask's visible parts.

    Outer contours of every connected part, through the boundary pixels' centres (+0.5),
    largest part first; the other parts are joined to the first's first vertex by bridges
    walked out and back (zero area). Parts too small for a polygon (fewer than 3 contour
    points) fall back to their pixel squares' corners.
    """
    contours, _ = cv2.findContours(
        mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    parts = []
    for c in contours:
        pts = c[:, 0, :].astype(np.float64)
        if len(pts) < 3:
            # a 1-pixel-wide sliver: the corners of its pixels' bounding square
            x0, y0 = pts.min(axis=0)
            x1, y1 = pts.max(axis=0) + 1.0
            parts.append(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]))
        else:
            parts.append(pts + 0.5)
    if not parts:
        raise ValueError("empty mask")
    parts.sort(key=lambda p: -abs(_area(p)))
    first = parts[0]
    out = [first, first[:1]]  # closed loop back to the anchor
    anchor = first[0]
    for part in parts[1:]:
        k = int(np.argmin(((part - anchor) ** 2).sum(axis=1)))
        loop = np.concatenate([part[k:], part[:k], part[k : k + 1]])
        out += [loop, anchor[None]]
    return np.concatenate(out)


def _area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def segmentation_lines(frame: FrameData) -> list[str]:
    W, H = frame.camera.width, frame.camera.height
    instance = frame.buffers.instance
    lines = []
    for label in frame.labels:
        x0, y0, x1, y1 = label.box2d
        poly = mask_polygon(instance[y0:y1, x0:x1] == label.id) + (x0, y0)
        coords = " ".join(f"{x / W:.6f} {y / H:.6f}" for x, y in poly)
        lines.append(f"{YOLO_CLASS_INDEX[label.cls]} {coords}")
    return lines


YAML_RELATIVE = (
    "# paths relative to this file's folder (no 'path' key: Ultralytics uses this folder)"
)
"""First line of every data.yaml sim writes."""


def data_yaml() -> str:
    """data.yaml of one camera and task, with no ``path`` key: Ultralytics then takes the
    folder holding this file as the dataset root (``train``/``val`` relative to it), from any
    working directory. (``path: .`` would mean the working directory.)"""
    names = "\n".join(f"  {YOLO_CLASS_INDEX[c.name]}: {c.name}" for c in THING_CLASSES)
    return (
        f"{YAML_RELATIVE}\ntrain: images\nval: images\nnc: {len(THING_CLASSES)}\nnames:\n{names}\n"
    )


class YoloWriter(Writer):
    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, frame: FrameData) -> None:
        """Labels and image links of one frame; call after the native writer wrote the RGB."""
        base = self.root / "yolo" / frame.camera.name
        src = self.root / frame.rgb_path
        for task, lines in (
            ("detect", detection_lines(frame)),
            ("segment", segmentation_lines(frame)),
        ):
            write_bytes_atomic(
                base / task / "labels" / f"{frame.stem}.txt",
                "".join(f"{ln}\n" for ln in lines).encode(),
            )
            link_or_copy(src, base / task / "images" / f"{frame.stem}.png")

    def finish(self, cameras: Sequence[CameraModel]) -> None:
        for cam in (c.name for c in cameras):
            for task in TASKS:
                write_bytes_atomic(
                    self.root / "yolo" / cam / task / "data.yaml", data_yaml().encode()
                )
