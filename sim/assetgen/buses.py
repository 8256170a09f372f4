"""Buses and coaches (build time): :class:`BusShape`, :func:`build_bus` and its variants.

One box-like body with a glazed front, side window bands (two for a double-decker) and doors
on the kerb side; :data:`BUS_VARIANTS` in catalog order (city bus, coach, midibus,
double-decker), paint colours in :data:`BUS_PAINT`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import trimesh

from sim.assetgen.bodywork import add_pane, add_wheels, arch_points
from sim.assetgen.geometry import box, prism
from sim.assetgen.parts import Parts

BUS_PAINT = [
    [245, 245, 240],
    [235, 200, 30],
    [200, 30, 30],
    [40, 90, 170],
    [40, 130, 80],
    [230, 110, 20],
    [120, 122, 126],
]


@dataclass(frozen=True, kw_only=True)
class BusShape:
    """The proportions of a bus or coach: one variant of :func:`build_bus`, x forward.

    length/width/height: body [m]; clearance: underbody height; wheelbase: front axle to
    (first) rear axle; front_overhang: front face to front axle; window_band: z range of the
    side windows (upper_band: second deck); doors: x centres [m, from the front face, positive
    rearwards] of the doors on the right (-y, kerb) side; pane: nominal side pane length.
    """

    length: float
    width: float = 2.55
    height: float
    clearance: float = 0.3
    wheel_radius: float = 0.5
    tyre_width: float = 0.3
    wheelbase: float
    front_overhang: float = 2.7
    rear_axles: int = 1
    axle_spacing: float = 1.45
    windshield_base: float = 0.95
    windshield_rake: float = 0.12
    window_band: tuple[float, float] = (1.2, 2.5)
    upper_band: tuple[float, float] | None = None
    doors: Sequence[float] = ()
    door_width: float = 1.2
    pane: float = 1.35
    roof_unit: bool = True
    rear_window: bool = False
    stripe: bool = False


def build_bus(bus: BusShape) -> dict[str, trimesh.Trimesh]:
    """A bus or coach (see :class:`BusShape`): one box-like body (``paint``) with a glazed
    front and a window band."""
    L, W = bus.length, bus.width
    xF, xR = L / 2.0, -L / 2.0
    r = bus.wheel_radius
    c = bus.clearance
    xf = xF - bus.front_overhang
    rear = [xf - bus.wheelbase - k * bus.axle_spacing for k in range(bus.rear_axles)]
    ra = r + 0.06
    H = bus.height
    p = Parts()
    prof = [(xR + 0.08, c)]
    for xa in sorted(rear):
        prof += arch_points(xa, r, ra, c)
    prof += arch_points(xf, r, ra, c)
    zt = H - 0.18
    prof += [
        (xF - 0.06, c),
        (xF, c + 0.12),
        (xF, bus.windshield_base),
        (xF - bus.windshield_rake, zt),
        (xF - bus.windshield_rake - 0.18, H),
        (xR + 0.15, H),
        (xR, H - 0.12),
        (xR, c + 0.12),
    ]
    hw = W / 2
    p.add("paint", prism(np.array(prof), -hw, hw, "xz"))

    # windscreen (and upper-deck front window), destination display
    def half(z):
        return hw - 0.1

    top_ws = (bus.upper_band[0] - 0.25) if bus.upper_band else H - 0.5
    add_pane(
        p,
        (xF, bus.windshield_base),
        (xF - bus.windshield_rake, zt),
        half,
        bus.windshield_base + 0.05,
        top_ws,
    )
    if bus.upper_band:
        add_pane(
            p,
            (xF, bus.windshield_base),
            (xF - bus.windshield_rake, zt),
            half,
            bus.upper_band[0],
            min(bus.upper_band[1], zt - 0.05),
        )
    dz0 = top_ws + 0.06
    dz1 = min(dz0 + 0.26, zt - 0.04)
    if dz1 - dz0 > 0.1:
        add_pane(
            p,
            (xF, bus.windshield_base),
            (xF - bus.windshield_rake, zt),
            lambda z: hw - 0.35,
            dz0,
            dz1,
            part="light_front",
            color=(255, 190, 60, 255),
        )
    # side window panes (right side leaves the doors out), doors
    door_x = [xF - d for d in bus.doors]
    xs0, xs1 = xR + 0.5, xF - bus.windshield_rake - 0.12
    bands = [bus.window_band] + ([bus.upper_band] if bus.upper_band else [])
    for side in (1, -1):
        for bi, (z0, z1) in enumerate(bands):
            n = max(1, int(round((xs1 - xs0) / bus.pane)))
            edges = np.linspace(xs0, xs1, n + 1)
            for k in range(n):
                a, b = edges[k] + 0.05, edges[k + 1] - 0.05
                segs = [(a, b)]
                if side < 0 and bi == 0:
                    for dx in door_x:
                        new = []
                        for s0, s1 in segs:
                            d0, d1 = dx - bus.door_width / 2 - 0.08, dx + bus.door_width / 2 + 0.08
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
                (dx - bus.door_width / 2 - 0.05, -hw - 0.008, c + 0.12),
                (dx + bus.door_width / 2 + 0.05, -hw + 0.02, bus.window_band[1] + 0.05),
            ),
        )
        for k in (0, 1):
            a = dx - bus.door_width / 2 + k * bus.door_width / 2 + 0.04
            p.add(
                "glass",
                box(
                    (a, -hw - 0.016, c + 0.2),
                    (a + bus.door_width / 2 - 0.08, -hw + 0.01, bus.window_band[1]),
                ),
            )
    if bus.stripe:
        p.add_mirrored(
            "trim",
            box(
                (xR + 0.05, hw - 0.02, bus.window_band[0] - 0.22),
                (xF - 0.3, hw + 0.006, bus.window_band[0] - 0.12),
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
    if bus.rear_window:
        p.add(
            "glass",
            box(
                (xR - 0.012, -hw + 0.15, (bus.upper_band or bus.window_band)[0]),
                (xR + 0.02, hw - 0.15, (bus.upper_band or bus.window_band)[1]),
            ),
        )
    else:
        p.add("trim", box((xR - 0.012, -hw + 0.3, c + 0.5), (xR + 0.02, hw - 0.3, c + 1.2)))
    mz = H - 0.75
    p.add_mirrored("trim", box((xF - 0.1, hw - 0.05, mz + 0.35), (xF + 0.25, hw + 0.05, mz + 0.4)))
    p.add_mirrored("trim", box((xF + 0.18, hw, mz - 0.05), (xF + 0.26, hw + 0.12, mz + 0.4)))
    if bus.roof_unit:
        p.add(
            "metal", box((xF - 4.5, -0.85, H - 0.01), (xF - 2.0, 0.85, H + 0.26)), (205, 208, 212)
        )
    # wheel arch liners and wheels
    for xa in [xf] + rear:
        p.add(
            "trim",
            box(
                (xa - ra + 0.04, -(hw - bus.tyre_width - 0.1), r - 0.05),
                (xa + ra - 0.04, hw - bus.tyre_width - 0.1, r + ra + 0.03),
            ),
        )
    add_wheels(p, xf, hw - 0.05, r, bus.tyre_width, (205, 205, 205), n=18, rim_frac=0.58)
    for k, xa in enumerate(rear):
        add_wheels(
            p, xa, hw - 0.05, r, bus.tyre_width, (205, 205, 205), n=18, rim_frac=0.58, dual=(k == 0)
        )
    return p.meshes()


BUS_VARIANTS = [
    # 12 m low-floor city bus, two doors
    BusShape(
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
    BusShape(
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
    BusShape(
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
    BusShape(
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
