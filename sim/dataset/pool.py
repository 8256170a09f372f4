"""Local executor: long-lived worker processes (spawn), one task each at a time, with a
per-task timeout and retries.

Why not ``concurrent.futures.ProcessPoolExecutor``: one crashed worker breaks the whole
pool there (``BrokenProcessPool``), and a hung task cannot be stopped. Here each worker has
its own pipe, the parent waits on pipes and process sentinels together, and a worker that
dies or runs past ``timeout`` is killed and replaced; its task goes back in the queue
until it has had ``max_tries`` tries.

Only transient failures are tried again (docs/dataset-generation.md: retries). What a task
raised is sorted by :func:`failure_kind`: bad input (a ``SimError`` with exit code 2, e.g.
a scenario that cannot be placed with this seed) fails the same way every time, so it is
reported failed at once; an operating-system failure of the machine (no space, file too
large, read-only, permission) would fail every other task too, so it is reported as a
``system`` event and the caller stops the run; anything else (a crash, a hang, an
unexpected exception) is tried again.

Workers are spawned (no forked OpenGL or Numba state), import the task function by name
after setting their environment, and on Linux are killed with the parent
(``PR_SET_PDEATHSIG``), so ``kill -9`` of the generator leaves no episode being written.
"""

from __future__ import annotations

import errno
import importlib
import multiprocessing
import os
import signal
import time
import traceback
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any

from sim.errors import EXIT_USAGE, SimError, SystemFailure

SYSTEM_ERRNOS = frozenset(
    {
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EFBIG,
        errno.EROFS,
        errno.EACCES,
        errno.EPERM,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.ENAMETOOLONG,
        errno.EIO,
        errno.EMFILE,
        errno.ENFILE,
    }
)
"""Errors of the machine, not of one task: every other task would meet them too."""


@dataclass(frozen=True)
class TaskEvent:
    """What happened to one task: ``done`` (value set), ``retry``, ``failed`` or ``system``
    (error set; ``system``: the machine failed, see :func:`failure_kind`)."""

    kind: str
    index: int
    tries: int
    value: Any = None
    error: str | None = None


def failure_kind(err: BaseException) -> str:
    """``system`` (the machine: stop everything), ``deterministic`` (bad input: the same
    task fails the same way again) or ``transient`` (worth another try)."""
    if isinstance(err, SystemFailure):
        code = getattr(err, "errno", None)
        return "system" if code is None or code in SYSTEM_ERRNOS else "transient"
    if isinstance(err, OSError):
        return "system" if err.errno in SYSTEM_ERRNOS else "transient"
    if isinstance(err, SimError) and err.exit_code == EXIT_USAGE:
        return "deterministic"
    return "transient"


def failure_text(err: BaseException, kind: str) -> str:
    """What the parent reports: one line for the machine's failures, else the traceback."""
    if kind == "system":
        failure = err if isinstance(err, SystemFailure) else SystemFailure.from_os_error(err)
        return str(failure)
    return f"{type(err).__name__}: {err}\n{traceback.format_exc()}"


PIN_ENV = "SIM_PIN_WORKERS"
"""``1``: every worker process is limited to one core of its own (``os.sched_setaffinity``)
and runs every thread pool with one thread (``bench generate``'s limited mode)."""
WRITER_THREADS_ENV = "SIM_WRITER_THREADS"
"""The episode's writer threads in a worker (:func:`sim.dataset.episode.writer_threads`)."""
_CORE_ENV = "SIM_WORKER_CORE"


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask; ``os.cpu_count()`` elsewhere)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def default_workers() -> int:
    """Worker processes when neither the caller nor the config says: one per usable core
    (docs/throughput.md: workers, llvmpipe threads and writer threads are chosen together)."""
    return usable_cores()


def pinned() -> bool:
    return os.environ.get(PIN_ENV, "").strip() not in ("", "0")


