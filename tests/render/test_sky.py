"""The cloud sky: deterministic from the seed, fixed in the world (not to the camera),
covered as asked, and textured enough that its 8x8 blocks are not flat; computed only down
to the rows a render leaves open, with those rows as in the whole sky."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from sim.render.camera import CameraModel, mount_transform, pose_matrix
from sim.render.scene import CloudSky
from sim.scenario.daylight import DAY_SKY

CAM = CameraModel.from_fov(
    "f", 640, 360, math.radians(90.0), mount_transform(1.0, 0.0, 1.5, 0.0, math.radians(-8.0), 0.0)
)


def _R(yaw: float) -> np.ndarray:
    return (pose_matrix(0.0, 0.0, 0.0, yaw) @ CAM.T_ego_cam)[:3, :3]


def test_same_seed_same_bytes_other_seed_differs():
    a = CloudSky(7, 0.4, *DAY_SKY).image(CAM, _R(0.3))
    b = CloudSky(7, 0.4, *DAY_SKY).image(CAM, _R(0.3))
    c = CloudSky(8, 0.4, *DAY_SKY).image(CAM, _R(0.3))
    assert a.tobytes() == b.tobytes()
    assert np.abs(a.astype(int) - c).mean() > 2


@pytest.mark.parametrize("size", [(640, 360), (1280, 720), (1281, 721)])  # full and half res
@pytest.mark.parametrize("rows", [0, 1, 2, 3, 101, 180, 359, 10_000])
def test_top_rows_are_the_whole_skys(size, rows):
    cam = CameraModel.from_fov("f", *size, math.radians(90.0), CAM.T_ego_cam)
    sky = CloudSky(5, 0.6, *DAY_SKY)
    whole = sky.image(cam, _R(0.2))
    part = sky.image(cam, _R(0.2), rows)
    assert part.shape == whole.shape
    assert np.array_equal(part[:rows], whole[:rows])


def test_the_renderer_computes_only_the_open_rows():
    from sim.render.renderer import FrameRenderer

    asked = []
    fake = type("Sky", (), {"image": lambda self, cam, R, rows=None: asked.append(rows)})()
    renderer = FrameRenderer.__new__(FrameRenderer)
    renderer.sky = fake
    rgba = np.full((360, 640, 4), 255, np.uint8)
    rgba[:150, 10, 3] = 0  # a sky pixel in each of the top 150 rows
    rgba[140, 300, 3] = 128  # a partly covered edge
    renderer._sky_for(CAM, _R(0.0), rgba)
    renderer._sky_for(CAM, _R(0.0), np.full((360, 640, 4), 255, np.uint8))
    renderer._sky_for(CAM, _R(0.0))
    assert asked == [150, 0, None]


def test_clouds_stay_fixed_in_the_world_as_the_camera_turns():
    sky = CloudSky(3, 0.5, *DAY_SKY)
    turn = math.radians(10.0)
    a = sky.image(CAM, _R(0.0)).astype(np.float32)
    b = sky.image(CAM, _R(turn)).astype(np.float32)
    # where each pixel of view a looks, found in view b
    u, v = np.meshgrid(np.arange(CAM.width, dtype=float), np.arange(CAM.height, dtype=float))
    rays = np.stack(((u - CAM.cx) / CAM.fx, (v - CAM.cy) / CAM.fy, np.ones_like(u)), -1)
    in_b = rays @ (_R(turn).T @ _R(0.0)).T
    ub = CAM.fx * in_b[..., 0] / in_b[..., 2] + CAM.cx
    vb = CAM.fy * in_b[..., 1] / in_b[..., 2] + CAM.cy
    seen = (in_b[..., 2] > 0) & (ub > 2) & (ub < CAM.width - 3) & (vb > 2) & (vb < 150)
    seen &= v < 150  # above the horizon
    warped = cv2.remap(b, ub.astype(np.float32), vb.astype(np.float32), cv2.INTER_LINEAR)
    world_fixed = np.abs(warped - a)[seen].mean()
    camera_fixed = np.abs(b - a)[seen].mean()
    assert world_fixed < 1.5, world_fixed
    assert camera_fixed > 3 * world_fixed


def _flat_fraction(img: np.ndarray, rows: int) -> float:
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    h, w = grey.shape
    blocks = grey[: h // 8 * 8, : w // 8 * 8].reshape(h // 8, 8, w // 8, 8).std(axis=(1, 3))
    return float((blocks[:rows] < 1.0).mean())


HD = CameraModel.from_fov(
    "hd", 1280, 720, math.radians(90.0), mount_transform(1.0, 0.0, 1.5, 0.0, 0.0, 0.0)
)


@pytest.mark.parametrize(("cover", "most"), [(0.0, 0.35), (0.3, 0.25), (0.7, 0.25), (1.0, 0.25)])
def test_sky_blocks_are_not_flat(cover, most):
    """The issue's measure (a 1280x720 frame resized to 640x360, 8x8 blocks, grey std < 1)
    over the sky above the horizon: texture, not noise (the same seed, the same bytes). A
    cloudless sky is allowed a little more (its zenith is smooth)."""
    img = CloudSky(11, cover, *DAY_SKY).image(
        HD, (pose_matrix(0, 0, 0, 1.0) @ HD.T_ego_cam)[:3, :3]
    )
    small = cv2.resize(img, (640, 360), interpolation=cv2.INTER_AREA)
    assert _flat_fraction(small, rows=21) <= most


def test_cover_sets_how_much_is_cloud():
    def whiteness(cover):
        img = CloudSky(5, cover, *DAY_SKY).image(CAM, _R(0.0)).astype(float)[:120]
        return float((img[..., 2] - img[..., 0]).mean())  # blue minus red: clear sky

    blues = [whiteness(c) for c in (0.0, 0.4, 0.8, 1.0)]
    assert blues == sorted(blues, reverse=True)
    assert blues[0] > 3 * max(blues[-1], 1.0)


def test_cloud_cover_in_the_schema():
    from pydantic import ValidationError

    from sim.scenario.schema.environment import EnvironmentSpec

    env = EnvironmentSpec()
    assert env.shadows is True and env.lamps == "auto" and 0.0 <= env.cloud_cover <= 1.0
    with pytest.raises(ValidationError):
        EnvironmentSpec(cloud_cover=1.5)
    with pytest.raises(ValidationError):
        EnvironmentSpec(lamps="sometimes")
