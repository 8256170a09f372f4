"""The static scene of an imported OpenDRIVE map (:func:`build_static_opendrive`).

Every lane of every lane section outside the junctions is a strip between its inner and
outer border, through the exact ``OpenDriveNetwork.to_world`` (elevation and
superelevation included), sampled along s every ``MAX_STEP`` or closer where the border's
curvature asks for it (chord error <= ``CHORD_ERROR``). Its class and material follow the
lane type as today's roads have them (:data:`LANE_LOOK`): asphalt, shoulder, raised
sidewalk with a kerb face, or grass. A junction's connecting roads overlap, so its lanes
are merged into one shapely area per look and drawn once, triangulated by shapely's
constrained Delaunay, ``JUNCTION_LIFT`` above the roads. Road marks become lines on their
lane's outer border (the centre lane's: on the laneOffset), see :func:`_mark_lines`. The
terrain is one plane under the map's extent with the drawn lanes cut out, and the far plane
below it, as today.
"""

from __future__ import annotations

import math

import numpy as np

from sim.render.scene.common import GROUND_BELOW, MeshArrays, colored, ladder, runs
from sim.render.scene.markings import CENTRE_GAP, MARKING_LIFT, PAINT
from sim.render.scene.surface import (
    ASPHALT,
    FAR_PLANE_BELOW,
    GRASS,
    GROUND_WIDTH,
    KERB,
    KERB_HEIGHT,
    ROAD_MARGIN,
    SHOULDER,
    SIDEWALK,
    patchy,
)
from sim.render.textures import MATERIAL_INDEX, MATERIALS
from sim.road.opendrive import OpenDriveError, OpenDriveNetwork

MAX_STEP = 1.0  # [m] longest sample interval along s
CHORD_ERROR = 0.02  # [m] largest gap between a drawn border and the exact one
JUNCTION_LIFT = 0.01  # [m] a junction's merged surface above its roads' z
GROUND_CELL = 25.0  # [m] the terrain plane comes in cells this size
JUNCTION_OUTLINE = 0.3  # [m] paint this far inside a junction's outline is left out
MARK_WIDTH = 0.12  # [m] a roadMark without a width
BOLD_WIDTH = 0.25  # [m] ... of weight "bold"
BROKEN_LINE, BROKEN_GAP = 3.0, 6.0  # [m] broken line: paint, gap (urban, German RMS 3 m / 6 m)
DOT_LINE, DOT_GAP = 0.3, 0.9  # [m] botts dots drawn as short dashes
YELLOW = (226, 184, 40, 255)
MARK_COLORS = {
    "standard": PAINT,
    "white": PAINT,
    "yellow": YELLOW,
    "orange": (230, 130, 40, 255),
    "red": (200, 50, 40, 255),
    "blue": (50, 90, 200, 255),
    "green": (60, 160, 70, 255),
}
_SURFACE_EPS = 1e-9  # [m] a section's last sample is evaluated just inside it

_ROAD = ("road", "asphalt", ASPHALT, 0.0)
LANE_LOOK: dict[str, tuple[str, str, tuple, float] | None] = {
    **{
        t: _ROAD
        for t in (
            "driving", "entry", "exit", "onRamp", "offRamp", "connectingRamp", "bidirectional",
            "biking", "parking", "stop", "restricted", "bus", "taxi", "HOV", "mwyEntry",
            "mwyExit", "slipLane", "roadWorks", "tram", "special1", "special2", "special3",
        )
    },
    "shoulder": ("road", "shoulder", SHOULDER, 0.0),
    "sidewalk": ("sidewalk", "sidewalk", SIDEWALK, KERB_HEIGHT),
    "walking": ("sidewalk", "sidewalk", SIDEWALK, KERB_HEIGHT),
    "border": ("terrain", "grass", GRASS, -GROUND_BELOW),
    "median": ("terrain", "grass", GRASS, -GROUND_BELOW),
    "rail": ("terrain", "grass", GRASS, -GROUND_BELOW),
    "none": None,
}  # fmt: skip
"""lane type -> (semantic class, material, colour, z above the road [m]), None: not drawn."""


def lane_look(lane_type: str) -> tuple[str, str, tuple, float] | None:
    """How a lane of this type is drawn (:data:`LANE_LOOK`; an unlisted type as road)."""
    return LANE_LOOK.get(lane_type, _ROAD)


