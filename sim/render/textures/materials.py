"""The material table, the texture cache and an episode's :class:`Appearance`."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from sim.render.textures import kinds

VARIANTS = 8
"""Distinct images per texture kind; an episode picks one per kind from its seed (and a
random offset of the texture coordinates), so a process generates each at most once."""


@dataclass(frozen=True)
class Material:
    """name; texture kind (None: none); projection of faces without texture coordinates
    (``box``, ``fit``, ``vehicle``); tile: [m] one repeat along (u, v) for ``box``;
    metallic, roughness: PBR factors; ``normalise``: scale the texture to a linear mean of 1
    (False for dirt and plates, whose clean ground is 1 and whose marks only darken)."""

    name: str
    kind: str | None
    projection: str = "box"
    tile: tuple[float, float] = (2.0, 2.0)
    metallic: float = 0.0
    roughness: float = 0.85
    normalise: bool = True


MATERIALS: tuple[Material, ...] = (
    Material("plain", None),
    Material("asphalt", "asphalt", tile=(8.0, 3.5), roughness=0.9),
    Material("shoulder", "asphalt_plain", tile=(8.0, 3.5), roughness=0.9),
    Material("marking", "marking", tile=(4.0, 1.0), roughness=0.7),
    Material("kerb", "kerb", tile=(2.0, 2.0), roughness=0.9),
    Material("sidewalk", "paving", tile=(2.0, 2.0), roughness=0.9),
    Material("grass", "grass", tile=(12.0, 12.0), roughness=0.95),
    Material("facade_brick", "facade_brick", tile=(4.0, 4.0), roughness=0.9),
    Material("facade_plaster", "facade_plaster", tile=(4.0, 4.0), roughness=0.9),
    Material("facade_panel", "facade_panel", tile=(4.0, 4.0), roughness=0.8),
    Material("window", "window", projection="fit", roughness=0.15),
    Material("roof", "roof", tile=(2.0, 2.0), roughness=0.85),
    Material("foliage", "foliage", tile=(2.0, 2.0), roughness=0.9),
    Material("bark", "bark", tile=(1.0, 1.0), roughness=0.95),
    Material("concrete", "concrete", tile=(2.0, 2.0), roughness=0.9),
    Material("metal", "metal", tile=(1.0, 1.0), metallic=0.5, roughness=0.5),
    Material("sign", "metal", tile=(1.0, 1.0), roughness=0.45),
    Material("paint", "dirt", projection="vehicle", metallic=0.3, roughness=0.35, normalise=False),
    Material("glass", None, metallic=0.7, roughness=0.08),  # little diffuse light: dark
    Material("rubber", "rubber", tile=(0.5, 0.5), roughness=0.95),
    Material("chrome", None, metallic=1.0, roughness=0.22),
    Material("trim", None, roughness=0.6),
    Material("light", None, roughness=0.1),
    Material("plate", "plate", projection="fit", roughness=0.4, normalise=False),
)
"""Every material; its index is its code in ``MeshArrays.face_material``. Append only."""

MATERIAL_INDEX: dict[str, int] = {m.name: i for i, m in enumerate(MATERIALS)}

PART_MATERIAL: dict[str, str] = {
    "paint": "paint",
    "glass": "glass",
    "tyre": "rubber",
    "rim": "chrome",
    "trim": "trim",
    "light_front": "light",
    "light_rear": "light",
    "plate": "plate",
    "metal": "metal",
    "concrete": "concrete",
    "foliage": "foliage",
    "bark": "bark",
    "sign_face": "sign",
    "window": "window",
    "wall": "facade_brick",  # the builder picks a facade style per building
    "roof": "roof",
    "wood": "bark",
    "cardboard": "concrete",
}
"""Asset part (sim.assets.parts.PARTS) -> material name; parts not listed stay ``plain``."""

FACADES = ("facade_brick", "facade_plaster", "facade_panel")

_GENERATORS = {
    "asphalt": lambda rng: kinds.asphalt(rng, tracks=True),
    "asphalt_plain": lambda rng: kinds.asphalt(rng, tracks=False),
    "marking": kinds.marking,
    "kerb": lambda rng: kinds.concrete(rng, joints=2),
    "paving": kinds.paving,
    "grass": kinds.grass,
    "facade_brick": lambda rng: kinds.facade(rng, 0),
    "facade_plaster": lambda rng: kinds.facade(rng, 1),
    "facade_panel": lambda rng: kinds.facade(rng, 2),
    "window": kinds.window,
    "roof": kinds.roof,
    "foliage": kinds.foliage,
    "bark": kinds.bark,
    "concrete": lambda rng: kinds.concrete(rng, joints=0),
    "metal": kinds.metal,
    "rubber": kinds.rubber,
    "dirt": kinds.dirt,
    "plate": kinds.plate,
}


def _srgb_to_linear(x: np.ndarray) -> np.ndarray:
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def _linear_to_srgb(x: np.ndarray) -> np.ndarray:
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)


@lru_cache(maxsize=8 * 20)  # every variant of every kind: ~90 MB
def texture(kind: str, variant: int) -> tuple[np.ndarray, tuple[float, float, float]]:
    """(image, factor): variant ``variant`` of texture ``kind`` as (H, W, 3) uint8 sRGB (what
    OpenGL samples, decoding to linear) and the per-channel factor that brings its linear
    mean to 1. Generated once per process (the same bytes in every process)."""
    if kind not in _GENERATORS:
        raise KeyError(f"unknown texture kind {kind!r}; known: {', '.join(sorted(_GENERATORS))}")
    rng = np.random.default_rng([zlib.crc32(kind.encode()), int(variant)])
    m = np.asarray(_GENERATORS[kind](rng), dtype=np.float64)
    top = float(np.quantile(m, 0.999)) or 1.0
    img = np.clip(_linear_to_srgb(np.clip(m / top, 0.0, 1.0)) * 255.0 + 0.5, 0, 255)
    img = img.astype(np.uint8)
    mean = _srgb_to_linear(img.astype(np.float64) / 255.0).reshape(-1, 3).mean(axis=0)
    factor = tuple(float(1.0 / max(c, 1e-3)) for c in mean)
    img.setflags(write=False)
    return img, (factor[0], factor[1], factor[2])


def _draw(rng: np.random.Generator, lo_hi: tuple[float, float]) -> float:
    lo, hi = float(lo_hi[0]), float(lo_hi[1])
    return lo if hi <= lo else float(rng.uniform(lo, hi))


@dataclass(frozen=True)
class AgentLook:
    """One agent's drawn materials: paint metallic and roughness, glass roughness, dirt
    (0 clean .. 1 grimy to the waist)."""

    paint_metallic: float
    paint_roughness: float
    glass_roughness: float
    dirt: float

    def to_meta(self) -> dict:
        return {k: round(float(v), 6) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Appearance:
    """One episode's look (the scenario's ``appearance`` block with the episode's seed).

    ``textures``: textured world and materials (False: every face its flat colour, as
    before). Ranges (lo, hi) are drawn per agent from ``seed`` (:meth:`agent_look`);
    ``seed`` also picks each texture kind's variant and the offset of its coordinates."""

    textures: bool = True
    seed: int = 0
    paint_metallic: tuple[float, float] = (0.0, 0.6)
    paint_roughness: tuple[float, float] = (0.2, 0.55)
    glass_roughness: tuple[float, float] = (0.03, 0.15)
    dirt: tuple[float, float] = (0.0, 0.7)
    _looks: dict = field(default_factory=dict, compare=False, repr=False)

    def _rng(self, name: str) -> np.random.Generator:
        return np.random.default_rng([int(self.seed) % 2**63, zlib.crc32(name.encode())])

    def variant(self, kind: str) -> int:
        """Which of the :data:`VARIANTS` images of ``kind`` this episode uses."""
        return int(self._rng(f"variant/{kind}").integers(VARIANTS))

    def offset(self, material: str) -> tuple[float, float]:
        """A random shift of ``material``'s texture coordinates (in repeats)."""
        u, v = self._rng(f"offset/{material}").random(2)
        if material in ("asphalt", "shoulder"):
            v = 0.0  # the wheel tracks stay in the lanes
        return float(u), float(v)

    def agent_look(self, key: object) -> AgentLook:
        """The materials of agent ``key`` (its id), the same for the same (seed, key)."""
        if key not in self._looks:
            rng = self._rng(f"agent/{key}")
            self._looks[key] = AgentLook(
                _draw(rng, self.paint_metallic),
                _draw(rng, self.paint_roughness),
                _draw(rng, self.glass_roughness),
                _draw(rng, self.dirt),
            )
        return self._looks[key]

    def to_meta(self, agent_ids=()) -> dict:
        """What meta.json records: the switch, the texture variants and every agent's look."""
        out: dict = {"textures": bool(self.textures)}
        if self.textures:
            used = sorted({m.kind for m in MATERIALS if m.kind is not None})
            out["texture_variants"] = {k: self.variant(k) for k in used}
            out["agents"] = {str(a): self.agent_look(a).to_meta() for a in agent_ids}
        return out
