"""A camera's image pipeline on the rendered RGB (labels untouched), in a real camera's order.

The render's 8-bit colours are taken as sRGB-encoded; the pipeline decodes them to linear
light and applies, per camera ``sensors.cameras[i].isp`` (:class:`IspParams`):

1. **exposure**: linear gain ``2 ** exposure_ev``;
2. **vignetting**: natural illumination falloff, gain ``1 - vignetting * (1 - cos^4 theta)``
   with theta each pixel's ray angle off the optical axis (through the lens distortion, so a
   fisheye darkens by its real ray angles); ``vignetting`` 1 is the full cos^4 law;
3. **chromatic aberration** (lateral): red magnified and blue shrunk radially about the
   principal point, so at the farthest image corner red sits ``chromatic_aberration`` px
   outward of green and blue as far inward;
4. **tone curve** ``filmic``: John Hable's "Uncharted 2" filmic curve
   (A=0.15, B=0.50, C=0.10, D=0.20, E=0.02, F=0.30), normalised so that linear 1.25 (a
   quarter above the render's white: headroom for over-exposure) maps to 1 and pre-scaled so
   that mid-grey 0.18 maps to itself: shadows stay linear, highlights roll off softly
   (render white 1.0 -> 0.84) instead of clipping; ``linear`` clips at 1;
5. **sensor noise**, on the tone-mapped linear signal ``s`` in [0, 1] before it is encoded
   (the order the issue asks for): Gaussian with variance ``shot_noise^2 * s +
   read_noise^2`` per pixel and channel -- shot noise whose variance grows with the signal
   (photon counting: ``shot_noise`` is the relative noise at full scale, 1/sqrt(full-well
   electrons)) over a read-noise floor ``read_noise`` (fraction of full scale), then
   clipped to [0, 1];
6. sRGB encoding to 8 bits, and optionally **JPEG** compression at ``jpeg_quality``
   (``cv2.imencode`` / ``cv2.imdecode``; 0 = none).

All per-pixel stages run fused in one Numba kernel (:func:`sim.render.kernels._isp_pixels`,
its twin in tests/naive.py) over uint8 in and out, with the per-camera parts precomputed:
the gain map (exposure times vignetting), the red/blue sample positions of the aberration
(separable: one x per column, one y per row; the gain is taken at the output pixel, a
< 0.05 % difference from applying it before the shift), the filmic curve sampled at 8193
points and interpolated. The noise is counter-based: a 64-bit key drawn from
``child_rng(seed_root, "isp/<camera>/<frame>")`` is hashed with each pixel's index
(SplitMix64), and each channel's 12-bit field picks a unit-variance Gaussian quantile from
a 4096-entry table (tails cut at 3.7 sigma): the same bytes on any worker or thread count.
With every knob neutral (:meth:`IspParams.is_identity`) the image is returned
unchanged. The scenario's sensor perturbations (sim.render.effects: fog, rain, glare, lens
dirt, motion blur, the ``noise`` and ``exposure`` faults) act on the scene's image before it:
a ``noise`` perturbation is an extra fault on top of this camera's own shot and read noise,
an ``exposure`` perturbation an exposure error the tone curve then shapes.
"""

from __future__ import annotations

import functools
import math
import statistics
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from sim.render import kernels
from sim.render.camera import CameraModel
from sim.seeding import child_rng

TONE_CURVES = ("filmic", "linear")
FILMIC_WHITE = 1.25
"""Linear value (render white = 1) the filmic curve maps to 1."""
MID_GREY = 0.18


def _hable(x):
    a, b, c, d, e, f = 0.15, 0.50, 0.10, 0.20, 0.02, 0.30
    return (x * (a * x + c * b) + d * e) / (x * (a * x + b) + d * f) - e / f


def _filmic_scale() -> float:
    """Pre-exposure k with hable(k 0.18) / hable(k FILMIC_WHITE) = 0.18 (bisection)."""
    lo, hi = 1e-3, 100.0
    for _ in range(200):
        k = math.sqrt(lo * hi)
        if _hable(MID_GREY * k) / _hable(FILMIC_WHITE * k) > MID_GREY:
            hi = k
        else:
            lo = k
    return k


