"""The README's commands stay true: CI runs its test command, and its examples run."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
INSTALL_RUN = (
    "python3 -m venv .venv && .venv/bin/pip install -e . && "
    ".venv/bin/python -m sim run scenarios/cut_in.yaml"
)
INSTALL_TEST = (
    "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && "
    ".venv/bin/pip install --no-deps nuscenes-devkit==1.2.0 && .venv/bin/python -m pytest"
)


def _lines() -> list[str]:
    return [ln.strip() for block in BLOCKS for ln in block.splitlines() if ln.strip()]


def test_readme_shows_the_two_setup_commands():
    lines = _lines()
    assert INSTALL_RUN in lines and INSTALL_TEST in lines


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert INSTALL_TEST in [ln.strip() for ln in ci]


def test_readme_figure_exists_and_is_made_by_a_tool():
    assert "docs/img/cut_in.png" in README and (ROOT / "docs" / "img" / "cut_in.png").is_file()
    assert (ROOT / "tools" / "make_readme_figure.py").is_file()


def _examples() -> list[list[str]]:
    out = []
    for ln in _lines():
        if ln.startswith("python -m sim") or ln.startswith("python tools/"):
            out.append(shlex.split(ln.split("#")[0]))
    return out


@pytest.mark.slow  # 73 s: CI's slow pass (.ci/run) runs it
def test_readme_examples_run(tmp_path):
    """Every `python -m sim ...` / `python tools/...` example line runs (smaller, into tmp)."""
    examples = _examples()
    assert len(examples) >= 4
    small = [
        "--set",
        "duration=1.0",
        "--set",
        "sensors.cameras.0.width=320",
        "--set",
        "sensors.cameras.0.height=180",
    ]
    for argv in examples:
        argv = [sys.executable if a == "python" else a for a in argv]
        # redirect every runs/... path into tmp_path
        argv = [str(tmp_path / a) if a.startswith("runs/") else a for a in argv]
        if "run" in argv and "sim" in argv:
            argv += [*small, "--quiet"]
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, (argv, proc.stderr[-2000:])


@pytest.mark.parametrize(
    "needle",
    [
        "docs/output-format.md",
        "docs/rendering.md",
        "docs/architecture.md",
        "docs/benchmarks.md",
        "docs/perturbations.md",
        "docs/scenario-format.md",
        "CHANGELOG.md",
    ],
)
def test_readme_links_point_at_files(needle):
    assert needle in README and (ROOT / needle).is_file()
