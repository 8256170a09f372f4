"""Textured world and materials (issue 15): deterministic from the seed, world-fixed and
mipmapped, much less flat than the untextured look, and invisible to the labels."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from sim.classes import BY_NAME
from sim.render.camera import CameraModel, mount_transform, pose_matrix
from sim.render.renderer import FrameRenderer, Lighting
from sim.render.scene import build_static
from sim.render.textures import MATERIALS, Appearance, texture
from sim.road import Road

from helpers.episodes import run_sim
from helpers.paths import REPO

LIGHT = Lighting.from_angles(
    50.0,
    140.0,
    sun_color=(1.0, 0.97, 0.92),
    sun_intensity=3.0,
    ambient=0.35,
    sky_top=(90, 140, 210),
    sky_horizon=(200, 215, 230),
    shadows=False,
)


def flat_fraction(rgb: np.ndarray) -> float:
    """Share of 8x8 blocks with grey std < 1 of the frame resized to 640x360 (issue 15)."""
    small = cv2.resize(rgb, (640, 360), interpolation=cv2.INTER_AREA)
    g = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float64)
    blocks = g.reshape(45, 8, 80, 8).transpose(0, 2, 1, 3).reshape(45, 80, 64)
    return float((blocks.std(axis=2) < 1.0).mean())


def test_textures_are_deterministic_and_the_seed_picks_them():
    kinds = sorted({m.kind for m in MATERIALS if m.kind is not None})
    first = {k: texture(k, 3)[0].tobytes() for k in kinds}
    texture.cache_clear()  # generated again from scratch: the same bytes
    assert {k: texture(k, 3)[0].tobytes() for k in kinds} == first
    assert texture("asphalt", 3)[0].tobytes() != texture("asphalt", 4)[0].tobytes()
    a, b = Appearance(seed=1), Appearance(seed=2)
    assert [a.variant(k) for k in kinds] == [Appearance(seed=1).variant(k) for k in kinds]
    assert [a.variant(k) for k in kinds] != [b.variant(k) for k in kinds]
    assert a.offset("grass") != b.offset("grass")
    assert a.agent_look(7) == Appearance(seed=1).agent_look(7) != b.agent_look(7)
    look = Appearance(seed=5, paint_metallic=(0.2, 0.3), dirt=(0.5, 0.5)).agent_look(3)
    assert 0.2 <= look.paint_metallic <= 0.3 and look.dirt == 0.5


def test_textures_tile_without_a_seam():
    for kind in ("asphalt", "grass", "paving", "marking"):
        img = texture(kind, 0)[0].astype(np.float64).mean(axis=2)
        inner = np.abs(np.diff(img, axis=1)).mean()
        seam = np.abs(img[:, 0] - img[:, -1]).mean()
        assert seam < 2.5 * inner + 2.0, kind


def _episode(out: Path, *sets: str) -> Path:
    args = ["run", str(REPO / "scenarios/cut_in.yaml"), "--out", str(out), "--quiet"]
    for s in (
        "duration=0.1",
        "sensors.cameras.0.width=320",
        "sensors.cameras.0.height=180",
        *sets,
    ):
        args += ["--set", s]
    proc = run_sim(*args)
    assert proc.returncode == 0, proc.stderr
    return out


def _files(root: Path, rgb: bool) -> dict[str, bytes]:
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if not p.is_file() or rel in ("meta.json", "manifest.json", "scenario.resolved.yaml"):
            continue
        is_image = "/rgb/" in rel or "/image_2/" in rel
        if is_image == rgb:
            out[rel] = p.read_bytes()
    return out


@pytest.mark.slow  # long: runs in .ci/run's slow pass
def test_textured_episode_same_seed_same_bytes_labels_unchanged_and_far_less_flat(tmp_path):
    on = _episode(tmp_path / "on")
    again = _episode(tmp_path / "again")
    off = _episode(tmp_path / "off", "appearance.textures=false")
    assert _files(on, rgb=True) == _files(again, rgb=True)  # textures included
    labels_on = _files(on, rgb=False)
    assert labels_on and labels_on == _files(off, rgb=False)  # depth, masks, boxes: same bytes
    frame = "frames/front/rgb/000000.png"
    rgb_on = cv2.cvtColor(cv2.imread(str(on / frame)), cv2.COLOR_BGR2RGB)
    rgb_off = cv2.cvtColor(cv2.imread(str(off / frame)), cv2.COLOR_BGR2RGB)
    assert flat_fraction(rgb_on) < flat_fraction(rgb_off) - 0.2
    import json

    meta = json.loads((on / "meta.json").read_text())
    assert meta["appearance"]["textures"] is True
    assert meta["appearance"]["agents"]  # each vehicle's drawn paint, glass and dirt
    off_meta = json.loads((off / "meta.json").read_text())
    assert off_meta["appearance"] == {"textures": False}
    other = _episode(tmp_path / "seed8", "seed=8")
    assert _files(other, rgb=True)[frame] != _files(on, rgb=True)[frame]


def test_textured_agents_keep_their_colour_on_average(tmp_path):
    """Texture x vertex colour with the texture's linear mean normalised to 1: the mean
    colour of a surface stays about the flat colour it had."""
    road = Road.straight(300.0, lanes=3, lane_width=3.5)
    camera = CameraModel.from_fov(
        "front", 320, 180, math.radians(90.0), mount_transform(1.0, 0.0, 1.5, 0.0, 0.0, 0.0)
    )
    T = pose_matrix(20.0, road.lane_center(1), 0.0, 0.0)
    means = []
    for textures in (True, False):
        r = FrameRenderer(
            build_static(road, np.random.default_rng(0)),
            LIGHT,
            None,
            Appearance(textures=textures, seed=3),
        )
        try:
            rgb, buffers = r.render(camera, T, [])
        finally:
            r.close()
        road_px = np.asarray(buffers.semantic) == BY_NAME["road"].id
        means.append(rgb[road_px].astype(np.float64).mean())
    assert abs(means[0] - means[1]) < 0.12 * means[1]


def _road_view(appearance: Appearance):
    road = Road.straight(600.0, lanes=3, lane_width=3.5)
    camera = CameraModel.from_fov(
        "front", 320, 180, math.radians(60.0), mount_transform(1.0, 0.0, 1.5, 0.0, 0.0, 0.0)
    )
    T = pose_matrix(20.0, road.lane_center(1), 0.0, 0.0)
    r = FrameRenderer(build_static(road, np.random.default_rng(0)), LIGHT, None, appearance)
    try:
        rgb, buffers = r.render(camera, T, [])
    finally:
        r.close()
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float64)
    depth = np.asarray(buffers.depth)
    asphalt = np.asarray(buffers.semantic) == BY_NAME["road"].id
    return grey, asphalt & (depth > 4.0) & (depth < 12.0), asphalt & (depth > 60.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_far_road_is_mipmapped_not_speckled(seed):
    """Far away the asphalt averages to its mean (mipmaps) instead of speckling: the far
    road's mean grey is close to the near road's, and the texture adds little variation
    there (against the untextured frame) while it adds plenty near the camera."""
    grey, near, far = _road_view(Appearance(seed=seed))
    flat, _, _ = _road_view(Appearance(textures=False))
    assert near.sum() > 500 and far.sum() > 50
    assert abs(grey[far].mean() - grey[near].mean()) < 0.1 * grey[near].mean()

    def added(mask):
        return math.sqrt(max(grey[mask].var() - flat[mask].var(), 0.0))

    assert added(far) < 3.0 < added(near)
