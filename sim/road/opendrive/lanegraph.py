"""An OpenDRIVE map as sim's lane graph (:class:`sim.road.graph.GraphNetwork`).

Every lane section of every road becomes up to two one-way sim roads ("pieces"): its right
driving lanes (running towards +s, right-hand traffic) and its left driving lanes (running
towards -s, so that piece starts at the section's high-s end). A piece's lanes are the
contiguous drivable lanes counted from the centre outwards (types in ``DRIVABLE``); sim
lane 0 is the outermost of them (the rightmost in the travel direction).

Geometry: a piece's lanes share one width, the mean of the file's widths over the section.
Its reference line is fitted to the exact curve ``n w / 2`` outside the middle of the lane
group (n lanes of mean width w): with constant widths that is the outer edge of the
outermost lane, and with widths that vary the lane centres stay as close to the file's as
one width allows (exact for a single lane). Lines and arcs at a constant offset become
straights and parallel arcs (exact); everything else becomes arcs that turn by the exact
heading change of the offset curve over each piece, halved until they stay within 1 mm of
it (the bridge's scheme, :mod:`.bridge`). The largest deviation is measured and noted; a
piece farther off than ``MAX_DEVIATION`` is dropped.

Links: lane predecessor/successor records between sections, road links (with contact
points) and junction laneLinks, each turned into a :class:`LaneLink` from the piece that
ends at the joint to the piece that starts there. A link whose lane centres do not meet
within ``CONTINUITY_TOL`` is dropped with a note. Signals and priorities:
:mod:`.lanegraph_signals`. Positions: :func:`odr_to_graph`, :func:`world_to_graph`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.road.graph import CONTINUITY_TOL, GraphNetwork, LaneLink, classify_turn
from sim.road.opendrive.bridge import CURVE_PIECE, MAX_PIECES, MIN_PIECE, PIECE_TOL, _wrap
from sim.road.opendrive.lanegraph_signals import priority_table, signal_tables
from sim.road.opendrive.network import OpenDriveNetwork, _end_towards, load_opendrive
from sim.road.opendrive.parse import Lane, LaneSection, Poly
from sim.road.opendrive.parse import Road as OdrRoad
from sim.road.opendrive.xml import OpenDriveError
from sim.road.road import Road, Segment

DRIVABLE = (
    "driving", "entry", "exit", "onRamp", "offRamp", "connectingRamp", "bidirectional",
    "mwyEntry", "mwyExit", "slipLane",
)  # fmt: skip
"""Lane types that become sim lanes (bidirectional: driven one way, by its side)."""
MIN_WIDTH = 1.5  # [m] a lane narrower than this on average cannot be driven: dropped
WIDTH_NOTE = 0.3  # [m] widths farther than this from the piece's mean width are noted
MAX_DEVIATION = 0.05  # [m] a piece whose arcs stay farther off the exact curve is dropped
MIN_SECTION = 0.05  # [m] shorter lane sections are dropped
JUNCTION_SPEED = 13.9  # [m/s] no <type><speed>: junction roads and 'town' roads (50 km/h)
RURAL_SPEED = 27.8  # [m/s] no <type><speed>: other roads (100 km/h)
SAMPLE = 0.5  # [m] width sampling for the mean width
_POLY_CACHE: dict[int, tuple] = {}  # id(poly records) -> (records, starts, coefficients)
INSIDE = 1e-7  # [m] interval ends are evaluated this far inside
VARY_SPLIT = 0.5  # [m] a lane whose width varies more than this along s is a piece alone


@dataclass(frozen=True, eq=False)
class Piece:
    """Where a sim road of the graph comes from: one side of one lane section."""

    road_id: str
    section: int
    side: str  # 'right' (runs towards +s) | 'left' (runs towards -s)
    s_start: float  # [m] the section's start on the OpenDRIVE road (low s)
    s_end: float  # [m] its end (high s)
    lane_ids: tuple[int, ...]
    """OpenDRIVE lane ids in sim lane order (sim lane 0 = the outermost)."""
    odr_s: np.ndarray  # knots: OpenDRIVE s (increasing) ...
    sim_s: np.ndarray  # ... and the sim s there (arc length along the fitted line)
    deviation: float = 0.0  # [m] largest distance of the fitted line from the exact curve
    center_error: float = 0.0  # [m] largest sim lane centre vs file lane centre (widths)

    def sim_lane(self, lane_id: int) -> int:
        return self.lane_ids.index(lane_id)


# ---------------------------------------------------------------------------- lanes
def _poly_eval(polys: tuple[Poly, ...], u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Piecewise cubic value and derivative at u (u measured like the records' s)."""
    if not polys:
        return np.zeros_like(u), np.zeros_like(u)
    if len(polys) == 1:
        p = polys[0]
        du = u - p.s
        return p.a + du * (p.b + du * (p.c + du * p.d)), p.b + du * (2.0 * p.c + 3.0 * du * p.d)
    cached = _POLY_CACHE.get(id(polys))
    if cached is None:
        starts = np.array([p.s for p in polys])
        cached = (polys, starts, np.array([(p.a, p.b, p.c, p.d) for p in polys]))
        _POLY_CACHE[id(polys)] = cached  # keeps polys alive: ids stay unique
    _, starts, co = cached
    i = np.clip(np.searchsorted(starts, u, side="right") - 1, 0, len(polys) - 1)
    co = co[i]
    du = u - starts[i]
    val = co[:, 0] + du * (co[:, 1] + du * (co[:, 2] + du * co[:, 3]))
    der = co[:, 1] + du * (2.0 * co[:, 2] + 3.0 * du * co[:, 3])
    return val, der


