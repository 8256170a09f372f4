"""Sensors and outputs: cameras (intrinsics, mount, rate) and the label formats written."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from sim.scenario.schema.base import AnyNumber, Identifier, Num, Strict
from sim.scenario.schema.groundtruth import GroundTruthSpec
from sim.scenario.schema.lidar import MAX_LIDARS, LidarList
from sim.scenario.schema.limits import MAX_CAMERAS


class MountSpec(Strict):
    """Camera pose on the ego: position [m] in the ego frame (x forward, y left, z up, origin
    at the bottom centre of the ego's box), then yaw (left +), pitch (down +), roll [deg]."""

    x: AnyNumber = 1.0
    y: AnyNumber = 0.0
    z: AnyNumber = 1.6
    yaw_deg: Annotated[Any, Num(ge=-180.0, le=180.0)] = 0.0
    pitch_deg: Annotated[Any, Num(ge=-90.0, le=90.0)] = 0.0
    roll_deg: Annotated[Any, Num(ge=-180.0, le=180.0)] = 0.0


class LensSpec(Strict):
    """Lens distortion with OpenCV's models and coefficient names (docs/rendering.md):
    ``brown_conrady`` (``cv2.projectPoints``: k1, k2, k3 radial, p1, p2 tangential),
    ``fisheye`` (``cv2.fisheye``, equidistant: k1..k4), ``pinhole`` (none). Coefficients
    left out are 0; each may be a distribution."""

    model: Literal["pinhole", "brown_conrady", "fisheye"] = "pinhole"
    k1: Annotated[Any, Num(ge=-5.0, le=5.0)] | None = None
    k2: Annotated[Any, Num(ge=-5.0, le=5.0)] | None = None
    k3: Annotated[Any, Num(ge=-5.0, le=5.0)] | None = None
    k4: Annotated[Any, Num(ge=-5.0, le=5.0)] | None = None
    p1: Annotated[Any, Num(ge=-0.5, le=0.5)] | None = None
    p2: Annotated[Any, Num(ge=-0.5, le=0.5)] | None = None

    @model_validator(mode="after")
    def _coefficients(self) -> LensSpec:
        allowed = {
            "pinhole": set(),
            "brown_conrady": {"k1", "k2", "k3", "p1", "p2"},
            "fisheye": {"k1", "k2", "k3", "k4"},
        }[self.model]
        given = [k for k in ("k1", "k2", "k3", "k4", "p1", "p2") if getattr(self, k) is not None]
        extra = [k for k in given if k not in allowed]
        if extra:
            takes = ", ".join(sorted(allowed)) if allowed else "no coefficients"
            raise ValueError(f"a {self.model} lens takes {takes}, not {', '.join(extra)}")
        return self


class IspSpec(Strict):
    """The camera's image pipeline (sim/render/isp.py), in this order: exposure, vignetting,
    chromatic aberration, tone curve, sensor noise, JPEG. ``isp: {}`` gives a real camera's
    defaults; without ``isp`` the render is written as it is."""

    exposure_ev: Annotated[Any, Num(ge=-6.0, le=6.0)] = Field(
        default=0.0, description="[EV] exposure: linear gain 2^ev"
    )
    vignetting: Annotated[Any, Num(ge=0.0, le=1.0)] = Field(
        default=0.3, description="share of the cos^4 illumination falloff (1 = all of it)"
    )
    chromatic_aberration: Annotated[Any, Num(ge=0.0, le=20.0)] = Field(
        default=0.7, description="[px] red/blue lateral shift at the farthest image corner"
    )
    tone_curve: Literal["filmic", "linear"] = "filmic"
    shot_noise: Annotated[Any, Num(ge=0.0, le=0.2)] = Field(
        default=0.012, description="relative shot noise at full scale (variance grows with signal)"
    )
    read_noise: Annotated[Any, Num(ge=0.0, le=0.1)] = Field(
        default=0.0015, description="read-noise floor, fraction of full scale"
    )
    jpeg_quality: Annotated[Any, Num(ge=0, le=100, integer=True)] = Field(
        default=0, description="JPEG compression quality 1..100; 0 = none"
    )


class CameraSpec(Strict):
    name: Identifier
    width: Annotated[Any, Num(ge=16, le=8192, integer=True)] = 1280
    height: Annotated[Any, Num(ge=16, le=8192, integer=True)] = 720
    hfov_deg: Annotated[Any, Num(gt=0.0, lt=180.0)] | None = Field(
        default=None, description="horizontal field of view"
    )
    fx: Annotated[Any, Num(gt=0.0)] | None = None
    fy: Annotated[Any, Num(gt=0.0)] | None = None
    cx: AnyNumber | None = None
    cy: AnyNumber | None = None
    rate: Annotated[Any, Num(gt=0.0, le=100.0)] = Field(
        default=10.0, description="[Hz] frames per second"
    )
    mount: MountSpec = MountSpec()
    znear: Annotated[Any, Num(gt=0.0)] = 0.3
    zfar: Annotated[Any, Num(gt=0.0)] = 1000.0
    lens: LensSpec | None = Field(default=None, description="lens distortion; none: a pinhole")
    isp: IspSpec | None = Field(default=None, description="image pipeline; none: the raw render")
    msaa: Literal[0, 2, 4] | None = Field(
        default=None, description="colour-pass anti-aliasing samples (0: none); none: 4"
    )
    aa: Literal["none", "fxaa"] | None = Field(
        default=None,
        description="post-filter anti-aliasing of the colour image (fxaa: edge-aware, for "
        "msaa 0); none: no filter",
    )
    shadow_map: Literal[512, 1024, 2048, 4096] | None = Field(
        default=None,
        description="texels per side of the sun's shadow map fitted to this camera's view "
        "(fewer: cheaper, blockier shadow edges); none: 2048",
    )

    @model_validator(mode="after")
    def _intrinsics(self) -> CameraSpec:
        if (self.hfov_deg is None) == (self.fx is None):
            raise ValueError("give either 'hfov_deg' or 'fx' (with optional fy, cx, cy)")
        if self.hfov_deg is not None and any(v is not None for v in (self.fy, self.cx, self.cy)):
            raise ValueError("'fy', 'cx', 'cy' go with 'fx', not with 'hfov_deg'")
        return self


def _default_cameras() -> list[CameraSpec]:
    return [CameraSpec(name="front", hfov_deg=90.0)]


class SensorsSpec(Strict):
    cameras: list[CameraSpec] = Field(
        default_factory=_default_cameras, min_length=1, max_length=MAX_CAMERAS
    )
    lidars: LidarList = Field(
        default_factory=list,
        max_length=MAX_LIDARS,
        exclude_if=lambda v: not v,  # none: resolved scenarios are written as before
        description="spinning LiDARs on the ego (docs/lidar.md); none by default",
    )


Format = Literal["native", "coco", "kitti", "kitti_tracking", "yolo", "cityscapes", "nuscenes"]


class OutputsSpec(Strict):
    formats: list[Format] = Field(default=["native", "coco", "kitti"], max_length=20)
    min_pixels: Annotated[Any, Num(ge=1, integer=True)] = Field(
        default=10, description="objects with fewer visible pixels get no 2D label"
    )
    ground_truth: GroundTruthSpec = Field(
        default_factory=GroundTruthSpec,
        exclude_if=lambda v: not v.enabled,  # off: resolved scenarios are written as before
        description="optical flow, BEV, occupancy, lanes (docs/ground_truth.md); off by default",
    )
