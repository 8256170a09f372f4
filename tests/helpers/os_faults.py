"""Operating-system failures on demand, without filling a disk (tests/dataset/test_os_failures.py).

``SITECUSTOMIZE`` is written as ``sitecustomize.py`` into a folder on a subprocess's
``PYTHONPATH``: in that process (and in the generate workers it spawns, which inherit the
environment) every file opened for writing whose path contains ``SIM_FAULT_MATCH`` fails
with ``SIM_FAULT_ERRNO`` once ``SIM_FAULT_AFTER`` bytes have been written to such files.
``task`` is a task function for the local executor's tests (imported by name in spawned
workers, so it lives in a module of its own).
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass

SITECUSTOMIZE = '''
import builtins, errno, io, os

_match = os.environ.get("SIM_FAULT_MATCH")
_after = int(os.environ.get("SIM_FAULT_AFTER", "0"))
_code = getattr(errno, os.environ.get("SIM_FAULT_ERRNO", "ENOSPC"))
_written = [0]
_open = builtins.open


class _Full:
    """A file whose writes fail like a full disk once the byte budget is spent."""

    def __init__(self, fh, name):
        self._fh, self._name = fh, name

    def write(self, data):
        _written[0] += len(data)
        if _written[0] > _after:
            raise OSError(_code, os.strerror(_code), self._name)
        return self._fh.write(data)

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()


def _faulty_open(file, mode="r", *args, **kwargs):
    fh = _open(file, mode, *args, **kwargs)
    name = os.fsdecode(file) if isinstance(file, (str, bytes, os.PathLike)) else ""
    if _match and _match in name and any(c in mode for c in "wax+"):
        return _Full(fh, name)
    return fh


if _match:
    builtins.open = _faulty_open
    io.open = _faulty_open
'''


@dataclass(frozen=True)
class FaultTask:
    index: int
    mode: str  # ok | scenario_error | enospc


def task(t: FaultTask, marker_dir: str) -> dict:
    """Count the tries of task ``t`` in ``marker_dir``, then fail as its mode says."""
    from sim.errors import ScenarioError

    marker = os.path.join(marker_dir, f"{t.index}.tries")
    tries = int(open(marker).read()) + 1 if os.path.exists(marker) else 1
    with open(marker, "w") as fh:
        fh.write(str(tries))
    if t.mode == "scenario_error":
        raise ScenarioError(
            "could place only 29 of 30 background vehicles", key_path=("background",)
        )
    if t.mode == "enospc":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.path.join(marker_dir, "x.png"))
    return {"index": t.index, "tries": tries}
