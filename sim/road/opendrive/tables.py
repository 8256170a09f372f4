"""Flat tables the OpenDRIVE kernels read, built once from the parsed records.

Road index r is the position of the road in ``OpenDrive.roads``. Every table is float64
unless it says int64.

* ``GeoTables``: ``geoms`` (n, G_COLS) one row per <geometry> (columns in
  :mod:`.geometry`), ``road_geoms`` (R, 2) int64 [first row, count], ``knots`` (m, 2)
  [p, s] arc-length knots of (param)poly3 rows, ``road_length`` (R,) [m].
* ``ProfileTables``: ``polys`` (P, 5) [s, a, b, c, d]; ``road_polys`` (R, 6) int64
  [first, count] of elevation, superelevation, laneOffset.
* ``LaneTables``: ``sections`` (S, 2) [s_start, s_end]; ``section_lanes`` (S, 3) int64
  [first lane row, lanes left, lanes right] (rows: left 1, 2, ..., then right -1, -2, ...);
  ``road_sections`` (R, 2) int64; ``lanes`` (L, 4) int64 [id, type code, first width row,
  width rows (negative: that many border rows)]; ``widths`` (W, 5) [sOffset, a, b, c, d].
* ``Grid``: reference-line chunks (C, 9) [road, s_a, s_b, geometry row, xa, ya, xb, yb,
  reach] (reach [m]: how far from the chord a/b the lanes' outer borders come, plus MARGIN)
  and a uniform grid over their lane-extended bounding boxes: ``spec`` [x0, y0, cell, nx,
  ny], ``cell_start`` (nx ny + 1,) int64 and ``cell_items`` (K,) int64 chunk ids (CSR).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from sim.road.opendrive import geometry as G
from sim.road.opendrive import kernels as K
from sim.road.opendrive.parse import LANE_TYPES, OpenDrive, Poly

CHUNK = 20.0  # [m] longest reference-line piece of one grid entry
CELL = 16.0  # [m] grid cell side
MAX_CELLS = 4_000_000  # (32 MB of cell index) the cell grows beyond CELL for very spread-out maps
MARGIN = 2.0  # [m] added around each chunk's box (widths bulge between samples)


class GeoTables(NamedTuple):
    geoms: np.ndarray
    road_geoms: np.ndarray
    knots: np.ndarray
    road_length: np.ndarray


class ProfileTables(NamedTuple):
    polys: np.ndarray
    road_polys: np.ndarray


class LaneTables(NamedTuple):
    sections: np.ndarray
    section_lanes: np.ndarray
    road_sections: np.ndarray
    lanes: np.ndarray
    widths: np.ndarray


class Grid(NamedTuple):
    chunks: np.ndarray
    spec: np.ndarray
    cell_start: np.ndarray
    cell_items: np.ndarray


_KIND = {"line": G.LINE, "arc": G.ARC, "spiral": G.SPIRAL, "poly3": G.POLY3}


def geo_tables(odr: OpenDrive) -> GeoTables:
    rows: list[np.ndarray] = []
    knots: list[np.ndarray] = []
    n_knots = 0
    road_geoms = np.zeros((len(odr.roads), 2), dtype=np.int64)
    for r, road in enumerate(odr.roads):
        road_geoms[r] = (len(rows), len(road.geometries))
        for g in road.geometries:
            row = np.zeros(G.G_COLS)
            row[[G.G_S0, G.G_X0, G.G_Y0, G.G_HDG, G.G_LEN]] = (g.s, g.x, g.y, g.hdg, g.length)
            row[G.G_KIND] = _KIND.get(g.kind, G.PARAM_POLY3)
            p_end: float | None
            if g.kind in ("line", "arc", "spiral"):
                row[G.G_P : G.G_P + len(g.params)] = g.params
            else:
                if g.kind == "poly3":
                    a, b, c, d = g.params
                    row[G.G_P : G.G_P + 8] = (0.0, 1.0, 0.0, 0.0, a, b, c, d)
                    p_end = None
                else:
                    row[G.G_P : G.G_P + 8] = g.params
                    p_end = 1.0 if g.normalized else g.length
                table, _ = G.poly_knots(row, p_end)
                row[G.G_KNOT0], row[G.G_NKNOT] = n_knots, len(table)
                knots.append(table)
                n_knots += len(table)
            G.prepare_row(row)
            rows.append(row)
    return GeoTables(
        np.array(rows, dtype=np.float64).reshape(-1, G.G_COLS),
        road_geoms,
        np.concatenate(knots) if knots else np.zeros((1, 2)),
        np.array([road.length for road in odr.roads], dtype=np.float64),
    )


def _poly_rows(polys: tuple[Poly, ...]) -> list[tuple[float, ...]]:
    return [(p.s, p.a, p.b, p.c, p.d) for p in polys]


def profile_tables(odr: OpenDrive) -> ProfileTables:
    rows: list[tuple[float, ...]] = []
    road_polys = np.zeros((len(odr.roads), 6), dtype=np.int64)
    for r, road in enumerate(odr.roads):
        for k, polys in enumerate((road.elevation, road.superelevation, road.lane_offsets)):
            road_polys[r, 2 * k : 2 * k + 2] = (len(rows), len(polys))
            rows += _poly_rows(polys)
    return ProfileTables(np.array(rows or [(0.0,) * 5], dtype=np.float64), road_polys)


def lane_tables(odr: OpenDrive) -> LaneTables:
    sections: list[tuple[float, float]] = []
    section_lanes: list[tuple[int, int, int]] = []
    lanes: list[tuple[int, int, int, int]] = []
    widths: list[tuple[float, ...]] = []
    road_sections = np.zeros((len(odr.roads), 2), dtype=np.int64)
    type_code = {name: i for i, name in enumerate(LANE_TYPES)}
    for r, road in enumerate(odr.roads):
        road_sections[r] = (len(sections), len(road.lane_sections))
        for k, sec in enumerate(road.lane_sections):
            end = road.lane_sections[k + 1].s if k + 1 < len(road.lane_sections) else road.length
            sections.append((sec.s, end))
            section_lanes.append((len(lanes), len(sec.left), len(sec.right)))
            for lane in (*sec.left, *sec.right):
                if lane.widths:
                    lanes.append((lane.id, type_code[lane.type], len(widths), len(lane.widths)))
                    widths += _poly_rows(lane.widths)
                else:
                    lanes.append((lane.id, type_code[lane.type], len(widths), -len(lane.borders)))
                    widths += _poly_rows(lane.borders)
    return LaneTables(
        np.array(sections, dtype=np.float64),
        np.array(section_lanes, dtype=np.int64),
        road_sections,
        np.array(lanes or [(0, 0, 0, 0)], dtype=np.int64),
        np.array(widths or [(0.0,) * 5], dtype=np.float64),
    )


def build_grid(geo: GeoTables, prof: ProfileTables, lanes: LaneTables, cell: float = CELL) -> Grid:
    """Chunks of at most CHUNK metres and the grid cells their lane-extended boxes touch."""
    chunk_rows = []
    for r in range(len(geo.road_geoms)):
        first, count = geo.road_geoms[r]
        end_of_road = geo.road_length[r]
        for gi in range(first, first + count):
            s0 = geo.geoms[gi, G.G_S0]
            s1 = geo.geoms[gi + 1, G.G_S0] if gi + 1 < first + count else end_of_road
            if s1 <= s0:
                continue
            n = max(1, math.ceil((s1 - s0) / CHUNK))
            edges = np.linspace(s0, s1, n + 1)
            for a, b in zip(edges[:-1], edges[1:], strict=True):
                chunk_rows.append((r, a, b, gi))
    base = np.array(chunk_rows, dtype=np.float64).reshape(-1, 4)
    samples = 5
    frac = np.linspace(0.0, 1.0, samples)
    s = (base[:, 1:2] + frac * (base[:, 2:3] - base[:, 1:2])).ravel()
    road = np.repeat(base[:, 0].astype(np.int64), samples)
    # outer borders at the samples (both sides), then the points on them
    right, left = _extents(lanes, prof, road, s)
    pts = []
    for t in (np.zeros_like(s), right, left):
        out = np.zeros((len(s), 4))
        K._st_to_world(geo, prof, road, s, t, out)
        pts.append(out[:, :2].reshape(-1, samples, 2))
    ref = pts[0]
    allp = np.concatenate(pts, axis=1)
    reach = _segment_distance(allp, ref[:, 0], ref[:, -1]).max(axis=1) + MARGIN
    chunks = np.concatenate((base, ref[:, 0], ref[:, -1], reach[:, None]), axis=1)
    lo = allp.min(axis=1) - MARGIN
    hi = allp.max(axis=1) + MARGIN
    x0, y0 = lo.min(axis=0) if len(lo) else (0.0, 0.0)
    x1, y1 = hi.max(axis=0) if len(hi) else (1.0, 1.0)
    while math.ceil((x1 - x0) / cell) * math.ceil((y1 - y0) / cell) > MAX_CELLS:
        cell *= 2.0
    nx, ny = max(1, math.ceil((x1 - x0) / cell)), max(1, math.ceil((y1 - y0) / cell))
    ix0 = np.floor((lo[:, 0] - x0) / cell).astype(np.int64)
    ix1 = np.minimum(np.floor((hi[:, 0] - x0) / cell).astype(np.int64), nx - 1)
    iy0 = np.floor((lo[:, 1] - y0) / cell).astype(np.int64)
    iy1 = np.minimum(np.floor((hi[:, 1] - y0) / cell).astype(np.int64), ny - 1)
    cells, items = [], []
    for c in range(len(chunks)):
        gx, gy = np.meshgrid(np.arange(ix0[c], ix1[c] + 1), np.arange(iy0[c], iy1[c] + 1))
        flat = (gy * nx + gx).ravel()
        cells.append(flat)
        items.append(np.full(len(flat), c, dtype=np.int64))
    cell_ids = np.concatenate(cells) if cells else np.zeros(0, dtype=np.int64)
    item_ids = np.concatenate(items) if items else np.zeros(0, dtype=np.int64)
    order = np.argsort(cell_ids, kind="stable")
    counts = np.bincount(cell_ids, minlength=nx * ny)
    cell_start = np.zeros(nx * ny + 1, dtype=np.int64)
    np.cumsum(counts, out=cell_start[1:])
    spec = np.array([x0, y0, cell, nx, ny], dtype=np.float64)
    return Grid(chunks, spec, cell_start, item_ids[order])


def _segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(C, k) distances of points p (C, k, 2) from the segments a -> b (C, 2)."""
    ab = (b - a)[:, None, :]
    ap = p - a[:, None, :]
    den = np.maximum((ab * ab).sum(axis=2), 1e-300)
    u = np.clip((ap * ab).sum(axis=2) / den, 0.0, 1.0)
    return np.hypot(*(ap - u[..., None] * ab).transpose(2, 0, 1))


def _extents(
    lanes: LaneTables, prof: ProfileTables, road: np.ndarray, s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    out = np.zeros((len(s), 2))
    K._road_extents(lanes, prof, road, s, out)
    return out[:, 0], out[:, 1]
