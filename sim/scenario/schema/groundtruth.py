"""``outputs.ground_truth``: optical flow, bird's-eye view, occupancy and lanes per camera
frame (sim/groundtruth/, docs/ground_truth.md). Everything is off by default, so a scenario
without the block writes exactly what it always did."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator

from sim.scenario.schema.base import Num, Strict


class BevSpec(Strict):
    """An ego-centred grid of classes and ids (``bev: {}`` takes these defaults)."""

    extent_x: Annotated[Any, Num(gt=0.0, le=400.0)] = Field(
        default=80.0, description="[m] along the ego's x (forward), centred on the ego"
    )
    extent_y: Annotated[Any, Num(gt=0.0, le=400.0)] = Field(
        default=80.0, description="[m] along the ego's y (left)"
    )
    resolution: Annotated[Any, Num(ge=0.02, le=10.0)] = Field(
        default=0.2, description="[m] per cell"
    )
    ceiling: Annotated[Any, Num(gt=0.0, le=100.0)] = Field(
        default=4.0, description="[m] static geometry above this height is left out"
    )

    @model_validator(mode="after")
    def _size(self) -> BevSpec:
        for key in ("extent_x", "extent_y", "resolution"):
            if not isinstance(getattr(self, key), (int, float)):
                raise ValueError(f"'{key}' must be a number (the grid's shape is fixed)")
        cells = (self.extent_x / self.resolution) * (self.extent_y / self.resolution)
        if cells > 25_000_000:
            raise ValueError(f"the grid would have {cells:.0f} cells (at most 25 million)")
        return self


class OccupancySpec(Strict):
    """Voxels free / occupied / unobserved from the camera's rays (``occupancy: {}``)."""

    extent_x: Annotated[Any, Num(gt=0.0, le=400.0)] = 80.0
    extent_y: Annotated[Any, Num(gt=0.0, le=400.0)] = 80.0
    voxel: Annotated[Any, Num(ge=0.05, le=10.0)] = Field(default=0.4, description="[m] side")
    z_min: Annotated[Any, Num(ge=-20.0, le=20.0)] = Field(
        default=-1.0, description="[m] ego z (the default puts the ground mid-voxel)"
    )
    z_max: Annotated[Any, Num(ge=-20.0, le=50.0)] = Field(default=4.2, description="[m] ego z")
    stride: Annotated[Any, Num(ge=1, le=64, integer=True)] = Field(
        default=4, description="every stride-th pixel's ray, both ways"
    )

    @model_validator(mode="after")
    def _size(self) -> OccupancySpec:
        for key in ("extent_x", "extent_y", "voxel", "z_min", "z_max"):
            if not isinstance(getattr(self, key), (int, float)):
                raise ValueError(f"'{key}' must be a number (the grid's shape is fixed)")
        if not self.z_max > self.z_min:
            raise ValueError("'z_max' must be above 'z_min'")
        v = self.voxel
        voxels = (self.extent_x / v) * (self.extent_y / v) * ((self.z_max - self.z_min) / v)
        if voxels > 50_000_000:
            raise ValueError(f"the grid would have {voxels:.0f} voxels (at most 50 million)")
        return self


class GroundTruthSpec(Strict):
    flow: bool = Field(
        default=False,
        description="forward optical flow (KITTI flow PNG) and per-object velocities",
    )
    bev: BevSpec | None = Field(default=None, description="bird's-eye-view grid; none: off")
    occupancy: OccupancySpec | None = Field(default=None, description="voxel grid; none: off")
    lanes: bool = Field(default=False, description="lane lines in 3D and in each camera (JSON)")
    culane: bool = Field(default=False, description="also CULane .lines.txt (needs lanes)")

    @model_validator(mode="after")
    def _culane(self) -> GroundTruthSpec:
        if self.culane and not self.lanes:
            raise ValueError("'culane' needs 'lanes: true'")
        return self

    @property
    def enabled(self) -> bool:
        return bool(self.flow or self.bev or self.occupancy or self.lanes)
