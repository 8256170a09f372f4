"""The colour pass's anti-aliasing knob (``sensors.cameras[].msaa``) and ``bench frame``.

- msaa=4 (the default) is pyrender's own framebuffer and read-back, byte for byte: the
  replacements in sim/render/backend.py only skip the depth read nobody uses;
- msaa=0 changes only pixels at silhouettes and creases: where the label buffers (instance,
  semantic) change or depth jumps, never inside a surface;
- the FXAA-like post-filter (sim/render/aa.py) equals its twin and touches only edges;
  a camera's ``aa: fxaa`` runs it on the render (labels untouched) and brings an msaa 0
  image nearer to msaa 4 at the silhouettes; ``sim run`` names it in meta.json;
- the schema takes 0, 2, 4 (nothing else); meta.json names the setting only when it is not 4;
- ``bench frame`` runs at a tiny size and prints every stage (no timing is asserted).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from sim.render.camera import CameraModel, mount_transform

from helpers.paths import REPO

W, H = 256, 144


@pytest.fixture(scope="module")
def bench_scene():
    from sim.bench.render import build_scene

    renderer, T_world_ego, scene_at = build_scene(12, 3)
    camera = CameraModel.from_fov(
        "front", W, H, math.radians(90.0), mount_transform(1.0, 0.0, 1.5, 0.0, 0.0, 0.0)
    )
    yield renderer, T_world_ego, scene_at, camera
    renderer.close()


def _render(bench_scene, msaa: int):
    renderer, T_world_ego, scene_at, camera = bench_scene
    views, _ = scene_at(0)
    return renderer.render(dataclasses.replace(camera, msaa=msaa), T_world_ego, views)


def test_default_msaa_is_pyrenders_own_render(bench_scene, monkeypatch):
    from sim.render import backend

    ours, _ = _render(bench_scene, 4)
    # pyrender's own framebuffer set-up and read-back (which also reads depth)
    monkeypatch.setattr(backend, "_read_colour", lambda inner, scene, flags: type(inner)
                        ._read_main_framebuffer(inner, scene, flags))  # fmt: skip
    monkeypatch.setattr(
        backend, "_main_framebuffer", lambda inner: type(inner)._configure_main_framebuffer(inner)
    )
    theirs, _ = _render(bench_scene, 4)
    assert np.array_equal(ours, theirs)
    assert bench_scene[3].msaa == 4  # the camera's default


def _edges(buffers, grow: int = 1) -> np.ndarray:
    """(H, W) bool: pixels within ``grow`` px of a change of instance or semantic id or of a
    depth jump over 5 %."""
    inst = buffers.instance.astype(np.int64)
    sem = buffers.semantic.astype(np.int64)
    depth = buffers.depth.astype(np.float64)
    edge = np.zeros(inst.shape, dtype=bool)
    for a in (inst, sem):
        dx = a[:, 1:] != a[:, :-1]
        dy = a[1:, :] != a[:-1, :]
        edge[:, 1:] |= dx
        edge[:, :-1] |= dx
        edge[1:, :] |= dy
        edge[:-1, :] |= dy
    for axis in (0, 1):
        d = np.abs(np.diff(depth, axis=axis)) > 0.05 * np.maximum(
            np.minimum(np.delete(depth, 0, axis), np.delete(depth, -1, axis)), 1e-3
        )
        if axis == 0:
            edge[1:, :] |= d
            edge[:-1, :] |= d
        else:
            edge[:, 1:] |= d
            edge[:, :-1] |= d
    for _ in range(grow):
        grown = edge.copy()
        grown[1:, :] |= edge[:-1, :]
        grown[:-1, :] |= edge[1:, :]
        grown[:, 1:] |= edge[:, :-1]
        grown[:, :-1] |= edge[:, 1:]
        edge = grown
    return edge


def test_no_msaa_differs_only_at_edges(bench_scene):
    rgb4, buffers = _render(bench_scene, 4)
    rgb0, buffers0 = _render(bench_scene, 0)
    assert np.array_equal(buffers.instance, buffers0.instance)  # labels do not see the knob
    assert np.array_equal(_render(bench_scene, 4)[0], rgb4)  # back to 4: the same bytes
    diff = np.abs(rgb4.astype(np.int64) - rgb0.astype(np.int64)).max(axis=2)
    assert diff.any()  # it does change something
    assert diff.mean() < 2.0  # grey levels, over the whole image
    big = diff > 24
    edges = _edges(buffers, grow=2)
    # large differences sit at silhouettes (the label buffers change there) ...
    assert big[edges].sum() >= 0.9 * big.sum()
    # ... and most of the image is untouched
    assert (diff[~edges] == 0).mean() > 0.9


def test_fxaa_matches_its_twin_on_a_render(bench_scene):
    from sim.render.aa import fxaa

    from naive import fxaa as fxaa_naive

    rgb0, _ = _render(bench_scene, 0)
    assert np.array_equal(fxaa(rgb0), fxaa_naive(rgb0))


def test_fxaa_blends_a_staircase_and_leaves_flat_colour_alone():
    from sim.render.aa import fxaa

    # a shallow dark-on-light edge drawn without anti-aliasing: y = 10 + x / 8, stair-steps
    img = np.full((24, 64, 3), 220, dtype=np.uint8)
    for x in range(64):
        img[10 + x // 8 :, x] = 40
    out = fxaa(img)
    assert np.array_equal(out[:6], img[:6]) and np.array_equal(out[-4:], img[-4:])  # flat
    changed = np.flatnonzero((out != img).any(axis=2).any(axis=1))
    assert changed.size and changed.min() >= 8 and changed.max() <= 19  # only along the edge
    # intermediate grey levels appear (a staircase becomes a ramp), within the two colours
    col = out[:, :, 0].astype(int)
    assert ((col > 40) & (col < 220)).sum() >= 20
    assert col.min() >= 40 and col.max() <= 220


def test_camera_fxaa_filters_the_render_and_not_the_labels(bench_scene):
    from sim.render.aa import fxaa

    renderer, T_world_ego, scene_at, camera = bench_scene
    views, _ = scene_at(0)
    plain = dataclasses.replace(camera, msaa=0)
    rgb0, buffers0 = renderer.render(plain, T_world_ego, views)
    rgbf, buffersf = renderer.render(dataclasses.replace(plain, aa="fxaa"), T_world_ego, views)
    rgb4, _ = renderer.render(camera, T_world_ego, views)
    assert np.array_equal(rgbf, fxaa(rgb0))  # the filter, last on the composed render
    for name in ("depth", "semantic", "instance"):
        assert np.array_equal(getattr(buffersf, name), getattr(buffers0, name))
    edges = _edges(buffers0, grow=1)

    def off(rgb):  # mean grey-level distance to msaa 4 at the silhouettes
        return np.abs(rgb.astype(np.int64) - rgb4.astype(np.int64)).max(axis=2)[edges].mean()

    assert off(rgbf) < off(rgb0)  # the stair-steps move towards the 4-sample coverage
    with pytest.raises(ValueError, match="aa"):
        dataclasses.replace(camera, aa="smaa")


def test_sim_run_with_fxaa_and_a_coarse_shadow_map_names_them_in_meta(tmp_path):
    import json

    from helpers.episodes import run_sim

    out = tmp_path / "run"
    cmd = ["run", "scenarios/cut_in.yaml", "--out", str(out), "--set", "duration=0.2"]
    for kv in ("width=160", "height=90", "msaa=0", "aa=fxaa", "shadow_map=1024"):
        cmd += ["--set", f"sensors.cameras.0.{kv}"]
    proc = run_sim(*cmd)
    assert proc.returncode == 0, proc.stderr
    cam = json.loads((out / "meta.json").read_text())["cameras"][0]
    assert (cam["msaa"], cam["aa"], cam["shadow_map"]) == (0, "fxaa", 1024)
    resolved = (out / "scenario.resolved.yaml").read_text()
    assert "aa: fxaa" in resolved and "shadow_map: 1024" in resolved


def test_msaa_knob_in_the_schema():
    from sim.errors import SimError
    from sim.scenario import dump_resolved, load_scenario

    scenario = REPO / "scenarios" / "cut_in.yaml"
    plain = load_scenario(scenario).spec.sensors.cameras[0]
    assert plain.msaa is None
    assert load_scenario(scenario, ["sensors.cameras.0.msaa=0"]).spec.sensors.cameras[0].msaa == 0
    with pytest.raises(SimError, match="msaa"):
        load_scenario(scenario, ["sensors.cameras.0.msaa=3"])
    # unset it is left out of the resolved scenario: existing outputs keep their bytes
    assert "msaa" not in dump_resolved(load_scenario(scenario).spec)
    assert load_scenario(scenario, ["sensors.cameras.0.aa=fxaa"]).spec.sensors.cameras[0].aa == (
        "fxaa"
    )
    with pytest.raises(SimError, match="aa"):
        load_scenario(scenario, ["sensors.cameras.0.aa=smaa"])
    assert "aa:" not in dump_resolved(load_scenario(scenario).spec)


def test_meta_names_msaa_only_when_not_default():
    cam = CameraModel.from_fov("front", 64, 36, math.radians(90.0), np.eye(4))
    assert "msaa" not in cam.to_meta()
    assert dataclasses.replace(cam, msaa=0).to_meta()["msaa"] == 0
    assert "aa" not in cam.to_meta()
    assert dataclasses.replace(cam, aa="fxaa").to_meta()["aa"] == "fxaa"
    with pytest.raises(ValueError, match="msaa"):
        dataclasses.replace(cam, msaa=8)


def _bench_frame(capsys, monkeypatch, argv: list[str]) -> tuple[str, argparse.ArgumentParser]:
    """What ``python -m sim bench frame ARGV`` prints (run from the repo), and its parser."""
    from sim.bench import frame

    monkeypatch.chdir(REPO)
    parser = argparse.ArgumentParser()
    frame.add_arguments(parser)
    assert frame.run(parser.parse_args(argv)) == 0
    return capsys.readouterr().out, parser


def test_bench_frame_prints_every_stage(capsys, monkeypatch, tmp_path):
    out, _ = _bench_frame(
        capsys,
        monkeypatch,
        ["--sizes", "96x54", "--frames", "1", "--steady", "2", "--msaa", "4,0", "--encoders"]
        + ["--fxaa", "--set", "sensors.cameras.0.msaa=0"],
    )
    for stage in (
        "traffic",
        "scene update",
        "colour pass",
        "sky + compose",
        "label raster",
        "labels",
        "writer native",
        "writer coco",
        "writer kitti",
        "writer yolo",
        "PNG rgb",
        "PNG depth",
        "PNG semantic",
        "PNG instance",
        "GL renderer:",
        "load average",
        "colour pass msaa=0",
        "msaa=0+fxaa",
        "msaa 0, GL renderer",
        "level 9",
        "sim writes level 3 rle",
        "frame bench 96x54:",
    ):
        assert stage in out, stage
    assert Path(REPO / "scenarios" / "cut_in.yaml").exists()


def test_bench_frame_pairs_light_bindings_casters_and_shadow_maps(capsys, monkeypatch):
    """``--lighting`` with every realism feature on (sun shadows, textures): the colour pass
    with the lights bound once per program and with pyrender's binding before every
    primitive, on the same views; the bench says whether the bytes matched. ``--casters``:
    the sun's depth pass one draw per mesh against pyrender's one per part, and
    ``--uniforms``: values set only when they change against every call, likewise.
    ``--shadow-maps``: each size paired against the first (itself: no pixel differs)."""
    from sim.bench import frame

    out, parser = _bench_frame(
        capsys,
        monkeypatch,
        ["--sizes", "96x54", "--frames", "2", "--steady", "0", "--msaa", "0", "--features"]
        + ["--lighting", "--casters", "--uniforms", "--shadow-maps", "2048,512"],
    )
    for ours in ("bound once per program", "one draw per mesh", "only when they change"):
        line = next(ln for ln in out.splitlines() if ours in ln)
        assert "(pyrender's own)" in line and "paired per frame, 2 frames" in line
        assert line.endswith("same bytes: yes")
    same = next(ln for ln in out.splitlines() if "shadow_map=2048:" in ln)
    assert "1.00 x shadow_map=2048" in same and "0.00 % of pixels differ" in same
    assert any("shadow_map=512:" in ln for ln in out.splitlines())
    for bad in ("2048,1000", "big"):
        with pytest.raises(SystemExit, match="--shadow-maps"):
            frame.run(parser.parse_args(["--shadow-maps", bad]))
