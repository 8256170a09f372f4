"""Sensor and environment effects (rain, lens dirt, marking wear, road texture, frame faults):
each changes the image as documented, never the labels, and the same seed gives the same
bytes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sim.dataset.io import read_png
from sim.dataset.writers import FrameData
from sim.render import effects
from sim.render.camera import CameraModel
from sim.render.effects import SensorEffects
from sim.render.raster import LabelBuffers
from sim.scenario.schema import PerturbationSpec
from sim.seeding import root_seed

from helpers.checks import check_frames, check_manifest
from helpers.episodes import run_sim
from helpers.paths import REPO

CUT_IN = REPO / "scenarios" / "cut_in.yaml"
TINY = [
    "--set",
    "duration=1.5",
    "--set",
    "sensors.cameras.0.width=320",
    "--set",
    "sensors.cameras.0.height=180",
]
H, W = 90, 120
SKY_RGB, ROAD_RGB, MARK_RGB = (120, 160, 220), (100, 100, 100), (230, 230, 230)


def _scene():
    """A synthetic frame: sky above row 30, road below with a lane marking in the middle."""
    rgb = np.zeros((H, W, 3), np.uint8)
    sem = np.zeros((H, W), np.uint8)
    depth = np.zeros((H, W), np.float32)
    rows = np.arange(30, H)
    depth[30:] = (1.5 * W / (rows - 29 + 0.5))[:, None]  # ground plane seen from 1.5 m, fx = W
    rgb[:30], rgb[30:] = SKY_RGB, ROAD_RGB
    sem[30:] = 1
    cols = slice(W // 2 - 8, W // 2 + 8)
    sem[30:, cols] = 2
    rgb[30:, cols] = MARK_RGB
    return rgb, depth, sem


def _run(name, rng_seed=0, **params):
    rgb, depth, sem = _scene()
    return effects.EFFECTS[name](rgb, depth, sem, np.random.default_rng(rng_seed), **params)


RAIN = dict(density=6.0, length=0.08, angle_deg=10.0, opacity=0.4, wetness=1.0)


def test_rain_wets_the_road_only_and_draws_slanted_streaks():
    rgb, depth, sem = _scene()
    dry = _run("rain", **{**RAIN, "density": 0.0})  # the wet road alone
    road, sky = sem > 0, sem == 0
    assert np.array_equal(dry[sky], rgb[sky])  # no streaks, no wet sky
    assert dry[road].astype(float).mean() < 0.8 * rgb[road].astype(float).mean()  # darker
    # the sheen: far road reflects more sky (bluer) than near road
    far, near = dry[31].astype(float), dry[H - 1].astype(float)
    assert (far[:, 2] - far[:, 0]).mean() > (near[:, 2] - near[:, 0]).mean() + 5
    wet = _run("rain", **RAIN)
    changed = np.any(wet[sky] != rgb[sky], axis=-1)
    assert 0.002 < changed.mean() < 0.3  # thin streaks over the sky, not a veil
    assert np.all(
        wet[sky].astype(int).sum(-1) >= rgb[sky].astype(int).sum(-1) - 3
    )  # streaks are light
    assert np.array_equal(_run("rain", **RAIN), wet)  # same generator state, same bytes
    assert not np.array_equal(_run("rain", 1, **RAIN), wet)  # another frame, other streaks


def test_rain_streak_direction_follows_angle():
    """The streak layer's dominant gradient is perpendicular to the streaks (structure tensor)."""
    flat = np.zeros((200, 200, 3), np.uint8)
    for angle in (-15.0, 15.0):
        out = effects.rain(
            flat,
            None,
            None,
            np.random.default_rng(3),
            density=4.0,
            length=0.15,
            angle_deg=angle,
            opacity=1.0,
            wetness=0.0,
        )
        g = out[..., 0].astype(float)
        gx, gy = np.gradient(g, axis=1), np.gradient(g, axis=0)
        # streak direction (top leaning right for positive angles): gradients mostly along x,
        # sign of gx*gy
        assert (gx**2).sum() > 3 * (gy**2).sum()
        assert np.sign((gx * gy).sum()) == np.sign(angle)


DIRT = dict(blobs=4.0, size=0.08, opacity=0.7)


def _camera(name="front"):
    return CameraModel(name, W, H, float(W), float(W), (W - 1) / 2, (H - 1) / 2, np.eye(4))


def _effects(specs, seed=0):
    return SensorEffects(
        [PerturbationSpec(name=n, rate=1.0, params=p, applied=True) for n, p in specs],
        root_seed(seed),
    )


