"""OpenSCENARIO import (kept importable under its old name): see :mod:`sim.scenario.xosc`."""

from __future__ import annotations

from sim.scenario.xosc import (
    Imported,
    OpenScenarioError,
    import_set,
    import_xosc,
    is_distribution,
    notes_header,
)

__all__ = [
    "Imported",
    "OpenScenarioError",
    "import_set",
    "import_xosc",
    "is_distribution",
    "notes_header",
]
