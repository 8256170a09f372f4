"""The frame renderer end to end (pyrender through EGL + our label rasterizer + labels):
golden geometry worked out by hand, occlusion, truncation, thin objects, agreement between
pyrender's coverage and our instance mask, the colour compose kernel, and the render bench.

Golden scene: camera 201 x 101 px, f = 100 px, principal point (100, 50), 1 m above the
ground looking along world +x (image right = world -y, image down = world -z). A point at
distance z ahead, x_cam to the right and y_cam below the camera lands on pixel
u = 100 + 100 x_cam / z, v = 50 + 100 y_cam / z; a pixel is the object's when its centre is.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from sim.assets import load_catalog
from sim.classes import BY_NAME
from sim.labels import SceneObject, label_frame
from sim.render.camera import CameraModel, invert_rigid, mount_transform, pose_matrix
from sim.render.raster import rasterize
from sim.render.renderer import AgentView, FrameRenderer, Lighting, compose_over_sky
from sim.render.scene import MeshArrays, assemble_frame

from helpers.paths import REPO
from naive import compose_over_sky as compose_naive

LIGHT = Lighting.from_angles(
    45.0,
    30.0,
    sun_color=(1.0, 1.0, 1.0),
    sun_intensity=3.0,
    ambient=0.4,
    sky_top=(90, 140, 210),
    sky_horizon=(200, 215, 230),
)
EGO = np.eye(4)
CAR = BY_NAME["car"].id


def golden_camera(width=201, height=101) -> CameraModel:
    return CameraModel(
        "g",
        width,
        height,
        100.0,
        100.0,
        (width - 1) / 2,
        (height - 1) / 2,
        mount_transform(0.0, 0.0, 1.0, 0.0, 0.0, 0.0),
    )


def box_mesh(length: float, w: float, h: float, cls: str = "car") -> MeshArrays:
    """Closed box, bottom centre at the origin, faces CCW seen from outside."""
    v = np.array(
        [[x, y, z] for x in (-length / 2, length / 2) for y in (-w / 2, w / 2) for z in (0.0, h)]
    )
    quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    faces = []
    centre = v.mean(axis=0)
    for a, b, c, d in quads:
        for tri in ((a, b, c), (a, c, d)):
            n = np.cross(v[tri[1]] - v[tri[0]], v[tri[2]] - v[tri[0]])
            faces.append(tri if np.dot(n, v[tri[0]] - centre) > 0 else tri[::-1])
    f = len(faces)
    return MeshArrays(
        v,
        np.array(faces, dtype=np.int32),
        np.tile(np.array([180, 40, 40, 255], np.uint8), (f, 1)),
        np.full(f, BY_NAME[cls].id, dtype=np.uint8),
    )


def ground() -> MeshArrays:
    v = np.array([[0.5, -60.0, 0.0], [200.0, -60.0, 0.0], [200.0, 60.0, 0.0], [0.5, 60.0, 0.0]])
    f = np.array([[0, 1, 2], [0, 2, 3]], dtype=np.int32)
    return MeshArrays(
        v,
        f,
        np.tile(np.array([80, 80, 80, 255], np.uint8), (2, 1)),
        np.full(2, BY_NAME["road"].id, dtype=np.uint8),
    )


@pytest.fixture(scope="module")
def renderer():
    r = FrameRenderer((ground(),), LIGHT)
    yield r
    r.close()


def render_and_label(renderer, camera, placed):
    """placed: (id, mesh, cls, size, x, y, yaw) in the world. Returns rgb, buffers, labels by id."""
    views, objects = [], []
    for oid, mesh, cls, size, x, y, yaw in placed:
        T = pose_matrix(x, y, 0.0, yaw)
        views.append(AgentView(oid, (oid, id(mesh)), mesh, T, float(np.linalg.norm(size))))
        objects.append(SceneObject(oid, cls, size, T))
    rgb, buffers = renderer.render(camera, EGO, views)
    T_cam_world = invert_rigid(EGO @ camera.T_ego_cam)
    labels = label_frame(buffers, objects, camera, T_cam_world, 1)
    return rgb, buffers, {lab.id: lab for lab in labels}


def test_golden_box_extents_depth_and_3d_box(renderer):
    """A 4 x 2 x 1.5 m box, bottom centre 20 m ahead: its near face (x = 18 m) spans
    x_cam in [-1, 1], y_cam in [-0.5, 1] (camera 1 m up), so u in [94.44, 105.56] and
    v in [47.22, 55.56]: columns 95..105, rows 48..55, 88 pixels, depth 18 m."""
    cam = golden_camera()
    _, buf, labels = render_and_label(
        renderer, cam, [(5, box_mesh(4, 2, 1.5), "car", (4.0, 2.0, 1.5), 20.0, 0.0, 0.0)]
    )
    lab = labels[5]
    assert lab.box2d == (95, 48, 106, 56)
    assert lab.pixels == 88 == lab.amodal_pixels
    assert lab.visible_fraction == 1.0 and lab.occlusion == 0 and lab.truncation == 0.0
    np.testing.assert_allclose(buf.depth[50, 100], 18.0, rtol=1e-6)
    assert np.all(np.abs(buf.depth[buf.instance == 5] - 18.0) < 1e-4)  # only the near face shows
    assert np.all(buf.semantic[buf.instance == 5] == CAR)
    # amodal box: near face outermost, bottom edge of near face lowest, top edge of far face
    # (z = 22) highest
    want = (100 - 100 / 18 + 0.5, 50 - 50 / 18 + 0.5, 100 + 100 / 18 + 0.5, 50 + 100 / 18 + 0.5)
    np.testing.assert_allclose(lab.box2d_amodal, want, atol=1e-9)
    # 3D box centre in the camera frame: 20 m ahead, 0.75 m up the box = 0.25 m below the
    # camera axis
    np.testing.assert_allclose(lab.center_cam, (0.0, 0.25, 20.0), atol=1e-9)
    assert abs(lab.rotation_y - (-math.pi / 2)) < 1e-9  # heading away from the camera


@pytest.mark.parametrize("edge_u, level", [(99.5, 1), (103.5, 2)])
def test_occluder_gives_visible_fraction_and_occlusion_level(renderer, edge_u, level):
    """A 3 m tall box 10 m ahead (near face at 9 m) whose right edge lands at u = edge_u hides
    columns 95..floor(edge_u) of the golden box: (105 - floor(edge_u)) of its 11 columns stay."""
    cam = golden_camera()
    y_right = -(edge_u - 100.0) * 9.0 / 100.0  # world y of the occluder's right side
    occluder = box_mesh(2, 2, 3)
    placed = [
        (5, box_mesh(4, 2, 1.5), "car", (4.0, 2.0, 1.5), 20.0, 0.0, 0.0),
        (6, occluder, "truck", (2.0, 2.0, 3.0), 10.0, y_right + 1.0, 0.0),
    ]
    _, buf, labels = render_and_label(renderer, cam, placed)
    visible_cols = 105 - math.floor(edge_u)
    far, near = labels[5], labels[6]
    assert far.amodal_pixels == 88
    assert far.pixels == visible_cols * 8
    assert far.visible_fraction == pytest.approx(visible_cols / 11)
    assert far.occlusion == level
    assert far.box2d == (106 - visible_cols, 48, 106, 56)
    assert near.visible_fraction == 1.0 and near.occlusion == 0
    assert near.box2d[2] == math.floor(edge_u) + 1  # last column of the occluder + 1


def test_truncation_at_the_image_edge(renderer):
    """The golden box moved 18 m to the left: near face u in [-5.56, 5.56], far face (22 m)
    u in [13.64, 22.73]. The projected box spans x in [-5.056, 23.227] (pixel edges), 5.056
    of its 28.283 px outside the image; visibility stays 1 (the border is not an occluder)."""
    cam = golden_camera()
    _, _, labels = render_and_label(
        renderer, cam, [(5, box_mesh(4, 2, 1.5), "car", (4.0, 2.0, 1.5), 20.0, 18.0, 0.0)]
    )
    lab = labels[5]
    x0 = 100 - 100 * 19 / 18 + 0.5
    x1 = 100 - 100 * 17 / 22 + 0.5
    assert lab.truncation == pytest.approx(-x0 / (x1 - x0), abs=1e-9)
    assert lab.box2d == (0, 48, 23, 56)  # near face columns 0..5 and the side face to column 22
    # the side face meets the ground along its bottom edge: a pixel centre on that line may
    # go to the ground (a depth tie), nothing more
    assert lab.amodal_pixels - lab.pixels <= 1 and lab.occlusion == 0


@pytest.mark.parametrize(
    "asset, cls", [("bicycle_with_rider", "bicycle"), ("pedestrian_adult", "pedestrian")]
)
@pytest.mark.parametrize("distance, yaw", [(25.0, 0.0), (60.0, 0.0), (40.0, math.pi / 2)])
def test_thin_objects_get_non_degenerate_boxes(renderer, asset, cls, distance, yaw):
    """Seen end-on or side-on, near or far, a cyclist or a pedestrian gets a real box that
    agrees with its pixels and sits inside its projected 3D box."""
    catalog = load_catalog()
    data = catalog.mesh(asset, 0)
    mesh = MeshArrays(
        data.vertices,
        data.faces,
        data.face_colors,
        np.full(len(data.faces), BY_NAME[cls].id, np.uint8),
    )
    cam = CameraModel.from_fov(
        "front", 640, 360, math.radians(90.0), mount_transform(0, 0, 1.5, 0, 0, 0)
    )
    _, buf, labels = render_and_label(
        renderer, cam, [(7, mesh, cls, data.size, distance, 0.0, yaw)]
    )
    lab = labels[7]
    x0, y0, x1, y1 = lab.box2d
    assert x1 - x0 >= 2 and y1 - y0 >= 4
    ys, xs = np.nonzero(buf.instance == 7)
    assert lab.box2d == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    ax0, ay0, ax1, ay1 = lab.box2d_amodal
    assert ax0 < x0 + 0.5 and ay0 < y0 + 0.5 and ax1 > x1 - 0.5 and ay1 > y1 - 0.5
    # the box is as tall as the asset's projected height, within a pixel or two
    expected_height = cam.fy * data.size[2] / distance
    assert abs((y1 - y0) - expected_height) < 2.0 + 0.05 * expected_height
    assert lab.visible_fraction == 1.0


COVERAGE_SCENE = (
    ("sedan", 12.0, 2.0, 0.3),
    ("truck", 30.0, -4.0, 0.0),
    ("bus", 45.0, 6.0, math.pi),
    ("bicycle_with_rider", 9.0, -2.5, 1.2),
    ("pedestrian_adult", 7.0, 1.5, 2.0),
    ("pedestrian_child", 15.0, -1.0, -0.5),
    ("van", 22.0, 3.0, 0.1),
    ("motorcycle_with_rider", 18.0, -3.0, 0.2),
    ("suv", 60.0, 0.0, 0.0),
    ("traffic_cone", 6.0, -1.2, 0.0),
)


def test_pyrender_coverage_agrees_with_the_instance_mask(renderer):
    """Where pyrender's 4x MSAA covers a pixel with 3 or 4 samples, our rasterizer has an object;
    where it covers 0 or 1 samples, ours has none -- except on our silhouettes' boundary
    pixels. (2 of 4 samples is a tie: sub-pixel wires such as bicycle spokes.)"""
    import cv2

    catalog = load_catalog()
    cam = CameraModel.from_fov(
        "front", 480, 270, math.radians(90.0), mount_transform(0.0, 0, 1.5, 0, 0, 0)
    )
    T_world_cam = EGO @ cam.T_ego_cam
    T_cam_world = invert_rigid(T_world_cam)
    placed = []
    for k, (name, x, y, yaw) in enumerate(COVERAGE_SCENE):
        data = catalog.mesh(name, 0)
        mesh = MeshArrays(
            data.vertices, data.faces, data.face_colors, np.zeros(len(data.faces), np.uint8)
        )
        placed.append((mesh, pose_matrix(x, y, 0.0, yaw), k + 1))
    color = renderer.color
    for mesh, _T, oid in placed:
        color.add_agent_mesh(("coverage", oid), mesh.vertices, mesh.faces, mesh.face_colors)
    color.set_agents([(oid, ("coverage", oid), T) for _, T, oid in placed])
    # only the agents: take the ground out of the colour render for this check
    agent_nodes = {node for _, node in color._agent_nodes.values()}
    static_nodes = [n for n in color.scene.mesh_nodes if n not in agent_nodes]
    for n in static_nodes:
        color.scene.remove_node(n)
    try:
        alpha = color.render_rgba(cam, T_world_cam)[..., 3]
    finally:
        for n in static_nodes:
            color.scene.add_node(n)
        color.set_agents([])
    empty = MeshArrays(
        np.zeros((0, 3)),
        np.zeros((0, 3), np.int32),
        np.zeros((0, 4), np.uint8),
        np.zeros(0, np.uint8),
    )
    ours = rasterize(*assemble_frame(empty, placed, T_cam_world), cam).instance > 0
    covered, empty_px = alpha >= 191, alpha <= 64
    assert ours.sum() > 2000  # the check means something
    kernel = np.ones((3, 3), np.uint8)
    boundary = cv2.dilate(ours.astype(np.uint8), kernel) != cv2.erode(ours.astype(np.uint8), kernel)
    disagree = (ours & empty_px) | (~ours & covered)
    assert not (disagree & ~boundary).any(), int((disagree & ~boundary).sum())
    assert disagree.sum() < 0.1 * boundary.sum()


def test_compose_kernel_matches_its_twin():
    rng = np.random.default_rng(5)
    sky = rng.integers(0, 256, size=(7, 9, 3), dtype=np.uint8)
    alpha = rng.integers(0, 256, size=(7, 9), dtype=np.uint8)
    alpha[0, :3] = (0, 255, 128)
    colour = (rng.uniform(0, 1, size=(7, 9, 3)) * alpha[..., None]).astype(
        np.uint8
    )  # premultiplied
    rgba = np.concatenate([colour, alpha[..., None]], axis=2)
    np.testing.assert_array_equal(compose_over_sky(rgba, sky), compose_naive(rgba, sky))
    out = compose_over_sky(rgba, sky)
    assert np.array_equal(out[0, 0], sky[0, 0]) and np.array_equal(out[0, 1], colour[0, 1])
    with pytest.raises(ValueError):
        compose_over_sky(rgba[..., :3], sky)


def test_render_bench_prints_its_figures():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "bench",
            "render",
            "--width",
            "160",
            "--height",
            "90",
            "--frames",
            "3",
            "--objects",
            "8",
            "--write",
            "--features",
            "0",  # the per-feature rows have their own test (tests/studies/test_stats.py)
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "plain pyrender colour render:" in out and "fully labelled frame:" in out
    assert "resident memory" in out
    last = out.strip().splitlines()[-1]
    assert (
        last.startswith("render bench: a fully labelled frame costs ")
        and "x a plain colour render" in last
    )


def test_rasterizer_matches_ray_caster_on_ground_and_slivers():
    """Huge ground triangles reaching behind the camera, nearly horizontal and nearly
    vertical slivers: the row-span shortcut of the rasterizer changes no pixel."""
    from naive import raycast_buffers

    cam = CameraModel("r", 48, 32, 30.0, 30.0, 23.5, 15.5, np.eye(4))
    verts = [
        # ground 1.5 m below the camera, from behind it to 500 m ahead (camera frame, y down)
        (-400.0, 1.5, -5.0),
        (400.0, 1.5, -5.0),
        (400.0, 1.5, 500.0),
        (-400.0, 1.5, 500.0),
        # a nearly horizontal sliver and a nearly vertical one, a far-away tiny triangle
        (-3.0, 0.28, 6.0),
        (3.0, 0.30, 6.0),
        (3.0, 0.33, 6.0),
        (0.40, -2.0, 5.0),
        (0.45, 2.0, 5.0),
        (0.41, 2.0, 5.0),
        (0.0, 0.0, 300.0),
        (0.9, 0.0, 300.0),
        (0.0, 0.7, 300.0),
    ]
    verts = np.array(verts)
    faces = np.array([[0, 1, 2], [0, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]])
    # orient every face towards the camera (the ray caster culls back faces the same way)
    for k, (a, b, c) in enumerate(faces):
        if np.dot(np.cross(verts[b] - verts[a], verts[c] - verts[a]), verts[a]) > 0:
            faces[k] = (a, c, b)
    inst = np.array([0, 0, 1, 2, 3])
    sem = np.array([1, 1, 11, 16, 17])
    got = rasterize(verts, faces, inst, sem, cam)
    depth, want_inst, want_sem, amodal = raycast_buffers(
        verts, faces, inst, sem, cam.fx, cam.fy, cam.cx, cam.cy, cam.znear, cam.width, cam.height
    )
    np.testing.assert_array_equal(got.instance, want_inst)
    np.testing.assert_array_equal(got.semantic, want_sem)
    np.testing.assert_allclose(
        got.depth, np.where(np.isfinite(depth), depth, 0.0), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_array_equal(got.amodal_pixels, amodal)
    assert (got.semantic == 1).sum() > 300 and got.amodal_pixels[1] > 0 and got.amodal_pixels[2] > 0


@pytest.mark.skipif(
    bool(__import__("ctypes.util").util.find_library("OSMesa")), reason="OSMesa is installed here"
)
def test_missing_opengl_library_is_one_clear_error(tmp_path):
    """PYOPENGL_PLATFORM=osmesa without libOSMesa: exit 2, one line naming the fix, no output."""
    import os

    out = tmp_path / "out"
    env = {**os.environ, "PYOPENGL_PLATFORM": "osmesa"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "run",
            "scenarios/cut_in.yaml",
            "--out",
            str(out),
            "--quiet",
            "--set",
            "duration=0.5",
            "--set",
            "sensors.cameras.0.width=64",
            "--set",
            "sensors.cameras.0.height=36",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "libosmesa6" in lines[0]
    assert not out.exists() and not list(tmp_path.glob(".out.partial*"))


def test_roadside_trees_lamps_and_buildings_are_stuff_not_objects():
    """Roadside dressing shows up in the semantic buffer as vegetation, pole and building, never
    as instances or labels, and a density of 0 leaves the road bare."""
    from sim.assets import load_catalog
    from sim.render.scene import build_roadside
    from sim.road import Road

    catalog = load_catalog()
    road = Road.straight(300.0, lanes=2, lane_width=3.5)
    parts = build_roadside(road, catalog, np.random.default_rng(0))
    classes = {int(c) for c in np.unique(parts.face_semantic)}
    assert classes == {BY_NAME["vegetation"].id, BY_NAME["pole"].id, BY_NAME["building"].id}
    # nothing stands on the carriageway or the shoulders
    d = parts.vertices[:, 1]  # a straight road along +x: lateral offset = y
    on_road = (
        (d > -road.shoulder_width)
        & (d < road.width + road.shoulder_width)
        & (parts.vertices[:, 2] < 4.0)
    )
    assert not on_road.any()
    assert build_roadside(road, catalog, np.random.default_rng(0), density=0.0) is None


def test_sidewalks_kerbs_and_zebra_crossings_are_built_from_the_road_model():
    from sim.render.scene import KERB_HEIGHT, ZEBRA_LENGTH, build_static
    from sim.road import Road

    road = Road.straight(
        200.0, lanes=2, lane_width=3.5, shoulder_width=0.5, sidewalk_width=2.5, crossings=(100.0,)
    )
    surface, marks, terrain = build_static(road, np.random.default_rng(0))
    side = surface.face_semantic == BY_NAME["sidewalk"].id
    tri = surface.vertices[surface.faces[side]]  # (F, 3, 3)
    # raised tops at kerb height spanning [-3, -0.5] and [7.5, 10]; kerb faces vertical
    tops = tri[np.all(np.isclose(tri[:, :, 2], KERB_HEIGHT), axis=1)]
    ys = tops[:, :, 1]
    assert np.isclose(ys.min(), -3.0) and np.isclose(ys.max(), 10.0)
    assert not ((ys > -0.5 + 1e-9) & (ys < 7.5 - 1e-9)).any()  # nothing raised on the carriageway
    walls = tri[~np.all(np.isclose(tri[:, :, 2], KERB_HEIGHT), axis=1)]
    n = np.cross(walls[:, 1] - walls[:, 0], walls[:, 2] - walls[:, 0])
    kerb_right = np.isclose(walls[:, :, 1], -0.5).all(axis=1)
    assert kerb_right.any() and np.all(n[kerb_right, 1] > 0)  # the right kerb faces the road (+y)
    # zebra: bars across the whole carriageway, only around s = 100, no dashes through it
    zebra = marks.vertices[marks.faces].mean(axis=1)
    near = np.abs(zebra[:, 0] - 100.0) < ZEBRA_LENGTH / 2
    assert zebra[near, 1].min() < 0.6 and zebra[near, 1].max() > 6.4
    assert len(np.unique(np.round(zebra[near, 1], 2))) >= 7
    # the terrain starts behind the sidewalks
    t = terrain.vertices
    assert not (
        (t[:, 1] > -3.0 + 1e-6) & (t[:, 1] < 10.0 - 1e-6) & (t[:, 0] > 0) & (t[:, 0] < 200)
    ).any()


_TIE_SCRIPT = """
import sys
import numpy as np
from sim.render.backend import ColorRenderer
from sim.render.camera import CameraModel, mount_transform

