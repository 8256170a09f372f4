"""Benchmarks behind ``python -m sim bench TARGET``: one module per target.

Each module here defines ``DESCRIPTION`` (one line), ``add_arguments(parser)`` and
``run(args) -> int``. A bench prints its figures as ratios against a reference run *in the
same process* (so numbers from different machines compare), never asserts on wall time, and
ends with one summary line that the notes and docs/benchmarks.md quote.
"""

from pathlib import Path

CUT_IN = Path(__file__).resolve().parents[2] / "scenarios" / "cut_in.yaml"
"""The library's cut_in scenario, the benches' default scene (found from the package, so a
bench runs from any working directory)."""
