"""Low-level plane geometry shared by the layers above (scenario checks, traffic kernels).

Numba kernels on scalars: callable from Python and from other kernels. Naive twins are in
tests/naive.py (``box_polygon`` with shapely).
"""

from __future__ import annotations

import math

import numba


@numba.njit(cache=True)
def obb_overlap(x1, y1, yaw1, l1, w1, x2, y2, yaw2, l2, w2):
    """Whether two oriented rectangles overlap (separating-axis theorem); touching counts.

    Each rectangle: centre ``(x, y)`` [m], heading ``yaw`` [rad] (counter-clockwise from
    +x), length ``l`` along the heading and width ``w`` across it [m].
    """
    c1, s1 = math.cos(yaw1), math.sin(yaw1)
    c2, s2 = math.cos(yaw2), math.sin(yaw2)
    dx = x2 - x1
    dy = y2 - y1
    axes = ((c1, s1), (-s1, c1), (c2, s2), (-s2, c2))
    for k in range(4):
        ax, ay = axes[k]
        r1 = 0.5 * l1 * abs(c1 * ax + s1 * ay) + 0.5 * w1 * abs(-s1 * ax + c1 * ay)
        r2 = 0.5 * l2 * abs(c2 * ax + s2 * ay) + 0.5 * w2 * abs(-s2 * ax + c2 * ay)
        if abs(dx * ax + dy * ay) > r1 + r2:
            return False
    return True


@numba.njit(cache=True, inline="always")
def obb_overlap_cs(x1, y1, c1, s1, l1, w1, x2, y2, c2, s2, l2, w2):
    """:func:`obb_overlap` with each heading given as its cosine ``c`` and sine ``s``
    (callers that keep them save four trigonometric calls per test)."""
    dx = x2 - x1
    dy = y2 - y1
    for k in range(4):
        if k == 0:
            ax, ay = c1, s1
        elif k == 1:
            ax, ay = -s1, c1
        elif k == 2:
            ax, ay = c2, s2
        else:
            ax, ay = -s2, c2
        r1 = 0.5 * l1 * abs(c1 * ax + s1 * ay) + 0.5 * w1 * abs(-s1 * ax + c1 * ay)
        r2 = 0.5 * l2 * abs(c2 * ax + s2 * ay) + 0.5 * w2 * abs(-s2 * ax + c2 * ay)
        if abs(dx * ax + dy * ay) > r1 + r2:
            return False
    return True
