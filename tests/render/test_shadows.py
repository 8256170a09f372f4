"""Sun shadows, overcast light and headlights through the public renderer API
(FrameRenderer with a flat ground part and a box agent), small renders."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from sim.render.camera import CameraModel, mount_transform, pose_matrix
from sim.render.lights import light_frame, shadow_box
from sim.render.renderer import AgentView, FrameRenderer, Lighting
from sim.render.scene import MeshArrays
from sim.scenario.daylight import DAY_AMBIENT, DAY_SUN_INTENSITY, lamps_on, overcast

BOX = (1.0, 1.0, 1.5)  # (length, width, height) [m]
SUN_EL = 30.0


def _box(length, width, height) -> MeshArrays:
    v = np.array(
        [
            [x, y, z]
            for x in (-length / 2, length / 2)
            for y in (-width / 2, width / 2)
            for z in (0.0, height)
        ],
        dtype=np.float64,
    )
    quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    faces = []
    centre = v.mean(axis=0)
    for a, b, c, d in quads:
        for tri in ((a, b, c), (a, c, d)):
            n = np.cross(v[tri[1]] - v[tri[0]], v[tri[2]] - v[tri[0]])
            faces.append(tri if np.dot(n, v[tri[0]] - centre) > 0 else tri[::-1])
    f = np.array(faces, dtype=np.int32)
    colors = np.tile(np.array([200, 60, 50, 255], np.uint8), (len(f), 1))
    return MeshArrays(v, f, colors, np.full(len(f), 2, np.uint8))


def _ground(half: float = 60.0) -> MeshArrays:
    v = np.array([[-half, -half, 0], [half, -half, 0], [half, half, 0], [-half, half, 0]], float)
    f = np.array([[0, 1, 2], [0, 2, 3]], np.int32)
    return MeshArrays(
        v, f, np.tile(np.array([128, 128, 128, 255], np.uint8), (2, 1)), np.ones(2, np.uint8)
    )


def _lighting(shadows=True, cover=0.0, lamps=False, sun=DAY_SUN_INTENSITY, ambient=DAY_AMBIENT):
    sun, ambient = overcast(sun, ambient, SUN_EL, cover)
    return Lighting.from_angles(
        SUN_EL,
        0.0,
        sun_color=(1.0, 1.0, 1.0),
        sun_intensity=sun,
        ambient=ambient,
        sky_top=(90, 140, 210),
        sky_horizon=(200, 215, 230),
        shadows=shadows,
        cloud_cover=cover,
        lamps=lamps,
    )


TOP = CameraModel.from_fov(
    "top",
    240,
    240,
    math.radians(24.0),
    mount_transform(-2.0, 0.0, 30.0, 0.0, math.radians(90.0), 0.0),
)


def _top_view(lighting, cameras=(TOP,)):
    """rgb, ground-plane x, y of every pixel, and the box's pixels, seen from 30 m above
    (through each of ``cameras`` in turn, one renderer: a list of the grey images)."""
    renderer = FrameRenderer((_ground(),), lighting)
    try:
        box = AgentView(7, "box", _box(*BOX), pose_matrix(0.0, 0.0, 0.0, 0.0), 2.0)
        views = [renderer.render(camera, np.eye(4), [box]) for camera in cameras]
    finally:
        renderer.close()
    T = TOP.T_ego_cam
    u, v = np.meshgrid(np.arange(TOP.width), np.arange(TOP.height))
    rays = np.stack(((u - TOP.cx) / TOP.fx, (v - TOP.cy) / TOP.fy, np.ones_like(u, float)), -1)
    world = rays @ T[:3, :3].T
    t = -T[2, 3] / world[..., 2]
    x, y = T[0, 3] + t * world[..., 0], T[1, 3] + t * world[..., 1]
    greys = [rgb.astype(np.float64).mean(axis=-1) for rgb, _ in views]
    return (greys[0] if len(cameras) == 1 else greys), x, y, views[0][1].instance == 7


def test_golden_box_shadow_length_and_direction():
    """A 1.5 m box, sun 30 deg up from +x: a shadow 1.5 / tan 30 = 2.6 m long (+-5 %)
    beyond the box, towards -x."""
    _golden_shadow(*_top_view(_lighting()))


@pytest.mark.parametrize("size", [512, 1024, 4096])
def test_golden_shadow_at_each_shadow_map_size(size):
    """A camera's ``shadow_map`` changes the texels of the sun's map, not the shadow: the
    same golden length and direction at 512 to 4096 texels a side; the pixels that differ
    from the default 2048 lie at the shadow's edge."""
    (grey, default), x, y, on_box = _top_view(
        _lighting(), (dataclasses.replace(TOP, shadow_map=size), TOP)
    )
    R_light = light_frame(np.asarray(_lighting().sun_direction))
    _, xmag, ymag, _, _ = shadow_box(TOP, TOP.T_ego_cam, R_light, size=size)
    texel = 2.0 * max(xmag, ymag) / size / math.sin(math.radians(SUN_EL))  # on the ground
    _golden_shadow(grey, x, y, on_box, slack=texel)  # 512: 28 cm
    changed = np.abs(grey - default) > 8
    assert changed.any() if size != 2048 else not changed.any()
    lit = np.median(default[~on_box])
    dark = default[~on_box & (x < -1.0) & (x > -2.5) & (np.abs(y) < 0.3)].mean()
    inside = ~on_box & (np.abs(default - dark) < 8)  # well inside the default's shadow
    outside = ~on_box & (np.abs(default - lit) < 3) & (np.hypot(x + 1.8, y) > 3.0)
    assert not (changed & outside).any()
    assert (changed & inside).sum() < 0.25 * inside.sum()


