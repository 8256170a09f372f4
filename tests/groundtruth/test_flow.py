"""Forward optical flow from the label buffers: golden motion, the naive twin, KITTI PNGs."""

from __future__ import annotations

import math

import numpy as np

from sim.groundtruth.flow import (
    FlowField,
    camera_rays,
    decode_kitti_flow,
    encode_kitti_flow,
    kitti_flow_png,
    motion_transforms,
    read_kitti_flow,
    rigid_flow,
)
from sim.render.camera import CameraModel, Lens, invert_rigid, mount_transform, pose_matrix

from helpers.gt_scene import box_mesh, front_camera, render_buffers, static_mesh, straight_road
from naive import rigid_flow as naive_rigid_flow

EGO = pose_matrix(50.0, 5.25, 0.0, 0.0)
CAR = (4.5, 1.8, 1.5)


def _flow_between(camera, T_ego0, T_ego1, static, agents0, agents1):
    buffers = render_buffers(camera, T_ego0, static, agents0)
    motions = motion_transforms(
        T_ego0 @ camera.T_ego_cam,
        T_ego1 @ camera.T_ego_cam,
        {a: T for a, _, T in agents0},
        {a: T for a, _, T in agents1},
    )
    return buffers, rigid_flow(camera, buffers.depth, buffers.instance, motions)


def test_translating_object_flow_is_its_projected_motion():
    """A car 15 m ahead moves 0.6 m forward and 0.4 m left (ego still): the flow of each of
    its pixels is the projection of its surface point moved by that, within 0.1 px."""
    camera = front_camera()
    T0 = pose_matrix(65.0, 5.25, 0.0, 0.3)
    T1 = T0.copy()
    T1[:3, 3] += (0.6, 0.4, 0.0)
    mesh = box_mesh(CAR)
    buffers, field = _flow_between(camera, EGO, EGO, None, [(7, mesh, T0)], [(7, mesh, T1)])
    car = buffers.instance == 7
    assert car.sum() > 500 and field.valid[car].mean() > 0.99
    assert not field.valid[~car].any()  # the rest is sky: no surface, no flow
    rows, cols = np.nonzero(car & field.valid)
    points = camera.backproject(cols.astype(float), rows.astype(float), buffers.depth[rows, cols])
    R_cam_world = invert_rigid(EGO @ camera.T_ego_cam)[:3, :3]
    moved = points + R_cam_world @ np.array([0.6, 0.4, 0.0])
    expected = camera.project(moved) - np.stack((cols, rows), axis=1)
    err = np.abs(field.flow[rows, cols] - expected)
    assert err.max() < 0.1
    # and the moved point lands on the car in the next frame's buffers (not hidden here)
    after = render_buffers(camera, EGO, None, [(7, mesh, T1)])
    u1 = np.rint(cols + field.flow[rows, cols, 0]).astype(int)
    v1 = np.rint(rows + field.flow[rows, cols, 1]).astype(int)
    assert (after.instance[v1, u1] == 7).mean() > 0.97


