"""Numba kernel over the instance buffer (naive twin in tests/naive.py)."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def _instance_stats(instance, max_id):
    """Pixel count and tight box (inclusive pixel indices) of every id in one pass.

    instance : (H, W) uint16. Returns count (max_id + 1,) int64 and xmin, ymin, xmax, ymax
    (max_id + 1,) int64; ids with no pixel keep count 0 (and meaningless extents).
    """
    count = np.zeros(max_id + 1, dtype=np.int64)
    xmin = np.full(max_id + 1, 1 << 30, dtype=np.int64)
    ymin = np.full(max_id + 1, 1 << 30, dtype=np.int64)
    xmax = np.full(max_id + 1, -1, dtype=np.int64)
    ymax = np.full(max_id + 1, -1, dtype=np.int64)
    H, W = instance.shape
    for i in range(H):
        for j in range(W):
            k = instance[i, j]
            if k == 0 or k > max_id:
                continue
            count[k] += 1
            if j < xmin[k]:
                xmin[k] = j
            if j > xmax[k]:
                xmax[k] = j
            if i < ymin[k]:
                ymin[k] = i
            if i > ymax[k]:
                ymax[k] = i
    return count, xmin, ymin, xmax, ymax