# ---------------------------------------------------------------------------- sampling
def _breaks(road, s0: float, s1: float, section) -> list[float]:
    out = [g.s for g in road.geometries]
    for lane in (*section.left, section.center, *section.right):
        out += [section.s + w.s for w in lane.widths + lane.borders]
        out += [section.s + m.s_offset for m in lane.road_marks]
    return [v for v in out if s0 < v < s1]


def sample_s(odr: OpenDriveNetwork, r: int, s0: float, s1: float, t_max: float, extra=()):
    """(n,) s in [s0, s1]: at most MAX_STEP apart, and close enough that a border up to
    ``t_max`` from the reference line is drawn within CHORD_ERROR (sagitta h^2 k / 8)."""
    n = max(1, int(math.ceil((s1 - s0) / MAX_STEP)))
    s = np.unique(np.concatenate([np.linspace(s0, s1, n + 1), np.asarray(extra, float)]))
    for _ in range(4):
        k = np.abs(odr.reference_pose(r, s)[:, 3])
        k_eff = k / np.clip(1.0 - k * t_max, 0.05, None)
        k_int = np.maximum(k_eff[1:], k_eff[:-1]) * 1.5 + 1e-12  # the interval's worst
        h_max = np.minimum(MAX_STEP, np.sqrt(8.0 * CHORD_ERROR / k_int))
        pieces = np.ceil(np.diff(s) / h_max).astype(int)
        if (pieces <= 1).all():
            break
        new = [s[:1]]
        for i, m in enumerate(pieces):
            new.append(np.linspace(s[i], s[i + 1], max(m, 1) + 1)[1:])
        s = np.concatenate(new)
    return s


def _edges(odr: OpenDriveNetwork, r: int, lane_id: int, s: np.ndarray, s1: float) -> np.ndarray:
    """(n, 2) [t_inner, t_outer] of the lane of the section ending at ``s1``."""
    return odr.lane_edges(r, lane_id, np.minimum(s, s1 - _SURFACE_EPS))


def _points(odr: OpenDriveNetwork, r: int, s, t, lift: float = 0.0) -> np.ndarray:
    p = odr.to_world(r, s, t)[:, :3]
    p[:, 2] += lift
    return p


def _uv(material: str, s, t, frac=None) -> np.ndarray:
    tile_u, tile_v = MATERIALS[MATERIAL_INDEX[material]].tile
    v = frac if frac is not None else np.asarray(t) / tile_v
    return np.stack((np.asarray(s) / tile_u, np.broadcast_to(v, np.shape(s))), axis=1)


def _strip(odr, r, s, t_a, t_b, lift, look) -> MeshArrays:
    """Upward strip between offsets t_a, t_b (per sample) ``lift`` above the road."""
    cls, material, color, _ = look
    lo, hi = np.minimum(t_a, t_b), np.maximum(t_a, t_b)
    frac = material in ("asphalt", "shoulder")  # v counts lanes, as today's road_uv
    uv_lo = _uv(material, s, lo, np.zeros(len(s)) if frac else None)
    uv_hi = _uv(material, s, hi, np.ones(len(s)) if frac else None)
    a, b = _points(odr, r, s, lo, lift), _points(odr, r, s, hi, lift)
    return ladder(a, b, False, color, cls, material, uv_lo, uv_hi)


def _wall(odr, r, s, t, z0: float, z1: float, facing: int) -> MeshArrays:
    """Vertical kerb face along offsets t from z0 to z1 above the road, facing +t
    (facing=+1) or -t; class sidewalk, material kerb (as today's kerbs)."""
    low, high = _points(odr, r, s, t, z0), _points(odr, r, s, t, z1)
    tile_u, tile_v = MATERIALS[MATERIAL_INDEX["kerb"]].tile
    u = np.asarray(s) / tile_u
    uv_low = np.stack((u, np.full(len(s), z0 / tile_v)), 1)
    uv_high = np.stack((u, np.full(len(s), z1 / tile_v)), 1)
    return ladder(low, high, facing > 0, KERB, "sidewalk", "kerb", uv_low, uv_high)


def _cap(odr, r, s: float, t0: float, t1: float, z: float, facing: int) -> MeshArrays:
    """Vertical kerb quad across the road at s between offsets t0, t1, from the ground up
    to z above the road, facing +s (facing=+1) or -s: a sidewalk's end."""
    low = _points(odr, r, [s, s], [t0, t1], -GROUND_BELOW)
    high = _points(odr, r, [s, s], [t0, t1], z)
    verts = np.array([low[0], low[1], high[1], high[0]])
    faces = np.array([[0, 1, 2], [0, 2, 3]])
    n = np.cross(verts[1] - verts[0], verts[2] - verts[0])
    h = float(odr.to_world(r, [s], [0.0])[0, 3])
    if np.dot(n[:2], (math.cos(h), math.sin(h))) * facing < 0:
        faces = faces[:, ::-1]
    return colored(verts, faces, KERB, "sidewalk", "kerb")