def worker_env(workers: int, pin: bool | None = None) -> dict[str, str]:
    """Environment of every worker: a share of the cores each, EGL for OpenGL.

    The rule (docs/throughput.md): with C usable cores and N workers, each worker gets
    T = max(1, C // N) threads for llvmpipe (``LP_NUM_THREADS``), Numba and BLAS, and
    min(2, T) writer threads; ``pin`` (default: ``SIM_PIN_WORKERS``) limits each worker to
    one core (T = 1, one writer thread; the cores are assigned in :func:`run_local`)."""
    pin = pinned() if pin is None else pin
    n = 1 if pin else max(1, usable_cores() // max(1, workers))
    threads = str(n)
    env = {
        "PYOPENGL_PLATFORM": os.environ.get("PYOPENGL_PLATFORM", "egl"),
        "NUMBA_NUM_THREADS": threads,
        "LP_NUM_THREADS": threads,  # Mesa llvmpipe's rasterizer threads (software OpenGL)
        "OMP_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        WRITER_THREADS_ENV: os.environ.get(WRITER_THREADS_ENV, str(min(2, n))),
    }
    if pin:
        env[PIN_ENV] = "1"
    return env


def _die_with_parent() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: an orphaned worker exits when its pipe closes


def _worker_main(conn, fn_name: str, args: tuple, env: dict[str, str]) -> None:
    _die_with_parent()
    os.environ.update(env)
    if env.get(_CORE_ENV):
        try:
            os.sched_setaffinity(0, {int(env[_CORE_ENV])})  # before any thread pool starts
        except (AttributeError, OSError, ValueError):
            pass  # not Linux, or the core went away: unpinned
    module, _, attr = fn_name.partition(":")
    fn = getattr(importlib.import_module(module), attr)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        try:
            value = fn(task, *args)
        except BaseException as err:  # noqa: BLE001 - reported to the parent, which decides
            kind = failure_kind(err)
            conn.send(("error", (kind, failure_text(err, kind))))
        else:
            conn.send(("ok", value))


def _with_core(env: dict[str, str], pool: list) -> dict[str, str]:
    """``env`` plus, when pinned, the lowest usable core no live worker holds (cores are
    shared round-robin when there are more workers than cores)."""
    if env.get(PIN_ENV) != "1":
        return env
    try:
        cores = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return env
    held = [w.core for w in pool]
    core = min(cores, key=lambda c: (held.count(c), c))
    return {**env, _CORE_ENV: str(core)}


class _Worker:
    def __init__(self, ctx, fn_name: str, args: tuple, env: dict[str, str]) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main, args=(child, fn_name, args, env), daemon=True
        )
        self.process.start()
        child.close()
        self.task: Any = None
        self.tries = 0
        self.started = 0.0
        self.core: int | None = int(env[_CORE_ENV]) if env.get(_CORE_ENV) else None

    def assign(self, task: Any, tries: int) -> None:
        self.task, self.tries, self.started = task, tries, time.monotonic()
        try:
            self.conn.send(task)
        except OSError:
            pass  # it died while idle: its sentinel fires and the task is retried

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(10)
        self.kill()


def run_local(
    fn_name: str,
    tasks: Sequence[Any],
    *,
    workers: int,
    timeout: float,
    max_tries: int,
    args: tuple = (),
) -> Iterator[TaskEvent]:
    """Run ``fn(task, *args)`` for every task (``fn_name`` = ``"module:function"``; each
    task has an ``index``) in ``workers`` processes; yield a :class:`TaskEvent` per outcome.

    Stopping the iteration early (or an exception in the caller) kills every worker.
    """
    ctx = multiprocessing.get_context("spawn")
    env = worker_env(workers)
    queue: deque[tuple[Any, int]] = deque((t, 0) for t in tasks)
    pool: list[_Worker] = []
    try:
        while queue or any(w.task is not None for w in pool):
            for w in pool:
                if w.task is None and queue:
                    w.assign(*queue.popleft())
            while queue and len(pool) < workers:
                pool.append(_Worker(ctx, fn_name, args, _with_core(env, pool)))
                pool[-1].assign(*queue.popleft())
            busy = [w for w in pool if w.task is not None]
            now = time.monotonic()
            wait_for = max(0.0, min(w.started + timeout - now for w in busy))
            ready = set(
                wait([x for w in busy for x in (w.conn, w.process.sentinel)], timeout=wait_for)
            )
            now = time.monotonic()
            for w in busy:
                if w.conn in ready or w.process.sentinel in ready:
                    try:
                        status, payload = w.conn.recv()
                    except (EOFError, OSError):
                        w.process.join(5)  # reap it, so the exit code is known
                        status, payload = (
                            "crash",
                            f"worker {w.process.pid} died (exit code {w.process.exitcode})",
                        )
                elif now - w.started >= timeout:
                    status, payload = (
                        "crash",
                        f"timed out after {timeout:g} s; worker {w.process.pid} killed",
                    )
                else:
                    continue
                task, tries = w.task, w.tries + 1
                w.task = None
                if status == "ok":
                    yield TaskEvent("done", task.index, tries, value=payload)
                    continue
                kind = "transient"
                if status == "crash":
                    w.kill()
                    pool.remove(w)
                else:
                    kind, payload = payload
                if kind == "system":
                    yield TaskEvent("system", task.index, tries, error=payload)
                elif kind == "transient" and tries < max_tries:
                    queue.append((task, tries))
                    yield TaskEvent("retry", task.index, tries, error=payload)
                else:
                    yield TaskEvent("failed", task.index, tries, error=payload)
        for w in pool:
            w.stop()
        pool.clear()
    finally:
        for w in pool:  # idle ones are asked to stop; busy ones are killed mid-task
            if w.task is None:
                w.stop()
            else:
                w.kill()
