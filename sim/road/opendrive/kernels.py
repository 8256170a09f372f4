"""Numba kernels of the OpenDRIVE lane coordinates, over flat tables (:mod:`.tables`).

Every kernel loops over points; the tables are passed as NamedTuples of arrays (``geo``,
``prof``, ``lanes``, ``grid``, see :mod:`.tables` for their columns). Conventions:

* (s, t): s [m] along the road's reference line, t [m] to its left, measured in the road's
  cross-section plane (tilted by superelevation phi: a point at t lies t cos(phi) to the
  left and t sin(phi) above the reference line).
* heading [rad] is the reference line's, counter-clockwise from +x.
* lane ids as in OpenDRIVE: 1, 2, ... left of the centre lane, -1, -2, ... right; 0 means
  "not on a lane" (outside the road's outer lane borders).

Naive twins (tests/naive.py, "# ---- opendrive"): ``opendrive_st_to_world``,
``opendrive_reference_pose`` (of ``_reference_poses``), ``opendrive_lane_edges`` (of
``_lane_edges`` and ``_road_extents``), ``opendrive_world_to_st``.
"""

from __future__ import annotations

import math

import numba

from sim.road.opendrive.geometry import (
    ARC,
    G_COS,
    G_HDG,
    G_KIND,
    G_P,
    G_S0,
    G_SIN,
    G_X0,
    G_Y0,
    LINE,
    POLY3,
    geometry_pose,
    poly_arc_length_at,
    poly_derivatives,
    poly_param_at,
)

PROJECT_TOL = 1e-9  # [m] a start this close to the foot (along the line) counts as on it
ARC_ANALYTIC = 1e-6  # [1/m] arcs this curved are projected in closed form (radius < 1000 km)
FINAL_STEP = 1e-5  # [m] a Newton step this small is the last: it leaves ~ k step^2 / 2
PROJECT_ITERS = 12


@numba.njit(cache=True, inline="always")
def _last_at_or_before(col, start, count, s):
    """Index of the last row in col[start:start+count] with value <= s (first if none)."""
    lo = start
    hi = start + count - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if col[mid] <= s:
            lo = mid
        else:
            hi = mid - 1
    return lo


@numba.njit(cache=True)
def _poly(polys, start, count, s, base):
    """Piecewise cubic (rows [s, a, b, c, d]) at s; ``base`` is added to the row's s (the
    section start for widths). 0 with no rows."""
    if count == 0:
        return 0.0
    i = start
    if count > 1:
        lo = start
        hi = start + count - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if base + polys[mid, 0] <= s:
                lo = mid
            else:
                hi = mid - 1
        i = lo
    ds = s - (base + polys[i, 0])
    return polys[i, 1] + ds * (polys[i, 2] + ds * (polys[i, 3] + ds * polys[i, 4]))


@numba.njit(cache=True)
def _reference_pose(geo, road, s):
    """(x, y, heading, curvature) of ``road``'s reference line at s."""
    start = geo.road_geoms[road, 0]
    gi = _last_at_or_before(geo.geoms[:, G_S0], start, geo.road_geoms[road, 1], s)
    return geometry_pose(geo.geoms[gi], geo.knots, s)


@numba.njit(cache=True)
def _section_of(lanes, road, s):
    start = lanes.road_sections[road, 0]
    return _last_at_or_before(lanes.sections[:, 0], start, lanes.road_sections[road, 1], s)


@numba.njit(cache=True)
def _outer_border(lanes, row, inner, t_offset, s, s_section, sign):
    """t of the outer border of lane row ``row`` whose inner border is at ``inner``."""
    first = lanes.lanes[row, 2]
    n = lanes.lanes[row, 3]
    if n >= 0:
        return inner + sign * _poly(lanes.widths, first, n, s, s_section)
    return t_offset + _poly(lanes.widths, first, -n, s, s_section)


@numba.njit(cache=True)
def _edges(lanes, prof, road, s, lane_id):
    """(t_inner, t_outer) [m] of ``lane_id``'s borders at s (lane 0 / missing: (nan, nan))."""
    t_offset = _poly(prof.polys, prof.road_polys[road, 4], prof.road_polys[road, 5], s, 0.0)
    sec = _section_of(lanes, road, s)
    first = lanes.section_lanes[sec, 0]
    n_left = lanes.section_lanes[sec, 1]
    n_right = lanes.section_lanes[sec, 2]
    s_section = lanes.sections[sec, 0]
    if lane_id > 0 and lane_id <= n_left:
        row0, count, sign = first, lane_id, 1.0
    elif lane_id < 0 and -lane_id <= n_right:
        row0, count, sign = first + n_left, -lane_id, -1.0
    else:
        return math.nan, math.nan
    inner = t_offset
    outer = t_offset
    for k in range(count):
        inner = outer
        outer = _outer_border(lanes, row0 + k, inner, t_offset, s, s_section, sign)
    return inner, outer


