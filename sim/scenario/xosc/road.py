"""The road an import drives on: the OpenDRIVE road of the ego's start, where the bridge
(:mod:`sim.road.opendrive.bridge`) can make it a sim road; else the straight stand-in.

The ``.xodr`` is ``RoadNetwork/LogicFile filepath`` (relative to the ``.xosc``). The road
taken is the one the ego's Init position names (``roadId`` of a lane or road position, the
road under a world position), else the bridge's default (the first road outside a
junction). Positions keep OpenDRIVE's (s, t) on that road while the file is read; at the
end :class:`XodrRoad` turns them into sim's (s, d) exactly: ``d`` is the lateral distance
from sim's reference line (the right edge of the rightmost forward lane, a parallel curve of
the file's reference line), ``s`` the arc length along it at the same normal. Beyond the
file's road ends sim's road goes on straight (before s = 0 and after its length).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.errors import ScenarioError
from sim.road.opendrive.bridge import BridgedRoad, network_from_opendrive
from sim.scenario.schema.limits import MAX_ROAD_LENGTH
from sim.scenario.xosc.context import Ctx

MAX_SEGMENTS = 998  # the scenario's segment list holds 1000; two straights may be added
MIN_RADIUS = 10.0  # [m] the scenario schema's smallest arc radius
STRAIGHT_CURVATURE = 1e-9  # [1/m] arcs gentler than this are written as straights


@dataclass
class XodrRoad:
    """The bridged road and the lane geometry the positions use."""

    bridged: BridgedRoad
    file: str  # the .xodr's name, for the notes

    @property
    def road_id(self) -> str:
        return self.bridged.road_id

    @property
    def length(self) -> float:
        return self.bridged.odr.road(self.road_id).length

    @property
    def sim_road(self):
        return self.bridged.network.main

    def sim_s(self, s) -> np.ndarray:
        """OpenDRIVE s on the road -> sim's s (before any shift); straight beyond the ends."""
        s = np.atleast_1d(np.asarray(s, dtype=np.float64))
        inside = np.clip(s, 0.0, self.length)
        xy = self.bridged.odr.reference_pose(self.road_id, inside)
        s_sim, _ = self.sim_road.to_lane(xy[:, 0], xy[:, 1])
        s_sim = np.where(inside <= 0.0, 0.0, s_sim)
        s_sim = np.where(inside >= self.length, self.sim_road.length, s_sim)
        return s_sim + (s - inside)

    def sim_d(self, t: float) -> float:
        """OpenDRIVE t -> sim's d (lanes of one width, the constant laneOffset removed)."""
        b = self.bridged
        return b.right_lanes * self.sim_road.lane_width + t - b.lane_offset


def logic_file(ctx: Ctx, root: ET.Element) -> tuple[ET.Element | None, str | None]:
    logic = root.find("./RoadNetwork/LogicFile")
    if logic is None or not logic.get("filepath"):
        return None, None
    return logic, ctx.text(logic, "filepath")


def _ego_position(ctx: Ctx, root: ET.Element, ego: str) -> ET.Element | None:
    for private in root.findall("./Storyboard/Init/Actions/Private"):
        if ctx.text(private, "entityRef") != ego:
            continue
        pos = private.find("./PrivateAction/TeleportAction/Position")
        if pos is not None and len(pos):
            return pos[0]
    return None


