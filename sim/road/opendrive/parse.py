"""ASAM OpenDRIVE 1.4-1.8 files -> plain frozen records (:class:`OpenDrive`).

Read: ``header`` (revision, name, bounds, geoReference, offset); per ``road``: length,
junction, rule (RHT/LHT), ``link`` predecessor/successor, ``type`` records with speed,
``planView`` (line, arc, spiral, poly3, paramPoly3 with pRange arcLength|normalized),
``elevationProfile``, ``lateralProfile/superelevation``, ``lanes`` (laneOffset,
laneSection with left/center/right lanes: id, type, level, link, width or border
polynomials, roadMark type/colour/width/weight/laneChange, speed), ``signals`` (signal and
signalReference) and ``objects`` (object, with repeat records kept raw); ``controller``;
``junction`` (type, connection with incomingRoad/connectingRoad/linkedRoad, contactPoint
and laneLinks, priority, controller). Not read (kept out silently would be wrong, so the
docs list them): lateralProfile shape, lane height/material/visibility/access/rule,
roadMark sway and explicit lines, object outlines/markings, railroad, station,
junctionGroup, surface CRG, userData.

Numbers are parsed strictly: a missing required attribute or a value that is not a finite
number is an :class:`OpenDriveError` naming file, line and element.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from sim.road.opendrive.xml import Node, OpenDriveError, parse_xml, read_xml

LANE_TYPES = (
    "none", "driving", "stop", "shoulder", "biking", "sidewalk", "border", "restricted",
    "parking", "bidirectional", "median", "special1", "special2", "special3", "roadWorks",
    "tram", "rail", "entry", "exit", "offRamp", "onRamp", "connectingRamp", "bus", "taxi",
    "HOV", "mwyEntry", "mwyExit", "walking", "slipLane",
)  # fmt: skip
"""OpenDRIVE 1.4-1.8 lane types; the index is the type code the kernels carry."""


@dataclass(frozen=True)
class Poly:
    """a + b ds + c ds^2 + d ds^3 from ``s`` on (s: road s, or sOffset within a section)."""

    s: float
    a: float
    b: float = 0.0
    c: float = 0.0
    d: float = 0.0


@dataclass(frozen=True)
class Geometry:
    s: float
    x: float
    y: float
    hdg: float
    length: float
    kind: str  # line | arc | spiral | poly3 | paramPoly3
    params: tuple[float, ...] = ()
    """arc (k,), spiral (k_start, k_end), poly3 (a, b, c, d), paramPoly3 (aU .. dU, aV .. dV)."""
    normalized: bool = True
    """paramPoly3 pRange: True 'normalized' (p in [0, 1]), False 'arcLength'."""


@dataclass(frozen=True)
class Link:
    element_type: str  # road | junction
    element_id: str
    contact_point: str | None = None  # start | end (roads)


@dataclass(frozen=True)
class RoadMark:
    s_offset: float
    type: str
    color: str = "standard"
    width: float | None = None
    weight: str | None = None
    lane_change: str | None = None


@dataclass(frozen=True)
class Lane:
    id: int
    type: str
    level: bool = False
    predecessors: tuple[int, ...] = ()
    successors: tuple[int, ...] = ()
    widths: tuple[Poly, ...] = ()
    borders: tuple[Poly, ...] = ()
    """outer border t [m] (laneOffset added), used when the lane has no width records."""
    road_marks: tuple[RoadMark, ...] = ()
    speed: float | None = None  # [m/s], the first <speed> record


@dataclass(frozen=True)
class LaneSection:
    s: float
    left: tuple[Lane, ...]  # ids 1, 2, ... (inner to outer)
    center: Lane
    right: tuple[Lane, ...]  # ids -1, -2, ... (inner to outer)
    single_side: bool = False

    def lane(self, lane_id: int) -> Lane | None:
        if lane_id == 0:
            return self.center
        side = self.left if lane_id > 0 else self.right
        return next((lane for lane in side if lane.id == lane_id), None)


@dataclass(frozen=True)
class Signal:
    id: str
    s: float
    t: float
    dynamic: bool
    orientation: str  # + | - | none
    type: str
    subtype: str = "-1"
    country: str | None = None
    name: str | None = None
    z_offset: float = 0.0
    value: float | None = None
    unit: str | None = None
    height: float | None = None
    width: float | None = None
    h_offset: float = 0.0
    valid_lanes: tuple[tuple[int, int], ...] = ()
    reference_of: str | None = None
    """set for a <signalReference>: the id of the signal it repeats."""

    @property
    def is_traffic_light(self) -> bool:
        # 1000001..1000020 are the German (and most OpenDRIVE exporters') light types
        return self.dynamic or self.type.startswith("10000")


@dataclass(frozen=True)
class RoadObject:
    id: str
    s: float
    t: float
    type: str
    name: str | None = None
    z_offset: float = 0.0
    hdg: float = 0.0
    orientation: str = "none"
    length: float | None = None
    width: float | None = None
    height: float | None = None
    radius: float | None = None
    repeats: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class Road:
    id: str
    length: float
    junction: str  # "-1" outside junctions
    geometries: tuple[Geometry, ...]
    lane_sections: tuple[LaneSection, ...]
    name: str | None = None
    rule: str = "RHT"
    predecessor: Link | None = None
    successor: Link | None = None
    lane_offsets: tuple[Poly, ...] = ()
    elevation: tuple[Poly, ...] = ()
    superelevation: tuple[Poly, ...] = ()
    types: tuple[tuple[float, str, float | None], ...] = ()
    """(s, type, max speed [m/s] or None) records."""
    signals: tuple[Signal, ...] = ()
    objects: tuple[RoadObject, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Connection:
    id: str
    incoming_road: str
    connecting_road: str
    contact_point: str
    lane_links: tuple[tuple[int, int], ...]  # (from lane of the incoming road, to lane)


@dataclass(frozen=True)
class Junction:
    id: str
    connections: tuple[Connection, ...]
    name: str | None = None
    type: str = "default"
    priorities: tuple[tuple[str, str], ...] = ()  # (high road id, low road id)
    controllers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Controller:
    id: str
    name: str | None
    signals: tuple[str, ...]


@dataclass(frozen=True)
class Header:
    rev_major: int
    rev_minor: int
    name: str | None = None
    geo_reference: str | None = None
    offset: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # x, y, z, hdg
    bounds: tuple[float, float, float, float] | None = None  # north, south, east, west


@dataclass(frozen=True)
class OpenDrive:
    header: Header
    roads: tuple[Road, ...]
    junctions: tuple[Junction, ...] = ()
    controllers: tuple[Controller, ...] = ()
    source: str = ""
    notes: tuple[str, ...] = field(default=())
    """what was read but is not used (each once), for the import's report."""

    def road(self, road_id: str) -> Road:
        for road in self.roads:
            if road.id == road_id:
                return road
        raise KeyError(road_id)


