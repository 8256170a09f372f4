"""Numba kernels for lane coordinates on a reference line sampled every ``ds`` metres.

The reference line is stored as samples (x, y, heading) at s = k * ds. Between two samples
it is taken as the circular arc (or straight piece) that joins them with the sampled
headings, which is exact for lines made of straight and arc segments. World -> lane
searches a few intervals around a hint (agents move continuously, so the window stays
small); lane -> world offsets along the left normal. Naive twins: tests/naive.py.
"""

from __future__ import annotations

import math

import numba
import numpy as np

_STRAIGHT = 1e-9  # [1/m] curvature below which an interval is treated as straight


@numba.njit(cache=True)
def _wrap(a):
    return (a + math.pi) % (2.0 * math.pi) - math.pi


@numba.njit(cache=True)
def _lane_to_world_one(ref_x, ref_y, ref_h, ds, s, d):
    """(s, d) -> (x, y, heading) for one point; s outside the line extrapolates its ends."""
    n = ref_x.shape[0]
    k = int(math.floor(s / ds))
    if k < 0:
        k = 0
    if k > n - 2:
        k = n - 2
    u = s - k * ds
    h0 = ref_h[k]
    kappa = _wrap(ref_h[k + 1] - h0) / ds
    if abs(kappa) < _STRAIGHT or u < 0.0 or u > ds:
        x = ref_x[k] + u * math.cos(h0)
        y = ref_y[k] + u * math.sin(h0)
        h = h0
    else:
        h = h0 + kappa * u
        x = ref_x[k] + (math.sin(h) - math.sin(h0)) / kappa
        y = ref_y[k] - (math.cos(h) - math.cos(h0)) / kappa
    return x - d * math.sin(h), y + d * math.cos(h), h


@numba.njit(cache=True)
def _lane_to_world(ref_x, ref_y, ref_h, ds, s, d, out_x, out_y, out_h):
    for i in range(s.shape[0]):
        out_x[i], out_y[i], out_h[i] = _lane_to_world_one(ref_x, ref_y, ref_h, ds, s[i], d[i])


@numba.njit(cache=True)
def _project_interval(ax, ay, h0, kappa, ds, x, y):
    """Foot of (x, y) on one interval starting at (ax, ay) with heading h0 and curvature
    kappa: returns (u in [0, ds], signed offset d, squared distance to the foot)."""
    if abs(kappa) < _STRAIGHT:
        c = math.cos(h0)
        sn = math.sin(h0)
        u = (x - ax) * c + (y - ay) * sn
        d = -(x - ax) * sn + (y - ay) * c
        uc = min(max(u, 0.0), ds)
        return uc, d, (u - uc) ** 2 + d * d
    r = 1.0 / kappa
    cx = ax - r * math.sin(h0)
    cy = ay + r * math.cos(h0)
    rx = x - cx
    ry = y - cy
    dist = math.sqrt(rx * rx + ry * ry)
    dpsi = _wrap(math.atan2(ry, rx) - math.atan2(ay - cy, ax - cx))
    u = dpsi / kappa
    d = r - dist if kappa > 0 else dist - abs(r)
    if 0.0 <= u <= ds:
        return u, d, d * d
    uc = min(max(u, 0.0), ds)
    h = h0 + kappa * uc
    fx = ax + (math.sin(h) - math.sin(h0)) / kappa
    fy = ay - (math.cos(h) - math.cos(h0)) / kappa
    d_end = -(x - fx) * math.sin(h) + (y - fy) * math.cos(h)
    return uc, d_end, (x - fx) ** 2 + (y - fy) ** 2


@numba.njit(cache=True)
def _world_to_lane_one(ref_x, ref_y, ref_h, ds, x, y, s_hint, window):
    """Project (x, y) on the intervals within ``window`` samples of ``s_hint``.

    Returns (s, d): arc length of the foot point and signed offset (left positive).
    """
    n = ref_x.shape[0]
    k_hint = int(s_hint / ds)
    k0 = max(0, k_hint - window)
    k1 = min(n - 2, k_hint + window)
    best_d2 = np.inf
    best_s = 0.0
    best_d = 0.0
    for k in range(k0, k1 + 1):
        kappa = _wrap(ref_h[k + 1] - ref_h[k]) / ds
        u, d, d2 = _project_interval(ref_x[k], ref_y[k], ref_h[k], kappa, ds, x, y)
        if d2 < best_d2:
            best_d2 = d2
            best_s = k * ds + u
            best_d = d
    return best_s, best_d


@numba.njit(cache=True)
def _world_to_lane(ref_x, ref_y, ref_h, ds, x, y, s_hint, window, out_s, out_d):
    for i in range(x.shape[0]):
        out_s[i], out_d[i] = _world_to_lane_one(
            ref_x, ref_y, ref_h, ds, x[i], y[i], s_hint[i], window
        )


# --- fast path of the traffic step: closed-form geometry per segment ------------------------
# ``seg`` is Road.segment_table: one row per straight or arc segment, [s_start, x0, y0,
# cos h0, sin h0, curvature]. A handful of rows stays in L1 whatever the road's length, and
# positions come from exact formulas (no sampling error); a straight costs no trigonometry.
# The per-point helpers are inlined into the traffic step (inline="always") and take the
# rows of one road in a stacked table (``_rows``) rather than a slice of it: a slice is a
# new array whose reference counting cost more than the geometry.


@numba.njit(cache=True, inline="always")
def _segment_of_rows(seg, r0, r1, s):
    """Row of the segment holding arc length s among rows r0..r1-1 of ``seg`` (one road of
    a stacked table; the first/last of them beyond the road's ends)."""
    k = r0
    while k + 1 < r1 and seg[k + 1, 0] <= s:
        k += 1
    return k


