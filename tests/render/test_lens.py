"""Lens distortion: projection against OpenCV, the inverse, the warp, and episodes."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.dataset.io import read_png
from sim.errors import ScenarioError
from sim.labels.geometry import box_corners, projected_extent
from sim.render.camera import CameraModel, Lens
from sim.render.lens import lens_warp
from sim.render.raster import LabelBuffers

from helpers.checks import check_coco, check_frames, check_kitti, check_manifest
from helpers.episodes import run_sim
from helpers.paths import REPO

K = np.array([[640.0, 0.0, 639.5], [0.0, 650.0, 359.5], [0.0, 0.0, 1.0]])
BROWN = [
    Lens("brown_conrady", k1=-0.28, k2=0.07, k3=-0.005, p1=0.001, p2=-0.0008),
    Lens("brown_conrady", k1=0.12, k2=-0.02),
    Lens("brown_conrady", k1=-0.05, p1=-0.004, p2=0.003),
]
FISHEYE = [
    Lens("fisheye", k1=0.05, k2=-0.01, k3=0.002, k4=-0.0003),
    Lens("fisheye", k1=-0.02, k2=0.004),
]


def _camera(lens: Lens, width=1280, height=720) -> CameraModel:
    return CameraModel("c", width, height, K[0, 0], K[1, 1], K[0, 2], K[1, 2], np.eye(4), lens=lens)


def _points(n: int, seed: int, spread: float = 1.2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = rng.uniform(1.0, 60.0, n)
    return np.c_[rng.uniform(-spread, spread, (n, 2)) * z[:, None], z]


@pytest.mark.parametrize("lens", BROWN)
def test_brown_conrady_projects_as_cv2_project_points(lens):
    pts = _points(500, 1)
    ref, _ = cv2.projectPoints(
        pts.reshape(-1, 1, 3), np.zeros(3), np.zeros(3), K, np.array(lens.opencv)
    )
    assert np.abs(_camera(lens).project(pts) - ref[:, 0]).max() <= 0.5
    assert np.abs(_camera(lens).project(pts) - ref[:, 0]).max() < 1e-6  # in fact exact


@pytest.mark.parametrize("lens", FISHEYE)
def test_fisheye_projects_as_cv2_fisheye_project_points(lens):
    pts = _points(500, 2, spread=3.0)  # up to ~77 deg off axis
    ref, _ = cv2.fisheye.projectPoints(
        pts.reshape(-1, 1, 3), np.zeros(3), np.zeros(3), K, np.array(lens.opencv)
    )
    assert np.abs(_camera(lens).project(pts) - ref[:, 0]).max() < 1e-6


@settings(max_examples=60, deadline=None)
@given(
    k1=st.floats(-0.3, 0.3),
    k2=st.floats(-0.05, 0.05),
    p1=st.floats(-0.005, 0.005),
    p2=st.floats(-0.005, 0.005),
    seed=st.integers(0, 1000),
)
def test_property_brown_conrady_matches_opencv(k1, k2, p1, p2, seed):
    lens = Lens("brown_conrady", k1=k1, k2=k2, p1=p1, p2=p2)
    pts = _points(50, seed, spread=0.9)
    r = np.hypot(pts[:, 0] / pts[:, 2], pts[:, 1] / pts[:, 2])
    pts = pts[r < lens.limit]  # beyond it the polynomial folds back: sim clamps, OpenCV not
    ref, _ = cv2.projectPoints(
        pts.reshape(-1, 1, 3), np.zeros(3), np.zeros(3), K, np.array(lens.opencv)
    )
    assert np.abs(_camera(lens).project(pts) - ref[:, 0]).max() <= 0.5


@pytest.mark.parametrize("lens", BROWN + FISHEYE)
def test_undistort_inverts_distort(lens):
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-1.0, 1.0, 2000), rng.uniform(-0.6, 0.6, 2000)
    xd, yd = lens.distort(x, y)
    xu, yu = lens.undistort(xd, yd)
    np.testing.assert_allclose(xu, x, atol=1e-9)
    np.testing.assert_allclose(yu, y, atol=1e-9)
    # and the other way round, over the pixels of the image
    cam = _camera(lens)
    u, v = np.meshgrid(np.arange(0, 1280, 37.0), np.arange(0, 720, 29.0))
    pts = cam.backproject(u.ravel(), v.ravel(), np.full(u.size, 5.0))
    np.testing.assert_allclose(cam.project(pts), np.c_[u.ravel(), v.ravel()], atol=1e-6)


def test_pinhole_projection_and_meta_unchanged():
    cam = _camera(Lens())
    pts = _points(20, 4)
    np.testing.assert_array_equal(
        cam.project(pts),
        np.c_[640 * pts[:, 0] / pts[:, 2] + 639.5, 650 * pts[:, 1] / pts[:, 2] + 359.5],
    )
    assert "lens" not in cam.to_meta()
    assert _camera(BROWN[0]).to_meta()["lens"]["opencv"] == list(BROWN[0].opencv)


def test_amodal_extent_through_the_lens_bounds_the_projected_box():
    cam = _camera(BROWN[0])
    T = np.eye(4)
    T[:3, 3] = (4.0, 1.0, 8.0)
    corners = box_corners((4.5, 1.8, 1.5)) @ T[:3, :3].T + T[:3, 3]
    x0, y0, x1, y1 = projected_extent(corners, cam)
    # dense samples of the solid box all fall inside the extent (within a hair)
    g = np.linspace(0, 1, 25)
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    grid = np.stack(np.meshgrid(g, g, g), -1).reshape(-1, 3) * (hi - lo) + lo
    uv = cam.project(grid) + 0.5
    assert uv[:, 0].min() >= x0 - 1e-6 and uv[:, 0].max() <= x1 + 0.05
    assert uv[:, 1].min() >= y0 - 1e-6 and uv[:, 1].max() <= y1 + 0.05
    assert uv[:, 0].max() > x1 - 0.5 and uv[:, 0].min() < x0 + 0.5  # and tight


def test_warp_keeps_labels_exact():
    cam = _camera(BROWN[0], 320, 180)
    cam = CameraModel("c", 320, 180, 160.0, 160.0, 159.5, 89.5, np.eye(4), lens=BROWN[0])
    warp = lens_warp(cam)
    assert warp is not None and warp.source.lens.is_pinhole
    assert warp.source.width > 320 and warp.source.height > 180  # barrel: a larger canvas
    H, W = warp.source.height, warp.source.width
    rng = np.random.default_rng(5)
    inst = np.zeros((H, W), np.uint16)
    inst[40:120, 30:200] = 3
    inst[60:90, 100:150] = 7
    sem = (inst * 2).astype(np.uint8)
    depth = rng.uniform(1, 50, (H, W)).astype(np.float32)
    amodal = np.bincount(inst.ravel(), minlength=8)
    amodal[7] *= 2  # half hidden
    rgb = rng.integers(0, 255, (H, W, 3), dtype=np.uint8)
    out_rgb, out = warp.apply(rgb, LabelBuffers(depth, inst, sem, amodal))
    assert out_rgb.shape == (180, 320, 3) and out.instance.shape == (180, 320)
    assert set(np.unique(out.instance)) <= {0, 3, 7}
    assert np.array_equal(out.semantic, (out.instance * 2).astype(np.uint8))
    assert np.isin(out.depth, depth).all()  # depths of real surfaces, none interpolated
    visible = np.bincount(out.instance.ravel(), minlength=8)
    assert out.amodal_pixels[3] == visible[3]
    assert abs(visible[7] / out.amodal_pixels[7] - 0.5) < 0.01


def test_absurd_lenses_are_refused():
    wide = CameraModel("w", 640, 480, 150.0, 150.0, 319.5, 239.5, np.eye(4), lens=FISHEYE[0])
    with pytest.raises(ScenarioError, match="deg off axis"):
        lens_warp(wide, 0)
    folded = _camera(Lens("brown_conrady", k1=-0.6))
    with pytest.raises(ScenarioError, match="no inverse"):
        lens_warp(folded, 0)
    assert lens_warp(_camera(Lens())) is None


SMALL = [
    "--quiet",
    "--set",
    "duration=0.3",
    "--set",
    "sensors.cameras.0.width=240",
    "--set",
    "sensors.cameras.0.height=136",
]


def _run(out: Path, *extra: str) -> None:
    r = run_sim("run", str(REPO / "scenarios" / "cut_in.yaml"), "--out", str(out), *SMALL, *extra)
    assert r.returncode == 0, r.stderr


def test_distorted_episode_boxes_are_tight_boxes_of_the_distorted_mask():
    lens = ["brown_conrady", "-0.25", "0.06", "0.002", "-0.001", "-0.004"]
    keys = ["model", "k1", "k2", "p1", "p2", "k3"]
    sets = [
        a
        for k, v in zip(keys, lens, strict=True)
        for a in ("--set", f"sensors.cameras.0.lens.{k}={v}")
    ]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ep"
        _run(out, "--set", "duration=0.5", *sets)
        meta = json.loads((out / "meta.json").read_text())
        cam = meta["cameras"][0]
        assert cam["lens"]["opencv"] == [-0.25, 0.06, 0.002, -0.001, -0.004]
        calib = (out / "kitti" / "front" / "calib" / "000000.txt").read_text()
        assert "D_brown_conrady: -2.5" in calib
        n = 0
        for k in range(cam["frames"]):
            inst = read_png(out / "frames" / "front" / "instance" / f"{k:06d}.png")
            labels = json.loads((out / "labels" / "front" / f"{k:06d}.json").read_text())
            for obj in labels["objects"]:
                ys, xs = np.nonzero(inst == obj["id"])
                assert obj["box2d"] == [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
                assert obj["pixels"] == len(xs) <= obj["amodal_pixels"]
                assert 0 < obj["visible_fraction"] <= 1
                ax0, ay0, ax1, ay1 = obj["box2d_amodal"]
                x0, y0, x1, y1 = obj["box2d"]
                assert ax0 < x0 + 0.5 and ay0 < y0 + 0.5 and ax1 > x1 - 0.5 and ay1 > y1 - 0.5
                n += 1
        assert n > 0
        # and the whole output contract holds with the lens (depth back-projected through
        # OpenCV's undistortion lies in each 3D box; COCO masks; KITTI calib with D_...)
        check_manifest(out)
        assert check_frames(out)["labels"] == n
        assert check_coco(out) == n and check_kitti(out) == n


@pytest.mark.slow  # long: runs in .ci/run's slow pass
def test_pinhole_lens_is_byte_identical_to_no_lens():
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "a", Path(tmp) / "b"
        _run(a)
        _run(b, "--set", "sensors.cameras.0.lens.model=pinhole")
        files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
        for rel in files:
            if rel.name in ("meta.json", "manifest.json", "scenario.resolved.yaml"):
                continue
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
        ma, mb = (json.loads((p / "meta.json").read_text()) for p in (a, b))
        assert ma["cameras"] == mb["cameras"]
        assert "lens" not in ma["cameras"][0]


def test_lens_schema_errors():
    from sim.scenario.schema.sensors import CameraSpec

    with pytest.raises(ValueError, match="takes k1, k2, k3, k4"):
        CameraSpec(name="c", hfov_deg=90, lens={"model": "fisheye", "p1": 0.1})
    with pytest.raises(ValueError, match="takes no coefficients"):
        CameraSpec(name="c", hfov_deg=90, lens={"model": "pinhole", "k1": 0.1})
    spec = CameraSpec(
        name="c", hfov_deg=90, lens={"model": "brown_conrady", "k1": {"uniform": [-0.2, 0.0]}}
    )
    assert spec.lens is not None


@pytest.mark.slow  # long: runs in .ci/run's slow pass
def test_lens_and_isp_same_seed_same_bytes():
    extra = [
        "--set",
        "sensors.cameras.0.lens.model=brown_conrady",
        "--set",
        "sensors.cameras.0.lens.k1={uniform: [-0.2, -0.1]}",
        "--set",
        "sensors.cameras.0.lens.k2=0.04",
        "--set",
        "sensors.cameras.0.isp.jpeg_quality=90",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "a", Path(tmp) / "b"
        _run(a, *extra)
        _run(b, *extra)
        assert (a / "manifest.json").read_bytes() == (b / "manifest.json").read_bytes()
        cam = json.loads((a / "meta.json").read_text())["cameras"][0]
        assert -0.2 <= cam["lens"]["k1"] < -0.1 and cam["isp"]["jpeg_quality"] == 90