@numba.njit(cache=True)
def _extent_and_lane(lanes, prof, road, s, t):
    """(t_right_outer, t_left_outer, lane id containing t or 0) at s."""
    t_offset = _poly(prof.polys, prof.road_polys[road, 4], prof.road_polys[road, 5], s, 0.0)
    sec = _section_of(lanes, road, s)
    first = lanes.section_lanes[sec, 0]
    n_left = lanes.section_lanes[sec, 1]
    n_right = lanes.section_lanes[sec, 2]
    s_section = lanes.sections[sec, 0]
    found = 0
    outer = t_offset
    for k in range(n_left):
        inner = outer
        outer = _outer_border(lanes, first + k, inner, t_offset, s, s_section, 1.0)
        if found == 0 and t >= min(inner, outer) and t <= max(inner, outer) and inner != outer:
            found = k + 1
    left = outer
    outer = t_offset
    for k in range(n_right):
        inner = outer
        outer = _outer_border(lanes, first + n_left + k, inner, t_offset, s, s_section, -1.0)
        if found == 0 and t >= min(inner, outer) and t <= max(inner, outer) and inner != outer:
            found = -(k + 1)
    return outer, left, found


@numba.njit(cache=True)
def _st_to_world(geo, prof, road, s, t, out):
    """(road index, s, t) -> out[i] = (x, y, z, heading) for every point i."""
    for i in range(road.shape[0]):
        r = road[i]
        x, y, h, _ = _reference_pose(geo, r, s[i])
        z = _poly(prof.polys, prof.road_polys[r, 0], prof.road_polys[r, 1], s[i], 0.0)
        phi = _poly(prof.polys, prof.road_polys[r, 2], prof.road_polys[r, 3], s[i], 0.0)
        lateral = t[i] * math.cos(phi)
        out[i, 0] = x - lateral * math.sin(h)
        out[i, 1] = y + lateral * math.cos(h)
        out[i, 2] = z + t[i] * math.sin(phi)
        out[i, 3] = h


@numba.njit(cache=True)
def _reference_poses(geo, road, s, out):
    """out[i] = (x, y, heading, curvature) of road[i]'s reference line at s[i]."""
    for i in range(road.shape[0]):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = _reference_pose(geo, road[i], s[i])


@numba.njit(cache=True)
def _lane_edges(lanes, prof, road, lane_id, s, out):
    """out[i] = (t_inner, t_outer) of lane ``lane_id[i]`` of ``road[i]`` at ``s[i]``."""
    for i in range(road.shape[0]):
        out[i, 0], out[i, 1] = _edges(lanes, prof, road[i], s[i], lane_id[i])


@numba.njit(cache=True, inline="always")
def _chord_distance(chunk, x, y):
    """Distance [m] of (x, y) from the chunk's chord (xa, ya) -> (xb, yb)."""
    dx = chunk[6] - chunk[4]
    dy = chunk[7] - chunk[5]
    c2 = dx * dx + dy * dy
    u = ((x - chunk[4]) * dx + (y - chunk[5]) * dy) / c2 if c2 > 0.0 else 0.0
    u = min(max(u, 0.0), 1.0)
    return math.hypot(x - chunk[4] - u * dx, y - chunk[5] - u * dy)


@numba.njit(cache=True)
def _project_arc(row, x, y, s_a, s_b):
    """_project for an arc, in closed form: the foot lies on the ray from the centre."""
    k = row[G_P]
    h0 = row[G_HDG]
    cx = row[G_X0] - row[G_SIN] / k
    cy = row[G_Y0] + row[G_COS] / k
    dist = math.hypot(x - cx, y - cy)
    # polar angle of the arc's point at ds: h0 -+ pi/2 + k ds (centre left for k > 0)
    base = h0 - 0.5 * math.pi if k > 0.0 else h0 + 0.5 * math.pi
    mid = 0.5 * (s_a + s_b) - row[G_S0]
    turn = math.atan2(y - cy, x - cx) - (base + k * mid)
    turn = (turn + math.pi) % (2.0 * math.pi) - math.pi
    s = row[G_S0] + mid + turn / k
    n = 1.0 / k - dist if k > 0.0 else dist + 1.0 / k
    return s, n, s >= s_a - 1e-7 and s <= s_b + 1e-7


@numba.njit(cache=True)
def _project_poly(geo, row, s, clamped, x, y, s_a, s_b):
    """_project for a (param)poly3 row: Newton in the curve parameter p (no arc-length
    inversion per step), then s from p once."""
    p = poly_param_at(row, geo.knots, s - row[G_S0])
    n = 0.0
    for it in range(PROJECT_ITERS):
        px, py, dx, dy, ddx, ddy = poly_derivatives(row, p)
        speed = math.sqrt(dx * dx + dy * dy)
        rx = x - px
        ry = y - py
        e = (rx * dx + ry * dy) / speed
        n = (-rx * dy + ry * dx) / speed
        if it == 0 and clamped * e > PROJECT_TOL:
            return s, n, False
        # Newton on g(p) = (P - X(p)).X'(p) = e |X'|: g' = (P - X).X'' - |X'|^2
        grad = speed * speed - (rx * ddx + ry * ddy)
        if grad < 0.2 * speed * speed:
            grad = 0.2 * speed * speed
        p += e * speed / grad
        if abs(e) < FINAL_STEP:
            s = row[G_S0] + poly_arc_length_at(row, geo.knots, p)
            return s, n, s >= s_a - 1e-7 and s <= s_b + 1e-7
    return s, n, False


