"""LiDAR sensors (``sensors.lidars``): beams, scan, range, noise and mount (docs/lidar.md).

A spinning LiDAR on the ego: a preset's published elevation table or a custom one, the
horizontal resolution and rotation rate (one sweep per rotation, centred on times
0, 1/rotation_hz, 2/rotation_hz, ...), the range, and the noise and dropout of its returns.
No ``lidars`` (the default): no LiDAR output at all.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from sim.scenario.schema.base import Identifier, Num, Strict

LIDAR_PRESETS = ("hdl64e", "hdl32e", "vlp16", "os1_128")
"""Preset names (sim.lidar.beams.PRESETS has their tables and sources)."""
MAX_LIDARS = 8
PRESET_BEAMS = {"hdl64e": 64, "hdl32e": 32, "vlp16": 16, "os1_128": 128}
MAX_LIDAR_RAYS = 2_000_000
"""Rays per sweep (beams x columns): 128 beams at 0.025 deg; more is a mistake."""


class LidarMountSpec(Strict):
    """The sensor's pose on the ego: position [m] in the ego frame (x forward, y left, z up,
    origin at the bottom centre of the ego's box), then yaw (left +), pitch (nose down +),
    roll [deg]. The default sits on the roof centre of a car, like KITTI's (1.73 m)."""

    x: Annotated[Any, Num(ge=-20.0, le=20.0)] = 0.0
    y: Annotated[Any, Num(ge=-10.0, le=10.0)] = 0.0
    z: Annotated[Any, Num(ge=0.0, le=10.0)] = 1.73
    yaw_deg: Annotated[Any, Num(ge=-180.0, le=180.0)] = 0.0
    pitch_deg: Annotated[Any, Num(ge=-90.0, le=90.0)] = 0.0
    roll_deg: Annotated[Any, Num(ge=-180.0, le=180.0)] = 0.0


class LidarSpec(Strict):
    name: Identifier
    preset: Literal["hdl64e", "hdl32e", "vlp16", "os1_128"] | None = Field(
        default=None,
        description="a published elevation table (hdl64e, hdl32e, vlp16, os1_128); "
        "neither this nor elevations_deg: hdl64e",
    )
    elevations_deg: list[Annotated[float, Field(ge=-90.0, le=90.0, allow_inf_nan=False)]] | None = (
        Field(
            default=None,
            min_length=1,
            max_length=256,
            description="[deg] a custom table: each beam's elevation, distinct, any order",
        )
    )
    horizontal_resolution_deg: Annotated[Any, Num(ge=0.02, le=10.0)] = Field(
        default=0.2, description="[deg] azimuth between two firings of a beam"
    )
    rotation_hz: Annotated[Any, Num(ge=1.0, le=40.0)] = Field(
        default=10.0, description="[Hz] rotations per second: one sweep each"
    )
    range: Annotated[Any, Num(gt=1.0, le=500.0)] = Field(
        default=120.0,
        description="[m] maximum range: a 10 % reflective target at normal incidence is seen "
        "out to here, darker or grazing ones less far",
    )
    min_range: Annotated[Any, Num(ge=0.0, le=20.0)] = Field(
        default=0.5, description="[m] returns nearer than this are lost (blind zone)"
    )
    range_noise: Annotated[Any, Num(ge=0.0, le=1.0)] = Field(
        default=0.02, description="[m] standard deviation of the Gaussian range noise"
    )
    dropout: Annotated[Any, Num(ge=0.0, le=1.0)] = Field(
        default=0.0, description="probability that a detected return is lost at random"
    )
    mount: LidarMountSpec = LidarMountSpec()

    @model_validator(mode="after")
    def _table(self) -> LidarSpec:
        if self.preset is not None and self.elevations_deg is not None:
            raise ValueError("give either 'preset' or 'elevations_deg', not both")
        if self.elevations_deg is not None and len(set(self.elevations_deg)) != len(
            self.elevations_deg
        ):
            raise ValueError("the elevations of 'elevations_deg' must be distinct")
        if isinstance(self.range, (int, float)) and isinstance(self.min_range, (int, float)):
            if not self.min_range < self.range:
                raise ValueError("'min_range' must be below 'range'")
        if isinstance(self.horizontal_resolution_deg, (int, float)):
            beams = (
                len(self.elevations_deg)
                if self.elevations_deg is not None
                else PRESET_BEAMS[self.preset or "hdl64e"]
            )
            if beams * round(360.0 / float(self.horizontal_resolution_deg)) > MAX_LIDAR_RAYS:
                raise ValueError(
                    f"more than {MAX_LIDAR_RAYS} rays per sweep: coarsen "
                    "'horizontal_resolution_deg'"
                )
        return self

    @property
    def preset_name(self) -> str | None:
        """The preset this sensor uses, hdl64e when neither a preset nor a table is given."""
        if self.elevations_deg is not None:
            return None
        return self.preset or "hdl64e"


def _unique_names(lidars: list[LidarSpec]) -> list[LidarSpec]:
    names = [lidar.name for lidar in lidars]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"lidar names must be unique: {', '.join(dup)} repeated")
    return lidars


LidarList = Annotated[list[LidarSpec], AfterValidator(_unique_names)]
"""``sensors.lidars``: LiDAR specs with distinct names."""
