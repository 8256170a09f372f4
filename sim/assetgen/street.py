"""Street furniture (build time): traffic cones, barriers, traffic lights, signs, lamps.

:func:`build_traffic_cone`, :func:`build_barrier`, :func:`build_traffic_light`,
:func:`build_sign` and :func:`build_street_lamp`, each with its variant table in catalog
order (``*_VARIANTS``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import trimesh

from sim.assetgen.geometry import box, cylinder, frustum, prism
from sim.assetgen.parts import Parts


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
