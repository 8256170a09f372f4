"""Low-poly people: body proportions, a walk cycle and riders, as closed primitives.

A person is described by a :class:`Body` (height, proportions, girth, clothes, hair) and a
set of joint positions (:class:`Joints`, metres, asset frame: x forward, y left, z up).
Joints come either from the walk cycle (:func:`walk_joints`, forward kinematics from joint
angles at a phase of the cycle) or from targets (:func:`rider_joints`: hips on a seat,
hands on grips, feet on pegs/pedals, solved by two-bone inverse kinematics).
:func:`add_person` turns joints into primitives in a :class:`sim.assetgen.parts.Parts`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.assetgen.geometry import ellipsoid, frustum, hexa, loft, perpendicular_basis
from sim.assetgen.parts import Parts

UP = np.array([0.0, 0.0, 1.0])


@dataclass(frozen=True)
class Body:
    """Proportions [m or fractions of ``height``] and looks of one person.

    height: standing height [m]; head: head height / height (adult ~0.13, child ~0.18);
    legs: hip-joint height / height (adult ~0.50, child ~0.45); girth: radial scale of torso
    and limbs (slim 0.85 .. heavy 1.25); belly: extra waist depth factor; shoulders: shoulder
    width factor. hair: "short" | "long" | "bun" | "bald"; sleeves: "long" | "short";
    lower: "trousers" | "shorts" | "skirt". Colours are RGB(A).
    """

    height: float = 1.75
    head: float = 0.13
    legs: float = 0.5
    girth: float = 1.0
    belly: float = 1.0
    shoulders: float = 1.0
    hair: str = "short"
    sleeves: str = "long"
    lower: str = "trousers"
    skin: tuple = (224, 172, 140)
    hair_color: tuple = (60, 40, 25)
    top: tuple = (60, 80, 120)
    bottom: tuple = (45, 50, 65)
    shoes: tuple = (30, 28, 28)
    backpack: tuple | None = None

    # derived lengths ------------------------------------------------------------
    @property
    def head_h(self) -> float:
        return self.head * self.height

    @property
    def hip_h(self) -> float:
        return self.legs * self.height

    @property
    def ankle_h(self) -> float:
        return 0.045 * self.height

    @property
    def thigh(self) -> float:
        return (self.hip_h - self.ankle_h) * 0.505

    @property
    def shin(self) -> float:
        return (self.hip_h - self.ankle_h) * 0.495

    @property
    def neck_len(self) -> float:
        return 0.035 * self.height

    @property
    def torso(self) -> float:
        """Hip joint to the top of the shoulders."""
        return self.height - self.hip_h - self.head_h - self.neck_len * 0.6

    @property
    def upper_arm(self) -> float:
        return 0.53 * (self.torso + 0.06 * self.height) * 0.98

    @property
    def forearm(self) -> float:
        return 0.82 * self.upper_arm

    @property
    def shoulder_w(self) -> float:
        return (0.2 + 0.03 * (self.head - 0.13)) * self.height * self.shoulders

    @property
    def hip_w(self) -> float:
        return 0.095 * self.height * (0.6 + 0.4 * self.girth)

    @property
    def foot(self) -> float:
        return 0.15 * self.height


@dataclass
class Joints:
    """Joint positions [m] of one pose; ``_l`` is the person's left (+y when facing +x)."""

    pelvis: np.ndarray
    up: np.ndarray  # trunk axis (pelvis -> neck), unit
    fwd: np.ndarray  # trunk forward, unit, perpendicular to ``up``
    head_up: np.ndarray
    head_fwd: np.ndarray
    hip: dict = field(default_factory=dict)  # side ("l"/"r") -> point
    knee: dict = field(default_factory=dict)
    ankle: dict = field(default_factory=dict)
    toe: dict = field(default_factory=dict)  # foot direction end (tip of the shoe)
    shoulder: dict = field(default_factory=dict)
    elbow: dict = field(default_factory=dict)
    wrist: dict = field(default_factory=dict)


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