def test_cameras_with_different_shadow_maps_take_turns():
    """Two cameras of one renderer, 1024 and 2048 texels: each keeps its own map (every view
    through the first camera is the same, twice in a row and after the second's)."""
    coarse = dataclasses.replace(TOP, shadow_map=1024)
    (a, twice, b, again), *_ = _top_view(_lighting(), (coarse, coarse, TOP, coarse))
    assert np.array_equal(a, twice) and np.array_equal(a, again)
    assert not np.array_equal(a, b)


def test_shadow_map_knob_in_the_schema_and_meta():
    from sim.errors import SimError
    from sim.scenario import dump_resolved, load_scenario

    from helpers.paths import REPO

    scenario = REPO / "scenarios" / "cut_in.yaml"
    assert load_scenario(scenario).spec.sensors.cameras[0].shadow_map is None
    assert "shadow_map" not in dump_resolved(load_scenario(scenario).spec)
    spec = load_scenario(scenario, ["sensors.cameras.0.shadow_map=1024"]).spec
    assert spec.sensors.cameras[0].shadow_map == 1024
    assert "shadow_map: 1024" in dump_resolved(spec)
    with pytest.raises(SimError, match="shadow_map"):
        load_scenario(scenario, ["sensors.cameras.0.shadow_map=3000"])
    assert "shadow_map" not in TOP.to_meta()
    assert dataclasses.replace(TOP, shadow_map=512).to_meta()["shadow_map"] == 512
    with pytest.raises(ValueError, match="shadow_map"):
        dataclasses.replace(TOP, shadow_map=1000)


def _golden_shadow(grey, x, y, on_box, slack: float = 0.0):
    """The checks of the golden shadow; ``slack`` [m]: its length may be off by that much
    more than 5 % (a coarse shadow map's texel)."""
    ground = ~on_box
    lit = np.median(grey[ground])
    dark = grey[ground & (x < -1.0) & (x > -2.5) & (np.abs(y) < 0.3)].mean()
    assert dark < 0.75 * lit  # a real shadow
    shadow = ground & (grey < (lit + dark) / 2.0)
    assert shadow.sum() > 100
    length = float((-x[shadow]).max()) - BOX[0] / 2.0  # from the box's face to the tip
    expected = BOX[2] / math.tan(math.radians(SUN_EL))
    assert abs(length - expected) <= 0.05 * expected + slack, (length, expected)
    cast = shadow & (x < -1.5)  # beyond the soft contact darkening around the box's foot
    assert float(x[shadow].mean()) < -BOX[0] / 2  # away from the sun
    assert not (shadow & (x > 1.5)).any()
    assert abs(float(y[cast].mean())) < 0.1
    width = float(y[cast].max() - y[cast].min())
    assert abs(width - BOX[1]) < 0.2


