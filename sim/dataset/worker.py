"""The episode function every executor runs: one :class:`EpisodeTask` -> one episode folder.

The same function runs in the local process pool and as a Ray task, so both backends write
the same bytes. It is idempotent: a folder that is already complete is left alone, stale
partial folders of the episode are removed first.
"""

from __future__ import annotations

import dataclasses
import os
import resource
import sys
import time
from functools import lru_cache
from pathlib import Path

from sim.dataset.config import EpisodeTask
from sim.errors import OutputError
from sim.outdir import PARTIAL, remove_tree, stale_partials


def _thread_lock_for_bars() -> None:
    """A worker's (silent) progress bars share no lock with other processes: with tqdm's
    default a multiprocessing semaphore, a worker stopped by SIGKILL (a timeout, a full
    disk that stops the run) would leave it for the resource tracker to warn about."""
    import threading

    from tqdm import tqdm

    tqdm.set_lock(threading.RLock())


@lru_cache(maxsize=1)
def _catalog():
    # one catalog per process: workers are long-lived and run many episodes
    from sim.assets import load_catalog

    return load_catalog()


@lru_cache(maxsize=32)
def _scenario(scenario_file: str, scenario: str, overrides: tuple[str, ...]):
    from sim.scenario import load_scenario

    loaded = load_scenario(scenario_file, list(overrides))
    # meta.json records the path as written in the config, not where this process found it
    return dataclasses.replace(loaded, path=Path(scenario))


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far [MiB] (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def is_complete(episode_dir: Path) -> bool:
    """An episode folder that exists was renamed into place after its manifest: complete."""
    return (episode_dir / "manifest.json").is_file()


def remove_partials(episode_dir: Path) -> None:
    """Remove the staging folders a killed worker left for this episode (only those)."""
    for stale in stale_partials(episode_dir):
        remove_tree(stale, PARTIAL)


def run_task(task: EpisodeTask, root: str) -> dict:
    """Write episode ``task`` under dataset ``root``; returns a small summary dict."""
    from sim.dataset.episode import run_episode
    from sim.pipeline import resolve_scenario

    started = time.perf_counter()
    _thread_lock_for_bars()
    out = Path(root) / task.rel_dir
    if is_complete(out):
        return {
            "index": task.index,
            "skipped": True,
            "frames": 0,
            "objects": 0,
            "seconds": 0.0,
            "pid": os.getpid(),
            "peak_rss_mb": peak_rss_mb(),
        }
    remove_partials(out)
    if out.is_dir() and any(out.iterdir()):
        # sim renames an episode into place complete, manifest and all: this is not sim's
        raise OutputError(
            f"{out}: holds files but no manifest.json (sim did not write it); "
            "move it away and run generate again"
        )
    catalog = _catalog()
    loaded = _scenario(task.scenario_file, task.scenario, task.overrides)
    resolved = resolve_scenario(loaded, catalog, task.seed)
    summary = run_episode(loaded, resolved, catalog, out, overwrite=False, progress=False)
    return {
        "index": task.index,
        "skipped": False,
        "frames": summary.frames,
        "objects": summary.labelled_objects,
        "seconds": time.perf_counter() - started,
        "pid": os.getpid(),
        "peak_rss_mb": peak_rss_mb(),
        "gl_renderer": summary.gl_renderer,
    }
