"""What the scene builders share: :class:`MeshArrays`, the ribbon primitives that lay
strips along a road's reference line between lateral offsets, and each lane's extent as
drawn (the surface, its markings and the roadside all follow it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.classes import BY_NAME
from sim.road import Road

ROAD_SAMPLE = 5.0  # [m] ribbon tessellation along s
GROUND_BELOW = 0.03  # [m] terrain sits just below the road edge


@dataclass(frozen=True)
class MeshArrays:
    """Triangles with per-face colour and semantic class.

    vertices : (V, 3) float64 [m]; faces : (F, 3) int32 CCW seen from outside;
    face_colors : (F, 4) uint8 RGBA; face_semantic : (F,) uint8 class id.
    """

    vertices: np.ndarray
    faces: np.ndarray
    face_colors: np.ndarray
    face_semantic: np.ndarray

    @staticmethod
    def concat(parts: list[MeshArrays]) -> MeshArrays:
        offsets = np.cumsum([0] + [len(p.vertices) for p in parts[:-1]])
        return MeshArrays(
            np.concatenate([p.vertices for p in parts]),
            np.concatenate([p.faces + o for p, o in zip(parts, offsets, strict=True)]).astype(
                np.int32
            ),
            np.concatenate([p.face_colors for p in parts]),
            np.concatenate([p.face_semantic for p in parts]),
        )


def colored(verts, faces, color, cls: str) -> MeshArrays:
    f = len(faces)
    return MeshArrays(
        np.asarray(verts, dtype=np.float64),
        np.asarray(faces, dtype=np.int32),
        np.tile(np.asarray(color, dtype=np.uint8), (f, 1)),
        np.full(f, BY_NAME[cls].id, dtype=np.uint8),
    )


def posed_mesh(mesh, x: float, y: float, yaw: float, cls: str) -> MeshArrays:
    c, s = math.cos(yaw), math.sin(yaw)
    R = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    verts = mesh.vertices @ R.T + np.array([x, y, -GROUND_BELOW])
    sem = np.full(len(mesh.faces), BY_NAME[cls].id, dtype=np.uint8)
    return MeshArrays(verts, mesh.faces.astype(np.int32), np.asarray(mesh.face_colors), sem)


def keep_mask(mid: np.ndarray, cuts) -> np.ndarray:
    keep = np.ones(len(mid), dtype=bool)
    for a, b in cuts:
        keep &= ~((mid > a) & (mid < b))
    return keep


def runs(keep: np.ndarray) -> list[tuple[int, int]]:
    """(i0, i1): sample ranges whose intervals i0..i1-1 are all kept."""
    edges = np.diff(np.concatenate([[0], keep.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def ladder(a: np.ndarray, b: np.ndarray, flip: bool, color, cls: str) -> MeshArrays:
    """Quads between two rows of m points, a[i] a[i+1] b[i+1] b[i] each; counter-clockwise
    seen from the side a x b points to (from above for a ribbon with a on its right),
    or the other side with ``flip``."""
    m = len(a)
    verts = np.empty((2 * m, 3))
    verts[0::2], verts[1::2] = a, b
    k = np.arange(m - 1) * 2
    faces = np.concatenate([np.stack((k, k + 2, k + 3), 1), np.stack((k, k + 3, k + 1), 1)])
    return colored(verts, faces[:, ::-1] if flip else faces, color, cls)


def band(road: Road, s, d0, d1, keep, z: float, color, cls: str) -> list[MeshArrays]:
    """Upward strips between per-sample offsets d0 <= d1 over the kept intervals [s_i, s_i+1]."""
    out = []
    for i0, i1 in runs(keep):
        ss = s[i0 : i1 + 1]
        zz = np.full(len(ss), z)
        xr, yr, _ = road.to_world(ss, d0[i0 : i1 + 1])
        xl, yl, _ = road.to_world(ss, d1[i0 : i1 + 1])
        out.append(ladder(np.stack((xr, yr, zz), 1), np.stack((xl, yl, zz), 1), False, color, cls))
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
) -> MeshArrays:
    """Upward-facing strip between offsets d0 < d1 over s in [s0, s1]."""
    n = max(1, int(math.ceil((s1 - s0) / step)))
    s = np.linspace(s0, s1, n + 1)
    return band(
        road, s, np.full_like(s, d0), np.full_like(s, d1), np.ones(n, dtype=bool), z, color, cls
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