def _borders(road: OdrRoad, sec: LaneSection, side: tuple[Lane, ...], sign: float, s):
    """Plan-view t and dt/ds of the centre lane and each lane's outer border of ``side``
    (lanes of one side, from the centre out) at s: lists of len(side) + 1 arrays (0: the
    centre). With superelevation phi(s) a border at t lies t cos(phi) beside the reference
    line in the plan view (as OpenDriveNetwork.to_world has it)."""
    ts, ds = _borders_in_plane(road, sec, side, sign, s)
    if not road.superelevation:
        return ts, ds
    phi, dphi = _poly_eval(road.superelevation, s)
    c, sn = np.cos(phi), np.sin(phi)
    return [t * c for t in ts], [d * c - t * sn * dphi for t, d in zip(ts, ds, strict=True)]


def _borders_in_plane(road: OdrRoad, sec: LaneSection, side, sign: float, s):
    t0, d0 = _poly_eval(road.lane_offsets, s)
    ts, ds = [t0], [d0]
    u = s - sec.s
    for lane in side:
        if lane.widths:
            w, dw = _poly_eval(lane.widths, u)
            ts.append(ts[-1] + sign * w)
            ds.append(ds[-1] + sign * dw)
        else:
            b, db = _poly_eval(lane.borders, u)
            ts.append(t0 + b)
            ds.append(d0 + db)
    return ts, ds


