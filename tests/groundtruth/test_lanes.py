"""Lane lines: 3D polylines as the markings are painted, their projections on the marking
pixels, clipped where something hides them; the OpenLane-like JSON and CULane text."""

from __future__ import annotations

import json

import cv2
import numpy as np

from sim.classes import BY_NAME
from sim.groundtruth.lanes import camera_lines, culane_text, frame_lines, lanes_json, network_lines
from sim.render.camera import invert_rigid, pose_matrix
from sim.render.scene import DASH_GAP, DASH_LENGTH, MARKING_WIDTH, MeshArrays, build_static
from sim.road import Road
from sim.road.network import Junction, Network
from sim.road.road import Segment

from helpers.gt_scene import box_mesh, front_camera, render_buffers, static_mesh, straight_road

MARKING = BY_NAME["lane_marking"].id


def _distances_to_marking(semantic, cls, camera, ego, roads) -> list[tuple[str, np.ndarray]]:
    """(type, distances [px] to the nearest marking pixel) of each visible point of a painted
    line where its paint can show: the line at least 2 px wide (closer, the rasterizer
    samples it; farther, a 0.15 m line falls between pixel centres) and, on a dashed line,
    inside a dash (DASH_LENGTH of paint every DASH_LENGTH + DASH_GAP from s = 0)."""
    not_marking = (semantic != MARKING).astype(np.uint8)
    dist = cv2.distanceTransform(not_marking, cv2.DIST_L2, 5)
    H, W = semantic.shape
    T_cam_ego = invert_rigid(camera.T_ego_cam)
    out = []
    for c in cls:
        if c.line.kind != "boundary" or c.line.type == "kerb":
            continue
        z = (c.xyz @ T_cam_ego[:3, :3].T + T_cam_ego[:3, 3])[:, 2]
        keep = c.visible & (camera.fx * MARKING_WIDTH / np.maximum(z, 1e-6) >= 2.0)
        if c.line.type == "dashed":
            world = c.xyz @ ego[:3, :3].T + ego[:3, 3]
            s, _ = roads[c.line.road].to_lane(world[:, 0], world[:, 1])
            phase = np.mod(s, DASH_LENGTH + DASH_GAP)
            keep &= (phase > 0.3) & (phase < DASH_LENGTH - 0.3)
        if not keep.any():
            continue
        uv = camera.project((c.xyz @ T_cam_ego[:3, :3].T + T_cam_ego[:3, 3])[keep])
        cols = np.clip(np.rint(uv[:, 0]).astype(int), 0, W - 1)
        rows = np.clip(np.rint(uv[:, 1]).astype(int), 0, H - 1)
        out.append((c.line.type, dist[rows, cols]))
    return out


def _scene(road, camera, ego, agents=()):
    buffers = render_buffers(camera, ego, static_mesh(road), list(agents))
    lines = network_lines(road)
    return buffers, camera_lines(frame_lines(lines, ego), camera, buffers.depth)


def test_projected_lines_lie_on_the_marking_pixels():
    road = straight_road()
    camera = front_camera(640, 360, pitch=0.05)
    ego = pose_matrix(50.0, 5.25, 0.0, 0.03)
    buffers, cls = _scene(road, camera, ego)
    dists = _distances_to_marking(buffers.semantic, cls, camera, ego, (road,))
    solid = np.concatenate([d for t, d in dists if t == "solid"])
    everything = np.concatenate([d for _, d in dists])
    assert solid.size > 50
    assert np.median(solid) <= 1.0 and np.median(everything) <= 1.0
    kinds = {(c.line.kind, c.line.type) for c in cls}
    assert {("boundary", "solid"), ("boundary", "dashed"), ("centreline", "centreline")} <= kinds


