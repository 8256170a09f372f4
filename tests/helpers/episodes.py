"""Running sim as a user does: ``python -m sim ...`` in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers.paths import REPO


def run_sim(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """``python -m sim ARGS`` from ``cwd`` (the repository by default), output captured."""
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=900
    )