def test_contact_darkening_under_the_box_only_in_colour():
    """On the sun side, where no shadow falls, the ground right by the box is darker than
    the ground 2 m away (the soft contact term); it fades within about a metre."""
    grey, x, y, on_box = _top_view(_lighting())
    ground = ~on_box
    near = grey[ground & (x > 0.55) & (x < 0.7) & (np.abs(y) < 0.3)].mean()
    far = grey[ground & (x > 2.0) & (x < 2.5) & (np.abs(y) < 0.3)].mean()
    assert near < far - 10
    assert grey[ground & (x > 1.4) & (x < 1.6) & (np.abs(y) < 0.3)].mean() > far - 2


def test_shadows_off_no_dark_region():
    grey, _x, _y, on_box = _top_view(_lighting(shadows=False))
    ground = grey[~on_box]
    assert ground.min() > np.median(ground) - 3


def test_overcast_lowers_shadow_contrast():
    def contrast(cover):
        grey, x, y, on_box = _top_view(_lighting(cover=cover))
        lit = np.median(grey[~on_box])
        dark = grey[~on_box & (x < -1.0) & (x > -2.5) & (np.abs(y) < 0.3)].mean()
        return lit / dark - 1.0, lit

    clear, lit_clear = contrast(0.0)
    cloudy, lit_cloudy = contrast(1.0)
    assert clear > 0.5
    assert cloudy < 0.25 * clear
    assert lit_cloudy > 0.75 * lit_clear  # the diffuse light keeps the scene about as bright


def test_shadow_box_covers_the_view_and_snaps():
    cam = CameraModel.from_fov(
        "f", 320, 180, math.radians(90.0), mount_transform(1.0, 0.0, 1.5, 0.0, 0.0, 0.0)
    )
    R = light_frame(np.array([math.cos(0.5), 0.3, 0.6]))
    a = shadow_box(cam, pose_matrix(100.0, 3.0, 0.0, 0.2) @ cam.T_ego_cam, R)
    b = shadow_box(cam, pose_matrix(100.3, 3.0, 0.0, 0.2) @ cam.T_ego_cam, R)
    assert a[1] == b[1] and a[2] == b[2]  # same extents: same texel size, no swimming
    assert a[1] < 120 and a[2] < 120  # far finer than the scene's scale
    # the ego's surroundings are inside the box
    p = R.T @ (np.array([110.0, 3.0, 0.0]) - a[0][:3, 3])
    assert abs(p[0]) < a[1] and abs(p[1]) < a[2] and a[3] < -p[2] < a[4]


def test_lamps_auto():
    assert lamps_on("auto", 0.0) and not lamps_on("auto", DAY_SUN_INTENSITY)
    assert lamps_on("on", DAY_SUN_INTENSITY) and not lamps_on("off", 0.0)


@pytest.mark.parametrize("cover", [0.0, 0.5, 1.0])
def test_overcast_bounds(cover):
    sun, ambient = overcast(DAY_SUN_INTENSITY, DAY_AMBIENT, 50.0, cover)
    assert 0.0 < sun <= DAY_SUN_INTENSITY and DAY_AMBIENT <= ambient <= 1.0


