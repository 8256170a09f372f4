"""Lens distortion applied to a whole frame: every buffer from one pinhole render, warped.

A distorted camera is rendered as a pinhole camera on a *source canvas*: the same fx, fy
(scaled down if the canvas would exceed ``CANVAS_PIXEL_BUDGET`` times the image's pixels),
a larger (barrel) or smaller (pincushion) width and height and a shifted cx, cy, sized so
that the ray of every distorted pixel lands on it (computed by undistorting every pixel of
the distorted image; :func:`lens_warp`). The colour render and the label rasterizer both
draw that canvas from the same geometry; :meth:`LensWarp.apply` then resamples it into the
distorted image:

- RGB bilinearly (``cv2.remap``);
- depth, semantic and instance by nearest neighbour, so every label pixel is an exact class
  or instance id and every depth that of a real surface (depth is along the optical axis,
  which the source canvas shares);
- the amodal pixel counts: the rasterizer counts, per object, the canvas pixels it would
  cover with nothing in front (``A``) next to its visible canvas pixels (``V``). The warped
  count is ``A * P / V`` with ``P`` its visible pixels in the distorted image, so an object's
  ``visible_fraction`` (= ``P / amodal``) is ``V / A``, measured on the source canvas. The
  canvas reaches a little past the image edges (it is the bounding box of the image's
  footprint), so an object cut by the image border is judged on the part of it the canvas
  holds. Objects with no visible canvas pixel (hidden) are scaled by the image's mean area
  ratio (image pixels / footprint area in canvas pixels).

Boxes then come from :func:`sim.labels.label_frame` on the warped buffers, i.e. they are the
tight boxes of the distorted instance mask. A lens whose distortion folds back inside the
image, or that sees more than ``MAX_RAY_DEG`` off axis (a fisheye over ~150 deg), or that
would need a canvas more than ``MAX_CANVAS_SCALE`` times the image per side, is refused
with a ScenarioError.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from sim.errors import ScenarioError
from sim.render.camera import PINHOLE, CameraModel, Lens
from sim.render.raster import LabelBuffers

MAX_RAY_DEG = 75.0
"""[deg] largest ray angle off the optical axis a pinhole source canvas may have to hold."""
MAX_CANVAS_SCALE = 3.0
"""Largest source canvas side over the image's side."""
MAX_CANVAS_SIDE = 8192
"""[px] largest source canvas side."""
LENS_COEFFICIENTS = ("k1", "k2", "k3", "k4", "p1", "p2")
CANVAS_PIXEL_BUDGET = 1.15
"""Largest source canvas area over the image's: past it the canvas's focal length is
scaled down (a barrel lens's canvas at the image's fx would be ~1.8x the pixels at
k1 = -0.25), so the image centre is sampled a little coarser than one canvas pixel per image
pixel (bilinear RGB, nearest labels) while the compressed edges stay oversampled."""
ROUND_TRIP_PX = 1e-3
"""[px] how closely distort(undistort(pixel)) must give the pixel back."""


@dataclass(frozen=True, eq=False)
class LensWarp:
    """How one distorted camera is made from a pinhole render (see the module docstring)."""

    camera: CameraModel  # the distorted camera (what the files describe)
    source: CameraModel  # the pinhole canvas to render
    map_fixed: tuple[np.ndarray, np.ndarray]  # cv2.convertMaps of the bilinear map
    nearest: np.ndarray  # (H * W,) int64 flat index of each pixel's nearest canvas pixel
    area_ratio: float  # image pixels per canvas pixel of the footprint, on average

    def apply(
        self, rgb: np.ndarray | None, buffers: LabelBuffers
    ) -> tuple[np.ndarray | None, LabelBuffers]:
        """(rgb, buffers) of the source canvas -> those of the distorted image."""
        H, W = self.camera.height, self.camera.width
        out_rgb = None
        if rgb is not None:
            out_rgb = cv2.remap(
                rgb,
                self.map_fixed[0],
                self.map_fixed[1],
                cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REPLICATE,
            )
        idx = self.nearest
        depth = buffers.depth.ravel()[idx].reshape(H, W)
        instance = buffers.instance.ravel()[idx].reshape(H, W)
        semantic = buffers.semantic.ravel()[idx].reshape(H, W)
        amodal_src = np.asarray(buffers.amodal_pixels, dtype=np.int64)
        n = len(amodal_src)
        visible_src = np.bincount(buffers.instance.ravel(), minlength=n)[:n]
        visible_out = np.bincount(instance.ravel(), minlength=n)[:n]
        scaled = np.where(
            visible_src > 0,
            amodal_src * visible_out / np.maximum(visible_src, 1),
            amodal_src * self.area_ratio,
        )
        amodal = np.maximum(np.rint(scaled).astype(np.int64), visible_out)
        return out_rgb, LabelBuffers(depth, instance, semantic, amodal)