def test_lens_dirt_stays_on_the_lens_for_the_episode():
    rgb, depth, sem = _scene()
    fx = _effects([("lens_dirt", DIRT)])
    a = fx.image(rgb, depth, sem, "front", 0)
    assert np.array_equal(a, fx.image(rgb, depth, sem, "front", 17))  # same camera, another frame
    assert not np.array_equal(a, fx.image(rgb, depth, sem, "left", 0))  # another camera, other dirt
    assert not np.array_equal(
        a, _effects([("lens_dirt", DIRT)], seed=1).image(rgb, depth, sem, "front", 0)
    )
    diff = np.abs(a.astype(int) - rgb.astype(int)).max(-1)
    assert 0.03 < (diff > 3).mean() < 0.8  # blobs, not the whole image
    # soft edges: the blobs' opacity takes many values between none and most
    assert len(np.unique(diff)) > 20


def test_marking_wear_fades_markings_toward_the_road():
    rgb, depth, sem = _scene()
    marks = sem == 2
    light = _run("marking_wear", fraction=0.2, strength=1.0, scale=0.3, fx=float(W))
    heavy = _run("marking_wear", fraction=0.7, strength=1.0, scale=0.3, fx=float(W))
    for out in (light, heavy):
        assert np.array_equal(out[~marks], rgb[~marks])  # only marking pixels change
        assert out[marks].min() >= ROAD_RGB[0] - 1  # toward the road colour, never past it
    faded = [np.mean(out[marks][:, 0] < 200) for out in (light, heavy)]
    assert 0.02 < faded[0] < faded[1] < 0.95
    # spatially coherent: faded pixels have faded neighbours more often than chance
    f = (heavy[..., 0] < 200) & marks
    pairs = marks[:, :-1] & marks[:, 1:]
    same = (f[:, :-1] == f[:, 1:])[pairs].mean()
    assert same > 0.8


def test_road_texture_changes_road_brightness_only():
    rgb, depth, sem = _scene()
    out = _run("road_texture", amplitude=0.12, scale=2.0, fx=float(W))
    sky, road = sem == 0, sem == 1
    assert np.array_equal(out[sky], rgb[sky])
    rel = out[road][:, 0].astype(float) / ROAD_RGB[0] - 1.0
    assert 0.03 < rel.std() < 0.2 and abs(rel.mean()) < 0.05
    assert np.all(out[road][:, 0] == out[road][:, 1])  # a brightness change: grey stays grey
    assert np.array_equal(out, _run("road_texture", amplitude=0.12, scale=2.0, fx=float(W)))


def _frame(index, step, cam):
    rgb, depth, sem = _scene()
    rgb = rgb.copy()
    rgb[0, 0] = (step % 256, 0, 0)  # every capture differs
    buffers = LabelBuffers(depth, np.zeros((H, W), np.uint16), sem, np.zeros(1, np.int64))
    return FrameData(cam, index, step, 0.05 * step, rgb, buffers, [], np.eye(4))


def _deliver(fx, n):
    """Feed n captures through the effects as the episode loop does; the frames written."""
    cam, out, counter = _camera(), [], 0
    for k in range(n):
        frame = fx.apply(_frame(counter, 2 * k, cam))
        if frame is not None:
            out.append(frame)
            counter += 1
    return out


def test_frame_faults_drop_and_repeat_frames_and_record_them():
    always = _effects([("frame_drop", {"probability": 1.0})])
    assert _deliver(always, 5) == [] and always.dropped == {"front": [0, 2, 4, 6, 8]}
    dup = _effects([("frame_duplicate", {"probability": 1.0})])
    frames = _deliver(dup, 4)
    assert [f.index for f in frames] == [0, 1, 2, 3] and dup.duplicated == {"front": [1, 2, 3]}
    assert all(
        f.step == 0 and np.array_equal(f.rgb, frames[0].rgb) for f in frames
    )  # the first capture again
    both = _effects(
        [("frame_drop", {"probability": 0.3}), ("frame_duplicate", {"probability": 0.3})], seed=4
    )
    frames = _deliver(both, 200)
    assert [f.index for f in frames] == list(range(len(frames)))  # numbered without gaps
    assert 40 < len(both.dropped["front"]) < 80 and 30 < len(both.duplicated["front"]) < 80
    for k in both.duplicated["front"]:
        assert frames[k].rgb is frames[k - 1].rgb and frames[k].step == frames[k - 1].step
    rec = both.record(
        [
            {"name": "frame_drop", "kind": "sensor", "params": {}},
            {"name": "frame_duplicate", "kind": "sensor", "params": {}},
        ]
    )
    assert rec[0]["dropped"] == both.dropped and rec[1]["duplicated"] == both.duplicated
    again = _effects(
        [("frame_drop", {"probability": 0.3}), ("frame_duplicate", {"probability": 0.3})], seed=4
    )
    _deliver(again, 200)
    assert (again.dropped, again.duplicated) == (both.dropped, both.duplicated)


