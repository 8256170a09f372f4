"""Pedestrians (build time): :func:`build_pedestrian` and the adult and child variants.

A pedestrian is a :class:`sim.assetgen.humanoid.Body` posed by
:func:`sim.assetgen.humanoid.walk_joints`, stored as :data:`WALK_POSES` meshes per variant
(one walk cycle). :data:`ADULT_VARIANTS` and :data:`CHILD_VARIANTS` are in catalog order.
"""

from __future__ import annotations

import trimesh

from sim.assetgen.humanoid import Body, add_person, walk_joints
from sim.assetgen.parts import Parts

WALK_POSES = 8
"""Poses stored per pedestrian variant: phases k / WALK_POSES of one walk cycle (two steps)."""


def build_pedestrian(
    *, phase: float = 0.0, stride: float = 1.0, **body
) -> dict[str, trimesh.Trimesh]:
    """A person walking towards +x at ``phase`` (cycles, 0..1; 0.25 = left heel strike),
    lowest point on the ground (z = 0), pelvis above x = y = 0. ``body``: the fields of
    :class:`sim.assetgen.humanoid.Body` (height [m], proportions, clothes, colours)."""
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
