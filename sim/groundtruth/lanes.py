"""Lane ground truth: every painted lane line, kerb and lane centreline of the road network
as a 3D polyline, and its projection into a camera clipped where something hides it.

The lines are derived exactly as sim/render/scene/markings.py paints them (the same lane
layout samples, the same cuts at a junction and at zebra crossings): a **solid** line on
every lane edge with no lane beside it, a **dashed** divider between touching lanes of one
direction, a **double** solid line between the directions (the polyline runs midway between
its two lines, ``CENTRE_GAP`` apart), a **kerb** where a sidewalk begins (at road level,
the foot of the kerb), and a **centreline** per lane (no paint). Painted lines lie at
``MARKING_LIFT`` above the road, white. Boundaries run towards the road's +s; centrelines
in their lane's direction of travel. Turn paths through a junction, stop lines and zebra
crossings are not lane lines and are left out.

Lane ids are ``[road, lane]`` pairs (road 0 the main road, 1 the cross street; lane 0 the
rightmost of the road's +s direction, as sim.road numbers them). A boundary names the lane
on its ``left`` and its ``right`` (seen along +s; null for none).

In a camera, a 3D point is visible when it lies in front of the near plane, inside the
image and not behind what the depth buffer holds at its pixel: its depth z at most the
buffer's depth (sky: infinitely far) plus ``DEPTH_SLACK`` plus the most a road surface's
depth changes within half a pixel seen from height h above it, ``GRAZING * z^2 / (fy h)``.
Visible runs of points make the 2D polylines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.render.camera import CameraModel, invert_rigid
from sim.render.scene import MARKING_LIFT, ZEBRA_LENGTH
from sim.render.scene.common import keep_mask, runs
from sim.render.scene.layout import Cuts, cut_breaks, junction_cuts, lane_layout
from sim.road import Road
from sim.road.network import Network

SAMPLE = 0.5
"""[m] spacing of the 3D points along a line (the painted mesh's chords, subdivided)."""
RANGE = 100.0
"""[m] a frame keeps the points within this distance of the ego (x and y, ego frame)."""
DEPTH_SLACK = 0.1  # [m]
GRAZING = 0.6
"""Half a pixel, with a margin: the depth of a plane seen from height h changes by
z^2 / (fy h) per image row at depth z."""

OPENLANE_CATEGORY = {"dashed": 1, "solid": 2, "double": 4, "kerb_left": 20, "kerb_right": 21}
"""OpenLane's lane categories: 1 white-dash, 2 white-solid, 4 double-white-solid,
20 left-curbside, 21 right-curbside (0 unknown: centrelines)."""


@dataclass(frozen=True)
class LaneLine:
    """One line of the network, world frame.

    id : stable for the episode; kind : 'boundary' | 'centreline';
    type : 'solid' | 'dashed' | 'double' | 'kerb' | 'centreline'; colour : 'white' | 'none';
    left, right : lane ids [road, lane] beside a boundary (None: none), or ``left`` the
    centreline's own lane; points : (N, 3) float64 [m].
    """

    id: int
    road: int
    kind: str
    type: str
    colour: str
    left: tuple[int, int] | None
    right: tuple[int, int] | None
    points: np.ndarray

    @property
    def category(self) -> int:
        if self.type == "kerb":
            # the right-hand kerb (seen along +s) has the road on its left
            return OPENLANE_CATEGORY["kerb_right" if self.right is None else "kerb_left"]
        return OPENLANE_CATEGORY.get(self.type, 0)


def _densify(points: np.ndarray, step: float = SAMPLE) -> np.ndarray:
    """(N, 3) polyline with points added along each chord, at most ``step`` apart."""
    if len(points) < 2:
        return points
    out = [points[:1]]
    for a, b in zip(points[:-1], points[1:], strict=True):
        n = max(1, int(np.ceil(np.linalg.norm(b - a) / step)))
        t = (np.arange(1, n + 1) / n)[:, None]
        out.append(a + (b - a) * t)
    return np.concatenate(out)


def _polyline(road: Road, s: np.ndarray, d: np.ndarray, z: float) -> np.ndarray:
    x, y, _ = road.to_world(s, d)
    return _densify(np.stack((x, y, np.full(len(s), z)), axis=1))


def _road_lines(road_id: int, road: Road, cuts: Cuts) -> list[tuple]:
    """(road, kind, type, colour, left, right, points) of one road, as markings.py paints."""
    breaks = cut_breaks(cuts) + [
        b for c in road.crossings for b in (c - ZEBRA_LENGTH / 2 - 1.0, c + ZEBRA_LENGTH / 2 + 1.0)
    ]
    lay = lane_layout(road, breaks)
    s, mid = lay.s, lay.mid
    zebra = tuple((c - ZEBRA_LENGTH / 2 - 1.0, c + ZEBRA_LENGTH / 2 + 1.0) for c in road.crossings)
    k_edge = keep_mask(mid, cuts.edge)
    k_div = keep_mask(mid, cuts.divider + zebra)
    n = road.total_lanes
    lines: list[tuple] = []

    def add(mask, d, kind, type_, colour, left, right, z=MARKING_LIFT, reverse=False):
        for i0, i1 in runs(mask):
            pts = _polyline(road, s[i0 : i1 + 1], d[i0 : i1 + 1], z)
            lines.append((road_id, kind, type_, colour, left, right, pts[::-1] if reverse else pts))

    for k in range(n):
        live = lay.live[k]
        touch = np.zeros_like(live)
        touch_up = np.zeros_like(live)
        if k > 0:
            touch = live & lay.live[k - 1] & (np.abs(lay.lo_m[k] - lay.hi_m[k - 1]) < 1e-6)
        if k < n - 1:
            touch_up = live & lay.live[k + 1] & (np.abs(lay.hi_m[k] - lay.lo_m[k + 1]) < 1e-6)
        me = (road_id, k)
        add(live & ~touch & k_edge, lay.lo[k], "boundary", "solid", "white", me, None)
        add(live & ~touch_up & k_edge, lay.hi[k], "boundary", "solid", "white", None, me)
        if k > 0 and touch.any():
            same = road.lane_direction(k) == road.lane_direction(k - 1)
            kind = "dashed" if same else "double"
            add(touch & k_div, lay.lo[k], "boundary", kind, "white", me, (road_id, k - 1))
        centre = 0.5 * (lay.lo[k] + lay.hi[k])
        add(
            live,
            centre,
            "centreline",
            "centreline",
            "none",
            me,
            None,
            0.0,
            reverse=road.lane_direction(k) < 0,
        )
    if road.sidewalk_width > 0:
        any_live = lay.live.any(axis=0)
        k_sw = any_live & keep_mask(mid, cuts.sidewalk)
        sh = road.shoulder_width
        add(k_sw, lay.right() - sh, "boundary", "kerb", "none", (road_id, 0), None, 0.0)
        add(k_sw, lay.left() + sh, "boundary", "kerb", "none", None, (road_id, n - 1), 0.0)
    return lines


def network_lines(scene: Road | Network) -> list[LaneLine]:
    """Every lane line of a road or network (world frame), ids 1.. in a fixed order."""
    parts: list[tuple[int, Road, Cuts]]
    if isinstance(scene, Network) and scene.cross is not None:
        main_cuts, cross_cuts = junction_cuts(scene)
        parts = [(0, scene.main, main_cuts), (1, scene.cross, cross_cuts)]
    else:
        parts = [(0, scene.main if isinstance(scene, Network) else scene, Cuts())]
    raw = [line for road_id, road, cuts in parts for line in _road_lines(road_id, road, cuts)]
    out = []
    for k, (road_id, kind, type_, colour, left, right, pts) in enumerate(raw):
        out.append(LaneLine(k + 1, road_id, kind, type_, colour, left, right, pts))
    return out


@dataclass(frozen=True)
class CameraLine:
    """One line in one frame: its points in the ego frame within ``RANGE``, which of them a
    camera sees, and the visible runs' pixel polylines."""

    line: LaneLine
    xyz: np.ndarray  # (N, 3) ego frame [m]
    visible: np.ndarray  # (N,) bool
    uv: list[np.ndarray]  # visible runs, each (M, 2) float [px] (pixel centres at integers)


def frame_lines(
    lines: list[LaneLine], T_world_ego: np.ndarray
) -> list[tuple[LaneLine, np.ndarray]]:
    """(line, (N, 3) ego-frame points within ``RANGE``) of every line that has some."""
    T = invert_rigid(T_world_ego)
    out = []
    for line in lines:
        p = line.points @ T[:3, :3].T + T[:3, 3]
        near = (np.abs(p[:, 0]) <= RANGE) & (np.abs(p[:, 1]) <= RANGE)
        if near.any():
            i = np.flatnonzero(near)
            out.append((line, p[i[0] : i[-1] + 1]))
    return out


def camera_lines(
    framed: list[tuple[LaneLine, np.ndarray]],
    camera: CameraModel,
    depth: np.ndarray,
) -> list[CameraLine]:
    """Each line's visibility in a camera and its visible 2D runs (``depth`` the frame's
    (H, W) depth buffer [m], 0 = sky)."""
    far = np.where(depth > 0, depth, np.inf)
    cam_height = float(camera.T_ego_cam[2, 3])
    T_cam_ego = invert_rigid(camera.T_ego_cam)
    W, H = camera.width, camera.height
    out = []
    for line, xyz in framed:
        p = xyz @ T_cam_ego[:3, :3].T + T_cam_ego[:3, 3]
        front = p[:, 2] > camera.znear
        uv = np.full((len(p), 2), np.nan)
        if front.any():
            uv[front] = camera.project(p[front])
        inside = front & np.isfinite(uv).all(axis=1)
        inside &= (
            (uv[:, 0] >= -0.5) & (uv[:, 0] < W - 0.5) & (uv[:, 1] >= -0.5) & (uv[:, 1] < H - 0.5)
        )
        visible = inside.copy()
        if inside.any():
            idx = np.flatnonzero(inside)
            cols = np.clip(np.rint(uv[idx, 0]).astype(int), 0, W - 1)
            rows = np.clip(np.rint(uv[idx, 1]).astype(int), 0, H - 1)
            z = p[idx, 2]
            above = np.maximum(cam_height - xyz[idx, 2], 0.3)
            limit = far[rows, cols] + DEPTH_SLACK + GRAZING * z * z / (camera.fy * above)
            visible[idx] = z <= limit
        segments = [uv[i0:i1] for i0, i1 in runs(visible) if i1 - i0 >= 2]
        out.append(CameraLine(line, xyz, visible, segments))
    return out


def _round(a, nd: int = 4) -> list:
    return np.round(np.asarray(a, dtype=np.float64), nd).tolist()


def lanes_json(camera_lines_: list[CameraLine], camera: CameraModel, frame_meta: dict) -> dict:
    """The frame's lane file (docs/ground_truth.md), close to OpenLane's: ``lane_lines`` with
    ``xyz`` (3, N) ego frame, ``visibility`` (N,) in this camera, ``uv`` the visible runs."""
    lanes = []
    for cl in camera_lines_:
        line = cl.line
        lanes.append(
            {
                "id": line.id,
                "track_id": line.id,
                "kind": line.kind,
                "type": line.type,
                "colour": line.colour,
                "category": line.category,
                "road": line.road,
                "left_lane": list(line.left) if line.left is not None else None,
                "right_lane": list(line.right) if line.right is not None else None,
                "xyz": _round(cl.xyz.T),
                "visibility": cl.visible.astype(int).tolist(),
                "uv": [_round(seg.T, 2) for seg in cl.uv],
            }
        )
    return {
        **frame_meta,
        "intrinsic": _round(camera.K, 9),
        "extrinsic": _round(camera.T_ego_cam, 9),
        "frame": "ego: x forward, y left, z up; uv: pixel centres at integer coordinates",
        "lane_lines": lanes,
    }


CULANE_ROW_STEP = 10
"""[px] CULane samples each lane's x at every 10th image row, from the bottom up."""


def culane_text(camera_lines_: list[CameraLine], height: int) -> str:
    """CULane ``.lines.txt``: one line per visible painted lane line, ``x y`` pairs at rows
    ``height - 1``, ``height - 11``, ... where the line's visible 2D runs cross them."""
    out = []
    rows = np.arange(height - 1, -1, -CULANE_ROW_STEP, dtype=np.float64)
    for cl in camera_lines_:
        if cl.line.kind != "boundary" or cl.line.type == "kerb":
            continue
        pairs = []
        for seg in cl.uv:
            u, v = seg[:, 0], seg[:, 1]
            for r in rows:
                cross = np.flatnonzero((v[:-1] - r) * (v[1:] - r) <= 0)
                if cross.size == 0:
                    continue
                k = cross[0]
                dv = v[k + 1] - v[k]
                x = u[k] if abs(dv) < 1e-9 else u[k] + (r - v[k]) / dv * (u[k + 1] - u[k])
                pairs.append((r, x))
        if len(pairs) >= 2:
            pairs.sort(key=lambda p: -p[0])
            out.append(" ".join(f"{x:.2f} {r:.0f}" for r, x in pairs))
    return "".join(f"{line}\n" for line in out)
