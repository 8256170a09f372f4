"""Bird's-eye view: oriented footprints, the static scene from above, voxel occupancy."""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import box as shapely_box
from shapely.ops import unary_union

from sim.classes import BY_NAME
from sim.groundtruth.bev import (
    FREE,
    OCCUPIED,
    UNOBSERVED,
    BevGrid,
    VoxelGrid,
    _stamp_boxes,
    _top_down,
    bev_frame,
    ego_pose_2d,
    footprints,
    occupancy,
)
from sim.groundtruth.flow import camera_rays
from sim.render.camera import invert_rigid, pose_matrix

from helpers.gt_scene import (
    box_mesh,
    front_camera,
    render_buffers,
    scene_object,
    static_mesh,
    straight_road,
)
from naive import box_polygon, stamp_boxes, top_down, walk_rays

EGO = pose_matrix(50.0, 5.25, 0.0, 0.0)


def _cells_polygon(mask: np.ndarray, grid: BevGrid):
    """The union of the squares of the cells in ``mask``, ego frame."""
    xs, ys = grid.cell_centres()
    h = grid.resolution / 2
    rows, cols = np.nonzero(mask)
    return unary_union(
        [
            shapely_box(ys[c] - h, xs[r] - h, ys[c] + h, xs[r] + h)
            for r, c in zip(rows, cols, strict=True)
        ]
    )


def test_vehicle_footprints_match_their_oriented_boxes():
    """IoU >= 0.9 at 0.1 m for cars, a truck and a bus at many headings, the ego turned
    (a pedestrian >= 0.8)."""
    grid = BevGrid(60.0, 60.0, 0.1)
    ego = pose_matrix(50.0, 5.25, 0.0, 0.4)
    objects = []
    specs = [
        ("car", (4.5, 1.8, 1.5)),
        ("truck", (9.0, 2.5, 3.4)),
        ("pedestrian", (0.6, 0.7, 1.8)),
        ("car", (4.2, 1.7, 1.4)),
        ("bus", (12.0, 2.55, 3.2)),
    ]
    for k, (cls, size) in enumerate(specs):
        T = pose_matrix(54.0 + 2.0 * k, -4.0 + 5.0 * k, 0.0, 0.37 * k - 0.9)
        objects.append(scene_object(k + 2, size, T, cls))
    frame = bev_frame(grid, static_mesh(straight_road()), ego, objects)
    T_ego_world = invert_rigid(ego)
    for obj in objects:
        T = T_ego_world @ obj.T_world_obj
        yaw = math.atan2(T[1, 0], T[0, 0])
        truth = box_polygon(T[0, 3], T[1, 3], yaw, obj.size[0], obj.size[1])
        # the cells' polygon is in (y, x) axes: swap the box's to match
        truth = type(truth)([(y, x) for x, y in truth.exterior.coords])
        cells = _cells_polygon(frame.instance == obj.id, grid)
        iou = cells.intersection(truth).area / cells.union(truth).area
        # the bar is for vehicles; a 0.6 m pedestrian is only ~40 cells at 0.1 m
        assert iou >= (0.8 if obj.cls == "pedestrian" else 0.9), (obj.cls, iou)
        assert (frame.semantic[frame.instance == obj.id] == BY_NAME[obj.cls].id).all()


