"""What the scene builders share: :class:`MeshArrays`, the ribbon primitives that lay
strips along a road's reference line between lateral offsets, and each lane's extent as
drawn (the surface, its markings and the roadside all follow it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.assets.parts import PART_INDEX
from sim.classes import BY_NAME
from sim.render.textures import MATERIAL_INDEX, MATERIALS, PART_MATERIAL
from sim.render.textures.materials import FACADES
from sim.road import Road

ROAD_SAMPLE = 5.0  # [m] ribbon tessellation along s
GROUND_BELOW = 0.03  # [m] terrain sits just below the road edge


@dataclass(frozen=True)
class MeshArrays:
    """Triangles with per-face colour and semantic class, and optionally their look.

    vertices : (V, 3) float64 [m]; faces : (F, 3) int32 CCW seen from outside;
    face_colors : (F, 4) uint8 RGBA; face_semantic : (F,) uint8 class id;
    uvs : (F, 3, 2) float32 texture coordinates of each face's corners, in repeats of its
    material's texture, or None (the colour renderer projects them);
    face_material : (F,) uint8 code into ``sim.render.textures.MATERIALS`` (0 plain), or None.

    Only the colour render reads ``uvs`` and ``face_material``: the labels come from the
    geometry and the semantic class alone.
    """

    vertices: np.ndarray
    faces: np.ndarray
    face_colors: np.ndarray
    face_semantic: np.ndarray
    uvs: np.ndarray | None = None
    face_material: np.ndarray | None = None

    @staticmethod
    def concat(parts: list[MeshArrays]) -> MeshArrays:
        offsets = np.cumsum([0] + [len(p.vertices) for p in parts[:-1]])
        uvs = mats = None
        if any(p.uvs is not None for p in parts):
            uvs = np.concatenate(
                [
                    p.uvs
                    if p.uvs is not None
                    else np.full((len(p.faces), 3, 2), np.nan, np.float32)
                    for p in parts
                ]
            ).astype(np.float32)
        if any(p.face_material is not None for p in parts):
            mats = np.concatenate(
                [
                    p.face_material
                    if p.face_material is not None
                    else np.zeros(len(p.faces), np.uint8)
                    for p in parts
                ]
            ).astype(np.uint8)
        return MeshArrays(
            np.concatenate([p.vertices for p in parts]),
            np.concatenate([p.faces + o for p, o in zip(parts, offsets, strict=True)]).astype(
                np.int32
            ),
            np.concatenate([p.face_colors for p in parts]),
            np.concatenate([p.face_semantic for p in parts]),
            uvs,
            mats,
        )


def colored(verts, faces, color, cls: str, material: str | None = None, vert_uv=None) -> MeshArrays:
    """One colour and class for every face; ``material`` (a name of
    ``sim.render.textures.MATERIALS``) with ``vert_uv`` (V, 2) texture coordinates per vertex
    [repeats] (None: the renderer projects them)."""
    f = len(faces)
    faces = np.asarray(faces, dtype=np.int32)
    mats = uvs = None
    if material is not None:
        mats = np.full(f, MATERIAL_INDEX[material], dtype=np.uint8)
        if vert_uv is not None:
            uvs = np.asarray(vert_uv, dtype=np.float32)[faces]
    return MeshArrays(
        np.asarray(verts, dtype=np.float64),
        faces,
        np.tile(np.asarray(color, dtype=np.uint8), (f, 1)),
        np.full(f, BY_NAME[cls].id, dtype=np.uint8),
        uvs,
        mats,
    )


_PART_CODES = np.zeros(256, dtype=np.uint8)
for _name, _material in PART_MATERIAL.items():
    _PART_CODES[PART_INDEX[_name]] = MATERIAL_INDEX[_material]


def part_materials(face_parts: np.ndarray, facade: int = 0) -> np.ndarray:
    """(F,) material codes of an asset's faces from their parts (``face_parts``); walls get
    facade style ``facade`` (0 brick, 1 plaster, 2 panels)."""
    codes = _PART_CODES[np.asarray(face_parts, dtype=np.intp)]
    if facade:
        codes = np.where(
            codes == MATERIAL_INDEX["facade_brick"], MATERIAL_INDEX[FACADES[facade % 3]], codes
        ).astype(np.uint8)
    return codes


def asset_mesh(data, cls: str) -> MeshArrays:
    """An asset's mesh (``sim.assets.MeshData``) in its own frame as MeshArrays of class
    ``cls``, with its parts' materials (paint, glass, tyres, ...)."""
    sem = np.full(len(data.faces), BY_NAME[cls].id, dtype=np.uint8)
    return MeshArrays(
        data.vertices,
        data.faces,
        data.face_colors,
        sem,
        face_material=part_materials(data.face_parts),
    )