def test_lines_on_a_curved_two_way_road_with_sidewalks():
    road = Road(
        lanes=2,
        oncoming_lanes=1,
        lane_width=3.5,
        segments=(Segment(60.0), Segment(150.0, 1 / 80.0), Segment(100.0)),
        sidewalk_width=2.0,
    )
    camera = front_camera(640, 360, pitch=0.05)
    x, y, h = road.to_world([70.0], [1.75])
    ego = pose_matrix(float(x[0]), float(y[0]), 0.0, float(h[0]))
    buffers, cls = _scene(road, camera, ego)
    dists = _distances_to_marking(buffers.semantic, cls, camera, ego, (road,))
    everything = np.concatenate([d for _, d in dists])
    assert everything.size > 50 and np.median(everything) <= 1.0
    types = {c.line.type for c in cls}
    assert {"solid", "dashed", "double", "kerb", "centreline"} <= types
    kerbs = [c.line for c in cls if c.line.type == "kerb"]
    assert sorted(k.category for k in kerbs) == [20, 21]
    oncoming = next(c.line for c in cls if c.line.kind == "centreline" and c.line.left == (0, 2))
    # an oncoming lane's centreline runs towards -s: its first point is further along the road
    s_first, _ = road.to_lane(oncoming.points[:1, 0], oncoming.points[:1, 1])
    s_last, _ = road.to_lane(oncoming.points[-1:, 0], oncoming.points[-1:, 1])
    assert s_first[0] > s_last[0]


def test_a_car_in_front_hides_the_lines_behind_it():
    road = straight_road()
    camera = front_camera(640, 360, pitch=0.05)
    ego = pose_matrix(50.0, 5.25, 0.0, 0.0)
    car = (9, box_mesh((4.5, 1.8, 1.5)), pose_matrix(60.0, 3.5, 0.0, 0.0))  # on the divider
    buffers, cls = _scene(road, camera, ego, [car])
    divider = next(c for c in cls if c.line.type == "dashed" and c.line.left == (0, 1))
    x = divider.xyz[:, 0]
    behind = (x > 13.0) & (x < 17.0)  # right behind the car's back (9.0 m from the camera)
    assert behind.any() and not divider.visible[behind].any()
    assert divider.visible[(x > 3.0) & (x < 7.0)].all()  # in front of it: seen
    assert divider.visible[(x > 40.0) & (x < 60.0)].any()  # past its shadow again
    # no visible 2D point falls on the car's pixels
    for seg in divider.uv:
        cols, rows = np.rint(seg[:, 0]).astype(int), np.rint(seg[:, 1]).astype(int)
        assert (buffers.instance[rows, cols] != 9).all()


def test_junction_network_lines_and_files():
    net = Network(
        Road(
            lanes=2,
            oncoming_lanes=2,
            lane_width=3.5,
            segments=(Segment(300.0),),
            sidewalk_width=2.0,
        ),
        Junction(s=150.0),
    )
    lines = network_lines(net)
    assert {ln.road for ln in lines} == {0, 1}
    assert [ln.id for ln in lines] == list(range(1, len(lines) + 1))
    static = MeshArrays.concat(list(build_static(net, np.random.default_rng(0))))
    camera = front_camera(480, 270, pitch=0.05)
    x, y, h = net.main.to_world([110.0], [1.75])
    ego = pose_matrix(float(x[0]), float(y[0]), 0.0, float(h[0]))
    buffers = render_buffers(camera, ego, static, [])
    cls = camera_lines(frame_lines(lines, ego), camera, buffers.depth)
    dists = np.concatenate(
        [d for _, d in _distances_to_marking(buffers.semantic, cls, camera, ego, net.roads)]
    )
    assert np.median(dists) <= 1.0
    doc = lanes_json(cls, camera, {"camera": "front", "frame": 0})
    text = json.dumps(doc, allow_nan=False)
    back = json.loads(text)
    line = back["lane_lines"][0]
    assert len(line["xyz"]) == 3 and len(line["xyz"][0]) == len(line["visibility"])
    assert all(len(seg) == 2 for ln in back["lane_lines"] for seg in ln["uv"])
    culane = culane_text(cls, camera.height)
    rows = [row.split() for row in culane.splitlines()]
    assert rows and all(len(r) % 2 == 0 and len(r) >= 4 for r in rows)
    ys = [float(v) for r in rows for v in r[1::2]]
    assert all(v <= camera.height - 1 and (camera.height - 1 - v) % 10 == 0 for v in ys)
