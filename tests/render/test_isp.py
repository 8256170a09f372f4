"""The camera pipeline (sim/render/isp.py): noise model, determinism, tone curve, JPEG."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.render.camera import CameraModel, Lens
from sim.render.isp import DECODE_LUT, FILMIC_WHITE, CameraIsp, IspParams, filmic
from sim.seeding import root_seed

CAM = CameraModel("c", 320, 180, 160.0, 160.0, 159.5, 89.5, np.eye(4))
SEED = root_seed(7)
NOISE_ONLY = dict(vignetting=0.0, chromatic_aberration=0.0, tone_curve="linear")


def _flat_patches(levels) -> np.ndarray:
    """(180, 320, 3): vertical stripes, one grey level each."""
    img = np.zeros((180, 320, 3), np.uint8)
    edges = np.linspace(0, 320, len(levels) + 1).astype(int)
    for lv, a, b in zip(levels, edges[:-1], edges[1:], strict=True):
        img[:, a:b] = lv
    return img, edges


def test_shot_noise_variance_grows_with_signal_over_a_read_noise_floor():
    shot, read = 0.02, 0.004
    isp = CameraIsp(IspParams(shot_noise=shot, read_noise=read, **NOISE_ONLY), CAM, SEED)
    levels = [60, 90, 120, 150, 180, 210, 240]
    img, edges = _flat_patches(levels)
    out = np.concatenate([DECODE_LUT[isp.apply(img, k)] for k in range(4)])  # linear again
    means, variances = [], []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        patch = out[:, a + 2 : b - 2]
        means.append(float(patch.mean()))
        variances.append(float(patch.var()))
    slope, intercept = np.polyfit(means, variances, 1)
    assert np.all(np.diff(variances) > 0)
    assert slope == pytest.approx(shot**2, rel=0.15)
    assert intercept == pytest.approx(read**2, rel=0.5, abs=4e-6)


def test_read_noise_floor_at_black():
    isp = CameraIsp(IspParams(shot_noise=0.02, read_noise=0.004, **NOISE_ONLY), CAM, SEED)
    black = np.zeros((180, 320, 3), np.uint8)
    out = DECODE_LUT[isp.apply(black, 0)]
    # clipped at 0: half the pixels stay black, the rest carry the read noise
    assert 0.3 < float((out > 0).mean()) < 0.6
    assert float(out.std()) == pytest.approx(0.004 * np.sqrt(0.5 * (1 - 1 / np.pi)), rel=0.25)
    quiet = CameraIsp(IspParams(shot_noise=0.02, read_noise=0.0, **NOISE_ONLY), CAM, SEED)
    assert not quiet.apply(black, 0).any()  # no read noise: black stays black


def test_same_seed_same_bytes_new_frame_new_noise():
    img = np.random.default_rng(1).integers(0, 256, (180, 320, 3), dtype=np.uint8)
    a = CameraIsp(IspParams(), CAM, SEED).apply(img, 3)
    b = CameraIsp(IspParams(), CAM, SEED).apply(img, 3)
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != CameraIsp(IspParams(), CAM, SEED).apply(img, 4).tobytes()
    assert a.tobytes() != CameraIsp(IspParams(), CAM, root_seed(8)).apply(img, 3).tobytes()


def test_tone_curve_monotone_and_anchored():
    x = np.linspace(0.0, 2.0, 20001, dtype=np.float32)
    y = filmic(x)
    assert np.all(np.diff(y) >= 0) and y[0] == pytest.approx(0.0, abs=1e-6)
    assert float(filmic(np.float32(0.18))) == pytest.approx(0.18, abs=1e-4)
    assert float(filmic(np.float32(FILMIC_WHITE))) == pytest.approx(1.0, abs=1e-6)
    assert 0.75 < float(filmic(np.float32(1.0))) < 0.95  # a shoulder, not a clip


def test_jpeg_knob_changes_bytes_and_decodes():
    img = np.random.default_rng(2).integers(0, 256, (180, 320, 3), dtype=np.uint8)
    plain = CameraIsp(IspParams(shot_noise=0, read_noise=0), CAM, SEED).apply(img, 0)
    q90 = CameraIsp(IspParams(shot_noise=0, read_noise=0, jpeg_quality=90), CAM, SEED).apply(img, 0)
    q30 = CameraIsp(IspParams(shot_noise=0, read_noise=0, jpeg_quality=30), CAM, SEED).apply(img, 0)
    assert q90.shape == q30.shape == plain.shape and q90.dtype == np.uint8
    assert q90.tobytes() != plain.tobytes() and q30.tobytes() != q90.tobytes()
    err = lambda a: float(np.abs(a.astype(int) - plain.astype(int)).mean())  # noqa: E731
    assert err(q90) < err(q30)


def test_neutral_pipeline_is_the_identity_and_linear_round_trip_exact():
    img = np.random.default_rng(3).integers(0, 256, (180, 320, 3), dtype=np.uint8)
    neutral = IspParams(shot_noise=0, read_noise=0, **NOISE_ONLY)
    assert neutral.is_identity() and CameraIsp(neutral, CAM, SEED).apply(img, 0) is img
    ev0 = IspParams(shot_noise=0, read_noise=0, vignetting=0, chromatic_aberration=0)
    ev0 = IspParams(**{**ev0.to_meta(), "tone_curve": "linear", "exposure_ev": 1e-12})
    assert np.array_equal(CameraIsp(ev0, CAM, SEED).apply(img, 0), img)


def test_vignetting_darkens_the_corners_and_follows_the_lens():
    grey = np.full((180, 320, 3), 150, np.uint8)
    p = IspParams(
        vignetting=1.0, chromatic_aberration=0, tone_curve="linear", shot_noise=0, read_noise=0
    )
    out = CameraIsp(p, CAM, SEED).apply(grey, 0).astype(int)
    assert out[90, 160, 0] == 150 and out[0, 0, 0] < out[0, 160, 0] < 150
    barrel = CameraModel(
        "c", 320, 180, 160.0, 160.0, 159.5, 89.5, np.eye(4), lens=Lens("brown_conrady", k1=-0.2)
    )
    assert CameraIsp(p, barrel, SEED).apply(grey, 0)[0, 0, 0] < out[0, 0, 0]  # wider rays


def test_chromatic_aberration_shifts_red_out_and_blue_in():
    img = np.zeros((180, 320, 3), np.uint8)
    img[:, 300:] = 200  # a bright band near the right edge
    p = IspParams(
        vignetting=0, chromatic_aberration=4.0, tone_curve="linear", shot_noise=0, read_noise=0
    )
    out = CameraIsp(p, CAM, SEED).apply(img, 0).astype(int)
    row = out[90]
    assert row[298, 0] == row[298, 1] == 0 < row[298, 2]  # blue moved inward
    assert row[301, 0] < row[301, 1] == row[301, 2] == 200  # red moved outward
    assert row[160].tolist() == [0, 0, 0]


def test_fused_kernel_matches_its_naive_twin():
    from sim.render import kernels
    from sim.render.isp import DECODE_LUT64, ENCODE_LUT, gaussian_table

    from naive import isp_pixels

    cam = CameraModel.from_fov("c", 48, 27, math.radians(90.0), np.eye(4))
    img = np.random.default_rng(3).integers(0, 256, (27, 48, 3), dtype=np.uint8)
    for p in (IspParams(chromatic_aberration=3.0, exposure_ev=0.5), IspParams(tone_curve="linear")):
        isp = CameraIsp(p, cam, SEED)
        key = isp.noise_key(2)
        out = np.empty_like(img)
        args = (img, isp.gain, isp.aberration, isp.noise, key, DECODE_LUT64, isp.tone)
        kernels._isp_pixels(*args, gaussian_table(), ENCODE_LUT, out)
        np.testing.assert_array_equal(out, isp_pixels(*args, gaussian_table(), ENCODE_LUT))
        assert np.array_equal(out, isp.apply(img, 2))
