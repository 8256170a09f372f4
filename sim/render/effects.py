"""Sensor effects on rendered RGB images (numpy + OpenCV). Labels are untouched by design:
fog does not move a box, noise does not change a mask, a duplicated frame repeats its labels.

Each image effect is ``f(rgb, depth, semantic, rng, **params) -> rgb`` with rgb (H, W, 3)
uint8, depth (H, W) float32 [m] along the optical axis (0 = sky, i.e. infinitely far),
semantic (H, W) uint8 class ids (:mod:`sim.classes`; road = 1, lane_marking = 2) and rng a
``numpy.random.Generator``, the only source of randomness. Effects that need depth or the
semantic buffer and get ``None`` return the image unchanged.

:class:`SensorEffects` applies the episode's sensor perturbations in catalogue order. Most
effects get a generator per (camera, frame), so a frame's noise does not depend on which
frames were rendered before it; the effects in :data:`PER_CAMERA` (lens dirt, marking wear,
road texture) get one generator per camera, so the same dirt stays on the lens for the whole
episode. The frame faults (``frame_drop``, ``frame_duplicate``) are decided per (camera,
physics step) and recorded for meta.json.
"""

from __future__ import annotations

import dataclasses
import math
from statistics import NormalDist

import cv2
import numpy as np

from sim.classes import BY_NAME
from sim.perturb.catalog import CATALOG
from sim.seeding import child_rng

ROAD, LANE_MARKING, SKY = BY_NAME["road"].id, BY_NAME["lane_marking"].id, BY_NAME["sky"].id
"""Class ids the road effects read from the semantic buffer."""
FOG_COLOR = np.array([205.0, 208.0, 212.0], dtype=np.float32)
RAIN_COLOR = np.array([212.0, 216.0, 224.0], dtype=np.float32)
"""Colour of a rain streak (drops refract the bright sky)."""
DIRT_COLOR = np.array([72.0, 64.0, 52.0], dtype=np.float32)
"""Colour of lens dirt (dried mud) where it is opaque."""
WET_DARKENING = 0.35
"""Fraction of its brightness a fully wet road (``wetness`` 1) loses: water fills the
asphalt's pores and less light is scattered back."""
WET_SHEEN = 0.3
"""Weight of the sky's reflection on a fully wet road far away (grazing view, Fresnel)."""
SHEEN_DISTANCE = 40.0
"""[m] distance over which the wet road's sky reflection grows to its full weight."""
GROUND_EXTENT = (40.0, 200.0)
"""[m] lateral half-width and depth of the ground-plane patch the road patterns cover."""


