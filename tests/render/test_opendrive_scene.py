"""Static scenes of imported OpenDRIVE maps (sim.render.scene.opendrive): lane strips on the
exact lane borders, classes by lane type, a junction drawn once, road marks as the file
says, and one label render from above a curved road."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon
from shapely.ops import unary_union

from sim.classes import BY_NAME
from sim.render.scene import KERB_HEIGHT, MARKING_LIFT, build_roadside, build_static
from sim.render.scene.opendrive import (
    BROKEN_GAP,
    BROKEN_LINE,
    CHORD_ERROR,
    JUNCTION_LIFT,
    YELLOW,
    build_static_opendrive,
)
from sim.render.textures import MATERIAL_INDEX
from sim.road.opendrive import load_opendrive, parse_opendrive
from sim.road.opendrive.network import OpenDriveNetwork

from helpers.paths import REPO

ROAD, MARK, SIDEWALK, TERRAIN = (
    BY_NAME[c].id for c in ("road", "lane_marking", "sidewalk", "terrain")
)
JUNCTION = REPO / "tests" / "data" / "xodr" / "sg_junction.xodr"
CURVE = REPO / "tests" / "data" / "xosc" / "curve_3lanes.xodr"


@pytest.fixture(scope="module")
def curve():
    odr = load_opendrive(CURVE)
    return odr, build_static_opendrive(odr, np.random.default_rng(0))


@pytest.fixture(scope="module")
def junction():
    odr = load_opendrive(JUNCTION)
    return odr, build_static_opendrive(odr, np.random.default_rng(0))


def _lane(lane_id, kind, width, mark=None, color="standard"):
    m = f'<roadMark sOffset="0" type="{mark}" color="{color}" width="0.15"/>' if mark else ""
    return (
        f'<lane id="{lane_id}" type="{kind}"><width sOffset="0" a="{width}" b="0" c="0" d="0"/>'
        f"{m}</lane>"
    )


def synthetic() -> OpenDriveNetwork:
    """A straight 60 m road along +x, climbing (z = 2 + 0.05 s) and banked (0.03 rad), with
    a lane of every look and a road mark of most types."""
    right = (
        _lane(-1, "driving", 3.5, "broken")
        + _lane(-2, "shoulder", 1.0, "solid")
        + _lane(-3, "sidewalk", 2.0, "none")
        + _lane(-4, "border", 1.0)
    )
    left = (
        _lane(1, "driving", 3.5, "solid solid", "yellow")
        + _lane(2, "parking", 2.5, "botts dots")
        + _lane(3, "none", 1.0)
    )
    centre = '<lane id="0" type="none"><roadMark sOffset="0" type="solid broken"/></lane>'
    text = f"""<OpenDRIVE><header revMajor="1" revMinor="6"/>
    <road id="s" length="60" junction="-1"><planView>
    <geometry s="0" x="0" y="0" hdg="0" length="60"><line/></geometry></planView>
    <elevationProfile><elevation s="0" a="2" b="0.05" c="0" d="0"/></elevationProfile>
    <lateralProfile><superelevation s="0" a="0.03" b="0" c="0" d="0"/></lateralProfile>
    <lanes><laneSection s="0"><left>{left}</left><center>{centre}</center>
    <right>{right}</right></laneSection></lanes></road></OpenDRIVE>"""
    return OpenDriveNetwork(parse_opendrive(text.encode()))


def _top_faces_at(mesh, x, y):
    """Indices of the faces whose footprint contains (x, y), highest first."""
    tri = mesh.vertices[mesh.faces]
    a, b, c = tri[:, 0, :2], tri[:, 1, :2], tri[:, 2, :2]
    p = np.array([x, y])

    def side(u, v):
        return (v[:, 0] - u[:, 0]) * (p[1] - u[:, 1]) - (v[:, 1] - u[:, 1]) * (p[0] - u[:, 0])

    d1, d2, d3 = side(a, b), side(b, c), side(c, a)
    inside = ((d1 >= 0) & (d2 >= 0) & (d3 >= 0)) | ((d1 <= 0) & (d2 <= 0) & (d3 <= 0))
    flat = np.abs(side(a, b) * 0 + (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1])
                  - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])) > 1e-9  # fmt: skip
    idx = np.flatnonzero(inside & flat)
    return idx[np.argsort(-tri[idx, :, 2].mean(axis=1))]


def _z_in(mesh, f, x, y):
    """z of face f's plane at (x, y) (barycentric)."""
    (x0, y0, z0), (x1, y1, z1), (x2, y2, z2) = mesh.vertices[mesh.faces[f]]
    det = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
    b1 = ((x - x0) * (y2 - y0) - (x2 - x0) * (y - y0)) / det
    b2 = ((x1 - x0) * (y - y0) - (x - x0) * (y1 - y0)) / det
    return z0 + b1 * (z1 - z0) + b2 * (z2 - z0)


