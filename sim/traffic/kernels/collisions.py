"""Collisions: every overlapping pair of agent boxes through a uniform grid whose cell order
is kept by the same insertion sort as the lanes' (``_collisions``); candidates are tested
with the separating-axis theorem (sim.geometry). No all-pairs loop: the sweep reports how
many candidate pairs it tested, and a test holds that number to O(N) on a road."""

from __future__ import annotations

import math

import numba
import numpy as np

from sim.geometry import obb_overlap_cs
from sim.traffic.kernels.shared import _insertion_sort, _pieces, serial_and_threaded

_GRID_OFFSET = 1 << 30  # keeps grid cell indices positive
_GRID_ROW = 1 << 31  # key = column * _GRID_ROW + row
_GRID_INACTIVE = np.iinfo(np.int64).max
_SWEEP_CHUNKS = 16  # pieces of the collision sweep (threads take them in turn)
_CHUNK_PAIRS = 64  # overlapping pairs a piece's buffer holds (more: the piece is swept again)


def _collisions_py(grid, boxes):
    """All overlapping pairs (i < j) of active agents, through a uniform grid; returns
    ``(pairs, tested)``: (K, 2) int32 sorted by (i, j), and how many candidate pairs the
    sweep tested (the work done; for traffic spread along a road, a few per agent).

    Cells are 2 r_max wide (r_max: the largest half-diagonal), so overlapping boxes lie in
    the same or adjacent cells. ``grid.order`` (kept between calls, any permutation on the
    first) is sorted by cell key = column * _GRID_ROW + row; the cells (col, row..row+1) and
    (col+1, row-1..row+1) are then two contiguous runs of it, and the start of the second
    only moves forward, so a sweep visits every candidate: O(N + candidates) per step
    when the order is nearly sorted (_sweep; the order is cut into pieces swept apart).
    ``grid.key`` holds the keys the order was sorted by (kept with it between calls; on the
    first, anything but grid keys, e.g. zeros); when no agent changed cell the sort is
    skipped. ``boxes``: centres, headings as cosine and sine, lengths and widths. The cell
    keys and the sweep run in pieces that threads may take (sim.traffic.kernels.shared).
    """
    order, key = grid.order, grid.key
    active, x, y, cos_yaw, sin_yaw = boxes.active, boxes.x, boxes.y, boxes.cos_yaw, boxes.sin_yaw
    length, width = boxes.length, boxes.width
    n = x.shape[0]
    ext = np.empty((n, 2))
    diag2 = 0.0  # largest squared diagonal: one square root, same r_max (sqrt is monotone)
    for i in range(n):
        if active[i]:
            diag2 = max(diag2, length[i] * length[i] + width[i] * width[i])
    r_max = 0.5 * math.sqrt(diag2)
    if r_max <= 0.0:
        return np.empty((0, 2), dtype=np.int32), 0
    cell = 2.0 * r_max
    pieces = _pieces(n)  # threads take pieces (sim.traffic.kernels.shared._pieces)
    moved = np.zeros(pieces, dtype=np.int64)
    for piece in numba.prange(pieces):
        moved[piece] = _grid_keys(
            n * piece // pieces, n * (piece + 1) // pieces, grid, boxes, cell, ext
        )
    if moved.sum() > 0:  # else ``order`` is still sorted by the unchanged keys of the last call
        _insertion_sort(order, key)
    # the sweep, in pieces of the sorted order that threads may take apart: each writes
    # into its own small buffer and counts every pair; a piece that found more pairs than
    # its buffer holds (a pile-up) is swept again into its place in the result
    n_chunks = min(_SWEEP_CHUNKS, max(1, n // 256))
    chunk = (n + n_chunks - 1) // n_chunks
    buf = np.empty((n_chunks, _CHUNK_PAIRS, 2), dtype=np.int32)
    counts = np.zeros(n_chunks, dtype=np.int64)
    tested = np.zeros(n_chunks, dtype=np.int64)
    for c in numba.prange(n_chunks):
        counts[c], tested[c] = _sweep_piece(
            grid, boxes, ext, c * chunk, min(n, (c + 1) * chunk), buf[c]
        )
    count = counts.sum()
    out = np.empty((max(1, count), 2), dtype=np.int32)
    at = 0
    for c in range(n_chunks):
        k = counts[c]
        if k <= _CHUNK_PAIRS:
            out[at : at + k] = buf[c, :k]
        else:
            _sweep(
                order,
                key,
                ext,
                x,
                y,
                cos_yaw,
                sin_yaw,
                length,
                width,
                c * chunk,
                min(n, (c + 1) * chunk),
                out[at : at + k],
            )
        at += k
    pairs = out[:count]
    if count > 1:
        rank = np.argsort(pairs[:, 0].astype(np.int64) * n + pairs[:, 1], kind="mergesort")
        pairs = pairs[rank]
    return pairs, tested.sum()


@numba.njit(cache=True, inline="always")
def _sweep(order, key, ext, x, y, cos_yaw, sin_yaw, length, width, p0, p1, out):
    """Overlapping pairs of the agents at positions p0..p1-1 of the sorted grid order with
    those after them in the same or the next cell column (see _collisions_py), written to
    ``out`` as (min, max); ``ext``: (N, 2) half extents of each box along x and y. Returns
    (how many pairs there are -- which goes on past ``out``'s length, without writing, when
    it is full --, how many candidate pairs were tested).

    The pair test is written out here rather than in a helper taking the arrays: passing
    arrays to a helper per candidate pair costs reference counting (8x slower)."""
    n = order.shape[0]
    count = 0
    tested = 0
    q = p0  # start of the run of cells (col + 1, row - 1 ..): keys before p are < it
    for p in range(p0, p1):
        i = order[p]
        k = key[i]
        if k == _GRID_INACTIVE:
            break
        for run in range(2):
            if run == 0:  # same column: the rest of this cell and the cell above
                first = p + 1
                last_key = k + 1
            else:  # next column: rows - 1 .. + 1
                while q < n and key[order[q]] < k + _GRID_ROW - 1:
                    q += 1
                first = q
                last_key = k + _GRID_ROW + 1
            for r in range(first, n):
                j = order[r]
                if key[j] > last_key:
                    break
                tested += 1
                if (
                    abs(x[j] - x[i]) > ext[i, 0] + ext[j, 0]
                    or abs(y[j] - y[i]) > ext[i, 1] + ext[j, 1]
                ):
                    continue  # axis-aligned bounds apart (e.g. neighbours in adjacent lanes)
                if obb_overlap_cs(
                    x[i],
                    y[i],
                    cos_yaw[i],
                    sin_yaw[i],
                    length[i],
                    width[i],
                    x[j],
                    y[j],
                    cos_yaw[j],
                    sin_yaw[j],
                    length[j],
                    width[j],
                ):
                    if count < out.shape[0]:
                        out[count, 0] = min(i, j)
                        out[count, 1] = max(i, j)
                    count += 1
    return count, tested


@numba.njit(cache=True)
def _grid_keys(lo, hi, grid, boxes, cell, ext):
    """Agents lo..hi-1: half extents along x and y into ``ext`` and cell keys (``cell``
    [m] wide) into ``grid.key``; returns how many keys changed."""
    key = grid.key
    active, x, y, cos_yaw, sin_yaw = boxes.active, boxes.x, boxes.y, boxes.cos_yaw, boxes.sin_yaw
    length, width = boxes.length, boxes.width
    moved = 0
    for i in range(max(lo, 0), hi):
        if i >= key.shape[0]:  # a bound the compiler sees: a faster loop (docs/traffic.md)
            break
        k = _GRID_INACTIVE
        if active[i]:
            c = abs(cos_yaw[i])
            sn = abs(sin_yaw[i])
            ext[i, 0] = 0.5 * (length[i] * c + width[i] * sn)
            ext[i, 1] = 0.5 * (length[i] * sn + width[i] * c)
            col = int(math.floor(x[i] / cell)) + _GRID_OFFSET
            row = int(math.floor(y[i] / cell)) + _GRID_OFFSET
            k = col * _GRID_ROW + row
        if k != key[i]:
            moved += 1
            key[i] = k
    return moved


@numba.njit(cache=True)
def _sweep_piece(grid, boxes, ext, p0, p1, out):
    """_sweep on one piece of the order (a call of its own: what a threaded loop runs)."""
    return _sweep(
        grid.order,
        grid.key,
        ext,
        boxes.x,
        boxes.y,
        boxes.cos_yaw,
        boxes.sin_yaw,
        boxes.length,
        boxes.width,
        p0,
        p1,
        out,
    )


# the per-agent cell keys and the pieces of the sweep may run threaded
_collisions, _collisions_parallel = serial_and_threaded(_collisions_py, "_collisions")