def test_static_scene_from_above():
    """Ego in lane 1 of a 3-lane road: road under it, the solid right edge line at
    y = -5.25 m painted along the whole grid, terrain beyond the shoulder, markings highest."""
    grid = BevGrid(80.0, 80.0, 0.2)
    frame = bev_frame(grid, static_mesh(straight_road()), EGO, [])
    rows, cols = grid.shape
    road, marking, terrain = (BY_NAME[n].id for n in ("road", "lane_marking", "terrain"))
    xs, ys = grid.cell_centres()
    assert frame.semantic[rows // 2, cols // 2] == road
    edge = int(np.argmin(np.abs(ys + 5.25)))
    assert (frame.semantic[:, edge] == marking).all()
    assert np.allclose(frame.height[:, edge], 0.02)
    beyond = int(np.argmin(np.abs(ys + 5.25 + 2.5 + 3.0)))  # 3 m past the 2.5 m shoulder
    assert (frame.semantic[:, beyond] == terrain).all()
    assert (frame.instance == 0).all()
    # the dashed divider between lanes 0 and 1 (y = 3.5 m world): 6 m paint, 12 m gap
    divider = int(np.argmin(np.abs(ys + 1.75)))
    painted = frame.semantic[:, divider] == marking
    assert 0.25 < painted.mean() < 0.4


def test_top_down_kernel_matches_the_naive_twin():
    rng = np.random.default_rng(3)
    verts = np.concatenate(
        [rng.uniform(-6, 6, size=(30, 2)) + (50.0, 5.0), rng.uniform(-0.5, 5.0, size=(30, 1))],
        axis=1,
    )
    faces = rng.integers(0, 30, size=(25, 3)).astype(np.int32)
    cls = rng.integers(1, 12, size=25).astype(np.uint8)
    ego = pose_matrix(50.0, 5.0, 0.0, 0.3)
    shape, res, ceiling = (24, 20), 0.5, 4.0
    x_max, y_max = shape[0] * res / 2, shape[1] * res / 2
    sem = np.zeros(shape, np.uint8)
    height = np.full(shape, -np.inf)
    _top_down(verts, faces, cls, ego_pose_2d(ego), x_max, y_max, res, ceiling, sem, height)
    n_sem, n_height = top_down(verts, faces, cls, 50.0, 5.0, 0.3, x_max, y_max, res, ceiling, shape)
    covered = np.isfinite(n_height)
    assert covered.sum() > 50
    np.testing.assert_array_equal(np.isfinite(height), covered)
    np.testing.assert_allclose(height[covered], n_height[covered], atol=1e-9)
    np.testing.assert_array_equal(sem, n_sem)


def test_stamp_boxes_matches_the_naive_twin():
    ego = pose_matrix(10.0, -3.0, 0.0, -0.7)
    objects = [
        scene_object(4, (4.5, 1.8, 1.5), pose_matrix(14.0, -1.0, 0.0, 0.5)),
        scene_object(9, (0.7, 0.6, 1.8), pose_matrix(12.0, -4.0, 0.0, 2.0), "pedestrian"),
    ]
    boxes, ids, classes = footprints(ego, objects)
    shape, res = (40, 36), 0.25
    x_max, y_max = shape[0] * res / 2, shape[1] * res / 2
    sem = np.zeros(shape, np.uint8)
    inst = np.zeros(shape, np.uint16)
    _stamp_boxes(boxes, ids, classes, x_max, y_max, res, sem, inst)
    plain = [(b[0], b[1], math.atan2(b[3], b[2]), 2 * b[4], 2 * b[5]) for b in boxes]
    n_sem, n_inst = stamp_boxes(plain, ids, classes, x_max, y_max, res, shape)
    assert (inst == 4).sum() > 50 and (inst == 9).sum() > 3
    np.testing.assert_array_equal(inst, n_inst)
    np.testing.assert_array_equal(sem, n_sem)


def test_occupancy_free_before_a_car_occupied_on_it_unobserved_behind():
    camera = front_camera(160, 96)
    mesh = box_mesh((4.5, 1.8, 1.5))
    car = pose_matrix(65.0, 5.25, 0.0, math.pi / 2)  # 15 m ahead, broadside
    buffers = render_buffers(camera, EGO, static_mesh(straight_road()), [(5, mesh, car)])
    grid = VoxelGrid(40.0, 40.0, 0.4, -1.0, 4.2, stride=1)
    state, classes = occupancy(grid, camera, buffers.depth, buffers.semantic, camera_rays(camera))
    xs = grid.extent_x / 2 - (np.arange(grid.shape[0]) + 0.5) * grid.voxel
    ys = grid.extent_y / 2 - (np.arange(grid.shape[1]) + 0.5) * grid.voxel
    zs = grid.z_min + (np.arange(grid.shape[2]) + 0.5) * grid.voxel
    c = int(np.argmin(np.abs(ys)))
    k = int(np.argmin(np.abs(zs - 1.0)))  # 1 m up, the car's height band
    ahead = lambda x: int(np.argmin(np.abs(xs - x)))  # noqa: E731
    assert state[ahead(8.0), c, k] == FREE  # between the camera and the car
    assert state[ahead(14.1), c, k] == OCCUPIED  # its near side (the car spans 14.1..15.9 m)
    assert classes[ahead(14.1), c, k] == BY_NAME["car"].id
    assert state[ahead(17.5), c, k] == UNOBSERVED  # hidden behind it
    assert state[ahead(-10.0), c, k] == UNOBSERVED  # behind the camera
    road_layer = int(np.argmin(np.abs(zs)))  # [-0.2, 0.2]: the road mid-layer
    assert (classes[ahead(6.0) : ahead(4.0), c, road_layer] == BY_NAME["road"].id).all()


def test_walk_rays_matches_the_naive_twin():
    camera = front_camera(48, 32, hfov_deg=83.7)  # rays of no simple slope (see below)
    mesh = box_mesh((4.5, 1.8, 1.5))
    car = pose_matrix(60.0, 6.0, 0.0, 0.4)
    buffers = render_buffers(camera, EGO, static_mesh(straight_road()), [(5, mesh, car)])
    # 0.47 m voxels: the camera centre off the voxel corners (a ray exactly through a voxel
    # edge may or may not count the voxels it only touches)
    grid = VoxelGrid(30.0, 20.0, 0.47, -1.0, 3.0, stride=2)
    x_max, y_max = grid.shape[0] * 0.47 / 2, grid.shape[1] * 0.47 / 2
    rays = camera_rays(camera)
    state, classes = occupancy(grid, camera, buffers.depth, buffers.semantic, rays, reach=60.0)
    n_state, n_classes = walk_rays(
        *rays,
        buffers.depth,
        buffers.semantic,
        2,
        camera.T_ego_cam,
        x_max,
        y_max,
        -1.0,
        0.47,
        60.0,
        grid.shape,
    )
    assert (n_state == OCCUPIED).sum() > 20 and (n_state == FREE).sum() > 200
    np.testing.assert_array_equal(state, n_state)
    np.testing.assert_array_equal(classes, n_classes)


def test_bev_panel_goes_into_the_frame_corner(tmp_path):
    from sim.dataset.writers.groundtruth import npz_bytes
    from sim.groundtruth.panel import with_bev_panel

    grid = BevGrid(40.0, 40.0, 0.2)
    car = scene_object(3, (4.5, 1.8, 1.5), pose_matrix(60.0, 5.25, 0.0, 0.0))
    bev = bev_frame(grid, static_mesh(straight_road()), EGO, [car])
    folder = tmp_path / "bev" / "front"
    folder.mkdir(parents=True)
    (folder / "000000.npz").write_bytes(
        npz_bytes({"semantic": bev.semantic, "instance": bev.instance})
    )
    frame = np.zeros((200, 320, 3), np.uint8)
    out = with_bev_panel(frame, tmp_path, "front", 0)
    assert out[:90, -90:].any() and not out[100:, :200].any()
    assert with_bev_panel(frame, tmp_path, "front", 1) is frame  # no file: unchanged
