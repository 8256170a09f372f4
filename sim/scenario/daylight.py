"""Sun, ambient light and sky for a clock time: what ``environment.time_of_day`` sets.

A clear day at the March/September equinox (solar declination 0) at 48 degrees north,
in local solar time (12:00 = the sun due south, at its highest). World axes: +x east, +y
north, so a road along +x runs east. The light levels are the renderer's (the defaults of
``EnvironmentSpec`` are the values of a clear mid-morning): the sun fades out between 15 and
-1 degrees of elevation and warms towards the horizon; ambient light and the sky run from
day through a warm dusk (sun just below or above the horizon) to night, when a faint
ambient light (moon, street lights) keeps the scene from going black.

Clouds (``environment.cloud_cover``, :func:`overcast`) take direct sunlight away and give
most of it back as diffuse (ambient) light; :func:`lamps_on` says when headlights and
street lamps are on.
"""

from __future__ import annotations

import math

LATITUDE_DEG = 48.0
MIN_ELEVATION_DEG = -10.0  # the schema's lower bound; the sun gives no light there
NIGHT_AMBIENT = 0.06  # moon and street lights

# a clear day: the light EnvironmentSpec defaults to, and what time_of_day gives by day
DAY_SUN_INTENSITY = 3.5
DAY_SUN_COLOR = (1.0, 0.97, 0.9)
DAY_AMBIENT = 0.35
DAY_SKY = ((92, 140, 210), (200, 220, 240))  # (top, horizon)

_LOW_COLOR = (1.0, 0.6, 0.4)
_SKY_DUSK = ((30, 42, 96), (214, 132, 86))
_SKY_NIGHT = ((6, 8, 22), (20, 24, 42))


def _smoothstep(x: float, lo: float, hi: float) -> float:
    u = min(max((x - lo) / (hi - lo), 0.0), 1.0)
    return u * u * (3.0 - 2.0 * u)


def _mix(a, b, t: float) -> tuple:
    return tuple(x + (y - x) * t for x, y in zip(a, b, strict=True))


def sun_position(hours: float) -> tuple[float, float]:
    """(elevation, azimuth) [deg] of the sun at solar time ``hours`` (0..24): elevation above
    the horizon (negative: below), azimuth counter-clockwise from +x = east (-90: south)."""
    lat = math.radians(LATITUDE_DEG)
    h = math.radians(15.0 * (hours - 12.0))  # hour angle, negative in the morning
    elevation = math.degrees(math.asin(math.cos(lat) * math.cos(h)))
    # compass bearing, clockwise from north (180 at noon: due south)
    bearing = math.degrees(math.atan2(math.sin(h), math.cos(h) * math.sin(lat))) + 180.0
    azimuth = (90.0 - bearing + 180.0) % 360.0 - 180.0
    return elevation, azimuth


def daylight(hours: float) -> dict[str, object]:
    """EnvironmentSpec fields for solar time ``hours``: sun elevation, azimuth, intensity and
    colour, ambient, sky top and horizon colours."""
    elevation, azimuth = sun_position(hours)
    day = _smoothstep(elevation, -6.0, 10.0)  # civil twilight to full day
    sun = _smoothstep(elevation, -1.0, 15.0)
    warm = 1.0 - _smoothstep(elevation, 0.0, 25.0)
    night = 1.0 - _smoothstep(elevation, -8.0, 0.0)
    clear = _smoothstep(elevation, 2.0, 15.0)
    sky = [
        _mix(_mix(dusk, d, clear), n, night)
        for d, dusk, n in zip(DAY_SKY, _SKY_DUSK, _SKY_NIGHT, strict=True)
    ]
    return {
        "sun_elevation_deg": round(max(elevation, MIN_ELEVATION_DEG), 6),
        "sun_azimuth_deg": round(azimuth, 6),
        "sun_intensity": round(DAY_SUN_INTENSITY * sun, 6),
        "sun_color": tuple(round(c, 6) for c in _mix(_LOW_COLOR, DAY_SUN_COLOR, 1.0 - warm)),
        "ambient": round(NIGHT_AMBIENT + (DAY_AMBIENT - NIGHT_AMBIENT) * day, 6),
        "sky_top": tuple(int(round(c)) for c in sky[0]),
        "sky_horizon": tuple(int(round(c)) for c in sky[1]),
    }


OVERCAST_DIRECT = 0.9
"""Share of the direct sunlight a fully overcast sky (cloud_cover 1) takes away."""
OVERCAST_DIFFUSE = 0.8
"""Share of the light the clouds take from the sun that reaches the ground as diffuse light."""
LAMPS_BELOW = 0.3
"""Lamps come on (``lamps: auto``) below this share of a clear day's direct sunlight."""


def overcast(
    sun_intensity: float, ambient: float, sun_elevation_deg: float, cloud_cover: float
) -> tuple[float, float]:
    """(sun intensity, ambient) under ``cloud_cover`` (0..1): the sun keeps
    ``1 - OVERCAST_DIRECT * cover**2`` of its light (scattered clouds barely dim it, an
    overcast sky leaves a faint disc), and the ambient light gains ``OVERCAST_DIFFUSE`` of
    what that takes from a horizontal surface, so shadows fade while the scene stays about
    as bright."""
    c = min(max(float(cloud_cover), 0.0), 1.0)
    kept = 1.0 - OVERCAST_DIRECT * c * c
    taken = sun_intensity * (1.0 - kept) * max(math.sin(math.radians(sun_elevation_deg)), 0.0)
    return sun_intensity * kept, min(1.0, ambient + OVERCAST_DIFFUSE * taken / math.pi)


def lamps_on(mode: str, sun_intensity: float) -> bool:
    """Headlights and street lamps: ``mode`` 'on' / 'off', or 'auto': on while the (already
    overcast) sun gives less than ``LAMPS_BELOW`` of a clear day's light."""
    if mode in ("on", "off"):
        return mode == "on"
    return sun_intensity < LAMPS_BELOW * DAY_SUN_INTENSITY
