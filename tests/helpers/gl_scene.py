"""Small scenes for the colour renderer's tests (tests/render): a 100 m ground square and the
faces of an axis-aligned box whose eight corners run x-major, then y, then z."""

from __future__ import annotations

import numpy as np

GROUND_V = np.array([[-50.0, -50, 0], [50, -50, 0], [50, 50, 0], [-50, 50, 0]])
GROUND_F = np.array([[0, 1, 2], [0, 2, 3]])
BOX_F = np.array(
    [[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5], [0, 4, 5], [0, 5, 1]]
    + [[2, 3, 7], [2, 7, 6], [0, 2, 6], [0, 6, 4], [1, 5, 7], [1, 7, 3]]
)
"""Outward-facing, counter-clockwise seen from outside."""
