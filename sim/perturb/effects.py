"""Sensor effects on rendered RGB images (numpy + OpenCV). Labels are untouched by design:
fog does not move a box, noise does not change a mask.

Each effect is ``f(rgb, depth, rng, **params) -> rgb`` with rgb (H, W, 3) uint8, depth
(H, W) float32 [m] (0 = sky, i.e. infinitely far) and rng a ``numpy.random.Generator``.
:class:`SensorEffects` applies the episode's sensor perturbations in catalogue order with a
generator per (camera, frame), so a frame's noise does not depend on which frames were
rendered before it.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from sim.perturb.catalog import CATALOG
from sim.seeding import child_rng

FOG_COLOR = np.array([205.0, 208.0, 212.0], dtype=np.float32)


def fog(rgb: np.ndarray, depth: np.ndarray, rng: np.random.Generator, visibility: float) -> np.ndarray:
    """Koschmieder's law: transmission t = exp(-3.912 d / visibility); sky pixels are all fog."""
    d = np.where(depth > 0, depth, np.inf).astype(np.float32)
    t = np.exp(-3.912 * d / float(visibility))[..., None]
    out = rgb.astype(np.float32) * t + FOG_COLOR * (1.0 - t)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def noise(rgb: np.ndarray, depth: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    out = rgb.astype(np.float32) + rng.normal(0.0, float(sigma), rgb.shape).astype(np.float32)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def exposure(rgb: np.ndarray, depth: np.ndarray, rng: np.random.Generator, gain: float) -> np.ndarray:
    out = rgb.astype(np.float32) * float(gain)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def motion_blur(rgb: np.ndarray, depth: np.ndarray, rng: np.random.Generator, length: float,
                angle_deg: float) -> np.ndarray:
    n = max(1, int(round(length)))
    k = np.zeros((n, n), np.float32)
    c = (n - 1) / 2.0
    a = math.radians(angle_deg)
    for t in np.linspace(-c, c, 4 * n):
        x, y = int(round(c + t * math.cos(a))), int(round(c - t * math.sin(a)))
        k[y, x] = 1.0
    k /= k.sum()
    return cv2.filter2D(rgb, -1, k, borderType=cv2.BORDER_REFLECT)


EFFECTS = {"fog": fog, "noise": noise, "exposure": exposure, "motion_blur": motion_blur}
if set(EFFECTS) != {n for n, p in CATALOG.items() if p.kind == "sensor"}:
    raise RuntimeError("sim.perturb: every sensor perturbation of the catalogue needs an image effect in EFFECTS")


class SensorEffects:
    """The sensor perturbations of one episode, applied per (camera, frame)."""

    def __init__(self, perturbations, seed_root) -> None:
        self.items = [(p.name, dict(p.params)) for p in perturbations if p.applied and CATALOG[p.name].kind == "sensor"]
        self.seed_root = seed_root

    def __bool__(self) -> bool:
        return bool(self.items)

    def apply(self, rgb: np.ndarray, depth: np.ndarray, camera: str, frame: int) -> np.ndarray:
        for name, params in self.items:
            rng = child_rng(self.seed_root, f"effect/{name}/{camera}/{frame}")
            rgb = EFFECTS[name](rgb, depth, rng, **params)
        return rgb
