"""What every table of the nuScenes export shares: tokens, quaternions, rounding, chains.

Kept apart from :mod:`sim.dataset.writers.nuscenes` (the camera tables and the writer) so
that :mod:`sim.dataset.writers.nuscenes_lidar` (LIDAR_TOP) can use them without an import
cycle; :mod:`sim.dataset.writers.nuscenes` re-exports them.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import numpy as np

TIME_ZERO_US = 1_767_225_600_000_000
"""Timestamp [us] of t = 0: 2026-01-01T00:00:00Z (nuScenes timestamps are Unix us)."""


def token(*parts: object) -> str:
    """A record token: 32 hex digits of sha256 over ``parts`` (deterministic)."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:32]


def timestamp(t: float) -> int:
    """nuScenes timestamp [us] of sim time ``t`` [s]."""
    return TIME_ZERO_US + round(t * 1e6)


def quaternion(R: np.ndarray) -> list[float]:
    """(w, x, y, z) unit quaternion of a rotation matrix, w >= 0."""
    m = np.asarray(R, dtype=np.float64)
    tr = m[0, 0] + m[1, 1] + m[2, 2]
    if tr > 0:
        s = 2.0 * math.sqrt(1.0 + tr)
        q = [0.25 * s, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s]
    elif m[0, 0] > m[1, 1] and m[0, 0] > m[2, 2]:
        s = 2.0 * math.sqrt(1.0 + m[0, 0] - m[1, 1] - m[2, 2])
        q = [(m[2, 1] - m[1, 2]) / s, 0.25 * s, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s]
    elif m[1, 1] > m[2, 2]:
        s = 2.0 * math.sqrt(1.0 + m[1, 1] - m[0, 0] - m[2, 2])
        q = [(m[0, 2] - m[2, 0]) / s, (m[0, 1] + m[1, 0]) / s, 0.25 * s, (m[1, 2] + m[2, 1]) / s]
    else:
        s = 2.0 * math.sqrt(1.0 + m[2, 2] - m[0, 0] - m[1, 1])
        q = [(m[1, 0] - m[0, 1]) / s, (m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, 0.25 * s]
    v = np.array(q) / np.linalg.norm(q)
    return rounded(-v if v[0] < 0 else v)


def rotation_matrix(q: Sequence[float]) -> np.ndarray:
    """Rotation matrix of a (w, x, y, z) quaternion."""
    w, x, y, z = np.asarray(q, dtype=np.float64) / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def pose_of(record: dict) -> np.ndarray:
    """(4, 4) the transform of a record's ``rotation`` and ``translation`` (ego_pose: ego ->
    global; calibrated_sensor: sensor -> ego; sample_annotation: box centre -> global)."""
    T = np.eye(4)
    T[:3, :3] = rotation_matrix(record["rotation"])
    T[:3, 3] = record["translation"]
    return T


def rounded(values) -> list[float]:
    """Floats rounded to 9 decimals, ``+ 0.0``: no "-0.0" in the files."""
    return [round(float(v), 9) + 0.0 for v in values]


def links(tokens: list[str]) -> list[tuple[str, str]]:
    """(prev, next) of each token of a chain ("" at the ends)."""
    return [
        (tokens[i - 1] if i else "", tokens[i + 1] if i + 1 < len(tokens) else "")
        for i in range(len(tokens))
    ]