def _polygon(a: np.ndarray, b: np.ndarray):
    from shapely.geometry import Polygon

    poly = Polygon(np.concatenate([a[:, :2], b[::-1, :2]]))
    return poly if poly.is_valid else poly.buffer(0.0)


# ---------------------------------------------------------------------------- lanes
def _section_lanes(odr: OpenDriveNetwork, r: int, k: int):
    """(section, s, s1, edges) of section k of road r: its samples s (one grid for all its
    lanes), where it ends, and {lane id: (n, 2) [t_inner, t_outer]}; None if it is empty."""
    road = odr.odr.roads[r]
    sec = road.lane_sections[k]
    s0 = sec.s
    s1 = road.lane_sections[k + 1].s if k + 1 < len(road.lane_sections) else road.length
    if s1 - s0 < 1e-6:
        return None
    ids = [lane.id for lane in (*sec.left, *sec.right)]
    coarse = np.linspace(s0, s1, 5)
    t_max = 0.0
    for i in ids:
        e = _edges(odr, r, i, coarse, s1)
        t_max = max(t_max, float(np.nanmax(np.abs(e))) if np.isfinite(e).any() else 0.0)
    s = sample_s(odr, r, s0, s1, t_max + 1.0, _breaks(road, s0, s1, sec))
    edges = {i: _edges(odr, r, i, s, s1) for i in ids}
    return sec, s, s1, edges


def _neighbour_raised(sec, lane_id: int, step: int) -> bool:
    """Whether the lane ``step`` (+1 outwards, -1 inwards) of ``lane_id`` is raised."""
    side = 1 if lane_id > 0 else -1
    other = lane_id + side * step
    if other == 0:
        other = -side  # across the centre lane
    lane = sec.lane(other)
    look = lane_look(lane.type) if lane is not None else None
    return look is not None and look[3] > 0.0


def _lane_parts(odr, r, sec, s, edges, lane, out: dict, polys: dict | None) -> None:
    look = lane_look(lane.type)
    if look is None:
        return
    e = edges[lane.id]
    ok = np.isfinite(e).all(axis=1) & (np.abs(e[:, 1] - e[:, 0]) > 1e-4)
    if ok.sum() < 2:
        return
    for i0, i1 in _true_runs(ok):
        ss, ti, to = s[i0:i1], e[i0:i1, 0], e[i0:i1, 1]
        if polys is not None:  # a junction's lane: merged later
            a, b = _points(odr, r, ss, ti), _points(odr, r, ss, to)
            polys.setdefault(look, []).append((_polygon(a, b), np.concatenate([a, b])))
            continue
        z = look[3]
        out["surface" if look[0] != "terrain" else "ground"].append(
            _strip(odr, r, ss, ti, to, z, look)
        )
        out["cut"].append(_polygon(_points(odr, r, ss, ti), _points(odr, r, ss, to)))
        if z > 0.0:  # raised pavement: kerb faces where the neighbours are lower
            side = 1 if lane.id > 0 else -1
            if not _neighbour_raised(sec, lane.id, -1):
                out["surface"].append(_wall(odr, r, ss, ti, 0.0, z, -side))
            if not _neighbour_raised(sec, lane.id, 1):
                out["surface"].append(_wall(odr, r, ss, to, -GROUND_BELOW, z, side))
            road = odr.odr.roads[r]
            for i, link, facing in ((0, road.predecessor, -1), (-1, road.successor, 1)):
                at_end = abs(ss[i] - (0.0 if i == 0 else road.length)) < 1e-6
                if at_end and (link is None or link.element_type == "junction"):
                    out["surface"].append(_cap(odr, r, ss[i], ti[i], to[i], z, facing))


