"""Small closed-mesh primitives for the procedural asset builders (build time, numpy only).

Every function returns a :class:`Prim`: one closed, watertight component whose triangles
are wound counter-clockwise seen from outside (outward normals, positive volume). Units are
metres; the frame is whatever frame the caller works in (the builders use the asset frame:
x forward, y left, z up).

trimesh's own polygon extrusion needs a triangulation engine that is not a dependency of
this project, so polygons are triangulated here by ear clipping (:func:`ear_clip`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_EPS = 1e-12

Y = (0.0, 1.0, 0.0)
"""The +y axis (left): the axle direction of wheels and the normal of x-z profiles."""


@dataclass(frozen=True)
class Prim:
    """One closed mesh component: ``v`` (V, 3) float64 [m], ``f`` (F, 3) int64, CCW outward."""

    v: np.ndarray
    f: np.ndarray

    def moved(self, t: Sequence[float]) -> Prim:
        return Prim(self.v + np.asarray(t, dtype=np.float64), self.f)

    def rotated(self, r: np.ndarray, about: Sequence[float] = (0.0, 0.0, 0.0)) -> Prim:
        """Rotate by the proper rotation matrix ``r`` about the point ``about``."""
        c = np.asarray(about, dtype=np.float64)
        return Prim((self.v - c) @ np.asarray(r).T + c, self.f)

    def mapped(self, fn) -> Prim:
        """Apply ``fn`` (V, 3) -> (V, 3) to the vertices; ``fn`` must preserve orientation."""
        return Prim(np.asarray(fn(self.v.copy()), dtype=np.float64), self.f)

    def mirrored_y(self) -> Prim:
        """Mirror across the x-z plane (y -> -y); faces are flipped to keep them outward."""
        v = self.v.copy()
        v[:, 1] *= -1.0
        return Prim(v, self.f[:, ::-1].copy())


# --------------------------------------------------------------------------- checks
def signed_volume(v: np.ndarray, f: np.ndarray) -> float:
    a, b, c = v[f[:, 0]], v[f[:, 1]], v[f[:, 2]]
    return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6.0)


def face_areas(v: np.ndarray, f: np.ndarray) -> np.ndarray:
    a, b, c = v[f[:, 0]], v[f[:, 1]], v[f[:, 2]]
    return 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1)


def check_closed(v: np.ndarray, f: np.ndarray, min_area: float = 1e-9) -> str | None:
    """Why (v, f) is not a closed, consistently outward-wound mesh, or None if it is.

    Closed and consistent means every directed edge occurs exactly once and its reverse
    occurs exactly once; outward means the signed volume is positive.
    """
    if len(f) < 4:
        return "fewer than 4 faces"
    if (f[:, 0] == f[:, 1]).any() or (f[:, 1] == f[:, 2]).any() or (f[:, 0] == f[:, 2]).any():
        return "face repeats a vertex"
    e = np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]])
    n = int(v.shape[0])
    key = e[:, 0].astype(np.int64) * n + e[:, 1]
    uniq, counts = np.unique(key, return_counts=True)
    if (counts != 1).any():
        return "a directed edge is used twice (inconsistent winding or non-manifold)"
    rev = e[:, 1].astype(np.int64) * n + e[:, 0]
    if not np.isin(rev, uniq).all():
        return "an edge has no opposite (mesh not closed)"
    area = face_areas(v, f)
    if area.min() <= min_area:
        return f"degenerate face (area {area.min():.3g} m^2)"
    if signed_volume(v, f) <= 0:
        return "non-positive volume (faces wound inward)"
    return None


def outward(v: np.ndarray, f: np.ndarray) -> Prim:
    """Orient a consistently wound closed mesh outward (flip all faces if volume < 0)."""
    v = np.asarray(v, dtype=np.float64)
    f = np.asarray(f, dtype=np.int64)
    if signed_volume(v, f) < 0:
        f = f[:, ::-1].copy()
    return Prim(v, f)


# --------------------------------------------------------------------------- polygons
def clean_polygon(pts: np.ndarray, tol: float = 1e-7) -> np.ndarray:
    """Drop repeated closing point, duplicate and collinear vertices; return CCW (N, 2)."""
    p = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
    if len(p) > 1 and np.allclose(p[0], p[-1]):
        p = p[:-1]
    changed = True
    while changed and len(p) > 3:
        changed = False
        keep = []
        n = len(p)
        for i in range(n):
            a, b, c = p[i - 1], p[i], p[(i + 1) % n]
            if np.linalg.norm(b - a) < tol:
                changed = True
                continue
            cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0])
            scale = np.linalg.norm(b - a) * np.linalg.norm(c - b)
            if abs(cross) <= tol * max(scale, _EPS):
                changed = True
                continue
            keep.append(i)
        p = p[keep]
    if len(p) < 3:
        raise ValueError("polygon has fewer than 3 distinct corners")
    if polygon_area(p) < 0:
        p = p[::-1].copy()
    return p


def polygon_area(p: np.ndarray) -> float:
    x, y = p[:, 0], p[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def ear_clip(p: np.ndarray) -> np.ndarray:
    """Triangulate a simple CCW polygon (N, 2) without collinear corners; (N-2, 3) CCW indices."""
    n = len(p)
    idx = list(range(n))
    tris: list[tuple[int, int, int]] = []

    def cross(a, b, c) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    while len(idx) > 3:
        m = len(idx)
        for k in range(m):
            i0, i1, i2 = idx[k - 1], idx[k], idx[(k + 1) % m]
            a, b, c = p[i0], p[i1], p[i2]
            if cross(a, b, c) <= 1e-12:
                continue  # reflex or flat corner
            inside = False
            for j in idx:
                if j in (i0, i1, i2):
                    continue
                q = p[j]
                if (
                    cross(a, b, q) >= -1e-12
                    and cross(b, c, q) >= -1e-12
                    and cross(c, a, q) >= -1e-12
                ):
                    inside = True
                    break
            if not inside:
                tris.append((i0, i1, i2))
                idx.pop(k)
                break
        else:
            raise ValueError("ear clipping failed: polygon is not simple")
    tris.append((idx[0], idx[1], idx[2]))
    return np.array(tris, dtype=np.int64)


_AXES = {
    # 2D (u, v) and extrusion w -> world columns; (row = world axis, col = u, v, w)
    "xy": np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float64),  # footprint, up z
    "xz": np.array([[1, 0, 0], [0, 0, 1], [0, 1, 0]], dtype=np.float64),  # side profile, across y
    "yz": np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]], dtype=np.float64),  # cross-section, along x
}


def prism(poly: np.ndarray, w0: float, w1: float, plane: str = "xz") -> Prim:
    """Extrude a simple polygon from ``w0`` to ``w1`` along the axis normal to ``plane``.

    plane "xz": ``poly`` is (x, z) (a side profile), extruded across y in [w0, w1];
    "xy": (x, y) footprint extruded up z; "yz": (y, z) cross-section extruded along x.
    """
    p = clean_polygon(poly)
    if w1 <= w0:
        raise ValueError("prism needs w1 > w0")
    n = len(p)
    tri = ear_clip(p)
    uvw = np.concatenate(
        [np.column_stack([p, np.full(n, w0)]), np.column_stack([p, np.full(n, w1)])]
    )
    i = np.arange(n)
    j = (i + 1) % n
    top = tri + n
    bottom = tri[:, ::-1]
    sides = np.concatenate([np.column_stack([i, j, j + n]), np.column_stack([i, j + n, i + n])])
    f = np.concatenate([top, bottom, sides])
    m = _AXES[plane]
    v = uvw @ m.T
    if np.linalg.det(m) < 0:
        f = f[:, ::-1]
    return outward(v, f)


# --------------------------------------------------------------------------- lofts
def loft(
    rings: Sequence[np.ndarray],
    apex0: Sequence[float] | None = None,
    apex1: Sequence[float] | None = None,
) -> Prim:
    """Close a stack of rings (each (n, 3), same n, same winding) into one solid.

    The first and last ring are closed with a flat fan (rings must be convex), or with a
    cone to ``apex0`` / ``apex1`` when given (sphere poles, cone tips).
    """
    rs = [np.asarray(r, dtype=np.float64) for r in rings]
    n = len(rs[0])
    k = len(rs)
    v = np.concatenate(rs)
    faces = []
    i = np.arange(n)
    j = (i + 1) % n
    for r in range(k - 1):
        a, b = r * n, (r + 1) * n
        faces.append(np.column_stack([a + i, a + j, b + j]))
        faces.append(np.column_stack([a + i, b + j, b + i]))
    extra = []
    if apex0 is None:
        t = np.arange(1, n - 1)
        faces.append(np.column_stack([np.zeros(n - 2, dtype=np.int64), t + 1, t]))
    else:
        extra.append(np.asarray(apex0, dtype=np.float64))
        c = len(v) + len(extra) - 1
        faces.append(np.column_stack([np.full(n, c), j, i]))
    last = (k - 1) * n
    if apex1 is None:
        t = np.arange(1, n - 1)
        faces.append(np.column_stack([np.full(n - 2, last), last + t, last + t + 1]))
    else:
        extra.append(np.asarray(apex1, dtype=np.float64))
        c = len(v) + len(extra) - 1
        faces.append(np.column_stack([np.full(n, c), last + i, last + j]))
    if extra:
        v = np.concatenate([v, np.array(extra)])
    return outward(v, np.concatenate(faces))


def perpendicular_basis(
    axis: np.ndarray, ref: Sequence[float] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors (a, b) perpendicular to ``axis``; ``a`` as close to ``ref`` as possible."""
    d = axis / np.linalg.norm(axis)
    if ref is None:
        ref = (0.0, 0.0, 1.0) if abs(d[2]) < 0.9 else (1.0, 0.0, 0.0)
    r = np.asarray(ref, dtype=np.float64)
    a = r - d * np.dot(r, d)
    if np.linalg.norm(a) < 1e-9:
        r = np.array([1.0, 0.0, 0.0]) if abs(d[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
        a = r - d * np.dot(r, d)
    a /= np.linalg.norm(a)
    b = np.cross(d, a)
    return a, b


def ring(
    center, axis, ra: float, rb: float | None = None, n: int = 8, ref=None, phase: float = 0.0
):
    """(n, 3) points of an ellipse around ``center`` in the plane normal to ``axis``."""
    a, b = perpendicular_basis(np.asarray(axis, dtype=np.float64), ref)
    rb = ra if rb is None else rb
    t = phase + 2.0 * np.pi * np.arange(n) / n
    return (
        np.asarray(center, dtype=np.float64)
        + np.outer(ra * np.cos(t), a)
        + np.outer(rb * np.sin(t), b)
    )


def frustum(
    p0, p1, r0: float, r1: float, n: int = 8, ref=None, squash: float = 1.0, phase: float = 0.0
) -> Prim:
    """Tapered cylinder from ``p0`` (radius r0) to ``p1`` (radius r1); ``squash`` scales the
    radius along the second ring axis (elliptic sections)."""
    p0 = np.asarray(p0, dtype=np.float64)
    p1 = np.asarray(p1, dtype=np.float64)
    ax = p1 - p0
    return loft(
        [ring(p0, ax, r0, r0 * squash, n, ref, phase), ring(p1, ax, r1, r1 * squash, n, ref, phase)]
    )


def cylinder(p0, p1, r: float, n: int = 12, phase: float = 0.0) -> Prim:
    return frustum(p0, p1, r, r, n, phase=phase)


def cone(base, tip, r: float, n: int = 10) -> Prim:
    base = np.asarray(base, dtype=np.float64)
    tip = np.asarray(tip, dtype=np.float64)
    return loft([ring(base, tip - base, r, r, n)], apex1=tip)


def ellipsoid(
    center, radii, n_lon: int = 10, n_lat: int = 6, rot: np.ndarray | None = None
) -> Prim:
    """UV ellipsoid with semi-axes ``radii`` (x, y, z) rotated by ``rot`` about ``center``."""
    rx, ry, rz = radii
    rings = []
    for k in range(1, n_lat):
        th = np.pi * k / n_lat  # from the top pole
        z = np.cos(th)
        s = np.sin(th)
        t = 2.0 * np.pi * np.arange(n_lon) / n_lon
        rings.append(
            np.column_stack([rx * s * np.cos(t), ry * s * np.sin(t), np.full(n_lon, rz * z)])
        )
    rings = rings[::-1]  # bottom to top
    prim = loft(rings, apex0=(0.0, 0.0, -rz), apex1=(0.0, 0.0, rz))
    if rot is not None:
        prim = prim.rotated(rot)
    return prim.moved(center)


def box(lo, hi) -> Prim:
    """Axis-aligned box between corners ``lo`` and ``hi``."""
    lo = np.asarray(lo, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    if (hi - lo).min() <= 0:
        raise ValueError(f"empty box {lo} {hi}")
    return hexa(
        np.array(
            [
                [lo[0], lo[1], lo[2]],
                [hi[0], lo[1], lo[2]],
                [hi[0], hi[1], lo[2]],
                [lo[0], hi[1], lo[2]],
                [lo[0], lo[1], hi[2]],
                [hi[0], lo[1], hi[2]],
                [hi[0], hi[1], hi[2]],
                [lo[0], hi[1], hi[2]],
            ]
        )
    )


def cbox(center, extents, rot: np.ndarray | None = None) -> Prim:
    """Box of ``extents`` centred on ``center``, optionally rotated by ``rot`` about its centre."""
    e = np.asarray(extents, dtype=np.float64) / 2.0
    b = box(-e, e)
    if rot is not None:
        b = b.rotated(rot)
    return b.moved(center)


_HEXA_FACES = np.array(
    [
        [0, 2, 1],
        [0, 3, 2],  # bottom (0..3)
        [4, 5, 6],
        [4, 6, 7],  # top (4..7)
        [0, 1, 5],
        [0, 5, 4],
        [1, 2, 6],
        [1, 6, 5],
        [2, 3, 7],
        [2, 7, 6],
        [3, 0, 4],
        [3, 4, 7],
    ],
    dtype=np.int64,
)


def hexa(c: np.ndarray) -> Prim:
    """Hexahedron from 8 corners: 0-3 one face (counter-clockwise seen from 4-7), 4-7 the
    opposite face in the same order. Works for either handedness."""
    return outward(np.asarray(c, dtype=np.float64), _HEXA_FACES)


def quad_slab(quad: np.ndarray, normal, out: float, inward: float) -> Prim:
    """Thin solid over the planar quad ``quad`` (4, 3), from ``inward`` behind it to ``out``
    in front of it along ``normal`` (glass panes, lights, plates lying on a surface)."""
    q = np.asarray(quad, dtype=np.float64)
    nrm = np.asarray(normal, dtype=np.float64)
    nrm = nrm / np.linalg.norm(nrm)
    return hexa(np.concatenate([q - inward * nrm, q + out * nrm]))


def torus(center, axis, major: float, minor: float, n_major: int = 16, n_minor: int = 6) -> Prim:
    """Ring torus around ``axis`` through ``center``."""
    a, b = perpendicular_basis(np.asarray(axis, dtype=np.float64))
    d = np.asarray(axis, dtype=np.float64)
    d = d / np.linalg.norm(d)
    c = np.asarray(center, dtype=np.float64)
    t = 2.0 * np.pi * np.arange(n_major) / n_major
    s = 2.0 * np.pi * np.arange(n_minor) / n_minor
    radial = np.outer(np.cos(t), a) + np.outer(np.sin(t), b)  # (n_major, 3)
    v = (
        c
        + (major + minor * np.cos(s))[None, :, None] * radial[:, None, :]
        + (minor * np.sin(s))[None, :, None] * d[None, None, :]
    ).reshape(-1, 3)
    i = np.arange(n_major)[:, None]
    j = np.arange(n_minor)[None, :]
    i1 = (i + 1) % n_major
    j1 = (j + 1) % n_minor
    a00 = (i * n_minor + j).ravel()
    a10 = (i1 * n_minor + j).ravel()
    a11 = (i1 * n_minor + j1).ravel()
    a01 = (i * n_minor + j1).ravel()
    f = np.concatenate([np.column_stack([a00, a10, a11]), np.column_stack([a00, a11, a01])])
    return outward(v, f)


# --------------------------------------------------------------------------- rotations
def rot_x(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]], dtype=np.float64)


def rot_y(a: float) -> np.ndarray:
    """Rotation about +y; positive ``a`` turns +x towards -z (nose down)."""
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]], dtype=np.float64)


def rot_z(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]], dtype=np.float64)