def _areas(mesh, sel):
    v = mesh.vertices[mesh.faces[sel]]
    a, b = v[:, 1, :2] - v[:, 0, :2], v[:, 2, :2] - v[:, 0, :2]
    return 0.5 * np.abs(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])


def test_lane_strips_lie_on_the_exact_borders_of_a_curved_road(curve):
    odr, (surface, _, _) = curve
    sel = surface.face_semantic == ROAD
    verts = surface.vertices[np.unique(surface.faces[sel])]
    pos = odr.to_road(verts[:, 0], verts[:, 1])
    assert (pos.road == 0).all()
    borders = np.array([-10.5, -7.0, -3.5, 0.0, 3.5])  # constant widths, no laneOffset
    off = np.abs(pos.t[:, None] - borders[None]).min(axis=1)
    assert off.max() < 1e-6  # every vertex on a border
    z = odr.to_world(0, pos.s, pos.t)[:, 2]
    assert np.abs(verts[:, 2] - z).max() < 1e-6
    # the chords between neighbouring vertices on one border stay within CHORD_ERROR
    f = surface.faces[sel]
    e = np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]])
    va, vb = surface.vertices[e[:, 0]], surface.vertices[e[:, 1]]
    pa = odr.to_road(va[:, 0], va[:, 1])
    pb = odr.to_road(vb[:, 0], vb[:, 1])
    along = np.abs(pa.t - pb.t) < 1e-6
    assert along.sum() > 1000
    mid = 0.5 * (va[along] + vb[along])
    pm = odr.to_road(mid[:, 0], mid[:, 1])
    chord = np.abs(pm.t - pa.t[along])
    assert chord.max() <= CHORD_ERROR
    assert np.abs(pa.s[along] - pb.s[along]).max() <= 1.0 + 1e-9  # MAX_STEP
    # the strips cover the lanes: area = int int (1 - k t) dt ds = 14 L + 49 * total turn
    area = _areas(surface, sel).sum()
    assert area == pytest.approx(14.0 * 730.0 + 49.0 * 1.24, rel=2e-4)
    assert (surface.face_material[sel] == MATERIAL_INDEX["asphalt"]).all()