def _true_runs(ok: np.ndarray) -> list[tuple[int, int]]:
    """[i0, i1) sample ranges (>= 2 samples) where ``ok`` holds."""
    edges = np.diff(np.concatenate([[0], ok.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(a, b) for a, b in zip(starts, ends, strict=True) if b - a >= 2]


# ---------------------------------------------------------------------------- marks
def _mark_lines(mark_type: str, width: float) -> list[tuple[float, str]]:
    """(offset from the border towards the outside [m], 'solid' | 'broken' | 'dots') of
    each line of a mark type. Double types name their lines from the inside out (the
    centre lane's: from left to right, where 'outside' is -t)."""
    off = (width + CENTRE_GAP) / 2
    return {
        "solid": [(0.0, "solid")],
        "broken": [(0.0, "broken")],
        "solid solid": [(-off, "solid"), (off, "solid")],
        "solid broken": [(-off, "solid"), (off, "broken")],
        "broken solid": [(-off, "broken"), (off, "solid")],
        "broken broken": [(-off, "broken"), (off, "broken")],
        "botts dots": [(0.0, "dots")],
    }.get(mark_type, [])


def _dash_ranges(a: float, b: float, style: str) -> list[tuple[float, float]]:
    """[s0, s1] painted pieces of a line from a to b (dashes start at a)."""
    if style == "solid":
        return [(a, b)]
    paint, gap = (BROKEN_LINE, BROKEN_GAP) if style == "broken" else (DOT_LINE, DOT_GAP)
    out, start = [], a
    while start < b - 1e-6:
        out.append((start, min(start + paint, b)))
        start += paint + gap
    return [(p, q) for p, q in out if q - p > 0.05]


def _lane_marks(odr, r, sec, s, s1, edges, lane, lift: float, inside=None) -> list[MeshArrays]:
    """The lines of a lane's road marks; ``inside``: a prepared area whose interior paint is
    left out (a junction's drivable area, so only its outline keeps its lines)."""
    marks = lane.road_marks
    if not marks:
        return []
    if lane.id == 0:  # the centre line sits on the laneOffset: lane +-1's inner border
        inner = next((i for i in (1, -1) if i in edges), None)
        if inner is None:
            return []
        border, outward = edges[inner][:, 0], -1.0
    else:
        border, outward = edges[lane.id][:, 1], (1.0 if lane.id > 0 else -1.0)
    out = []
    for j, m in enumerate(marks):
        a = sec.s + m.s_offset
        b = sec.s + marks[j + 1].s_offset if j + 1 < len(marks) else s1
        a, b = max(a, s[0]), min(b, s1)
        if b - a < 1e-3:
            continue
        width = m.width if m.width and m.width > 0 else (
            BOLD_WIDTH if m.weight == "bold" else MARK_WIDTH
        )  # fmt: skip
        color = MARK_COLORS.get(m.color, PAINT)
        for offset, style in _mark_lines(m.type, width):
            for p, q in _dash_ranges(a, b, style):
                ss = np.concatenate([[p], s[(s > p) & (s < q)], [q]])
                t = np.interp(ss, s, border) + outward * offset
                if not np.isfinite(t).all():
                    continue
                look = ("lane_marking", "marking", color, 0.0)
                pieces = [(0, len(ss))]
                if inside is not None:
                    import shapely

                    xy = _points(odr, r, ss, t)[:, :2]
                    drop = shapely.contains_xy(inside, xy[:, 0], xy[:, 1])
                    pieces = [(i0, i1 + 1) for i0, i1 in runs(~(drop[1:] | drop[:-1]))]
                for i0, i1 in pieces:
                    if i1 - i0 < 2:
                        continue
                    sp, tp = ss[i0:i1], t[i0:i1]
                    out.append(_strip(odr, r, sp, tp - width / 2, tp + width / 2, lift, look))
    return out


# ---------------------------------------------------------------------------- areas
def _triangulate(area, z_of, lift: float, look) -> MeshArrays | None:
    """Upward triangles of shapely (multi)polygons (one or an array), each vertex at the z
    ``z_of`` gives it."""
    import shapely

    parts = shapely.get_parts(np.atleast_1d(np.asarray(area, dtype=object)))
    parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 1e-6)]
    if not len(parts):
        return None
    tris = shapely.get_parts(shapely.constrained_delaunay_triangles(parts))
    if not len(tris):
        return None
    xy = shapely.get_coordinates(tris).reshape(-1, 4, 2)[:, :3].reshape(-1, 2)
    key, inverse = np.unique(np.round(xy, 6), axis=0, return_inverse=True)
    faces = inverse.reshape(-1, 3).astype(np.int32)
    v = key[faces]
    cross = (v[:, 1, 0] - v[:, 0, 0]) * (v[:, 2, 1] - v[:, 0, 1]) - (v[:, 1, 1] - v[:, 0, 1]) * (
        v[:, 2, 0] - v[:, 0, 0]
    )
    faces = np.where((cross < 0)[:, None], faces[:, ::-1], faces)[np.abs(cross) > 1e-12]
    verts = np.column_stack((key, z_of(key) + lift))
    cls, material, color, _ = look
    return colored(verts, faces, color, cls, material)  # the renderer projects its texture