@numba.njit(cache=True)
def _project(geo, chunk, x, y):
    """Foot of (x, y) on one chunk [road, s_a, s_b, row, xa, ya, xb, yb, reach] by Newton from
    the chord; returns (s, lateral offset, converged inside the chunk)."""
    s_a = chunk[1]
    s_b = chunk[2]
    row = geo.geoms[int(chunk[3])]
    dx = chunk[6] - chunk[4]
    dy = chunk[7] - chunk[5]
    c2 = dx * dx + dy * dy
    u = ((x - chunk[4]) * dx + (y - chunk[5]) * dy) / c2 if c2 > 0.0 else 0.0
    clamped = -1 if u < 0.0 else (1 if u > 1.0 else 0)
    u = min(max(u, 0.0), 1.0)
    s = s_a + u * (s_b - s_a)
    if row[G_KIND] >= POLY3:
        return _project_poly(geo, row, s, clamped, x, y, s_a, s_b)
    if row[G_KIND] == LINE:
        rx = x - row[G_X0]
        ry = y - row[G_Y0]
        s = row[G_S0] + rx * row[G_COS] + ry * row[G_SIN]
        return s, -rx * row[G_SIN] + ry * row[G_COS], s >= s_a - 1e-7 and s <= s_b + 1e-7
    if row[G_KIND] == ARC and abs(row[G_P]) > ARC_ANALYTIC:
        return _project_arc(row, x, y, s_a, s_b)
    n = 0.0
    for it in range(PROJECT_ITERS):
        xr, yr, h, k = geometry_pose(row, geo.knots, s)
        ch = math.cos(h)
        sh = math.sin(h)
        e = (x - xr) * ch + (y - yr) * sh
        n = -(x - xr) * sh + (y - yr) * ch
        if it == 0 and clamped * e > PROJECT_TOL:
            return s, n, False  # beyond the chord's end and the foot lies further out
        denom = 1.0 - k * n
        if denom < 0.2:  # past the centre of curvature: damp the step
            denom = 0.2
        s += e / denom
        if abs(e) < FINAL_STEP:  # the step left an error ~ k e^2 < 1e-11 m: done
            return s, n, s >= s_a - 1e-7 and s <= s_b + 1e-7
        if s < s_a - 1.0 or s > s_b + 1.0:
            return s, n, False
    return s, n, False


@numba.njit(cache=True)
def _world_to_st(geo, prof, lanes, grid, x, y, out_road, out_st, out_lane):
    """(x, y) -> road index (-1: no road near), (s, t) and lane id (0: off the lanes).

    Candidates are the reference-line chunks of the point's grid cell; the answer is the
    foot that lies on a road's lanes, nearest its reference line; if none does, the foot
    nearest the lanes' outer border."""
    x0, y0, cell = grid.spec[0], grid.spec[1], grid.spec[2]
    nx = int(grid.spec[3])
    ny = int(grid.spec[4])
    for i in range(x.shape[0]):
        out_road[i] = -1
        out_st[i, 0] = math.nan
        out_st[i, 1] = math.nan
        out_lane[i] = 0
        cx = int(math.floor((x[i] - x0) / cell))
        cy = int(math.floor((y[i] - y0) / cell))
        if cx < 0 or cy < 0 or cx >= nx or cy >= ny:
            continue
        c = cy * nx + cx
        best_out = math.inf
        best_abs = math.inf
        for j in range(grid.cell_start[c], grid.cell_start[c + 1]):
            chunk = grid.chunks[grid.cell_items[j]]
            if _chord_distance(chunk, x[i], y[i]) > chunk[8]:
                continue  # beyond every lane of this chunk
            s, n, ok = _project(geo, chunk, x[i], y[i])
            if not ok:
                continue
            r = int(chunk[0])
            s = min(max(s, chunk[1]), chunk[2])
            phi = _poly(prof.polys, prof.road_polys[r, 2], prof.road_polys[r, 3], s, 0.0)
            t = n / math.cos(phi)
            if best_out == 0.0 and abs(t) >= best_abs:
                continue  # already on a lane nearer its reference line
            right, left, lane = _extent_and_lane(lanes, prof, r, s, t)
            outside = max(right - t, t - left, 0.0)
            if outside < best_out or (outside == best_out and abs(t) < best_abs):
                best_out = outside
                best_abs = abs(t)
                out_road[i] = r
                out_st[i, 0] = s
                out_st[i, 1] = t
                out_lane[i] = lane


@numba.njit(cache=True)
def _road_extents(lanes, prof, road, s, out):
    """out[i] = (t of the right outer border, t of the left outer border) at s[i]."""
    for i in range(road.shape[0]):
        out[i, 0], out[i, 1], _ = _extent_and_lane(lanes, prof, road[i], s[i], 0.0)
