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


def _ribbon(road: Road, d0: float, d1: float, s0: float, s1: float, z: float,
            color, cls: str, step: float = ROAD_SAMPLE) -> MeshArrays:
    """Upward-facing strip between offsets d0 < d1 over s in [s0, s1]."""
    n = max(1, int(math.ceil((s1 - s0) / step)))
    s = np.linspace(s0, s1, n + 1)
    xl, yl, _ = road.to_world(s, np.full_like(s, d0))
    xr, yr, _ = road.to_world(s, np.full_like(s, d1))
    verts = np.empty((2 * (n + 1), 3))
    verts[0::2] = np.stack((xl, yl, np.full_like(s, z)), axis=1)
    verts[1::2] = np.stack((xr, yr, np.full_like(s, z)), axis=1)
    k = np.arange(n) * 2
    # (k: s_i d0), (k+1: s_i d1), (k+2: s_i+1 d0), (k+3: s_i+1 d1); CCW seen from above
    faces = np.concatenate([np.stack((k, k + 2, k + 3), 1), np.stack((k, k + 3, k + 1), 1)])
    return _colored(verts, faces, color, cls)


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


def _wall(road: Road, d: float, s0: float, s1: float, z0: float, z1: float, facing: int, color, cls: str,
          step: float = ROAD_SAMPLE) -> MeshArrays:
    """Vertical strip at lateral offset d between heights z0 < z1, facing +d (facing=+1, i.e.
    towards the road's left) or -d (facing=-1)."""
    n = max(1, int(math.ceil((s1 - s0) / step)))
    s = np.linspace(s0, s1, n + 1)
    x, y, _ = road.to_world(s, np.full_like(s, d))
    verts = np.empty((2 * (n + 1), 3))
    verts[0::2] = np.stack((x, y, np.full_like(s, z0)), axis=1)
    verts[1::2] = np.stack((x, y, np.full_like(s, z1)), axis=1)
    k = np.arange(n) * 2
    # (k: s_i low), (k+1: s_i high), (k+2: s_i+1 low), (k+3: s_i+1 high)
    if facing > 0:
        faces = np.concatenate([np.stack((k, k + 1, k + 3), 1), np.stack((k, k + 3, k + 2), 1)])
    else:
        faces = np.concatenate([np.stack((k, k + 3, k + 1), 1), np.stack((k, k + 2, k + 3), 1)])
    return _colored(verts, faces, color, cls)


def _sidewalks(road: Road) -> list[MeshArrays]:
    """Kerb faces and raised sidewalk tops on both sides, beyond the shoulders."""
    sw, sh, width, length = road.sidewalk_width, road.shoulder_width, road.width, road.length
    out = []
    for inner, outer, facing in ((-sh, -sh - sw, 1), (width + sh, width + sh + sw, -1)):
        lo, hi = min(inner, outer), max(inner, outer)
        out.append(_ribbon(road, lo, hi, 0.0, length, KERB_HEIGHT, SIDEWALK, "sidewalk"))
        out.append(_wall(road, inner, 0.0, length, 0.0, KERB_HEIGHT, facing, KERB, "sidewalk"))  # kerb, towards the road
        out.append(_wall(road, outer, 0.0, length, -GROUND_BELOW, KERB_HEIGHT, -facing, KERB, "sidewalk"))
    return out


def _zebra(road: Road, s_c: float) -> list[MeshArrays]:
    """Bars along the road, side by side across the whole carriageway, centred on s_c."""
    bars = []
    d = ZEBRA_BAR / 2
    s0, s1 = s_c - ZEBRA_LENGTH / 2, s_c + ZEBRA_LENGTH / 2
    while d + ZEBRA_BAR <= road.width:
        bars.append(_ribbon(road, d, d + ZEBRA_BAR, s0, s1, MARKING_LIFT, PAINT, "lane_marking", step=ZEBRA_LENGTH))
        d += 2 * ZEBRA_BAR
    return bars