def test_lane_types_give_todays_classes_materials_and_a_raised_kerbed_sidewalk():
    odr = synthetic()
    surface, marks, terrain = build_static_opendrive(odr, np.random.default_rng(0))
    phi = 0.03

    def top(t, s=30.0):
        x, y, z, _ = odr.to_world("s", [s], [t])[0]
        for mesh in (surface, terrain):
            idx = _top_faces_at(mesh, x, y)
            if len(idx):
                f = idx[0]
                return mesh.face_semantic[f], mesh.face_material[f], _z_in(mesh, f, x, y) - z
        return None

    cases = {  # t: (class, material, height over the road surface there)
        -1.75: (ROAD, "asphalt", 0.0),
        -4.0: (ROAD, "shoulder", 0.0),
        -5.5: (SIDEWALK, "sidewalk", KERB_HEIGHT),
        -7.0: (TERRAIN, "grass", -0.03),
        1.75 + 0.6: (ROAD, "asphalt", 0.0),
        4.75: (ROAD, "asphalt", 0.0),  # parking
    }
    for t, (cls, mat, dz) in cases.items():
        got = top(t)
        assert got is not None, t
        assert got[0] == cls and got[1] == MATERIAL_INDEX[mat], (t, got)
        assert got[2] == pytest.approx(dz, abs=2e-3), (t, got)
    # lane 3 (type none) is not drawn: only the ground plane, far below the banked road
    cls, mat, dz = top(6.5)
    assert cls == TERRAIN and dz < -0.2
    # the sidewalk's kerb: vertical faces on its road side (t = -4.5) from the road up to
    # KERB_HEIGHT, and a back wall (t = -6.5) from the terrain up
    kerb = surface.face_material == MATERIAL_INDEX["kerb"]
    assert (surface.face_semantic[kerb] == SIDEWALK).all()
    kv = surface.vertices[np.unique(surface.faces[kerb])]
    pos = odr.to_road(kv[:, 0], kv[:, 1])
    assert set(np.round(pos.t, 3)) == {-4.5, -6.5}
    inner = (np.abs(pos.t + 4.5) < 1e-3) & (pos.s > 1e-3) & (pos.s < 60.0 - 1e-3)
    z_road = odr.to_world("s", pos.s[inner], np.full(inner.sum(), -4.5))[:, 2]
    dz = kv[inner, 2] - z_road
    assert dz.min() == pytest.approx(0.0, abs=1e-9) and dz.max() == pytest.approx(KERB_HEIGHT)
    # the kerb faces point at the road (+t) and the back wall away from it (-t); the
    # sidewalk's ends (the road has no links) are closed by caps facing out along s
    tri = surface.vertices[surface.faces[kerb]]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    c = odr.to_road(tri[..., 0].mean(axis=1), tri[..., 1].mean(axis=1))
    cap = np.abs(n[:, 0]) > np.abs(n[:, 1])
    assert (n[~cap & (c.t > -5.5), 1] > 0).all() and (n[~cap & (c.t < -5.5), 1] < 0).all()
    assert cap.sum() == 4 and set(np.sign(n[cap, 0]) * np.sign(c.s[cap] - 30.0)) == {1.0}
    # the banked road: the sidewalk top follows the superelevation (right side lower)
    hi, lo = top(-4.6), top(-6.4)
    assert hi[2] == pytest.approx(KERB_HEIGHT, abs=1e-3) == lo[2]
    assert odr.to_world("s", [30.0], [-6.4])[0, 2] < odr.to_world("s", [30.0], [-4.6])[0, 2]
    assert abs(phi) > 0 and len(marks.faces)


def _mark_runs(odr, marks, t0, tol=0.05):
    """(s0, s1) of the painted pieces centred on offset t0 of road 's' (straight along x)."""
    sel = marks.face_semantic == MARK
    c = marks.vertices[marks.faces[sel]]
    cx, cy = c[..., 0].mean(axis=1), c[..., 1].mean(axis=1)
    pos = odr.to_road(cx, cy)
    near = np.abs(pos.t - t0) < tol
    faces = marks.faces[sel][near]
    if not len(faces):
        return []
    xs = marks.vertices[faces][..., 0]
    lo, hi = xs.min(axis=1), xs.max(axis=1)
    order = np.argsort(lo)
    out = [[lo[order[0]], hi[order[0]]]]
    for i in order[1:]:
        if lo[i] <= out[-1][1] + 1e-6:
            out[-1][1] = max(out[-1][1], hi[i])
        else:
            out.append([lo[i], hi[i]])
    return out