def test_static_world_flows_with_the_ego_only():
    """The ego drives 1 m forward over a flat road: a road pixel at depth Z, row v below the
    horizon moves to v' = cy + (v - cy) Z / (Z - 1) (closed form), and the sky is invalid."""
    camera = front_camera()
    road = straight_road()
    T1 = EGO.copy()
    T1[0, 3] += 1.0
    buffers, field = _flow_between(camera, EGO, T1, static_mesh(road), [], [])
    sky = buffers.depth == 0
    assert sky.any() and not field.valid[sky].any()
    rows, cols = np.nonzero(field.valid)
    z = buffers.depth[rows, cols].astype(float)
    exp_v = camera.cy + (rows - camera.cy) * z / (z - 1.0)
    exp_u = camera.cx + (cols - camera.cx) * z / (z - 1.0)
    assert np.abs(field.flow[rows, cols, 1] - (exp_v - rows)).max() < 1e-3
    assert np.abs(field.flow[rows, cols, 0] - (exp_u - cols)).max() < 1e-3
    # the nearest rows leave the image: their points pass below it, so they are invalid
    assert not field.valid[-1, camera.width // 2]


def test_points_behind_the_camera_and_vanished_objects_are_invalid():
    camera = front_camera()
    mesh = box_mesh(CAR)
    T0 = pose_matrix(58.0, 5.25, 0.0, 0.0)  # 7 m ahead of the ego, 6 m of the camera
    T1 = EGO.copy()
    T1[0, 3] += 12.0  # the ego jumps past the car
    _, field = _flow_between(camera, EGO, T1, None, [(3, mesh, T0)], [(3, mesh, T0)])
    assert not field.valid.any()
    buffers, gone = _flow_between(camera, EGO, EGO, None, [(3, mesh, T0)], [])
    assert (buffers.instance == 3).any() and not gone.valid.any()


def test_kernel_matches_the_naive_twin():
    camera = front_camera(64, 40)
    road = straight_road()
    mesh = box_mesh(CAR)
    T0 = pose_matrix(60.0, 3.0, 0.0, 0.2)
    T1 = pose_matrix(61.0, 3.5, 0.0, 0.3)
    E1 = pose_matrix(50.8, 5.3, 0.0, 0.02)
    buffers, field = _flow_between(
        camera, EGO, E1, static_mesh(road), [(2, mesh, T0)], [(2, mesh, T1)]
    )
    motions = motion_transforms(EGO @ camera.T_ego_cam, E1 @ camera.T_ego_cam, {2: T0}, {2: T1})
    rx, ry = camera_rays(camera)
    flow, valid = naive_rigid_flow(
        rx,
        ry,
        buffers.depth,
        buffers.instance,
        motions,
        camera.fx,
        camera.fy,
        camera.cx,
        camera.cy,
        camera.znear,
    )
    assert valid.sum() > 500
    np.testing.assert_array_equal(field.valid, valid)
    np.testing.assert_allclose(field.flow[valid], flow[valid], atol=1e-4)


def test_lens_camera_flow_goes_through_the_distortion():
    """Through a barrel lens a still scene has zero flow (every point projects back onto
    its own pixel centre through the lens) and a moving ego gives the lens's projection."""
    camera = CameraModel(
        "lens",
        96,
        64,
        50.0,
        50.0,
        47.5,
        31.5,
        mount_transform(1.0, 0.0, 1.5, 0.0, 0.0, 0.0),
        lens=Lens("brown_conrady", k1=-0.2, k2=0.03),
    )
    road = straight_road()
    buffers, still = _flow_between(camera, EGO, EGO, static_mesh(road), [], [])
    assert still.valid.sum() > 1000
    assert np.abs(still.flow[still.valid]).max() < 1e-3
    T1 = EGO.copy()
    T1[0, 3] += 1.0
    _, moving = _flow_between(camera, EGO, T1, static_mesh(road), [], [])
    rows, cols = np.nonzero(moving.valid)
    p = camera.backproject(cols.astype(float), rows.astype(float), buffers.depth[rows, cols])
    expected = camera.project(p - (0.0, 0.0, 1.0)) - np.stack((cols, rows), axis=1)
    assert np.abs(moving.flow[rows, cols] - expected).max() < 1e-3


def test_kitti_png_decodes_to_the_same_flow(tmp_path):
    rng = np.random.default_rng(0)
    flow = rng.uniform(-300, 300, size=(30, 40, 2)).astype(np.float32)
    valid = rng.random((30, 40)) > 0.3
    flow[0, 0] = (600.0, 0.0)  # beyond 16 bits: written invalid
    field = FlowField(flow, valid)
    path = tmp_path / "000000.png"
    path.write_bytes(kitti_flow_png(field))
    back = read_kitti_flow(path)
    expected_valid = valid.copy()
    expected_valid[0, 0] = False
    np.testing.assert_array_equal(back.valid, expected_valid)
    assert np.abs(back.flow[expected_valid] - flow[expected_valid]).max() <= 1 / 128 + 1e-6
    # the devkit's decoding, spelled out: OpenCV reads B, G, R
    raw = __import__("cv2").imread(str(path), -1).astype(np.float64)
    u = (raw[..., 2] - 2**15) / 64.0
    assert np.abs(u[expected_valid] - flow[expected_valid, 0]).max() <= 1 / 128 + 1e-6
    np.testing.assert_array_equal(raw[..., 0] > 0, expected_valid)
    assert decode_kitti_flow(encode_kitti_flow(field)).valid.sum() == expected_valid.sum()
    assert math.isclose(float(back.flow[~expected_valid].max(initial=0.0)), 0.0)