FILMIC_K = _filmic_scale()
FILMIC_NORM = 1.0 / _hable(FILMIC_K * FILMIC_WHITE)


def filmic(x: np.ndarray) -> np.ndarray:
    """The filmic tone curve on linear values (see the module docstring), clipped to [0, 1]
    (float32, computed in place on a copy)."""
    a, b, c, d, e, f = 0.15, 0.50, 0.10, 0.20, 0.02, 0.30
    shape = np.shape(x)
    y = np.clip(np.array(x, dtype=np.float32, ndmin=1), 0.0, FILMIC_WHITE)
    y *= np.float32(FILMIC_K)
    ax = y * np.float32(a)
    num = ax + np.float32(c * b)
    num *= y
    num += np.float32(d * e)
    ax += np.float32(b)
    ax *= y
    ax += np.float32(d * f)
    num /= ax
    num -= np.float32(e / f)
    num *= np.float32(FILMIC_NORM)
    return np.clip(num, 0.0, 1.0, out=num).reshape(shape)


def srgb_decode(v: np.ndarray) -> np.ndarray:
    """sRGB-encoded values in [0, 1] -> linear."""
    v = np.asarray(v, dtype=np.float64)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def srgb_encode(x: np.ndarray) -> np.ndarray:
    """Linear values in [0, 1] -> sRGB-encoded."""
    x = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)


DECODE_LUT = srgb_decode(np.arange(256) / 255.0).astype(np.float32)
"""8-bit sRGB -> linear."""
ENCODE_STEPS = 65535
ENCODE_LUT = np.clip(
    np.rint(srgb_encode(np.arange(ENCODE_STEPS + 1) / ENCODE_STEPS) * 255.0), 0, 255
).astype(np.uint8)
"""Linear quantised to 1/65535 -> 8-bit sRGB (rounded to nearest)."""
DECODE_LUT64 = DECODE_LUT.astype(np.float64)
TONE_LUT = filmic(np.linspace(0.0, FILMIC_WHITE, 8193)).astype(np.float64)
"""The filmic curve sampled over [0, FILMIC_WHITE] (the kernel interpolates linearly)."""
GAUSS_BITS = 12


@functools.cache
def gaussian_table() -> np.ndarray:
    """(2**GAUSS_BITS,) float64: the standard normal's quantiles at (k + 1/2) / 2**GAUSS_BITS,
    rescaled to unit variance -- a 12-bit uniform in, a Gaussian deviate out (tails cut at
    3.7 sigma; a table small enough to stay in the L1 cache)."""
    n = 1 << GAUSS_BITS
    nd = statistics.NormalDist()
    q = np.array([nd.inv_cdf((k + 0.5) / n) for k in range(n)])
    return q / math.sqrt(float(np.mean(q * q)))


@dataclass(frozen=True)
class IspParams:
    """One camera's pipeline; defaults look like a good automotive camera."""

    exposure_ev: float = 0.0
    vignetting: float = 0.3
    chromatic_aberration: float = 0.7  # [px] at the farthest corner
    tone_curve: str = "filmic"
    shot_noise: float = 0.012
    read_noise: float = 0.0015
    jpeg_quality: int = 0  # 0: no JPEG compression

    def __post_init__(self) -> None:
        if self.tone_curve not in TONE_CURVES:
            raise ValueError(f"tone_curve must be one of {TONE_CURVES}, got {self.tone_curve!r}")
        if not 0 <= self.jpeg_quality <= 100:
            raise ValueError("jpeg_quality must be 0 (off) or 1..100")
        if min(self.vignetting, self.chromatic_aberration, self.shot_noise, self.read_noise) < 0:
            raise ValueError("vignetting, chromatic_aberration and the noise must be >= 0")

    def is_identity(self) -> bool:
        return (
            self.exposure_ev == 0.0
            and self.vignetting == 0.0
            and self.chromatic_aberration == 0.0
            and self.tone_curve == "linear"
            and self.shot_noise == 0.0
            and self.read_noise == 0.0
            and self.jpeg_quality == 0
        )

    def to_meta(self) -> dict:
        return {k: (round(v, 9) if isinstance(v, float) else v) for k, v in asdict(self).items()}


