"""Tileable noise and drawing helpers for the procedural textures (numpy + OpenCV only).

Everything here is periodic over the texture: spectral noise is made by filtering white
noise in the Fourier domain (inherently periodic), and shapes that cross an edge are drawn
again shifted by the texture's size, so every texture repeats without a seam.
"""

from __future__ import annotations

import cv2
import numpy as np


def spectral(
    rng: np.random.Generator,
    h: int,
    w: int,
    beta: float = 2.0,
    cutoff: float = 0.0,
    aspect: float = 1.0,
) -> np.ndarray:
    """(h, w) float32 tileable noise with power spectrum ~ 1 / f**beta (fractal: beta 2 is
    cloudy, 0 white), zero mean, unit standard deviation. ``cutoff`` [cycles per texture]
    removes the lowest frequencies; ``aspect`` > 1 stretches features along u (the
    columns), < 1 along v."""
    white = rng.standard_normal((h, w)).astype(np.float32)
    spec = np.fft.rfft2(white)
    fy = np.fft.fftfreq(h)[:, None] * h
    fx = np.fft.rfftfreq(w)[None, :] * w * aspect
    f2 = fy * fy + fx * fx
    f2[0, 0] = 1.0
    filt = f2 ** (-beta / 4.0)
    filt[0, 0] = 0.0
    if cutoff > 0:
        filt *= 1.0 - np.exp(-f2 / (cutoff * cutoff))
    out = np.fft.irfft2(spec * filt, s=(h, w)).astype(np.float32)
    return (out - out.mean()) / max(float(out.std()), 1e-6)


def grain(rng: np.random.Generator, h: int, w: int, sigma: float = 0.7) -> np.ndarray:
    """(h, w) float32 fine grain: white noise blurred by ``sigma`` px (wrapping), unit std."""
    white = rng.standard_normal((h, w)).astype(np.float32)
    if sigma > 0:
        white = blur_wrap(white, sigma)
    return (white - white.mean()) / max(float(white.std()), 1e-6)


def blur_wrap(img: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of a tile as if it repeated (OpenCV's blur has no wrapping border)."""
    pad = int(np.ceil(3 * sigma)) + 1
    h, w = img.shape[:2]
    big = np.pad(img, ((min(pad, h),) * 2, (min(pad, w),) * 2), mode="wrap")
    out = cv2.GaussianBlur(big, (0, 0), sigma)
    return out[min(pad, h) : min(pad, h) + h, min(pad, w) : min(pad, w) + w]


def wrapped(canvas: np.ndarray, draw) -> None:
    """Call ``draw(canvas, dx, dy)`` for the 9 shifts by the canvas's size, so a shape that
    crosses an edge comes in again on the other side."""
    h, w = canvas.shape[:2]
    for dy in (-h, 0, h):
        for dx in (-w, 0, w):
            draw(canvas, dx, dy)


def polyline(canvas: np.ndarray, pts: np.ndarray, value: float, thickness: int) -> None:
    """An anti-aliased polyline of ``pts`` (n, 2) px (x, y) onto float32 ``canvas``, tiled."""

    def draw(c, dx, dy):
        p = np.round((pts + (dx, dy)) * 16).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(c, [p], False, float(value), thickness, cv2.LINE_AA, shift=4)

    wrapped(canvas, draw)


def blobs(
    rng: np.random.Generator, h: int, w: int, n: int, radius: tuple[float, float]
) -> np.ndarray:
    """(h, w) float32 in [0, 1]: ``n`` soft elliptic blobs, radii in px drawn from ``radius``,
    their edges roughened by noise, tiled."""
    mask = np.zeros((h, w), np.float32)
    for _ in range(n):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        ax = rng.uniform(*radius)
        ay = ax * rng.uniform(0.4, 1.0)
        angle = rng.uniform(0, 180)

        def draw(c, dx, dy, cx=cx, cy=cy, ax=ax, ay=ay, angle=angle):
            cv2.ellipse(c, (int(cx + dx), int(cy + dy)), (int(ax), int(ay)), angle, 0, 360, 1.0, -1)

        wrapped(mask, draw)
    mask = blur_wrap(mask, max(1.0, 0.15 * radius[0]))
    return np.clip(mask, 0.0, 1.0)


def random_walk(
    rng: np.random.Generator, start: np.ndarray, steps: int, step: float, turn: float
) -> np.ndarray:
    """(steps + 1, 2) points of a wandering line from ``start``: ``step`` px per step,
    heading changing by N(0, turn) rad per step."""
    heading = rng.uniform(0, 2 * np.pi)
    turns = np.cumsum(rng.normal(0.0, turn, steps)) + heading
    moves = np.stack((np.cos(turns), np.sin(turns)), 1) * step
    return np.vstack([start, start + np.cumsum(moves, axis=0)])
