"""Roadside scenery (build time): trees and buildings.

:func:`build_tree` (round, conifer, columnar, spreading; lumps from a fixed seed) and
:func:`build_building` (a :class:`BuildingShape`: footprint, floors, roof, windows), with
:data:`TREE_VARIANTS` and :data:`BUILDING_VARIANTS` in catalog order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely.geometry as sg
import trimesh

from sim.assetgen.geometry import (
    Prim,
    box,
    clean_polygon,
    cone,
    cylinder,
    ellipsoid,
    frustum,
    prism,
    quad_slab,
)
from sim.assetgen.parts import Parts


def _shade(c, k: float):
    """Colour ``c`` (rgb/rgba) scaled by ``k`` (clipped), as RGBA."""
    c = tuple(c)
    rgb = [int(round(min(255.0, max(0.0, x * k)))) for x in c[:3]]
    return (*rgb, c[3] if len(c) == 4 else 255)


def _blob(
    center, radii, rng: np.random.Generator, bump: float = 0.15, n_lon: int = 12, n_lat: int = 7
) -> Prim:
    """Ellipsoid with every vertex pushed radially by up to ``bump`` (still star-shaped, so
    still closed and outward)."""
    e = ellipsoid((0.0, 0.0, 0.0), radii, n_lon, n_lat)
    k = 1.0 + rng.uniform(-bump, bump, size=(len(e.v), 1))
    return Prim(e.v * k + np.asarray(center, dtype=np.float64), e.f)


def build_tree(
    *,
    style: str,
    height: float,
    crown: float,
    trunk_radius: float = 0.15,
    seed: int = 0,
    leaf=(70, 110, 45),
) -> dict[str, trimesh.Trimesh]:
    """A tree: ``bark`` trunk + ``foliage`` crown. style: "round" (broadleaf, a few lumpy blobs),
    "conifer" (stacked cones), "columnar" (poplar-like) or "spreading" (wide flat crown).
    height [m] overall; crown: crown diameter; seed: the lumps' RNG seed (deterministic)."""
    rng = np.random.default_rng(seed)
    p = Parts()
    leafc = np.array(leaf, dtype=np.float64)

    def shade():
        return _shade(leafc, float(rng.uniform(0.85, 1.12)))

    if style == "conifer":
        p.add(
            "bark", frustum((0, 0, 0), (0, 0, height * 0.35), trunk_radius, trunk_radius * 0.7, 8)
        )
        n = 4
        z0 = height * 0.18
        for k in range(n):
            f = k / n
            base_z = z0 + (height - z0) * f * 0.78
            r = crown / 2 * (1.0 - 0.7 * f)
            tip = (
                base_z + (height - z0) * (0.42 if k < n - 1 else height - base_z)
                if k == n - 1
                else base_z + (height - z0) * 0.4
            )
            tip = min(tip, height)
            p.add("foliage", cone((0, 0, base_z), (0, 0, tip), r, 10), shade())
        return p.meshes()
    trunk_h = {"round": 0.45, "columnar": 0.25, "spreading": 0.5}[style] * height
    p.add("bark", frustum((0, 0, 0), (0, 0, trunk_h + 0.4), trunk_radius, trunk_radius * 0.6, 8))
    R = crown / 2
    ch = height - trunk_h  # crown height
    if style == "columnar":
        p.add("foliage", _blob((0, 0, trunk_h + ch * 0.5), (R, R, ch * 0.5), rng, 0.1), shade())
        p.add(
            "foliage",
            _blob(
                (0.1 * R, 0.1 * R, trunk_h + ch * 0.35),
                (R * 0.9, R * 0.9, ch * 0.32),
                rng,
                0.12,
                10,
                6,
            ),
            shade(),
        )
    else:
        flat = 0.55 if style == "spreading" else 0.85
        zc = trunk_h + ch * 0.5
        p.add(
            "foliage", _blob((0, 0, zc), (R * 0.72, R * 0.72, ch * 0.5 * flat / 0.85), rng), shade()
        )
        n = 4 if style == "round" else 5
        for k in range(n):
            a = 2 * math.pi * (k + rng.uniform(-0.15, 0.15)) / n
            rr = R * 0.45
            d = R - rr
            c = (d * math.cos(a), d * math.sin(a), zc + rng.uniform(-0.15, 0.2) * ch * flat)
            p.add("foliage", _blob(c, (rr, rr, min(rr, ch * 0.35)), rng, 0.14, 10, 6), shade())
        for _k in range(2 if style == "round" else 0):
            a = rng.uniform(0, 2 * math.pi)
            p.add(
                "bark",
                cylinder(
                    (0, 0, trunk_h * 0.8),
                    (0.5 * R * math.cos(a), 0.5 * R * math.sin(a), trunk_h + ch * 0.3),
                    trunk_radius * 0.35,
                    5,
                ),
            )
    return p.meshes()


