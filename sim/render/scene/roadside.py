"""Roadside dressing (:func:`build_roadside`): street lamps, trees and buildings from the
asset library along both sides of the road, kept off a junction and its signal poles."""

from __future__ import annotations

import math

import numpy as np

from sim.assets.parts import PART_INDEX
from sim.render.scene.common import MeshArrays, lane_extent, posed_mesh
from sim.road import Road
from sim.road.network import Network

ROADSIDE_CLEARANCE = 2.0  # [m] from the outer shoulder edge to the nearest roadside object


def _outer_edges(road: Road, s: float) -> tuple[float, float]:
    """(d_right, d_left) [m] of the tarmac at ``s``: the outermost lane edges (ramps included)."""
    ext = [e for e in (lane_extent(road, k, s) for k in range(road.total_lanes)) if e is not None]
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
    scene: Road | Network,
    catalog,
    rng: np.random.Generator,
    density: float = 1.0,
    lamp_heads: list | None = None,
) -> MeshArrays | None:
    """Trees, street lamps and buildings along both sides of the road (stuff classes:
    semantic ids only, no instance), from the asset library, placed with ``rng``.

    ``density`` scales how many (0: none). Lamps stand every 40 m just off the right
    shoulder (given a list ``lamp_heads``, each lamp's light position, just below its head,
    is appended to it); trees every 12-40 m per side, 0-25 m back; buildings every 40-120 m,
    30-60 m back,
    measured from the outermost tarmac at that s (an on-ramp's, a narrowing lane's). For a
    :class:`Network` the main road is dressed, and nothing stands on the cross street, its
    verges, the junction or within 1.5 m of a signal pole. None for an OpenDRIVE map (or a
    network made from one): it is not dressed yet.
    """
    if density <= 0:
        return None
    if not isinstance(scene, Road) and (
        getattr(scene, "source", None) is not None or not isinstance(scene, Network)
    ):
        from sim.render.scene.opendrive import opendrive_source

        if opendrive_source(scene) is not None:
            return None  # an OpenDRIVE map: no roadside dressing yet (docs/rendering.md)
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
        parts.append(posed_mesh(mesh, float(x[0]) - fx, float(y[0]) - fy, yaw, info.cls))
        if lamp_heads is not None and asset == "street_lamp":  # where its light comes from
            posed = parts[-1]
            head = posed.faces[mesh.face_parts == PART_INDEX["light_front"]]
            if len(head):
                lamp_heads.append(posed.vertices[head.ravel()].mean(axis=0) - (0.0, 0.0, 0.2))

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