first = sys.argv[1]
quad_v = np.array([[20.0, -3.0, -1.0], [20.0, 3.0, -1.0], [20.0, 3.0, 3.0], [20.0, -3.0, 3.0]])
quad_f = np.array([[0, 2, 1], [0, 3, 2]])
colors = {"red": (220, 30, 30, 255), "green": (30, 200, 30, 255)}
order = [first, "green" if first == "red" else "red"]
cam = CameraModel(
    "c", 64, 48, 40.0, 40.0, 31.5, 23.5, mount_transform(0.0, 0.0, 1.0, 0.0, 0.0, 0.0)
)
for _ in range(6):  # fresh renderers, fresh node addresses
    with ColorRenderer(ambient=1.0) as r:
        for name in order:
            r.add_static(quad_v, quad_f, np.array([colors[name]] * 2, np.uint8))
        r.set_sun(np.array([-1.0, 0.0, 0.0]), (1.0, 1.0, 1.0), 0.0)
        print(*r.render_rgba(cam, cam.T_ego_cam)[24, 32, :3])
"""


@pytest.mark.parametrize("first", ["red", "green"])
def test_surfaces_tied_in_depth_draw_in_the_order_they_were_added(first):
    """Two coplanar quads at the same pose tie in depth everywhere: the one added first must
    show, in every renderer. pyrender's own order follows a set of nodes (memory addresses),
    which changed a pixel or two between runs of the same episode before the draw order
    was pinned (sim.render.backend._make_sorter). In a child process: closing a pyrender
    renderer ends the process's EGL display, which this module's shared renderer uses."""
    proc = subprocess.run(
        [sys.executable, "-c", _TIE_SCRIPT, first],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    want = 0 if first == "red" else 1
    for line in proc.stdout.split("\n")[:-1]:
        centre = np.array([int(c) for c in line.split()])
        assert centre.argmax() == want and centre.max() > 100, centre
