"""Task functions that misbehave on purpose, for the local executor's tests (imported by name
in spawned workers, so they live in a module of their own)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FaultTask:
    index: int
    mode: str  # ok | crash_once | hang_once | always_crash | raise


def flaky(task: FaultTask, marker_dir: str) -> dict:
    marker = Path(marker_dir) / f"{task.index}.tries"
    tries = int(marker.read_text()) + 1 if marker.exists() else 1
    marker.write_text(str(tries))
    if task.mode == "crash_once" and tries == 1:
        os._exit(3)
    if task.mode == "hang_once" and tries == 1:
        time.sleep(600)
    if task.mode == "always_crash":
        os._exit(4)
    if task.mode == "raise":
        raise RuntimeError(f"task {task.index} always raises")
    return {"index": task.index, "pid": os.getpid(), "tries": tries}
