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
(exact). **Approximated**: a spiral, poly3 or paramPoly3 becomes arcs, each turning by the
exact heading change of its piece (mean curvature = delta heading / delta s, so headings
agree at every piece end); a geometry's pieces are halved (from ``CURVE_PIECE`` m down to
``MIN_PIECE`` m) until the arcs stay within ``PIECE_TOL`` of the exact offset curve at every
piece end and middle. The largest distance between sim's reference line and the exact one,
sampled every metre, is measured and listed in ``notes``; above ``MAX_LATERAL_ERROR`` the
road is refused. Lanes whose widths vary by at most ``WIDTH_SLACK`` become lanes of their
mean width (noted with the largest deviation); a constant non-zero laneOffset is a lateral
shift of the lanes (exact).
**Refused** (OpenDriveError): a laneOffset that varies, lanes whose widths differ or vary
by more than ``WIDTH_SLACK``, lane counts that change between sections, LHT roads, arcs
that stay too far off the exact curve.
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

CURVE_PIECE = 8.0  # [m] first arc pieces a spiral / poly3 / paramPoly3 is cut into
MIN_PIECE = 0.25  # [m] the pieces are never halved below this
PIECE_TOL = 1e-3  # [m] a geometry's arcs within this of the exact curve (local, from its start)
MAX_LATERAL_ERROR = 0.05  # [m] a bridged reference line farther than this is refused
MAX_PIECES = 5000  # arcs one road may become (bounds the work on hostile or huge files)
WIDTH_SLACK = 0.3  # [m] lanes whose widths vary by at most this become lanes of the mean width
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
    lane_offset: float = 0.0
    """[m] the constant laneOffset: t of the centre lane."""
    max_error: float = 0.0
    """[m] largest distance of sim's reference line from the exact one (sampled each metre)."""

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


def _width_samples(lane: Lane, s0: float, s1: float) -> np.ndarray | None:
    """A lane's width sampled every ~0.5 m over its section [s0, s1] (road s); None for a
    lane given by borders."""
    if lane.borders or not lane.widths:
        return None
    ds = np.linspace(0.0, max(s1 - s0, 0.0), max(2, int(math.ceil((s1 - s0) / 0.5)) + 1))
    out = np.zeros_like(ds)
    for k, w in enumerate(lane.widths):
        end = lane.widths[k + 1].s if k + 1 < len(lane.widths) else math.inf
        on = (ds >= w.s) & (ds < end) if k else (ds < end)
        u = ds[on] - w.s
        out[on] = w.a + u * (w.b + u * (w.c + u * w.d))
    return out


def _side(
    section: LaneSection, s1: float, side: tuple[Lane, ...], where: str
) -> tuple[int, list[np.ndarray]]:
    """Driving lanes counted from the centre out, and their sampled widths."""
    driving = 0
    widths = []
    for lane in side:
        if lane.type != "driving":
            break
        width = _width_samples(lane, section.s, s1)
        if width is None:
            raise OpenDriveError(
                f"lane {lane.id} ({where}, section at s={section.s:g}): a lane given by "
                "<border> records cannot become a sim road"
            )
        widths.append(width)
        driving += 1
    return driving, widths


def _wrap(angle):
    return (angle + math.pi) % (2.0 * math.pi) - math.pi


def _advance(x, y, h, length, k):
    """Pose after ``length`` metres of an arc of curvature ``k`` (0: straight)."""
    if abs(k) < 1e-12:
        return x + length * math.cos(h), y + length * math.sin(h), h
    return (
        x + (math.sin(h + k * length) - math.sin(h)) / k,
        y - (math.cos(h + k * length) - math.cos(h)) / k,
        h + k * length,
    )


