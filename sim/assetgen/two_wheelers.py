"""Two-wheelers with their riders (build time): motorcycles and bicycles.

:func:`build_motorcycle` (sport, naked, scooter, cruiser) and :func:`build_bicycle` (city,
road, mtb), each with a rider posed by :func:`sim.assetgen.humanoid.rider_joints`;
:data:`MOTORCYCLE_VARIANTS` and :data:`BICYCLE_VARIANTS` in catalog order, paint colours in
:data:`TWO_WHEEL_PAINT`.
"""

from __future__ import annotations

import math

import numpy as np
import trimesh

from sim.assetgen.geometry import Y, box, cylinder, ellipsoid, hexa, torus
from sim.assetgen.humanoid import Body, add_person, rider_joints
from sim.assetgen.parts import Parts

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
    :class:`sim.assetgen.humanoid.Body`; helmet: RGB.
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
