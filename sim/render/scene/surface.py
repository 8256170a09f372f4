"""The static scene of a road or a road network (:func:`build_static`): asphalt, ramps and
gores, shoulders, sidewalks with kerbs, the terrain either side and a far plane under it
all, plus the markings from :mod:`sim.render.scene.markings`.

Static geometry is built once per episode in world coordinates and merged into one mesh
per material group (cost is per node). Surfaces are ribbons along the road's reference
line between two lateral offsets, so curved roads come out right.
"""

from __future__ import annotations

import math

import numpy as np

from sim.render.scene.common import GROUND_BELOW, MeshArrays, band, colored, keep_mask, ladder, runs
from sim.render.scene.layout import Cuts, Layout, cut_breaks, junction_cuts, lane_layout
from sim.render.scene.markings import ZEBRA_LENGTH, junction_markings, road_markings
from sim.render.textures import MATERIAL_INDEX, MATERIALS
from sim.road import Road
from sim.road.network import Network

GROUND_WIDTH = 400.0  # [m] terrain ribbons either side of the road
FAR_PLANE_BELOW = 0.5  # [m] a huge terrain plane under everything, lower to avoid z-fighting
ROAD_MARGIN = 300.0  # [m] terrain beyond the ends of the road
GORE_NOSE = 1.5  # [m] where a ramp and the main lanes are closer than this, the gore is paved

ASPHALT = (78, 78, 82, 255)
SHOULDER = (92, 90, 88, 255)
GRASS = (86, 118, 60, 255)
SIDEWALK = (168, 166, 158, 255)
KERB = (140, 140, 136, 255)
KERB_HEIGHT = 0.15  # [m]


def _wall_band(
    road: Road, s, d, keep, z0: float, z1: float, facing: int, color, cls: str
) -> list[MeshArrays]:
    """Vertical kerb strips along per-sample offsets d, facing +d (facing=+1) or -d, over the
    kept intervals; textured along s and up z."""
    out = []
    tile_u, tile_v = MATERIALS[MATERIAL_INDEX["kerb"]].tile
    for i0, i1 in runs(keep):
        ss = s[i0 : i1 + 1]
        x, y, _ = road.to_world(ss, d[i0 : i1 + 1])
        low = np.stack((x, y, np.full(len(ss), z0)), 1)
        high = np.stack((x, y, np.full(len(ss), z1)), 1)
        u = ss / tile_u
        uv_low = np.stack((u, np.full(len(ss), z0 / tile_v)), 1)
        uv_high = np.stack((u, np.full(len(ss), z1 / tile_v)), 1)
        out.append(ladder(low, high, facing > 0, color, cls, "kerb", uv_low, uv_high))
    return out


def _cap(
    road: Road, s: float, d0: float, d1: float, z0: float, z1: float, facing: int, color, cls: str
) -> MeshArrays:
    """Vertical quad across the road at ``s`` between offsets d0..d1, facing +s (facing=+1)
    or -s."""
    x, y, h = road.to_world([s, s], [d0, d1])
    verts = np.array([[x[0], y[0], z0], [x[1], y[1], z0], [x[1], y[1], z1], [x[0], y[0], z1]])
    faces = np.array([[0, 1, 2], [0, 2, 3]])
    n = np.cross(verts[1] - verts[0], verts[2] - verts[0])
    if np.dot(n[:2], (math.cos(h[0]), math.sin(h[0]))) * facing < 0:
        faces = faces[:, ::-1]
    return colored(verts, faces, color, cls, "kerb")