def test_headlights_light_the_road_ahead_at_night():
    cam = CameraModel.from_fov(
        "front",
        160,
        90,
        math.radians(90.0),
        mount_transform(1.0, 0.0, 1.4, 0.0, math.radians(5.0), 0.0),
    )

    def road_ahead(lamps):
        light = _lighting(lamps=lamps, sun=0.0, ambient=0.06)
        renderer = FrameRenderer((_ground(),), light)
        try:
            rgb, _ = renderer.render(cam, pose_matrix(-20.0, 0.0, 0.0, 0.0), [])
        finally:
            renderer.close()
        return rgb[60:, 40:120].astype(float).mean()  # the road in front, lower middle

    dark, lit = road_ahead(False), road_ahead(True)
    assert lit > dark + 15, (dark, lit)


def test_street_lights_nearest_in_front():
    from sim.render.lights import MAX_POINTS, street_lights

    cam = CameraModel.from_fov(
        "f", 160, 90, math.radians(90.0), mount_transform(1.0, 0.0, 1.5, 0.0, 0.0, 0.0)
    )
    T = pose_matrix(0.0, 0.0, 0.0, 0.0) @ cam.T_ego_cam
    lamps = np.array([[x, -6.0, 8.0] for x in (-40.0, -10.0, 5.0, 30.0, 60.0, 70.0, 100.0)])
    chosen = [p.position[0] for p in street_lights(lamps, T)]
    assert len(chosen) == MAX_POINTS
    assert chosen == [5.0, -10.0, 30.0, 60.0]  # nearest first; not 40 m behind, not 100 m away
    assert street_lights(np.zeros((0, 3)), T) == []


@pytest.mark.parametrize("size", [512, 2048])
def test_no_shadow_acne_on_open_ground_at_a_low_sun(size):
    """Open ground under a low sun (15 deg) casts no shadow on itself at any shadow_map: the
    depth bias grows with the texel (sim/render/gl_patches.py), else a coarse map speckles
    every surface the sun meets at a slant."""
    low = Lighting.from_angles(
        15.0,
        0.0,
        sun_color=(1.0, 1.0, 1.0),
        sun_intensity=DAY_SUN_INTENSITY,
        ambient=0.3,
        sky_top=(90, 140, 210),
        sky_horizon=(200, 215, 230),
        shadows=True,
    )
    renderer = FrameRenderer((_ground(),), low)
    try:
        rgb, _ = renderer.render(dataclasses.replace(TOP, shadow_map=size), np.eye(4), [])
    finally:
        renderer.close()
    grey = rgb.astype(np.float64).mean(axis=-1)
    assert grey.min() > np.median(grey) - 3


def test_a_coarse_shadow_map_does_not_speckle_cut_in():
    """cut_in's buildings meet its sun at a slant: with a bias fixed in depth, a 512-texel map
    speckles their walls with false shadow (2.2-2.3 % of a 320x180 frame's pixels moved by
    more than 8 levels from the 2048 render, measured); with the bias grown with the texel
    (sim/render/gl_patches.py) only the shadows' own edges move (1.1-1.4 %)."""
    import tempfile

    from sim.bench.frame import _overrides, _setup
    from sim.dataset.episode import scene_at

    from helpers.paths import REPO

    with tempfile.TemporaryDirectory() as tmp:
        ctx = _setup(REPO / "scenarios" / "cut_in.yaml", _overrides(320, 180, True), Path(tmp))
        try:
            camera = ctx.warp.source if ctx.warp else ctx.camera
            for k in (0, 30):
                step = ctx.ticks[k]
                traj = ctx.traj
                T = pose_matrix(traj.x[step, 0], traj.y[step, 0], 0.0, traj.yaw[step, 0])
                views, _ = scene_at(traj, step, ctx.agents, ctx.meshes)
                fine, coarse = (
                    ctx.renderer.render(dataclasses.replace(camera, shadow_map=s), T, views)[0]
                    for s in (2048, 512)
                )
                moved = np.abs(coarse.astype(int) - fine.astype(int)).max(axis=2) > 8
                assert 0.002 < moved.mean() < 0.017, (k, moved.mean())
        finally:
            ctx.renderer.close()
