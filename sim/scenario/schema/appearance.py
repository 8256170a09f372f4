"""The appearance block: textures on or off, and the ranges the materials of every road user
are drawn from per episode (domain randomisation; meta.json records what was drawn)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator

from sim.scenario.schema.base import Num, Strict

Unit = Annotated[Any, Num(ge=0.0, le=1.0)]
Range = tuple[Unit, Unit]


class AppearanceSpec(Strict):
    textures: bool = Field(
        default=True,
        description="procedural textures (asphalt, paint, kerbs, grass, facades, foliage, "
        "vehicle dirt) and materials (paint, glass, chrome, rubber); false: every face one "
        "flat colour",
    )
    paint_metallic: Range = Field(
        default=(0.0, 0.6), description="[lo, hi] metallic factor of vehicle paint, per vehicle"
    )
    paint_roughness: Range = Field(
        default=(0.2, 0.55),
        description="[lo, hi] roughness of vehicle paint, per vehicle (low: a glossy clear coat)",
    )
    glass_roughness: Range = Field(
        default=(0.03, 0.15), description="[lo, hi] roughness of vehicle glass, per vehicle"
    )
    dirt: Range = Field(
        default=(0.0, 0.7),
        description="[lo, hi] road grime on vehicles, per vehicle (0 clean, 1 dirty to the waist)",
    )

    @model_validator(mode="after")
    def _ordered(self) -> AppearanceSpec:
        for name in ("paint_metallic", "paint_roughness", "glass_roughness", "dirt"):
            lo, hi = getattr(self, name)
            numbers = all(isinstance(v, (int, float)) for v in (lo, hi))
            if numbers and lo > hi:
                raise ValueError(f"appearance.{name}: the low end {lo} is above the high end {hi}")
        return self