TREE_VARIANTS = [
    dict(style="round", height=7.0, crown=5.0, trunk_radius=0.18, seed=11),
    dict(style="round", height=5.0, crown=3.6, trunk_radius=0.13, seed=12, leaf=(95, 125, 50)),
    dict(style="conifer", height=9.0, crown=3.8, trunk_radius=0.2, seed=13, leaf=(40, 80, 45)),
    dict(style="columnar", height=11.0, crown=2.6, trunk_radius=0.17, seed=14, leaf=(80, 115, 45)),
    dict(style="spreading", height=8.0, crown=7.5, trunk_radius=0.25, seed=15, leaf=(60, 100, 40)),
]


@dataclass(frozen=True, kw_only=True)
class BuildingShape:
    """A building block: one variant of :func:`build_building`.

    footprint: polygon (x, y) [m], extruded ``floors * floor_height`` high (``wall`` colour);
    roof: "flat" (with parapet) or "gable" (along x, ``gable_height`` high); ``window`` panes
    ``window_width`` x ``window_height`` every ``bay`` on every facade (or one ribbon per floor
    when ``ribbon``); ``shop``: large ground floor windows. Colours are RGB.
    """

    footprint: Sequence[tuple[float, float]]
    floors: int
    floor_height: float = 3.0
    roof: str = "flat"
    wall: tuple[int, int, int] = (190, 180, 165)
    roof_color: tuple[int, int, int] = (110, 70, 60)
    window: tuple[int, int, int] = (70, 90, 110)
    window_width: float = 1.2
    window_height: float = 1.4
    bay: float = 3.0
    ribbon: bool = False
    shop: bool = False
    gable_height: float = 2.5


