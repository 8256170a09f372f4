"""Sensors and outputs: cameras (intrinsics, mount, rate) and the label formats written."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from sim.scenario.schema.base import AnyNumber, Identifier, Num, Strict
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


Format = Literal["native", "coco", "kitti", "kitti_tracking", "yolo", "cityscapes"]


class OutputsSpec(Strict):
    formats: list[Format] = Field(default=["native", "coco", "kitti"], max_length=20)
    min_pixels: Annotated[Any, Num(ge=1, integer=True)] = Field(
        default=10, description="objects with fewer visible pixels get no 2D label"
    )