def _road_surface(lay: Layout, cuts: Cuts) -> tuple[list[MeshArrays], list[MeshArrays]]:
    """(surface, terrain) of one road: asphalt, ramp, gore, shoulders, sidewalks with kerbs."""
    road, s, mid = lay.road, lay.s, lay.mid
    sh, sw = road.shoulder_width, road.sidewalk_width
    any_live = lay.live.any(axis=0)
    right, left = lay.right(), lay.left()
    surface, ground = [], []
    k_car = any_live & keep_mask(mid, cuts.carriageway)
    surface += band(road, s, right, left, k_car & ~lay.sep, 0.0, ASPHALT, "road", "asphalt")
    if lay.sep.any():
        main_right = np.nanmin(lay.lo[1:], axis=0)
        surface += band(
            road, s, lay.lo[0], lay.hi[0], k_car & lay.sep, 0.0, ASPHALT, "road", "asphalt"
        )
        surface += band(road, s, main_right, left, k_car & lay.sep, 0.0, ASPHALT, "road", "asphalt")
        gap = np.nanmin(lay.lo_m[1:], axis=0) - lay.hi_m[0]
        paved = lay.sep & (gap < GORE_NOSE)
        surface += band(
            road, s, lay.hi[0], main_right, k_car & paved, 0.0, ASPHALT, "road", "asphalt"
        )
        ground += band(
            road,
            s,
            lay.hi[0],
            main_right,
            k_car & lay.sep & ~paved,
            -GROUND_BELOW,
            GRASS,
            "terrain",
            "grass",
        )
    k_sh = any_live & keep_mask(mid, cuts.shoulder)
    if sh > 0:
        surface += band(road, s, right - sh, right, k_sh, 0.0, SHOULDER, "road", "shoulder")
        surface += band(road, s, left, left + sh, k_sh, 0.0, SHOULDER, "road", "shoulder")
    k_out = any_live & keep_mask(mid, cuts.outer)
    k_sw = any_live & keep_mask(mid, cuts.sidewalk)
    if sw > 0:
        for inner, outer, facing in (
            (right - sh, right - sh - sw, 1),
            (left + sh, left + sh + sw, -1),
        ):
            lo, hi = (outer, inner) if facing > 0 else (inner, outer)
            surface += band(road, s, lo, hi, k_sw, KERB_HEIGHT, SIDEWALK, "sidewalk", "sidewalk")
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
        ground += band(
            road, s, r_in - GROUND_WIDTH, r_in, k_out, -GROUND_BELOW, GRASS, "terrain", "grass"
        )
        ground += band(
            road, s, l_in, l_in + GROUND_WIDTH, k_out, -GROUND_BELOW, GRASS, "terrain", "grass"
        )
        if cuts.corridor is not None:
            a, b, d_r, d_l = cuts.corridor
            k_cor = ~keep_mask(mid, [(a, b)])
            full = np.ones_like(s)
            ground += band(
                road,
                s,
                r_in - GROUND_WIDTH,
                np.minimum(d_r * full, r_in),
                k_cor,
                -GROUND_BELOW,
                GRASS,
                "terrain",
                "grass",
            )
            ground += band(
                road,
                s,
                np.maximum(d_l * full, l_in),
                l_in + GROUND_WIDTH,
                k_cor,
                -GROUND_BELOW,
                GRASS,
                "terrain",
                "grass",
            )
    return surface, ground


def _road_parts(
    road: Road, cuts: Cuts
) -> tuple[list[MeshArrays], list[MeshArrays], list[MeshArrays]]:
    lay = lane_layout(
        road,
        cut_breaks(cuts)
        + [
            b
            for c in road.crossings
            for b in (c - ZEBRA_LENGTH / 2 - 1.0, c + ZEBRA_LENGTH / 2 + 1.0)
        ],
    )
    surface, ground = _road_surface(lay, cuts)
    return surface, road_markings(lay, cuts), ground


def build_static(scene: Road | Network, rng: np.random.Generator) -> tuple[MeshArrays, ...]:
    """Static scene of a road or a road network: (asphalt + shoulders + sidewalks, markings,
    terrain), world frame.

    Lanes follow ``Road.lane_bounds`` (on-ramps beside the road with a gore, lane drops
    narrowing over their taper); a junction's cross street joins the main road, whose
    asphalt runs through the box, with stop lines and zebra crossings on its arms.
    ``rng`` varies the terrain's colour from patch to patch (grass is never uniform).
    An OpenDRIVE map (or a network whose ``source`` is one) is drawn by
    :func:`~sim.render.scene.opendrive.build_static_opendrive`.
    """
    if not isinstance(scene, Road) and (
        getattr(scene, "source", None) is not None or not isinstance(scene, Network)
    ):
        from sim.render.scene.opendrive import build_static_opendrive, opendrive_source

        odr = opendrive_source(scene)
        if odr is not None:
            return build_static_opendrive(odr, rng)
    network = scene if isinstance(scene, Network) else None
    main = network.main if network is not None else scene
    surface, marks, ground = [], [], []
    if network is not None and network.cross is not None:
        main_cuts, cross_cuts = junction_cuts(network)
        for road, cuts in ((main, main_cuts), (network.cross, cross_cuts)):
            su, ma, gr = _road_parts(road, cuts)
            surface += su
            marks += ma
            ground += gr
        marks += junction_markings(network)
    else:
        surface, marks, ground = _road_parts(main, Cuts())
    ground.append(_far_plane(main))
    terrain = MeshArrays.concat(ground)
    terrain = patchy(terrain, rng)
    return MeshArrays.concat(surface), MeshArrays.concat(marks), terrain


def patchy(terrain: MeshArrays, rng: np.random.Generator) -> MeshArrays:
    """Patchy grass: each face's colour scaled a little (one draw per face)."""
    shade = rng.uniform(0.85, 1.12, size=(len(terrain.faces), 1))
    colors = terrain.face_colors.astype(np.float64)
    colors[:, :3] = np.clip(colors[:, :3] * shade, 0, 255)
    return MeshArrays(
        terrain.vertices,
        terrain.faces,
        colors.astype(np.uint8),
        terrain.face_semantic,
        terrain.uvs,
        terrain.face_material,
    )


def _extend_line(road: Road, s: float) -> tuple[float, float, float]:
    """Reference-line pose at s, extrapolated straight beyond either end."""
    length = road.length
    sc = min(max(s, 0.0), length)
    x, y, h = road.to_world([sc], [0.0])
    extra = s - sc
    return float(x[0] + extra * math.cos(h[0])), float(y[0] + extra * math.sin(h[0])), float(h[0])


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
    return colored(verts, faces, GRASS, "terrain", "grass")  # box-projected texture