def _by_step(root: Path) -> dict[int, dict]:
    out = {}
    for p in sorted((root / "labels" / "front").glob("*.json")):
        lab = json.loads(p.read_text())
        out.setdefault(lab["step"], lab)
    return out


@pytest.fixture(scope="module")
def clean_and_rainy(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("effects")
    clean, rainy = tmp / "clean", tmp / "rainy"
    assert run_sim("run", str(CUT_IN), "--out", str(clean), "--quiet", *TINY).returncode == 0
    pert = (
        "perturbations=[{name: rain}, {name: lens_dirt}, {name: marking_wear}, "
        "{name: road_texture}, {name: frame_drop, params: {probability: 0.2}}, "
        "{name: frame_duplicate, params: {probability: 0.25}}]"
    )
    proc = run_sim("run", str(CUT_IN), "--out", str(rainy), "--quiet", *TINY, "--set", pert)
    assert proc.returncode == 0, proc.stderr
    return clean, rainy


@pytest.mark.slow  # long: runs in .ci/run's slow pass
def test_episode_with_every_new_effect_keeps_labels_true(clean_and_rainy, tmp_path):
    clean, rainy = clean_and_rainy
    check_manifest(rainy)
    check_frames(rainy)  # every box agrees with its mask, every 3D box with depth
    meta = json.loads((rainy / "meta.json").read_text())
    by_name = {p["name"]: p for p in meta["perturbations"]}
    dropped, duplicated = (
        by_name["frame_drop"]["dropped"]["front"],
        by_name["frame_duplicate"]["duplicated"]["front"],
    )
    n = meta["cameras"][0]["frames"]
    assert n == 15 - len(dropped) == len(list((rainy / "frames/front/rgb").glob("*.png")))
    assert dropped and duplicated  # this seed has both faults
    rgb = rainy / "frames/front/rgb"
    for k in duplicated:
        assert (rgb / f"{k:06d}.png").read_bytes() == (rgb / f"{k - 1:06d}.png").read_bytes()
        a, b = (
            json.loads((rainy / "labels/front" / f"{i:06d}.json").read_text()) for i in (k, k - 1)
        )
        assert a["frame"] == k and {**a, "frame": 0, "image": ""} == {**b, "frame": 0, "image": ""}
    # the labels of every capture that was written are the clean scene's labels of that step
    clean_labels, rainy_labels = _by_step(clean), _by_step(rainy)
    assert not set(rainy_labels) & set(dropped)
    for step, lab in rainy_labels.items():
        assert lab["objects"] == clean_labels[step]["objects"]
    # rain darkens the road: the road is darker than in the clean frame, the sky is not
    k = next(i for i in range(n) if i not in duplicated)
    step = json.loads((rainy / "labels/front" / f"{k:06d}.json").read_text())["step"]
    ck = clean_labels[step]["frame"]
    sem = read_png(clean / "frames/front/semantic" / f"{ck:06d}.png")
    a = read_png(clean / "frames/front/rgb" / f"{ck:06d}.png").astype(float)
    b = read_png(rgb / f"{k:06d}.png").astype(float)
    assert b[sem == 1].mean() < a[sem == 1].mean() - 10
    # the resolved scenario reproduces the episode byte for byte
    again = tmp_path / "again"
    assert (
        run_sim(
            "run", str(rainy / "scenario.resolved.yaml"), "--out", str(again), "--quiet"
        ).returncode
        == 0
    )

    def files(root):  # meta.json differs: it names the scenario file it came from
        return [
            f
            for f in json.loads((root / "manifest.json").read_text())["files"]
            if f["path"] != "meta.json"
        ]

    assert files(again) == files(rainy)
    assert json.loads((again / "meta.json").read_text())["perturbations"] == meta["perturbations"]


# ------------------------------------------------------------------ glare
def _glare_setup(elevation_deg, azimuth_deg, light=1.0):
    """A camera 1.5 m up looking along the ego's +x (level), and the sun's direction."""
    from sim.render.camera import mount_transform

    cam = CameraModel(
        "front",
        W,
        H,
        float(W) / 2,
        float(W) / 2,
        (W - 1) / 2,
        (H - 1) / 2,
        mount_transform(0.0, 0.0, 1.5, 0.0, 0.0, 0.0),
    )
    el, az = np.radians(elevation_deg), np.radians(azimuth_deg)
    sun = (np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el))
    fx = SensorEffects(
        [PerturbationSpec(name="glare", rate=1.0, params={"strength": 1.0}, applied=True)],
        root_seed(0),
        sun,
        light,
    )
    return cam, fx