def test_road_marks_follow_the_file_types_colours_and_dash_period():
    odr = synthetic()
    _, marks, _ = build_static_opendrive(odr, np.random.default_rng(0))
    # broken on lane -1's outer border (t = -3.5): 3 m paint every 9 m from s = 0
    dashes = _mark_runs(odr, marks, -3.5)
    assert len(dashes) == math.ceil(60.0 / (BROKEN_LINE + BROKEN_GAP))
    for k, (a, b) in enumerate(dashes):
        assert a == pytest.approx(k * 9.0, abs=1e-6) and b - a == pytest.approx(BROKEN_LINE)
    # solid on the shoulder's border (t = -4.5): one piece over the whole road
    assert _mark_runs(odr, marks, -4.5) == [pytest.approx([0.0, 60.0])]
    # type none on the sidewalk's border (t = -6.5): nothing
    assert _mark_runs(odr, marks, -6.5, tol=0.3) == []
    # solid solid, yellow, on lane 1's border (t = 3.5): two solid lines 0.27 m apart
    off = (0.15 + 0.12) / 2
    for t in (3.5 - off, 3.5 + off):
        assert _mark_runs(odr, marks, t, tol=0.03) == [pytest.approx([0.0, 60.0])]
    assert _mark_runs(odr, marks, 3.5, tol=0.03) == []
    sel = marks.face_semantic == MARK
    c = marks.vertices[marks.faces[sel]].mean(axis=1)
    pos = odr.to_road(c[:, 0], c[:, 1])
    yellow = np.abs(pos.t - 3.5) < 0.3
    assert (marks.face_colors[sel][yellow] == YELLOW).all()
    assert (marks.face_colors[sel][~yellow][:, :3] > 200).all()  # the rest white
    # centre "solid broken": solid on the left (t = +off), broken on the right (t = -off)
    off = (0.12 + 0.12) / 2
    assert _mark_runs(odr, marks, off, tol=0.03) == [pytest.approx([0.0, 60.0])]
    assert len(_mark_runs(odr, marks, -off, tol=0.03)) == len(dashes)
    # botts dots on the parking lane's border (t = 6): short pieces
    dots = _mark_runs(odr, marks, 6.0)
    assert len(dots) > 40 and max(b - a for a, b in dots) < 0.5
    # lifted over the (banked, climbing) road
    v = marks.vertices[np.unique(marks.faces)]
    pv = odr.to_road(v[:, 0], v[:, 1])
    dz = v[:, 2] - odr.to_world("s", pv.s, pv.t)[:, 2]
    assert dz == pytest.approx(np.full(len(v), MARKING_LIFT), abs=1e-6)


def _lane_poly(odr, road_id, lane_id):
    length = odr.road(road_id).length
    s = np.linspace(0.0, length, 400)
    e = odr.lane_edges(road_id, lane_id, s)
    a = odr.to_world(road_id, s, e[:, 0])[:, :2]
    b = odr.to_world(road_id, s, e[:, 1])[:, :2]
    return Polygon(np.concatenate([a, b[::-1]])).buffer(0.0)


def test_junction_is_drawn_once_over_its_connecting_lanes(junction):
    odr, (surface, marks, _) = junction
    conn = [r for r in odr.odr.roads if r.junction == "100"]
    assert len(conn) == 6
    union = unary_union(
        [_lane_poly(odr, r.id, lane.id) for r in conn
         for lane in (*r.lane_sections[0].left, *r.lane_sections[0].right)]
    )  # fmt: skip
    sel = surface.face_semantic == ROAD
    z = surface.vertices[surface.faces[sel], 2].mean(axis=1)
    box = sel.copy()
    box[sel] = np.abs(z - JUNCTION_LIFT) < 1e-9
    area = _areas(surface, box)
    assert area.sum() == pytest.approx(union.area, rel=0.02)
    tris = [Polygon(t[:, :2]) for t in surface.vertices[surface.faces[box]]]
    covered = unary_union(tris)
    assert covered.area == pytest.approx(area.sum(), rel=1e-6)  # no double coverage
    assert covered.symmetric_difference(union).area < 0.02 * union.area
    # nothing else of the road surface overlaps the junction
    rest = sel & ~box
    c = surface.vertices[surface.faces[rest]].mean(axis=1)
    assert not shapely.contains_xy(union.buffer(-0.05), c[:, 0], c[:, 1]).any()
    # the incoming roads' lines stop at the junction; inside it only its outline is painted
    m = marks.vertices[marks.faces].mean(axis=1)
    assert not shapely.contains_xy(union.buffer(-0.5), m[:, 0], m[:, 1]).any()
    assert shapely.contains_xy(union.buffer(0.3), m[:, 0], m[:, 1]).sum() > 50
    _, every, _ = build_static_opendrive(odr, np.random.default_rng(0), junction_marks="all")
    m = every.vertices[every.faces].mean(axis=1)
    assert shapely.contains_xy(union.buffer(-0.5), m[:, 0], m[:, 1]).sum() > 100


