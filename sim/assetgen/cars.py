"""Passenger cars (build time): :class:`CarShape` and :func:`build_car`.

One builder makes the sedan, hatchback, SUV, van and pickup families from a side profile
extruded across the width; a variant is a :class:`CarShape` (its proportions). The variant
tables and paint colours are in :mod:`sim.assetgen.car_variants`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import trimesh

from sim.assetgen.bodywork import add_pane, add_wheels, arch_points, side_windows
from sim.assetgen.geometry import box, prism
from sim.assetgen.parts import Parts


# =========================================================================== cars
@dataclass(frozen=True, kw_only=True)
class CarShape:
    """The proportions of a passenger car, SUV, van or pickup: one variant of :func:`build_car`.

    Lengths in metres, x forward (front bumper at +length/2), ground at z = 0.

    length, width: body (without mirrors, which add ~0.1 m per side); roof_height: top of roof;
    clearance: underbody height; wheel_radius, tyre_width; wheelbase; front_overhang: front
    bumper to front axle; nose_height: top of the front face; belt_height: bottom of the side
    windows (the hood rises to it at the windshield base); hood_length: front to windshield
    base; windshield_run: horizontal run of the windshield; roof_length: flat roof.
    rear_style: "notch" (sedan: sloped rear window then trunk lid at ``deck_height``),
    "hatch" (sloped tailgate to the rear), "box" (near-vertical tailgate: SUV, van) or "bed"
    (pickup: cab then an open bed to the rear). tumblehome: fraction by which the
    greenhouse narrows from belt to roof; shoulder: inset of the greenhouse from the body
    side; pillars: B/C-pillar positions as fractions of the roof from its front edge;
    glass_windows: side windows (front to rear) that are glass, the rest stay body panels.
    """

    length: float
    width: float
    roof_height: float
    clearance: float
    wheel_radius: float
    tyre_width: float
    wheelbase: float
    front_overhang: float
    nose_height: float
    belt_height: float
    hood_length: float
    windshield_run: float
    roof_length: float
    rear_style: str = "notch"
    deck_height: float | None = None
    tumblehome: float = 0.12
    shoulder: float = 0.05
    pillars: Sequence[float] = (0.5,)
    glass_windows: int = 99
    tail_light_height: float = 0.14
    rim_color: tuple[int, int, int] = (178, 180, 184)
    roof_rails: bool = False
    rear_plate_yellow: bool = False
    dark_bumpers: bool = False


def build_car(car: CarShape) -> dict[str, trimesh.Trimesh]:
    """A car (see :class:`CarShape`) made from a side profile extruded across the width."""
    L, W = car.length, car.width
    xF, xR = L / 2.0, -L / 2.0
    c = car.clearance
    r = car.wheel_radius
    xf = xF - car.front_overhang
    xr = xf - car.wheelbase
    ra = r + 0.05  # arch radius
    zb = car.belt_height
    zn = car.nose_height
    zr = car.roof_height
    zg0 = zb - 0.02
    x_ws = xF - car.hood_length
    x_rf = x_ws - car.windshield_run
    x_rr = x_rf - car.roof_length
    deck = zb if car.deck_height is None else car.deck_height
    p = Parts()

    # ---- lower body profile (x, z), counter-clockwise: bottom rear -> front -> top -> rear
    prof: list[tuple[float, float]] = [(xR + 0.22, c)]
    prof += arch_points(xr, r, ra, c)
    prof += arch_points(xf, r, ra, c)
    prof += [(xF - 0.2, c), (xF - 0.03, c + 0.1), (xF, c + 0.22), (xF, zn - 0.08), (xF - 0.08, zn)]
    for t in (0.35, 0.7):
        xh = xF - 0.08 - t * (xF - 0.08 - x_ws)
        prof.append((xh, zn + (zb - zn) * (1.0 - (1.0 - t) ** 2)))
    prof.append((x_ws, zb))
    if car.rear_style == "notch":
        x_rw = x_rr - (x_rr - (xR + 0.35)) * 0.55  # rear window base
        x_rw = min(x_rw, x_rr - 0.3)
        prof += [(x_rw, zb), (xR + 0.12, deck), (xR + 0.02, deck - 0.04), (xR, deck - 0.1)]
        z_rear_top = deck - 0.1
    elif car.rear_style in ("hatch", "box"):
        x_rw = xR + (0.06 if car.rear_style == "box" else 0.1)
        prof += [(xR + 0.04, zb), (xR, zb - 0.06)]
        z_rear_top = zb - 0.06
    elif car.rear_style == "bed":
        x_cab = x_rr - 0.08
        x_rw = x_cab
        z_floor = max(c + 0.45, r + ra + 0.07)
        prof += [(x_cab, zb), (x_cab, z_floor), (xR, z_floor)]
        z_rear_top = z_floor
    else:
        raise ValueError(f"unknown rear_style {car.rear_style!r}")
    prof += [(xR, c + 0.22), (xR + 0.04, c + 0.1)]
    p.add("paint", prism(np.array(prof), -W / 2, W / 2, "xz"))

    # ---- greenhouse, narrowing towards the roof (tumblehome)
    hw = W / 2 - car.shoulder
    if car.rear_style == "bed":
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
        return 1.0 - car.tumblehome * np.clip((z - zg0) / (zr - zg0), 0.0, 1.0)

    def taper(v):
        v[:, 1] *= taper_s(v[:, 2])
        return v

    p.add("paint", prism(green, -hw, hw, "xz").mapped(taper))

    # ---- glass: windshield, rear window, side windows
    def half(z, margin=0.06):
        return hw * taper_s(z) - margin

    z_lo, z_hi = zb + 0.03, zr - 0.07
    add_pane(p, (x_ws, zg0), (x_rf, zr - 0.035), half, z_lo, z_hi)
    add_pane(
        p,
        (x_rr_g, zr - 0.035),
        (x_rw_g, zg0),
        half,
        z_lo + (0.02 if car.rear_style == "box" else 0.0),
        z_hi,
    )
    xs = [x_rf - f * (x_rf - x_rr_g) for f in car.pillars]
    bounds = [x_ws + 1.0] + xs + [x_rw_g - 1.0]
    cuts = [(bounds[i + 1] + 0.045, bounds[i] - 0.045) for i in range(len(bounds) - 1)]
    # cuts are front to rear; frame = pillar/roof margin
    wins = side_windows(green, 0.055, zb + 0.03, cuts)
    for i, win in enumerate(wins):
        if i >= car.glass_windows:
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
    bumper = "trim" if car.dark_bumpers else "paint"
    p.add(bumper, box((xF - 0.28, -W / 2 - 0.01, c + 0.05), (xF + 0.035, W / 2 + 0.01, c + 0.22)))
    p.add(bumper, box((xR - 0.035, -W / 2 - 0.01, c + 0.05), (xR + 0.28, W / 2 + 0.01, c + 0.22)))
    p.add("trim", box((xF - 0.26, -W / 2 + 0.02, zbump0), (xF + 0.02, W / 2 - 0.02, c + 0.06)))
    p.add("trim", box((xR - 0.02, -W / 2 + 0.02, zbump0), (xR + 0.26, W / 2 - 0.02, c + 0.06)))
    zp = c + 0.115
    p.add("plate", box((xF + 0.03, -0.26, zp - 0.055), (xF + 0.045, 0.26, zp + 0.055)))
    rear_plate_col = (240, 200, 30, 255) if car.rear_plate_yellow else None
    zrp = c + 0.3
    if car.rear_style == "bed":
        zrp = c + 0.28
    p.add(
        "plate",
        box((xR - 0.02, -0.26, zrp - 0.055), (xR + 0.03, 0.26, zrp + 0.055)),
        rear_plate_col,
    )
    tl_w = min(0.3, W * 0.16)
    ztl_top = z_rear_top - 0.02 if car.rear_style != "bed" else zb - 0.06
    tl_body_top = ztl_top
    if car.rear_style == "bed":
        # tail lights on the bed walls (vertical)
        p.add_mirrored(
            "light_rear",
            box((xR - 0.014, W / 2 - 0.12, z_floor + 0.05), (xR + 0.08, W / 2 + 0.006, zb - 0.08)),
        )
    else:
        p.add_mirrored(
            "light_rear",
            box(
                (xR - 0.012, W / 2 - 0.04 - tl_w, tl_body_top - car.tail_light_height),
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
                (xa - ra + 0.03, -(W / 2 - car.tyre_width - 0.08), r - 0.05),
                (xa + ra - 0.03, W / 2 - car.tyre_width - 0.08, r + ra + 0.03),
            ),
        )
    if car.roof_rails:
        p.add_mirrored(
            "trim",
            box(
                (x_rr_g + 0.1, hw * (1 - car.tumblehome) - 0.12, zr - 0.01),
                (x_rf - 0.15, hw * (1 - car.tumblehome) - 0.07, zr + 0.05),
            ),
        )

    # ---- pickup bed: side walls, tailgate, dark liner
    if car.rear_style == "bed":
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
    add_wheels(p, xf, W / 2 - 0.03, r, car.tyre_width, car.rim_color)
    add_wheels(p, xr, W / 2 - 0.03, r, car.tyre_width, car.rim_color)
    return p.meshes()