def posed_mesh(mesh, x: float, y: float, yaw: float, cls: str) -> MeshArrays:
    c, s = math.cos(yaw), math.sin(yaw)
    R = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    verts = mesh.vertices @ R.T + np.array([x, y, -GROUND_BELOW])
    sem = np.full(len(mesh.faces), BY_NAME[cls].id, dtype=np.uint8)
    # a building's facade style follows from where it stands (its placement is seeded)
    facade = int(abs(x * 7.31 + y * 3.17)) % 3
    return MeshArrays(
        verts,
        mesh.faces.astype(np.int32),
        np.asarray(mesh.face_colors),
        sem,
        face_material=part_materials(mesh.face_parts, facade),
    )


def keep_mask(mid: np.ndarray, cuts) -> np.ndarray:
    keep = np.ones(len(mid), dtype=bool)
    for a, b in cuts:
        keep &= ~((mid > a) & (mid < b))
    return keep


def runs(keep: np.ndarray) -> list[tuple[int, int]]:
    """(i0, i1): sample ranges whose intervals i0..i1-1 are all kept."""
    edges = np.diff(np.concatenate([[0], keep.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def road_uv(road: Road, material: str, s, d) -> np.ndarray:
    """(n, 2) texture coordinates [repeats] of road-space points (s, d): fixed to the road,
    u along it; the asphalt's v counts lanes (its wheel tracks follow each lane)."""
    tile_u, tile_v = MATERIALS[MATERIAL_INDEX[material]].tile
    if material in ("asphalt", "shoulder"):
        tile_v = road.lane_width
    s = np.asarray(s, dtype=np.float64)
    return np.stack((s / tile_u, np.asarray(d, dtype=np.float64) / tile_v), axis=1)


def ladder(
    a: np.ndarray,
    b: np.ndarray,
    flip: bool,
    color,
    cls: str,
    material: str | None = None,
    uv_a=None,
    uv_b=None,
) -> MeshArrays:
    """Quads between two rows of m points, a[i] a[i+1] b[i+1] b[i] each; counter-clockwise
    seen from the side a x b points to (from above for a ribbon with a on its right),
    or the other side with ``flip``. ``uv_a``, ``uv_b``: (m, 2) texture coordinates of the
    rows (with ``material``)."""
    m = len(a)
    verts = np.empty((2 * m, 3))
    verts[0::2], verts[1::2] = a, b
    uv = None
    if uv_a is not None and uv_b is not None:
        uv = np.empty((2 * m, 2))
        uv[0::2], uv[1::2] = uv_a, uv_b
    k = np.arange(m - 1) * 2
    faces = np.concatenate([np.stack((k, k + 2, k + 3), 1), np.stack((k, k + 3, k + 1), 1)])
    return colored(verts, faces[:, ::-1] if flip else faces, color, cls, material, uv)


def band(
    road: Road, s, d0, d1, keep, z: float, color, cls: str, material: str | None = None
) -> list[MeshArrays]:
    """Upward strips between per-sample offsets d0 <= d1 over the kept intervals [s_i, s_i+1];
    textured with ``material`` in road space (s, d)."""
    out = []
    for i0, i1 in runs(keep):
        ss = s[i0 : i1 + 1]
        zz = np.full(len(ss), z)
        dr, dl = d0[i0 : i1 + 1], d1[i0 : i1 + 1]
        xr, yr, _ = road.to_world(ss, dr)
        xl, yl, _ = road.to_world(ss, dl)
        uv_r = uv_l = None
        if material is not None:
            uv_r, uv_l = road_uv(road, material, ss, dr), road_uv(road, material, ss, dl)
        out.append(
            ladder(
                np.stack((xr, yr, zz), 1),
                np.stack((xl, yl, zz), 1),
                False,
                color,
                cls,
                material,
                uv_r,
                uv_l,
            )
        )
    return out


def ribbon(
    road: Road,
    d0: float,
    d1: float,
    s0: float,
    s1: float,
    z: float,
    color,
    cls: str,
    step: float = ROAD_SAMPLE,
    material: str | None = None,
) -> MeshArrays:
    """Upward-facing strip between offsets d0 < d1 over s in [s0, s1]."""
    n = max(1, int(math.ceil((s1 - s0) / step)))
    s = np.linspace(s0, s1, n + 1)
    return band(
        road,
        s,
        np.full_like(s, d0),
        np.full_like(s, d1),
        np.ones(n, dtype=bool),
        z,
        color,
        cls,
        material,
    )[0]


def lane_extent(road: Road, lane: int, s: float) -> tuple[float, float] | None:
    """(d_right, d_left) of ``lane``'s tarmac at ``s`` as drawn: ``Road.lane_bounds``, except
    that a lane that begins at ``start`` without a ramp widens over the taper before it."""
    bounds = road.lane_bounds(lane, s)
    if bounds is None:
        return None
    _, start, _, taper, ramp = road.lane_table[lane]
    if ramp == 0.0 and start > 0.0 and s < start:
        if s < start - taper:
            return None
        keep = (s - start + taper) / taper * road.lane_width
        lo, hi = bounds
        return (hi - keep, hi) if lane == 0 else (lo, lo + keep)
    return bounds
