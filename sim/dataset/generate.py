"""``python -m sim generate CONFIG``: many episodes into one sharded, resumable dataset.

    plan (config only) -> skip complete episodes -> executor runs the rest -> merge + manifest

Resume is the normal path: every run starts by removing partial folders left by a killed
run, keeps every episode folder that has its manifest, and makes the rest. ``plan.json``
pins the plan: running a different config into the same folder is refused. Only one
generator may write into a folder at a time (``DIR/.lock``). A log of every run is
appended to ``DIR/generate.log``.

Everything that can be refused is checked before anything is created (Ray importable, the
scenarios, the folder: missing, empty, this plan's dataset, or with ``overwrite`` any
dataset sim wrote), so a refused run leaves the folder as it found it. An operating-system
failure, in this process or in a worker (a full disk fails every episode alike), stops the
whole run with one line and exit 3; the partial episode folders are removed and the
complete ones kept for the next run, and a folder that held nothing before is left as it
was.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from sim.dataset.config import EpisodeTask, LoadedConfig, make_plan, validate_scenarios
from sim.dataset.io import json_bytes, write_bytes_atomic
from sim.dataset.merge import finalize, plan_json
from sim.dataset.pool import TaskEvent, default_workers, run_local
from sim.dataset.targets import plan_for_targets
from sim.dataset.worker import is_complete
from sim.errors import OutputError, SystemFailure
from sim.outdir import (
    DATASET,
    PARTIAL,
    check_replaceable,
    discard_partial,
    is_dataset,
    missing_parents,
    remove_empty,
    remove_tree,
    resolve_target,
)

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
            f"{self.already} were already complete; "
            f"{self.planned - self.already - self.made} missing"
        )
        if self.failed:
            text += (
                f" ({len(self.failed)} failed: episodes {', '.join(map(str, sorted(self.failed)))})"
            )
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


RUN_FILES = (".lock", "generate.log")
"""What a generator run adds to a folder before its plan: a folder holding only these is new."""


def _check_root(out: Path, plan: dict, overwrite: bool) -> tuple[Path, bool, bool]:
    """(resolved folder, whether it holds nothing of a dataset yet, whether to replace the
    dataset there) -- or OutputError, before anything is created."""
    root = resolve_target(out)
    if not root.exists():
        return root, True, False
    if not root.is_dir():
        raise OutputError(f"{out}: exists and is not a folder")
    names = sorted(os.listdir(root))
    if all(n in RUN_FILES for n in names):
        return root, True, False
    if overwrite:
        check_replaceable(root, (DATASET,), shown=Path(out))  # what is there, if not ours
        return root, False, True
    if not is_dataset(root):
        raise OutputError(
            f"{out}: is not empty and holds no dataset ({_listing(root, names)}); "
            "choose another --out"
        )
    path = root / "plan.json"
    if not path.is_file() or path.read_bytes() != json_bytes(plan):
        raise OutputError(
            f"{out}: holds a dataset made from a different config (plan.json differs); "
            "choose another --out, or pass --overwrite to replace it"
        )
    return root, False, False


def _listing(root: Path, names: list[str], shown: int = 3) -> str:
    marked = [n + ("/" if (root / n).is_dir() else "") for n in names if n not in RUN_FILES]
    more = f", ... ({len(marked)} in all)" if len(marked) > shown else ""
    return ", ".join(marked[:shown]) + more


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


def _clean_partials(root: Path, log: logging.Logger | None = None) -> None:
    """Remove the staging folders of episodes that were not finished (a killed run, or
    workers stopped by a failure), through the guarded deletion."""
    for stale in sorted(root.glob("shard_*/.*.partial-*")):
        if log is not None:
            log.info("removing partial folder %s", stale.relative_to(root))
        if log is None:
            discard_partial(stale)
        else:
            remove_tree(stale, PARTIAL)


def _undo(root: Path, fresh: bool, made: list[Path]) -> None:
    """After a failed run: no partial episode is left, and a folder that held no dataset
    before (``fresh``) gets back to that if no episode was completed."""
    _clean_partials(root)
    if not fresh or any(root.glob("shard_*/ep_*/manifest.json")):
        return
    for name in ("manifest.json", "plan.json", *RUN_FILES):
        try:
            (root / name).unlink(missing_ok=True)
        except OSError:
            pass
    for shard in sorted(root.glob("shard_*")):
        remove_empty([shard])
    remove_empty(made)


class _LogFile(logging.FileHandler):
    """``generate.log``, best effort: on a full disk a failed log line must not print
    logging's traceback; the write that matters fails too and says so in one line."""

    def handleError(self, record: logging.LogRecord) -> None:  # logging names it so
        pass


