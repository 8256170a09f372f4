"""Sun shadows, overcast light and headlights through the public renderer API
(FrameRenderer with a flat ground part and a box agent), small renders."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.render.camera import CameraModel, mount_transform, pose_matrix
from sim.render.lights import shadow_box
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


def _top_view(lighting):
    """rgb, ground-plane x, y of every pixel, and the box's pixels, seen from 30 m above."""
    renderer = FrameRenderer((_ground(),), lighting)
    try:
        box = AgentView(7, "box", _box(*BOX), pose_matrix(0.0, 0.0, 0.0, 0.0), 2.0)
        rgb, buffers = renderer.render(TOP, np.eye(4), [box])
    finally:
        renderer.close()
    T = TOP.T_ego_cam
    u, v = np.meshgrid(np.arange(TOP.width), np.arange(TOP.height))
    rays = np.stack(((u - TOP.cx) / TOP.fx, (v - TOP.cy) / TOP.fy, np.ones_like(u, float)), -1)
    world = rays @ T[:3, :3].T
    t = -T[2, 3] / world[..., 2]
    x, y = T[0, 3] + t * world[..., 0], T[1, 3] + t * world[..., 1]
    return rgb.astype(np.float64).mean(axis=-1), x, y, buffers.instance == 7


def test_golden_box_shadow_length_and_direction():
    """A 1.5 m box, sun 30 deg up from +x: a shadow 1.5 / tan 30 = 2.6 m long (+-5 %)
    beyond the box, towards -x."""
    grey, x, y, on_box = _top_view(_lighting())
    ground = ~on_box
    lit = np.median(grey[ground])
    dark = grey[ground & (x < -1.0) & (x > -2.5) & (np.abs(y) < 0.3)].mean()
    assert dark < 0.75 * lit  # a real shadow
    shadow = ground & (grey < (lit + dark) / 2.0)
    assert shadow.sum() > 100
    length = float((-x[shadow]).max()) - BOX[0] / 2.0  # from the box's face to the tip
    expected = BOX[2] / math.tan(math.radians(SUN_EL))
    assert abs(length - expected) <= 0.05 * expected, (length, expected)
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
    from sim.render.lights import light_frame

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
