"""sim: an autonomous-driving scene simulator that manufactures labelled synthetic data.

The pipeline is a chain of plain functions over plain data (see docs/architecture.md):
scenario YAML -> ScenarioSpec -> ResolvedScenario -> traffic Trajectory -> rendered
buffers -> labels -> writers.
"""

from __future__ import annotations

__version__ = "0.1.0"