def _flat_offset(odr: OpenDriveNetwork, road_id: str, s: np.ndarray, offset: float):
    """(N, 2) points ``offset`` m right of the reference line in the plan view (no
    superelevation: sim's road is flat) and the (N, 4) reference poses."""
    ref = odr.reference_pose(road_id, s)
    xy = np.stack(
        [ref[:, 0] + offset * np.sin(ref[:, 2]), ref[:, 1] - offset * np.cos(ref[:, 2])], axis=1
    )
    return xy, ref


def _curve_pieces(odr: OpenDriveNetwork, road: OdrRoad, g, offset: float):
    """(length, curvature) of reference-line arcs for a spiral / poly3 / paramPoly3: pieces
    halved until the parallel arcs ``offset`` m right of the line stay within PIECE_TOL of
    the exact offset curve (checked at every piece's end and middle, from the exact start)."""
    n = max(1, math.ceil(g.length / CURVE_PIECE))
    while True:
        if n > MAX_PIECES:
            raise OpenDriveError(
                f"road {road.id!r}: the {g.kind} at s={g.s:g} needs more than {MAX_PIECES} arcs"
            )
        s = g.s + np.linspace(0.0, g.length, 2 * n + 1)
        exact, ref = _flat_offset(odr, road.id, s, offset)
        x, y, h = exact[0, 0], exact[0, 1], ref[0, 2]
        pieces, worst = [], 0.0
        for j in range(n):
            a, b = 2 * j, 2 * j + 2
            k = _wrap(ref[b, 2] - ref[a, 2]) / (s[b] - s[a])
            scale = 1.0 + k * offset
            if scale <= 0.0:
                raise OpenDriveError(
                    f"road {road.id!r}: curvature {k:g} at s={s[a]:g} is tighter than the "
                    "right lanes are wide"
                )
            half = _advance(x, y, h, 0.5 * (s[b] - s[a]) * scale, k / scale)
            x, y, h = _advance(x, y, h, (s[b] - s[a]) * scale, k / scale)
            worst = max(
                worst,
                math.hypot(half[0] - exact[a + 1, 0], half[1] - exact[a + 1, 1]),
                math.hypot(x - exact[b, 0], y - exact[b, 1]),
            )
            pieces.append((s[b] - s[a], k))
        if worst <= PIECE_TOL or g.length / n <= MIN_PIECE:
            return pieces
        n *= 2


def _segments(
    odr: OpenDriveNetwork, road: OdrRoad, offset: float, notes: list[str]
) -> list[Segment]:
    """sim segments of the parallel curve ``offset`` metres to the right of the reference."""
    out = []
    curves: dict[str, int] = {}
    for g in road.geometries:
        if g.kind == "line":
            pieces = [(g.length, 0.0)]
        elif g.kind == "arc":
            pieces = [(g.length, g.params[0])]
        else:
            pieces = _curve_pieces(odr, road, g, offset)
            curves[g.kind] = curves.get(g.kind, 0) + 1
        for length, k in pieces:
            scale = 1.0 + k * offset  # offset > 0 is to the right: radius grows on a left turn
            if scale <= 0.0:
                raise OpenDriveError(
                    f"road {road.id!r}: curvature {k:g} at s={g.s:g} is tighter than the "
                    "right lanes are wide"
                )
            out.append(Segment(length * scale, k / scale))
        if len(out) > MAX_PIECES:
            raise OpenDriveError(f"road {road.id!r}: more than {MAX_PIECES} arcs")
    if curves:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(curves.items()))
        notes.append(f"approximated by arcs: {kinds} geometries")
    return out


