"""Elevation tables of spinning LiDAR units: the presets and custom tables.

A table lists each laser's elevation [deg] above the sensor's horizontal plane (positive
up). sim orders every table from the top beam down, and a point's ``ring`` is its beam's
index in that order (ring 0 = the highest beam, as Ouster numbers its channels; Velodyne's
ROS driver numbers from the bottom up: ``ring_velodyne = n_beams - 1 - ring``).

Sources of the presets (nominal tables; each physical unit ships its own calibration file,
whose per-laser angles differ by a few hundredths of a degree, and Velodyne's lasers also
have small azimuth offsets, which sim leaves at zero):

- ``hdl64e`` -- Velodyne HDL-64E S2/S3 user's manual: vertical field of view +2.0 deg to
  -24.9 deg, two blocks of 32 lasers, the upper block (+2.0 .. -8.33 deg) at about 1/3 deg
  spacing, the lower block (-8.83 .. -24.9 deg) at about 1/2 deg. KITTI's scanner.
- ``hdl32e`` -- Velodyne HDL-32E user's manual / datasheet: 32 lasers, +10.67 deg to
  -30.67 deg, evenly spaced 1.33 deg apart.
- ``vlp16`` -- Velodyne VLP-16 (Puck) datasheet: 16 lasers, +15 deg to -15 deg every 2 deg.
- ``os1_128`` -- Ouster OS1-128 datasheet (rev. 6/7): 128 channels, uniform beam spacing
  over a 45 deg vertical field of view (+22.5 deg to -22.5 deg, ~0.354 deg apart).
"""

from __future__ import annotations

import numpy as np

MAX_BEAMS = 256
"""Most beams a custom table may have."""


def _hdl64e() -> np.ndarray:
    upper = np.linspace(2.0, -8.33, 32)
    lower = np.linspace(-8.83, -24.9, 32)
    return np.concatenate((upper, lower))


PRESETS: dict[str, np.ndarray] = {
    "hdl64e": _hdl64e(),
    "hdl32e": np.linspace(10.67, -30.67, 32),
    "vlp16": np.linspace(15.0, -15.0, 16),
    "os1_128": np.linspace(22.5, -22.5, 128),
}
"""Preset name -> elevations [deg], top beam first (float64, read-only)."""
for _table in PRESETS.values():
    _table.setflags(write=False)

PRESET_RANGE: dict[str, float] = {
    "hdl64e": 120.0,
    "hdl32e": 100.0,
    "vlp16": 100.0,
    "os1_128": 120.0,
}
"""Datasheet maximum range [m] of each preset (the scenario's ``range`` default)."""


def elevation_table(preset: str | None, custom=None) -> np.ndarray:
    """(n_beams,) float64 elevations [deg], top beam first, of a preset or a custom table.

    ``custom``: a sequence of elevations [deg] in any order (sorted here), each in
    [-90, 90], distinct, 1 to MAX_BEAMS of them. Exactly one of ``preset`` and ``custom``.
    Raises ValueError on anything else.
    """
    if (preset is None) == (custom is None):
        raise ValueError("give either a preset name or a custom elevation table")
    if preset is not None:
        if preset not in PRESETS:
            raise ValueError(f"unknown lidar preset {preset!r}; known: {', '.join(PRESETS)}")
        return PRESETS[preset].copy()
    table = np.asarray(custom, dtype=np.float64).ravel()
    if not 1 <= table.size <= MAX_BEAMS:
        raise ValueError(f"a custom table needs 1 to {MAX_BEAMS} elevations, got {table.size}")
    if not np.all(np.isfinite(table)) or np.abs(table).max() > 90.0:
        raise ValueError("elevations must be finite and within [-90, 90] degrees")
    table = np.sort(table)[::-1].copy()
    if np.any(np.diff(table) == 0.0):
        raise ValueError("elevations of a custom table must be distinct")
    return table