def test_dispatch_from_a_network_made_from_an_opendrive_map(junction):
    odr, parts = junction

    class Made:  # what GraphNetwork carries: the map it was made from
        source = odr

    got = build_static(Made(), np.random.default_rng(0))
    assert len(got) == len(parts)
    for a, b in zip(got, parts, strict=True):
        assert np.array_equal(a.vertices, b.vertices) and np.array_equal(
            a.face_colors, b.face_colors
        )
    assert build_roadside(Made(), None, np.random.default_rng(0)) is None
    # the traffic network made from the map draws the map, and its lights build unchanged
    from sim.assets import load_catalog
    from sim.render.scene import build_signals
    from sim.road.opendrive.lanegraph import graph_from_opendrive

    net = graph_from_opendrive(odr)
    got = build_static(net, np.random.default_rng(0))
    assert all(np.array_equal(a.faces, b.faces) for a, b in zip(got, parts, strict=True))
    lights = build_signals(net, load_catalog())
    assert lights is not None and len(lights.lamps.faces) and len(net.signal_heads) == 1


def test_label_render_from_above_the_curve_shows_road_and_a_marking_line(curve):
    from sim.render.camera import CameraModel, invert_rigid, mount_transform, pose_matrix
    from sim.render.renderer import FrameRenderer, Lighting

    odr, parts = curve
    s = 250.0  # on the arc
    x, y, _, h = odr.to_world(0, [s], [-5.25])[0]  # lane -2's centre
    cam = CameraModel.from_fov(
        "top", 320, 180, math.radians(60.0),
        mount_transform(0.0, 0.0, 25.0, 0.0, math.pi / 2, 0.0), zfar=500.0,
    )  # fmt: skip
    T = pose_matrix(x, y, 0.0, h)
    light = Lighting.from_angles(
        45.0, 30.0, sun_color=(1.0, 1.0, 1.0), sun_intensity=3.0, ambient=0.4,
        sky_top=(90, 140, 210), sky_horizon=(200, 215, 230),
    )  # fmt: skip
    r = FrameRenderer(parts, light)
    try:
        _, buf = r.render(cam, T, [], want_rgb=False)
    finally:
        r.close()
    sem = buf.semantic
    assert sem[90, 160] == ROAD
    T_cam_world = invert_rigid(T @ cam.T_ego_cam)
    ss = np.linspace(s - 8.0, s + 8.0, 33)
    line = odr.to_world(0, ss, np.full(len(ss), -10.5))[:, :3]  # the solid right edge
    q = line @ T_cam_world[:3, :3].T + T_cam_world[:3, 3]
    uv = cam.project(q)
    hits = [sem[int(round(v)), int(round(u))] == MARK for u, v in uv
            if 0 <= round(u) < 320 and 0 <= round(v) < 180]  # fmt: skip
    assert len(hits) > 20 and np.mean(hits) > 0.8
    beside = odr.to_world(0, ss, np.full(len(ss), -9.5))[:, :3] @ T_cam_world[:3, :3].T
    uv = cam.project(beside + T_cam_world[:3, 3])
    assert all(sem[int(round(v)), int(round(u))] == ROAD for u, v in uv
               if 0 <= round(u) < 320 and 0 <= round(v) < 180)  # fmt: skip