def test_glare_sits_where_the_sun_is_in_the_image():
    cam, fx = _glare_setup(20.0, 20.0)
    u, v, off_axis, half_diag, light = fx.sun_in_view(cam, np.eye(4))
    # golden geometry: azimuth 20 deg left of the optical axis, 20 deg above the horizon
    assert u == pytest.approx(cam.cx - cam.fx * np.tan(np.radians(20.0)))
    assert v == pytest.approx(cam.cy - cam.fy * np.tan(np.radians(20.0)) / np.cos(np.radians(20.0)))
    assert off_axis == pytest.approx(np.degrees(np.arccos(np.cos(np.radians(20.0)) ** 2)))
    rgb, depth, sem = _scene()
    out = fx.image(rgb, depth, sem, "front", 0, sun=(u, v, off_axis, half_diag, light))
    gain = out.astype(int).sum(-1) - rgb.astype(int).sum(-1)
    assert np.all(out >= rgb)  # light added, never taken away
    white = np.argwhere(out.min(-1) >= 250)  # the sun's disc saturates, centred on the sun
    assert len(white) >= 5 and np.abs(white.mean(0) - (v, u)).max() <= 1.0
    assert np.hypot(*(white - (v, u)).T).max() < 0.06 * W
    # the whole frame is veiled (contrast loss), less far from the sun
    assert gain[H - 1, W - 1] > 0 and gain[H - 1, W - 1] < gain[int(round(v)), int(round(u)) + 10]


def test_glare_is_weaker_behind_an_object_and_absent_when_the_sun_is_out_of_sight():
    cam, fx = _glare_setup(20.0, 20.0)
    sun = fx.sun_in_view(cam, np.eye(4))
    rgb, depth, sem = _scene()
    hidden = sem.copy()
    hidden[: H // 2] = 11  # a building (any class but sky) in front of the sun
    open_sky = fx.image(rgb, depth, sem, "front", 0, sun=sun).astype(int).sum()
    behind = fx.image(rgb, depth, hidden, "front", 0, sun=sun).astype(int).sum()
    assert rgb.astype(int).sum() < behind < open_sky
    for elevation, azimuth, light in ((10.0, 180.0, 1.0), (60.0, 140.0, 1.0), (10.0, 20.0, 0.0)):
        cam, fx = _glare_setup(elevation, azimuth, light)  # behind, high overhead, no light
        assert np.array_equal(
            fx.image(rgb, depth, sem, "front", 0, sun=fx.sun_in_view(cam, np.eye(4))), rgb
        )


@pytest.mark.slow  # 14 s (test_effects' other tests render glare on single frames)
def test_glare_episode_keeps_every_label_and_buffer(tmp_path):
    low_sun = "{name: low_sun, params: {elevation_deg: 5, azimuth_deg: 10, intensity: 5}}"
    plain, glary = tmp_path / "plain", tmp_path / "glare"
    for out, extra in ((plain, ""), (glary, ", {name: glare, params: {strength: 0.9}}")):
        proc = run_sim(
            "run",
            str(CUT_IN),
            "--out",
            str(out),
            "--quiet",
            *TINY,
            "--set",
            f"perturbations=[{low_sun}{extra}]",
        )
        assert proc.returncode == 0, proc.stderr
    check_frames(glary)
    for kind in ("depth", "instance", "semantic"):
        assert (plain / "frames/front" / kind / "000003.png").read_bytes() == (
            glary / "frames/front" / kind / "000003.png"
        ).read_bytes()
    assert _by_step(plain) == _by_step(glary)
    a = read_png(plain / "frames/front/rgb/000003.png").astype(int)
    b = read_png(glary / "frames/front/rgb/000003.png").astype(int)
    assert (b >= a).all() and (b - a).mean() > 10  # a low sun ahead: the frame is washed out
    meta = json.loads((glary / "meta.json").read_text())
    assert [p["name"] for p in meta["perturbations"]] == ["low_sun", "glare"]
