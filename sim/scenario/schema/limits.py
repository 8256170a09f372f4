"""Bounds where a larger (smaller) value can only be a mistake (docs/scenario-format.md,
"Limits"). Single fields carry theirs in the schema; products of fields (steps, frames,
road users) are checked by :func:`sim.scenario.schema.limit_problems`."""

from __future__ import annotations

MIN_STEP = 1e-3
"""[s] a finer physics step buys nothing (the kernels are stable at 0.1 s) and costs memory."""
MAX_DURATION = 3600.0  # [s]
MAX_STEPS = 360_000
"""duration / step: one hour at 0.01 s."""
MAX_FRAMES = 200_000
"""duration x rate, per camera: 5.5 h at 10 Hz, more than a day's disk."""
MAX_ROAD_LENGTH = 100_000.0  # [m], also the sum of the segments
MAX_AGENTS = 20_000
"""Every road user of a scenario: actors + background + cross traffic + steady reserves +
pedestrians (the schema's own counts allow 17,000; a resolved scenario lists them all)."""
MAX_MANEUVERS = 100  # per actor
MAX_CAMERAS = 16