def _max_error(odr: OpenDriveNetwork, road: OdrRoad, sim_road: Road, offset: float) -> float:
    """Largest distance between sim's reference line and the exact offset curve (plan view),
    each metre."""
    end = road.geometries[-1].s + road.geometries[-1].length  # the plan view's own length
    s = np.linspace(0.0, end, max(2, int(math.ceil(end)) + 1))
    exact, _ = _flat_offset(odr, road.id, s, offset)
    s_sim, _ = sim_road.to_lane(exact[:, 0], exact[:, 1])
    x, y, _ = sim_road.to_world(s_sim, 0.0)
    return float(np.max(np.hypot(x - exact[:, 0], y - exact[:, 1])))


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
    lane_offset = 0.0
    if road.lane_offsets:
        if any(abs(p.b) + abs(p.c) + abs(p.d) > 0.0 for p in road.lane_offsets) or any(
            abs(p.a - road.lane_offsets[0].a) > WIDTH_TOL for p in road.lane_offsets
        ):
            raise OpenDriveError(
                f"road {road_id!r}: a laneOffset that varies along s cannot become a sim road"
            )
        lane_offset = road.lane_offsets[0].a
        if road.lane_offsets[0].s > 0.0 and abs(lane_offset) > 0.0:
            raise OpenDriveError(f"road {road_id!r}: a laneOffset that starts at s > 0")
        if lane_offset:
            notes.append(f"laneOffset {lane_offset:g} m: the lanes shifted sideways (exact)")
    layouts = set()
    widths: list[np.ndarray] = []
    plan_end = road.geometries[-1].s + road.geometries[-1].length
    ends = [sec.s for sec in road.lane_sections[1:]] + [plan_end]
    for sec, s1 in zip(road.lane_sections, ends, strict=True):
        right, w_right = _side(sec, s1, sec.right, "right")
        left, w_left = _side(sec, s1, sec.left, "left")
        layouts.add((right, left))
        widths += w_right + w_left
    if len(layouts) != 1:
        raise OpenDriveError(f"road {road_id!r}: the driving lanes change between sections")
    right, left = layouts.pop()
    if right < 1:
        raise OpenDriveError(f"road {road_id!r}: no driving lane right of the centre line")
    every = np.concatenate(widths)
    width = float(np.mean(every))
    spread = float(np.max(np.abs(every - width)))
    if spread > WIDTH_SLACK:
        raise OpenDriveError(
            f"road {road_id!r}: driving lane widths from {every.min():g} to {every.max():g} m "
            f"(sim lanes share one width; at most {WIDTH_SLACK:g} m off their mean)"
        )
    if spread > WIDTH_TOL:
        notes.append(f"lane width: the mean {width:.3f} m (the file's widths differ by up to "
                     f"{spread:.3f} m from it)")  # fmt: skip
    else:
        width = float(every[0])
    first = road.lane_sections[0]
    outside = [lane for lane in first.right[right:]]
    shoulder = sum(
        _constant_width(la) or 0.0 for la in outside if la.type in ("shoulder", "border")
    )
    sidewalk = sum(_constant_width(la) or 0.0 for la in outside if la.type == "sidewalk")
    speed = next((v for _, _, v in road.types if v is not None), None)
    if speed is None:
        speed = next((la.speed for la in first.right if la.speed is not None), DEFAULT_SPEED)
    offset = right * width - lane_offset  # sim's reference line, this far right of the file's
    g0 = road.geometries[0]
    origin = (g0.x + offset * math.sin(g0.hdg), g0.y - offset * math.cos(g0.hdg), g0.hdg)
    sim_road = Road(
        lanes=right,
        oncoming_lanes=left,
        lane_width=width,
        segments=tuple(_segments(odr_net, road, offset, notes)),
        shoulder_width=shoulder,
        sidewalk_width=sidewalk,
        speed_limit=float(speed),
        origin=origin,
    )
    error = _max_error(odr_net, road, sim_road, offset)
    if error > MAX_LATERAL_ERROR:
        raise OpenDriveError(
            f"road {road_id!r}: its arcs stay up to {error:.3f} m off the exact reference line "
            f"(at most {MAX_LATERAL_ERROR:g} m)"
        )
    if any("approximated" in n for n in notes):
        notes.append(f"reference line within {error:.1e} m of the exact one (sampled each metre)")
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
    return BridgedRoad(
        Network(sim_road), odr_net, road_id, tuple(notes), right, left, lane_offset, error
    )