def build_building(building: BuildingShape) -> dict[str, trimesh.Trimesh]:
    """A building block (see :class:`BuildingShape`): walls, roof and windows on every facade.
    The entrance (``trim`` door) is on the -y facade (the street side)."""
    p = Parts()
    fp = clean_polygon(np.asarray(building.footprint, dtype=np.float64))
    H = building.floors * building.floor_height
    p.add("wall", prism(fp, 0.0, H, "xy"), building.wall)
    if building.roof == "flat":
        poly = sg.Polygon(fp).buffer(0.15, join_style="mitre")
        outer = clean_polygon(np.asarray(poly.exterior.coords)[:-1])
        p.add("roof", prism(outer, H, H + 0.25, "xy"), building.roof_color)
        inner = clean_polygon(
            np.asarray(sg.Polygon(fp).buffer(-0.6, join_style="mitre").exterior.coords)[:-1]
        )
        lo, hi = inner.min(axis=0), inner.max(axis=0)
        cx, cy = (lo + hi) / 2
        p.add(
            "metal",
            box((cx - 1.0, cy - 0.8, H + 0.25), (cx + 1.0, cy + 0.8, H + 1.2)),
            (150, 150, 150),
        )
    elif building.roof == "gable":
        lo, hi = fp.min(axis=0), fp.max(axis=0)
        y0, y1 = lo[1] - 0.35, hi[1] + 0.35
        tri = np.array([(y0, H - 0.1), (y1, H - 0.1), ((y0 + y1) / 2, H + building.gable_height)])
        p.add("roof", prism(tri, lo[0] - 0.3, hi[0] + 0.3, "yz"), building.roof_color)
        gt = np.array(
            [
                (lo[1], H - 0.2),
                (hi[1], H - 0.2),
                ((lo[1] + hi[1]) / 2, H + building.gable_height - 0.25),
            ]
        )
        p.add("wall", prism(gt, lo[0], hi[0], "yz"), building.wall)
    else:
        raise ValueError(f"unknown roof {building.roof!r}")
    # windows on every edge of the footprint (CCW: outward normal is to the right of the edge)
    n = len(fp)
    door_done = False
    for i in range(n):
        a, b = fp[i], fp[(i + 1) % n]
        e = b - a
        elen = float(np.linalg.norm(e))
        t = e / elen
        nrm = np.array([t[1], -t[0]])
        street = nrm[1] < -0.9  # facade facing -y
        for fl in range(building.floors):
            z0 = (
                fl * building.floor_height + (building.floor_height - building.window_height) * 0.55
            )
            if fl == 0 and building.shop and street:
                z0 = 0.4
                zt = building.floor_height - 0.35
            else:
                zt = z0 + building.window_height
            if building.ribbon and not (fl == 0 and building.shop and street):
                spans = [(0.6, elen - 0.6)]
            else:
                nb = max(1, int((elen - 0.6) / building.bay))
                spans = []
                for k in range(nb):
                    cpos = 0.3 + (elen - 0.6) * (k + 0.5) / nb
                    ww = min(
                        building.window_width
                        if not (fl == 0 and building.shop and street)
                        else building.bay - 0.5,
                        (elen - 0.6) / nb - 0.3,
                    )
                    spans.append((cpos - ww / 2, cpos + ww / 2))
            for k, (s0, s1) in enumerate(spans):
                if fl == 0 and street and not door_done and k == len(spans) // 2 and len(spans) > 1:
                    door_done = True
                    q0, q1 = a + t * s0, a + t * s1
                    quad = np.array(
                        [
                            [q0[0], q0[1], 0.0],
                            [q1[0], q1[1], 0.0],
                            [q1[0], q1[1], 2.3],
                            [q0[0], q0[1], 2.3],
                        ]
                    )
                    p.add("trim", quad_slab(quad, (nrm[0], nrm[1], 0.0), 0.04, 0.02), (60, 45, 35))
                    continue
                q0, q1 = a + t * s0, a + t * s1
                quad = np.array(
                    [[q0[0], q0[1], z0], [q1[0], q1[1], z0], [q1[0], q1[1], zt], [q0[0], q0[1], zt]]
                )
                p.add("window", quad_slab(quad, (nrm[0], nrm[1], 0.0), 0.03, 0.02), building.window)
    return p.meshes()


def _rect(lx: float, ly: float) -> list[tuple[float, float]]:
    return [(-lx / 2, -ly / 2), (lx / 2, -ly / 2), (lx / 2, ly / 2), (-lx / 2, ly / 2)]


BUILDING_VARIANTS = [
    BuildingShape(
        footprint=_rect(10.0, 8.0),
        floors=2,
        roof="gable",
        wall=(225, 215, 195),
        roof_color=(140, 60, 45),
        window=(60, 80, 100),
        gable_height=3.0,
    ),
    BuildingShape(
        footprint=_rect(24.0, 12.0), floors=5, wall=(190, 170, 150), window=(65, 85, 105), shop=True
    ),
    BuildingShape(
        footprint=_rect(18.0, 16.0),
        floors=10,
        floor_height=3.5,
        wall=(150, 160, 170),
        window=(40, 60, 80),
        ribbon=True,
        shop=True,
        roof_color=(90, 90, 95),
    ),
    BuildingShape(
        footprint=[(-10, -9), (10, -9), (10, 9), (2, 9), (2, -1), (-10, -1)],
        floors=4,
        wall=(200, 195, 185),
        window=(70, 90, 110),
        roof_color=(100, 100, 105),
    ),
    BuildingShape(
        footprint=_rect(14.0, 10.0),
        floors=3,
        wall=(170, 90, 70),
        window=(55, 70, 90),
        roof_color=(80, 80, 85),
        shop=True,
    ),
]