def two_bone(root, target, l1: float, l2: float, pole) -> tuple[np.ndarray, np.ndarray]:
    """Mid joint and end point of a two-bone chain from ``root`` reaching for ``target``;
    the mid joint bends towards ``pole`` (a direction). Out of reach -> straight towards it."""
    root = np.asarray(root, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    d = target - root
    dist = float(np.linalg.norm(d))
    u = d / dist
    dist_c = min(max(dist, abs(l1 - l2) + 1e-3), l1 + l2 - 1e-3)
    cos_a = (l1 * l1 + dist_c * dist_c - l2 * l2) / (2 * l1 * dist_c)
    a = math.acos(max(-1.0, min(1.0, cos_a)))
    pv = np.asarray(pole, dtype=np.float64)
    pv = pv - u * np.dot(pv, u)
    pv = _unit(pv)
    mid = root + l1 * (math.cos(a) * u + math.sin(a) * pv)
    end = root + u * dist_c
    return mid, end


def _trunk(body: Body, pelvis, pitch: float) -> tuple[np.ndarray, np.ndarray]:
    up = np.array([math.sin(pitch), 0.0, math.cos(pitch)])
    fwd = np.array([math.cos(pitch), 0.0, -math.sin(pitch)])
    return up, fwd


def _upper_joints(body: Body, pelvis, up, fwd, head_pitch: float = 0.0) -> Joints:
    lat = np.array([0.0, 1.0, 0.0])
    top = pelvis + up * body.torso
    j = Joints(
        pelvis=np.asarray(pelvis, dtype=np.float64),
        up=up,
        fwd=fwd,
        head_up=UP,
        head_fwd=np.array([1.0, 0, 0]),
    )
    hu = np.array([math.sin(head_pitch), 0.0, math.cos(head_pitch)])
    j.head_up = hu
    j.head_fwd = np.array([math.cos(head_pitch), 0.0, -math.sin(head_pitch)])
    for s, sign in (("l", 1.0), ("r", -1.0)):
        j.hip[s] = pelvis + lat * sign * body.hip_w / 2 - up * 0.01 * body.height
        j.shoulder[s] = top - up * 0.035 * body.height + lat * sign * body.shoulder_w / 2
    return j


def walk_angles(phase: float, stride: float = 1.0) -> dict[str, float]:
    """Joint angles [rad] of one leg/arm at ``phase`` (cycles, 0..1) of the walk.

    hip: thigh swing (+ forward); knee: flexion (+ shin swings back); foot: toe pitch down;
    shoulder: arm swing (+ forward, opposite the same-side leg); elbow: flexion.
    Phase 0.25 is heel strike of this leg, ~0.85 toe-off.
    """
    t = 2.0 * math.pi * phase
    hip = math.radians(5.0 + 21.0 * stride * math.sin(t))

    def bump(center, width):
        d = (phase - center + 0.5) % 1.0 - 0.5
        return math.exp(-((d / width) ** 2))

    knee = math.radians(4.0 + 55.0 * stride * bump(0.0, 0.11) + 14.0 * stride * bump(0.36, 0.08))
    foot = math.radians(-10.0 * bump(0.25, 0.06) + 25.0 * bump(0.88, 0.06))
    shoulder = math.radians(-17.0 * stride * math.sin(t))
    elbow = math.radians(14.0 + 16.0 * max(0.0, -math.sin(t)) * stride)
    return {"hip": hip, "knee": knee, "foot": foot, "shoulder": shoulder, "elbow": elbow}


def walk_joints(body: Body, phase: float, stride: float = 1.0) -> Joints:
    """Joints of a person walking towards +x at ``phase`` (0..1) of the cycle, pelvis above
    the origin (feet not yet on the ground: :func:`add_person` callers ground the result)."""
    pelvis = np.array([0.0, 0.0, body.hip_h])
    up, fwd = _trunk(body, pelvis, math.radians(3.0))
    j = _upper_joints(body, pelvis, up, fwd)
    for s, ph in (("l", phase), ("r", (phase + 0.5) % 1.0)):
        a = walk_angles(ph, stride)
        th = a["hip"]
        ts = th - a["knee"]
        hip = j.hip[s]
        knee = hip + body.thigh * np.array([math.sin(th), 0.0, -math.cos(th)])
        ankle = knee + body.shin * np.array([math.sin(ts), 0.0, -math.cos(ts)])
        pf = a["foot"] + 0.35 * max(0.0, -ts) * 0.0
        toe_dir = np.array([math.cos(pf), 0.0, -math.sin(pf)])
        j.knee[s], j.ankle[s] = knee, ankle
        j.toe[s] = ankle + toe_dir * body.foot * 0.78
        # arm swings with the opposite leg: use this leg's angles on the other arm
        other = "r" if s == "l" else "l"
        ta = a["shoulder"]
        beta = math.radians(7.0)
        sign = 1.0 if other == "l" else -1.0
        sh = j.shoulder[other]
        d1 = np.array(
            [math.sin(ta) * math.cos(beta), sign * math.sin(beta), -math.cos(ta) * math.cos(beta)]
        )
        elbow = sh + body.upper_arm * d1
        tf = ta + a["elbow"]
        d2 = np.array(
            [
                math.sin(tf) * math.cos(beta * 0.5),
                sign * math.sin(beta * 0.5),
                -math.cos(tf) * math.cos(beta * 0.5),
            ]
        )
        j.elbow[other], j.wrist[other] = elbow, elbow + body.forearm * d2
    return j


def rider_joints(
    body: Body,
    seat,
    pitch: float,
    grips: dict,
    feet: dict,
    foot_pitch: float = 0.0,
    head_pitch: float | None = None,
) -> Joints:
    """Joints of a seated rider: pelvis at ``seat``, trunk leaning forward by ``pitch`` [rad],
    hands on ``grips`` and feet (balls of the feet) on ``feet`` (dicts side -> point)."""
    pelvis = np.asarray(seat, dtype=np.float64)
    up, fwd = _trunk(body, pelvis, pitch)
    hp = -0.6 * pitch if head_pitch is None else head_pitch
    j = _upper_joints(body, pelvis, up, fwd, head_pitch=hp)
    for s, sign in (("l", 1.0), ("r", -1.0)):
        target = np.asarray(feet[s], dtype=np.float64)
        toe_dir = np.array([math.cos(foot_pitch), 0.0, -math.sin(foot_pitch)])
        ankle_target = (
            target - toe_dir * body.foot * 0.45 + np.array([0.0, 0.0, 0.03 * body.height])
        )
        knee, ankle = two_bone(
            j.hip[s], ankle_target, body.thigh, body.shin, (0.7, sign * 0.15, 0.7)
        )
        j.knee[s], j.ankle[s] = knee, ankle
        j.toe[s] = ankle + toe_dir * body.foot * 0.78
        elbow, wrist = two_bone(
            j.shoulder[s], grips[s], body.upper_arm, body.forearm, (-0.4, sign * 0.8, -0.5)
        )
        j.elbow[s], j.wrist[s] = elbow, wrist
    return j


def _ring_frame(center, up, fwd, rx: float, ry: float, n: int = 10) -> np.ndarray:
    t = 2.0 * np.pi * np.arange(n) / n
    lat = np.cross(up, fwd)
    return center + np.outer(rx * np.cos(t), fwd) + np.outer(ry * np.sin(t), lat)


def add_person(
    p: Parts, body: Body, j: Joints, helmet: tuple | None = None, visor: bool = True
) -> None:
    """Add the primitives of ``body`` posed at ``j``. ``helmet``: RGB of a helmet (``trim``,
    replaces the hair); ``visor``: full-face visor (``glass``) for motorcyclists."""
    h = body.height
    g = body.girth
    up, fwd = j.up, j.fwd
    P = j.pelvis
    top_col, bot_col = body.top, body.bottom
    # --- pelvis (clothing_bottom) and torso (clothing_top)
    pel = [
        _ring_frame(P - up * 0.045 * h, up, fwd, 0.05 * h * g, 0.07 * h * (0.7 + 0.3 * g)),
        _ring_frame(P + up * 0.01 * h, up, fwd, 0.062 * h * g, 0.098 * h * (0.65 + 0.35 * g)),
        _ring_frame(
            P + up * 0.095 * h, up, fwd, 0.058 * h * g * body.belly, 0.086 * h * (0.6 + 0.4 * g)
        ),
    ]
    p.add("clothing_bottom", loft(pel), bot_col)
    T = body.torso
    sw = body.shoulder_w
    tor = [
        _ring_frame(
            P + up * 0.08 * h, up, fwd, 0.06 * h * g * body.belly, 0.088 * h * (0.6 + 0.4 * g)
        ),
        _ring_frame(
            P + up * 0.16 * h + fwd * 0.004 * h * (body.belly - 1) * 10,
            up,
            fwd,
            0.062 * h * g * body.belly,
            0.092 * h * (0.6 + 0.4 * g),
        ),
        _ring_frame(
            P + up * (T - 0.1 * h),
            up,
            fwd,
            0.066 * h * g,
            max(0.1 * h * (0.65 + 0.35 * g), sw * 0.52),
        ),
        _ring_frame(P + up * (T - 0.035 * h), up, fwd, 0.055 * h * g, sw / 2 + 0.012 * h),
        _ring_frame(P + up * T, up, fwd, 0.04 * h * g, sw / 2 - 0.02 * h),
    ]
    p.add("clothing_top", loft(tor), top_col)
    if body.backpack is not None:
        bp_c = P + up * (T - 0.14 * h) - fwd * (0.075 * h * g + 0.04)
        corners = []
        for dz in (-0.1 * h, 0.1 * h):
            for dx, dy in ((-0.05, -0.09), (0.05, -0.09), (0.05, 0.09), (-0.05, 0.09)):
                corners.append(
                    bp_c + up * dz + fwd * dx * h * 0.6 + np.array([0.0, 1.0, 0.0]) * dy * h * 0.9
                )
        p.add("clothing_top", hexa(np.array(corners)), body.backpack)
    # --- neck and head
    neck0 = P + up * (T - 0.02 * h)
    hu, hf = j.head_up, j.head_fwd
    hr = body.head_h
    head_c = neck0 + up * 0.01 * h + hu * (body.neck_len + hr * 0.45)
    p.add(
        "skin",
        frustum(
            neck0,
            head_c - hu * hr * 0.15,
            0.028 * h * (0.8 + 0.2 * g),
            0.025 * h * (0.8 + 0.2 * g),
            8,
        ),
        body.skin,
    )
    rx, ry, rz = hr * 0.44, hr * 0.36, hr * 0.5
    hrot = np.column_stack([hf, np.cross(hu, hf), hu])
    p.add("skin", ellipsoid(head_c, (rx, ry, rz), 10, 6, hrot), body.skin)
    p.add(
        "skin",
        ellipsoid(
            head_c + hf * rx * 0.95 - hu * rz * 0.05, (rx * 0.14, ry * 0.12, rz * 0.2), 6, 4, hrot
        ),
        body.skin,
    )
    if helmet is not None:
        hc = head_c + hu * rz * 0.12 - hf * rx * 0.05
        if visor:
            p.add("trim", ellipsoid(hc, (rx * 1.28, ry * 1.33, rz * 1.1), 10, 6, hrot), helmet)
            vis = hc + hf * rx * 1.0 - hu * rz * 0.1
            p.add("glass", ellipsoid(vis, (rx * 0.38, ry * 1.05, rz * 0.42), 8, 4, hrot))
        else:
            hc = head_c + hu * rz * 0.3 - hf * rx * 0.12
            p.add("trim", ellipsoid(hc, (rx * 1.18, ry * 1.22, rz * 0.78), 10, 5, hrot), helmet)
    elif body.hair != "bald":
        hc = head_c + hu * rz * 0.12 - hf * rx * 0.18
        p.add(
            "hair", ellipsoid(hc, (rx * 0.98, ry * 1.07, rz * 0.93), 10, 6, hrot), body.hair_color
        )
        if body.hair == "long":
            lc = head_c - hf * rx * 0.55 - hu * rz * 0.55
            p.add(
                "hair",
                ellipsoid(lc, (rx * 0.55, ry * 0.95, rz * 0.85), 8, 5, hrot),
                body.hair_color,
            )
        elif body.hair == "bun":
            bc = head_c - hf * rx * 0.95 + hu * rz * 0.45
            p.add(
                "hair", ellipsoid(bc, (rx * 0.4, ry * 0.45, rz * 0.35), 6, 4, hrot), body.hair_color
            )
    # --- arms
    for s in ("l", "r"):
        sh, el, wr = j.shoulder[s], j.elbow[s], j.wrist[s]
        r_sh = 0.03 * h * (0.7 + 0.3 * g)
        r_el = 0.022 * h * (0.7 + 0.3 * g)
        r_wr = 0.016 * h * (0.75 + 0.25 * g)
        p.add("clothing_top", ellipsoid(sh, (r_sh * 1.15, r_sh * 1.1, r_sh * 1.15), 8, 5), top_col)
        d_up = _unit(el - sh)
        if body.sleeves == "long":
            p.add("clothing_top", frustum(sh, el + d_up * r_el * 0.5, r_sh, r_el, 8), top_col)
            p.add("clothing_top", ellipsoid(el, (r_el, r_el, r_el), 6, 4), top_col)
            p.add("clothing_top", frustum(el, wr, r_el * 0.95, r_wr, 8), top_col)
        else:
            mid = sh + (el - sh) * 0.5
            p.add("clothing_top", frustum(sh, mid, r_sh * 1.08, r_el * 1.15, 8), top_col)
            p.add(
                "skin",
                frustum(mid - d_up * 0.02, el + d_up * r_el * 0.5, r_el * 1.02, r_el * 0.92, 8),
                body.skin,
            )
            p.add("skin", ellipsoid(el, (r_el * 0.92, r_el * 0.92, r_el * 0.92), 6, 4), body.skin)
            p.add("skin", frustum(el, wr, r_el * 0.88, r_wr, 8), body.skin)
        d_fa = _unit(wr - el)
        hand_c = wr + d_fa * 0.035 * h
        ha, hb = perpendicular_basis(d_fa, fwd)
        hrot2 = np.column_stack([ha, hb, d_fa])
        p.add(
            "skin", ellipsoid(hand_c, (r_wr * 1.25, r_wr * 0.7, 0.05 * h), 6, 4, hrot2), body.skin
        )
    # --- legs
    trousers = body.lower == "trousers"
    for s in ("l", "r"):
        hp, kn, an, to = j.hip[s], j.knee[s], j.ankle[s], j.toe[s]
        r_hp = 0.045 * h * (0.6 + 0.4 * g)
        r_kn = 0.028 * h * (0.7 + 0.3 * g)
        r_an = 0.018 * h * (0.8 + 0.2 * g)
        d_th = _unit(kn - hp)
        leg_top = hp - d_th * 0.02 * h
        if body.lower == "skirt":
            p.add("skin", frustum(leg_top, kn, r_hp * 0.85, r_kn, 8), body.skin)
        elif body.lower == "shorts":
            mid = hp + (kn - hp) * 0.55
            p.add("clothing_bottom", frustum(leg_top, mid, r_hp * 1.05, r_kn * 1.25, 8), bot_col)
            p.add("skin", frustum(mid - d_th * 0.03, kn, r_kn * 1.1, r_kn * 0.95, 8), body.skin)
        else:
            p.add("clothing_bottom", frustum(leg_top, kn, r_hp, r_kn, 8), bot_col)
        knee_col, knee_part = (bot_col, "clothing_bottom") if trousers else (body.skin, "skin")
        p.add(knee_part, ellipsoid(kn, (r_kn, r_kn, r_kn), 6, 4), knee_col)
        p.add(
            knee_part, frustum(kn, an, r_kn * 0.95, r_an * (1.2 if trousers else 1.0), 8), knee_col
        )
        # shoe: heel at the ankle's back, toe at ``to``
        fd = to - an
        fdir = _unit(fd)
        side = _unit(np.cross(UP, fdir))
        nrm = _unit(np.cross(fdir, side))
        heel = an - fdir * 0.05 * h * 0.45 - nrm * 0.035 * h * 0.7
        toe = to - nrm * 0.035 * h * 0.7
        wh, wt = 0.028 * h, 0.034 * h
        hh, ht = 0.06 * h, 0.035 * h
        c = [
            heel - side * wh,
            toe - side * wt,
            toe + side * wt,
            heel + side * wh,
            heel - side * wh + nrm * hh,
            toe - side * wt + nrm * ht,
            toe + side * wt + nrm * ht,
            heel + side * wh + nrm * hh,
        ]
        p.add("shoes", hexa(np.array(c)), body.shoes)
    if body.lower == "skirt":
        waist = P + up * 0.09 * h
        hem = P - up * (0.55 * body.thigh)
        p.add(
            "clothing_bottom",
            frustum(
                waist,
                hem,
                0.095 * h * (0.6 + 0.4 * g),
                0.13 * h * (0.6 + 0.4 * g),
                10,
                ref=(0.0, 1.0, 0.0),
                squash=0.72,
            ),
            bot_col,
        )
