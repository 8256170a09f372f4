"""Drawing labels over frames, for people to check them at a glance (pure numpy + OpenCV)."""

from __future__ import annotations

import cv2
import numpy as np

from sim.classes import BY_NAME


def _color(cls: str) -> tuple[int, int, int]:
    c = BY_NAME[cls].color if cls in BY_NAME else (255, 255, 0)
    # brighten dark palette colours so boxes stand out on asphalt
    return tuple(int(min(255, 80 + v)) for v in c)


def draw_labels(
    rgb: np.ndarray,
    objects: list[dict],
    instance: np.ndarray | None = None,
    mask_alpha: float = 0.35,
    amodal: bool = True,
    tags: bool = True,
) -> np.ndarray:
    """A copy of ``rgb`` (H, W, 3 uint8) with masks, visible boxes (solid), amodal boxes
    (thin) and ``id cls vis%`` tags drawn for each label object (native JSON form)."""
    out = rgb.copy()
    if instance is not None and mask_alpha > 0:
        overlay = out.astype(np.float32)
        for obj in objects:
            m = instance == obj["id"]
            overlay[m] = (
                overlay[m] * (1 - mask_alpha)
                + np.array(_color(obj["cls"]), np.float32) * mask_alpha
            )
        out = np.clip(overlay, 0, 255).astype(np.uint8)
    scale = max(0.35, out.shape[1] / 1800)
    thick = max(1, int(round(out.shape[1] / 640)))
    for obj in objects:
        color = _color(obj["cls"])
        x0, y0, x1, y1 = obj["box2d"]
        if amodal:
            ax0, ay0, ax1, ay1 = (int(round(v)) for v in obj["box2d_amodal"])
            cv2.rectangle(out, (ax0, ay0), (ax1 - 1, ay1 - 1), color, 1, cv2.LINE_AA)
        cv2.rectangle(out, (x0, y0), (x1 - 1, y1 - 1), color, thick + 1, cv2.LINE_AA)
        if not tags:
            continue
        tag = f"{obj['id']} {obj['cls']} {obj['visible_fraction'] * 100:.0f}%"
        (tw, th), base = cv2.getTextSize(tag, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
        if tw > 1.5 * (x1 - x0):  # small box: the id alone, so neighbouring tags stay readable
            tag = str(obj["id"])
            (tw, th), base = cv2.getTextSize(tag, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
        ty = max(th + 2, y0 - 3)
        cv2.rectangle(out, (x0, ty - th - 2), (x0 + tw + 2, ty + base - 1), color, -1)
        cv2.putText(
            out,
            tag,
            (x0 + 1, ty - 1),
            cv2.FONT_HERSHEY_SIMPLEX,
            scale,
            (0, 0, 0),
            thick,
            cv2.LINE_AA,
        )
    return out
