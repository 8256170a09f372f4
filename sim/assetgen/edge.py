"""Builders of edge-case assets: road debris (tyres, cardboard boxes, pallets, balls) and
animals (deer, dogs) with a walk cycle.

Same conventions as the other families of :mod:`sim.assetgen` (metres, x forward, y left,
z up, closed outward primitives in a :class:`sim.assetgen.parts.Parts`, nothing random
without a fixed seed); :func:`sim.assetgen.registry.finalize` puts each variant into the
asset frame.
Animals are built like pedestrians: one mesh per walk-cycle phase, so the catalogue lists
them with kind ``pedestrian`` (walkers in the traffic engine).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import trimesh

from sim.assetgen.geometry import (
    Prim,
    cbox,
    cone,
    cylinder,
    ellipsoid,
    frustum,
    outward,
    rot_x,
    rot_y,
    rot_z,
    torus,
)
from sim.assetgen.parts import Parts


def _shade(c, k: float) -> tuple[int, int, int, int]:
    return (*[int(round(min(255.0, max(0.0, x * k)))) for x in c[:3]], 255)


def ring_solid(center, axis, profile: Sequence[tuple[float, float]], n: int = 20) -> Prim:
    """A solid ring (torus topology) around ``axis`` through ``center``: the closed polygon
    ``profile`` of (radius, height along axis) points [m] swept around the axis in ``n`` steps
    (a tyre's cross-section, for instance)."""
    d = np.asarray(axis, dtype=np.float64)
    d /= np.linalg.norm(d)
    a = np.cross(d, [1.0, 0.0, 0.0] if abs(d[0]) < 0.9 else [0.0, 1.0, 0.0])
    a /= np.linalg.norm(a)
    b = np.cross(d, a)
    prof = np.asarray(profile, dtype=np.float64)
    m = len(prof)
    t = 2.0 * np.pi * np.arange(n) / n
    radial = np.outer(np.cos(t), a) + np.outer(np.sin(t), b)
    v = (
        np.asarray(center, dtype=np.float64)
        + prof[None, :, 0, None] * radial[:, None, :]
        + prof[None, :, 1, None] * d[None, None, :]
    ).reshape(-1, 3)
    i, j = np.arange(n)[:, None], np.arange(m)[None, :]
    i1, j1 = (i + 1) % n, (j + 1) % m
    a00, a10, a11, a01 = (
        (i * m + j).ravel(),
        (i1 * m + j).ravel(),
        (i1 * m + j1).ravel(),
        (i * m + j1).ravel(),
    )
    return outward(
        v, np.concatenate([np.column_stack([a00, a10, a11]), np.column_stack([a00, a11, a01])])
    )


# =========================================================================== debris
def build_tire(
    *, style: str, radius: float, width: float, rim_frac: float = 0.0, tyre_color=(28, 28, 30)
) -> dict[str, trimesh.Trimesh]:
    """A tyre lying flat on the road ("flat": radius [m] outer, width [m] its height; with a
    steel rim when ``rim_frac`` > 0, the rim radius as a fraction of ``radius``), or a shred
    of truck tread ("shred": a curled strip ``radius`` long, ``width`` wide)."""
    p = Parts()
    if style == "flat":
        r_in = radius * (rim_frac if rim_frac > 0 else 0.58)
        b = min(0.3 * width, 0.25 * (radius - r_in))
        h = width / 2
        prof = [
            (r_in, -h),
            (radius - b, -h),
            (radius, -h + b),
            (radius, h - b),
            (radius - b, h),
            (r_in, h),
            (r_in - 0.01, 0.0),
        ]
        p.add("tyre", ring_solid((0.0, 0.0, h), (0.0, 0.0, 1.0), prof[::-1], 24), tyre_color)
        if rim_frac > 0:
            p.add(
                "rim",
                cylinder((0.0, 0.0, 0.04 * width), (0.0, 0.0, 0.85 * width), r_in + 0.005, 16),
            )
            p.add(
                "trim", cylinder((0.0, 0.0, 0.8 * width), (0.0, 0.0, 0.9 * width), 0.16 * r_in, 8)
            )
        return p.meshes()
    # shred: segments of a strip curling up along x, overlapping so the surface has no gaps
    n, t = 9, 0.025
    seg = radius / n
    for k in range(n):
        s = (k + 0.5) / n - 0.5
        ang = 0.9 * s * s * 4 * (1 if s > 0 else -1) * 0.6  # both ends lift
        x = s * radius
        z = t / 2 + 0.35 * width * (2 * s) ** 2
        yaw = 0.25 * math.sin(3.0 * s)
        p.add(
            "tyre",
            cbox(
                (x, 0.05 * math.sin(5 * s), z),
                (seg * 1.15, width * (1 - 0.15 * abs(s)), t),
                rot_z(yaw) @ rot_y(-ang),
            ),
            _shade(tyre_color, 1.0 + 0.08 * (k % 2)),
        )
    return p.meshes()


TIRE_VARIANTS = [
    dict(style="flat", radius=0.32, width=0.2),
    dict(style="flat", radius=0.31, width=0.2, rim_frac=0.6),
    dict(style="flat", radius=0.52, width=0.3),
    dict(style="shred", radius=1.4, width=0.3),
]

CARDBOARD = (176, 138, 92)


def build_cardboard_box(
    *,
    length: float,
    width: float,
    height: float,
    color=CARDBOARD,
    tape=(200, 175, 120),
    open_flaps: bool = False,
    crush: float = 0.0,
) -> dict[str, trimesh.Trimesh]:
    """A cardboard box [m] with a tape band over the lid, optionally with open flaps standing
    up, optionally crushed (``crush``: fraction of the height the top leans over)."""
    p = Parts()
    body = cbox((0.0, 0.0, height / 2), (length, width, height))
    if crush > 0:  # shear the box: the top slides sideways by crush * height
        body = body.mapped(lambda v: v + np.outer(v[:, 2] / height, [0.0, crush * height, 0.0]))
    p.add("cardboard", body, color)
    lean = crush * height
    if open_flaps:
        ft = 0.006
        for sgn in (-1, 1):
            hinge = (0.0, sgn * width / 2 + lean, height)
            flap = cbox((0.0, sgn * width / 4, 0.0), (length * 0.98, width / 2, ft)).rotated(
                rot_x(sgn * 2.2)
            )
            p.add("cardboard", flap.moved(hinge), _shade(color, 0.9))
    else:
        p.add("trim", cbox((0.0, lean, height + 0.002), (length + 0.004, 0.05, 0.006)), tape)
        for sgn in (-1, 1):
            p.add(
                "trim",
                cbox(
                    (sgn * (length / 2 + 0.002), lean * 0.9, height * 0.9),
                    (0.006, 0.05, height * 0.2),
                ),
                tape,
            )
    return p.meshes()


BOX_VARIANTS = [
    dict(length=0.6, width=0.4, height=0.4),
    dict(length=0.45, width=0.45, height=0.3, open_flaps=True),
    dict(length=1.0, width=0.6, height=0.5, color=(160, 125, 85), crush=0.12),
]


def build_pallet(
    *,
    length: float = 1.2,
    width: float = 0.8,
    color=(196, 160, 110),
    boards: int = 5,
    broken: bool = False,
) -> dict[str, trimesh.Trimesh]:
    """A wooden pallet (EUR 1200 x 800 x 144 mm by default): top deck boards along x, three
    stringer boards, nine blocks, three bottom boards; ``broken``: a missing top board and a
    loose one lying across."""
    p = Parts()
    tb, bh, sb = 0.022, 0.078, 0.022  # top boards, blocks, stringer/bottom boards
    z_b0 = sb  # top of the bottom boards
    z_s0 = z_b0 + bh  # bottom of the stringers
    z_t0 = z_s0 + sb  # bottom of the top deck
    ys = (-width / 2 + 0.05, 0.0, width / 2 - 0.05)
    xs = (-length / 2 + 0.0725, 0.0, length / 2 - 0.0725)
    for k, y in enumerate(ys):
        c = _shade(color, 0.92 + 0.05 * k)
        p.add("wood", cbox((0.0, y, sb / 2), (length, 0.1 if k != 1 else 0.145, sb)), c)
        p.add("wood", cbox((0.0, y, z_s0 + sb / 2), (length, 0.1 if k != 1 else 0.145, sb)), c)
        for x in xs:
            p.add(
                "wood",
                cbox((x, y, z_b0 + bh / 2), (0.145, 0.1 if k != 1 else 0.145, bh)),
                _shade(color, 0.85),
            )
    bw = 0.1
    for k in range(boards):
        if broken and k == 1:
            continue
        y = -width / 2 + bw / 2 + k * (width - bw) / (boards - 1)
        p.add(
            "wood",
            cbox((0.0, y, z_t0 + tb / 2), (length, bw, tb)),
            _shade(color, 1.0 + 0.04 * ((k * 7) % 3 - 1)),
        )
    if broken:
        p.add(
            "wood",
            cbox((0.1, -0.05, z_t0 + tb + tb / 2), (length * 0.9, bw, tb), rot_z(0.5)),
            _shade(color, 1.05),
        )
    return p.meshes()


PALLET_VARIANTS = [
    dict(),
    dict(color=(150, 120, 85), broken=True),
    dict(length=1.2, width=1.0, color=(205, 185, 140), boards=7),
]


def build_ball(
    *, radius: float, style: str = "plain", color=(200, 40, 40)
) -> dict[str, trimesh.Trimesh]:
    """A ball lying on the road: "plain" (painted: the actor's colour), "football" (white
    with black patches) or "basketball" (orange with black seams). ``radius`` [m]."""
    p = Parts()
    c = (0.0, 0.0, radius)
    if style == "plain":
        p.add("paint", ellipsoid(c, (radius, radius, radius), 16, 10))
        return p.meshes()
    p.add("trim", ellipsoid(c, (radius, radius, radius), 16, 10), color)
    if style == "football":  # 12 pentagon-like patches on the icosahedron's vertices
        g = (1 + 5**0.5) / 2
        verts = [(0, s1, s2 * g) for s1 in (-1, 1) for s2 in (-1, 1)]
        verts += [(s1, s2 * g, 0) for s1 in (-1, 1) for s2 in (-1, 1)]
        verts += [(s2 * g, 0, s1) for s1 in (-1, 1) for s2 in (-1, 1)]
        for v in verts:
            d = np.asarray(v, dtype=np.float64)
            d /= np.linalg.norm(d)
            p.add(
                "trim",
                frustum(
                    np.asarray(c) + d * radius * 0.93,
                    np.asarray(c) + d * radius * 1.012,
                    radius * 0.3,
                    radius * 0.27,
                    5,
                ),
                (25, 25, 28),
            )
    else:
        for axis in ((0, 0, 1), (1, 0, 0), (0, 1, 0)):
            p.add("trim", torus(c, axis, radius * 0.995, radius * 0.025, 24, 4), (30, 25, 22))
    return p.meshes()


BALL_VARIANTS = [
    dict(radius=0.11),
    dict(radius=0.11, style="football", color=(245, 245, 245)),
    dict(radius=0.12, style="basketball", color=(215, 100, 35)),
]
BALL_PAINT = [
    (200, 30, 30),
    (240, 200, 30),
    (30, 90, 200),
    (40, 160, 70),
    (240, 120, 30),
    (230, 230, 230),
]


# =========================================================================== animals
GAIT = {"lh": 0.0, "lf": 0.25, "rh": 0.5, "rf": 0.75}
"""Phase offset of each foot in the lateral-sequence walk of quadrupeds (left hind first)."""


def _direction(alpha: float) -> np.ndarray:
    """Unit vector pointing down, tilted by ``alpha`` [rad] toward +x (forward)."""
    return np.array([math.sin(alpha), 0.0, -math.cos(alpha)])


@dataclass(frozen=True, kw_only=True)
class Quadruped:
    """The build of a four-legged animal: one variant of :func:`build_quadruped`.

    Sizes [m]: ``length`` torso length, ``shoulder`` withers height, ``girth`` torso
    half-width, ``depth`` chest depth, ``leg`` upper-leg radius, ``neck``/``head``/``snout``/
    ``tail`` lengths, ``antlers`` antler height (0: none); ``neck_pitch_deg``,
    ``tail_pitch_deg``, ``stride_deg`` [deg]. ``ears``: "pointed", "floppy" or "deer".
    Colours: ``coat``, ``belly`` (under side; None: the coat), ``rump`` (rump patch and tail),
    ``dark`` (hooves or paws, nose, eyes).
    """

    length: float
    shoulder: float
    girth: float
    depth: float
    leg: float
    neck: float
    neck_pitch_deg: float
    head: float
    snout: float
    ears: str
    tail: float
    tail_pitch_deg: float
    coat: tuple[int, int, int]
    belly: tuple[int, int, int] | None = None
    dark: tuple[int, int, int] = (30, 26, 24)
    rump: tuple[int, int, int] | None = None
    antlers: float = 0.0
    stride_deg: float = 22.0


def build_quadruped(animal: Quadruped, phase: float = 0.0) -> dict[str, trimesh.Trimesh]:
    """A four-legged animal (see :class:`Quadruped`) walking toward +x at ``phase`` (cycles,
    0..1), lowest point on the ground."""
    p = Parts()
    belly = animal.coat if animal.belly is None else animal.belly
    rz = animal.depth / 2
    zt = animal.shoulder - rz  # torso centre height
    p.add(
        "fur", ellipsoid((0.0, 0.0, zt), (animal.length / 2, animal.girth, rz), 14, 8), animal.coat
    )
    p.add(
        "fur",
        ellipsoid(
            (0.02 * animal.length, 0.0, zt - 0.25 * rz),
            (animal.length * 0.42, animal.girth * 0.92, rz * 0.8),
            12,
            6,
        ),
        belly,
    )
    # legs: two segments each, swinging with the walk; the lower segment folds during the swing
    hip_z = zt - 0.1 * rz
    upper, lower = 0.5 * hip_z, 0.56 * hip_z
    for name, off in GAIT.items():
        front = name[1] == "f"
        side = 1.0 if name[0] == "l" else -1.0
        cyc = 2 * math.pi * (phase + off)
        swing = math.radians(animal.stride_deg) * math.sin(cyc)
        fold = math.radians(40.0) * max(0.0, math.cos(cyc))  # lifted while swinging forward
        x0 = (0.36 if front else -0.34) * animal.length
        top = np.array([x0, side * 0.62 * animal.girth, hip_z])
        a_up = swing + (0.0 if front else 0.25)
        knee = top + upper * _direction(a_up)
        a_lo = swing - fold - (0.0 if front else 0.3)
        foot = knee + lower * _direction(a_lo)
        p.add(
            "fur",
            frustum(
                top + np.array([0, 0, 0.4 * animal.leg]),
                knee,
                animal.leg * (1.3 if not front else 1.15),
                animal.leg * 0.6,
                7,
            ),
            animal.coat,
        )
        p.add("fur", frustum(knee, foot, animal.leg * 0.55, animal.leg * 0.42, 6), animal.coat)
        p.add(
            "shoes",
            frustum(
                foot + np.array([0, 0, 0.07 * lower]), foot, animal.leg * 0.45, animal.leg * 0.5, 6
            ),
            animal.dark,
        )
    # neck and head
    pitch = math.radians(animal.neck_pitch_deg)
    n0 = np.array([0.38 * animal.length, 0.0, zt + 0.2 * rz])
    n1 = n0 + animal.neck * np.array([math.cos(pitch), 0.0, math.sin(pitch)])
    p.add("fur", frustum(n0, n1, 0.75 * animal.girth, 0.45 * animal.girth, 8), animal.coat)
    hc = n1 + np.array([0.25 * animal.head, 0.0, 0.05 * animal.head])
    hr = (animal.head / 2, 0.38 * animal.girth + 0.1 * animal.head, 0.3 * animal.head)
    p.add("fur", ellipsoid(hc, hr, 10, 6, rot_y(math.radians(20))), animal.coat)
    tip = hc + np.array([animal.head / 2 + animal.snout * 0.8, 0.0, -0.35 * animal.head])
    p.add(
        "fur",
        frustum(
            hc + np.array([0.2 * animal.head, 0, -0.05 * animal.head]),
            tip,
            0.55 * hr[2],
            0.3 * hr[2],
            7,
        ),
        animal.coat,
    )
    p.add(
        "shoes",
        ellipsoid(tip + np.array([0.01, 0, 0.005]), (0.22 * hr[2], 0.3 * hr[2], 0.2 * hr[2]), 6, 4),
        animal.dark,
    )
    for s in (-1.0, 1.0):
        eye = hc + np.array([0.18 * animal.head, s * hr[1] * 0.8, 0.25 * hr[2]])
        p.add(
            "shoes", ellipsoid(eye, (0.08 * hr[1], 0.08 * hr[1], 0.08 * hr[1]), 6, 4), animal.dark
        )
        base = hc + np.array([-0.25 * animal.head, s * hr[1] * 0.55, 0.8 * hr[2]])
        if animal.ears == "floppy":
            ear = ellipsoid(
                base + np.array([0.0, s * 0.35 * hr[1], -0.6 * hr[2]]),
                (0.35 * hr[0], 0.08 * hr[1], 0.7 * hr[2]),
                8,
                4,
                rot_x(s * 0.3),
            )
            p.add("fur", ear, _shade(animal.coat, 0.8))
        else:
            up = 0.9 * hr[2] if animal.ears == "pointed" else 1.1 * hr[2]
            out = 0.3 if animal.ears == "pointed" else 0.8
            p.add(
                "fur",
                cone(
                    base,
                    base + np.array([-0.1 * animal.head, s * out * up, up]),
                    0.3 * hr[2] if animal.ears == "pointed" else 0.35 * hr[2],
                    6,
                ),
                _shade(animal.coat, 0.9),
            )
    # tail (and rump patch)
    tp = math.radians(animal.tail_pitch_deg)
    t0 = np.array([-0.47 * animal.length, 0.0, zt + 0.45 * rz])
    t1 = t0 + animal.tail * np.array([-math.cos(tp), 0.0, math.sin(tp)])
    p.add(
        "fur",
        frustum(t0, t1, 0.2 * animal.girth, 0.08 * animal.girth, 6),
        animal.coat if animal.rump is None else animal.rump,
    )
    if animal.rump is not None:
        p.add(
            "fur",
            ellipsoid(
                (-0.45 * animal.length, 0.0, zt + 0.05 * rz),
                (0.1 * animal.length, 0.75 * animal.girth, 0.6 * rz),
                8,
                5,
            ),
            animal.rump,
        )
    # antlers: a main beam per side curving up and back, two tines each
    if animal.antlers > 0:
        for s in (-1.0, 1.0):
            b0 = hc + np.array([-0.15 * animal.head, s * 0.4 * hr[1], 0.8 * hr[2]])
            b1 = b0 + animal.antlers * np.array([-0.15, s * 0.35, 0.55])
            b2 = b1 + animal.antlers * np.array([0.15, s * 0.1, 0.45])
            p.add("bark", frustum(b0, b1, 0.018, 0.014, 5), (120, 95, 70))
            p.add("bark", frustum(b1, b2, 0.014, 0.008, 5), (120, 95, 70))
            for f, d in ((0.5, (0.3, 0.0, 0.35)), (1.0, (0.25, s * 0.05, 0.4))):
                q = b0 + f * (b1 - b0) if f < 1 else b1
                p.add("bark", cone(q, q + animal.antlers * np.asarray(d), 0.011, 5), (120, 95, 70))
    lo = p.bounds()[0]
    p.translate((0.0, 0.0, -lo[2]))
    return p.meshes()


DEER = Quadruped(
    length=1.25,
    shoulder=0.95,
    girth=0.2,
    depth=0.46,
    leg=0.05,
    neck=0.42,
    neck_pitch_deg=58.0,
    head=0.3,
    snout=0.08,
    ears="deer",
    tail=0.15,
    tail_pitch_deg=40.0,
    coat=(150, 105, 65),
    belly=(200, 175, 140),
    rump=(235, 230, 220),
    stride_deg=24.0,
)
DEER_VARIANTS = [
    DEER,
    replace(
        DEER, length=1.35, shoulder=1.05, girth=0.22, depth=0.5, coat=(130, 92, 58), antlers=0.45
    ),
    replace(
        DEER, length=0.95, shoulder=0.75, girth=0.16, depth=0.36, head=0.24, coat=(165, 118, 72)
    ),
]
DOG = Quadruped(
    length=0.8,
    shoulder=0.56,
    girth=0.17,
    depth=0.34,
    leg=0.045,
    neck=0.18,
    neck_pitch_deg=38.0,
    head=0.25,
    snout=0.11,
    ears="floppy",
    tail=0.32,
    tail_pitch_deg=25.0,
    coat=(200, 150, 80),
    belly=(220, 185, 125),
    dark=(40, 30, 25),
    stride_deg=26.0,
)
DOG_VARIANTS = [
    DOG,
    replace(
        DOG,
        length=0.9,
        shoulder=0.62,
        girth=0.17,
        depth=0.36,
        coat=(45, 38, 32),
        belly=(150, 110, 70),
        ears="pointed",
        tail=0.38,
        tail_pitch_deg=-20.0,
        head=0.27,
        snout=0.14,
        neck_pitch_deg=45.0,
    ),
    replace(
        DOG,
        length=0.45,
        shoulder=0.3,
        girth=0.1,
        depth=0.19,
        leg=0.026,
        neck=0.1,
        head=0.16,
        snout=0.05,
        ears="pointed",
        tail=0.15,
        tail_pitch_deg=60.0,
        coat=(235, 230, 220),
        belly=(240, 236, 228),
    ),
]