def _nearest_z(points: np.ndarray):
    """z at query xy from the nearest of ``points`` (N, 3)."""

    def z_of(xy: np.ndarray) -> np.ndarray:
        out = np.empty(len(xy))
        for i in range(0, len(xy), 256):
            q = xy[i : i + 256]
            d = ((q[:, None, :] - points[None, :, :2]) ** 2).sum(axis=2)
            out[i : i + 256] = points[np.argmin(d, axis=1), 2]
        return out

    return z_of


def _junction_parts(polys: dict, out: dict):
    """One surface per look for a junction: drivable lanes first, then the others minus
    what is already drawn; raised pavement gets kerb faces round its outline. Returns the
    drivable area (a shapely geometry, or None)."""
    from shapely.ops import unary_union

    order = sorted(polys, key=lambda look: (look[0] != "road", look[1] != "asphalt", look[3]))
    taken = drivable = None
    for look in order:
        area = unary_union([p for p, _ in polys[look]])
        if taken is not None:
            area = area.difference(taken)
        taken = area if taken is None else taken.union(area)
        if look[0] == "road":
            drivable = area if drivable is None else drivable.union(area)
        z_of = _nearest_z(np.concatenate([pts for _, pts in polys[look]]))
        lift = JUNCTION_LIFT + look[3]
        mesh = _triangulate(area, z_of, lift, look)
        if mesh is None:
            continue
        out["surface" if look[0] != "terrain" else "ground"].append(mesh)
        out["cut"].append(area)
        if look[3] > 0.0:
            out["surface"] += _outline_walls(area, z_of, JUNCTION_LIFT, lift)
    return drivable


def _outline_walls(area, z_of, z0: float, z1: float) -> list[MeshArrays]:
    """Vertical kerb faces round a polygon's rings, facing out of it."""
    from shapely.geometry.polygon import orient

    out = []
    geoms = getattr(area, "geoms", [area])
    for poly in geoms:
        poly = orient(poly, 1.0)  # exterior CCW, holes CW: outward is to the right
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            z = z_of(xy)
            low = np.column_stack((xy, z + z0))
            high = np.column_stack((xy, z + z1))
            # forward x up points right: unflipped ladder faces right of the ring = outwards
            out.append(ladder(low, high, False, KERB, "sidewalk", "kerb"))
    return out


# ---------------------------------------------------------------------------- ground
def _planes(cut, x0, y0, x1, y1, z: float) -> list[MeshArrays]:
    """Terrain over the map's extent with the drawn lanes cut out, and the far plane."""
    import shapely
    from shapely.geometry import box
    from shapely.ops import unary_union

    pad = GROUND_WIDTH
    gx0, gy0 = x0 - pad, y0 - pad
    nx = max(1, int(math.ceil((x1 + pad - gx0) / GROUND_CELL)))
    ny = max(1, int(math.ceil((y1 + pad - gy0) / GROUND_CELL)))
    ground = box(gx0, gy0, gx0 + nx * GROUND_CELL, gy0 + ny * GROUND_CELL)
    if cut:
        ground = ground.difference(unary_union(cut).buffer(0.0))
    # cells, so that the terrain's patchy shading comes in patches rather than slivers
    cx, cy = np.meshgrid(gx0 + GROUND_CELL * np.arange(nx), gy0 + GROUND_CELL * np.arange(ny))
    cells = shapely.box(cx.ravel(), cy.ravel(), cx.ravel() + GROUND_CELL, cy.ravel() + GROUND_CELL)
    look = ("terrain", "grass", GRASS, 0.0)
    out = []
    pieces = shapely.intersection(cells, ground)
    mesh = _triangulate(pieces, lambda xy: np.full(len(xy), z), 0.0, look)
    if mesh is not None:
        out.append(mesh)
    far = pad + ROAD_MARGIN
    fx0, fy0, fx1, fy1 = x0 - far, y0 - far, x1 + far, y1 + far
    tile = 200.0
    nx = max(1, int(math.ceil((fx1 - fx0) / tile)))
    ny = max(1, int(math.ceil((fy1 - fy0) / tile)))
    gx, gy = np.meshgrid(
        np.linspace(fx0, fx1, nx + 1), np.linspace(fy0, fy1, ny + 1), indexing="ij"
    )
    verts = np.stack(
        (gx.ravel(), gy.ravel(), np.full(gx.size, z + GROUND_BELOW - FAR_PLANE_BELOW)), axis=1
    )
    idx = np.arange((nx + 1) * (ny + 1)).reshape(nx + 1, ny + 1)
    a, b = idx[:-1, :-1].ravel(), idx[1:, :-1].ravel()
    c, d = idx[1:, 1:].ravel(), idx[:-1, 1:].ravel()
    faces = np.concatenate([np.stack((a, b, c), 1), np.stack((a, c, d), 1)])
    out.append(colored(verts, faces, GRASS, "terrain", "grass"))
    return out


