"""Where things are: the repository root and the tests' data folder."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
"""The repository root (tests/helpers/paths.py -> ../..)."""
DATA = REPO / "tests" / "data"
"""Small input files the tests read (an OpenSCENARIO file, a tiny dataset config)."""
