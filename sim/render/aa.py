"""An edge-aware anti-aliasing post-filter (FXAA-like) for a colour pass rendered without
multisampling (``msaa: 0``): a camera's ``aa: fxaa`` runs it on the composed colour image
(``FrameRenderer.render``), before the lens warp and the sensor effects; measured by
``python -m sim bench frame --msaa 4,0 --fxaa`` (docs/throughput.md).

Per pixel, on luma ``L = 0.299 R + 0.587 G + 0.114 B``, after FXAA 3.11 (Lottes, 2011):

1. local contrast: the range of L over the pixel and its 4 neighbours; below
   ``max(EDGE_MIN, EDGE_THRESHOLD * max)`` the pixel is left as it is;
2. edge direction: horizontal when the second differences across rows
   (``|N + S - 2 M|``, weighted with the neighbouring columns) beat those across columns;
3. the side: the neighbour across the edge with the larger luma step;
4. the edge's ends: walk along the edge (at most ``SEARCH`` px each way) while the mean of
   the pixel's row and the side's row stays within a quarter of the step of the edge's
   mean; the nearer end gives the blend ``0.5 - d_near / (d_near + d_far)`` (0 where the
   pixel is on the wrong side of the edge's mean);
5. sub-pixel aliasing: from the 3x3 mean's distance to the pixel, over the range;
6. the pixel becomes ``(1 - b) * itself + b * side`` with ``b`` the larger of 4 and 5.
"""

from __future__ import annotations

import numba
import numpy as np

EDGE_THRESHOLD = 0.125
"""Least luma range over the local maximum for a pixel to count as an edge."""
EDGE_MIN = 8.0
"""Least luma range (grey levels) for an edge: darker detail is left alone."""
SEARCH = 8
"""[px] longest walk along an edge to each side when looking for its end."""
SUBPIX = 0.75
"""Strength of the sub-pixel blend (FXAA's default)."""


@numba.njit(cache=True)
def _luma(rgb, y, x):
    return 0.299 * rgb[y, x, 0] + 0.587 * rgb[y, x, 1] + 0.114 * rgb[y, x, 2]


@numba.njit(cache=True, parallel=True)
def _fxaa(rgb, out, edge_threshold, edge_min, search, subpix):
    """Rows in parallel: each output pixel reads only the input and the luma."""
    H, W = rgb.shape[0], rgb.shape[1]
    lum = np.zeros((H, W))
    for y in numba.prange(H):
        for x in range(W):
            lum[y, x] = _luma(rgb, y, x)
    for y in numba.prange(H):
        for x in range(W):
            for c in range(3):
                out[y, x, c] = rgb[y, x, c]
            if y == 0 or x == 0 or y == H - 1 or x == W - 1:
                continue
            m = lum[y, x]
            n, s, e, w = lum[y - 1, x], lum[y + 1, x], lum[y, x + 1], lum[y, x - 1]
            hi = max(m, n, s, e, w)
            lo = min(m, n, s, e, w)
            rng = hi - lo
            if rng < max(edge_min, edge_threshold * hi):
                continue
            nw, ne = lum[y - 1, x - 1], lum[y - 1, x + 1]
            sw, se = lum[y + 1, x - 1], lum[y + 1, x + 1]
            horiz = abs(nw + sw - 2.0 * w) + 2.0 * abs(n + s - 2.0 * m) + abs(ne + se - 2.0 * e)
            vert = abs(nw + ne - 2.0 * n) + 2.0 * abs(w + e - 2.0 * m) + abs(sw + se - 2.0 * s)
            horizontal = horiz >= vert
            # the side across the edge: (dy, dx) to it, and the walk along the edge (ty, tx)
            if horizontal:
                a, b = n, s
                ty, tx = 0, 1
            else:
                a, b = w, e
                ty, tx = 1, 0
            if abs(a - m) >= abs(b - m):
                side, step = a, -1
            else:
                side, step = b, 1
            dy, dx = (step, 0) if horizontal else (0, step)
            gradient = abs(side - m)
            mean = 0.5 * (m + side)
            # walk to both ends of the edge (k 0: backwards, 1: forwards)
            end0 = end1 = float(search)
            delta0 = delta1 = 0.0
            for k in range(2):
                sign = -1 if k == 0 else 1
                d = search
                delta = 0.0
                for i in range(1, search + 1):
                    py, px = y + sign * i * ty, x + sign * i * tx
                    qy, qx = py + dy, px + dx
                    if py < 0 or px < 0 or py >= H or px >= W or qy < 0 or qx < 0:
                        d = i
                        break
                    if qy >= H or qx >= W:
                        d = i
                        break
                    delta = 0.5 * (lum[py, px] + lum[qy, qx]) - mean
                    if abs(delta) >= 0.25 * gradient:
                        d = i
                        break
                if k == 0:
                    end0, delta0 = float(d), delta
                else:
                    end1, delta1 = float(d), delta
            d_near, delta_near = (end0, delta0) if end0 < end1 else (end1, delta1)
            blend = 0.5 - d_near / (end0 + end1)
            if (m - mean < 0.0) == (delta_near < 0.0):
                blend = 0.0
            # sub-pixel aliasing
            avg = (2.0 * (n + s + e + w) + nw + ne + sw + se) / 12.0
            t = min(1.0, abs(avg - m) / rng)
            t = (-2.0 * t + 3.0) * t * t
            blend = max(blend, t * t * subpix)
            if blend <= 0.0:
                continue
            for c in range(3):
                v = (1.0 - blend) * rgb[y, x, c] + blend * rgb[y + dy, x + dx, c]
                out[y, x, c] = np.uint8(min(255.0, max(0.0, v + 0.5)))
    return out


def fxaa(rgb: np.ndarray) -> np.ndarray:
    """rgb (H, W, 3) uint8 -> (H, W, 3) uint8, edges blended across (module docstring)."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"rgb must be (H, W, 3) uint8, got {rgb.shape} {rgb.dtype}")
    out = np.zeros_like(rgb)
    return _fxaa(np.ascontiguousarray(rgb), out, EDGE_THRESHOLD, EDGE_MIN, SEARCH, SUBPIX)
