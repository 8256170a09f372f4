"""An imported OpenDRIVE road as sim's own road model (:class:`sim.road.Road` in a
:class:`sim.road.Network`), for the simple case the traffic engine can drive today.

Covered: ONE road (``road_id``, default the first that is not inside a junction) whose
plan view is made of lines, arcs and spirals, with

* driving lanes of one common width on each side (right lanes -> sim's forward lanes, left
  lanes -> its oncoming lanes, right-hand traffic), the same lanes in every lane section;
* an optional shoulder and sidewalk outside the outer driving lane on the right (their
  widths at s = 0 become ``shoulder_width`` / ``sidewalk_width``);
* the speed limit of the road's first ``<type><speed>`` (else the first lane speed).

sim's reference line is the right edge of its rightmost forward lane, so the bridge offsets
the OpenDRIVE reference line by the right lanes' total width: a line stays a line, an arc of
curvature k becomes the parallel arc of curvature k / (1 + k w) and length L (1 + k w)
(exact). **Approximated**: a spiral becomes arcs of ``SPIRAL_PIECE`` metres, each with the
spiral's mean curvature over the piece (headings agree at every piece end; each piece
drifts rate * piece^3 / 12 sideways, so a spiral of length L by rate * piece^2 * L / 12:
4e-4 m for 0.02 1/m over 40 m; the sum over the road is listed in ``notes``).
**Refused** (OpenDriveError): poly3 / paramPoly3 geometries, a non-zero laneOffset, lanes
whose widths differ or vary along s, lane counts that change between sections, LHT roads.
**Dropped, with a note**: elevation and superelevation (sim's road is flat), junctions,
signals and objects, road marks (sim draws its own), the other roads of the file.

:class:`BridgedRoad` keeps the imported network beside the sim road: ``to_sim(s, t)``
maps OpenDRIVE lane coordinates to sim's (s, d) through the world frame, and
``sim_lane(lane_id)`` maps an OpenDRIVE lane id to sim's lane index.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.road.network import Network
from sim.road.opendrive.network import OpenDriveNetwork, load_opendrive
from sim.road.opendrive.parse import Lane, LaneSection
from sim.road.opendrive.parse import Road as OdrRoad
from sim.road.opendrive.xml import OpenDriveError
from sim.road.road import Road, Segment

SPIRAL_PIECE = 0.5  # [m] arc pieces a spiral is cut into (the error falls with its square)
DEFAULT_SPEED = 13.9  # [m/s] when the file gives no speed (50 km/h)
WIDTH_TOL = 1e-6  # [m] lane widths closer than this count as equal


@dataclass(frozen=True)
class BridgedRoad:
    network: Network
    odr: OpenDriveNetwork
    road_id: str
    notes: tuple[str, ...]
    right_lanes: int
    left_lanes: int

    def sim_lane(self, lane_id: int) -> int:
        """OpenDRIVE driving lane id -> sim lane index (0 = rightmost forward lane)."""
        if 0 < -lane_id <= self.right_lanes:
            return self.right_lanes + lane_id  # -1 (next to the centre) -> right_lanes - 1
        if 0 < lane_id <= self.left_lanes:
            return self.right_lanes + lane_id - 1
        raise OpenDriveError(f"road {self.road_id!r} has no driving lane {lane_id}")

    def to_sim(self, s, t) -> tuple[np.ndarray, np.ndarray]:
        """OpenDRIVE (s, t) of the bridged road -> sim (s, d) on ``network.main``."""
        xyzh = self.odr.to_world(self.road_id, s, t)
        return self.network.main.to_lane(xyzh[:, 0], xyzh[:, 1])


def _constant_width(lane: Lane) -> float | None:
    if lane.borders or not lane.widths:
        return None
    first = lane.widths[0]
    if any(abs(w.b) + abs(w.c) + abs(w.d) > 0.0 or abs(w.a - first.a) > WIDTH_TOL
           for w in lane.widths):  # fmt: skip
        return None
    return first.a


def _side(section: LaneSection, side: tuple[Lane, ...], where: str) -> tuple[int, list[float]]:
    """Driving lanes counted from the centre out, and their widths; then what lies outside."""
    driving = 0
    widths = []
    for lane in side:
        if lane.type != "driving":
            break
        width = _constant_width(lane)
        if width is None:
            raise OpenDriveError(
                f"lane {lane.id} ({where}, section at s={section.s:g}): only constant widths "
                "can become a sim road"
            )
        widths.append(width)
        driving += 1
    return driving, widths


def _segments(road: OdrRoad, offset: float, notes: list[str]) -> list[Segment]:
    """sim segments of the parallel curve ``offset`` metres to the right of the reference."""
    out = []
    worst = 0.0
    for g in road.geometries:
        if g.kind == "line":
            pieces = [(g.length, 0.0)]
        elif g.kind == "arc":
            pieces = [(g.length, g.params[0])]
        elif g.kind == "spiral":
            k0, k1 = g.params
            rate = (k1 - k0) / g.length
            n = max(1, math.ceil(g.length / SPIRAL_PIECE))
            step = g.length / n
            pieces = [(step, k0 + rate * (j + 0.5) * step) for j in range(n)]
            worst += abs(rate) * step * step * g.length / 12.0  # lateral drift, summed
        else:
            raise OpenDriveError(
                f"road {road.id!r}: a {g.kind} geometry (s={g.s:g}) cannot become a sim road "
                "(lines, arcs and spirals only)",
                line=road.line,
            )
        for length, k in pieces:
            scale = 1.0 + k * offset  # offset > 0 is to the right: radius grows on a left turn
            if scale <= 0.0:
                raise OpenDriveError(
                    f"road {road.id!r}: curvature {k:g} at s={g.s:g} is tighter than the "
                    "right lanes are wide"
                )
            out.append(Segment(length * scale, k / scale))
    if worst > 0.0:
        notes.append(
            f"spirals approximated by {SPIRAL_PIECE:g} m arcs (position error up to ~{worst:.1e} m)"
        )
    return out


def network_from_opendrive(path: str | Path, road_id: str | None = None) -> BridgedRoad:
    """The road ``road_id`` of the .xodr file as sim's Network (see the module doc)."""
    odr_net = load_opendrive(path)
    odr = odr_net.odr
    if road_id is None:
        road_id = next((r.id for r in odr.roads if r.junction == "-1"), odr.roads[0].id)
    road = odr.road(road_id)
    notes = [f"road {road_id!r} of {len(odr.roads)} in {Path(path).name}"]
    if road.rule == "LHT":
        raise OpenDriveError(f"road {road_id!r}: left-hand traffic is not supported by sim roads")
    if any(abs(p.a) + abs(p.b) + abs(p.c) + abs(p.d) > 0.0 for p in road.lane_offsets):
        raise OpenDriveError(f"road {road_id!r}: a non-zero laneOffset cannot become a sim road")
    layouts = set()
    widths: list[float] = []
    for sec in road.lane_sections:
        right, w_right = _side(sec, sec.right, "right")
        left, w_left = _side(sec, sec.left, "left")
        layouts.add((right, left))
        widths += w_right + w_left
    if len(layouts) != 1:
        raise OpenDriveError(f"road {road_id!r}: the driving lanes change between sections")
    right, left = layouts.pop()
    if right < 1:
        raise OpenDriveError(f"road {road_id!r}: no driving lane right of the centre line")
    if max(widths) - min(widths) > WIDTH_TOL:
        raise OpenDriveError(f"road {road_id!r}: driving lanes of different widths {widths}")
    width = widths[0]
    first = road.lane_sections[0]
    outside = [lane for lane in first.right[right:]]
    shoulder = sum(
        _constant_width(la) or 0.0 for la in outside if la.type in ("shoulder", "border")
    )
    sidewalk = sum(_constant_width(la) or 0.0 for la in outside if la.type == "sidewalk")
    speed = next((v for _, _, v in road.types if v is not None), None)
    if speed is None:
        speed = next((la.speed for la in first.right if la.speed is not None), DEFAULT_SPEED)
    offset = right * width
    g0 = road.geometries[0]
    origin = (g0.x + offset * math.sin(g0.hdg), g0.y - offset * math.cos(g0.hdg), g0.hdg)
    sim_road = Road(
        lanes=right,
        oncoming_lanes=left,
        lane_width=width,
        segments=tuple(_segments(road, offset, notes)),
        shoulder_width=shoulder,
        sidewalk_width=sidewalk,
        speed_limit=float(speed),
        origin=origin,
    )
    for what, present in (
        (
            "elevation and superelevation (sim roads are flat)",
            road.elevation or road.superelevation,
        ),
        ("signals and objects", road.signals or road.objects),
        ("junctions and the other roads", len(odr.roads) > 1),
    ):
        if present:
            notes.append(f"dropped: {what}")
    return BridgedRoad(Network(sim_road), odr_net, road_id, tuple(notes), right, left)
