"""Default part colours and :class:`Parts`, the accumulator every builder fills (build time).

A builder adds closed primitives (:class:`sim.assetgen.geometry.Prim`) to a :class:`Parts`
under a part name with one RGBA colour each; :meth:`Parts.meshes` concatenates them into one
``trimesh.Trimesh`` per part with per-face colours. One colour per primitive keeps the GLB
round trip exact (see :mod:`sim.assets.glb`). The part names themselves are the run-time
contract in :mod:`sim.assets.parts`.
"""

from __future__ import annotations

import numpy as np
import trimesh

from sim.assetgen.geometry import Prim, check_closed
from sim.assets.parts import PART_INDEX, PARTS

RGBA = tuple[int, int, int, int]


def rgba(c) -> RGBA:
    c = tuple(int(x) for x in c)
    if len(c) == 3:
        c = (*c, 255)
    if len(c) != 4 or not all(0 <= x <= 255 for x in c):
        raise ValueError(f"bad colour {c}")
    return c  # type: ignore[return-value]


# Default colours (RGBA uint8). ``paint`` faces are recoloured at run time.
PAINT_DEFAULT: RGBA = (180, 180, 180, 255)
COLORS: dict[str, RGBA] = {
    "paint": PAINT_DEFAULT,
    "glass": (28, 36, 46, 255),
    "tyre": (26, 26, 28, 255),
    "rim": (178, 180, 184, 255),
    "trim": (36, 36, 38, 255),
    "light_front": (250, 246, 225, 255),
    "light_rear": (190, 18, 18, 255),
    "plate": (236, 236, 230, 255),
    "skin": (224, 172, 140, 255),
    "hair": (60, 40, 25, 255),
    "clothing_top": (60, 80, 120, 255),
    "clothing_bottom": (45, 50, 65, 255),
    "shoes": (30, 28, 28, 255),
    "metal": (128, 132, 136, 255),
    "concrete": (172, 170, 162, 255),
    "foliage": (70, 110, 45, 255),
    "bark": (90, 66, 45, 255),
    "lamp_red": (230, 30, 25, 255),
    "lamp_amber": (245, 165, 20, 255),
    "lamp_green": (30, 210, 90, 255),
    "sign_face": (240, 240, 240, 255),
    "window": (70, 90, 110, 255),
    "wall": (190, 180, 165, 255),
    "roof": (110, 70, 60, 255),
    "cone_orange": (245, 100, 20, 255),
    "cone_white": (240, 240, 240, 255),
    "fur": (150, 105, 65, 255),
    "wood": (196, 160, 110, 255),
    "cardboard": (176, 138, 92, 255),
}


class Parts:
    """Collects (part, primitive, colour); every primitive is checked to be closed and outward."""

    def __init__(self) -> None:
        self._items: dict[str, list[tuple[Prim, RGBA]]] = {}

    def add(self, part: str, prim: Prim, color=None) -> None:
        if part not in PART_INDEX:
            raise ValueError(f"unknown part {part!r}")
        why = check_closed(prim.v, prim.f)
        if why is not None:
            raise ValueError(f"bad primitive for part {part!r}: {why}")
        self._items.setdefault(part, []).append(
            (prim, rgba(COLORS[part] if color is None else color))
        )

    def add_mirrored(self, part: str, prim: Prim, color=None) -> None:
        """Add ``prim`` and its mirror image across the x-z plane (left and right sides)."""
        self.add(part, prim, color)
        self.add(part, prim.mirrored_y(), color)

    def extend(self, other: Parts) -> None:
        for part, items in other._items.items():
            self._items.setdefault(part, []).extend(items)

    def bounds(self) -> np.ndarray:
        """(2, 3) axis-aligned bounds of everything added so far."""
        v = np.concatenate([prim.v for items in self._items.values() for prim, _ in items])
        return np.array([v.min(axis=0), v.max(axis=0)])

    def translate(self, t) -> None:
        t = np.asarray(t, dtype=np.float64)
        for part, items in self._items.items():
            self._items[part] = [(prim.moved(t), col) for prim, col in items]

    def meshes(self) -> dict[str, trimesh.Trimesh]:
        """One Trimesh per part (in PARTS order), primitives concatenated, face colours set."""
        out: dict[str, trimesh.Trimesh] = {}
        for part in PARTS:
            items = self._items.get(part)
            if not items:
                continue
            vs, fs, cs = [], [], []
            off = 0
            for prim, col in items:
                vs.append(prim.v)
                fs.append(prim.f + off)
                cs.append(np.tile(np.array(col, dtype=np.uint8), (len(prim.f), 1)))
                off += len(prim.v)
            m = trimesh.Trimesh(
                np.concatenate(vs), np.concatenate(fs), process=False, validate=False
            )
            m.visual.face_colors = np.concatenate(cs)
            out[part] = m
        return out
