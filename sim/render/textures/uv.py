"""Texture coordinates for faces whose builder gave none, and the per-material groups the
colour renderer draws (pure numpy; the pyrender side is in :mod:`sim.render.backend`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.render.textures.materials import MATERIAL_INDEX, MATERIALS, AgentLook, Appearance

_GLASS = MATERIAL_INDEX["glass"]
_SKY_GLINT = np.array([150.0, 165.0, 182.0])  # what glass facing up reflects (a pale sky)


def _normals(tris: np.ndarray) -> np.ndarray:
    n = np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0])
    return n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)


def _planar(tris: np.ndarray, n: np.ndarray) -> np.ndarray:
    """(F, 3, 2) the corners in the axis plane most facing each face: (x, y) for faces up or
    down, (y, z) for faces along x, (x, z) for faces along y."""
    axis = np.argmax(np.abs(n), axis=1)
    out = np.empty(tris.shape[:2] + (2,), dtype=np.float64)
    for a, (i, j) in enumerate(((1, 2), (0, 2), (0, 1))):
        sel = axis == a
        out[sel, :, 0] = tris[sel][:, :, i]
        out[sel, :, 1] = tris[sel][:, :, j]
    return out


def box_uv(tris: np.ndarray, tile: tuple[float, float]) -> np.ndarray:
    """Box projection: each face's corners in its axis plane over the tile size [m]."""
    return _planar(tris, _normals(tris)) / np.asarray(tile, dtype=np.float64)


def fit_uv(tris: np.ndarray) -> np.ndarray:
    """Each face's corners in its axis plane scaled to its own bounding box (0..1): a
    window pane or a plate gets the whole texture once."""
    p = _planar(tris, _normals(tris))
    lo, hi = p.min(axis=1, keepdims=True), p.max(axis=1, keepdims=True)
    return (p - lo) / np.maximum(hi - lo, 1e-6)


def vehicle_uv(tris: np.ndarray, lo: np.ndarray, hi: np.ndarray, dirt: float) -> np.ndarray:
    """The vehicle's box (``lo``..``hi``, object frame: x forward, z up) mapped once onto the
    dirt texture: v up the height, starting higher (cleaner) for less ``dirt``; u along the
    length (sides, roof) or the width (front, back)."""
    n = _normals(tris)
    size = np.maximum(hi - lo, 1e-6)
    rel = (tris - lo) / size
    v0 = 0.45 * (1.0 - float(np.clip(dirt, 0.0, 1.0)))
    out = np.empty(tris.shape[:2] + (2,), dtype=np.float64)
    axis = np.argmax(np.abs(n), axis=1)
    side = axis != 2
    out[..., 0] = np.where((axis == 0)[:, None], rel[..., 1], rel[..., 0])
    out[..., 1] = v0 + rel[..., 2] * (1.0 - v0)
    top = ~side
    out[top, :, 1] = 0.92 + 0.06 * rel[top][:, :, 1]
    return out


@dataclass(frozen=True)
class Group:
    """The faces of one material: ``corners`` (n*3, 3) float32 positions, ``normals``,
    ``colors`` (n*3, 4) float32 vertex colours 0..1, ``uv`` (n*3, 2) float32 or None,
    ``material`` code, ``tint`` (3,) multiplier for the base colour factor, ``metallic``,
    ``roughness``."""

    corners: np.ndarray
    normals: np.ndarray
    colors: np.ndarray
    uv: np.ndarray | None
    material: int
    tint: tuple[float, float, float]
    metallic: float
    roughness: float


def material_groups(
    vertices,
    faces,
    face_colors,
    uvs,
    face_material,
    appearance: Appearance,
    look: AgentLook | None = None,
) -> list[Group]:
    """Split a mesh into one :class:`Group` per material, with texture coordinates (the
    builder's, else projected: world coordinates for static meshes, the object frame for an
    agent's, which has a ``look``) shifted by the episode's per-material offset.

    For an agent, a group's colour moves into its base colour (``tint``: the group's mean
    face colour) and the vertex colours keep only each face's ratio to it: pyrender
    multiplies the lit colour, highlights included, by the vertex colour, so paint and glass
    get white highlights (a clear coat) instead of ones in their own colour."""
    verts = np.asarray(vertices, dtype=np.float64)
    faces = np.asarray(faces)
    tris = verts[faces]
    codes = np.asarray(face_material, dtype=np.intp)
    colors = np.asarray(face_colors, dtype=np.float64).copy()
    normals = _normals(tris)
    if look is not None:
        glass = codes == _GLASS
        if glass.any():  # a fake of the sky's reflection: brighter the more it faces up
            w = 0.04 + 0.16 * np.clip(normals[glass, 2], 0.0, 1.0)
            colors[glass, :3] = colors[glass, :3] * (1 - w[:, None]) + _SKY_GLINT * w[:, None]
    lo, hi = verts.min(axis=0), verts.max(axis=0)
    out = []
    for code in np.unique(codes):
        sel = codes == code
        mat = MATERIALS[int(code)]
        t = tris[sel]
        uv = None
        if mat.kind is not None:
            given = None if uvs is None else np.asarray(uvs, dtype=np.float64)[sel]
            if given is not None and not np.isnan(given).any():
                uv = given
            else:
                if mat.projection == "fit":
                    uv = fit_uv(t)
                elif mat.projection == "vehicle" and look is not None:
                    uv = vehicle_uv(t, lo, hi, look.dirt)
                else:
                    uv = box_uv(t, mat.tile)
                if given is not None:
                    ok = ~np.isnan(given).any(axis=(1, 2))
                    uv[ok] = given[ok]
            if mat.projection == "box":  # fixed per episode, random between episodes
                uv = uv + np.asarray(appearance.offset(mat.name))
                uv = uv - np.floor(uv.min(axis=1, keepdims=True))  # small numbers: precision
            uv = uv.reshape(-1, 2).astype(np.float32)
        c = colors[sel] / 255.0
        tint = (1.0, 1.0, 1.0)
        if look is not None and mat.name != "plain":
            mean = np.maximum(c[:, :3].mean(axis=0), 1e-3)
            tint = (float(mean[0]), float(mean[1]), float(mean[2]))
            c[:, :3] = np.clip(c[:, :3] / mean, 0.0, 4.0)
        metallic, roughness = mat.metallic, mat.roughness
        if look is not None and mat.name == "paint":
            metallic, roughness = look.paint_metallic, look.paint_roughness
        elif look is not None and mat.name == "glass":
            roughness = look.glass_roughness
        out.append(
            Group(
                t.reshape(-1, 3).astype(np.float32),
                np.repeat(normals[sel], 3, axis=0).astype(np.float32),
                np.repeat(c, 3, axis=0).astype(np.float32),
                uv,
                int(code),
                tint,
                float(metallic),
                float(roughness),
            )
        )
    return out