# ---------------------------------------------------------------------------- the scene
def build_static_opendrive(
    odr: OpenDriveNetwork, rng: np.random.Generator, junction_marks: str = "outline"
) -> tuple[MeshArrays, ...]:
    """Static scene of an OpenDRIVE map: (lane surfaces with kerbs, road marks, terrain),
    world frame, the same parts as :func:`~sim.render.scene.surface.build_static` (a part
    with no triangles is left out). ``junction_marks``, for the road marks the file gives on
    connecting roads: "outline" (default) keeps the paint on the junction's drivable
    outline and leaves out what runs through its inside (exporters mark every connecting
    lane, and their lines would criss-cross the box), "all" draws every one, "none" none.
    ``rng`` varies the terrain's colour from face to face, as today."""
    out: dict[str, list] = {"surface": [], "marks": [], "ground": [], "cut": []}
    if junction_marks not in ("outline", "all", "none"):
        raise ValueError(f"junction_marks={junction_marks!r}: expected outline, all or none")
    junctions: dict[str, dict] = {}
    later: list = []
    z_all: list[float] = []
    xy_all: list[np.ndarray] = []
    for r, road in enumerate(odr.odr.roads):
        in_junction = road.junction not in ("-1", "")
        polys = junctions.setdefault(road.junction, {}) if in_junction else None
        for k in range(len(road.lane_sections)):
            got = _section_lanes(odr, r, k)
            if got is None:
                continue
            sec, s, s1, edges = got
            ref = _points(odr, r, s, np.zeros(len(s)))
            z_all.append(float(ref[:, 2].min()))
            xy_all.append(ref[:, :2])
            for lane in (*sec.left, *sec.right):
                _lane_parts(odr, r, sec, s, edges, lane, out, polys)
            if in_junction and junction_marks == "none":
                continue
            lift = MARKING_LIFT + (JUNCTION_LIFT if in_junction else 0.0)
            for lane in (*sec.left, sec.center, *sec.right):
                look = lane_look(lane.type) if lane.id else None
                raised = max(look[3], 0.0) if look is not None else 0.0  # on a sidewalk
                job = (r, sec, s, s1, edges, lane, lift + raised)
                if in_junction and junction_marks == "outline":
                    later.append((road.junction, job))
                else:
                    out["marks"] += _lane_marks(odr, *job)
    inside = {}
    for j, polys in junctions.items():
        drivable = _junction_parts(polys, out) if polys else None
        if drivable is not None:
            import shapely

            inside[j] = drivable.buffer(-JUNCTION_OUTLINE)
            shapely.prepare(inside[j])
    for j, job in later:
        out["marks"] += _lane_marks(odr, *job, inside=inside.get(j))
    if not xy_all:
        raise OpenDriveError("no lane section to draw", file=odr.odr.source or None)
    xy = np.concatenate(xy_all)
    z_ground = min(z_all) - GROUND_BELOW
    out["ground"] += _planes(out["cut"], *xy.min(axis=0), *xy.max(axis=0), z_ground)
    terrain = MeshArrays.concat(out["ground"])
    terrain = patchy(terrain, rng)
    parts = [MeshArrays.concat(out[k]) for k in ("surface", "marks") if out[k]]
    return (*parts, terrain)


def opendrive_source(scene) -> OpenDriveNetwork | None:
    """The OpenDRIVE map a scene is drawn from: the scene itself, or its ``source`` (a
    ``GraphNetwork`` made from one); None for sim's own roads and networks."""
    if isinstance(scene, OpenDriveNetwork):
        return scene
    source = getattr(scene, "source", None)
    return source if isinstance(source, OpenDriveNetwork) else None
