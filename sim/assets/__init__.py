"""The asset library at run time: read ``assets/catalog.yaml`` and the GLB files it names.

Assets are made offline by ``python tools/make_assets.py`` from the build-time package
:mod:`sim.assetgen` (which nothing here imports; see docs/assets.md), never downloaded.
Every mesh is in the asset frame: x forward, y left, z up, metres, origin at the bottom
centre of its axis-aligned bounding box, whose extents are exactly the catalog's ``size``;
faces are counter-clockwise seen from outside.

This package is the run-time side: the catalog (here), GLB reading (and writing, one format
in one module: :mod:`sim.assets.glb`) and the part names (:mod:`sim.assets.parts`).

    catalog = load_catalog()                  # <repo>/assets, or $SIM_ASSETS
    catalog.names()                           # ('sedan', 'hatchback', ...)
    catalog.info("suv").variants[0].size      # (l, w, h) [m]
    mesh = catalog.mesh("suv", 0, paint=(200, 30, 30))
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from sim.assets.glb import decode_glb
from sim.assets.parts import PART_INDEX
from sim.classes import BY_NAME
from sim.errors import AssetError

__all__ = ["AssetInfo", "Catalog", "MeshData", "Variant", "default_assets_dir", "load_catalog"]

KINDS = ("vehicle", "two_wheeler", "pedestrian", "static")
_FIX = "run `python tools/make_assets.py` to rebuild the asset library"


def default_assets_dir() -> Path:
    """``$SIM_ASSETS`` if set, else the ``assets/`` folder next to the ``sim`` package."""
    env = os.environ.get("SIM_ASSETS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "assets"


@dataclass(frozen=True)
class Variant:
    name: str
    file: str  # relative to the assets folder (pose 0 for pedestrians)
    size: tuple[float, float, float]  # (length, width, height) [m]
    wheelbase: float | None
    pose_files: tuple[str, ...]  # one per pose; (file,) for rigid assets


@dataclass(frozen=True)
class AssetInfo:
    name: str
    cls: str  # class name of sim.classes
    kind: str  # vehicle | two_wheeler | pedestrian | static
    paint_colors: tuple[tuple[int, int, int], ...]
    variants: tuple[Variant, ...]


@dataclass(frozen=True)
class MeshData:
    """One posed variant as arrays (read-only; shared between callers)."""

    vertices: np.ndarray  # (V, 3) float64, asset frame
    faces: np.ndarray  # (F, 3) int32, CCW seen from outside
    face_colors: np.ndarray  # (F, 4) uint8 RGBA
    face_parts: np.ndarray  # (F,) uint8 index into sim.assets.parts.PARTS
    size: tuple[float, float, float]


class Catalog:
    """The assets listed in one ``catalog.yaml``; meshes are read lazily and cached."""

    def __init__(self, root: Path, infos: dict[str, AssetInfo]) -> None:
        self.root = Path(root)
        self._infos = infos
        self._cache: dict[tuple[str, int, int], MeshData] = {}

    def names(self) -> tuple[str, ...]:
        return tuple(self._infos)

    def info(self, name: str) -> AssetInfo:
        try:
            return self._infos[name]
        except KeyError:
            raise AssetError(f"unknown asset {name!r}; known: {', '.join(self._infos)}") from None

    def mesh(self, name: str, variant: int = 0, paint=None, pose: int = 0) -> MeshData:
        """Variant ``variant`` of ``name``, its ``paint`` faces recoloured to ``paint`` (RGB)."""
        base = self._base_mesh(name, variant, pose)
        if paint is None:
            return base
        colors = base.face_colors.copy()
        sel = base.face_parts == PART_INDEX["paint"]
        colors[sel, :3] = np.asarray(paint, dtype=np.uint8)[:3]
        colors.setflags(write=False)
        return MeshData(base.vertices, base.faces, colors, base.face_parts, base.size)

    def _base_mesh(self, name: str, variant: int, pose: int) -> MeshData:
        key = (name, int(variant), int(pose))
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        info = self.info(name)
        if not 0 <= variant < len(info.variants):
            raise AssetError(
                f"asset {name!r} has {len(info.variants)} variants, asked for {variant}"
            )
        var = info.variants[variant]
        files = var.pose_files
        rel = files[pose % len(files)]
        path = self.root / rel
        try:
            parts = decode_glb(path.read_bytes())
        except FileNotFoundError:
            raise AssetError(f"{path}: asset file missing; {_FIX}") from None
        except (ValueError, KeyError, IndexError) as e:
            raise AssetError(f"{path}: not a valid asset GLB ({e}); {_FIX}") from None
        vs, fs, cs, ps = [], [], [], []
        off = 0
        for part, v, f, c in parts:
            if part not in PART_INDEX:
                raise AssetError(f"{path}: unknown part {part!r}; {_FIX}")
            vs.append(v)
            fs.append(f + off)
            cs.append(c)
            ps.append(np.full(len(f), PART_INDEX[part], dtype=np.uint8))
            off += len(v)
        if not vs:
            raise AssetError(f"{path}: asset has no geometry; {_FIX}")
        data = MeshData(
            np.concatenate(vs),
            np.concatenate(fs).astype(np.int32),
            np.concatenate(cs),
            np.concatenate(ps),
            var.size,
        )
        for arr in (data.vertices, data.faces, data.face_colors, data.face_parts):
            arr.setflags(write=False)
        self._cache[key] = data
        return data


def _parse(root: Path, doc) -> dict[str, AssetInfo]:
    where = root / "catalog.yaml"
    if (
        not isinstance(doc, dict)
        or doc.get("version") != 1
        or not isinstance(doc.get("assets"), dict)
    ):
        raise AssetError(f"{where}: expected `version: 1` and an `assets:` mapping; {_FIX}")
    infos = {}
    for name, a in doc["assets"].items():
        try:
            cls, kind = str(a["class"]), str(a["kind"])
            if cls not in BY_NAME:
                raise ValueError(f"unknown class {cls!r}")
            if kind not in KINDS:
                raise ValueError(f"unknown kind {kind!r}")
            variants = []
            for v in a["variants"]:
                size = tuple(float(x) for x in v["size"])
                if len(size) != 3 or min(size) <= 0:
                    raise ValueError(f"variant {v.get('name')}: size must be 3 positive numbers")
                wb = v.get("wheelbase")
                pose_files = tuple(str(p) for p in v.get("pose_files") or (v["file"],))
                variants.append(
                    Variant(
                        str(v["name"]),
                        str(v["file"]),
                        size,
                        None if wb is None else float(wb),
                        pose_files,
                    )
                )
            if not variants:
                raise ValueError("no variants")
            paint = tuple(tuple(int(c) for c in col) for col in a.get("paint_colors") or ())
        except (KeyError, TypeError, ValueError) as e:
            raise AssetError(f"{where}: asset {name!r}: malformed entry ({e}); {_FIX}") from None
        infos[str(name)] = AssetInfo(str(name), cls, kind, paint, tuple(variants))
    return infos


@lru_cache(maxsize=8)
def _load(root: str) -> Catalog:
    path = Path(root) / "catalog.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AssetError(f"{path}: asset catalog missing; {_FIX}") from None
    try:
        doc = YAML(typ="safe").load(text)
    except YAMLError as e:
        raise AssetError(f"{path}: not valid YAML ({e}); {_FIX}") from None
    return Catalog(Path(root), _parse(Path(root), doc))


def load_catalog(root: Path | str | None = None) -> Catalog:
    """The catalog in ``root`` (default :func:`default_assets_dir`); cached per folder."""
    return _load(str(Path(root or default_assets_dir()).resolve()))
