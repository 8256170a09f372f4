"""Rigid lorries (build time): :class:`TruckShape`, :func:`build_truck` and its variants.

A cab-over cab, a chassis with single front and dual rear wheels, and a cargo body (box,
curtain-sider, tipper or luton); :data:`TRUCK_VARIANTS` in catalog order, paint colours in
:data:`TRUCK_PAINT`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh

from sim.assetgen.bodywork import add_pane, add_wheels, arch_points
from sim.assetgen.geometry import box, cylinder, prism
from sim.assetgen.parts import Parts

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
        prof += arch_points(xf, r, ra, zc)
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
    add_pane(
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


@dataclass(frozen=True, kw_only=True)
class TruckShape:
    """The proportions of a rigid lorry: one variant of :func:`build_truck`, x forward.

    length, width, height: overall body (cargo body top = height; mirrors add ~0.18 m a side);
    cab_length/cab_height/cab_floor: cab box; windshield_base: z of the windshield's lower edge;
    wheelbase: front axle to the (first) rear axle; rear_axles: 1 or 2 (``axle_spacing`` apart),
    rear tyres are dual. body: "box" (closed van body, colour ``body_color`` as ``metal``),
    "curtain" (curtain-sider in ``paint``), "tipper" (open steel tipper in ``paint``, walls
    ``side_walls`` high) or "luton" (box body reaching over the cab roof). body_floor: z of the
    cargo floor.
    """

    length: float
    width: float = 2.5
    height: float
    cab_length: float = 2.1
    cab_height: float = 2.9
    cab_floor: float = 0.95
    windshield_base: float = 1.75
    wheel_radius: float = 0.48
    tyre_width: float = 0.3
    wheelbase: float
    front_overhang: float = 1.3
    rear_axles: int = 1
    axle_spacing: float = 1.35
    body: str = "box"
    body_color: tuple[int, int, int] = (236, 236, 236)
    body_floor: float = 1.15
    side_walls: float = 1.0


def build_truck(truck: TruckShape) -> dict[str, trimesh.Trimesh]:
    """A rigid lorry (see :class:`TruckShape`): cab-over cab (``paint``) + chassis + cargo body."""
    L, W = truck.length, truck.width
    xF, xR = L / 2.0, -L / 2.0
    r = truck.wheel_radius
    xf = xF - truck.front_overhang
    rear = [xf - truck.wheelbase - k * truck.axle_spacing for k in range(truck.rear_axles)]
    p = Parts()
    xb = _truck_cab(
        p,
        xF=xF,
        W=W - 0.04,
        cab_length=truck.cab_length,
        cab_height=truck.cab_height,
        cab_floor=truck.cab_floor,
        xf=xf,
        r=r,
        windshield_base=truck.windshield_base,
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

    zf = truck.body_floor
    x0 = xb - 0.15  # body front
    if truck.body in ("box", "curtain", "luton"):
        part = "paint" if truck.body == "curtain" else "metal"
        col = None if truck.body == "curtain" else truck.body_color
        p.add(part, box((xR, -W / 2, zf), (x0, W / 2, truck.height)), col)
        if truck.body == "luton":
            p.add(
                part,
                box((x0 - 0.1, -W / 2, truck.cab_height + 0.08), (xF - 0.5, W / 2, truck.height)),
                col,
            )
        p.add(
            "trim", box((xR - 0.01, -W / 2 - 0.01, zf - 0.1), (x0 + 0.01, W / 2 + 0.01, zf + 0.06))
        )
        # corner posts and a top rail, slightly proud
        for xp in (xR, x0 - 0.08):
            p.add_mirrored(
                "trim",
                box((xp - 0.01, W / 2 - 0.07, zf), (xp + 0.09, W / 2 + 0.012, truck.height - 0.02)),
            )
        p.add_mirrored(
            "trim",
            box((xR, W / 2 - 0.05, truck.height - 0.09), (x0, W / 2 + 0.01, truck.height - 0.02)),
        )
        if truck.body == "curtain":
            n = max(2, int((x0 - xR) / 1.4))
            for k in range(1, n):
                xp = xR + (x0 - xR) * k / n
                p.add_mirrored(
                    "trim",
                    box(
                        (xp - 0.03, W / 2 - 0.05, zf + 0.06),
                        (xp + 0.03, W / 2 + 0.008, truck.height - 0.09),
                    ),
                )
        # rear doors: centre seam and locking bars
        p.add("trim", box((xR - 0.012, -0.02, zf + 0.06), (xR + 0.01, 0.02, truck.height - 0.09)))
        for yb in (-0.55, 0.55):
            p.add(
                "metal",
                box((xR - 0.025, yb - 0.02, zf + 0.1), (xR + 0.01, yb + 0.02, truck.height - 0.15)),
            )
    elif truck.body == "tipper":
        top = zf + truck.side_walls
        th = 0.06
        p.add("paint", box((xR, -W / 2, zf), (x0, W / 2, zf + 0.1)))
        p.add_mirrored("paint", box((xR, W / 2 - th, zf + 0.05), (x0, W / 2, top)))
        p.add(
            "paint",
            box((x0 - th, -W / 2 + th - 0.01, zf + 0.05), (x0, W / 2 - th + 0.01, truck.height)),
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
        raise ValueError(f"unknown truck body {truck.body!r}")
    # wheels: single front, dual rear
    add_wheels(p, xf, W / 2 - 0.05, r, truck.tyre_width, (200, 200, 200), n=18, rim_frac=0.58)
    for xa in rear:
        add_wheels(
            p,
            xa,
            W / 2 - 0.05,
            r,
            truck.tyre_width,
            (200, 200, 200),
            n=18,
            rim_frac=0.58,
            dual=True,
        )
        p.add(
            "trim",
            box((xa - r - 0.06, -(W / 2 - 0.65), r - 0.1), (xa + r + 0.06, W / 2 - 0.65, r + 0.1)),
        )
    return p.meshes()


TRUCK_VARIANTS = [
    TruckShape(
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
    TruckShape(
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
    TruckShape(
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
    TruckShape(
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
