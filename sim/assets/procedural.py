"""Procedural builders for every asset class, and the table of variants per class.

Conventions (see docs/assets.md):

* Units are metres, angles radians. Every builder works in the asset frame: x forward,
  y left, z up, ground at z = 0, roughly centred in x and y. :func:`finalize` then scales by at
  most a millimetre per side and translates so that the axis-aligned bounds are exactly
  ``[[-l/2, -w/2, 0], [l/2, w/2, h]]`` with ``l, w, h`` multiples of 1/512 m (exact in float32,
  so the GLB round trip keeps them exact).
* A builder takes explicit keyword parameters (proportions, colours) and returns
  ``dict[str, trimesh.Trimesh]``: part name -> all faces of that part, each part made of
  closed, outward-wound components with per-face RGBA colours. ``paint`` faces get a neutral
  default colour; the runtime recolours them.
* Anything random takes an explicit ``seed``; nothing here reads global state or time.

Builders: :func:`build_car` (sedan, hatchback, suv, van, pickup), :func:`build_truck`,
:func:`build_bus`, :func:`build_motorcycle`, :func:`build_bicycle`, :func:`build_pedestrian`,
:func:`build_traffic_cone`, :func:`build_barrier`, :func:`build_traffic_light`,
:func:`build_sign`, :func:`build_street_lamp`, :func:`build_tree`, :func:`build_building`; road
debris and animals in :mod:`sim.assets.edge`.
The variant tables are :data:`ASSETS` (asset name -> :class:`AssetSpec`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely.geometry as sg
import trimesh

from sim.assets.edge import (
    BALL_PAINT,
    BALL_VARIANTS,
    BOX_VARIANTS,
    DEER_VARIANTS,
    DOG_VARIANTS,
    PALLET_VARIANTS,
    TIRE_VARIANTS,
    build_ball,
    build_cardboard_box,
    build_pallet,
    build_quadruped,
    build_tire,
)
from sim.assets.geometry import (
    Prim,
    box,
    clean_polygon,
    cone,
    cylinder,
    ellipsoid,
    frustum,
    hexa,
    prism,
    quad_slab,
    torus,
)
from sim.assets.humanoid import Body, add_person, rider_joints, walk_joints
from sim.assets.parts import Parts

GRID = 1.0 / 512.0
"""Asset sizes are snapped to multiples of this [m]."""

Y = (0.0, 1.0, 0.0)


def _shade(c, k: float):
    """Colour ``c`` (rgb/rgba) scaled by ``k`` (clipped), as RGBA."""
    c = tuple(c)
    rgb = [int(round(min(255.0, max(0.0, x * k)))) for x in c[:3]]
    return (*rgb, c[3] if len(c) == 4 else 255)


# =========================================================================== wheels
def _wheel(
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


def _arch(
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


def _side_windows(
    profile: np.ndarray, frame: float, z_min: float, cuts: Sequence[tuple[float, float]]
) -> list[np.ndarray]:
    """Window polygons (x, z): ``profile`` inset by ``frame``, above ``z_min``, within x ``cuts``."""
    inner = sg.Polygon(profile).buffer(-frame, join_style="mitre")
    out = []
    for x0, x1 in cuts:
        if x1 - x0 < 0.08:
            continue
        clip = sg.box(x0, z_min, x1, 100.0)
        for pts in _poly_pts(inner.intersection(clip)):
            out.append(clean_polygon(pts))
    return out


def _segment_glass(
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


# =========================================================================== cars
def build_car(
    *,
    length: float,
    width: float,
    roof_height: float,
    clearance: float,
    wheel_radius: float,
    tyre_width: float,
    wheelbase: float,
    front_overhang: float,
    nose_height: float,
    belt_height: float,
    hood_length: float,
    windshield_run: float,
    roof_length: float,
    rear_style: str = "notch",
    deck_height: float | None = None,
    bed_length: float = 0.0,
    tumblehome: float = 0.12,
    shoulder: float = 0.05,
    pillars: Sequence[float] = (0.5,),
    glass_windows: int = 99,
    tail_light_height: float = 0.14,
    rim_color=(178, 180, 184),
    roof_rails: bool = False,
    rear_plate_yellow: bool = False,
    dark_bumpers: bool = False,
) -> dict[str, trimesh.Trimesh]:
    """A passenger car, SUV, van or pickup made from a side profile extruded across the width.

    Lengths in metres, x forward (front bumper at +length/2), ground at z = 0.

    length, width: body (without mirrors, which add ~0.1 m per side); roof_height: top of roof;
    clearance: underbody height; wheel_radius, tyre_width; wheelbase; front_overhang: front
    bumper to front axle; nose_height: top of the front face; belt_height: bottom of the side
    windows (the hood rises to it at the windshield base); hood_length: front to windshield
    base; windshield_run: horizontal run of the windshield; roof_length: flat roof.
    rear_style: "notch" (sedan: sloped rear window then trunk lid at ``deck_height``),
    "hatch" (sloped tailgate to the rear), "box" (near-vertical tailgate: SUV, van) or "bed"
    (pickup: cab then an open bed of ``bed_length``). tumblehome: fraction by which the
    greenhouse narrows from belt to roof; shoulder: inset of the greenhouse from the body
    side; pillars: B/C-pillar positions as fractions of the roof from its front edge;
    glass_windows: side windows (front to rear) that are glass, the rest stay body panels.
    """
    L, W = length, width
    xF, xR = L / 2.0, -L / 2.0
    c = clearance
    r = wheel_radius
    xf = xF - front_overhang
    xr = xf - wheelbase
    ra = r + 0.05  # arch radius
    zb = belt_height
    zn = nose_height
    zr = roof_height
    zg0 = zb - 0.02
    x_ws = xF - hood_length
    x_rf = x_ws - windshield_run
    x_rr = x_rf - roof_length
    deck = zb if deck_height is None else deck_height
    p = Parts()

    # ---- lower body profile (x, z), counter-clockwise: bottom rear -> front -> top -> rear
    prof: list[tuple[float, float]] = [(xR + 0.22, c)]
    prof += _arch(xr, r, ra, c)
    prof += _arch(xf, r, ra, c)
    prof += [(xF - 0.2, c), (xF - 0.03, c + 0.1), (xF, c + 0.22), (xF, zn - 0.08), (xF - 0.08, zn)]
    for t in (0.35, 0.7):
        xh = xF - 0.08 - t * (xF - 0.08 - x_ws)
        prof.append((xh, zn + (zb - zn) * (1.0 - (1.0 - t) ** 2)))
    prof.append((x_ws, zb))
    if rear_style == "notch":
        x_rw = x_rr - (x_rr - (xR + 0.35)) * 0.55  # rear window base
        x_rw = min(x_rw, x_rr - 0.3)
        prof += [(x_rw, zb), (xR + 0.12, deck), (xR + 0.02, deck - 0.04), (xR, deck - 0.1)]
        z_rear_top = deck - 0.1
    elif rear_style in ("hatch", "box"):
        x_rw = xR + (0.06 if rear_style == "box" else 0.1)
        prof += [(xR + 0.04, zb), (xR, zb - 0.06)]
        z_rear_top = zb - 0.06
    elif rear_style == "bed":
        x_cab = x_rr - 0.08
        x_rw = x_cab
        z_floor = max(c + 0.45, r + ra + 0.07)
        prof += [(x_cab, zb), (x_cab, z_floor), (xR, z_floor)]
        z_rear_top = z_floor
    else:
        raise ValueError(f"unknown rear_style {rear_style!r}")
    prof += [(xR, c + 0.22), (xR + 0.04, c + 0.1)]
    p.add("paint", prism(np.array(prof), -W / 2, W / 2, "xz"))

    # ---- greenhouse, narrowing towards the roof (tumblehome)
    hw = W / 2 - shoulder
    if rear_style == "bed":
        x_rr_g, x_rw_g = x_cab + 0.06, x_cab
    else:
        x_rr_g, x_rw_g = x_rr, x_rw
    green = np.array(
        [
            (x_rw_g, zg0),
            (x_ws, zg0),
            (x_rf, zr - 0.035),
            (x_rf - 0.12, zr),
            (x_rr_g + 0.1, zr),
            (x_rr_g, zr - 0.035),
        ]
    )

    def taper_s(z):
        return 1.0 - tumblehome * np.clip((z - zg0) / (zr - zg0), 0.0, 1.0)

    def taper(v):
        v[:, 1] *= taper_s(v[:, 2])
        return v

    p.add("paint", prism(green, -hw, hw, "xz").mapped(taper))

    # ---- glass: windshield, rear window, side windows
    def half(z, margin=0.06):
        return hw * taper_s(z) - margin

    z_lo, z_hi = zb + 0.03, zr - 0.07
    _segment_glass(p, (x_ws, zg0), (x_rf, zr - 0.035), half, z_lo, z_hi)
    _segment_glass(
        p,
        (x_rr_g, zr - 0.035),
        (x_rw_g, zg0),
        half,
        z_lo + (0.02 if rear_style == "box" else 0.0),
        z_hi,
    )
    xs = [x_rf - f * (x_rf - x_rr_g) for f in pillars]
    bounds = [x_ws + 1.0] + xs + [x_rw_g - 1.0]
    cuts = [(bounds[i + 1] + 0.045, bounds[i] - 0.045) for i in range(len(bounds) - 1)]
    # cuts are front to rear; frame = pillar/roof margin
    wins = _side_windows(green, 0.055, zb + 0.03, cuts)
    for i, win in enumerate(wins):
        if i >= glass_windows:
            break
        slab = prism(win, hw - 0.03, hw + 0.012, "xz").mapped(taper)
        p.add_mirrored("glass", slab)

    # ---- lights, grille, bumpers, plates, mirrors, sills, wheel wells
    hl_w = min(0.32, W * 0.18)
    p.add_mirrored(
        "light_front",
        box((xF - 0.09, W / 2 - 0.05 - hl_w, zn - 0.21), (xF + 0.012, W / 2 + 0.006, zn - 0.095)),
    )
    p.add(
        "trim",
        box(
            (xF - 0.04, -(W / 2 - 0.08 - hl_w), zn - 0.25),
            (xF + 0.008, W / 2 - 0.08 - hl_w, zn - 0.11),
        ),
    )
    zbump0 = max(0.12, c - 0.03)
    bumper = "trim" if dark_bumpers else "paint"
    p.add(bumper, box((xF - 0.28, -W / 2 - 0.01, c + 0.05), (xF + 0.035, W / 2 + 0.01, c + 0.22)))
    p.add(bumper, box((xR - 0.035, -W / 2 - 0.01, c + 0.05), (xR + 0.28, W / 2 + 0.01, c + 0.22)))
    p.add("trim", box((xF - 0.26, -W / 2 + 0.02, zbump0), (xF + 0.02, W / 2 - 0.02, c + 0.06)))
    p.add("trim", box((xR - 0.02, -W / 2 + 0.02, zbump0), (xR + 0.26, W / 2 - 0.02, c + 0.06)))
    zp = c + 0.115
    p.add("plate", box((xF + 0.03, -0.26, zp - 0.055), (xF + 0.045, 0.26, zp + 0.055)))
    rear_plate_col = (240, 200, 30, 255) if rear_plate_yellow else None
    zrp = c + 0.3
    if rear_style == "bed":
        zrp = c + 0.28
    p.add(
        "plate",
        box((xR - 0.02, -0.26, zrp - 0.055), (xR + 0.03, 0.26, zrp + 0.055)),
        rear_plate_col,
    )
    tl_w = min(0.3, W * 0.16)
    ztl_top = z_rear_top - 0.02 if rear_style != "bed" else zb - 0.06
    tl_body_top = ztl_top
    if rear_style == "bed":
        # tail lights on the bed walls (vertical)
        p.add_mirrored(
            "light_rear",
            box((xR - 0.014, W / 2 - 0.12, z_floor + 0.05), (xR + 0.08, W / 2 + 0.006, zb - 0.08)),
        )
    else:
        p.add_mirrored(
            "light_rear",
            box(
                (xR - 0.012, W / 2 - 0.04 - tl_w, tl_body_top - tail_light_height),
                (xR + 0.1, W / 2 + 0.006, tl_body_top),
            ),
        )
    mx = x_ws - 0.1
    p.add_mirrored(
        "paint", box((mx - 0.09, hw - 0.02, zb + 0.03), (mx + 0.03, W / 2 + 0.1, zb + 0.14))
    )
    p.add_mirrored(
        "glass", box((mx - 0.1, W / 2 - 0.01, zb + 0.045), (mx - 0.08, W / 2 + 0.085, zb + 0.125))
    )
    p.add_mirrored(
        "trim",
        box((xr + ra + 0.03, W / 2 - 0.03, c - 0.01), (xf - ra - 0.03, W / 2 + 0.008, c + 0.05)),
    )
    for xa in (xr, xf):
        p.add(
            "trim",
            box(
                (xa - ra + 0.03, -(W / 2 - tyre_width - 0.08), r - 0.05),
                (xa + ra - 0.03, W / 2 - tyre_width - 0.08, r + ra + 0.03),
            ),
        )
    if roof_rails:
        p.add_mirrored(
            "trim",
            box(
                (x_rr_g + 0.1, hw * (1 - tumblehome) - 0.12, zr - 0.01),
                (x_rf - 0.15, hw * (1 - tumblehome) - 0.07, zr + 0.05),
            ),
        )

    # ---- pickup bed: side walls, tailgate, dark liner
    if rear_style == "bed":
        p.add_mirrored("paint", box((xR, W / 2 - 0.06, z_floor - 0.01), (x_cab - 0.02, W / 2, zb)))
        p.add(
            "paint", box((xR, -W / 2 + 0.06, z_floor - 0.01), (xR + 0.06, W / 2 - 0.06, zb - 0.02))
        )
        p.add(
            "trim",
            box(
                (xR + 0.06, -W / 2 + 0.06, z_floor - 0.02),
                (x_cab - 0.02, W / 2 - 0.06, z_floor + 0.015),
            ),
        )

    # ---- wheels
    _wheel(p, xf, W / 2 - 0.03, r, tyre_width, rim_color)
    _wheel(p, xr, W / 2 - 0.03, r, tyre_width, rim_color)
    return p.meshes()


def _car(**kw) -> dict:
    return kw


CAR_PAINT = [
    [235, 235, 232],
    [245, 245, 245],
    [20, 20, 22],
    [40, 42, 46],
    [150, 152, 156],
    [110, 112, 116],
    [190, 192, 195],
    [25, 45, 95],
    [40, 80, 160],
    [150, 20, 25],
    [200, 30, 30],
    [30, 70, 45],
    [120, 95, 70],
    [200, 185, 150],
    [230, 190, 40],
    [210, 100, 30],
    [80, 20, 35],
    [70, 110, 140],
]
VAN_PAINT = [
    [245, 245, 245],
    [235, 235, 232],
    [190, 192, 195],
    [120, 122, 126],
    [25, 30, 40],
    [30, 60, 130],
    [160, 25, 25],
    [230, 200, 40],
    [40, 90, 60],
]
TRUCK_PAINT = [
    [245, 245, 245],
    [200, 30, 30],
    [30, 70, 150],
    [40, 110, 60],
    [235, 190, 30],
    [230, 110, 20],
    [40, 40, 45],
    [150, 152, 156],
]
BUS_PAINT = [
    [245, 245, 240],
    [235, 200, 30],
    [200, 30, 30],
    [40, 90, 170],
    [40, 130, 80],
    [230, 110, 20],
    [120, 122, 126],
]
TWO_WHEEL_PAINT = [
    [20, 20, 22],
    [200, 30, 30],
    [30, 70, 160],
    [240, 240, 240],
    [40, 120, 60],
    [230, 110, 20],
    [150, 152, 156],
    [235, 190, 30],
    [90, 30, 100],
]

SEDAN_VARIANTS = [
    _car(
        length=4.62,
        width=1.80,
        roof_height=1.44,
        clearance=0.15,
        wheel_radius=0.32,
        tyre_width=0.22,
        wheelbase=2.72,
        front_overhang=0.92,
        nose_height=0.74,
        belt_height=0.95,
        hood_length=1.25,
        windshield_run=0.72,
        roof_length=1.05,
        rear_style="notch",
        deck_height=0.99,
        pillars=(0.5,),
    ),
    _car(
        length=4.95,
        width=1.86,
        roof_height=1.46,
        clearance=0.14,
        wheel_radius=0.34,
        tyre_width=0.24,
        wheelbase=2.92,
        front_overhang=0.95,
        nose_height=0.76,
        belt_height=0.97,
        hood_length=1.4,
        windshield_run=0.78,
        roof_length=1.1,
        rear_style="notch",
        deck_height=1.02,
        pillars=(0.45,),
        rim_color=(70, 72, 76),
    ),
    _car(
        length=4.35,
        width=1.74,
        roof_height=1.42,
        clearance=0.15,
        wheel_radius=0.31,
        tyre_width=0.2,
        wheelbase=2.6,
        front_overhang=0.86,
        nose_height=0.72,
        belt_height=0.93,
        hood_length=1.12,
        windshield_run=0.68,
        roof_length=1.0,
        rear_style="notch",
        deck_height=0.98,
        pillars=(0.52,),
        rim_color=(200, 202, 205),
        tumblehome=0.14,
    ),
    _car(
        length=4.75,
        width=1.84,
        roof_height=1.38,
        clearance=0.13,
        wheel_radius=0.335,
        tyre_width=0.24,
        wheelbase=2.85,
        front_overhang=0.9,
        nose_height=0.7,
        belt_height=0.92,
        hood_length=1.35,
        windshield_run=0.85,
        roof_length=0.8,
        rear_style="notch",
        deck_height=0.96,
        pillars=(0.55,),
        rim_color=(40, 40, 42),
        tumblehome=0.16,
    ),
]
HATCH_VARIANTS = [
    _car(
        length=4.05,
        width=1.76,
        roof_height=1.47,
        clearance=0.15,
        wheel_radius=0.31,
        tyre_width=0.2,
        wheelbase=2.55,
        front_overhang=0.84,
        nose_height=0.74,
        belt_height=0.96,
        hood_length=1.0,
        windshield_run=0.72,
        roof_length=1.25,
        rear_style="hatch",
        pillars=(0.42,),
    ),
    _car(
        length=3.7,
        width=1.66,
        roof_height=1.5,
        clearance=0.15,
        wheel_radius=0.29,
        tyre_width=0.18,
        wheelbase=2.4,
        front_overhang=0.72,
        nose_height=0.72,
        belt_height=0.94,
        hood_length=0.85,
        windshield_run=0.68,
        roof_length=1.15,
        rear_style="hatch",
        pillars=(0.45,),
        rim_color=(60, 62, 66),
    ),
    _car(
        length=4.3,
        width=1.8,
        roof_height=1.45,
        clearance=0.14,
        wheel_radius=0.325,
        tyre_width=0.22,
        wheelbase=2.65,
        front_overhang=0.88,
        nose_height=0.74,
        belt_height=0.97,
        hood_length=1.1,
        windshield_run=0.75,
        roof_length=1.2,
        rear_style="hatch",
        pillars=(0.4, 0.82),
        tumblehome=0.14,
    ),
    _car(
        length=4.6,
        width=1.8,
        roof_height=1.49,
        clearance=0.15,
        wheel_radius=0.32,
        tyre_width=0.22,
        wheelbase=2.7,
        front_overhang=0.9,
        nose_height=0.74,
        belt_height=0.96,
        hood_length=1.15,
        windshield_run=0.75,
        roof_length=1.75,
        rear_style="box",
        pillars=(0.32, 0.68),
        roof_rails=True,
        rim_color=(200, 202, 205),
    ),
]
SUV_VARIANTS = [
    _car(
        length=4.6,
        width=1.88,
        roof_height=1.7,
        clearance=0.21,
        wheel_radius=0.37,
        tyre_width=0.24,
        wheelbase=2.75,
        front_overhang=0.92,
        nose_height=0.95,
        belt_height=1.12,
        hood_length=1.2,
        windshield_run=0.7,
        roof_length=1.6,
        rear_style="box",
        pillars=(0.36, 0.78),
        roof_rails=True,
        tumblehome=0.1,
        tail_light_height=0.2,
    ),
    _car(
        length=4.9,
        width=1.95,
        roof_height=1.8,
        clearance=0.23,
        wheel_radius=0.39,
        tyre_width=0.26,
        wheelbase=2.9,
        front_overhang=0.92,
        nose_height=1.02,
        belt_height=1.2,
        hood_length=1.3,
        windshield_run=0.65,
        roof_length=1.8,
        rear_style="box",
        pillars=(0.33, 0.7),
        roof_rails=True,
        tumblehome=0.08,
        tail_light_height=0.22,
        rim_color=(70, 72, 76),
    ),
    _car(
        length=4.3,
        width=1.8,
        roof_height=1.62,
        clearance=0.19,
        wheel_radius=0.35,
        tyre_width=0.22,
        wheelbase=2.62,
        front_overhang=0.86,
        nose_height=0.9,
        belt_height=1.08,
        hood_length=1.1,
        windshield_run=0.72,
        roof_length=1.35,
        rear_style="hatch",
        pillars=(0.42, 0.85),
        tumblehome=0.12,
        tail_light_height=0.18,
    ),
    _car(
        length=4.75,
        width=1.9,
        roof_height=1.72,
        clearance=0.22,
        wheel_radius=0.38,
        tyre_width=0.25,
        wheelbase=2.85,
        front_overhang=0.88,
        nose_height=0.98,
        belt_height=1.14,
        hood_length=1.25,
        windshield_run=0.75,
        roof_length=1.45,
        rear_style="hatch",
        pillars=(0.38, 0.8),
        tumblehome=0.12,
        tail_light_height=0.2,
        rim_color=(200, 202, 205),
    ),
]
VAN_VARIANTS = [
    # panel van: glass only in the cab doors
    _car(
        length=5.9,
        width=2.0,
        roof_height=2.45,
        clearance=0.2,
        wheel_radius=0.36,
        tyre_width=0.22,
        wheelbase=3.66,
        front_overhang=1.0,
        nose_height=0.95,
        belt_height=1.15,
        hood_length=0.85,
        windshield_run=0.75,
        roof_length=4.05,
        rear_style="box",
        pillars=(0.16,),
        glass_windows=1,
        dark_bumpers=True,
        tumblehome=0.04,
        shoulder=0.03,
        tail_light_height=0.3,
        rim_color=(60, 62, 66),
    ),
    # minibus: windows all along
    _car(
        length=5.3,
        width=1.95,
        roof_height=2.0,
        clearance=0.19,
        wheel_radius=0.34,
        tyre_width=0.22,
        wheelbase=3.2,
        front_overhang=0.95,
        nose_height=0.95,
        belt_height=1.1,
        hood_length=0.9,
        windshield_run=0.8,
        roof_length=3.3,
        rear_style="box",
        pillars=(0.18, 0.5, 0.8),
        tumblehome=0.05,
        shoulder=0.03,
        tail_light_height=0.3,
    ),
    # compact van
    _car(
        length=4.5,
        width=1.82,
        roof_height=1.85,
        clearance=0.17,
        wheel_radius=0.32,
        tyre_width=0.2,
        wheelbase=2.78,
        front_overhang=0.86,
        nose_height=0.86,
        belt_height=1.05,
        hood_length=0.95,
        windshield_run=0.8,
        roof_length=2.4,
        rear_style="box",
        pillars=(0.22, 0.6),
        glass_windows=2,
        tumblehome=0.06,
        shoulder=0.035,
        tail_light_height=0.26,
        rim_color=(70, 72, 76),
    ),
    # long high-roof van
    _car(
        length=6.6,
        width=2.02,
        roof_height=2.7,
        clearance=0.21,
        wheel_radius=0.37,
        tyre_width=0.23,
        wheelbase=4.3,
        front_overhang=1.0,
        nose_height=0.98,
        belt_height=1.18,
        hood_length=0.85,
        windshield_run=0.78,
        roof_length=4.75,
        rear_style="box",
        pillars=(0.14,),
        glass_windows=1,
        dark_bumpers=True,
        tumblehome=0.03,
        shoulder=0.03,
        tail_light_height=0.32,
    ),
]
PICKUP_VARIANTS = [
    _car(
        length=5.3,
        width=1.9,
        roof_height=1.8,
        clearance=0.24,
        wheel_radius=0.38,
        tyre_width=0.25,
        wheelbase=3.1,
        front_overhang=0.9,
        nose_height=1.05,
        belt_height=1.2,
        hood_length=1.35,
        windshield_run=0.7,
        roof_length=1.45,
        rear_style="bed",
        dark_bumpers=True,
        pillars=(0.5,),
        tumblehome=0.08,
    ),
    _car(
        length=5.8,
        width=2.0,
        roof_height=1.9,
        clearance=0.26,
        wheel_radius=0.4,
        tyre_width=0.27,
        wheelbase=3.6,
        front_overhang=0.95,
        nose_height=1.12,
        belt_height=1.28,
        hood_length=1.5,
        windshield_run=0.72,
        roof_length=1.35,
        rear_style="bed",
        pillars=(0.55,),
        tumblehome=0.07,
        rim_color=(70, 72, 76),
    ),
    _car(
        length=5.0,
        width=1.82,
        roof_height=1.75,
        clearance=0.23,
        wheel_radius=0.37,
        tyre_width=0.24,
        wheelbase=3.0,
        front_overhang=0.88,
        nose_height=1.0,
        belt_height=1.16,
        hood_length=1.3,
        windshield_run=0.7,
        roof_length=0.95,
        rear_style="bed",
        dark_bumpers=True,
        pillars=(0.99,),
        tumblehome=0.08,
        rim_color=(200, 202, 205),
    ),
]


# =========================================================================== trucks
def _truck_cab(
    p: Parts,
    *,
    xF: float,
    W: float,
    cab_length: float,
    cab_height: float,
    cab_floor: float,
    xf: float,
    r: float,
    windshield_base: float,
    rake: float = 0.18,
) -> float:
    """Cab-over cab at the front (front face at x = xF); returns the x of its back wall."""
    xb = xF - cab_length
    ra = r + 0.06
    zc = cab_floor
    prof = [(xb, zc)]
    if xf - ra > xb + 0.05:
        prof += _arch(xf, r, ra, zc)
    prof += [
        (xF - 0.06, zc),
        (xF, zc + 0.12),
        (xF, windshield_base),
        (xF - rake, cab_height - 0.12),
        (xF - rake - 0.12, cab_height),
        (xb, cab_height),
    ]
    hw = W / 2
    p.add("paint", prism(np.array(prof), -hw, hw, "xz"))
    # windshield
    _segment_glass(
        p,
        (xF, windshield_base),
        (xF - rake, cab_height - 0.12),
        lambda z: hw - 0.1,
        windshield_base + 0.05,
        cab_height - 0.2,
    )
    # door windows
    z0, z1 = windshield_base + 0.05, cab_height - 0.22
    t = (z1 - windshield_base) / (cab_height - 0.12 - windshield_base)
    xfr0 = xF - 0.14
    xfr1 = xF - rake * t - 0.14
    win = np.array([(xb + 0.55, z0), (xfr0, z0), (xfr1, z1), (xb + 0.55, z1)])
    p.add_mirrored("glass", prism(win, hw - 0.02, hw + 0.012, "xz"))
    # grille, lights, bumper, plate
    p.add(
        "trim",
        box((xF - 0.03, -hw + 0.35, zc + 0.5), (xF + 0.01, hw - 0.35, windshield_base - 0.12)),
    )
    p.add("trim", box((xF - 0.25, -hw - 0.01, zc - 0.15), (xF + 0.06, hw + 0.01, zc + 0.3)))
    p.add_mirrored(
        "light_front", box((xF + 0.02, hw - 0.42, zc + 0.08), (xF + 0.075, hw - 0.1, zc + 0.24))
    )
    p.add("plate", box((xF + 0.06, -0.26, zc - 0.08), (xF + 0.07, 0.26, zc + 0.03)))
    # mirrors on arms
    p.add_mirrored(
        "trim",
        box(
            (xF - 0.22, hw - 0.02, windshield_base + 0.25),
            (xF - 0.17, hw + 0.16, windshield_base + 0.3),
        ),
    )
    p.add_mirrored(
        "trim",
        box(
            (xF - 0.24, hw + 0.12, windshield_base - 0.05),
            (xF - 0.16, hw + 0.18, windshield_base + 0.4),
        ),
    )
    p.add_mirrored(
        "glass",
        box(
            (xF - 0.26, hw + 0.125, windshield_base - 0.03),
            (xF - 0.24, hw + 0.175, windshield_base + 0.38),
        ),
    )
    # step / wheel arch liner
    p.add(
        "trim",
        box((xf - ra + 0.03, -hw + 0.35, r - 0.05), (xf + ra - 0.03, hw - 0.35, r + ra + 0.03)),
    )
    return xb


def build_truck(
    *,
    length: float,
    width: float = 2.5,
    height: float,
    cab_length: float = 2.1,
    cab_height: float = 2.9,
    cab_floor: float = 0.95,
    windshield_base: float = 1.75,
    wheel_radius: float = 0.48,
    tyre_width: float = 0.3,
    wheelbase: float,
    front_overhang: float = 1.3,
    rear_axles: int = 1,
    axle_spacing: float = 1.35,
    body: str = "box",
    body_color=(236, 236, 236),
    body_floor: float = 1.15,
    side_walls: float = 1.0,
) -> dict[str, trimesh.Trimesh]:
    """A rigid lorry: cab-over cab (``paint``) + chassis + cargo body, x forward.

    length, width, height: overall body (cargo body top = height; mirrors add ~0.18 m a side);
    cab_length/cab_height/cab_floor: cab box; windshield_base: z of the windshield's lower edge;
    wheelbase: front axle to the (first) rear axle; rear_axles: 1 or 2 (``axle_spacing`` apart),
    rear tyres are dual. body: "box" (closed van body, colour ``body_color`` as ``metal``),
    "curtain" (curtain-sider in ``paint``), "tipper" (open steel tipper in ``paint``, walls
    ``side_walls`` high) or "luton" (box body reaching over the cab roof). body_floor: z of the
    cargo floor.
    """
    L, W = length, width
    xF, xR = L / 2.0, -L / 2.0
    r = wheel_radius
    xf = xF - front_overhang
    rear = [xf - wheelbase - k * axle_spacing for k in range(rear_axles)]
    p = Parts()
    xb = _truck_cab(
        p,
        xF=xF,
        W=W - 0.04,
        cab_length=cab_length,
        cab_height=cab_height,
        cab_floor=cab_floor,
        xf=xf,
        r=r,
        windshield_base=windshield_base,
    )
    # chassis rails, fuel tank, side guards, rear underrun bar
    zc0 = r + 0.02
    p.add("trim", box((xR + 0.05, -0.45, zc0), (xb + 0.3, 0.45, zc0 + 0.28)))
    p.add(
        "metal",
        cylinder((xb - 0.2, -W / 2 + 0.3, r + 0.05), (xb - 1.2, -W / 2 + 0.3, r + 0.05), 0.26, 10),
    )
    front_rear_axle = rear[0]
    gx0, gx1 = front_rear_axle + r + 0.25, xb - 1.3
    if gx1 - gx0 > 0.3:
        p.add_mirrored("trim", box((gx0, W / 2 - 0.1, 0.5), (gx1, W / 2 - 0.04, 0.62)))
        p.add_mirrored("trim", box((gx0, W / 2 - 0.1, 0.82), (gx1, W / 2 - 0.04, 0.92)))
    p.add("trim", box((xR - 0.03, -W / 2 + 0.1, 0.42), (xR + 0.12, W / 2 - 0.1, 0.6)))
    p.add_mirrored(
        "light_rear", box((xR - 0.05, W / 2 - 0.45, 0.62), (xR + 0.08, W / 2 - 0.12, 0.78))
    )
    p.add("plate", box((xR - 0.045, -0.26, 0.64), (xR - 0.03, 0.26, 0.75)))
    # mudguards over the rear axle group
    mg0, mg1 = rear[-1] - r - 0.12, rear[0] + r + 0.12
    p.add_mirrored(
        "trim", box((mg0, W / 2 - 0.62, 2 * r + 0.04), (mg1, W / 2 - 0.02, 2 * r + 0.09))
    )

    zf = body_floor
    x0 = xb - 0.15  # body front
    if body in ("box", "curtain", "luton"):
        part = "paint" if body == "curtain" else "metal"
        col = None if body == "curtain" else body_color
        p.add(part, box((xR, -W / 2, zf), (x0, W / 2, height)), col)
        if body == "luton":
            p.add(part, box((x0 - 0.1, -W / 2, cab_height + 0.08), (xF - 0.5, W / 2, height)), col)
        p.add(
            "trim", box((xR - 0.01, -W / 2 - 0.01, zf - 0.1), (x0 + 0.01, W / 2 + 0.01, zf + 0.06))
        )
        # corner posts and a top rail, slightly proud
        for xp in (xR, x0 - 0.08):
            p.add_mirrored(
                "trim",
                box((xp - 0.01, W / 2 - 0.07, zf), (xp + 0.09, W / 2 + 0.012, height - 0.02)),
            )
        p.add_mirrored(
            "trim", box((xR, W / 2 - 0.05, height - 0.09), (x0, W / 2 + 0.01, height - 0.02))
        )
        if body == "curtain":
            n = max(2, int((x0 - xR) / 1.4))
            for k in range(1, n):
                xp = xR + (x0 - xR) * k / n
                p.add_mirrored(
                    "trim",
                    box(
                        (xp - 0.03, W / 2 - 0.05, zf + 0.06),
                        (xp + 0.03, W / 2 + 0.008, height - 0.09),
                    ),
                )
        # rear doors: centre seam and locking bars
        p.add("trim", box((xR - 0.012, -0.02, zf + 0.06), (xR + 0.01, 0.02, height - 0.09)))
        for yb in (-0.55, 0.55):
            p.add(
                "metal",
                box((xR - 0.025, yb - 0.02, zf + 0.1), (xR + 0.01, yb + 0.02, height - 0.15)),
            )
    elif body == "tipper":
        top = zf + side_walls
        th = 0.06
        p.add("paint", box((xR, -W / 2, zf), (x0, W / 2, zf + 0.1)))
        p.add_mirrored("paint", box((xR, W / 2 - th, zf + 0.05), (x0, W / 2, top)))
        p.add(
            "paint", box((x0 - th, -W / 2 + th - 0.01, zf + 0.05), (x0, W / 2 - th + 0.01, height))
        )
        p.add(
            "paint",
            box((xR, -W / 2 + th - 0.01, zf + 0.05), (xR + th, W / 2 - th + 0.01, top - 0.05)),
        )
        p.add("trim", box((xR + th, -W / 2 + th, zf + 0.1), (x0 - th, W / 2 - th, zf + 0.12)))
        for k in range(1, 4):
            xp = xR + (x0 - xR) * k / 4
            p.add_mirrored(
                "paint", box((xp - 0.05, W / 2 - 0.02, zf + 0.05), (xp + 0.05, W / 2 + 0.03, top))
            )
        p.add("trim", box((xR + 0.2, -0.5, r + 0.3), (x0 - 0.2, 0.5, zf)))
    else:
        raise ValueError(f"unknown truck body {body!r}")
    # wheels: single front, dual rear
    _wheel(p, xf, W / 2 - 0.05, r, tyre_width, (200, 200, 200), n=18, rim_frac=0.58)
    for xa in rear:
        _wheel(p, xa, W / 2 - 0.05, r, tyre_width, (200, 200, 200), n=18, rim_frac=0.58, dual=True)
        p.add(
            "trim",
            box((xa - r - 0.06, -(W / 2 - 0.65), r - 0.1), (xa + r + 0.06, W / 2 - 0.65, r + 0.1)),
        )
    return p.meshes()


TRUCK_VARIANTS = [
    dict(
        length=7.2,
        height=3.45,
        cab_length=2.0,
        cab_height=2.75,
        cab_floor=0.9,
        windshield_base=1.65,
        wheel_radius=0.44,
        wheelbase=4.0,
        front_overhang=1.25,
        body="box",
        body_color=(238, 238, 236),
        body_floor=1.1,
        width=2.45,
    ),
    dict(
        length=9.8,
        height=3.9,
        cab_length=2.3,
        cab_height=3.1,
        cab_floor=1.05,
        windshield_base=1.85,
        wheel_radius=0.5,
        wheelbase=4.9,
        front_overhang=1.4,
        rear_axles=2,
        body="curtain",
        body_floor=1.25,
        width=2.55,
    ),
    dict(
        length=8.4,
        height=3.25,
        cab_length=2.25,
        cab_height=3.05,
        cab_floor=1.05,
        windshield_base=1.85,
        wheel_radius=0.52,
        wheelbase=3.7,
        front_overhang=1.4,
        rear_axles=2,
        axle_spacing=1.4,
        body="tipper",
        body_floor=1.35,
        side_walls=1.15,
        width=2.55,
    ),
    dict(
        length=6.4,
        height=3.2,
        cab_length=1.8,
        cab_height=2.5,
        cab_floor=0.75,
        windshield_base=1.4,
        wheel_radius=0.38,
        tyre_width=0.22,
        wheelbase=3.6,
        front_overhang=1.1,
        body="luton",
        body_color=(214, 218, 222),
        body_floor=0.95,
        width=2.2,
    ),
]


# =========================================================================== buses
def build_bus(
    *,
    length: float,
    width: float = 2.55,
    height: float,
    clearance: float = 0.3,
    wheel_radius: float = 0.5,
    tyre_width: float = 0.3,
    wheelbase: float,
    front_overhang: float = 2.7,
    rear_axles: int = 1,
    axle_spacing: float = 1.45,
    windshield_base: float = 0.95,
    windshield_rake: float = 0.12,
    window_band: tuple[float, float] = (1.2, 2.5),
    upper_band: tuple[float, float] | None = None,
    doors: Sequence[float] = (),
    door_width: float = 1.2,
    pane: float = 1.35,
    roof_unit: bool = True,
    rear_window: bool = False,
    stripe: bool = False,
) -> dict[str, trimesh.Trimesh]:
    """A bus or coach: one box-like body (``paint``) with a glazed front and a window band.

    length/width/height: body [m]; clearance: underbody height; wheelbase: front axle to
    (first) rear axle; front_overhang: front face to front axle; window_band: z range of the
    side windows (upper_band: second deck); doors: x centres [m, from the front face, positive
    rearwards] of the doors on the right (-y, kerb) side; pane: nominal side pane length.
    """
    L, W = length, width
    xF, xR = L / 2.0, -L / 2.0
    r = wheel_radius
    c = clearance
    xf = xF - front_overhang
    rear = [xf - wheelbase - k * axle_spacing for k in range(rear_axles)]
    ra = r + 0.06
    H = height
    p = Parts()
    prof = [(xR + 0.08, c)]
    for xa in sorted(rear):
        prof += _arch(xa, r, ra, c)
    prof += _arch(xf, r, ra, c)
    zt = H - 0.18
    prof += [
        (xF - 0.06, c),
        (xF, c + 0.12),
        (xF, windshield_base),
        (xF - windshield_rake, zt),
        (xF - windshield_rake - 0.18, H),
        (xR + 0.15, H),
        (xR, H - 0.12),
        (xR, c + 0.12),
    ]
    hw = W / 2
    p.add("paint", prism(np.array(prof), -hw, hw, "xz"))

    # windscreen (and upper-deck front window), destination display
    def half(z):
        return hw - 0.1

    top_ws = (upper_band[0] - 0.25) if upper_band else H - 0.5
    _segment_glass(
        p, (xF, windshield_base), (xF - windshield_rake, zt), half, windshield_base + 0.05, top_ws
    )
    if upper_band:
        _segment_glass(
            p,
            (xF, windshield_base),
            (xF - windshield_rake, zt),
            half,
            upper_band[0],
            min(upper_band[1], zt - 0.05),
        )
    dz0 = top_ws + 0.06
    dz1 = min(dz0 + 0.26, zt - 0.04)
    if dz1 - dz0 > 0.1:
        _segment_glass(
            p,
            (xF, windshield_base),
            (xF - windshield_rake, zt),
            lambda z: hw - 0.35,
            dz0,
            dz1,
            part="light_front",
            color=(255, 190, 60, 255),
        )
    # side window panes (right side leaves the doors out), doors
    door_x = [xF - d for d in doors]
    xs0, xs1 = xR + 0.5, xF - windshield_rake - 0.12
    bands = [window_band] + ([upper_band] if upper_band else [])
    for side in (1, -1):
        for bi, (z0, z1) in enumerate(bands):
            n = max(1, int(round((xs1 - xs0) / pane)))
            edges = np.linspace(xs0, xs1, n + 1)
            for k in range(n):
                a, b = edges[k] + 0.05, edges[k + 1] - 0.05
                segs = [(a, b)]
                if side < 0 and bi == 0:
                    for dx in door_x:
                        new = []
                        for s0, s1 in segs:
                            d0, d1 = dx - door_width / 2 - 0.08, dx + door_width / 2 + 0.08
                            if s1 <= d0 or s0 >= d1:
                                new.append((s0, s1))
                                continue
                            if d0 - s0 > 0.25:
                                new.append((s0, d0))
                            if s1 - d1 > 0.25:
                                new.append((d1, s1))
                        segs = new
                for s0, s1 in segs:
                    b_ = box((s0, hw - 0.02, z0), (s1, hw + 0.012, z1))
                    p.add("glass", b_ if side > 0 else b_.mirrored_y())
    for dx in door_x:
        p.add(
            "trim",
            box(
                (dx - door_width / 2 - 0.05, -hw - 0.008, c + 0.12),
                (dx + door_width / 2 + 0.05, -hw + 0.02, window_band[1] + 0.05),
            ),
        )
        for k in (0, 1):
            a = dx - door_width / 2 + k * door_width / 2 + 0.04
            p.add(
                "glass",
                box(
                    (a, -hw - 0.016, c + 0.2),
                    (a + door_width / 2 - 0.08, -hw + 0.01, window_band[1]),
                ),
            )
    if stripe:
        p.add_mirrored(
            "trim",
            box(
                (xR + 0.05, hw - 0.02, window_band[0] - 0.22),
                (xF - 0.3, hw + 0.006, window_band[0] - 0.12),
            ),
        )
    # lights, bumpers, plates, mirrors
    p.add_mirrored(
        "light_front", box((xF - 0.05, hw - 0.42, c + 0.3), (xF + 0.015, hw - 0.1, c + 0.45))
    )
    p.add("trim", box((xF - 0.2, -hw - 0.01, c - 0.05), (xF + 0.05, hw + 0.01, c + 0.25)))
    p.add("trim", box((xR - 0.05, -hw - 0.01, c - 0.05), (xR + 0.2, hw + 0.01, c + 0.25)))
    p.add("plate", box((xF + 0.05, -0.26, c + 0.05), (xF + 0.06, 0.26, c + 0.16)))
    p.add("plate", box((xR - 0.06, -0.26, c + 0.32), (xR + 0.01, 0.26, c + 0.43)))
    p.add_mirrored(
        "light_rear", box((xR - 0.015, hw - 0.2, c + 0.3), (xR + 0.05, hw + 0.005, c + 1.0))
    )
    if rear_window:
        p.add(
            "glass",
            box(
                (xR - 0.012, -hw + 0.15, (upper_band or window_band)[0]),
                (xR + 0.02, hw - 0.15, (upper_band or window_band)[1]),
            ),
        )
    else:
        p.add("trim", box((xR - 0.012, -hw + 0.3, c + 0.5), (xR + 0.02, hw - 0.3, c + 1.2)))
    mz = H - 0.75
    p.add_mirrored("trim", box((xF - 0.1, hw - 0.05, mz + 0.35), (xF + 0.25, hw + 0.05, mz + 0.4)))
    p.add_mirrored("trim", box((xF + 0.18, hw, mz - 0.05), (xF + 0.26, hw + 0.12, mz + 0.4)))
    if roof_unit:
        p.add(
            "metal", box((xF - 4.5, -0.85, H - 0.01), (xF - 2.0, 0.85, H + 0.26)), (205, 208, 212)
        )
    # wheel arch liners and wheels
    for xa in [xf] + rear:
        p.add(
            "trim",
            box(
                (xa - ra + 0.04, -(hw - tyre_width - 0.1), r - 0.05),
                (xa + ra - 0.04, hw - tyre_width - 0.1, r + ra + 0.03),
            ),
        )
    _wheel(p, xf, hw - 0.05, r, tyre_width, (205, 205, 205), n=18, rim_frac=0.58)
    for k, xa in enumerate(rear):
        _wheel(p, xa, hw - 0.05, r, tyre_width, (205, 205, 205), n=18, rim_frac=0.58, dual=(k == 0))
    return p.meshes()


BUS_VARIANTS = [
    # 12 m low-floor city bus, two doors
    dict(
        length=12.0,
        height=3.05,
        wheelbase=5.9,
        front_overhang=2.7,
        window_band=(1.15, 2.55),
        doors=(1.05, 5.6),
        clearance=0.28,
        windshield_base=0.85,
    ),
    # coach, three axles, high floor
    dict(
        length=12.9,
        height=3.6,
        wheelbase=6.2,
        front_overhang=2.6,
        rear_axles=2,
        window_band=(1.75, 3.05),
        doors=(1.1,),
        door_width=0.95,
        clearance=0.45,
        windshield_base=1.15,
        windshield_rake=0.3,
        roof_unit=False,
        rear_window=True,
        stripe=True,
        pane=1.8,
    ),
    # midibus
    dict(
        length=9.2,
        height=3.0,
        wheelbase=4.4,
        front_overhang=2.4,
        window_band=(1.15, 2.5),
        doors=(0.95, 4.6),
        door_width=1.0,
        clearance=0.28,
        wheel_radius=0.45,
        windshield_base=0.9,
    ),
    # double-decker
    dict(
        length=10.8,
        height=4.35,
        wheelbase=5.8,
        front_overhang=2.4,
        window_band=(1.05, 2.05),
        upper_band=(2.6, 3.75),
        doors=(1.0, 5.0),
        door_width=1.0,
        clearance=0.28,
        windshield_base=0.85,
        windshield_rake=0.05,
        roof_unit=False,
        rear_window=True,
        pane=1.6,
    ),
]


# =========================================================================== pedestrians
WALK_POSES = 8
"""Poses stored per pedestrian variant: phases k / WALK_POSES of one walk cycle (two steps)."""


def build_pedestrian(
    *, phase: float = 0.0, stride: float = 1.0, **body
) -> dict[str, trimesh.Trimesh]:
    """A person walking towards +x at ``phase`` (cycles, 0..1; 0.25 = left heel strike),
    lowest point on the ground (z = 0), pelvis above x = y = 0. ``body``: the fields of
    :class:`sim.assets.humanoid.Body` (height [m], proportions, clothes, colours)."""
    b = Body(**body)
    p = Parts()
    add_person(p, b, walk_joints(b, phase, stride))
    lo = p.bounds()[0]
    p.translate((0.0, 0.0, -lo[2]))
    return p.meshes()


SKIN = [(241, 194, 160), (224, 172, 140), (198, 134, 98), (141, 85, 54), (92, 58, 40)]

ADULT_VARIANTS = [
    dict(
        height=1.78,
        girth=1.0,
        hair="short",
        hair_color=(55, 38, 25),
        skin=SKIN[1],
        sleeves="long",
        top=(40, 55, 90),
        bottom=(55, 75, 120),
        shoes=(35, 30, 30),
    ),
    dict(
        height=1.65,
        girth=0.88,
        shoulders=0.9,
        hair="long",
        hair_color=(200, 160, 90),
        skin=SKIN[0],
        sleeves="short",
        lower="skirt",
        top=(190, 40, 50),
        bottom=(50, 50, 60),
        shoes=(20, 20, 20),
    ),
    dict(
        height=1.74,
        girth=1.25,
        belly=1.3,
        shoulders=1.05,
        hair="short",
        hair_color=(150, 150, 150),
        skin=SKIN[2],
        sleeves="long",
        top=(60, 90, 55),
        bottom=(170, 150, 110),
        shoes=(70, 50, 35),
    ),
    dict(
        height=1.70,
        girth=0.95,
        shoulders=0.93,
        hair="bun",
        hair_color=(20, 18, 18),
        skin=SKIN[3],
        sleeves="long",
        top=(235, 235, 230),
        bottom=(30, 30, 35),
        shoes=(120, 30, 30),
        backpack=(40, 40, 45),
    ),
    dict(
        height=1.90,
        girth=0.9,
        shoulders=1.05,
        hair="short",
        hair_color=(15, 12, 10),
        skin=SKIN[4],
        sleeves="short",
        lower="shorts",
        top=(120, 120, 125),
        bottom=(35, 40, 50),
        shoes=(230, 230, 230),
    ),
    dict(
        height=1.58,
        girth=1.12,
        belly=1.15,
        shoulders=0.92,
        hair="short",
        hair_color=(200, 200, 205),
        skin=SKIN[1],
        sleeves="long",
        top=(190, 165, 120),
        bottom=(90, 60, 45),
        shoes=(40, 35, 30),
    ),
]
CHILD_VARIANTS = [
    dict(
        height=1.25,
        head=0.17,
        legs=0.46,
        girth=0.95,
        hair="short",
        hair_color=(90, 60, 30),
        skin=SKIN[0],
        sleeves="short",
        lower="shorts",
        top=(240, 200, 40),
        bottom=(40, 70, 140),
        shoes=(200, 40, 40),
        backpack=(200, 40, 40),
        stride=0.9,
    ),
    dict(
        height=1.05,
        head=0.19,
        legs=0.44,
        girth=1.0,
        hair="long",
        hair_color=(30, 22, 15),
        skin=SKIN[3],
        sleeves="long",
        top=(230, 120, 170),
        bottom=(90, 50, 120),
        shoes=(240, 240, 240),
        stride=0.85,
    ),
    dict(
        height=1.42,
        head=0.155,
        legs=0.47,
        girth=0.9,
        hair="short",
        hair_color=(170, 110, 50),
        skin=SKIN[2],
        sleeves="long",
        top=(235, 110, 30),
        bottom=(50, 70, 110),
        shoes=(30, 30, 30),
        backpack=(30, 90, 60),
    ),
]


# =========================================================================== two-wheelers
RIDER_DEFAULT = dict(
    height=1.76,
    girth=1.0,
    top=(30, 30, 34),
    bottom=(40, 42, 50),
    shoes=(25, 25, 25),
    skin=(224, 172, 140),
    sleeves="long",
)


def build_motorcycle(
    *,
    style: str,
    wheelbase: float,
    wheel_radius: float,
    tyre_section: float,
    seat_height: float,
    rake_deg: float = 25.0,
    fork_length: float = 0.72,
    rider: dict | None = None,
    helmet=(20, 20, 22),
    rider_pitch_deg: float | None = None,
) -> dict[str, trimesh.Trimesh]:
    """A motorcycle or scooter with its rider, x forward, wheels on the ground.

    style: "sport" (fairing, clip-ons, crouched rider), "naked" (round headlight, upright),
    "scooter" (small wheels, step-through floor, front shield) or "cruiser" (low seat, raised
    bars, feet forward). wheelbase, wheel_radius (outer tyre radius), tyre_section (tyre
    width), seat_height [m]; rake_deg / fork_length: steering geometry; rider: fields of
    :class:`sim.assets.humanoid.Body`; helmet: RGB.
    """
    R = wheel_radius
    m = tyre_section / 2.0
    xf, xr = wheelbase / 2.0, -wheelbase / 2.0
    p = Parts()
    for xa in (xf, xr):
        p.add("tyre", torus((xa, 0.0, R), Y, R - m, m, 16, 5))
        p.add("rim", cylinder((xa, -0.028, R), (xa, 0.028, R), (R - 2 * m) * 1.03, 14))
        p.add("metal", cylinder((xa, -0.075, R), (xa, 0.075, R), 0.045, 8))
    rk = math.radians(rake_deg)
    axis = np.array([-math.sin(rk), 0.0, math.cos(rk)])
    head = np.array([xf, 0.0, R]) + axis * fork_length
    for sy in (-0.085, 0.085):
        p.add("metal", cylinder((xf, sy, R), head + (0.0, sy, 0.0), 0.024, 8))
    p.add("trim", cylinder(head - axis * 0.12, head + axis * 0.06, 0.05, 8))
    hx, hz = head[0], head[2]
    grips = {
        "sport": (hx - 0.1, 0.31, hz - 0.02),
        "naked": (hx - 0.17, 0.38, hz + 0.12),
        "scooter": (hx - 0.08, 0.36, hz + 0.1),
        "cruiser": (hx - 0.32, 0.43, hz + 0.22),
    }[style]
    gl = np.array(grips)
    gr = gl * (1, -1, 1)
    p.add("trim", cylinder(gr, gl, 0.016, 6))
    p.add("metal", cylinder(head + axis * 0.05, (gl[0] + 0.04, 0.0, gl[2]), 0.018, 6))
    seat_x = {
        "sport": xr + 0.55 * wheelbase * 0.62,
        "naked": xr + 0.5 * wheelbase * 0.7,
        "scooter": xr + 0.32 * wheelbase,
        "cruiser": xr + 0.38 * wheelbase,
    }[style]
    ze = R * 0.55  # engine bottom
    if style != "scooter":
        # engine, swingarm, exhaust, tank, seat, tail
        ex0, ex1 = xr + R + 0.02, xf - R - 0.02
        p.add("trim", box((ex0, -0.16, ze), (ex1, 0.16, R + 0.22)), (55, 55, 58))
        if style in ("naked", "cruiser"):
            for k, a in enumerate((-0.35, 0.35)):
                cx = (ex0 + ex1) / 2 + (0.08 if k else -0.08)
                base = np.array([cx, 0.0, R + 0.15])
                d = np.array([math.sin(a), 0.0, math.cos(a)])
                p.add("metal", cylinder(base, base + d * 0.25, 0.075, 8))
        for sy in (-0.1, 0.1):
            p.add("trim", box((xr, sy - 0.025, R - 0.05), (ex0 + 0.1, sy + 0.025, R + 0.06)))
        p.add(
            "metal",
            cylinder(
                (ex0 + 0.1, -0.14, ze + 0.02),
                (xr + 0.05, -0.17, R + (0.12 if style == "sport" else 0.0)),
                0.045,
                8,
            ),
        )
        tank_c = np.array([hx - 0.3, 0.0, hz - 0.06 if style != "cruiser" else hz - 0.12])
        p.add("paint", ellipsoid(tank_c, (0.27, 0.16, 0.12), 10, 6))
        seat_top = seat_height
        p.add(
            "trim", box((seat_x - 0.3, -0.14, seat_top - 0.09), (tank_c[0] - 0.12, 0.14, seat_top))
        )
        p.add(
            "paint",
            box((tank_c[0] - 0.25, -0.1, R + 0.15), (tank_c[0] + 0.1, 0.1, tank_c[2] - 0.02)),
        )
        tail_end = np.array([xr + 0.02, 0.0, seat_top + (0.12 if style == "sport" else 0.02)])
        t0 = seat_x - 0.2
        c8 = np.array(
            [
                [t0, -0.13, seat_top - 0.22],
                [tail_end[0], -0.05, tail_end[2] - 0.1],
                [tail_end[0], 0.05, tail_end[2] - 0.1],
                [t0, 0.13, seat_top - 0.22],
                [t0, -0.13, seat_top - 0.06],
                [tail_end[0], -0.05, tail_end[2]],
                [tail_end[0], 0.05, tail_end[2]],
                [t0, 0.13, seat_top - 0.06],
            ]
        )
        p.add("paint", hexa(c8))
        p.add(
            "light_rear",
            box(
                (tail_end[0] - 0.03, -0.06, tail_end[2] - 0.09),
                (tail_end[0] + 0.015, 0.06, tail_end[2] - 0.02),
            ),
        )
        p.add("plate", box((xr - 0.02, -0.1, R + 0.12), (xr + 0.0, 0.1, R + 0.27)))
        p.add(
            "trim",
            box((xr + 0.0, -0.015, R + 0.1), (tail_end[0] + 0.02, 0.015, tail_end[2] - 0.08)),
        )
        # front mudguard
        p.add("paint", box((xf - 0.18, -0.07, 2 * R + 0.02), (xf + 0.16, 0.07, 2 * R + 0.05)))
        feet_x = {"sport": seat_x - 0.02, "naked": seat_x + 0.12, "cruiser": seat_x + 0.62}[style]
        feet_z = {"sport": R + 0.05, "naked": R - 0.0, "cruiser": R - 0.02}[style]
        for sy in (-1, 1):
            p.add(
                "metal",
                cylinder(
                    (feet_x - 0.05, sy * 0.12, feet_z - 0.02),
                    (feet_x - 0.05, sy * 0.22, feet_z - 0.02),
                    0.015,
                    6,
                ),
            )
        feet = {"l": (feet_x, 0.2, feet_z + 0.02), "r": (feet_x, -0.2, feet_z + 0.02)}
        foot_pitch = 0.25 if style == "sport" else 0.0
    else:
        floor_z = R * 0.75
        fx0, fx1 = xr + R * 0.9, xf - R - 0.08
        p.add("paint", box((fx0, -0.17, floor_z - 0.1), (fx1, 0.17, floor_z)))
        # front shield from the floor up to the steering head
        c8 = np.array(
            [
                [fx1 - 0.05, -0.2, floor_z - 0.1],
                [fx1 + 0.12, -0.2, floor_z - 0.1],
                [fx1 + 0.12, 0.2, floor_z - 0.1],
                [fx1 - 0.05, 0.2, floor_z - 0.1],
                [hx - 0.12, -0.17, hz - 0.02],
                [hx + 0.06, -0.17, hz - 0.02],
                [hx + 0.06, 0.17, hz - 0.02],
                [hx - 0.12, 0.17, hz - 0.02],
            ]
        )
        p.add("paint", hexa(c8))
        body_c = np.array([xr + 0.15, 0.0, R + 0.22])
        p.add("paint", ellipsoid(body_c, (0.46, 0.17, 0.2), 10, 6))
        seat_top = seat_height
        p.add("trim", box((seat_x - 0.32, -0.15, seat_top - 0.12), (seat_x + 0.22, 0.15, seat_top)))
        p.add("trim", box((xr - 0.05, -0.12, R - 0.12), (xr + 0.4, -0.05, R + 0.08)), (55, 55, 58))
        p.add("metal", cylinder((xr + 0.25, -0.15, R - 0.08), (xr - 0.1, -0.16, R - 0.02), 0.04, 8))
        p.add(
            "light_rear",
            box(
                (body_c[0] - 0.53, -0.08, body_c[2] + 0.02),
                (body_c[0] - 0.44, 0.08, body_c[2] + 0.1),
            ),
        )
        p.add("plate", box((xr - 0.21, -0.09, R + 0.0), (xr - 0.19, 0.09, R + 0.13)))
        p.add("paint", box((xf - 0.2, -0.07, 2 * R + 0.02), (xf + 0.14, 0.07, 2 * R + 0.06)))
        feet = {"l": (seat_x + 0.45, 0.12, floor_z), "r": (seat_x + 0.45, -0.12, floor_z)}
        foot_pitch = 0.0
    # headlight
    if style == "sport":
        nose_c = np.array([hx + 0.1, 0.0, hz - 0.1])
        p.add("paint", ellipsoid(nose_c, (0.32, 0.22, 0.2), 10, 6))
        p.add("light_front", ellipsoid(nose_c + (0.27, 0.0, 0.0), (0.07, 0.12, 0.05), 8, 4))
        p.add("glass", box((hx - 0.08, -0.13, hz + 0.06), (hx + 0.12, 0.13, hz + 0.1)), None)
        ex0 = xr + R + 0.02
        c8 = np.array(
            [
                [ex0 + 0.2, -0.17, R * 0.7],
                [xf - R + 0.02, -0.17, R * 0.75],
                [xf - R + 0.02, 0.17, R * 0.75],
                [ex0 + 0.2, 0.17, R * 0.7],
                [ex0 + 0.35, -0.17, R + 0.28],
                [hx + 0.02, -0.15, hz - 0.2],
                [hx + 0.02, 0.15, hz - 0.2],
                [ex0 + 0.35, 0.17, R + 0.28],
            ]
        )
        p.add("paint", hexa(c8))
    else:
        lc = head + np.array([0.13, 0.0, -0.12 if style != "scooter" else -0.05])
        p.add("trim", ellipsoid(lc, (0.09, 0.1, 0.1), 8, 5))
        p.add("light_front", ellipsoid(lc + (0.075, 0.0, 0.0), (0.035, 0.08, 0.08), 8, 5))
    p.add_mirrored(
        "trim",
        box((gl[0] - 0.02, gl[1] - 0.09, gl[2] + 0.12), (gl[0] + 0.02, gl[1] - 0.0, gl[2] + 0.2)),
    )
    p.add_mirrored(
        "trim",
        cylinder((gl[0], gl[1] - 0.07, gl[2]), (gl[0], gl[1] - 0.05, gl[2] + 0.14), 0.008, 5),
    )
    # rider
    body = Body(**(RIDER_DEFAULT | (rider or {})))
    pitch = math.radians(
        {"sport": 42.0, "naked": 15.0, "scooter": 3.0, "cruiser": -6.0}[style]
        if rider_pitch_deg is None
        else rider_pitch_deg
    )
    seat = (seat_x - 0.05, 0.0, seat_top + 0.06)
    j = rider_joints(
        body,
        seat,
        pitch,
        {"l": gl + (0.0, -0.04, 0.0), "r": gr + (0.0, 0.04, 0.0)},
        feet,
        foot_pitch=foot_pitch,
    )
    add_person(p, body, j, helmet=helmet, visor=True)
    return p.meshes()


MOTORCYCLE_VARIANTS = [
    dict(
        style="sport",
        wheelbase=1.42,
        wheel_radius=0.31,
        tyre_section=0.17,
        seat_height=0.82,
        rake_deg=24,
        fork_length=0.7,
        rider=dict(top=(180, 30, 30), bottom=(30, 30, 34)),
        helmet=(230, 230, 230),
    ),
    dict(
        style="naked",
        wheelbase=1.45,
        wheel_radius=0.31,
        tyre_section=0.15,
        seat_height=0.8,
        rake_deg=25,
        fork_length=0.72,
        rider=dict(top=(40, 40, 42), bottom=(50, 70, 120), height=1.82),
        helmet=(25, 25, 28),
    ),
    dict(
        style="scooter",
        wheelbase=1.3,
        wheel_radius=0.24,
        tyre_section=0.11,
        seat_height=0.78,
        rake_deg=26,
        fork_length=0.62,
        rider=dict(top=(110, 130, 90), bottom=(40, 40, 45), height=1.68, girth=0.95),
        helmet=(180, 30, 30),
    ),
    dict(
        style="cruiser",
        wheelbase=1.65,
        wheel_radius=0.33,
        tyre_section=0.15,
        seat_height=0.68,
        rake_deg=32,
        fork_length=0.82,
        rider=dict(top=(70, 45, 30), bottom=(35, 35, 40), girth=1.15, belly=1.15),
        helmet=(15, 15, 15),
    ),
]


def build_bicycle(
    *,
    style: str,
    wheelbase: float = 1.05,
    wheel_radius: float = 0.34,
    tyre: float = 0.018,
    saddle_height: float = 0.95,
    rider: dict | None = None,
    helmet=None,
    crank_deg: float = 20.0,
) -> dict[str, trimesh.Trimesh]:
    """A bicycle with its rider, x forward. style: "city" (upright, swept bars, step-through
    frame, rack), "road" (drop bars, crouched) or "mtb" (flat wide bar, fat tyres).
    wheel_radius: outer tyre radius; tyre: tyre tube radius; saddle_height above ground;
    crank_deg: crank angle from horizontal (pedal positions). Frame tubes are ``paint``."""
    R = wheel_radius
    xf, xr = wheelbase / 2.0, -wheelbase / 2.0
    p = Parts()
    for xa in (xf, xr):
        p.add("tyre", torus((xa, 0.0, R), Y, R - tyre, tyre, 16, 4))
        p.add("rim", torus((xa, 0.0, R), Y, R - 2 * tyre - 0.008, 0.011, 16, 3))
        p.add("metal", cylinder((xa, -0.05, R), (xa, 0.05, R), 0.018, 6))
        for k in range(4):
            a = math.pi * k / 4 + 0.3
            d = np.array([math.cos(a), 0.0, math.sin(a)]) * (R - 2 * tyre - 0.01)
            p.add(
                "metal", cylinder(np.array([xa, 0.0, R]) - d, np.array([xa, 0.0, R]) + d, 0.003, 3)
            )
    bb = np.array([xr + 0.44, 0.0, 0.28])
    sta = math.radians(73.0)
    st_dir = np.array([-math.cos(sta), 0.0, math.sin(sta)])
    seat_tube = (saddle_height - 0.1 - bb[2]) / st_dir[2]
    st_top = bb + st_dir * seat_tube * 0.86
    hta = math.radians(71.0 if style != "mtb" else 68.0)
    h_dir = np.array([-math.cos(hta), 0.0, math.sin(hta)])
    front = np.array([xf, 0.0, R])
    ht_bot = front + h_dir * 0.38
    ht_top = ht_bot + h_dir * (0.16 if style != "city" else 0.22)
    tr = 0.019
    p.add("paint", cylinder(bb, st_top, tr, 6))
    p.add("paint", cylinder(bb, ht_bot + h_dir * 0.03, tr * 1.2, 6))
    if style == "city":
        p.add("paint", cylinder(bb + st_dir * 0.12, ht_bot + h_dir * 0.07, tr, 6))
    else:
        p.add("paint", cylinder(st_top - st_dir * 0.03, ht_top - h_dir * 0.02, tr, 6))
    p.add("paint", cylinder(ht_bot, ht_top, tr * 1.4, 6))
    for sy in (-0.055, 0.055):
        ra = np.array([xr, sy, R])
        p.add("paint", cylinder(bb + (0.0, sy * 0.6, 0.0), ra, 0.011, 5))
        p.add("paint", cylinder(st_top - st_dir * 0.02 + (0.0, sy * 0.4, 0.0), ra, 0.01, 5))
        p.add("paint", cylinder(ht_bot + (0.0, sy * 0.7, 0.0), front + (0.0, sy, 0.0), 0.012, 5))
    saddle = st_top + st_dir * (saddle_height - st_top[2]) / st_dir[2]
    p.add("metal", cylinder(st_top - st_dir * 0.05, saddle, 0.012, 5))
    p.add("trim", ellipsoid(saddle + (0.02, 0.0, 0.02), (0.13, 0.07, 0.03), 8, 4))
    # handlebar
    stem_top = ht_top + h_dir * (0.05 if style == "road" else 0.12)
    if style == "road":
        bar_c = stem_top + np.array([0.1, 0.0, 0.0])
        half_w = 0.21
        grip = bar_c + np.array([0.06, 0.0, -0.03])
    elif style == "mtb":
        bar_c = stem_top + np.array([0.07, 0.0, 0.01])
        half_w = 0.36
        grip = bar_c + np.array([0.0, 0.0, 0.0])
    else:
        bar_c = stem_top + np.array([0.02, 0.0, 0.04])
        half_w = 0.3
        grip = bar_c + np.array([-0.17, 0.0, 0.02])
    p.add("metal", cylinder(ht_top - h_dir * 0.01, stem_top, 0.014, 5))
    p.add("metal", cylinder(stem_top, bar_c, 0.013, 5))
    p.add("trim", cylinder(bar_c - (0, half_w, 0), bar_c + (0, half_w, 0), 0.012, 6))
    grips = {}
    for s, sign in (("l", 1.0), ("r", -1.0)):
        end = bar_c + (0.0, sign * half_w, 0.0)
        g = grip + (0.0, sign * (half_w - 0.03), 0.0)
        if style == "road":
            p.add("trim", cylinder(end, end + (0.08, 0.0, -0.12), 0.012, 6))
            p.add("trim", cylinder(end + (0.08, 0.0, -0.12), end + (0.0, 0.0, -0.16), 0.012, 6))
        elif style == "city":
            p.add("trim", cylinder(end, g + (0.0, sign * 0.03, 0.0), 0.014, 6))
        grips[s] = g
    # cranks, chainring, pedals
    ca = math.radians(crank_deg)
    cd = np.array([math.cos(ca), 0.0, math.sin(ca)]) * 0.17
    p.add("metal", cylinder(bb + (0.0, -0.085, 0.0), bb + (0.0, -0.075, 0.0), 0.1, 12))
    p.add("metal", cylinder(bb + (0.0, -0.07, 0.0), bb + (0.0, 0.07, 0.0), 0.025, 6))
    pedals = {}
    for s, sign, d in (("l", 1.0, -cd), ("r", -1.0, cd)):
        pe = bb + d + (0.0, sign * 0.1, 0.0)
        p.add(
            "metal", cylinder(bb + (0.0, sign * 0.09, 0.0), pe - (0.0, sign * 0.01, 0.0), 0.012, 5)
        )
        p.add("trim", box(pe + (-0.05, -0.045, -0.012), pe + (0.05, 0.045, 0.012)))
        pedals[s] = pe + (0.0, 0.0, 0.02)
    if style == "city":
        p.add("metal", box((xr - 0.1, -0.09, R + 0.08), (xr + 0.28, 0.09, R + 0.1)))
        for sy in (-0.08, 0.08):
            p.add("metal", cylinder((xr + 0.02, sy, R + 0.08), (xr + 0.05, sy, R), 0.007, 4))
        p.add("paint", box((xf - 0.2, -0.03, 2 * R + 0.005), (xf + 0.12, 0.03, 2 * R + 0.02)))
        p.add(
            "light_front",
            cylinder(ht_top + (0.04, 0.0, -0.05), ht_top + (0.09, 0.0, -0.05), 0.03, 8),
        )
    p.add(
        "light_rear",
        box((xr - 0.12, -0.03, R + 0.05), (xr - 0.09, 0.03, R + 0.09))
        if style == "city"
        else box(saddle + (-0.12, -0.02, -0.1), saddle + (-0.09, 0.02, -0.06)),
    )
    body = Body(**(RIDER_DEFAULT | (rider or {})))
    pitch = math.radians({"city": 12.0, "road": 48.0, "mtb": 30.0}[style])
    seat = saddle + np.array([-0.02, 0.0, 0.07])
    j = rider_joints(body, seat, pitch, grips, pedals, foot_pitch=0.1)
    add_person(p, body, j, helmet=helmet, visor=False)
    return p.meshes()


BICYCLE_VARIANTS = [
    dict(
        style="city",
        wheelbase=1.1,
        wheel_radius=0.35,
        tyre=0.02,
        saddle_height=0.98,
        rider=dict(
            top=(150, 40, 50),
            bottom=(40, 45, 60),
            height=1.7,
            hair="long",
            hair_color=(110, 70, 40),
            girth=0.92,
            sleeves="long",
        ),
        crank_deg=15.0,
    ),
    dict(
        style="road",
        wheelbase=1.0,
        wheel_radius=0.34,
        tyre=0.014,
        saddle_height=1.02,
        rider=dict(
            top=(30, 90, 170),
            bottom=(20, 20, 22),
            height=1.8,
            lower="shorts",
            sleeves="short",
            girth=0.9,
        ),
        helmet=(240, 240, 240),
        crank_deg=25.0,
    ),
    dict(
        style="mtb",
        wheelbase=1.12,
        wheel_radius=0.36,
        tyre=0.028,
        saddle_height=0.96,
        rider=dict(top=(60, 120, 60), bottom=(40, 40, 40), height=1.76, sleeves="long"),
        helmet=(30, 30, 30),
        crank_deg=-10.0,
    ),
]


# =========================================================================== static: cones, barriers
def build_traffic_cone(
    *,
    height: float,
    base: float,
    top_radius: float = 0.025,
    bands: Sequence[tuple[float, float]] = (),
    style: str = "cone",
) -> dict[str, trimesh.Trimesh]:
    """A traffic cone (style "cone") or a delineator post ("post") on a square base.

    height [m] overall; base: side of the square base plate; bands: reflective white bands as
    (z0, z1) fractions of the height."""
    p = Parts()
    bh = 0.03 if style == "cone" else 0.06
    p.add(
        "cone_orange" if style == "cone" else "trim",
        box((-base / 2, -base / 2, 0.0), (base / 2, base / 2, bh)),
        None if style == "cone" else (30, 30, 30),
    )
    if style == "cone":
        r0 = base * 0.36

        def rad(z):
            return r0 + (top_radius - r0) * (z - bh) / (height - bh)
    else:
        r0 = base * 0.16

        def rad(z):
            return r0 - 0.1 * r0 * (z - bh) / (height - bh)

    p.add("cone_orange", frustum((0, 0, bh - 0.005), (0, 0, height), rad(bh), rad(height), 14))
    for f0, f1 in bands:
        z0, z1 = f0 * height, f1 * height
        p.add("cone_white", frustum((0, 0, z0), (0, 0, z1), rad(z0) + 0.004, rad(z1) + 0.004, 14))
    return p.meshes()


CONE_VARIANTS = [
    dict(height=0.75, base=0.38, bands=((0.52, 0.62), (0.72, 0.8))),
    dict(height=0.5, base=0.3, bands=((0.6, 0.75),)),
    dict(height=0.92, base=0.42, top_radius=0.03, bands=((0.45, 0.55), (0.65, 0.75))),
    dict(height=1.0, base=0.32, style="post", bands=((0.7, 0.78), (0.85, 0.93))),
]


def build_barrier(
    *, style: str, length: float, height: float = 0.81, posts: int = 3
) -> dict[str, trimesh.Trimesh]:
    """A barrier segment running along x (``length`` [m]).

    style: "jersey" (concrete New Jersey profile), "plastic" (water-filled red/white jersey),
    "guardrail" (steel W-beam on posts, ``posts`` of them) or "barricade" (striped plank on
    two A-frame trestles)."""
    p = Parts()
    L = length
    if style in ("jersey", "plastic"):
        s = height / 0.81
        prof = np.array(
            [
                (-0.305, 0.0),
                (0.305, 0.0),
                (0.305, 0.075),
                (0.2, 0.33),
                (0.075, 0.81),
                (-0.075, 0.81),
                (-0.2, 0.33),
                (-0.305, 0.075),
            ]
        ) * (0.9 if style == "plastic" else 1.0, s)
        part = "concrete" if style == "jersey" else "cone_orange"
        col = None if style == "jersey" else (205, 35, 30, 255)
        p.add(part, prism(prof, -L / 2, L / 2, "yz"), col)
        if style == "plastic":
            band = np.array([(0.075, 0.7), (0.086, 0.7)]) * (1, s)
            top = np.array(
                [(-0.082, 0.65 * s), (0.082, 0.65 * s), (0.072, 0.82 * s), (-0.072, 0.82 * s)]
            )
            p.add("cone_white", prism(top, -L / 2 + 0.03, L / 2 - 0.03, "yz"))
            del band
        else:
            for k in (-1, 1):
                p.add(
                    "cone_orange",
                    box((k * L * 0.3 - 0.05, 0.07, 0.6 * s), (k * L * 0.3 + 0.05, 0.09, 0.68 * s)),
                    (250, 250, 250, 255),
                )
    elif style == "guardrail":
        z0 = height - 0.31
        zs = np.array([0.0, 0.075, 0.155, 0.235, 0.31]) + z0
        ys = np.array([0.0, 0.06, 0.02, 0.06, 0.0])
        outer = np.column_stack([ys + 0.2, zs])
        inner = np.column_stack([ys + 0.2 - 0.012, zs])[::-1]
        p.add("metal", prism(np.concatenate([outer, inner]), -L / 2, L / 2, "yz"), (175, 178, 182))
        for k in range(posts):
            x = -L / 2 + 0.3 + (L - 0.6) * k / max(1, posts - 1)
            p.add(
                "metal",
                box((x - 0.05, -0.05, 0.0), (x + 0.05, 0.08, height - 0.05)),
                (120, 122, 125),
            )
            p.add(
                "metal",
                box((x - 0.04, 0.08, z0 + 0.05), (x + 0.04, 0.19, z0 + 0.27)),
                (120, 122, 125),
            )
    elif style == "barricade":
        n = 8
        for k in range(n):
            x0 = -L / 2 + L * k / n
            part = "cone_orange" if k % 2 == 0 else "cone_white"
            col = (215, 30, 30, 255) if k % 2 == 0 else None
            p.add(part, box((x0, -0.02, height - 0.25), (x0 + L / n, 0.02, height)), col)
        for xs in (-L / 2 + 0.2, L / 2 - 0.2):
            for sy in (-1, 1):
                p.add(
                    "metal",
                    cylinder((xs, sy * 0.35, 0.0), (xs, 0.0, height - 0.02), 0.02, 6),
                    (70, 72, 75),
                )
            p.add(
                "metal",
                box((xs - 0.04, -0.04, height - 0.3), (xs + 0.04, 0.04, height - 0.02)),
                (70, 72, 75),
            )
    else:
        raise ValueError(f"unknown barrier style {style!r}")
    return p.meshes()


BARRIER_VARIANTS = [
    dict(style="jersey", length=3.0),
    dict(style="jersey", length=2.0, height=0.81),
    dict(style="plastic", length=2.0, height=0.8),
    dict(style="guardrail", length=4.0, height=0.75, posts=3),
    dict(style="barricade", length=1.8, height=1.0),
]


# =========================================================================== static: poles
POLE_GREY = (105, 108, 112, 255)
POLE_GREEN = (45, 70, 55, 255)


def _signal_head(p: Parts, top_center, lamp_r: float = 0.1, backplate: bool = False) -> None:
    """Three-aspect signal head facing +x, centred at ``top_center`` (its top-middle point)."""
    cx, cy, cz = top_center
    w, d = 2.5 * lamp_r + 0.06, 0.26
    hgt = 3 * (2 * lamp_r + 0.06) + 0.04
    p.add(
        "trim", box((cx - d / 2, cy - w / 2, cz - hgt), (cx + d / 2, cy + w / 2, cz)), (30, 32, 30)
    )
    if backplate:
        p.add(
            "trim",
            box(
                (cx - d / 2 - 0.03, cy - w / 2 - 0.12, cz - hgt - 0.12),
                (cx - d / 2, cy + w / 2 + 0.12, cz + 0.12),
            ),
            (20, 20, 20),
        )
        p.add(
            "cone_white",
            box(
                (cx - d / 2 - 0.035, cy - w / 2 - 0.13, cz - hgt - 0.13),
                (cx - d / 2 - 0.025, cy + w / 2 + 0.13, cz + 0.13),
            ),
        )
    for k, part in enumerate(("lamp_red", "lamp_amber", "lamp_green")):
        z = cz - 0.04 - lamp_r - 0.03 - k * (2 * lamp_r + 0.06)
        p.add(part, cylinder((cx + d / 2 - 0.01, cy, z), (cx + d / 2 + 0.02, cy, z), lamp_r, 12))
        p.add(
            "trim",
            box(
                (cx + d / 2, cy - lamp_r - 0.02, z + lamp_r),
                (cx + d / 2 + 0.16, cy + lamp_r + 0.02, z + lamp_r + 0.02),
            ),
            (30, 32, 30),
        )


def build_traffic_light(
    *,
    pole_height: float,
    style: str = "post",
    arm: float = 0.0,
    pole_color=POLE_GREY,
    backplate: bool = False,
) -> dict[str, trimesh.Trimesh]:
    """A traffic signal: pole + three-aspect head with red/amber/green lamps facing +x.

    style "post": head on top of a ``pole_height`` pole; "mast": the head hangs from an arm
    of length ``arm`` reaching along -y (over the road, for a pole on the traffic's right);
    a second, lower head is then on the pole. ``lamp_*`` parts can be dimmed at run time."""
    p = Parts()
    p.add(
        "metal",
        frustum(
            (0, 0, 0),
            (0, 0, pole_height),
            0.08 if style == "mast" else 0.06,
            0.06 if style == "mast" else 0.05,
            10,
        ),
        pole_color,
    )
    p.add("concrete", box((-0.2, -0.2, 0.0), (0.2, 0.2, 0.08)))
    if style == "post":
        _signal_head(p, (0.17, 0.0, pole_height + 0.8), backplate=backplate)
        p.add(
            "metal",
            box((0.0, -0.05, pole_height - 0.05), (0.05, 0.05, pole_height + 0.1)),
            pole_color,
        )
    else:
        za = pole_height - 0.15
        p.add("metal", cylinder((0, 0.05, za), (0, -arm, za), 0.05, 8), pole_color)
        p.add(
            "metal", cylinder((0, 0.0, za - 0.9), (0, -arm * 0.45, za - 0.03), 0.025, 6), pole_color
        )
        _signal_head(p, (0.0, -arm + 0.35, za - 0.05), backplate=backplate)
        _signal_head(p, (0.17, 0.0, 3.2), lamp_r=0.09)
        p.add("metal", box((0.0, -0.05, 2.2), (0.05, 0.05, 2.35)), pole_color)
    return p.meshes()


TRAFFIC_LIGHT_VARIANTS = [
    dict(pole_height=2.6, style="post"),
    dict(pole_height=2.8, style="post", backplate=True, pole_color=POLE_GREEN),
    dict(pole_height=6.0, style="mast", arm=5.0, backplate=True),
]


def _plate_shape(shape: str, size: float) -> np.ndarray:
    """(y, z) outline of a sign plate centred at the origin."""
    if shape == "circle":
        t = 2 * np.pi * np.arange(20) / 20
        return np.column_stack([size / 2 * np.cos(t), size / 2 * np.sin(t)])
    if shape == "octagon":
        t = 2 * np.pi * (np.arange(8) + 0.5) / 8
        return np.column_stack([size / 2 * np.cos(t), size / 2 * np.sin(t)])
    if shape in ("triangle", "triangle_down"):
        t = np.pi / 2 + 2 * np.pi * np.arange(3) / 3
        pts = np.column_stack([size / 2 * np.cos(t), size / 2 * np.sin(t) - size * 0.1])
        return pts if shape == "triangle" else pts * (1, -1)
    if shape == "square":
        h = size / 2
        return np.array([(-h, -h), (h, -h), (h, h), (-h, h)])
    if shape == "diamond":
        h = size / 2
        return np.array([(0, -h), (h, 0), (0, h), (-h, 0)])
    raise ValueError(f"unknown sign shape {shape!r}")


def _face(p: Parts, outline: np.ndarray, center, x0: float, x1: float, color) -> None:
    pts = outline + np.asarray(center[1:], dtype=np.float64)
    p.add("sign_face", prism(pts, x0 + center[0], x1 + center[0], "yz"), color)


def build_sign(
    *,
    shape: str,
    size: float,
    pole_height: float,
    border,
    inner,
    symbol=None,
    symbol_kind: str = "bar",
) -> dict[str, trimesh.Trimesh]:
    """A traffic sign: pole (``metal``) + plate facing +x (``sign_face``, back ``metal``).

    shape: "circle" | "octagon" | "triangle" | "triangle_down" | "square" | "diamond"; size:
    plate width [m]; pole_height: to the plate centre; border/inner: RGB of the rim and the
    field; symbol: RGB of a simple pictogram ("bar": horizontal bar, "digits": two blocks,
    "letter": a block letter P, "arrow": an upward arrow)."""
    p = Parts()
    zc = pole_height
    p.add("metal", cylinder((0, 0, 0), (0, 0, zc + size * 0.3), 0.035, 8), POLE_GREY)
    outline = _plate_shape(shape, size)
    c = np.array([0.045, 0.0, zc])
    p.add("metal", prism(outline + c[1:], c[0] - 0.02, c[0], "yz"), (150, 152, 155, 255))
    _face(p, outline, c, 0.0, 0.004, border)
    inner_scale = 0.78 if shape in ("circle", "octagon", "square", "diamond") else 0.62
    if shape == "octagon":
        inner_scale = 0.9
    oc = outline.mean(axis=0)
    _face(p, (outline - oc) * inner_scale + oc, c, 0.003, 0.007, inner)
    if symbol is not None:
        s = size
        blocks = []
        if symbol_kind == "bar":
            blocks = [(-0.3 * s, -0.07 * s, 0.3 * s, 0.07 * s)]
        elif symbol_kind == "digits":
            blocks = [
                (-0.2 * s, -0.17 * s, -0.03 * s, 0.17 * s),
                (0.03 * s, -0.17 * s, 0.2 * s, 0.17 * s),
            ]
        elif symbol_kind == "letter":
            blocks = [
                (-0.18 * s, -0.28 * s, -0.06 * s, 0.28 * s),
                (-0.06 * s, 0.0, 0.16 * s, 0.28 * s),
            ]
        elif symbol_kind == "arrow":
            blocks = [(-0.05 * s, -0.2 * s, 0.05 * s, 0.12 * s)]
            tri = np.array([(-0.16 * s, 0.1 * s), (0.16 * s, 0.1 * s), (0.0, 0.3 * s)]) + oc
            _face(p, tri, c, 0.006, 0.01, symbol)
        for y0, z0, y1, z1 in blocks:
            _face(
                p, np.array([(y0, z0), (y1, z0), (y1, z1), (y0, z1)]) + oc, c, 0.006, 0.01, symbol
            )
    return p.meshes()


RED = (200, 25, 30)
WHITE = (245, 245, 245)
BLACK = (20, 20, 22)
BLUE = (20, 70, 160)
YELLOW = (245, 200, 20)
SIGN_VARIANTS = [
    dict(
        shape="circle",
        size=0.6,
        pole_height=2.2,
        border=RED,
        inner=WHITE,
        symbol=BLACK,
        symbol_kind="digits",
    ),
    dict(
        shape="octagon",
        size=0.75,
        pole_height=2.1,
        border=WHITE,
        inner=RED,
        symbol=WHITE,
        symbol_kind="bar",
    ),
    dict(
        shape="triangle",
        size=0.9,
        pole_height=2.2,
        border=RED,
        inner=WHITE,
        symbol=BLACK,
        symbol_kind="arrow",
    ),
    dict(shape="triangle_down", size=0.9, pole_height=2.3, border=RED, inner=WHITE),
    dict(
        shape="square",
        size=0.6,
        pole_height=2.3,
        border=WHITE,
        inner=BLUE,
        symbol=WHITE,
        symbol_kind="letter",
    ),
    dict(
        shape="circle",
        size=0.6,
        pole_height=2.2,
        border=RED,
        inner=RED,
        symbol=WHITE,
        symbol_kind="bar",
    ),
    dict(
        shape="diamond",
        size=0.75,
        pole_height=2.2,
        border=BLACK,
        inner=YELLOW,
        symbol=BLACK,
        symbol_kind="arrow",
    ),
]


def build_street_lamp(
    *, height: float, style: str = "arm", arm: float = 1.5, pole_color=POLE_GREY
) -> dict[str, trimesh.Trimesh]:
    """A street light. style "arm": tapered pole with one arm of ``arm`` [m] reaching -y (over
    the road) ending in a luminaire whose underside is ``light_front``; "double": arms to both
    sides; "lantern": a post-top lantern."""
    p = Parts()
    p.add("concrete", box((-0.22, -0.22, 0.0), (0.22, 0.22, 0.1)))
    if style == "lantern":
        p.add("metal", frustum((0, 0, 0), (0, 0, height - 0.6), 0.09, 0.05, 10), pole_color)
        p.add(
            "metal", frustum((0, 0, height - 0.62), (0, 0, height - 0.5), 0.12, 0.1, 10), pole_color
        )
        p.add(
            "light_front",
            frustum((0, 0, height - 0.5), (0, 0, height - 0.12), 0.13, 0.2, 8),
            (250, 240, 200, 255),
        )
        p.add("metal", frustum((0, 0, height - 0.14), (0, 0, height), 0.26, 0.04, 8), pole_color)
        return p.meshes()
    p.add("metal", frustum((0, 0, 0), (0, 0, height), 0.1, 0.055, 10), pole_color)
    sides = (-1,) if style == "arm" else (-1, 1)
    for sd in sides:
        z = height - 0.05
        p.add(
            "metal", cylinder((0, 0, z - 0.3), (0, sd * arm * 0.25, z + 0.05), 0.04, 6), pole_color
        )
        p.add(
            "metal",
            cylinder((0, sd * arm * 0.2, z + 0.05), (0, sd * arm, z + 0.12), 0.04, 6),
            pole_color,
        )
        y1 = sd * (arm + 0.6)
        ya, yb = sorted((sd * (arm - 0.1), y1))
        p.add("metal", box((-0.17, ya, z + 0.02), (0.17, yb, z + 0.2)), (90, 92, 95, 255))
        p.add(
            "light_front",
            box((-0.13, ya + 0.05, z - 0.0), (0.13, yb - 0.05, z + 0.03)),
            (250, 240, 200, 255),
        )
    return p.meshes()


STREET_LAMP_VARIANTS = [
    dict(height=8.0, style="arm", arm=1.8),
    dict(height=10.0, style="double", arm=2.0),
    dict(height=4.2, style="lantern", pole_color=POLE_GREEN),
]


# =========================================================================== static: trees, buildings
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
        for k in range(2 if style == "round" else 0):
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


def build_building(
    *,
    footprint: Sequence[tuple[float, float]],
    floors: int,
    floor_height: float = 3.0,
    roof: str = "flat",
    wall=(190, 180, 165),
    roof_color=(110, 70, 60),
    window=(70, 90, 110),
    window_width: float = 1.2,
    window_height: float = 1.4,
    bay: float = 3.0,
    ribbon: bool = False,
    shop: bool = False,
    gable_height: float = 2.5,
) -> dict[str, trimesh.Trimesh]:
    """A building block: footprint polygon (x, y) [m] extruded ``floors * floor_height`` high
    (``wall``), a ``roof`` ("flat" with parapet, or "gable" along x), and rows of ``window``
    panes on every facade (or one ribbon per floor when ``ribbon``); ``shop``: large ground
    floor windows. The entrance (``trim`` door) is on the -y facade (the street side)."""
    p = Parts()
    fp = clean_polygon(np.asarray(footprint, dtype=np.float64))
    H = floors * floor_height
    p.add("wall", prism(fp, 0.0, H, "xy"), wall)
    if roof == "flat":
        poly = sg.Polygon(fp).buffer(0.15, join_style="mitre")
        outer = clean_polygon(np.asarray(poly.exterior.coords)[:-1])
        p.add("roof", prism(outer, H, H + 0.25, "xy"), roof_color)
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
    elif roof == "gable":
        lo, hi = fp.min(axis=0), fp.max(axis=0)
        y0, y1 = lo[1] - 0.35, hi[1] + 0.35
        tri = np.array([(y0, H - 0.1), (y1, H - 0.1), ((y0 + y1) / 2, H + gable_height)])
        p.add("roof", prism(tri, lo[0] - 0.3, hi[0] + 0.3, "yz"), roof_color)
        gt = np.array(
            [(lo[1], H - 0.2), (hi[1], H - 0.2), ((lo[1] + hi[1]) / 2, H + gable_height - 0.25)]
        )
        p.add("wall", prism(gt, lo[0], hi[0], "yz"), wall)
    else:
        raise ValueError(f"unknown roof {roof!r}")
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
        for fl in range(floors):
            z0 = fl * floor_height + (floor_height - window_height) * 0.55
            if fl == 0 and shop and street:
                z0 = 0.4
                zt = floor_height - 0.35
            else:
                zt = z0 + window_height
            if ribbon and not (fl == 0 and shop and street):
                spans = [(0.6, elen - 0.6)]
            else:
                nb = max(1, int((elen - 0.6) / bay))
                spans = []
                for k in range(nb):
                    cpos = 0.3 + (elen - 0.6) * (k + 0.5) / nb
                    ww = min(
                        window_width if not (fl == 0 and shop and street) else bay - 0.5,
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
                p.add("window", quad_slab(quad, (nrm[0], nrm[1], 0.0), 0.03, 0.02), window)
    return p.meshes()


def _rect(lx: float, ly: float) -> list[tuple[float, float]]:
    return [(-lx / 2, -ly / 2), (lx / 2, -ly / 2), (lx / 2, ly / 2), (-lx / 2, ly / 2)]


BUILDING_VARIANTS = [
    dict(
        footprint=_rect(10.0, 8.0),
        floors=2,
        roof="gable",
        wall=(225, 215, 195),
        roof_color=(140, 60, 45),
        window=(60, 80, 100),
        gable_height=3.0,
    ),
    dict(
        footprint=_rect(24.0, 12.0), floors=5, wall=(190, 170, 150), window=(65, 85, 105), shop=True
    ),
    dict(
        footprint=_rect(18.0, 16.0),
        floors=10,
        floor_height=3.5,
        wall=(150, 160, 170),
        window=(40, 60, 80),
        ribbon=True,
        shop=True,
        roof_color=(90, 90, 95),
    ),
    dict(
        footprint=[(-10, -9), (10, -9), (10, 9), (2, 9), (2, -1), (-10, -1)],
        floors=4,
        wall=(200, 195, 185),
        window=(70, 90, 110),
        roof_color=(100, 100, 105),
    ),
    dict(
        footprint=_rect(14.0, 10.0),
        floors=3,
        wall=(170, 90, 70),
        window=(55, 70, 90),
        roof_color=(80, 80, 85),
        shop=True,
    ),
]


# =========================================================================== finishing
def finalize(
    poses: Sequence[dict[str, trimesh.Trimesh]],
) -> tuple[list[dict[str, trimesh.Trimesh]], tuple[float, float, float], np.ndarray]:
    """Put one variant (all its poses) into the asset frame convention.

    Scales each axis by at most half a grid step so the extents ``(l, w, h)`` of the union of
    all poses become multiples of :data:`GRID`, translates so that union bounds are exactly
    ``[[-l/2, -w/2, 0], [l/2, w/2, h]]`` and rounds every coordinate to float32 (what the GLB
    stores). Returns (poses, size, per-axis scale).
    """
    allv = np.concatenate([m.vertices for pose in poses for m in pose.values()])
    lo, hi = allv.min(axis=0), allv.max(axis=0)
    ext = hi - lo
    snapped = np.maximum(GRID, np.round(ext / GRID) * GRID)
    scale = snapped / ext
    origin = np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2]])
    bmin = np.array([-snapped[0] / 2, -snapped[1] / 2, 0.0])
    bmax = np.array([snapped[0] / 2, snapped[1] / 2, snapped[2]])
    out = []
    for pose in poses:
        new = {}
        for part, m in pose.items():
            v = (np.asarray(m.vertices) - origin) * scale
            v = np.clip(v, bmin, bmax).astype(np.float32).astype(np.float64)
            nm = trimesh.Trimesh(v, np.asarray(m.faces), process=False, validate=False)
            nm.visual.face_colors = np.asarray(m.visual.face_colors)
            new[part] = nm
        out.append(new)
    size = (float(snapped[0]), float(snapped[1]), float(snapped[2]))
    return out, size, scale


@dataclass(frozen=True)
class AssetSpec:
    """One catalog entry: how to build each of its variants."""

    name: str
    cls: str  # class name of sim.classes
    kind: str  # vehicle | two_wheeler | pedestrian | static
    builder: Callable[..., dict[str, trimesh.Trimesh]]
    variants: Sequence[dict]
    prefix: str
    paint_colors: Sequence[Sequence[int]] | None = None
    poses: int = 1

    def wheelbase(self, params: dict) -> float | None:
        """Front axle to the centre of the rear axle group [m] (before finalize's scaling)."""
        if self.kind not in ("vehicle", "two_wheeler"):
            return None
        wb = float(params["wheelbase"])
        n = int(params.get("rear_axles", 1))
        return (
            wb
            + (n - 1)
            * float(params.get("axle_spacing", 1.35 if self.builder is build_truck else 1.45))
            / 2
        )

    def build(self, index: int) -> list[dict[str, trimesh.Trimesh]]:
        """Raw (not finalized) poses of variant ``index``."""
        params = dict(self.variants[index])
        if self.kind == "pedestrian":
            return [self.builder(phase=k / self.poses, **params) for k in range(self.poses)]
        return [self.builder(**params)]


def _spec(name, cls, kind, builder, variants, prefix=None, paint=None, poses=1) -> AssetSpec:
    return AssetSpec(name, cls, kind, builder, variants, prefix or name, paint, poses)


ASSETS: dict[str, AssetSpec] = {
    s.name: s
    for s in (
        _spec("sedan", "car", "vehicle", build_car, SEDAN_VARIANTS, paint=CAR_PAINT),
        _spec("hatchback", "car", "vehicle", build_car, HATCH_VARIANTS, paint=CAR_PAINT),
        _spec("suv", "car", "vehicle", build_car, SUV_VARIANTS, paint=CAR_PAINT),
        _spec("pickup", "car", "vehicle", build_car, PICKUP_VARIANTS, paint=CAR_PAINT),
        _spec("van", "van", "vehicle", build_car, VAN_VARIANTS, paint=VAN_PAINT),
        _spec("truck", "truck", "vehicle", build_truck, TRUCK_VARIANTS, paint=TRUCK_PAINT),
        _spec("bus", "bus", "vehicle", build_bus, BUS_VARIANTS, paint=BUS_PAINT),
        _spec(
            "motorcycle_with_rider",
            "motorcycle",
            "two_wheeler",
            build_motorcycle,
            MOTORCYCLE_VARIANTS,
            prefix="motorcycle",
            paint=TWO_WHEEL_PAINT,
        ),
        _spec(
            "bicycle_with_rider",
            "bicycle",
            "two_wheeler",
            build_bicycle,
            BICYCLE_VARIANTS,
            prefix="bicycle",
            paint=TWO_WHEEL_PAINT,
        ),
        _spec(
            "pedestrian_adult",
            "pedestrian",
            "pedestrian",
            build_pedestrian,
            ADULT_VARIANTS,
            prefix="adult",
            poses=WALK_POSES,
        ),
        _spec(
            "pedestrian_child",
            "pedestrian",
            "pedestrian",
            build_pedestrian,
            CHILD_VARIANTS,
            prefix="child",
            poses=WALK_POSES,
        ),
        _spec("traffic_cone", "traffic_cone", "static", build_traffic_cone, CONE_VARIANTS),
        _spec("barrier", "barrier", "static", build_barrier, BARRIER_VARIANTS),
        _spec(
            "traffic_light", "traffic_light", "static", build_traffic_light, TRAFFIC_LIGHT_VARIANTS
        ),
        _spec("sign", "traffic_sign", "static", build_sign, SIGN_VARIANTS),
        _spec("street_lamp", "pole", "static", build_street_lamp, STREET_LAMP_VARIANTS),
        _spec("tree", "vegetation", "static", build_tree, TREE_VARIANTS),
        _spec("building", "building", "static", build_building, BUILDING_VARIANTS),
        # edge cases (sim/assets/edge.py): road debris and animals (walkers, like pedestrians)
        _spec("tire", "debris", "static", build_tire, TIRE_VARIANTS),
        _spec("cardboard_box", "debris", "static", build_cardboard_box, BOX_VARIANTS, prefix="box"),
        _spec("pallet", "debris", "static", build_pallet, PALLET_VARIANTS),
        _spec("ball", "debris", "static", build_ball, BALL_VARIANTS, paint=BALL_PAINT),
        _spec("deer", "animal", "pedestrian", build_quadruped, DEER_VARIANTS, poses=WALK_POSES),
        _spec("dog", "animal", "pedestrian", build_quadruped, DOG_VARIANTS, poses=WALK_POSES),
    )
}
"""Every asset of the catalog, in catalog order."""
