"""``python -m sim bench opendrive``: importing a large OpenDRIVE network and querying it.

A network of ``--km`` kilometres (default 50) is generated as an .xodr file: roads of
100-140 m on a 200 m lattice, each a chain of 2-4 geometries drawn from line, arc, spiral,
poly3 and paramPoly3, with two lane sections of three lanes a side (cubic widths), a lane
offset, elevation and superelevation. Timed in this process:

* ``import``: ``load_opendrive(path)`` -- read, parse, flatten into tables, build the grid
  (the Numba cache warmed first by loading a small file);
* ``st_to_world`` and ``world_to_st``: ``--queries`` random points on the lanes, one
  vectorised kernel call each;
* the reference: what a Python tool commonly does, a dense polyline per road (0.5 m
  samples) queried with shapely 2's vectorised ``line_interpolate_point`` and
  ``STRtree.query_nearest`` + ``line_locate_point``; its worst position error against the
  exact answer is printed beside it.

Each figure is the best of ``--repeats`` runs. Output: one JSON line, then one line in
words with the issue-18 targets (import <= 5 s for 50 km; >= 1 M position queries/s).
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import shapely

from sim.bench.traffic import load_average
from sim.road.opendrive import OpenDriveNetwork, load_opendrive
from sim.road.opendrive import geometry as G
from sim.seeding import child_rng, root_seed

DESCRIPTION = "OpenDRIVE import time of a 50 km network and (s,t)<->world queries/s vs shapely"
IMPORT_TARGET = 5.0  # [s] issue 18: a 50 km network
QUERY_TARGET = 1e6  # [queries/s] issue 18
LATTICE = 200.0  # [m] between road starts
SAMPLE = 0.5  # [m] the reference polyline's spacing


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--km", type=float, default=50.0, help="network length (default 50)")
    parser.add_argument("--queries", type=int, default=1_000_000, help="points per query run")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per figure; best counts")
    parser.add_argument("--seed", type=int, default=0)


# ---------------------------------------------------------------------------- network
def _lanes(rng: np.random.Generator, length: float) -> str:
    def side(sign: int, s_len: float) -> str:
        out = []
        ids = range(1, 4) if sign > 0 else range(-1, -4, -1)
        for lane_id, kind in zip(ids, ("driving", "driving", "shoulder"), strict=True):
            w0 = 3.25 + 0.5 * rng.random() if kind == "driving" else 1.5
            w1 = w0 + rng.uniform(-0.3, 0.3)
            c = 3 * (w1 - w0) / s_len**2
            d = -2 * (w1 - w0) / s_len**3
            out.append(
                f'<lane id="{lane_id}" type="{kind}" level="false">'
                f'<width sOffset="0" a="{w0!r}" b="0" c="{c!r}" d="{d!r}"/>'
                f'<roadMark sOffset="0" type="broken" color="white" width="0.12"/></lane>'
            )
        return "".join(out if sign > 0 else out)

    half = length / 2
    sections = []
    for s0, s_len in ((0.0, half), (half, length - half)):
        sections.append(
            f'<laneSection s="{s0!r}"><left>{side(1, s_len)}</left>'
            f'<center><lane id="0" type="none"/></center><right>{side(-1, s_len)}</right>'
            "</laneSection>"
        )
    offset = f'<laneOffset s="0" a="0" b="{rng.uniform(-0.005, 0.005)!r}" c="0" d="0"/>'
    return f"<lanes>{offset}{''.join(sections)}</lanes>"


def _geometry_row(kind: str, params: tuple[float, ...], length: float) -> tuple[np.ndarray, str]:
    row = np.zeros(G.G_COLS)
    row[G.G_LEN] = length
    if kind == "line":
        return row, "<line/>"
    if kind == "arc":
        row[G.G_KIND], row[G.G_P] = G.ARC, params[0]
        return row, f'<arc curvature="{params[0]!r}"/>'
    if kind == "spiral":
        row[G.G_KIND], row[G.G_P : G.G_P + 2] = G.SPIRAL, params
        return row, f'<spiral curvStart="{params[0]!r}" curvEnd="{params[1]!r}"/>'
    row[G.G_KIND] = G.PARAM_POLY3
    if kind == "poly3":
        row[G.G_P : G.G_P + 8] = (0.0, 1.0, 0.0, 0.0, *params)
        a, b, c, d = params
        return row, f'<poly3 a="{a!r}" b="{b!r}" c="{c!r}" d="{d!r}"/>'
    row[G.G_P : G.G_P + 8] = params
    names = ("aU", "bU", "cU", "dU", "aV", "bV", "cV", "dV")
    attrs = " ".join(f'{k}="{v!r}"' for k, v in zip(names, params, strict=True))
    return row, f'<paramPoly3 {attrs} pRange="normalized"/>'


def _road(
    rng: np.random.Generator, road_id: int, x: float, y: float, h: float
) -> tuple[str, float]:
    """One road of 2-4 random geometries from (x, y, h): its XML and its length [m]."""
    geoms, s = [], 0.0
    for _ in range(int(rng.integers(2, 5))):
        kind = str(rng.choice(["line", "arc", "spiral", "poly3", "paramPoly3"]))
        length = float(rng.uniform(25.0, 40.0))
        params: tuple[float, ...] = ()
        if kind == "arc":
            params = (float(rng.uniform(-0.01, 0.01)),)
        elif kind == "spiral":
            params = (float(rng.uniform(-0.005, 0.005)), float(rng.uniform(-0.01, 0.01)))
        elif kind == "poly3":
            params = (0.0, 0.0, float(rng.uniform(-1e-3, 1e-3)), float(rng.uniform(-1e-5, 1e-5)))
        elif kind == "paramPoly3":
            bend = float(rng.uniform(-2.0, 2.0))
            params = (0.0, length, 0.0, 0.0, 0.0, 0.0, bend, -bend / 3)
        row, body = _geometry_row(kind, params, length)
        if kind in ("poly3", "paramPoly3"):
            knots, true_length = G.poly_knots(row, None if kind == "poly3" else 1.0)
            length = true_length if kind == "paramPoly3" else length
            row[G.G_LEN] = length
            row[G.G_KNOT0], row[G.G_NKNOT] = 0, len(knots)
        else:
            knots = np.zeros((1, 2))
        geoms.append(
            f'<geometry s="{s!r}" x="{x!r}" y="{y!r}" hdg="{h!r}" length="{length!r}">'
            f"{body}</geometry>"
        )
        row[[G.G_S0, G.G_X0, G.G_Y0, G.G_HDG]] = (s, x, y, h)
        G.prepare_row(row)
        x, y, h, _ = G.geometry_pose(row, knots, s + length)
        s += length
    return (
        f'<road id="{road_id}" length="{s!r}" junction="-1"><planView>{"".join(geoms)}'
        f'</planView><elevationProfile><elevation s="0" a="{rng.uniform(0, 5)!r}" '
        f'b="{rng.uniform(-0.03, 0.03)!r}" c="0" d="0"/></elevationProfile><lateralProfile>'
        f'<superelevation s="0" a="{rng.uniform(-0.04, 0.04)!r}" b="0" c="0" d="0"/>'
        f"</lateralProfile>{_lanes(rng, s)}</road>"
    ), s


def make_network_xodr(km: float, rng: np.random.Generator) -> tuple[str, float]:
    """An .xodr document of about ``km`` kilometres of roads (and its exact length [m])."""
    roads, total = [], 0.0
    side = max(1, math.ceil(math.sqrt(km * 1000.0 / 120.0)))
    i = 0
    while total < km * 1000.0:
        gx, gy = i % side, i // side
        xml, length = _road(rng, i + 1, gx * LATTICE, gy * LATTICE, float(rng.uniform(-0.4, 0.4)))
        roads.append(xml)
        total += length
        i += 1
    head = '<?xml version="1.0"?>\n<OpenDRIVE><header revMajor="1" revMinor="6" name="bench"/>'
    return head + "\n".join(roads) + "</OpenDRIVE>\n", total


# ---------------------------------------------------------------------------- queries
def _random_points(net: OpenDriveNetwork, n: int, rng: np.random.Generator):
    lengths = net.geo.road_length
    road = rng.choice(len(lengths), n, p=lengths / lengths.sum()).astype(np.int64)
    s = rng.uniform(0.001, 0.999, n) * lengths[road]
    lane = rng.choice(np.array([-2, -1, 1, 2]), n)
    edges = net.lane_edges(road, lane, s)
    t = edges[:, 0] + rng.uniform(0.05, 0.95, n) * (edges[:, 1] - edges[:, 0])
    return road, s, t


T = TypeVar("T")


def _best(fn: Callable[[], T], repeats: int) -> tuple[float, T]:
    """Best wall time [s] of ``repeats`` (>= 1) calls of ``fn``, and its last result."""
    best = math.inf
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


class _Polylines:
    """The reference: each road's reference line as a 0.5 m shapely polyline."""

    def __init__(self, net: OpenDriveNetwork) -> None:
        lines = []
        for r, length in enumerate(net.geo.road_length):
            s = np.linspace(0.0, length, max(2, int(length / SAMPLE) + 1))
            xy = net.to_world(np.full(len(s), r), s, 0.0)[:, :2]
            lines.append(shapely.LineString(xy))
        self.lines = np.array(lines, dtype=object)
        self.tree = shapely.STRtree(self.lines)

    def st_to_world(self, road, s, t):
        lines = self.lines[road]
        a = shapely.get_coordinates(shapely.line_interpolate_point(lines, s))
        b = shapely.get_coordinates(shapely.line_interpolate_point(lines, s + 0.05))
        h = np.arctan2(b[:, 1] - a[:, 1], b[:, 0] - a[:, 0])
        return a[:, 0] - t * np.sin(h), a[:, 1] + t * np.cos(h)

    def world_to_st(self, x, y):
        pts = shapely.points(x, y)
        idx_pt, idx_line = self.tree.query_nearest(pts, return_distance=False, all_matches=False)
        road = np.full(len(x), -1)
        road[idx_pt] = idx_line
        s = shapely.line_locate_point(self.lines[road], pts)
        return road, s