# ---------------------------------------------------------------------------- reading
class _Reader:
    def __init__(self, display: str) -> None:
        self.display = display
        self.notes: dict[str, None] = {}

    def fail(self, node: Node, message: str) -> OpenDriveError:
        return OpenDriveError(f"<{node.tag}>: {message}", file=self.display, line=node.line)

    def num(self, node: Node, key: str, default: float | None = None) -> float:
        text = node.get(key)
        if text is None or text.strip() == "":
            if default is None:
                raise self.fail(node, f"missing attribute {key!r}")
            return default
        try:
            value = float(text)
        except ValueError:
            raise self.fail(node, f"{key}={text!r}: expected a number") from None
        if not math.isfinite(value):
            raise self.fail(node, f"{key}={text!r}: expected a finite number")
        return value

    def opt(self, node: Node, key: str) -> float | None:
        return None if node.get(key) in (None, "") else self.num(node, key)

    def req(self, node: Node, key: str) -> str:
        text = node.get(key)
        if text is None:
            raise self.fail(node, f"missing attribute {key!r}")
        return text

    def int_(self, node: Node, key: str) -> int:
        value = self.num(node, key)
        if value != int(value):
            raise self.fail(node, f"{key}={node.get(key)!r}: expected an integer")
        return int(value)

    def poly(self, node: Node, s_key: str = "s") -> Poly:
        return Poly(
            self.num(node, s_key),
            self.num(node, "a", 0.0),
            self.num(node, "b", 0.0),
            self.num(node, "c", 0.0),
            self.num(node, "d", 0.0),
        )

    def note(self, text: str) -> None:
        self.notes.setdefault(text, None)

    # ---- pieces
    def geometry(self, node: Node) -> Geometry:
        s, x, y = self.num(node, "s"), self.num(node, "x"), self.num(node, "y")
        hdg, length = self.num(node, "hdg"), self.num(node, "length")
        if length < 0.0:
            raise self.fail(node, f"length={node.get('length')!r}: expected a length >= 0")
        kinds = [c for c in node.children if c.tag in _GEOMETRY_KINDS]
        if len(kinds) != 1:
            raise self.fail(node, "expected exactly one of line, arc, spiral, poly3, paramPoly3")
        g = kinds[0]
        if g.tag == "line":
            return Geometry(s, x, y, hdg, length, "line")
        if g.tag == "arc":
            return Geometry(s, x, y, hdg, length, "arc", (self.num(g, "curvature"),))
        if g.tag == "spiral":
            curvature = (self.num(g, "curvStart"), self.num(g, "curvEnd"))
            return Geometry(s, x, y, hdg, length, "spiral", curvature)
        if g.tag == "poly3":
            params = tuple(self.num(g, k) for k in "abcd")
            return Geometry(s, x, y, hdg, length, "poly3", params)
        keys = ("aU", "bU", "cU", "dU", "aV", "bV", "cV", "dV")
        prange = g.get("pRange", "normalized")
        if prange not in ("normalized", "arcLength"):
            raise self.fail(g, f"pRange={prange!r}: expected 'normalized' or 'arcLength'")
        params = tuple(self.num(g, k) for k in keys)
        return Geometry(s, x, y, hdg, length, "paramPoly3", params, prange == "normalized")

    def link(self, node: Node | None) -> Link | None:
        if node is None:
            return None
        kind = self.req(node, "elementType")
        if kind not in ("road", "junction"):
            raise self.fail(node, f"elementType={kind!r}: expected 'road' or 'junction'")
        return Link(kind, self.req(node, "elementId"), node.get("contactPoint"))

    def lane(self, node: Node) -> Lane:
        lane_id = self.int_(node, "id")
        lane_type = node.get("type", "none") or "none"
        if lane_type not in LANE_TYPES:
            self.note(f"lane type {lane_type!r} read as 'none'")
            lane_type = "none"
        link = node.find("link")
        pred = tuple(self.int_(n, "id") for n in link.findall("predecessor")) if link else ()
        succ = tuple(self.int_(n, "id") for n in link.findall("successor")) if link else ()
        widths = tuple(sorted((self.poly(n, "sOffset") for n in node.findall("width")), key=_s))
        borders = tuple(sorted((self.poly(n, "sOffset") for n in node.findall("border")), key=_s))
        if lane_id != 0 and not widths and not borders:
            raise self.fail(node, f"lane {lane_id} has neither <width> nor <border>")
        marks = []
        for m in node.findall("roadMark"):
            if m.find("type") is not None or m.find("explicit") is not None:
                self.note("roadMark <type>/<explicit> line definitions are not used")
            marks.append(
                RoadMark(
                    self.num(m, "sOffset", 0.0),
                    m.get("type", "none") or "none",
                    m.get("color", "standard") or "standard",
                    self.opt(m, "width"),
                    m.get("weight"),
                    m.get("laneChange"),
                )
            )
        speed_node = node.find("speed")
        speed = None
        if speed_node is not None:
            speed = self.num(speed_node, "max") * _speed_unit(speed_node.get("unit"))
        for tag in ("height", "material", "visibility", "access", "rule"):
            if node.find(tag) is not None:
                self.note(f"lane <{tag}> records are not used")
        return Lane(
            lane_id,
            lane_type,
            node.get("level") in ("true", "1"),
            pred,
            succ,
            widths,
            borders,
            tuple(sorted(marks, key=lambda m: m.s_offset)),
            speed,
        )

    def section(self, node: Node) -> LaneSection:
        sides: dict[str, list[Lane]] = {"left": [], "center": [], "right": []}
        for side in sides:
            group = node.find(side)
            if group is not None:
                sides[side] = [self.lane(n) for n in group.findall("lane")]
        if len(sides["center"]) != 1 or sides["center"][0].id != 0:
            raise self.fail(node, "expected one <center> lane with id 0")
        left = sorted(sides["left"], key=lambda lane: lane.id)
        right = sorted(sides["right"], key=lambda lane: -lane.id)
        if [lane.id for lane in left] != list(range(1, len(left) + 1)) or [
            lane.id for lane in right
        ] != list(range(-1, -len(right) - 1, -1)):
            raise self.fail(node, "left lanes must be 1, 2, ... and right lanes -1, -2, ...")
        single = node.get("singleSide") in ("true", "1")
        return LaneSection(
            self.num(node, "s"), tuple(left), sides["center"][0], tuple(right), single
        )

    def signal(self, node: Node) -> Signal:
        valid = tuple(
            (self.int_(v, "fromLane"), self.int_(v, "toLane")) for v in node.findall("validity")
        )
        return Signal(
            id=self.req(node, "id"),
            s=self.num(node, "s"),
            t=self.num(node, "t"),
            dynamic=node.get("dynamic", "no") in ("yes", "true"),
            orientation=node.get("orientation", "none") or "none",
            type=node.get("type", "-1") or "-1",
            subtype=node.get("subtype", "-1") or "-1",
            country=node.get("country"),
            name=node.get("name"),
            z_offset=self.num(node, "zOffset", 0.0),
            value=self.opt(node, "value"),
            unit=node.get("unit"),
            height=self.opt(node, "height"),
            width=self.opt(node, "width"),
            h_offset=self.num(node, "hOffset", 0.0),
            valid_lanes=valid,
        )

    def obj(self, node: Node) -> RoadObject:
        if node.find("outlines") is not None or node.find("outline") is not None:
            self.note("object outlines are not used (objects keep their box or radius)")
        return RoadObject(
            id=self.req(node, "id"),
            s=self.num(node, "s"),
            t=self.num(node, "t"),
            type=node.get("type", "none") or "none",
            name=node.get("name"),
            z_offset=self.num(node, "zOffset", 0.0),
            hdg=self.num(node, "hdg", 0.0),
            orientation=node.get("orientation", "none") or "none",
            length=self.opt(node, "length"),
            width=self.opt(node, "width"),
            height=self.opt(node, "height"),
            radius=self.opt(node, "radius"),
            repeats=tuple(dict(r.attrib) for r in node.findall("repeat")),
        )

    def road(self, node: Node) -> Road:
        road_id = self.req(node, "id")
        plan = node.find("planView")
        if plan is None:
            raise self.fail(node, f"road {road_id!r} has no <planView>")
        every = [self.geometry(g) for g in plan.findall("geometry")]
        # exporters write zero-length pieces at joints; they cover no s
        geoms = tuple(sorted((g for g in every if g.length > 0.0), key=_s))
        if len(geoms) < len(every):
            self.note("zero-length <geometry> records are skipped")
        if not geoms:
            raise self.fail(plan, f"road {road_id!r} has no <geometry>")
        lanes = node.find("lanes")
        if lanes is None:
            raise self.fail(node, f"road {road_id!r} has no <lanes>")
        sections = tuple(sorted((self.section(n) for n in lanes.findall("laneSection")), key=_s))
        if not sections:
            raise self.fail(lanes, f"road {road_id!r} has no <laneSection>")
        link = node.find("link")
        types = []
        for t in node.findall("type"):
            sp = t.find("speed")
            speed = None
            if sp is not None and sp.get("max") not in (None, "no limit", "undefined"):
                speed = self.num(sp, "max") * _speed_unit(sp.get("unit"))
            types.append((self.num(t, "s"), t.get("type", "unknown") or "unknown", speed))
        elevation = node.find("elevationProfile")
        lateral = node.find("lateralProfile")
        if lateral is not None and lateral.find("shape") is not None:
            self.note("lateralProfile <shape> is not used (the cross-section is flat)")
        signals_node = node.find("signals")
        signals: list[Signal] = []
        if signals_node is not None:
            signals = [self.signal(n) for n in signals_node.findall("signal")]
            for ref in signals_node.findall("signalReference"):
                signals.append(
                    Signal(
                        id=self.req(ref, "id"),
                        s=self.num(ref, "s"),
                        t=self.num(ref, "t"),
                        dynamic=False,
                        orientation=ref.get("orientation", "none") or "none",
                        type="reference",
                        reference_of=self.req(ref, "id"),
                    )
                )
        objects_node = node.find("objects")
        objects = [self.obj(n) for n in objects_node.findall("object")] if objects_node else []
        length = self.num(node, "length")
        if length <= 0.0:
            raise self.fail(node, f"road {road_id!r}: length must be positive")
        return Road(
            id=road_id,
            length=length,
            junction=node.get("junction", "-1") or "-1",
            geometries=geoms,
            lane_sections=sections,
            name=node.get("name"),
            rule=node.get("rule", "RHT") or "RHT",
            predecessor=self.link(link.find("predecessor")) if link else None,
            successor=self.link(link.find("successor")) if link else None,
            lane_offsets=tuple(sorted((self.poly(n) for n in lanes.findall("laneOffset")), key=_s)),
            elevation=tuple(sorted((self.poly(n) for n in elevation.findall("elevation")), key=_s))
            if elevation is not None
            else (),
            superelevation=tuple(
                sorted((self.poly(n) for n in lateral.findall("superelevation")), key=_s)
            )
            if lateral is not None
            else (),
            types=tuple(types),
            signals=tuple(signals),
            objects=tuple(objects),
            line=node.line,
        )

    def junction(self, node: Node) -> Junction:
        connections = []
        for index, c in enumerate(node.findall("connection")):
            links = tuple((self.int_(n, "from"), self.int_(n, "to")) for n in c.findall("laneLink"))
            connecting = c.get("connectingRoad") or c.get("linkedRoad")  # linkedRoad: direct
            if connecting is None:
                raise self.fail(c, "missing attribute 'connectingRoad'")
            connections.append(
                Connection(
                    c.get("id") or str(index),
                    self.req(c, "incomingRoad"),
                    connecting,
                    c.get("contactPoint", "start") or "start",
                    links,
                )
            )
        return Junction(
            id=self.req(node, "id"),
            connections=tuple(connections),
            name=node.get("name"),
            type=node.get("type", "default") or "default",
            priorities=tuple(
                (self.req(p, "high"), self.req(p, "low")) for p in node.findall("priority")
            ),
            controllers=tuple(self.req(n, "id") for n in node.findall("controller")),
        )

    def document(self, root: Node) -> OpenDrive:
        if root.tag != "OpenDRIVE":
            raise self.fail(root, "the root element must be <OpenDRIVE>")
        head = root.find("header")
        if head is None:
            raise self.fail(root, "no <header>")
        major, minor = self.int_(head, "revMajor"), self.int_(head, "revMinor")
        if major != 1 or not 1 <= minor <= 8:
            self.note(f"OpenDRIVE {major}.{minor} read as 1.8")
        geo = head.find("geoReference")
        off = head.find("offset")
        offset = (0.0, 0.0, 0.0, 0.0)
        if off is not None:
            offset = tuple(self.num(off, k, 0.0) for k in ("x", "y", "z", "hdg"))  # type: ignore[assignment]
        bounds = None
        if all(head.get(k) not in (None, "") for k in ("north", "south", "east", "west")):
            bounds = tuple(self.num(head, k) for k in ("north", "south", "east", "west"))
        header = Header(
            major,
            minor,
            head.get("name"),
            geo.text.strip() if geo is not None else None,
            offset,
            bounds,  # type: ignore[arg-type]
        )
        roads = tuple(self.road(n) for n in root.findall("road"))
        ids = [r.id for r in roads]
        if len(set(ids)) != len(ids):
            dup = next(i for i in ids if ids.count(i) > 1)
            raise self.fail(root, f"road id {dup!r} is used twice")
        junctions = tuple(self.junction(n) for n in root.findall("junction"))
        controllers = tuple(
            Controller(
                self.req(n, "id"),
                n.get("name"),
                tuple(self.req(c, "signalId") for c in n.findall("control")),
            )
            for n in root.findall("controller")
        )
        for tag in ("station", "junctionGroup", "railroad"):
            if root.find(tag) is not None:
                self.note(f"<{tag}> is not used")
        return OpenDrive(header, roads, junctions, controllers, self.display, tuple(self.notes))


_GEOMETRY_KINDS = ("line", "arc", "spiral", "poly3", "paramPoly3")


def _s(rec) -> float:
    return rec.s


def _speed_unit(unit: str | None) -> float:
    return {"km/h": 1.0 / 3.6, "mph": 0.44704, "m/s": 1.0, None: 1.0}.get(unit, 1.0)


def read_opendrive(path: str | Path) -> OpenDrive:
    """Read and check an .xodr file (bounded, regular files only, no DTD)."""
    return _Reader(str(path)).document(read_xml(path))


def parse_opendrive(data: bytes, display: str = "<xodr>") -> OpenDrive:
    """Parse .xodr bytes already in memory (tests, generated networks)."""
    return _Reader(display).document(parse_xml(data, display))