def choose_road(ctx: Ctx, root: ET.Element, ego: str) -> XodrRoad | None:
    """The bridged road of the ego's start, or None (the reason is noted)."""
    logic, filepath = logic_file(ctx, root)
    if filepath is None:
        ctx.note(None, "road: no OpenDRIVE file; straight, with the lanes the positions need")
        return None
    stand_in = "a straight road with the lanes the positions need stands in for it"
    path = (ctx.path.parent / filepath).resolve()
    if not path.is_file():
        ctx.note(
            logic, f"road: the OpenDRIVE file {filepath!r} is not read (not found); {stand_in}"
        )
        return None
    road_id = None
    try:
        from sim.road.opendrive import load_opendrive

        pos = _ego_position(ctx, root, ego)
        if pos is not None and pos.tag in ("LanePosition", "RoadPosition"):
            road_id = ctx.text(pos, "roadId")
        elif pos is not None and pos.tag == "WorldPosition":
            net = load_opendrive(path)
            hit = net.to_road([ctx.params.need(pos, "x")], [ctx.num(pos, "y", 0.0)])
            if hit.road[0] >= 0:
                road_id = net.odr.roads[int(hit.road[0])].id
        bridged = network_from_opendrive(path, road_id)
        _check(bridged)
    except (ScenarioError, KeyError, ValueError, OSError) as err:
        which = f"road {road_id!r}" if road_id is not None else "its first road"
        ctx.note(
            logic,
            f"road: {which} of the OpenDRIVE file {filepath!r} cannot become a sim road "
            f"({err}); {stand_in}",
        )
        return None
    road = XodrRoad(bridged, Path(filepath).name)
    ctx.note(
        logic,
        f"road: OpenDRIVE road {road.road_id!r} of {road.file} ({road.length:g} m, "
        f"{bridged.right_lanes} forward and {bridged.left_lanes} oncoming driving lanes of "
        f"{road.sim_road.lane_width:g} m), the road of the ego's start",
    )
    for n in bridged.notes[1:]:
        ctx.note(None, f"road: {n}")
    return road


def _check(bridged: BridgedRoad) -> None:
    road = bridged.network.main
    if len(road.segments) > MAX_SEGMENTS:
        raise ValueError(f"{len(road.segments)} arcs, more than a scenario holds")
    if bridged.right_lanes > 8 or bridged.left_lanes > 6:
        raise ValueError("more lanes than sim roads have (8 forward, 6 oncoming)")
    if not 2.0 <= road.lane_width <= 6.0:
        raise ValueError(f"lane width {road.lane_width:g} m (sim: 2 to 6 m)")
    if road.shoulder_width > 10.0 or road.sidewalk_width > 8.0:
        raise ValueError("a shoulder wider than 10 m or a sidewalk wider than 8 m")
    for seg in road.segments:
        if abs(seg.curvature) >= STRAIGHT_CURVATURE and 1.0 / abs(seg.curvature) < MIN_RADIUS:
            raise ValueError(f"a curve of radius {1.0 / abs(seg.curvature):.2f} m (sim: >= 10 m)")


def road_spec(road: XodrRoad, before: float, after_s: float) -> tuple[dict, tuple]:
    """``road:`` of the scenario: ``before`` m of straight ahead of the file's road, then its
    arcs, then straight on to sim s ``after_s`` (before the shift); and the (x, y, heading)
    in the .xodr's frame of sim's road origin."""
    sim_road = road.sim_road
    segments = []
    if before > 0.0:
        segments.append({"type": "straight", "length": before})
    for seg in sim_road.segments:
        if abs(seg.curvature) < STRAIGHT_CURVATURE:
            segments.append({"type": "straight", "length": seg.length})
        else:
            segments.append(
                {
                    "type": "arc",
                    "length": seg.length,
                    "radius": 1.0 / abs(seg.curvature),
                    "turn": "left" if seg.curvature > 0 else "right",
                }
            )
    total = before + sim_road.length
    extra = min(after_s - sim_road.length, MAX_ROAD_LENGTH - total)
    if extra > 1e-6:
        segments.append({"type": "straight", "length": extra})
    x0, y0, h0 = sim_road.origin
    origin = (x0 - before * math.cos(h0), y0 - before * math.sin(h0), h0)
    spec = {
        "segments": segments,
        "lanes": road.bridged.right_lanes,
        "lane_width": sim_road.lane_width,
        "shoulder_width": sim_road.shoulder_width,
        "speed_limit": sim_road.speed_limit,
    }
    if road.bridged.left_lanes:
        spec["oncoming_lanes"] = road.bridged.left_lanes
    if sim_road.sidewalk_width:
        spec["sidewalk_width"] = sim_road.sidewalk_width
    return spec, origin