def _to_uint8(img: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def fog(
    rgb: np.ndarray,
    depth: np.ndarray,
    semantic: np.ndarray | None,
    rng: np.random.Generator,
    visibility: float,
) -> np.ndarray:
    """Koschmieder's law: transmission t = exp(-3.912 d / visibility [m]); sky pixels are all
    fog."""
    d = np.where(depth > 0, depth, np.inf).astype(np.float32)
    t = np.exp(-3.912 * d / float(visibility))[..., None]
    return _to_uint8(rgb.astype(np.float32) * t + FOG_COLOR * (1.0 - t))


def noise(
    rgb: np.ndarray,
    depth: np.ndarray | None,
    semantic: np.ndarray | None,
    rng: np.random.Generator,
    sigma: float,
) -> np.ndarray:
    """Gaussian noise per pixel and channel, standard deviation ``sigma`` in 8-bit units."""
    return _to_uint8(
        rgb.astype(np.float32) + rng.normal(0.0, float(sigma), rgb.shape).astype(np.float32)
    )


def exposure(
    rgb: np.ndarray,
    depth: np.ndarray | None,
    semantic: np.ndarray | None,
    rng: np.random.Generator,
    gain: float,
) -> np.ndarray:
    """Linear gain (1 = unchanged), clipped to 8 bits."""
    return _to_uint8(rgb.astype(np.float32) * float(gain))


def motion_blur(
    rgb: np.ndarray,
    depth: np.ndarray | None,
    semantic: np.ndarray | None,
    rng: np.random.Generator,
    length: float,
    angle_deg: float,
) -> np.ndarray:
    """Linear blur kernel ``length`` [px] long at ``angle_deg`` [deg] from the image x axis."""
    n = max(1, int(round(length)))
    k = np.zeros((n, n), np.float32)
    c = (n - 1) / 2.0
    a = math.radians(angle_deg)
    for t in np.linspace(-c, c, 4 * n):
        x, y = int(round(c + t * math.cos(a))), int(round(c - t * math.sin(a)))
        k[y, x] = 1.0
    k /= k.sum()
    return cv2.filter2D(rgb, -1, k, borderType=cv2.BORDER_REFLECT)


GLARE_COLOR = np.array([255.0, 246.0, 222.0], dtype=np.float32)
"""Colour of scattered sunlight in the lens (warm white)."""
GLARE_REACH_DEG = 25.0
"""[deg] beyond the corner of the view where a sun out of the picture stops causing glare."""


def glare(
    rgb: np.ndarray,
    depth: np.ndarray | None,
    semantic: np.ndarray | None,
    rng: np.random.Generator,
    strength: float,
    sun: tuple[float, float, float, float, float] | None = None,
) -> np.ndarray:
    """Sun glare, placed where the sun is: ``sun`` = (u, v, off_axis_deg, half_diag_deg,
    light) -- the sun's pixel (may lie outside the image), its angle from the optical axis,
    the angle from the axis to the image corner, and the sun's light (0..1: intensity over a
    clear day's, 0 below the horizon). None or no light: the image is unchanged.

    The glare's weight g = ``strength`` x light x a fade from 1 (sun in view) to 0 at
    ``GLARE_REACH_DEG`` beyond the corner. It adds (screen blend, in the colour
    ``GLARE_COLOR``): a veiling glare over the whole frame, up to 35 % x g and falling off
    with the distance from the sun (contrast loss); where the sun's pixel shows sky (per
    the semantic buffer), a bloom around it (a core 3 % and a halo 12 % of the width across)
    that saturates to white at the sun; where something hides the sun, a quarter of that;
    and four lens-flare ghosts (up to 20 % x g) -- soft discs on the line from the sun
    through the image centre, tinted, sizes and places drawn from ``rng`` (per camera: the
    same lens all episode). Labels are untouched: what the glare washes out is still labelled.
    """
    if sun is None:
        return rgb
    u, v, off_axis, half_diag, light = sun
    fade = 1.0 - min(max((off_axis - half_diag) / GLARE_REACH_DEG, 0.0), 1.0)
    g = float(strength) * float(light) * fade * fade * (3.0 - 2.0 * fade)
    # the ghosts' draws come first and always, so they do not depend on where the sun is
    n_ghosts = 4
    where = rng.uniform(0.35, 1.9, n_ghosts)  # along the line: 0 = the sun, 1 = the centre
    radius = rng.uniform(0.015, 0.06, n_ghosts)  # x image width
    tint = rng.uniform(0.55, 1.0, (n_ghosts, 3)).astype(np.float32)
    if g <= 0.0:
        return rgb
    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.hypot(xx - u, yy - v) / w  # distance from the sun in image widths
    in_view = 0.0 <= u <= w - 1 and 0.0 <= v <= h - 1
    seen = 1.0
    if in_view and semantic is not None and semantic[int(round(v)), int(round(u))] != SKY:
        seen = 0.25  # the sun is behind something: no direct light, scattered only
    elif not in_view:
        seen = 0.5 * fade  # just out of the picture: its light still reaches the lens
    veil = 0.35 * g * np.exp(-r / 0.6)
    bloom = g * seen * (np.exp(-((r / 0.03) ** 2)) + 0.45 * np.exp(-((r / 0.12) ** 2)))
    light_layer = np.clip(veil + bloom, 0.0, 1.0)[..., None] * GLARE_COLOR[None, None, :]
    ghosts = np.zeros((h, w, 3), np.float32)
    cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
    for k in range(n_ghosts):
        gx, gy = u + where[k] * (cx - u), v + where[k] * (cy - v)
        disc = np.clip(1.0 - np.hypot(xx - gx, yy - gy) / (radius[k] * w), 0.0, 1.0) ** 0.5
        ghosts += (0.2 * g * seen * disc)[..., None] * tint[k][None, None, :] * 255.0
    add = np.clip(light_layer + ghosts, 0.0, 255.0)
    img = rgb.astype(np.float32)
    return _to_uint8(img + add * (1.0 - img / 255.0))  # screen: brightens, never past white


def _wet_road(
    rgb: np.ndarray, depth: np.ndarray | None, semantic: np.ndarray, wetness: float
) -> np.ndarray:
    """Road and marking pixels darkened by ``WET_DARKENING * wetness`` and mixed with the sky
    colour (mean of the sky pixels) by a weight that grows with distance (grazing reflection)."""
    out = rgb.astype(np.float32)
    road = (semantic == ROAD) | (semantic == LANE_MARKING)
    if not road.any():
        return out
    sky = semantic == SKY
    sky_color = out[sky].mean(axis=0) if sky.any() else FOG_COLOR
    if depth is None:
        far = np.ones(road.shape, np.float32)
    else:
        far = 1.0 - np.exp(-np.maximum(depth, 0.0) / SHEEN_DISTANCE).astype(np.float32)
    w = (WET_SHEEN * wetness * far)[road][:, None]
    out[road] = out[road] * (1.0 - WET_DARKENING * wetness) * (1.0 - w) + sky_color * w
    return out


def rain(
    rgb: np.ndarray,
    depth: np.ndarray | None,
    semantic: np.ndarray | None,
    rng: np.random.Generator,
    density: float,
    length: float,
    angle_deg: float,
    opacity: float,
    wetness: float,
) -> np.ndarray:
    """Rain: a wet road, then streaks.

    The road (road and lane-marking pixels of ``semantic``; skipped without it) is darkened
    by ``WET_DARKENING * wetness`` and reflects the sky more with distance (``WET_SHEEN``).
    Over the whole image, ``density`` streaks per 10 000 pixels, each a thin anti-aliased line
    ``length`` x image height long (x 0.6-1.4 per streak), slanted ``angle_deg`` [deg] from
    vertical (positive: the top leans right), blended toward ``RAIN_COLOR`` with at most
    ``opacity``. The streaks are new every frame (``rng`` is per frame).
    """
    h, w = rgb.shape[:2]
    out = (
        _wet_road(rgb, depth, semantic, float(wetness))
        if semantic is not None
        else rgb.astype(np.float32)
    )
    n = int(round(float(density) * h * w / 1e4))
    a = math.radians(angle_deg)
    lengths = float(length) * h * rng.uniform(0.6, 1.4, n)
    # a streak's lower end anywhere, extended above the top so streaks enter from above
    x1 = rng.uniform(-0.2 * w, 1.2 * w, n)
    y1 = rng.uniform(0.0, h + lengths.mean() if n else h, n)
    strength = rng.uniform(0.4, 1.0, n)
    x0, y0 = x1 + lengths * math.sin(a), y1 - lengths * math.cos(a)
    layer = np.zeros((h, w), np.uint8)
    thickness = max(1, int(round(h / 720)))
    for k in range(n):
        cv2.line(
            layer,
            (int(round(x0[k] * 16)), int(round(y0[k] * 16))),
            (int(round(x1[k] * 16)), int(round(y1[k] * 16))),
            int(round(255 * strength[k])),
            thickness,
            cv2.LINE_AA,
            4,
        )
    alpha = cv2.GaussianBlur(layer.astype(np.float32) / 255.0, (3, 3), 0.6) * float(opacity)
    alpha = alpha[..., None]
    return _to_uint8(out * (1.0 - alpha) + RAIN_COLOR * alpha)


def lens_dirt(
    rgb: np.ndarray,
    depth: np.ndarray | None,
    semantic: np.ndarray | None,
    rng: np.random.Generator,
    blobs: float,
    size: float,
    opacity: float,
) -> np.ndarray:
    """Dirt on the lens: ``round(blobs)`` soft elliptic blobs of radius ``size`` x image width
    (x 0.6-1.4 per blob), Gaussian-blurred edges, at most ``opacity`` opaque. Under a blob the
    scene shows blurred and tinted toward ``DIRT_COLOR`` (dirt is out of focus). ``rng`` is
    per camera, so the blobs stay where they are for the whole episode.
    """
    h, w = rgb.shape[:2]
    n = max(1, int(round(blobs)))
    s = 4  # the blob mask and the blurred scene are built at 1/4 resolution: both are smooth
    hs, ws = max(1, h // s), max(1, w // s)
    mask = np.zeros((hs, ws), np.float32)
    radii = float(size) * w / s * rng.uniform(0.6, 1.4, n)
    cx, cy = rng.uniform(0, ws, n), rng.uniform(0, hs, n)
    aspect, angle, dens = (
        rng.uniform(0.5, 1.0, n),
        rng.uniform(0.0, 180.0, n),
        rng.uniform(0.6, 1.0, n),
    )
    for k in range(n):
        blob = np.zeros_like(mask)
        axes = (max(1, int(round(radii[k]))), max(1, int(round(radii[k] * aspect[k]))))
        cv2.ellipse(
            blob,
            (int(round(cx[k])), int(round(cy[k]))),
            axes,
            float(angle[k]),
            0,
            360,
            float(dens[k]),
            -1,
        )
        mask = np.maximum(mask, blob)
    sigma = max(1.0, 0.4 * float(radii.mean()))
    mask = cv2.GaussianBlur(mask, (0, 0), sigma)
    alpha = cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR)[..., None] * float(opacity)
    small = cv2.resize(rgb, (ws, hs), interpolation=cv2.INTER_AREA).astype(np.float32)
    blurred = cv2.resize(
        cv2.GaussianBlur(small, (0, 0), sigma), (w, h), interpolation=cv2.INTER_LINEAR
    )
    dirt = 0.5 * blurred * (DIRT_COLOR / 255.0 + 0.4) + 0.5 * DIRT_COLOR
    return _to_uint8(rgb.astype(np.float32) * (1.0 - alpha) + dirt * alpha)


def _ground_noise(
    depth: np.ndarray, fx: float, rng: np.random.Generator, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """A smooth random field on the ground plane, looked up at every pixel.

    The field has features about ``scale`` [m] across, zero mean and unit variance over a
    fixed ``GROUND_EXTENT`` patch (so the draws do not depend on the image). A pixel at
    column u with depth d lies at lateral x = (u - W/2) d / fx and forward z = d [m] (a level
    camera). Returns (value, weight): weight fades from 1 to 0 where a feature spans fewer
    than 4 pixels, which would alias.
    """
    h, w = depth.shape
    half, far = GROUND_EXTENT
    cell = scale / 2.0
    nx, nz = int(math.ceil(2 * half / cell)) + 1, int(math.ceil(far / cell)) + 1
    grid = cv2.GaussianBlur(rng.standard_normal((nz, nx)).astype(np.float32), (0, 0), 1.5)
    grid = (grid - grid.mean()) / max(float(grid.std()), 1e-6)
    u = np.arange(w, dtype=np.float32)[None, :] - (w - 1) / 2.0
    map_x = ((u * depth / float(fx) + half) / cell).astype(np.float32)
    map_z = (depth / cell).astype(np.float32)
    value = cv2.remap(grid, map_x, map_z, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    feature_px = float(fx) * float(scale) / np.maximum(depth, 1e-3)
    weight = np.clip((feature_px - 4.0) / 4.0, 0.0, 1.0).astype(np.float32)
    return value, weight


def marking_wear(
    rgb: np.ndarray,
    depth: np.ndarray | None,
    semantic: np.ndarray | None,
    rng: np.random.Generator,
    fraction: float,
    strength: float,
    scale: float,
    fx: float | None = None,
) -> np.ndarray:
    """Worn lane markings (an image-space approximation of worn paint).

    Deprecated for realism: lane paint is now worn in texture space, fixed to the road
    (``appearance.textures``, :mod:`sim.render.textures`); this perturbation still works as
    extra domain randomisation on top.

    A smooth random field on the ground plane with features ``scale`` [m] across picks about
    ``fraction`` of the marking pixels (where it exceeds its (1 - fraction) normal quantile,
    with a soft edge); those fade toward the local road colour (the road pixels around them,
    averaged) by ``strength`` (1 = gone). ``fx`` [px] is the camera's focal length (default:
    the image width). ``rng`` is per camera: the pattern is fixed relative to the camera.
    """
    if semantic is None or depth is None:
        return rgb
    marks = semantic == LANE_MARKING
    road = semantic == ROAD
    if not marks.any() or not road.any():
        return rgb
    h, w = semantic.shape
    value, weight = _ground_noise(depth, fx or w, rng, float(scale))
    thr = NormalDist().inv_cdf(min(max(1.0 - float(fraction), 1e-6), 1.0 - 1e-6))
    alpha = np.clip((value - thr) / 0.3 + 0.5, 0.0, 1.0) * weight * float(strength)
    # local road colour: a normalised convolution of the road pixels, at 1/4 resolution
    s = 4
    ws, hs = max(1, w // s), max(1, h // s)
    road_f = road.astype(np.float32)
    num = cv2.resize(
        rgb.astype(np.float32) * road_f[..., None], (ws, hs), interpolation=cv2.INTER_AREA
    )
    den = cv2.resize(road_f, (ws, hs), interpolation=cv2.INTER_AREA)
    sigma = max(2.0, ws / 80.0)
    num, den = cv2.GaussianBlur(num, (0, 0), sigma), cv2.GaussianBlur(den, (0, 0), sigma)
    local = num / np.maximum(den, 1e-3)[..., None]
    local = np.where(den[..., None] > 1e-3, local, rgb[road].mean(axis=0))
    local = cv2.resize(local, (w, h), interpolation=cv2.INTER_LINEAR)
    out = rgb.astype(np.float32)
    a = alpha[marks][:, None]
    out[marks] = out[marks] * (1.0 - a) + local[marks] * a
    return _to_uint8(out)


def road_texture(
    rgb: np.ndarray,
    depth: np.ndarray | None,
    semantic: np.ndarray | None,
    rng: np.random.Generator,
    amplitude: float,
    scale: float,
    fx: float | None = None,
) -> np.ndarray:
    """Low-frequency brightness variation of the road surface (patches, repairs, stains): road
    and marking pixels multiplied by ``1 + amplitude * n`` with n a smooth unit-variance field
    on the ground plane, features ``scale`` [m] across plus half as much of features
    ``scale / 4`` across (clipped to +-2.5). ``amplitude`` is the
    relative standard deviation of the brightness. ``fx`` [px] as in :func:`marking_wear`;
    ``rng`` is per camera. An image-space approximation: the pattern moves with the camera.

    Deprecated for realism: the asphalt is now textured in world space (grain, patches,
    cracks, wheel tracks, stains; ``appearance.textures``); this perturbation still works as
    extra domain randomisation on top.
    """
    if semantic is None or depth is None:
        return rgb
    road = (semantic == ROAD) | (semantic == LANE_MARKING)
    if not road.any():
        return rgb
    f = fx or semantic.shape[1]
    coarse, w_coarse = _ground_noise(depth, f, rng, float(scale))
    fine, w_fine = _ground_noise(depth, f, rng, float(scale) / 4.0)  # an octave of finer grain
    value = (coarse * w_coarse + 0.5 * fine * w_fine) / math.sqrt(1.25)
    gain = 1.0 + float(amplitude) * np.clip(value, -2.5, 2.5)
    out = rgb.astype(np.float32)
    out[road] *= gain[road][:, None]
    return _to_uint8(out)


EFFECTS = {
    "fog": fog,
    "glare": glare,
    "noise": noise,
    "exposure": exposure,
    "motion_blur": motion_blur,
    "rain": rain,
    "lens_dirt": lens_dirt,
    "marking_wear": marking_wear,
    "road_texture": road_texture,
}
"""Image effects by catalogue name."""
FAULTS = ("frame_drop", "frame_duplicate")
"""Frame faults: not image effects; :meth:`SensorEffects.apply` drops or repeats frames."""
PER_CAMERA = frozenset({"glare", "lens_dirt", "marking_wear", "road_texture"})
"""Effects seeded per camera (the same pattern on every frame) rather than per frame."""
GROUND = frozenset({"marking_wear", "road_texture"})
"""Effects that take the camera's focal length ``fx`` [px]."""
SUN = frozenset({"glare"})
"""Effects that take where the sun is in the frame (``sun``, see :func:`glare`)."""
if set(EFFECTS) | set(FAULTS) != {n for n, p in CATALOG.items() if p.kind == "sensor"}:
    raise RuntimeError(
        "sim.perturb: every sensor perturbation of the catalogue needs an image effect in EFFECTS"
    )


class SensorEffects:
    """The sensor perturbations of one episode, applied per (camera, frame).

    :meth:`apply` takes each rendered frame (a ``FrameData``) in capture order and returns it
    with its image changed, or ``None`` when the camera dropped it, or a copy of the camera's
    previous frame (image, buffers, labels, step, t: everything) under the new frame number
    when it duplicated it. :meth:`record` adds which frames that hit to meta.json.
    """

    def __init__(
        self, perturbations, seed_root, sun_direction=None, sun_light: float = 0.0, isp=None
    ) -> None:
        """``sun_direction``: unit vector towards the sun (world frame); ``sun_light``: its
        light for the glare, 0..1 (0: none, e.g. below the horizon). ``isp``: {camera name:
        :class:`sim.render.isp.CameraIsp` or None}, each camera's own image pipeline, run
        last on every frame the effects made (a duplicated frame repeats its bytes)."""
        applied = [
            (p.name, dict(p.params))
            for p in perturbations
            if p.applied and CATALOG[p.name].kind == "sensor"
        ]
        self.items = [(n, p) for n, p in applied if n in EFFECTS]
        self.faults = {n: float(p["probability"]) for n, p in applied if n in FAULTS}
        self.seed_root = seed_root
        self.dropped: dict[str, list[int]] = {}  # camera -> physics steps whose frame was lost
        self.duplicated: dict[
            str, list[int]
        ] = {}  # camera -> frame numbers that repeat the one before
        self._last: dict[str, object] = {}  # camera -> the last frame returned
        self.sun_direction = (
            None if sun_direction is None else np.asarray(sun_direction, dtype=np.float64)
        )
        self.sun_light = float(sun_light)
        self._needs_sun = any(n in SUN for n, _ in self.items)
        self.isp = {k: v for k, v in (isp or {}).items() if v is not None}

    def __bool__(self) -> bool:
        return bool(self.items or self.faults or self.isp)

    def _fault(self, name: str, camera: str, step: int) -> bool:
        p = self.faults.get(name)
        return (
            p is not None
            and float(child_rng(self.seed_root, f"fault/{name}/{camera}/{step}").random()) < p
        )

    def image(
        self,
        rgb: np.ndarray,
        depth: np.ndarray | None,
        semantic: np.ndarray | None,
        camera: str,
        frame: int,
        fx: float | None = None,
        sun=None,
    ) -> np.ndarray:
        """``rgb`` with every image effect applied, in catalogue order; ``fx`` [px] for the
        road effects, ``sun`` (:meth:`sun_in_view`) for the glare."""
        for name, params in self.items:
            key = (
                f"effect/{name}/{camera}"
                if name in PER_CAMERA
                else f"effect/{name}/{camera}/{frame}"
            )
            extra = {"fx": fx} if name in GROUND else {"sun": sun} if name in SUN else {}
            rgb = EFFECTS[name](
                rgb, depth, semantic, child_rng(self.seed_root, key), **params, **extra
            )
        return rgb

    def sun_in_view(self, camera, T_world_ego: np.ndarray):
        """(u, v, off_axis_deg, half_diag_deg, light) of the sun for ``camera`` (a CameraModel)
        at ego pose ``T_world_ego``, or None without a sun; u, v are computed for a sun in
        front of the camera (else far outside the image)."""
        if self.sun_direction is None or self.sun_light <= 0.0:
            return None
        R = camera.T_world_cam(T_world_ego)[:3, :3]
        d = R.T @ self.sun_direction  # camera frame: x right, y down, z forward
        off_axis = math.degrees(math.acos(min(max(float(d[2]), -1.0), 1.0)))
        half_diag = math.degrees(
            math.atan(math.hypot(camera.width / 2.0 / camera.fx, camera.height / 2.0 / camera.fy))
        )
        if d[2] > 1e-6:
            u, v = camera.fx * d[0] / d[2] + camera.cx, camera.fy * d[1] / d[2] + camera.cy
        else:
            u, v = -1e6, -1e6
        return float(u), float(v), off_axis, half_diag, self.sun_light

    def apply(self, frame):
        """The frame as the faulty, rainy, dirty... camera delivers it, or ``None`` (dropped)."""
        cam = frame.camera.name
        self.dropped.setdefault(cam, [])
        self.duplicated.setdefault(cam, [])
        if self._fault("frame_drop", cam, frame.step):
            self.dropped[cam].append(int(frame.step))
            return None
        last = self._last.get(cam)
        if last is not None and self._fault("frame_duplicate", cam, frame.step):
            self.duplicated[cam].append(int(frame.index))
            out = dataclasses.replace(last, index=frame.index)
        else:
            sun = self.sun_in_view(frame.camera, frame.T_world_ego) if self._needs_sun else None
            rgb = self.image(
                frame.rgb,
                frame.buffers.depth,
                frame.buffers.semantic,
                cam,
                frame.index,
                float(frame.camera.fx),
                sun,
            )
            if cam in self.isp:
                rgb = self.isp[cam].apply(rgb, frame.index)
            out = dataclasses.replace(frame, rgb=rgb)
        self._last[cam] = out
        return out

    def record(self, perturbations: list[dict]) -> list[dict]:
        """meta.json's perturbation entries with the frame faults' outcome: ``frame_drop`` gets
        ``dropped`` {camera: [physics steps whose frame was lost]}, ``frame_duplicate`` gets
        ``duplicated`` {camera: [frame numbers whose files repeat frame number - 1]}."""
        extra = {
            "frame_drop": {"dropped": self.dropped},
            "frame_duplicate": {"duplicated": self.duplicated},
        }
        return [{**p, **extra.get(p["name"], {})} for p in perturbations]