def _logger(root: Path) -> tuple[logging.Logger, logging.Handler]:
    log = logging.getLogger(f"sim.generate.{root.resolve()}")
    log.setLevel(logging.INFO)
    log.propagate = False
    handler = _LogFile(root / "generate.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    return log, handler


def _events(
    backend: str, todo: list[EpisodeTask], root: Path, workers: int, config, address: str | None
):
    common = dict(
        workers=workers, timeout=config.timeout, max_tries=config.max_tries, args=(str(root),)
    )
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
    overwrite: bool = False,
) -> GenerateResult:
    """Make (or finish) the dataset of ``loaded`` in ``out``.

    ``overwrite``: replace a dataset sim wrote there (even one of another config) instead
    of resuming it; a folder holding anything else is refused all the same.
    """
    from sim.assets import load_catalog

    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}")
    if backend == "ray":
        from sim.dataset.ray_backend import check_ray

        check_ray()  # before any file: a refused run leaves the folder as it was
    started = time.perf_counter()
    config = loaded.config
    workers = workers or config.workers or default_workers()
    catalog = load_catalog()
    # memory: `workers` episodes at once on this machine (Ray's run on the cluster's)
    validate_scenarios(loaded, catalog, workers=workers if backend == "local" else 1)
    sampling = plan_for_targets(loaded, catalog, progress) if config.targets else None
    tasks = make_plan(loaded, sampling)
    plan = plan_json(loaded, tasks, sampling)
    root, fresh, replace = _check_root(Path(out), plan, overwrite)
    made = missing_parents(root) + ([] if root.exists() else [root])
    locked = False
    try:
        root.mkdir(parents=True, exist_ok=True)
        with output_lock(root):
            locked = True
            log, handler = _logger(root)
            try:
                if replace:
                    remove_tree(root, DATASET, keep=RUN_FILES)
                    log.info("--overwrite: removed the earlier dataset in %s", root)
                _check_plan(root, plan)
                _clean_partials(root, log)
                todo = [t for t in tasks if not is_complete(root / t.rel_dir)]
                result = GenerateResult(Path(out), len(tasks), len(tasks) - len(todo))
                log.info(
                    "generate %s: %d episodes planned, %d complete, %d to make; backend %s, "
                    "%d workers",
                    loaded.path,
                    len(tasks),
                    result.already,
                    len(todo),
                    backend,
                    workers,
                )
                if todo:
                    (root / "manifest.json").unlink(missing_ok=True)  # no manifest: not finished
                    _run(todo, root, workers, config, backend, address, progress, result, log)
                manifest = finalize(root, loaded, tasks, result.failed)
                result.seconds = time.perf_counter() - started
                log.info(
                    "%s; dataset: %d episodes, %d frames, %d objects, %d files",
                    result.line(),
                    manifest["counts"]["episodes"],
                    manifest["counts"]["frames"],
                    manifest["counts"]["objects"],
                    manifest["counts"]["files"],
                )
            except BaseException as err:
                log.error("stopped: %s: %s", type(err).__name__, err)
                raise
            finally:
                log.removeHandler(handler)
                handler.close()
    except BaseException:
        if locked:
            _undo(root, fresh and not replace, made)
        else:
            remove_empty(made)
        raise
    return result


def _run(
    todo, root, workers, config, backend, address, progress, result: GenerateResult, log
) -> None:
    bar = tqdm(
        total=result.planned,
        initial=result.already,
        unit="ep",
        desc=config.name,
        disable=not progress,
        dynamic_ncols=True,
    )
    t0 = time.perf_counter()
    by_index = {t.index: t for t in todo}
    events = _events(backend, todo, root, workers, config, address)
    try:
        for event in events:
            if event.kind == "system":  # the machine failed: every other episode would too
                log.error(
                    "episode %d (%s): the operating system failed: %s; stopping",
                    event.index,
                    by_index[event.index].rel_dir,
                    event.error,
                )
                raise SystemFailure(_first_line(event.error))
            _record(event, by_index, result, log)
            if event.kind != "retry":
                bar.update(1)
            rate = result.frames / max(time.perf_counter() - t0, 1e-9)
            failed = f", {len(result.failed)} failed" if result.failed else ""
            bar.set_postfix_str(f"{rate:.1f} frames/s{failed}")
    finally:
        events.close()  # stops the workers before their partial folders are cleaned
        bar.close()


def _record(
    event: TaskEvent, by_index: dict[int, EpisodeTask], result: GenerateResult, log: logging.Logger
) -> None:
    task = by_index[event.index]
    if event.kind == "done":
        v = event.value
        result.made += 0 if v["skipped"] else 1
        result.frames += v["frames"]
        pid = v["pid"]
        result.worker_rss_mb.setdefault(pid, []).append(v["peak_rss_mb"])
        log.info(
            "episode %d done: %s, %d frames, %d objects, %.1f s, worker %d (peak %.0f MiB, GL %s)",
            task.index,
            task.rel_dir,
            v["frames"],
            v["objects"],
            v["seconds"],
            pid,
            v["peak_rss_mb"],
            v.get("gl_renderer", "-"),
        )
    elif event.kind == "retry":
        log.warning(
            "episode %d (%s) try %d failed, will retry: %s",
            task.index,
            task.rel_dir,
            event.tries,
            event.error,
        )
    else:
        result.failed[event.index] = _first_line(event.error)
        log.error(
            "episode %d (%s) FAILED after %d tries: %s",
            task.index,
            task.rel_dir,
            event.tries,
            event.error,
        )


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if text and text.strip() else "unknown error"


def read_manifest(root: Path) -> dict:
    path = Path(root) / "manifest.json"
    if not path.is_file():
        raise OutputError(
            f"{root} has no manifest.json: not a finished dataset (run generate again)"
        )
    return json.loads(path.read_text(encoding="utf-8"))