def _runs(side: tuple[Lane, ...], widths: list[np.ndarray], where: str, notes: list[str]):
    """The drivable lanes of one side as runs of side indices (centre outwards), each run a
    piece: contiguous lanes of near-constant width together; a lane whose width varies by
    more than ``VARY_SPLIT`` along the section alone (so that its centre stays exact); lanes
    narrower than ``MIN_WIDTH`` on average, and other lane types, end a run."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, lane in enumerate(side):
        w = widths[i]
        mean = float(np.mean(w))
        if lane.type not in DRIVABLE or mean < MIN_WIDTH:
            if lane.type in DRIVABLE:
                notes.append(f"{where}: lane {lane.id} dropped (mean width {mean:.2f} m < "
                             f"{MIN_WIDTH} m)")  # fmt: skip
            runs.append(current)
            current = []
        elif float(np.ptp(w)) > VARY_SPLIT:
            runs += [current, [i]]
            current = []
        else:
            current.append(i)
    runs.append(current)
    return [r for r in runs if r]


# ---------------------------------------------------------------------------- geometry
def _curve(odr: OpenDriveNetwork, road: OdrRoad, s: np.ndarray, t_fn, lo: float, hi: float):
    """Points, headings and speeds |dP/ds| of the curve at t = t_fn(s) (plan view), as
    seen from inside [lo, hi] (the ends 1e-7 m in: at a geometry's or width record's end
    the curvature and dt/ds of the next one would apply)."""
    s = np.clip(s, lo + INSIDE, hi - INSIDE)
    ref = odr.reference_pose(road.id, s)
    t, dt = t_fn(s)
    h, k = ref[:, 2], ref[:, 3]
    x = ref[:, 0] - t * np.sin(h)
    y = ref[:, 1] + t * np.cos(h)
    stretch = 1.0 - k * t
    if np.any(stretch <= 0.0):
        raise OpenDriveError(f"road {road.id!r}: curvature tighter than the lanes are wide")
    heading = h + np.arctan2(dt, stretch)
    return x, y, heading, np.hypot(stretch, dt)


def _fit_interval(odr, road, geometry, a: float, b: float, t_fn, h_in: float | None):
    """(OpenDRIVE ds, sim length, curvature) arcs for the curve over [a, b] of one geometry,
    and the heading they end on. ``h_in``: the heading the arcs before ended on (None at a
    piece's start); a kink of the exact curve at ``a`` (where the reference line's
    curvature jumps while the offset varies) is turned through over the first arc."""
    probe = np.linspace(a + INSIDE, b - INSIDE, 9)
    t, dt = t_fn(probe) if geometry.kind in ("line", "arc") else (probe, probe)
    if geometry.kind in ("line", "arc") and np.ptp(t) < 1e-12 and np.max(np.abs(dt)) < 1e-12:
        k = geometry.params[0] if geometry.kind == "arc" else 0.0
        scale = 1.0 - k * float(t[0])
        if scale <= 0.0:
            raise OpenDriveError(f"road {road.id!r}: an arc tighter than the lanes are wide")
        h0 = float(_curve(odr, road, np.array([a]), t_fn, a, b)[2][0])
        if h_in is None or abs(_wrap(h0 - h_in)) < 1e-12:
            return [(b - a, (b - a) * scale, k / scale)], h0 + (b - a) * k
    n = max(1, math.ceil((b - a) / CURVE_PIECE))
    while True:
        if n > MAX_PIECES:
            raise OpenDriveError(f"road {road.id!r}: more than {MAX_PIECES} arcs at s={a:g}")
        s = np.linspace(a, b, 2 * n + 1)
        x, y, hd, speed = _curve(odr, road, s, t_fn, a, b)
        ds = s[2::2] - s[:-2:2]
        length = ds * (speed[:-2:2] + 4.0 * speed[1:-1:2] + speed[2::2]) / 6.0  # Simpson
        h0 = hd[:-2:2].copy()  # each arc starts on the exact heading ...
        h0[0] = hd[0] if h_in is None else h_in  # ... the first on the arcs' before
        turn = np.angle(np.exp(1j * (hd[2::2] - h0)))  # wrapped to (-pi, pi]
        # chords of the whole arcs and of their first halves (sinc: stable for straights)
        full = length * np.sinc(turn / (2.0 * math.pi)) * np.exp(1j * (h0 + 0.5 * turn))
        half = 0.5 * length * np.sinc(turn / (4.0 * math.pi)) * np.exp(1j * (h0 + 0.25 * turn))
        ends = (x[0] + 1j * y[0]) + np.cumsum(full)
        mids = np.concatenate([[x[0] + 1j * y[0]], ends[:-1]]) + half
        worst = max(
            float(np.max(np.abs(ends - (x[2::2] + 1j * y[2::2])))),
            float(np.max(np.abs(mids - (x[1:-1:2] + 1j * y[1:-1:2])))),
        )
        out = list(zip(ds.tolist(), length.tolist(), (turn / length).tolist(), strict=True))
        ph = float(h0[-1] + turn[-1])
        if worst <= PIECE_TOL or (b - a) / n <= MIN_PIECE:
            return out, ph
        # an arc's error grows with the cube of its length: aim at the tolerance at once
        n = max(2 * n, math.ceil(1.2 * n * (worst / PIECE_TOL) ** (1.0 / 3.0)))
        n = min(n, max(1, math.ceil((b - a) / MIN_PIECE)))


def _fit(odr, road: OdrRoad, s0: float, s1: float, breaks: list[float], t_fn, forward: bool):
    """A sim Road's segments and origin for the curve t_fn over [s0, s1] (travel towards +s
    if ``forward``), the knots (OpenDRIVE s, sim s) and the largest deviation [m]."""
    cuts = sorted({s0, s1, *(b for b in breaks if s0 + 1e-6 < b < s1 - 1e-6)})
    arcs = []
    starts = [g.s for g in road.geometries]
    heading = None
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        g = road.geometries[max(0, int(np.searchsorted(starts, a + 1e-9, side="right")) - 1)]
        more, heading = _fit_interval(odr, road, g, a, b, t_fn, heading)
        arcs += more
        if len(arcs) > MAX_PIECES:
            raise OpenDriveError(f"road {road.id!r}: more than {MAX_PIECES} arcs")
    ends = np.array([s0, s1])
    x, y, hd, _ = _curve(odr, road, ends, t_fn, s0, s1)
    odr_s = np.concatenate([[s0], s0 + np.cumsum([d for d, _, _ in arcs])])
    lengths = np.array([ln for _, ln, _ in arcs])
    if forward:
        segs = tuple(Segment(ln, k) for _, ln, k in arcs)
        origin = (float(x[0]), float(y[0]), float(hd[0]))
        sim_s = np.concatenate([[0.0], np.cumsum(lengths)])
    else:
        segs = tuple(Segment(ln, -k) for _, ln, k in reversed(arcs))
        origin = (float(x[1]), float(y[1]), float(hd[1]) + math.pi)
        sim_s = float(lengths.sum()) - np.concatenate([[0.0], np.cumsum(lengths)])
    return segs, origin, odr_s, sim_s


def _deviation(odr, road, rd: Road, s0: float, s1: float, t_fn, odr_s, sim_s) -> float:
    """Largest distance between the sim road's reference line and the exact curve: each
    metre (by the knots' s) and at both ends."""
    s = np.linspace(s0, s1, max(2, int(math.ceil(s1 - s0)) + 1))
    x, y, _, _ = _curve(odr, road, s, t_fn, s0, s1)
    order = np.argsort(odr_s)
    hint = np.interp(s, odr_s[order], sim_s[order])
    sx, sy, _ = rd.to_world(hint, 0.0)
    along = np.hypot(sx - x, sy - y)
    return float(max(along[0], along[-1], np.max(along)))


# ---------------------------------------------------------------------------- pieces
def _speed(road: OdrRoad, s: float, group: list[Lane]) -> float:
    rec = [r for r in road.types if r[0] <= s + 1e-6] or list(road.types[:1])
    if rec and rec[-1][2] is not None:
        return float(rec[-1][2])
    lane_speeds = [la.speed for la in group if la.speed is not None]
    if lane_speeds:
        return float(min(lane_speeds))
    town = road.junction != "-1" or (rec and rec[-1][1] in ("town", "lowSpeed", "pedestrian"))
    return JUNCTION_SPEED if town else RURAL_SPEED


def _make_piece(odr, road: OdrRoad, k: int, sec: LaneSection, s1: float, side_name: str,
                run: list[int], ts, widths, where: str, notes):  # fmt: skip
    """One piece: the lanes ``run`` (side indices, centre outwards) of one side."""
    side = sec.right if side_name == "right" else sec.left
    sign = -1.0 if side_name == "right" else 1.0
    first, end = run[0], run[-1] + 1
    n = end - first
    every = np.concatenate(widths[first:end])
    w = float(np.mean(every))
    if float(np.max(np.abs(every - w))) > WIDTH_NOTE:
        notes.append(f"{where}: lane widths {every.min():.2f}..{every.max():.2f} m, "
                     f"sim uses their mean {w:.2f} m")  # fmt: skip

    def t_fn(q):
        bt, bd = _borders(road, sec, side[:end], sign, np.atleast_1d(q))
        mid = 0.5 * (bt[first] + bt[end])
        dmid = 0.5 * (bd[first] + bd[end])
        return mid + sign * 0.5 * n * w, dmid

    breaks = [g.s for g in road.geometries] + [p.s for p in road.lane_offsets]
    breaks += [sec.s + p.s for la in side[first:end] for p in la.widths + la.borders]
    forward = side_name == "right"
    segs, origin, odr_s, sim_s = _fit(odr, road, sec.s, s1, breaks, t_fn, forward)
    group = list(side[first:end])
    rd = Road(lanes=n, lane_width=w, segments=segs, shoulder_width=0.0, sidewalk_width=0.0,
              speed_limit=_speed(road, sec.s, group), origin=origin)  # fmt: skip
    dev = _deviation(odr, road, rd, sec.s, s1, t_fn, odr_s, sim_s)
    if dev > MAX_DEVIATION:
        notes.append(f"{where}: dropped, its arcs stay up to {dev:.3f} m off the exact curve")
        return None
    s = np.linspace(sec.s, s1, len(ts[0]))
    ref = t_fn(s)[0]
    center = 0.0
    for j in range(n):  # sim lane j (0 = outermost) is side lane end-1-j
        i = end - 1 - j
        true = 0.5 * (ts[i] + ts[i + 1])
        center = max(center, float(np.max(np.abs(ref - sign * (j + 0.5) * w - true))))
    ids = tuple(side[end - 1 - j].id for j in range(n))
    return Piece(road.id, k, side_name, sec.s, s1, ids, odr_s, sim_s, dev, center), rd


def _pieces(odr: OpenDriveNetwork, notes: list[str]):
    pieces: list[Piece] = []
    roads: list[Road] = []
    names: list[str] = []
    for road in odr.odr.roads:
        if road.rule == "LHT":
            notes.append(f"road {road.id!r}: left-hand traffic is not supported, dropped")
            continue
        ends = [sec.s for sec in road.lane_sections[1:]] + [road.length]
        for k, (sec, s1) in enumerate(zip(road.lane_sections, ends, strict=True)):
            if s1 - sec.s < MIN_SECTION:
                notes.append(f"road {road.id!r} section {k}: shorter than {MIN_SECTION} m, "
                             "dropped")  # fmt: skip
                continue
            for side_name in ("right", "left"):
                side = sec.right if side_name == "right" else sec.left
                sign = -1.0 if side_name == "right" else 1.0
                where = f"road {road.id!r} section {k} {side_name}"
                s = np.linspace(sec.s, s1, max(2, int(math.ceil((s1 - sec.s) / SAMPLE)) + 1))
                ts, _ = _borders(road, sec, side, sign, s)
                widths = [np.abs(ts[i + 1] - ts[i]) for i in range(len(side))]
                runs = _runs(side, widths, where, notes)
                for run in runs:
                    try:
                        made = _make_piece(
                            odr, road, k, sec, s1, side_name, run, ts, widths, where, notes
                        )
                    except OpenDriveError as exc:
                        notes.append(f"{where}: dropped ({exc})")
                        continue
                    if made is None:
                        continue
                    name = f"road {road.id} s{k} {side_name}"
                    if len(runs) > 1:
                        name += " lanes " + ",".join(str(side[i].id) for i in run)
                    pieces.append(made[0])
                    roads.append(made[1])
                    names.append(name)
    return pieces, roads, names


# ---------------------------------------------------------------------------- links
def _joints(odr: OpenDriveNetwork) -> set[tuple[tuple, tuple]]:
    """Lane joints ((road, section index, lane, 'start'|'end' of the section), same)."""
    out: set[tuple[tuple, tuple]] = set()
    roads = {r.id: r for r in odr.odr.roads}

    def at(road: OdrRoad, end: str) -> tuple[int, LaneSection]:
        k = len(road.lane_sections) - 1 if end == "end" else 0
        return k, road.lane_sections[k]

    def add(a, b):
        out.add((a, b) if a <= b else (b, a))

    for road in roads.values():
        secs = road.lane_sections
        for k in range(len(secs) - 1):
            a, b = secs[k], secs[k + 1]
            for la in a.left + a.right:
                ids = set(la.successors)
                ids |= {lb.id for lb in b.left + b.right if la.id in lb.predecessors}
                if (
                    not ids
                    and b.lane(la.id) is not None
                    and not any(lb.predecessors for lb in b.left + b.right)
                ):
                    ids = {la.id}  # no lane links at all: same id
                for i in ids:
                    add((road.id, k, la.id, "end"), (road.id, k + 1, i, "start"))
        for end, link in (("start", road.predecessor), ("end", road.successor)):
            if link is None or link.element_type != "road" or link.element_id not in roads:
                continue
            other = roads[link.element_id]
            cp = link.contact_point or "start"
            k, sec = at(road, end)
            k2, _ = at(other, cp)
            for la in sec.left + sec.right:
                for i in la.successors if end == "end" else la.predecessors:
                    add((road.id, k, la.id, end), (other.id, k2, i, cp))
    for j in odr.odr.junctions:
        for c in j.connections:
            if c.incoming_road not in roads or c.connecting_road not in roads:
                continue
            inc, con = roads[c.incoming_road], roads[c.connecting_road]
            end = _end_towards(inc, "junction", j.id)
            k, _s1 = at(inc, end)
            k2, _s2 = at(con, c.contact_point)
            for lane_from, lane_to in c.lane_links:
                add((inc.id, k, lane_from, end), (con.id, k2, lane_to, c.contact_point))
    return out


def _odr_centre(odr, pieces, r: int, joint) -> tuple[float, float]:
    """World (x, y) of the file's lane centre at a joint (just inside its section)."""
    road_id, _, lane_id, end = joint
    p = pieces[r]
    s = p.s_end - INSIDE if end == "end" else p.s_start + INSIDE
    t = odr.lane_center(road_id, lane_id, [s])
    xy = odr.to_world(road_id, [s], t)[0]
    return float(xy[0]), float(xy[1])


def _links(odr, pieces: list[Piece], roads: list[Road], junction_of, notes) -> list[LaneLink]:
    where = {(p.road_id, p.section, i): r for r, p in enumerate(pieces) for i in p.lane_ids}

    def resolve(joint):
        road_id, k, lane_id, end = joint
        side = "right" if lane_id < 0 else "left"
        i = where.get((road_id, k, lane_id))
        if i is None:
            return None
        exit_ = (end == "end") == (side == "right")
        return i, pieces[i].sim_lane(lane_id), exit_

    def centre(r, lane, s):
        x, y, _ = roads[r].to_world([s], [roads[r].lane_center(lane)])
        return float(x[0]), float(y[0])

    def turn(r):
        rd = roads[r]
        h_end = rd.origin[2] + sum(seg.length * seg.curvature for seg in rd.segments)
        return classify_turn(rd.origin[2], h_end)

    out: list[LaneLink] = []
    bad = 0
    gaps: list[str] = []
    for a, b in sorted(_joints(odr)):
        ra, rb = resolve(a), resolve(b)
        if ra is None or rb is None:
            continue  # a lane that is not drivable (or a dropped piece)
        if ra[2] == rb[2]:
            bad += 1
            continue
        (fr, fl, _), (tr, tl, _) = (ra, rb) if ra[2] else (rb, ra)
        xa, ya = centre(fr, fl, roads[fr].length)
        xb, yb = centre(tr, tl, 0.0)
        gap = math.hypot(xa - xb, ya - yb)
        if gap > CONTINUITY_TOL:
            text = f"{a[0]}:{a[2]}->{b[0]}:{b[2]} ({gap:.2f} m"
            if len(gaps) < 10:  # the ones the note lists: how far apart the file has them
                ca, cb = _odr_centre(odr, pieces, ra[0], a), _odr_centre(odr, pieces, rb[0], b)
                text += f"; in the file {math.dist(ca, cb):.2f} m"
            gaps.append(text + ")")
            continue
        if junction_of[tr] is not None:
            mv = turn(tr)
        elif junction_of[fr] is not None:
            mv = turn(fr)
        else:
            mv = "straight"
        out.append(LaneLink(fr, fl, tr, tl, mv))
    if bad:
        notes.append(f"{bad} lane links join two lane ends of the same travel sense: ignored")
    if gaps:
        notes.append(f"{len(gaps)} lane links dropped, lane centres more than "
                     f"{CONTINUITY_TOL} m apart: " + ", ".join(gaps[:10]))  # fmt: skip
    return sorted(set(out), key=lambda lk: (lk.road, lk.lane, lk.to_road, lk.to_lane))


# ---------------------------------------------------------------------------- public
def graph_from_opendrive(
    source: OpenDriveNetwork | str | Path,
    *,
    green: float = 15.0,
    amber: float = 3.0,
    all_red: float = 2.0,
) -> GraphNetwork:
    """The map as a :class:`GraphNetwork` (see the module doc). The result also carries
    ``pieces`` (one :class:`Piece` per sim road) and ``notes`` (what was approximated or
    dropped)."""
    odr = source if isinstance(source, OpenDriveNetwork) else load_opendrive(source)
    notes: list[str] = []
    try:
        pieces, roads, names = _pieces(odr, notes)
    finally:
        _POLY_CACHE.clear()
    if not pieces:
        raise OpenDriveError(f"{odr.odr.source or 'the map'}: no drivable lane")
    junction_of = tuple(
        None if odr.road(p.road_id).junction == "-1" else odr.road(p.road_id).junction
        for p in pieces
    )
    links = _links(odr, pieces, roads, junction_of, notes)
    groups, plans, heads, signal_ids = signal_tables(
        odr, pieces, roads, links, junction_of, notes, green, amber, all_red
    )
    priority = priority_table(odr, pieces, links, junction_of)
    dev = max(p.deviation for p in pieces)
    cen = max(p.center_error for p in pieces)
    notes.append(f"{len(pieces)} pieces, {len(links)} lane links; arcs within {dev:.1e} m of "
                 f"the exact curves; lane centres within {cen:.3f} m of the file's")  # fmt: skip
    net = GraphNetwork(
        roads=tuple(roads),
        links=tuple(links),
        junction_of=junction_of,
        names=tuple(names),
        groups=groups,
        plans=plans,
        priority=priority,
        signal_heads=heads,
        signal_ids=signal_ids,
        source=odr,
    )
    net.pieces = tuple(pieces)  # type: ignore[attr-defined]
    net.notes = tuple(notes)  # type: ignore[attr-defined]
    return net


def odr_to_graph(
    net: GraphNetwork, road_id: str, lane_id: int, s: float, offset: float = 0.0
) -> tuple[int, int, float, float]:
    """OpenDRIVE lane position (road, lane, s, ``offset`` [m] from the lane centre along t,
    i.e. left of the reference line) -> (sim road index, sim lane, sim s, sim d)."""
    odr: OpenDriveNetwork = net.source  # type: ignore[assignment]
    pieces: tuple[Piece, ...] = net.pieces  # type: ignore[attr-defined]
    index = getattr(net, "piece_index", None)
    if index is None:
        index = {}
        for i, p in enumerate(pieces):
            for lane in p.lane_ids:
                index.setdefault((p.road_id, lane), []).append(i)
        net.piece_index = index  # type: ignore[attr-defined]
    found = [
        i
        for i in index.get((str(road_id), int(lane_id)), [])
        if pieces[i].s_start - 1e-6 <= s <= pieces[i].s_end + 1e-6
    ]
    if not found:
        raise OpenDriveError(
            f"road {road_id!r} lane {lane_id} at s={s:g}: not a drivable lane of the lane graph"
        )
    # at a section change the later section holds s (as in OpenDriveNetwork's kernels)
    r = max(found, key=lambda i: pieces[i].s_start if pieces[i].s_start <= s else -math.inf)
    p = pieces[r]
    t = float(odr.lane_center(str(road_id), lane_id, [s])[0]) + offset
    xyzh = odr.to_world(str(road_id), [s], [t])[0]
    order = np.argsort(p.odr_s)
    hint = float(np.interp(s, p.odr_s[order], p.sim_s[order]))
    s_sim, d_sim = net.roads[r].to_lane([xyzh[0]], [xyzh[1]], s_hint=[hint], window=20)
    return r, p.sim_lane(lane_id), float(s_sim[0]), float(d_sim[0])


def world_to_graph(net: GraphNetwork, x: float, y: float) -> tuple[int, int, float, float]:
    """World (x, y) on a drivable lane -> (sim road, sim lane, sim s, sim d)."""
    odr: OpenDriveNetwork = net.source  # type: ignore[assignment]
    pos = odr.to_road([x], [y])
    if pos.road[0] < 0 or pos.lane[0] == 0:
        raise OpenDriveError(f"({x:g}, {y:g}) is on no lane of the map")
    road_id = odr.odr.roads[int(pos.road[0])].id
    lane_id = int(pos.lane[0])
    s = float(pos.s[0])
    centre = float(odr.lane_center(road_id, lane_id, [s])[0])
    return odr_to_graph(net, road_id, lane_id, s, float(pos.t[0]) - centre)


__all__ = ["DRIVABLE", "Piece", "graph_from_opendrive", "odr_to_graph", "world_to_graph"]
