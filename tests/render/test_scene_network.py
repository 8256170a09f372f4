"""Static scenes of the richer road model: two-way roads, on-ramps, lane drops, a signalised
junction with stop lines and zebra crossings, and traffic lights whose lamps follow the
signal plan. Geometry is checked on the meshes and, where it matters, in small label
buffers and colour images (160 x 120) of cameras placed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from shapely.geometry import Point

from sim.assets import load_catalog
from sim.classes import BY_NAME
from sim.render.camera import CameraModel, invert_rigid, mount_transform, pose_matrix
from sim.render.renderer import FrameRenderer, Lighting
from sim.render.scene import (
    ASPECTS,
    KERB_HEIGHT,
    MARKING_WIDTH,
    STOP_LINE_WIDTH,
    build_roadside,
    build_signals,
    build_static,
)
from sim.road import Junction, LaneSpan, Network, Road

LIGHT = Lighting.from_angles(
    45.0,
    30.0,
    sun_color=(1.0, 1.0, 1.0),
    sun_intensity=3.0,
    ambient=0.4,
    sky_top=(90, 140, 210),
    sky_horizon=(200, 215, 230),
)
ROAD, MARK, SIDEWALK, TERRAIN = (
    BY_NAME[c].id for c in ("road", "lane_marking", "sidewalk", "terrain")
)
LIGHT_ID, POLE = BY_NAME["traffic_light"].id, BY_NAME["pole"].id
W = 3.5


def centroids(mesh, cls=None):
    sel = np.ones(len(mesh.faces), bool) if cls is None else mesh.face_semantic == cls
    return mesh.vertices[mesh.faces[sel]].mean(axis=1)


def town() -> Network:
    """Two lanes each way along +x from the origin, sidewalks, a junction at s = 200."""
    road = Road.straight(
        400.0, lanes=2, lane_width=W, oncoming_lanes=2, shoulder_width=0.5, sidewalk_width=2.5
    )
    return Network(road, Junction(s=200.0))


def top_down(x, y, h, width=160, height=120, hfov=60.0):
    """(camera, T_world_ego): looking straight down from h m above (x, y); image up = +x."""
    cam = CameraModel.from_fov(
        "top",
        width,
        height,
        math.radians(hfov),
        mount_transform(0.0, 0.0, h, 0.0, math.pi / 2, 0.0),
        zfar=500.0,
    )
    return cam, pose_matrix(x, y, 0.0, 0.0)


def pixel(cam, T_world_ego, p):
    """(row, col) of the pixel whose centre is nearest world point p."""
    T = invert_rigid(T_world_ego @ cam.T_ego_cam)
    q = T[:3, :3] @ np.asarray(p, float) + T[:3, 3]
    u, v = cam.project(q[None])[0]
    return int(round(v)), int(round(u))


def test_two_way_road_draws_a_double_centre_line_and_dashed_dividers_per_direction():
    road = Road.straight(200.0, lanes=2, lane_width=W, oncoming_lanes=2)
    _, marks, _ = build_static(road, np.random.default_rng(0))
    c = centroids(marks)
    y = np.round(c[:, 1], 3)
    off = (0.12 + MARKING_WIDTH) / 2
    for d in (
        2 * W - off,
        2 * W + off,
        0.0,
        4 * W,
    ):  # double centre line and edges: solid end to end
        on = np.isclose(y, d, atol=0.03)
        assert on.any() and c[on, 0].min() < 3.0 and c[on, 0].max() > 197.0, d
        assert np.all(np.diff(np.sort(np.unique(np.round(c[on, 0], 1)))) < 5.1), d  # no gap
    for d in (W, 3 * W):  # dividers within a direction: dashed
        xs = np.sort(c[np.isclose(y, d, atol=0.03), 0])
        assert len(xs) > 10 and np.diff(xs).max() > 10.0
    assert not np.isclose(y, 2 * W, atol=0.05).any()  # nothing painted between the two centre lines


def test_on_ramp_runs_beside_the_road_with_a_gore_then_joins_and_ends():
    road = Road.straight(
        500.0,
        lanes=3,
        lane_width=W,
        spans=(LaneSpan(0, start=200.0, end=350.0, taper=60.0, ramp_offset=12.0),),
    )
    surface, marks, terrain = build_static(road, np.random.default_rng(0))
    tar = surface.vertices[surface.faces[surface.face_semantic == ROAD]]  # (F, 3, 3)
    tc = tar.mean(axis=1)
    # the ramp's tarmac lies 12 m to the right before its taper; a grass gore between it and lane 1
    ramp = tc[(tc[:, 0] < 130.0) & (tc[:, 1] < -5.0)]
    assert len(ramp) and np.isclose(
        tar[(tc[:, 0] < 130.0) & (tc[:, 1] < -5.0)][:, :, 1].min(), -12.0 - 2.5
    )
    gore = centroids(terrain, TERRAIN)
    assert ((gore[:, 0] < 130.0) & (gore[:, 1] > -8.0) & (gore[:, 1] < W)).any()
    # no tarmac left of d = 0 once the lane has ended (shoulder aside), none at all in lane 0's
    # place
    after = tar[tc[:, 0] > 352.0]
    assert after[:, :, 1].min() >= W - 2.5 - 1e-6  # lane 1's right edge minus the shoulder
    # lines: solid ramp edge and lane 1 edge before the merge, dashed along the acceleration lane
    m = centroids(marks)
    solid_w = m[np.isclose(m[:, 1], W, atol=0.03) & (m[:, 0] < 195.0), 0]
    assert np.all(np.diff(np.sort(solid_w)) < 5.1) and solid_w.min() < 3.0
    dashed_w = np.sort(
        m[np.isclose(m[:, 1], W, atol=0.03) & (m[:, 0] > 200.0) & (m[:, 0] < 290.0), 0]
    )
    assert len(dashed_w) and np.diff(dashed_w).max() > 10.0
    # the edge line follows the taper: between 290 and 350 m it runs inside lane 0
    taper = m[(m[:, 0] > 300.0) & (m[:, 0] < 345.0) & (m[:, 1] > 0.2) & (m[:, 1] < W - 0.2)]
    assert len(taper)


def test_lane_drop_narrows_the_tarmac_and_the_divider_becomes_the_edge():
    road = Road.straight(
        400.0,
        lanes=3,
        lane_width=W,
        sidewalk_width=2.0,
        spans=(LaneSpan(0, end=250.0, taper=60.0),),
    )
    surface, marks, _ = build_static(road, np.random.default_rng(0))
    tar = surface.vertices[surface.faces[surface.face_semantic == ROAD]]
    tc = tar.mean(axis=1)
    sh = road.shoulder_width
    assert np.isclose(tar[tc[:, 0] < 180.0][:, :, 1].min(), -sh)
    assert np.isclose(tar[tc[:, 0] > 251.0][:, :, 1].min(), W - sh)  # narrowed by one lane
    walk = surface.vertices[surface.faces[surface.face_semantic == SIDEWALK]]
    wc = walk.mean(axis=1)
    assert np.isclose(
        walk[(wc[:, 0] > 251.0) & (wc[:, 1] < 5.0)][:, :, 1].max(), W - sh
    )  # kerb moved in
    m = centroids(marks)
    after = m[m[:, 0] > 252.0]
    edge = np.sort(after[np.isclose(after[:, 1], W, atol=0.03), 0])
    assert len(edge) and np.diff(edge).max() < 5.1 and edge.max() > 395.0  # solid, no longer dashed
    assert not (after[:, 1] < W - 0.2).any()


def test_junction_box_is_plain_road_with_stop_lines_zebras_and_no_kerb():
    net = town()
    surface, marks, terrain = build_static(net, np.random.default_rng(0))
    box = net.box_polygon()
    drivable = net.drivable_area().buffer(-0.01)
    # nothing of the sidewalks (tops or kerb walls) on either carriageway
    walk = surface.vertices[surface.faces[surface.face_semantic == SIDEWALK]]
    for tri in walk:
        assert not drivable.contains(Point(tri[:, :2].mean(axis=0))), tri
    # no line through the box: only the stop lines' and zebras' paint near it
    m = centroids(marks)
    assert not any(box.buffer(-0.3).contains(Point(p[:2])) for p in m)

    # golden pixels from above: the main road's stop line, the box, the zebra before it
    cam, T = top_down(195.0, 3.5, 20.0)
    r = FrameRenderer((surface, marks, terrain), LIGHT)
    try:
        _, buf = r.render(cam, T, [])
    finally:
        r.close()
    sem = buf.semantic
    stop = net.stop_lines[0]  # main road, lane 0, towards +x
    assert stop.road == 0 and stop.direction == 1
    row, col = pixel(
        cam, T, (stop.s + STOP_LINE_WIDTH / 2, W / 2, 0.0)
    )  # on the bar, lane 0's centre
    assert sem[row, col] == MARK
    before, _ = pixel(cam, T, (stop.s - 1.0, W / 2, 0.0))  # 1 m before it: plain lane
    assert sem[before, col] == ROAD
    row, col = pixel(cam, T, (200.0, 7.0, 0.0))  # box centre
    assert sem[row - 3 : row + 4, col - 3 : col + 4].tolist() == [[ROAD] * 7] * 7
    zr, zc = pixel(cam, T, (stop.s + 2.5, 2.5, 0.0))  # the third zebra bar (d in [2.25, 2.75])
    assert sem[zr, zc] == MARK
    gr, gc = pixel(cam, T, (stop.s + 2.5, 2.0, 0.0))  # between bars
    assert sem[gr, gc] == ROAD
    # the sidewalk corner beside the stop line is raised pavement, the cross street beyond is road
    sr, sc = pixel(cam, T, (stop.s, -2.0, 0.0))
    assert sem[sr, sc] == SIDEWALK
    cr, cc = pixel(cam, T, (198.25, -7.0, 0.0))  # a cross street lane before its stop line
    assert sem[cr, cc] == ROAD


def test_traffic_light_lamps_follow_the_signal_plan_in_rgb_and_stay_traffic_light_in_semantic():
    net = town()
    catalog = load_catalog()
    signals = build_signals(net, catalog)
    assert signals is not None and set(signals.groups) == {"main", "cross"}
    assert build_signals(net.main, catalog) is None
    assert {int(c) for c in np.unique(signals.housing.face_semantic)} == {LIGHT_ID, POLE}
    head = next(
        h for h in net.signal_heads if h.group == "main" and h.yaw > 3.0
    )  # faces -x, the +x drivers
    g = signals.groups.index("main")
    lamp_c = {
        a: signals.lamps.vertices[
            signals.lamps.faces[(signals.lamp_group == g) & (signals.lamp_aspect == k)]
        ].reshape(-1, 3)
        for k, a in enumerate(ASPECTS)
    }
    # the head over the lanes: the lamps of the head nearest the road's centre
    centres = {}
    for a, v in lamp_c.items():
        near = v[np.abs(v[:, 0] - head.x) < 1.0]
        near = near[near[:, 1] > near[:, 1].max() - 0.5]  # the head on the arm (furthest left)
        centres[a] = near.mean(axis=0)
    c = centres["amber"]
    cam = CameraModel.from_fov(
        "tl", 160, 120, math.radians(12.0), mount_transform(0.0, 0.0, c[2], 0.0, 0.0, 0.0)
    )
    T = pose_matrix(c[0] - 8.0, c[1], 0.0, 0.0)
    static = build_static(net, np.random.default_rng(0))
    r = FrameRenderer(static, LIGHT, signals)
    try:
        t_green = next(
            t for t in np.arange(0.0, 60.0, 0.5) if net.signal_state(t)["main"] == "green"
        )
        t_red = next(t for t in np.arange(0.0, 60.0, 0.5) if net.signal_state(t)["main"] == "red")
        rgb_g, buf_g = r.render(cam, T, [], signal_state=net.signal_state(t_green))
        rgb_r, buf_r = r.render(cam, T, [], signal_state=net.signal_state(t_red))
        rgb_off, _ = r.render(cam, T, [])
    finally:
        r.close()
    np.testing.assert_array_equal(buf_g.semantic, buf_r.semantic)  # labels do not blink
    gr, gc = pixel(cam, T, centres["green"])
    rr, rc = pixel(cam, T, centres["red"])
    assert buf_g.semantic[gr, gc] == LIGHT_ID and buf_g.semantic[rr, rc] == LIGHT_ID
    green_on, red_off = rgb_g[gr, gc].astype(int), rgb_g[rr, rc].astype(int)
    green_off, red_on = rgb_r[gr, gc].astype(int), rgb_r[rr, rc].astype(int)
    assert green_on[1] > 200 and green_on[0] < 80, green_on
    assert red_on[0] > 200 and red_on[1] < 80, red_on
    assert green_off.max() < 120 and red_off.max() < 120, (green_off, red_off)
    assert rgb_off[gr, gc].max() < 120 and rgb_off[rr, rc].max() < 120  # no state: all dark
    # the pole below the head is pole, not traffic_light
    assert (buf_g.semantic == POLE).any()


def test_roadside_keeps_off_the_cross_street_the_junction_and_the_signal_poles():
    net = town()
    parts = build_roadside(net, load_catalog(), np.random.default_rng(0), density=2.0)
    low = parts.vertices[parts.vertices[:, 2] < 3.0]
    cross = net.cross
    out = cross.shoulder_width + cross.sidewalk_width
    # the cross street runs along y at x in [196.5, 203.5]: its verges reach 3 m further
    in_cross = (
        (low[:, 0] > 196.5 - out)
        & (low[:, 0] < 203.5 + out)
        & (low[:, 1] > -120.0)
        & (low[:, 1] < 134.0)
    )
    assert not in_cross.any()
    for h in net.signal_heads:
        assert np.hypot(low[:, 0] - h.x, low[:, 1] - h.y).min() > 1.0
    assert parts.vertices[:, 0].max() > 300.0  # the main road is still dressed


def test_plain_road_still_builds_as_before():
    """One-way road, no spans: the sidewalk tops are raised and the terrain starts behind them."""
    road = Road.straight(200.0, lanes=2, lane_width=W, shoulder_width=0.5, sidewalk_width=2.5)
    surface, _, terrain = build_static(road, np.random.default_rng(0))
    tops = surface.vertices[surface.faces[surface.face_semantic == SIDEWALK]]
    assert np.isclose(tops[:, :, 2].max(), KERB_HEIGHT)
    assert np.isclose(tops[:, :, 1].min(), -3.0) and np.isclose(tops[:, :, 1].max(), 10.0)


@pytest.mark.parametrize("scene", ["ramp", "drop", "junction"])
def test_static_scenes_are_deterministic(scene):
    if scene == "junction":
        s = town()
    elif scene == "ramp":
        s = Road.straight(
            400.0,
            lanes=2,
            lane_width=W,
            spans=(LaneSpan(0, start=150.0, end=300.0, ramp_offset=10.0),),
        )
    else:
        s = Road.straight(
            400.0,
            lanes=2,
            lane_width=W,
            oncoming_lanes=1,
            spans=(LaneSpan(1, end=250.0, taper=40.0),),
        )
    a = build_static(s, np.random.default_rng(3))
    b = build_static(s, np.random.default_rng(3))
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.vertices, y.vertices)
        np.testing.assert_array_equal(x.face_colors, y.face_colors)


def test_junction_without_lights_has_no_signals_and_no_stop_line_across_the_main_road():
    road = Road.straight(
        400.0, lanes=2, lane_width=W, oncoming_lanes=2, shoulder_width=0.5, sidewalk_width=2.5
    )
    net = Network(road, Junction(s=200.0, signals=None))
    assert build_signals(net, load_catalog()) is None
    _, marks, _ = build_static(net, np.random.default_rng(0))
    c = centroids(marks)
    main_stop = (c[:, 0] > 191.4) & (c[:, 0] < 192.0) & (c[:, 1] > 0.5) & (c[:, 1] < 6.5)
    assert not main_stop.any()
    # the cross street's approach from -y still stops: its lane 0 (x in [200, 203.5]) at y = -5
    cross_stop = (c[:, 1] > -5.0) & (c[:, 1] < -4.6) & (c[:, 0] > 200.3) & (c[:, 0] < 203.2)
    assert cross_stop.any()