class CameraIsp:
    """The pipeline of one camera (its vignetting map and aberration warps precomputed)."""

    def __init__(self, params: IspParams, camera: CameraModel, seed_root) -> None:
        self.params = params
        self.camera = camera
        self.seed_root = seed_root
        W, H = camera.width, camera.height
        gain = np.full((H, W), 2.0**params.exposure_ev, dtype=np.float64)
        if params.vignetting > 0:
            u = np.arange(W, dtype=np.float64)
            v = np.arange(H, dtype=np.float64)
            xd = np.broadcast_to((u - camera.cx) / camera.fx, (H, W))
            yd = np.broadcast_to(((v - camera.cy) / camera.fy)[:, None], (H, W))
            x, y = camera.lens.undistort(xd.ravel(), yd.ravel())
            cos2 = 1.0 / (1.0 + np.nan_to_num(x * x + y * y, nan=1e6))
            gain *= (1.0 - params.vignetting * (1.0 - cos2 * cos2)).reshape(H, W)
        self.gain = gain.astype(np.float32)
        """(H, W) exposure gain times vignetting, per pixel."""
        c = 0.0
        if params.chromatic_aberration > 0:
            corner = max(
                math.hypot(px - camera.cx, py - camera.cy) for px in (0, W - 1) for py in (0, H - 1)
            )
            c = params.chromatic_aberration / max(corner, 1.0)
        # output pixel p samples red / blue at centre + (p - centre) / scale, edges replicated
        self.aberration = np.zeros((2, 0))
        if c > 0:
            cols = [
                np.clip(camera.cx + (np.arange(W) - camera.cx) / s, 0, W - 1)
                for s in (1 + c, 1 - c)
            ]
            rows = [
                np.clip(camera.cy + (np.arange(H) - camera.cy) / s, 0, H - 1)
                for s in (1 + c, 1 - c)
            ]
            self.aberration = np.stack([np.concatenate(cr) for cr in zip(cols, rows, strict=True)])
        self.tone = TONE_LUT if params.tone_curve == "filmic" else np.zeros(0)
        self.noise = np.array([params.shot_noise**2, params.read_noise**2])

    def noise_key(self, frame: int) -> np.uint64:
        """The 64-bit key of frame ``frame``'s noise, drawn from its Generator."""
        rng = child_rng(self.seed_root, f"isp/{self.camera.name}/{frame}")
        return np.uint64(rng.integers(0, 2**64, dtype=np.uint64))

    def apply(self, rgb: np.ndarray, frame: int) -> np.ndarray:
        """The camera's picture of the rendered ``rgb`` (H, W, 3) uint8 at frame ``frame``."""
        p = self.params
        if p.is_identity():
            return rgb
        out = np.empty_like(rgb)
        key = self.noise_key(frame) if p.shot_noise > 0 or p.read_noise > 0 else np.uint64(0)
        kernels._isp_pixels(
            np.ascontiguousarray(rgb),
            self.gain,
            self.aberration,
            self.noise,
            key,
            DECODE_LUT64,
            self.tone,
            gaussian_table(),
            ENCODE_LUT,
            out,
        )
        if p.jpeg_quality > 0:
            ok, data = cv2.imencode(
                ".jpg", out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(p.jpeg_quality)]
            )
            decoded = cv2.imdecode(data, cv2.IMREAD_COLOR) if ok else None
            if decoded is None:
                raise RuntimeError("JPEG round trip failed")
            out = np.ascontiguousarray(decoded[..., ::-1])
        return out


def camera_isp(spec, camera: CameraModel, seed_root) -> CameraIsp | None:
    """The pipeline of a resolved ``sensors.cameras[i].isp`` block; None without one."""
    if spec is None:
        return None
    return CameraIsp(
        IspParams(
            exposure_ev=float(spec.exposure_ev),
            vignetting=float(spec.vignetting),
            chromatic_aberration=float(spec.chromatic_aberration),
            tone_curve=str(spec.tone_curve),
            shot_noise=float(spec.shot_noise),
            read_noise=float(spec.read_noise),
            jpeg_quality=int(spec.jpeg_quality),
        ),
        camera,
        seed_root,
    )