def build_static(road: Road, rng: np.random.Generator) -> tuple[MeshArrays, ...]:
    """Static scene of a road: (asphalt + shoulders + sidewalks, markings, terrain), world frame.

    ``rng`` varies the terrain's colour from patch to patch (grass is never uniform).
    """
    length = road.length
    width = road.width
    sh = road.shoulder_width
    sw = road.sidewalk_width
    surface = [_ribbon(road, 0.0, width, 0.0, length, 0.0, ASPHALT, "road")]
    if sh > 0:
        surface.append(_ribbon(road, -sh, 0.0, 0.0, length, 0.0, SHOULDER, "road"))
        surface.append(_ribbon(road, width, width + sh, 0.0, length, 0.0, SHOULDER, "road"))
    if sw > 0:
        surface += _sidewalks(road)

    marks = []
    half = MARKING_WIDTH / 2
    for edge in (0.0, width):  # solid edge lines
        marks.append(_ribbon(road, edge - half, edge + half, 0.0, length, MARKING_LIFT, PAINT, "lane_marking"))
    zebra_spans = [(c - ZEBRA_LENGTH / 2 - 1.0, c + ZEBRA_LENGTH / 2 + 1.0) for c in road.crossings]
    for k in range(1, road.lanes):  # dashed dividers, interrupted at crossings
        d = k * road.lane_width
        start = 0.0
        while start < length:
            end = min(start + DASH_LENGTH, length)
            if not any(a < end and start < b for a, b in zebra_spans):
                marks.append(_ribbon(road, d - half, d + half, start, end, MARKING_LIFT, PAINT, "lane_marking",
                                     step=DASH_LENGTH))
            start += DASH_LENGTH + DASH_GAP
    for c in road.crossings:
        marks += _zebra(road, c)

    ground = []
    left_in, right_in = width + sh + sw, -sh - sw
    ground.append(_ribbon(road, left_in, left_in + GROUND_WIDTH, 0.0, length, -GROUND_BELOW, GRASS, "terrain", step=20.0))
    ground.append(_ribbon(road, right_in - GROUND_WIDTH, right_in, 0.0, length, -GROUND_BELOW, GRASS, "terrain", step=20.0))
    ground.append(_far_plane(road))
    terrain = MeshArrays.concat(ground)
    # patchy grass: scale each face's colour a little
    shade = rng.uniform(0.85, 1.12, size=(len(terrain.faces), 1))
    colors = terrain.face_colors.astype(np.float64)
    colors[:, :3] = np.clip(colors[:, :3] * shade, 0, 255)
    terrain = MeshArrays(terrain.vertices, terrain.faces, colors.astype(np.uint8), terrain.face_semantic)
    return MeshArrays.concat(surface), MeshArrays.concat(marks), terrain


def _far_plane(road: Road) -> MeshArrays:
    """A large square below the scene, tiled so triangles stay moderate in size."""
    xs = np.concatenate([road.ref_x, [_extend_line(road, -ROAD_MARGIN)[0], _extend_line(road, road.length + ROAD_MARGIN)[0]]])
    ys = np.concatenate([road.ref_y, [_extend_line(road, -ROAD_MARGIN)[1], _extend_line(road, road.length + ROAD_MARGIN)[1]]])
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
    rays = np.stack(((u - camera.cx) / camera.fx, (v - camera.cy) / camera.fy, np.ones_like(u)), axis=-1)
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


def build_roadside(road: Road, catalog, rng: np.random.Generator, density: float = 1.0) -> MeshArrays | None:
    """Trees, street lamps and buildings along both sides of the road (stuff classes:
    semantic ids only, no instance), from the asset library, placed with ``rng``.

    ``density`` scales how many (0: none). Lamps stand every 40 m just off the right
    shoulder; trees every 12-40 m per side, 0-25 m back; buildings every 40-120 m, 30-60 m back.
    """
    if density <= 0:
        return None
    width, sh = road.width, road.shoulder_width + road.sidewalk_width
    parts: list[MeshArrays] = []

    def place(asset: str, s: float, side: int, back: float, yaw_extra: float, at_base: bool = False) -> None:
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
        edge = width + sh if side > 0 else -sh
        d = edge + side * (ROADSIDE_CLEARANCE + back + reach)
        x, y, _ = road.to_world([s], [d])
        c, sn = math.cos(yaw), math.sin(yaw)
        fx, fy = c * foot[0] - sn * foot[1], sn * foot[0] + c * foot[1]
        parts.append(_posed(mesh, float(x[0]) - fx, float(y[0]) - fy, yaw, info.cls))

    s = 10.0
    while s < road.length:  # street lamps just off the right shoulder, arms over the road
        place("street_lamp", s, -1, -ROADSIDE_CLEARANCE - min(road.sidewalk_width, 1.6) + 0.8, math.pi, at_base=True)
        s += 40.0 / density
    for side in (-1, 1):
        s = float(rng.uniform(0.0, 20.0))
        while s < road.length:
            place("tree", s, side, float(rng.uniform(1.0, 25.0)), float(rng.uniform(-math.pi, math.pi)))
            s += float(rng.uniform(12.0, 40.0)) / density
        s = float(rng.uniform(20.0, 80.0))
        while s < road.length:
            place("building", s, side, float(rng.uniform(25.0, 50.0)), 0.0 if side > 0 else math.pi)
            s += float(rng.uniform(40.0, 120.0)) / density
    return MeshArrays.concat(parts) if parts else None
