"""Pieces the vehicle builders share (build time): wheels, wheel-arch notches, windows.

:func:`add_wheels` adds a tyre, rim and hub on both sides; :func:`arch_points` gives the
profile points of a wheel-arch notch; :func:`side_windows` cuts side-window polygons out of a
greenhouse profile; :func:`add_pane` lays a glass pane on a face of an extruded profile.
Used by :mod:`sim.assetgen.cars`, :mod:`sim.assetgen.trucks` and :mod:`sim.assetgen.buses`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import shapely.geometry as sg

from sim.assetgen.geometry import clean_polygon, cylinder, quad_slab
from sim.assetgen.parts import Parts


# =========================================================================== wheels
def add_wheels(
    p: Parts,
    x: float,
    y_out: float,
    r: float,
    width: float,
    rim_color,
    n: int = 16,
    rim_frac: float = 0.62,
    dual: bool = False,
) -> None:
    """A tyre (+ rim and hub) on both sides: tyre outer face at |y| = ``y_out``, axle at z = r."""
    widths = [width] if not dual else [width, width]
    y = y_out
    for k, w in enumerate(widths):
        yo, yi = y, y - w
        p.add_mirrored("tyre", cylinder((x, yi, r), (x, yo, r), r, n))
        if k == 0:
            p.add_mirrored(
                "rim", cylinder((x, yi - 0.004, r), (x, yo + 0.006, r), r * rim_frac, 12, phase=0.2)
            )
            p.add_mirrored("trim", cylinder((x, yo, r), (x, yo + 0.014, r), r * 0.16, 8))
        y = yi - 0.02


def arch_points(
    cx: float, cz: float, radius: float, z_cut: float, n: int = 9
) -> list[tuple[float, float]]:
    """Points of a wheel-arch notch (rear end to front end, over the top) cut down to ``z_cut``."""
    s = max(-1.0, min(1.0, (z_cut - cz) / radius))
    a0 = math.asin(s)  # angle of the front end (<= 0 when the cut is below the axle)
    angs = np.linspace(math.pi - a0, a0, n)
    return [(cx + radius * math.cos(a), cz + radius * math.sin(a)) for a in angs]


def _poly_pts(geom) -> list[np.ndarray]:
    """Exterior rings (N, 2) of the polygons in a shapely geometry, largest first."""
    if geom.is_empty:
        return []
    polys = (
        [geom]
        if geom.geom_type == "Polygon"
        else [g for g in getattr(geom, "geoms", []) if g.geom_type == "Polygon"]
    )
    polys = [g for g in polys if g.area > 1e-3]
    polys.sort(key=lambda g: -g.area)
    return [np.asarray(g.exterior.coords)[:-1] for g in polys]


def side_windows(
    profile: np.ndarray, frame: float, z_min: float, cuts: Sequence[tuple[float, float]]
) -> list[np.ndarray]:
    """Window polygons (x, z): ``profile`` inset by ``frame``, above ``z_min``, within x
    ``cuts``."""
    inner = sg.Polygon(profile).buffer(-frame, join_style="mitre")
    out = []
    for x0, x1 in cuts:
        if x1 - x0 < 0.08:
            continue
        clip = sg.box(x0, z_min, x1, 100.0)
        for pts in _poly_pts(inner.intersection(clip)):
            out.append(clean_polygon(pts))
    return out


def add_pane(
    p: Parts,
    p0,
    p1,
    half_width: Callable[[float], float],
    z_lo: float,
    z_hi: float,
    out: float = 0.012,
    inward: float = 0.02,
    part: str = "glass",
    color=None,
) -> None:
    """A pane lying on the face swept by the profile segment p0 -> p1 (x, z) across y.

    The segment is listed in the counter-clockwise order of its profile, so its outward
    normal is (dz, 0, -dx). The pane covers z in [z_lo, z_hi] and |y| <= half_width(z).
    """
    (x0, z0), (x1, z1) = p0, p1
    dx, dz = x1 - x0, z1 - z0

    def at(z):
        t = (z - z0) / dz if abs(dz) > 1e-9 else 0.0
        return x0 + t * dx

    xa, xb = at(z_lo), at(z_hi)
    wa, wb = half_width(z_lo), half_width(z_hi)
    quad = np.array([[xa, -wa, z_lo], [xa, wa, z_lo], [xb, wb, z_hi], [xb, -wb, z_hi]])
    p.add(part, quad_slab(quad, (dz, 0.0, -dx), out, inward), color)
