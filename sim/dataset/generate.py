"""``python -m sim generate CONFIG``: many episodes into one sharded, resumable dataset.

    plan (config only) -> skip complete episodes -> executor runs the rest -> merge + manifest

Resume is the normal path: every run starts by removing partial folders left by a killed
run, keeps every episode folder that has its manifest, and makes the rest. ``plan.json``
pins the plan: running a different config into the same folder is refused. Only one
generator may write into a folder at a time (``DIR/.lock``). A log of every run is
appended to ``DIR/generate.log``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from sim.dataset.config import EpisodeTask, LoadedConfig, make_plan, validate_scenarios
from sim.dataset.io import json_bytes, write_bytes_atomic
from sim.dataset.merge import finalize, plan_json
from sim.dataset.pool import TaskEvent, run_local
from sim.dataset.worker import is_complete
from sim.errors import OutputError

TASK_FUNCTION = "sim.dataset.worker:run_task"
BACKENDS = ("local", "ray")


@dataclass
class GenerateResult:
    root: Path
    planned: int
    already: int  # complete before this run
    made: int = 0
    frames: int = 0
    failed: dict[int, str] = field(default_factory=dict)
    seconds: float = 0.0
    worker_rss_mb: dict[int, list[float]] = field(default_factory=dict)
    """Peak resident memory of each worker process after each of its episodes [MiB]."""

    def line(self) -> str:
        text = (
            f"generated {self.made} episodes ({self.frames} frames) in {self.seconds:.1f} s; "
            f"{self.already} were already complete; {self.planned - self.already - self.made} missing"
        )
        if self.failed:
            text += f" ({len(self.failed)} failed: episodes {', '.join(map(str, sorted(self.failed)))})"
        return f"{text} -> {self.root}"


@contextlib.contextmanager
def output_lock(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    fh = open(root / ".lock", "w")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(f"another generator is writing into {root}") from None
        yield
    finally:
        fh.close()


def _check_plan(root: Path, plan: dict) -> None:
    data = json_bytes(plan)
    path = root / "plan.json"
    if path.is_file():
        if path.read_bytes() != data:
            raise OutputError(
                f"{root} holds a dataset made from a different config (plan.json differs); "
                "choose another --out or remove it"
            )
        return
    if any(p.name not in (".lock", "generate.log") for p in root.iterdir()):
        raise OutputError(f"{root} is not empty and holds no plan.json; choose another --out")
    write_bytes_atomic(path, data)


def _clean_partials(root: Path, log: logging.Logger) -> None:
    for stale in sorted(root.glob("shard_*/.*.partial-*")):
        log.info("removing partial folder %s", stale.relative_to(root))
        shutil.rmtree(stale, ignore_errors=True)


def _logger(root: Path) -> tuple[logging.Logger, logging.Handler]:
    log = logging.getLogger(f"sim.generate.{root.resolve()}")
    log.setLevel(logging.INFO)
    log.propagate = False
    handler = logging.FileHandler(root / "generate.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    return log, handler


def _events(backend: str, todo: list[EpisodeTask], root: Path, workers: int, config, address: str | None):
    common = dict(workers=workers, timeout=config.timeout, max_tries=config.max_tries, args=(str(root),))
    if backend == "local":
        return run_local(TASK_FUNCTION, todo, **common)
    from sim.dataset.ray_backend import run_ray

    return run_ray(TASK_FUNCTION, todo, address=address, **common)


def generate(
    loaded: LoadedConfig,
    out: Path,
    *,
    workers: int | None = None,
    backend: str = "local",
    address: str | None = None,
    progress: bool = True,
) -> GenerateResult:
    """Make (or finish) the dataset of ``loaded`` in ``out``."""
    from sim.assets import load_catalog

    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}")
    started = time.perf_counter()
    config = loaded.config
    workers = workers or config.workers or os.cpu_count() or 1
    tasks = make_plan(loaded)
    validate_scenarios(loaded, load_catalog())
    root = Path(out)
    if root.exists() and not root.is_dir():
        raise OutputError(f"{root} exists and is not a folder")
    with output_lock(root):
        log, handler = _logger(root)
        try:
            _check_plan(root, plan_json(loaded, tasks))
            _clean_partials(root, log)
            todo = [t for t in tasks if not is_complete(root / t.rel_dir)]
            result = GenerateResult(root, len(tasks), len(tasks) - len(todo))
            log.info("generate %s: %d episodes planned, %d complete, %d to make; backend %s, %d workers",
                     loaded.path, len(tasks), result.already, len(todo), backend, workers)
            if todo:
                (root / "manifest.json").unlink(missing_ok=True)  # no manifest: not finished
                _run(todo, root, workers, config, backend, address, progress, result, log)
            manifest = finalize(root, loaded, tasks, result.failed)
            result.seconds = time.perf_counter() - started
            log.info("%s; dataset: %d episodes, %d frames, %d objects, %d files",
                     result.line(), manifest["counts"]["episodes"], manifest["counts"]["frames"],
                     manifest["counts"]["objects"], manifest["counts"]["files"])
        except BaseException as err:
            log.error("stopped: %s: %s", type(err).__name__, err)
            raise
        finally:
            log.removeHandler(handler)
            handler.close()
    return result


def _run(todo, root, workers, config, backend, address, progress, result: GenerateResult, log) -> None:
    bar = tqdm(total=result.planned, initial=result.already, unit="ep", desc=config.name,
               disable=not progress, dynamic_ncols=True)
    t0 = time.perf_counter()
    by_index = {t.index: t for t in todo}
    try:
        for event in _events(backend, todo, root, workers, config, address):
            _record(event, by_index, result, log)
            if event.kind != "retry":
                bar.update(1)
            rate = result.frames / max(time.perf_counter() - t0, 1e-9)
            bar.set_postfix_str(f"{rate:.1f} frames/s" + (f", {len(result.failed)} failed" if result.failed else ""))
    finally:
        bar.close()


def _record(event: TaskEvent, by_index: dict[int, EpisodeTask], result: GenerateResult, log: logging.Logger) -> None:
    task = by_index[event.index]
    if event.kind == "done":
        v = event.value
        result.made += 0 if v["skipped"] else 1
        result.frames += v["frames"]
        pid = v["pid"]
        result.worker_rss_mb.setdefault(pid, []).append(v["peak_rss_mb"])
        log.info("episode %d done: %s, %d frames, %d objects, %.1f s, worker %d (peak %.0f MiB, GL %s)",
                 task.index, task.rel_dir, v["frames"], v["objects"], v["seconds"], pid, v["peak_rss_mb"],
                 v.get("gl_renderer", "-"))
    elif event.kind == "retry":
        log.warning("episode %d (%s) try %d failed, will retry: %s", task.index, task.rel_dir, event.tries,
                    event.error)
    else:
        result.failed[event.index] = _first_line(event.error)
        log.error("episode %d (%s) FAILED after %d tries: %s", task.index, task.rel_dir, event.tries, event.error)


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if text and text.strip() else "unknown error"


def read_manifest(root: Path) -> dict:
    path = Path(root) / "manifest.json"
    if not path.is_file():
        raise OutputError(f"{root} has no manifest.json: not a finished dataset (run generate again)")
    return json.loads(path.read_text(encoding="utf-8"))