def _refuse(camera: CameraModel, index: int | None, why: str) -> ScenarioError:
    where = f"sensors.cameras[{index}].lens: " if index is not None else ""
    return ScenarioError(f"{where}camera {camera.name!r}: {why}")


def _too_wide(camera: CameraModel, index: int | None, angle: float) -> ScenarioError:
    return _refuse(
        camera,
        index,
        f"the lens sees {angle:.0f} deg off axis (or more); a pinhole source canvas covers at "
        f"most {MAX_RAY_DEG:g} deg ({2 * MAX_RAY_DEG:g} deg across): use a narrower field of "
        "view",
    )


def lens_warp(camera: CameraModel, index: int | None = None) -> LensWarp | None:
    """The warp of a distorted camera, None for a pinhole one. ``index``: the camera's place
    in ``sensors.cameras`` (for the error message). Raises ScenarioError for a lens the
    source canvas cannot serve (see the module docstring)."""
    lens = camera.lens
    if lens.is_pinhole:
        return None
    W, H = camera.width, camera.height
    u = np.arange(W, dtype=np.float64)
    v = np.arange(H, dtype=np.float64)
    xd = np.broadcast_to((u - camera.cx) / camera.fx, (H, W)).ravel()
    yd = np.broadcast_to(((v - camera.cy) / camera.fy)[:, None], (H, W)).ravel()
    if lens.model == "fisheye":  # its angle off axis is known before any inverse
        theta = np.linspace(0.0, lens.limit, 20001)
        seen = float(np.interp(np.hypot(xd, yd).max(), lens._theta_d(theta), theta, right=np.inf))
        if math.degrees(seen) > MAX_RAY_DEG:
            raise _too_wide(camera, index, math.degrees(seen))
    x, y = lens.undistort(xd, yd)
    bad = ~(np.isfinite(x) & np.isfinite(y))
    if not bad.any():
        rx, ry = lens.distort(x, y)
        bad = np.hypot((rx - xd) * camera.fx, (ry - yd) * camera.fy) > ROUND_TRIP_PX
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise _refuse(
            camera,
            index,
            f"the {lens.model} distortion has no inverse at pixel ({k % W}, {k // W}) "
            "(it folds back, or a fisheye ray reaches 90 deg): use smaller coefficients or a "
            "narrower field of view",
        )
    angle = math.degrees(math.atan(float(np.hypot(x, y).max())))
    if angle > MAX_RAY_DEG:
        raise _too_wide(camera, index, angle)
    # the canvas's focal length: the image's, shrunk (never grown) until the canvas holds
    # at most CANVAS_PIXEL_BUDGET times the image's pixels
    full = (float(np.ptp(x)) * camera.fx + 3) * (float(np.ptp(y)) * camera.fy + 3)
    scale = min(1.0, math.sqrt(CANVAS_PIXEL_BUDGET * W * H / full))
    fx, fy = camera.fx * scale, camera.fy * scale
    us = fx * x + camera.cx
    vs = fy * y + camera.cy
    u0, v0 = math.floor(us.min()) - 1, math.floor(vs.min()) - 1
    width, height = math.ceil(us.max()) + 2 - u0, math.ceil(vs.max()) + 2 - v0
    if max(width / W, height / H) > MAX_CANVAS_SCALE or max(width, height) > MAX_CANVAS_SIDE:
        raise _refuse(
            camera,
            index,
            f"the lens needs a {width}x{height} pinhole canvas to render from (at most "
            f"{MAX_CANVAS_SCALE:g}x the image and {MAX_CANVAS_SIDE} px per side): use "
            "smaller coefficients or a narrower field of view",
        )
    source = replace(
        camera,
        width=width,
        height=height,
        fx=fx,
        fy=fy,
        cx=camera.cx - u0,
        cy=camera.cy - v0,
        lens=PINHOLE,
    )
    map_u = (us - u0).reshape(H, W)
    map_v = (vs - v0).reshape(H, W)
    fixed = cv2.convertMaps(map_u.astype(np.float32), map_v.astype(np.float32), cv2.CV_16SC2)
    nearest = (
        np.clip(np.rint(map_v), 0, height - 1).astype(np.int64) * width
        + np.clip(np.rint(map_u), 0, width - 1).astype(np.int64)
    ).ravel()
    du_u, du_v = np.gradient(map_u, axis=1), np.gradient(map_u, axis=0)
    dv_u, dv_v = np.gradient(map_v, axis=1), np.gradient(map_v, axis=0)
    footprint = float(np.abs(du_u * dv_v - du_v * dv_u).sum())
    return LensWarp(camera, source, (fixed[0], fixed[1]), nearest, W * H / max(footprint, 1.0))


def lens_from_spec(spec) -> Lens:
    """The :class:`Lens` of a resolved ``sensors.cameras[i].lens`` block (None: pinhole)."""
    if spec is None:
        return PINHOLE
    coeffs = {k: float(getattr(spec, k)) for k in LENS_COEFFICIENTS if getattr(spec, k) is not None}
    return Lens(str(spec.model), **coeffs)