def run(args) -> int:
    rng = child_rng(root_seed(args.seed), "bench-opendrive")
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="sim-bench-odr-") as tmp:
        small, _ = make_network_xodr(0.3, rng)
        (Path(tmp) / "small.xodr").write_text(small, encoding="utf-8")
        load_opendrive(Path(tmp) / "small.xodr")  # warm the Numba cache
        text, total = make_network_xodr(args.km, rng)
        path = Path(tmp) / "network.xodr"
        path.write_text(text, encoding="utf-8")
        import_s, net = _best(lambda: load_opendrive(path), args.repeats)
        size = path.stat().st_size
    road, s, t = _random_points(net, args.queries, rng)
    net.to_world(road[:10], s[:10], t[:10])
    st_s, world = _best(lambda: net.to_world(road, s, t), args.repeats)
    x, y = np.ascontiguousarray(world[:, 0]), np.ascontiguousarray(world[:, 1])  # type: ignore[index]
    ws_s, back = _best(lambda: net.to_road(x, y), args.repeats)
    round_trip = float(np.max(np.hypot(back.s - s, back.t - t)[back.road == road]))  # type: ignore[attr-defined]
    same_road = float(np.mean(back.road == road))  # type: ignore[attr-defined]
    ref = _Polylines(net)
    n_ref = min(args.queries, 200_000)
    ref_st_s, ref_xy = _best(lambda: ref.st_to_world(road[:n_ref], s[:n_ref], t[:n_ref]), 1)
    ref_ws_s, ref_back = _best(lambda: ref.world_to_st(x[:n_ref], y[:n_ref]), 1)
    ref_err = float(np.max(np.hypot(ref_xy[0] - x[:n_ref], ref_xy[1] - y[:n_ref])))  # type: ignore[index]
    n = args.queries
    result = {
        "bench": "opendrive",
        "km": round(total / 1000.0, 3),
        "roads": len(net.odr.roads),
        "geometries": int(len(net.geo.geoms)),
        "file_bytes": size,
        "import_s": round(import_s, 4),
        "st_to_world_per_s": round(n / st_s),
        "world_to_st_per_s": round(n / ws_s),
        "ref_st_to_world_per_s": round(n_ref / ref_st_s),
        "ref_world_to_st_per_s": round(n_ref / ref_ws_s),
        "st_to_world_ratio": round((n / st_s) / (n_ref / ref_st_s), 2),
        "world_to_st_ratio": round((n / ws_s) / (n_ref / ref_ws_s), 2),
        "round_trip_max_m": round_trip,
        "round_trip_same_road": same_road,
        "ref_st_to_world_max_error_m": ref_err,
        "load_before": load_before,
        "load_after": load_average(),
    }
    print(json.dumps(result))
    ok_import = import_s <= IMPORT_TARGET * total / 50_000.0
    ok_query = min(n / st_s, n / ws_s) >= QUERY_TARGET
    print(
        f"opendrive: {total / 1000:.1f} km ({len(net.odr.roads)} roads) imported in "
        f"{import_s:.2f} s (target <= {IMPORT_TARGET:g} s for 50 km: "
        f"{'met' if ok_import else 'MISSED'}); s,t->world {n / st_s / 1e6:.2f} M/s "
        f"({result['st_to_world_ratio']}x shapely polylines), world->s,t {n / ws_s / 1e6:.2f} M/s "
        f"({result['world_to_st_ratio']}x), target >= 1 M/s: {'met' if ok_query else 'MISSED'}; "
        f"round trip within {round_trip:.1e} m; the polyline reference is off by up to "
        f"{ref_err:.1e} m"
    )
    return 0
