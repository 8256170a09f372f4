"""World geometry for both renderers: static meshes built from the road model, posed agent
meshes, and the per-frame triangle soup the label rasterizer draws.

Static geometry is built once per episode in world coordinates and merged into one mesh
per material group (cost is per node). Surfaces are ribbons along the road's reference
line between two lateral offsets, so curved roads come out right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.classes import BY_NAME
from sim.road import Road
from sim.road.network import STOP_BACK, Network

ROAD_SAMPLE = 5.0  # [m] ribbon tessellation along s
MARKING_WIDTH = 0.15  # [m]
MARKING_LIFT = 0.02  # [m] above the asphalt, enough to beat depth-buffer precision nearby
DASH_LENGTH = 6.0  # [m] dashed lane divider: paint
DASH_GAP = 12.0  # [m] dashed lane divider: gap
GROUND_WIDTH = 400.0  # [m] terrain ribbons either side of the road
GROUND_BELOW = 0.03  # [m] terrain sits just below the road edge
FAR_PLANE_BELOW = 0.5  # [m] a huge terrain plane under everything, lower to avoid z-fighting
ROAD_MARGIN = 300.0  # [m] terrain beyond the ends of the road

ASPHALT = (78, 78, 82, 255)
SHOULDER = (92, 90, 88, 255)
PAINT = (235, 235, 228, 255)
GRASS = (86, 118, 60, 255)
SIDEWALK = (168, 166, 158, 255)
KERB = (140, 140, 136, 255)
KERB_HEIGHT = 0.15  # [m]
ZEBRA_BAR = 0.5  # [m] bar width across the road, and the gap between bars
ZEBRA_LENGTH = 3.0  # [m] bar length along the road


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
            np.concatenate([p.faces + o for p, o in zip(parts, offsets)]).astype(np.int32),
            np.concatenate([p.face_colors for p in parts]),
            np.concatenate([p.face_semantic for p in parts]),
        )


def _ribbon(
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
    return _band(
        road, s, np.full_like(s, d0), np.full_like(s, d1), np.ones(n, dtype=bool), z, color, cls
    )[0]


def _colored(verts, faces, color, cls: str) -> MeshArrays:
    f = len(faces)
    return MeshArrays(
        np.asarray(verts, dtype=np.float64),
        np.asarray(faces, dtype=np.int32),
        np.tile(np.asarray(color, dtype=np.uint8), (f, 1)),
        np.full(f, BY_NAME[cls].id, dtype=np.uint8),
    )


def _extend_line(road: Road, s: float) -> tuple[float, float, float]:
    """Reference-line pose at s, extrapolated straight beyond either end."""
    length = road.length
    sc = min(max(s, 0.0), length)
    x, y, h = road.to_world([sc], [0.0])
    extra = s - sc
    return float(x[0] + extra * math.cos(h[0])), float(y[0] + extra * math.sin(h[0])), float(h[0])


# ----------------------------------------------------------------------------- lane layout
GORE_NOSE = 1.5  # [m] where a ramp and the main lanes are closer than this, the gore is paved
TAPER_SAMPLE = 1.0  # [m] tessellation along ramps and tapers
STOP_LINE_WIDTH = 0.4  # [m] along the road
CENTRE_GAP = 0.12  # [m] between the two lines of a double centre line


def _lane_extent(road: Road, lane: int, s: float) -> tuple[float, float] | None:
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


def _span_breaks(road: Road) -> list[float]:
    """s values where lane geometry changes, densely through ramps and tapers."""
    out = []
    for span in road.spans:
        for a, b in ((span.start - span.taper, span.start), (span.end - span.taper, span.end)):
            if (
                math.isfinite(a)
                and math.isfinite(b)
                and (span.ramp_offset > 0 or a > 0.0 or b < road.length)
            ):
                out += list(np.arange(a, b, TAPER_SAMPLE)) + [b]
    return out


@dataclass(frozen=True)
class _Layout:
    """One road's lanes sampled along s: where each lane's tarmac is and where it exists.

    s (n,) [m]; lo, hi (L, n) [m] lane edges at the samples (nan: no lane);
    live (L, n-1) lane exists over [s_i, s_i+1]; lo_m, hi_m (L, n-1) edges at the midpoints;
    sep (n-1,) lane 0 is an on-ramp still apart from the main lanes."""

    road: Road
    s: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    live: np.ndarray
    lo_m: np.ndarray
    hi_m: np.ndarray
    sep: np.ndarray

    @property
    def mid(self) -> np.ndarray:
        return 0.5 * (self.s[1:] + self.s[:-1])

    def right(self) -> np.ndarray:
        """(n,) outer right edge of the tarmac (the ramp's where there is one)."""
        return np.nanmin(self.lo, axis=0)

    def left(self) -> np.ndarray:
        return np.nanmax(self.hi, axis=0)


def _layout(road: Road, breaks: list[float]) -> _Layout:
    length = road.length
    s = np.concatenate([np.arange(0.0, length, ROAD_SAMPLE), [length], _span_breaks(road), breaks])
    s = np.unique(np.round(np.clip(s, 0.0, length), 6))
    mid = 0.5 * (s[1:] + s[:-1])
    n_lanes = road.total_lanes

    def sample(points):
        lo = np.full((n_lanes, len(points)), np.nan)
        hi = np.full((n_lanes, len(points)), np.nan)
        for k in range(n_lanes):
            for i, si in enumerate(points):
                b = _lane_extent(road, k, float(si))
                if b is not None:
                    lo[k, i], hi[k, i] = b
        return lo, hi

    lo, hi = sample(s)
    lo_m, hi_m = sample(mid)
    live = ~np.isnan(lo_m)
    ramp = road.lane_table[0, 4] > 0.0 and n_lanes > 1
    sep = (mid < road.lane_table[0, 1]) & live[0] if ramp else np.zeros(len(mid), dtype=bool)
    return _Layout(road, s, lo, hi, live, lo_m, hi_m, sep)


def _keep(mid: np.ndarray, cuts) -> np.ndarray:
    keep = np.ones(len(mid), dtype=bool)
    for a, b in cuts:
        keep &= ~((mid > a) & (mid < b))
    return keep


def _runs(keep: np.ndarray) -> list[tuple[int, int]]:
    """(i0, i1): sample ranges whose intervals i0..i1-1 are all kept."""
    edges = np.diff(np.concatenate([[0], keep.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def _ladder(a: np.ndarray, b: np.ndarray, flip: bool, color, cls: str) -> MeshArrays:
    """Quads between two rows of m points, a[i] a[i+1] b[i+1] b[i] each; counter-clockwise
    seen from the side a x b points to (from above for a ribbon with a on its right),
    or the other side with ``flip``."""
    m = len(a)
    verts = np.empty((2 * m, 3))
    verts[0::2], verts[1::2] = a, b
    k = np.arange(m - 1) * 2
    faces = np.concatenate([np.stack((k, k + 2, k + 3), 1), np.stack((k, k + 3, k + 1), 1)])
    return _colored(verts, faces[:, ::-1] if flip else faces, color, cls)


def _band(road: Road, s, d0, d1, keep, z: float, color, cls: str) -> list[MeshArrays]:
    """Upward strips between per-sample offsets d0 <= d1 over the kept intervals [s_i, s_i+1]."""
    out = []
    for i0, i1 in _runs(keep):
        ss = s[i0 : i1 + 1]
        zz = np.full(len(ss), z)
        xr, yr, _ = road.to_world(ss, d0[i0 : i1 + 1])
        xl, yl, _ = road.to_world(ss, d1[i0 : i1 + 1])
        out.append(_ladder(np.stack((xr, yr, zz), 1), np.stack((xl, yl, zz), 1), False, color, cls))
    return out


def _wall_band(
    road: Road, s, d, keep, z0: float, z1: float, facing: int, color, cls: str
) -> list[MeshArrays]:
    """Vertical strips along per-sample offsets d, facing +d (facing=+1) or -d, over kept intervals."""
    out = []
    for i0, i1 in _runs(keep):
        ss = s[i0 : i1 + 1]
        x, y, _ = road.to_world(ss, d[i0 : i1 + 1])
        low = np.stack((x, y, np.full(len(ss), z0)), 1)
        high = np.stack((x, y, np.full(len(ss), z1)), 1)
        out.append(_ladder(low, high, facing > 0, color, cls))
    return out


def _cap(
    road: Road, s: float, d0: float, d1: float, z0: float, z1: float, facing: int, color, cls: str
) -> MeshArrays:
    """Vertical quad across the road at ``s`` between offsets d0..d1, facing +s (facing=+1) or -s."""
    x, y, h = road.to_world([s, s], [d0, d1])
    verts = np.array([[x[0], y[0], z0], [x[1], y[1], z0], [x[1], y[1], z1], [x[0], y[0], z1]])
    faces = np.array([[0, 1, 2], [0, 2, 3]])
    n = np.cross(verts[1] - verts[0], verts[2] - verts[0])
    if np.dot(n[:2], (math.cos(h[0]), math.sin(h[0]))) * facing < 0:
        faces = faces[:, ::-1]
    return _colored(verts, faces, color, cls)


@dataclass(frozen=True)
class _Cuts:
    """s ranges where parts of one road are left out (the other road of a junction runs
    there), by part: carriageway; shoulders; sidewalk tops and kerbs; sidewalks' back walls
    and terrain; solid lines; dashed and double lines. ``caps``: (s, facing) ends of the
    sidewalks, ``corridor``: (s0, s1, d_right, d_left) terrain beyond a crossing road's ends."""

    carriageway: tuple = ()
    shoulder: tuple = ()
    sidewalk: tuple = ()
    outer: tuple = ()
    edge: tuple = ()
    divider: tuple = ()
    caps: tuple = ()
    corridor: tuple | None = None
    terrain: bool = True


def _road_surface(lay: _Layout, cuts: _Cuts) -> tuple[list[MeshArrays], list[MeshArrays]]:
    """(surface, terrain) of one road: asphalt, ramp, gore, shoulders, sidewalks with kerbs."""
    road, s, mid = lay.road, lay.s, lay.mid
    sh, sw = road.shoulder_width, road.sidewalk_width
    w = road.lane_width
    any_live = lay.live.any(axis=0)
    right, left = lay.right(), lay.left()
    surface, ground = [], []
    k_car = any_live & _keep(mid, cuts.carriageway)
    surface += _band(road, s, right, left, k_car & ~lay.sep, 0.0, ASPHALT, "road")
    if lay.sep.any():
        main_right = np.nanmin(lay.lo[1:], axis=0)
        surface += _band(road, s, lay.lo[0], lay.hi[0], k_car & lay.sep, 0.0, ASPHALT, "road")
        surface += _band(road, s, main_right, left, k_car & lay.sep, 0.0, ASPHALT, "road")
        gap = np.nanmin(lay.lo_m[1:], axis=0) - lay.hi_m[0]
        paved = lay.sep & (gap < GORE_NOSE)
        surface += _band(road, s, lay.hi[0], main_right, k_car & paved, 0.0, ASPHALT, "road")
        ground += _band(
            road,
            s,
            lay.hi[0],
            main_right,
            k_car & lay.sep & ~paved,
            -GROUND_BELOW,
            GRASS,
            "terrain",
        )
    k_sh = any_live & _keep(mid, cuts.shoulder)
    if sh > 0:
        surface += _band(road, s, right - sh, right, k_sh, 0.0, SHOULDER, "road")
        surface += _band(road, s, left, left + sh, k_sh, 0.0, SHOULDER, "road")
    k_out = any_live & _keep(mid, cuts.outer)
    k_sw = any_live & _keep(mid, cuts.sidewalk)
    if sw > 0:
        for inner, outer, facing in (
            (right - sh, right - sh - sw, 1),
            (left + sh, left + sh + sw, -1),
        ):
            lo, hi = (outer, inner) if facing > 0 else (inner, outer)
            surface += _band(road, s, lo, hi, k_sw, KERB_HEIGHT, SIDEWALK, "sidewalk")
            surface += _wall_band(
                road, s, inner, k_sw, 0.0, KERB_HEIGHT, facing, KERB, "sidewalk"
            )  # kerb
            surface += _wall_band(
                road, s, outer, k_out, -GROUND_BELOW, KERB_HEIGHT, -facing, KERB, "sidewalk"
            )
        for s_cap, facing in cuts.caps:
            i = int(np.argmin(np.abs(s - s_cap)))
            for a, b in ((right[i] - sh - sw, right[i] - sh), (left[i] + sh, left[i] + sh + sw)):
                surface.append(_cap(road, s_cap, a, b, 0.0, KERB_HEIGHT, facing, KERB, "sidewalk"))
    if cuts.terrain:
        r_in, l_in = right - sh - sw, left + sh + sw
        ground += _band(road, s, r_in - GROUND_WIDTH, r_in, k_out, -GROUND_BELOW, GRASS, "terrain")
        ground += _band(road, s, l_in, l_in + GROUND_WIDTH, k_out, -GROUND_BELOW, GRASS, "terrain")
        if cuts.corridor is not None:
            a, b, d_r, d_l = cuts.corridor
            k_cor = ~_keep(mid, [(a, b)])
            full = np.ones_like(s)
            ground += _band(
                road,
                s,
                r_in - GROUND_WIDTH,
                np.minimum(d_r * full, r_in),
                k_cor,
                -GROUND_BELOW,
                GRASS,
                "terrain",
            )
            ground += _band(
                road,
                s,
                np.maximum(d_l * full, l_in),
                l_in + GROUND_WIDTH,
                k_cor,
                -GROUND_BELOW,
                GRASS,
                "terrain",
            )
    return surface, ground


def _line(road: Road, s, d, keep, width: float = MARKING_WIDTH) -> list[MeshArrays]:
    return _band(road, s, d - width / 2, d + width / 2, keep, MARKING_LIFT, PAINT, "lane_marking")


def _dashes(road: Road, s, d, keep) -> list[MeshArrays]:
    """Dashes of DASH_LENGTH every DASH_LENGTH + DASH_GAP from s = 0 along per-sample offset d,
    clipped to the kept intervals."""
    out = []
    half = MARKING_WIDTH / 2
    period = DASH_LENGTH + DASH_GAP
    for i0, i1 in _runs(keep):
        a, b = s[i0], s[i1]
        start = math.floor(a / period) * period
        while start < b:
            lo, hi = max(start, a), min(start + DASH_LENGTH, b)
            if hi - lo > 0.5:
                ss = np.array([lo, hi])
                dd = np.interp(ss, s[i0 : i1 + 1], d[i0 : i1 + 1])
                out += _band(
                    road,
                    ss,
                    dd - half,
                    dd + half,
                    np.ones(1, bool),
                    MARKING_LIFT,
                    PAINT,
                    "lane_marking",
                )
            start += period
    return out


def _road_markings(lay: _Layout, cuts: _Cuts) -> list[MeshArrays]:
    """Lines from the lanes' neighbours: a dashed divider between touching lanes of one
    direction, a double solid line between the directions, a solid line on every lane edge
    with no lane beside it (road edges, a separate ramp, a narrowing lane)."""
    road, s, mid = lay.road, lay.s, lay.mid
    zebra = tuple((c - ZEBRA_LENGTH / 2 - 1.0, c + ZEBRA_LENGTH / 2 + 1.0) for c in road.crossings)
    k_edge = _keep(mid, cuts.edge)
    k_div = _keep(mid, cuts.divider + zebra)
    marks = []
    n = road.total_lanes
    for k in range(n):
        live = lay.live[k]
        if k > 0:
            touch = live & lay.live[k - 1] & (np.abs(lay.lo_m[k] - lay.hi_m[k - 1]) < 1e-6)
        else:
            touch = np.zeros_like(live)
        if k < n - 1:
            touch_up = live & lay.live[k + 1] & (np.abs(lay.hi_m[k] - lay.lo_m[k + 1]) < 1e-6)
        else:
            touch_up = np.zeros_like(live)
        marks += _line(road, s, lay.lo[k], live & ~touch & k_edge)
        marks += _line(road, s, lay.hi[k], live & ~touch_up & k_edge)
        if k > 0 and touch.any():
            if road.lane_direction(k) == road.lane_direction(k - 1):
                marks += _dashes(road, s, lay.lo[k], touch & k_div)
            else:
                off = (CENTRE_GAP + MARKING_WIDTH) / 2
                marks += _line(road, s, lay.lo[k] - off, touch & k_div)
                marks += _line(road, s, lay.lo[k] + off, touch & k_div)
    for c in road.crossings:
        marks += _zebra(road, c)
    return marks


def _zebra(road: Road, s_c: float) -> list[MeshArrays]:
    """Bars along the road, side by side across the whole carriageway, centred on s_c."""
    bars = []
    d = ZEBRA_BAR / 2
    s0, s1 = s_c - ZEBRA_LENGTH / 2, s_c + ZEBRA_LENGTH / 2
    while d + ZEBRA_BAR <= road.width:
        bars.append(
            _ribbon(
                road,
                d,
                d + ZEBRA_BAR,
                s0,
                s1,
                MARKING_LIFT,
                PAINT,
                "lane_marking",
                step=ZEBRA_LENGTH,
            )
        )
        d += 2 * ZEBRA_BAR
    return bars


def _junction_cuts(network: Network) -> tuple[_Cuts, _Cuts]:
    """What the main road and the cross street leave out where they cross (see _Cuts): the
    main road's asphalt runs through the box; the cross street's stops at its edges; each
    road's shoulders, sidewalks, kerbs and lines stop where the other road's begin."""
    main, cross = network.main, network.cross
    j = network.junction
    (m0, m1), (c0, c1) = network.box_main, network.box_cross
    sh_c, sw_c = cross.shoulder_width, cross.sidewalk_width
    sh_m, sw_m = main.shoulder_width, main.sidewalk_width
    centre = main.width / 2
    main_cuts = _Cuts(
        shoulder=((m0 - sh_c, m1 + sh_c),),
        sidewalk=((m0 - sh_c, m1 + sh_c),),
        outer=((m0 - sh_c - sw_c, m1 + sh_c + sw_c),),
        edge=((m0, m1),),
        divider=((m0 - STOP_BACK, m1 + STOP_BACK),),
        caps=((m0 - sh_c, 1), (m1 + sh_c, -1)) if sw_m > 0 else (),
        corridor=(m0 - sh_c - sw_c, m1 + sh_c + sw_c, centre - j.arm_length, centre + j.arm_length),
    )
    cross_cuts = _Cuts(
        carriageway=((c0, c1),),
        shoulder=((c0, c1),),
        sidewalk=((c0 - sh_m - sw_m, c1 + sh_m + sw_m),),
        outer=((c0 - sh_m - sw_m, c1 + sh_m + sw_m),),
        edge=((c0, c1),),
        divider=((c0 - STOP_BACK, c1 + STOP_BACK),),
        terrain=False,
    )
    return main_cuts, cross_cuts


def _cut_breaks(cuts: _Cuts) -> list[float]:
    out = []
    for spans in (
        cuts.carriageway,
        cuts.shoulder,
        cuts.sidewalk,
        cuts.outer,
        cuts.edge,
        cuts.divider,
    ):
        for a, b in spans:
            out += [a, b]
    if cuts.corridor is not None:
        out += list(cuts.corridor[:2])
    return out


def _junction_markings(network: Network) -> list[MeshArrays]:
    """Stop lines across each approach lane (the cross street's only, without lights), and
    zebra crossings on the four arms between the stop lines and the box where the roads
    have sidewalks."""
    marks = []
    for sl in network.stop_lines:
        if sl.group == "main" and not network.signalised:
            continue  # no lights: the main road has priority and does not stop
        road = network.roads[sl.road]
        w = road.lane_width
        s0, s1 = (
            (sl.s, sl.s + STOP_LINE_WIDTH) if sl.direction > 0 else (sl.s - STOP_LINE_WIDTH, sl.s)
        )
        marks.append(
            _ribbon(
                road,
                sl.lane * w,
                (sl.lane + 1) * w,
                s0,
                s1,
                MARKING_LIFT,
                PAINT,
                "lane_marking",
                step=STOP_LINE_WIDTH,
            )
        )
    for road, (b0, b1) in ((network.main, network.box_main), (network.cross, network.box_cross)):
        if road.sidewalk_width > 0:
            marks += _zebra(road, b0 - STOP_BACK / 2) + _zebra(road, b1 + STOP_BACK / 2)
    return marks


def _road_parts(
    road: Road, cuts: _Cuts
) -> tuple[list[MeshArrays], list[MeshArrays], list[MeshArrays]]:
    lay = _layout(
        road,
        _cut_breaks(cuts)
        + [
            b
            for c in road.crossings
            for b in (c - ZEBRA_LENGTH / 2 - 1.0, c + ZEBRA_LENGTH / 2 + 1.0)
        ],
    )
    surface, ground = _road_surface(lay, cuts)
    return surface, _road_markings(lay, cuts), ground


def build_static(scene: Road | Network, rng: np.random.Generator) -> tuple[MeshArrays, ...]:
    """Static scene of a road or a road network: (asphalt + shoulders + sidewalks, markings,
    terrain), world frame.

    Lanes follow ``Road.lane_bounds`` (on-ramps beside the road with a gore, lane drops
    narrowing over their taper); a junction's cross street joins the main road, whose
    asphalt runs through the box, with stop lines and zebra crossings on its arms.
    ``rng`` varies the terrain's colour from patch to patch (grass is never uniform).
    """
    network = scene if isinstance(scene, Network) else None
    main = network.main if network is not None else scene
    surface, marks, ground = [], [], []
    if network is not None and network.cross is not None:
        main_cuts, cross_cuts = _junction_cuts(network)
        for road, cuts in ((main, main_cuts), (network.cross, cross_cuts)):
            su, ma, gr = _road_parts(road, cuts)
            surface += su
            marks += ma
            ground += gr
        marks += _junction_markings(network)
    else:
        surface, marks, ground = _road_parts(main, _Cuts())
    ground.append(_far_plane(main))
    terrain = MeshArrays.concat(ground)
    # patchy grass: scale each face's colour a little
    shade = rng.uniform(0.85, 1.12, size=(len(terrain.faces), 1))
    colors = terrain.face_colors.astype(np.float64)
    colors[:, :3] = np.clip(colors[:, :3] * shade, 0, 255)
    terrain = MeshArrays(
        terrain.vertices, terrain.faces, colors.astype(np.uint8), terrain.face_semantic
    )
    return MeshArrays.concat(surface), MeshArrays.concat(marks), terrain


def _far_plane(road: Road) -> MeshArrays:
    """A large square below the scene, tiled so triangles stay moderate in size."""
    xs = np.concatenate(
        [
            road.ref_x,
            [_extend_line(road, -ROAD_MARGIN)[0], _extend_line(road, road.length + ROAD_MARGIN)[0]],
        ]
    )
    ys = np.concatenate(
        [
            road.ref_y,
            [_extend_line(road, -ROAD_MARGIN)[1], _extend_line(road, road.length + ROAD_MARGIN)[1]],
        ]
    )
    pad = GROUND_WIDTH + ROAD_MARGIN
    x0, x1 = xs.min() - pad, xs.max() + pad
    y0, y1 = ys.min() - pad, ys.max() + pad
    tile = 200.0
    nx, ny = max(1, int(math.ceil((x1 - x0) / tile))), max(1, int(math.ceil((y1 - y0) / tile)))
    gx, gy = np.meshgrid(np.linspace(x0, x1, nx + 1), np.linspace(y0, y1, ny + 1), indexing="ij")
    verts = np.stack((gx.ravel(), gy.ravel(), np.full(gx.size, -FAR_PLANE_BELOW)), axis=1)
    idx = np.arange((nx + 1) * (ny + 1)).reshape(nx + 1, ny + 1)
    a, b = idx[:-1, :-1].ravel(), idx[1:, :-1].ravel()
    c, d = idx[1:, 1:].ravel(), idx[:-1, 1:].ravel()
    faces = np.concatenate([np.stack((a, b, c), 1), np.stack((a, c, d), 1)])
    return _colored(verts, faces, GRASS, "terrain")


def sky_image(camera, R_world_cam: np.ndarray, top, horizon) -> np.ndarray:
    """(H, W, 3) float32 sky in [0, 1]: ``horizon`` colour at elevation 0 blending to ``top``."""
    H, W = camera.height, camera.width
    u, v = np.meshgrid(np.arange(W, dtype=np.float64), np.arange(H, dtype=np.float64))
    rays = np.stack(
        ((u - camera.cx) / camera.fx, (v - camera.cy) / camera.fy, np.ones_like(u)), axis=-1
    )
    world = rays @ R_world_cam.T
    elevation = world[..., 2] / np.linalg.norm(world, axis=-1)
    t = np.clip(elevation / 0.5, 0.0, 1.0)[..., None] ** 0.7
    top = np.asarray(top, dtype=np.float32) / 255.0
    horizon = np.asarray(horizon, dtype=np.float32) / 255.0
    return (horizon * (1.0 - t) + top * t).astype(np.float32)


def assemble_frame(
    static: MeshArrays,
    agents: list[tuple[MeshArrays, np.ndarray, int]],
    T_cam_world: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Triangles of the frame in the camera frame, agents' faces grouped by id.

    agents : (mesh in its own frame, 4x4 world pose, instance id) each.
    Returns verts_cam (V, 3), faces (F, 3), face_instance (F,), face_semantic (F,).
    """
    R, t = T_cam_world[:3, :3], T_cam_world[:3, 3]
    verts = [static.vertices @ R.T + t]
    faces = [static.faces]
    inst = [np.zeros(len(static.faces), dtype=np.int32)]
    sem = [static.face_semantic]
    offset = len(static.vertices)
    for mesh, T_world_obj, agent_id in agents:
        T = T_cam_world @ T_world_obj
        verts.append(mesh.vertices @ T[:3, :3].T + T[:3, 3])
        faces.append(mesh.faces + offset)
        inst.append(np.full(len(mesh.faces), agent_id, dtype=np.int32))
        sem.append(mesh.face_semantic)
        offset += len(mesh.vertices)
    return (
        np.concatenate(verts),
        np.concatenate(faces).astype(np.int32),
        np.concatenate(inst),
        np.concatenate(sem),
    )


ROADSIDE_CLEARANCE = 2.0  # [m] from the outer shoulder edge to the nearest roadside object


def _posed(mesh, x: float, y: float, yaw: float, cls: str) -> MeshArrays:
    c, s = math.cos(yaw), math.sin(yaw)
    R = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    verts = mesh.vertices @ R.T + np.array([x, y, -GROUND_BELOW])
    sem = np.full(len(mesh.faces), BY_NAME[cls].id, dtype=np.uint8)
    return MeshArrays(verts, mesh.faces.astype(np.int32), np.asarray(mesh.face_colors), sem)


def _outer_edges(road: Road, s: float) -> tuple[float, float]:
    """(d_right, d_left) [m] of the tarmac at ``s``: the outermost lane edges (ramps included)."""
    ext = [e for e in (_lane_extent(road, k, s) for k in range(road.total_lanes)) if e is not None]
    if not ext:
        return 0.0, road.width
    return min(e[0] for e in ext), max(e[1] for e in ext)


def _road_strip(road: Road, d0, d1):
    """Shapely polygon of ``road`` between per-s offsets ``d0(s)`` < ``d1(s)`` (callables)."""
    from shapely.geometry import Polygon

    s = np.linspace(0.0, road.length, max(2, int(road.length / 2.0) + 1))
    xr, yr, _ = road.to_world(s, np.array([d0(v) for v in s]))
    xl, yl, _ = road.to_world(s[::-1], np.array([d1(v) for v in s[::-1]]))
    return Polygon(np.concatenate([np.stack((xr, yr), 1), np.stack((xl, yl), 1)]))


def _keep_out(network: Network):
    """Where roadside objects must not stand beyond the main road's own verges: the cross
    street with its shoulders and sidewalks (and so the junction), and around every signal
    pole. A prepared shapely geometry, or None."""
    from shapely.geometry import Point
    from shapely.prepared import prep

    parts = []
    if network.cross is not None:
        r = network.cross
        out = r.shoulder_width + r.sidewalk_width + 1.0
        parts.append(_road_strip(r, lambda s: -out, lambda s: r.width + out))
    parts += [Point(h.x, h.y).buffer(1.5) for h in network.signal_heads]
    if not parts:
        return None
    area = parts[0]
    for p in parts[1:]:
        area = area.union(p)
    return prep(area)


def build_roadside(
    scene: Road | Network, catalog, rng: np.random.Generator, density: float = 1.0
) -> MeshArrays | None:
    """Trees, street lamps and buildings along both sides of the road (stuff classes:
    semantic ids only, no instance), from the asset library, placed with ``rng``.

    ``density`` scales how many (0: none). Lamps stand every 40 m just off the right
    shoulder; trees every 12-40 m per side, 0-25 m back; buildings every 40-120 m, 30-60 m back,
    measured from the outermost tarmac at that s (an on-ramp's, a narrowing lane's). For a
    :class:`Network` the main road is dressed, and nothing stands on the cross street, its
    verges, the junction or within 1.5 m of a signal pole.
    """
    if density <= 0:
        return None
    network = scene if isinstance(scene, Network) else None
    road = network.main if network is not None else scene
    keep_out = _keep_out(network) if network is not None else None
    sh = road.shoulder_width + road.sidewalk_width
    parts: list[MeshArrays] = []

    def place(
        asset: str, s: float, side: int, back: float, yaw_extra: float, at_base: bool = False
    ) -> None:
        """Put a random variant of ``asset`` ``back`` metres beyond the clearance on ``side``
        (+1 left, -1 right of the road); ``at_base``: measure to the foot (a lamp's pole)
        rather than to the far side of the bounding box."""
        info = catalog.info(asset)
        k = int(rng.integers(len(info.variants)))
        mesh = catalog.mesh(asset, k)
        yaw_road = float(road.to_world([s], [0.0])[2][0])
        yaw = yaw_road + yaw_extra
        v = mesh.vertices
        foot = v[v[:, 2] < 0.3][:, :2].mean(axis=0) if at_base else np.zeros(2)
        reach = 0.0 if at_base else 0.5 * float(np.hypot(*mesh.size[:2]))
        right, left = _outer_edges(road, s)
        edge = left + sh if side > 0 else right - sh
        d = edge + side * (ROADSIDE_CLEARANCE + back + reach)
        x, y, _ = road.to_world([s], [d])
        if keep_out is not None:
            from shapely.geometry import Point

            if keep_out.intersects(Point(float(x[0]), float(y[0])).buffer(max(reach, 0.6))):
                return
        c, sn = math.cos(yaw), math.sin(yaw)
        fx, fy = c * foot[0] - sn * foot[1], sn * foot[0] + c * foot[1]
        parts.append(_posed(mesh, float(x[0]) - fx, float(y[0]) - fy, yaw, info.cls))

    s = 10.0
    while s < road.length:  # street lamps just off the right shoulder, arms over the road
        place(
            "street_lamp",
            s,
            -1,
            -ROADSIDE_CLEARANCE - min(road.sidewalk_width, 1.6) + 0.8,
            math.pi,
            at_base=True,
        )
        s += 40.0 / density
    for side in (-1, 1):
        s = float(rng.uniform(0.0, 20.0))
        while s < road.length:
            place(
                "tree",
                s,
                side,
                float(rng.uniform(1.0, 25.0)),
                float(rng.uniform(-math.pi, math.pi)),
            )
            s += float(rng.uniform(12.0, 40.0)) / density
        s = float(rng.uniform(20.0, 80.0))
        while s < road.length:
            place("building", s, side, float(rng.uniform(25.0, 50.0)), 0.0 if side > 0 else math.pi)
            s += float(rng.uniform(40.0, 120.0)) / density
    return MeshArrays.concat(parts) if parts else None


# ----------------------------------------------------------------------------- traffic lights
ASPECTS = ("red", "amber", "green")
"""Lamp order; ``Network.signal_state`` names the lit one."""
_LAMP_PARTS = ("lamp_red", "lamp_amber", "lamp_green")
_POLE_PARTS = ("metal", "concrete")


@dataclass(frozen=True)
class SignalLamps:
    """The traffic lights of a network, world frame.

    housing : poles (class ``pole``) and signal heads (``traffic_light``), static;
    lamps : every lamp face (``traffic_light``) in its lit colour; the renderer shows, per
        signal group, the lamps of the current aspect lit and the others dark;
    lamp_group : (F,) index into ``groups`` per lamp face; lamp_aspect : (F,) index into
        ``ASPECTS``.
    """

    housing: MeshArrays
    lamps: MeshArrays
    lamp_group: np.ndarray
    lamp_aspect: np.ndarray
    groups: tuple[str, ...]


def build_signals(scene: Road | Network, catalog) -> SignalLamps | None:
    """A ``traffic_light`` asset at every ``SignalHead`` of a signalised network, facing the
    approaching drivers: the mast variant (head on an arm over the lanes) on the main road,
    the post variant on the cross street. None for a plain road or a junction without lights."""
    if not isinstance(scene, Network) or not scene.signal_heads:
        return None
    from sim.assets.parts import PART_INDEX

    info = catalog.info("traffic_light")
    sizes = [v.size for v in info.variants]
    mast = max(range(len(sizes)), key=lambda k: sizes[k][1])  # widest: the arm
    post = min(range(len(sizes)), key=lambda k: sizes[k][2])  # shortest
    groups = tuple(sorted({h.group for h in scene.signal_heads}))
    lamp_codes = [PART_INDEX[p] for p in _LAMP_PARTS]
    pole_codes = [PART_INDEX[p] for p in _POLE_PARTS]
    housing, lamps, lamp_group, lamp_aspect = [], [], [], []
    for head in scene.signal_heads:
        mesh = catalog.mesh("traffic_light", mast if head.group == "main" else post)
        posed = _posed(mesh, head.x, head.y, head.yaw, "traffic_light")
        sem = posed.face_semantic.copy()
        sem[np.isin(mesh.face_parts, pole_codes)] = BY_NAME["pole"].id
        aspect = np.full(len(mesh.faces), -1)
        for k, code in enumerate(lamp_codes):
            aspect[mesh.face_parts == code] = k
        is_lamp = aspect >= 0
        for sel, out in ((~is_lamp, housing), (is_lamp, lamps)):
            used = np.unique(posed.faces[sel])
            remap = np.full(len(posed.vertices), -1, dtype=np.int32)
            remap[used] = np.arange(len(used), dtype=np.int32)
            out.append(
                MeshArrays(
                    posed.vertices[used], remap[posed.faces[sel]], posed.face_colors[sel], sem[sel]
                )
            )
        lamp_group.append(np.full(int(is_lamp.sum()), groups.index(head.group), dtype=np.int8))
        lamp_aspect.append(aspect[is_lamp].astype(np.int8))
    return SignalLamps(
        MeshArrays.concat(housing),
        MeshArrays.concat(lamps),
        np.concatenate(lamp_group),
        np.concatenate(lamp_aspect),
        groups,
    )
