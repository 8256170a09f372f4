"""Camera model: projection against hand-computed pixels, mount conventions, round trips."""

from __future__ import annotations

import math

import numpy as np

from sim.render.camera import CameraModel, gl_pose, invert_rigid, mount_transform, pose_matrix


def test_fov_camera_intrinsics_by_hand():
    cam = CameraModel.from_fov("front", 1280, 720, math.radians(90.0), np.eye(4))
    # f = (W / 2) / tan(45 deg) = 640 px; principal point at the centre in pixel-centre units
    assert cam.fx == cam.fy == 640.0
    assert (cam.cx, cam.cy) == (639.5, 359.5)
    np.testing.assert_allclose(cam.hfov, math.radians(90.0))


def test_projection_of_known_points():
    cam = CameraModel("c", 1280, 720, 640.0, 640.0, 639.5, 359.5, np.eye(4))
    pts = np.array([[0.0, 0.0, 10.0], [10.0, 0.0, 10.0], [-2.0, 1.0, 20.0]])
    uv = cam.project(pts)
    # (0,0,10) -> centre; (10,0,10) -> 640 px right of centre; (-2,1,20) -> (-64, +32)
    np.testing.assert_allclose(uv, [[639.5, 359.5], [1279.5, 359.5], [575.5, 391.5]])
    back = cam.backproject(uv[:, 0], uv[:, 1], pts[:, 2])
    np.testing.assert_allclose(back, pts)


def test_mount_looks_forward_with_image_right_to_the_right_of_the_car():
    T = mount_transform(1.0, 0.0, 1.5, 0.0, 0.0, 0.0)
    R = T[:3, :3]
    np.testing.assert_allclose(R[:, 2], [1, 0, 0])  # optical axis = ego forward
    np.testing.assert_allclose(R[:, 0], [0, -1, 0])  # image right = ego right (-y)
    np.testing.assert_allclose(R[:, 1], [0, 0, -1])  # image down = ego down
    # a point 20 m ahead and 1.5 m up sits on the principal point
    cam = CameraModel.from_fov("f", 640, 480, math.radians(90), T)
    T_world_ego = pose_matrix(100.0, 50.0, 0.0, math.radians(30))
    T_cam_world = invert_rigid(T_world_ego @ cam.T_ego_cam)
    p_world = T_world_ego @ np.array([21.0, 0.0, 1.5, 1.0])
    p_cam = T_cam_world @ p_world
    np.testing.assert_allclose(cam.project(p_cam[None, :3])[0], [cam.cx, cam.cy], atol=1e-9)


def test_positive_pitch_looks_down_and_positive_yaw_looks_left():
    down = mount_transform(0, 0, 0, 0.0, math.radians(10), 0.0)[:3, 2]
    assert down[2] < 0
    left = mount_transform(0, 0, 0, math.radians(10), 0.0, 0.0)[:3, 2]
    assert left[1] > 0


def test_gl_pose_flips_y_and_z():
    T = mount_transform(0, 0, 0, 0, 0, 0)
    G = gl_pose(T)
    np.testing.assert_allclose(G[:3, 2], -T[:3, 2])  # GL cameras look down -z
    np.testing.assert_allclose(G[:3, 1], -T[:3, 1])


def test_invert_rigid():
    T = pose_matrix(3.0, -2.0, 1.0, 0.7) @ mount_transform(1, 0.2, 1.5, 0.1, 0.05, -0.02)
    np.testing.assert_allclose(invert_rigid(T) @ T, np.eye(4), atol=1e-12)
