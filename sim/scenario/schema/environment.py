"""The environment block: sun, ambient light, sky and roadside density."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from sim.scenario.daylight import DAY_AMBIENT, DAY_SKY, DAY_SUN_COLOR, DAY_SUN_INTENSITY
from sim.scenario.schema.base import RGB, Num, Strict


class EnvironmentSpec(Strict):
    time_of_day: Annotated[Any, Num(ge=0.0, le=24.0)] | None = Field(
        default=None,
        description="[h] solar time (17.5 = 17:30): sets the sun, ambient light and sky of a clear"
        " equinox day at 48 deg N, +x = east (sim/scenario/daylight.py); keys given here win",
    )
    sun_elevation_deg: Annotated[Any, Num(ge=-10.0, le=90.0)] = 50.0
    sun_azimuth_deg: Annotated[Any, Num(ge=-360.0, le=360.0)] = Field(
        default=140.0,
        description="compass direction the light comes from, counter-clockwise from +x",
    )
    sun_intensity: Annotated[Any, Num(ge=0.0, le=20.0)] = DAY_SUN_INTENSITY
    sun_color: tuple[
        Annotated[Any, Num(ge=0, le=1)],
        Annotated[Any, Num(ge=0, le=1)],
        Annotated[Any, Num(ge=0, le=1)],
    ] = DAY_SUN_COLOR
    ambient: Annotated[Any, Num(ge=0.0, le=1.0)] = DAY_AMBIENT
    sky_top: RGB = DAY_SKY[0]
    sky_horizon: RGB = DAY_SKY[1]
    shadows: bool = Field(
        default=True, description="the sun casts shadows (shadow maps; off: flat light, cheaper)"
    )
    cloud_cover: Annotated[Any, Num(ge=0.0, le=1.0)] = Field(
        default=0.3,
        description="0 clear .. 1 overcast: clouds in the sky; from about 0.5 up the sun dims"
        " and the ambient light grows (diffuse light, soft shadows; sim/scenario/daylight.py)",
    )
    lamps: Literal["auto", "on", "off"] = Field(
        default="auto",
        description="vehicle headlights and street lamps; auto: on when the sun gives less"
        " than 30 % of a clear day's light (dusk, night, a dark overcast evening)",
    )
    roadside_density: Annotated[Any, Num(ge=0.0, le=4.0)] = Field(
        default=1.0, description="trees, street lamps and buildings along the road (0: bare road)"
    )
