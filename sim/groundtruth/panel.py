"""A bird's-eye-view panel for people (``python -m sim preview``): the BEV grid of a frame
(``bev/<cam>/NNNNNN.npz``) in the classes' viewing palette, road users outlined, the ego
drawn at the centre, pasted into a corner of the camera frame."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from sim.classes import palette

PANEL_SHARE = 0.45
"""The panel's height over the frame's."""


def bev_image(semantic: np.ndarray, instance: np.ndarray, size: int) -> np.ndarray:
    """(size, size * C / R, 3) uint8 RGB of a BEV grid: class colours (nothing black), each
    road user's footprint outlined in white, the ego as a yellow triangle pointing up."""
    colours = np.array(palette(), dtype=np.uint8)
    rgb = colours[semantic]
    rows, cols = semantic.shape
    width = max(1, round(size * cols / rows))
    image = cv2.resize(rgb, (width, size), interpolation=cv2.INTER_NEAREST)
    ids = cv2.resize(instance, (width, size), interpolation=cv2.INTER_NEAREST)
    edge = np.zeros(ids.shape, bool)
    edge[:-1] |= ids[:-1] != ids[1:]
    edge[:, :-1] |= ids[:, :-1] != ids[:, 1:]
    image[edge & (ids > 0)] = (255, 255, 255)
    cx, cy, r = width / 2, size / 2, max(3.0, size / 60)
    tri = np.array([[cx, cy - 1.5 * r], [cx - r, cy + r], [cx + r, cy + r]], np.int32)
    cv2.fillPoly(image, [tri], (255, 220, 0))
    return image


def with_bev_panel(frame: np.ndarray, episode: Path, camera: str, index: int) -> np.ndarray:
    """``frame`` (H, W, 3) uint8 with the frame's BEV panel in its top-right corner, when the
    episode wrote one (``outputs.ground_truth.bev``); else ``frame`` unchanged."""
    path = Path(episode) / "bev" / camera / f"{index:06d}.npz"
    if not path.is_file():
        return frame
    with np.load(path) as data:
        if "semantic" not in data:
            return frame
        panel = bev_image(data["semantic"], data["instance"], round(frame.shape[0] * PANEL_SHARE))
    h, w = panel.shape[:2]
    if w > frame.shape[1]:
        return frame
    out = frame.copy()
    out[:h, -w:] = panel
    out[h : h + 2, -w:] = 255  # a border between the panel and the picture
    out[: h + 2, -w - 2 : -w] = 255
    return out