@numba.njit(cache=True, inline="always")
def _segment_point(seg, k, u, d):
    """(x, y, cos h, sin h) at distance u along segment k (extended past its ends), offset d."""
    x0 = seg[k, 1]
    y0 = seg[k, 2]
    c0 = seg[k, 3]
    s0 = seg[k, 4]
    kappa = seg[k, 5]
    if abs(kappa) < _STRAIGHT:
        return x0 + u * c0 - d * s0, y0 + u * s0 + d * c0, c0, s0
    cu = math.cos(kappa * u)
    su = math.sin(kappa * u)
    c = c0 * cu - s0 * su  # cos(h0 + kappa u)
    sn = s0 * cu + c0 * su
    return x0 + (sn - s0) / kappa - d * sn, y0 - (c - c0) / kappa + d * c, c, sn


@numba.njit(cache=True, inline="always")
def _lane_to_world_xy_rows(seg, r0, r1, s, d):
    """(s, d) -> (x, y) for one point of the road in rows r0..r1-1 of a stacked table."""
    k = _segment_of_rows(seg, r0, r1, s)
    x, y, _, _ = _segment_point(seg, k, s - seg[k, 0], d)
    return x, y


@numba.njit(cache=True)
def _lane_to_world_xy(seg, s, d):
    """(s, d) -> (x, y) for one point, exact on straight and arc segments."""
    return _lane_to_world_xy_rows(seg, 0, seg.shape[0], s, d)


@numba.njit(cache=True, inline="always")
def _segment_foot(seg, k, x, y, u_ref):
    """Foot of (x, y) on segment k extended beyond its ends: (u unclamped, d).

    On an arc the angle is measured from the point at ``u_ref`` (near the answer), so arcs
    longer than half a turn stay unambiguous.
    """
    px = x - seg[k, 1]
    py = y - seg[k, 2]
    c0 = seg[k, 3]
    s0 = seg[k, 4]
    kappa = seg[k, 5]
    if abs(kappa) < _STRAIGHT:
        return px * c0 + py * s0, -px * s0 + py * c0
    r = 1.0 / kappa
    # centre relative to the segment start; radial vector of the reference point
    ox = -r * s0
    oy = r * c0
    cr = math.cos(kappa * u_ref)
    sr = math.sin(kappa * u_ref)
    ax = -ox * cr + oy * sr
    ay = -ox * sr - oy * cr
    rx = px - ox
    ry = py - oy
    dist = math.sqrt(rx * rx + ry * ry)
    dpsi = math.atan2(ax * ry - ay * rx, ax * rx + ay * ry)
    if kappa < 0.0:
        dpsi = -dpsi
    u = u_ref + abs(r) * dpsi
    d = r - dist if kappa > 0.0 else dist + r
    return u, d


@numba.njit(cache=True, inline="always")
def _world_to_lane_walk_rows(seg, r0, r1, x, y, s_hint):
    """(x, y) -> (s, d) on the road in rows r0..r1-1 of a stacked segment table, starting
    from the segment that holds ``s_hint`` and walking to a neighbour while the foot falls
    outside; the road's first and last segments extend it."""
    k = _segment_of_rows(seg, r0, r1, s_hint)
    direction = 0
    for _ in range(r1 - r0 + 1):
        length = seg[k + 1, 0] - seg[k, 0] if k + 1 < r1 else np.inf
        u_ref = min(max(s_hint - seg[k, 0], 0.0), length)
        u, d = _segment_foot(seg, k, x, y, u_ref)
        if u < 0.0 and k > r0 and direction <= 0:
            k -= 1
            direction = -1
        elif u > length and k + 1 < r1 and direction >= 0:
            k += 1
            direction = 1
        else:
            # walked over a joint and the point lies behind it: the foot is the joint
            if (direction > 0 and u < 0.0) or (direction < 0 and u > length):
                u = min(max(u, 0.0), length)
            return seg[k, 0] + u, d
    return seg[k, 0], 0.0  # pragma: no cover - the walk ends within r1 - r0 steps


@numba.njit(cache=True)
def _world_to_lane_walk(seg, x, y, s_hint):
    """(x, y) -> (s, d) on a road's own segment table (_world_to_lane_walk_rows)."""
    return _world_to_lane_walk_rows(seg, 0, seg.shape[0], x, y, s_hint)


@numba.njit(cache=True)
def _world_to_lane_fast(seg, x, y, s_hint, out_s, out_d):
    for i in range(x.shape[0]):
        out_s[i], out_d[i] = _world_to_lane_walk(seg, x[i], y[i], s_hint[i])


@numba.njit(cache=True)
def _lane_to_world_fast(seg, s, d, out_x, out_y):
    for i in range(s.shape[0]):
        out_x[i], out_y[i] = _lane_to_world_xy(seg, s[i], d[i])


@numba.njit(cache=True, inline="always")
def _lane_shift(table, lane, s):
    """On-ramp offset [m] of ``lane``'s centre at ``s`` (Road.lane_table rows [dir, start,
    end, taper, ramp_offset]): -ramp_offset before the taper, easing (quintic) to 0 at start."""
    start = table[lane, 1]
    taper = table[lane, 3]
    ramp = table[lane, 4]
    if ramp == 0.0 or s >= start:
        return 0.0
    u = min((start - s) / taper, 1.0)
    return -ramp * u * u * u * (10.0 + u * (-15.0 + 6.0 * u))
