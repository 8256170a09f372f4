"""Ray executor (``generate --backend ray [--address ADDR]``): the same task function as the
local pool, run as Ray tasks, so both backends write the same bytes.

Ray retries a task whose worker died and, with ``retry_exceptions``, one that raised
(``max_retries = max_tries - 1``), but only a transient failure: bad input and the
machine's failures (:func:`sim.dataset.pool.failure_kind`) come back as a value, not raised,
so Ray does not try them again; a ``system`` one stops the run. A task running past
``timeout`` is cancelled (``ray.cancel(force=True)`` kills its worker) and submitted again
until it has had ``max_tries`` tries. At most ``workers`` tasks are in flight, so a task's
clock starts about when it starts running.

Every Ray node must see the dataset folder at the same path (a shared file system) and
have this package installed. Without ``address`` a local Ray instance with ``workers`` CPUs
is started for the run and shut down after it.
"""

from __future__ import annotations

import importlib
import time
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

from sim.dataset.pool import TaskEvent, failure_kind, failure_text, worker_env
from sim.errors import SimError

FAILED = "__sim_task_failed__"
"""First item of the value a task returns instead of raising a failure not worth retrying."""


def check_ray() -> None:
    """SimError (exit 2) if Ray cannot be imported: checked before anything is written."""
    try:
        import ray  # noqa: F401
    except ImportError:
        raise SimError("--backend ray needs Ray: pip install 'sim[ray]'") from None


def _call(fn_name: str, task: Any, *args: Any) -> Any:
    module, _, attr = fn_name.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)(task, *args)
    except Exception as err:
        kind = failure_kind(err)
        if kind == "transient":
            raise  # Ray tries it again
        return (FAILED, kind, failure_text(err, kind))


def _error_text(err: BaseException) -> str:
    text = str(err).strip()
    # RayTaskError's text is the remote traceback; its last line names the real error
    lines = [line for line in text.splitlines() if line.strip()]
    return f"{lines[-1]}\n{text}" if lines else type(err).__name__


def run_ray(
    fn_name: str,
    tasks: Sequence[Any],
    *,
    workers: int,
    timeout: float,
    max_tries: int,
    args: tuple = (),
    address: str | None = None,
) -> Iterator[TaskEvent]:
    """Like :func:`sim.dataset.pool.run_local`, on Ray."""
    check_ray()
    import ray
    from ray.exceptions import RayError

    started_here = False
    if not ray.is_initialized():
        runtime_env = {"env_vars": worker_env(workers)}
        try:
            if address:
                ray.init(
                    address=address,
                    runtime_env=runtime_env,
                    log_to_driver=False,
                    logging_level="warning",
                )
            else:
                ray.init(
                    num_cpus=workers,
                    runtime_env=runtime_env,
                    include_dashboard=False,
                    log_to_driver=False,
                    logging_level="warning",
                )
        except (ConnectionError, RuntimeError, ValueError) as err:
            raise SimError(
                f"cannot start or reach Ray{' at ' + address if address else ''}: {err}"
            ) from None
        started_here = True
    remote = ray.remote(_call).options(num_cpus=1, max_retries=max_tries - 1, retry_exceptions=True)
    queue: deque[tuple[Any, int]] = deque((t, 0) for t in tasks)
    flight: dict[Any, tuple[Any, int, float]] = {}  # ref -> (task, timeouts so far, submitted)
    try:
        while queue or flight:
            while queue and len(flight) < workers:
                task, timeouts = queue.popleft()
                flight[remote.remote(fn_name, task, *args)] = (task, timeouts, time.monotonic())
            now = time.monotonic()
            wait_for = max(0.0, min(t0 + timeout - now for _, _, t0 in flight.values()))
            ready, _ = ray.wait(list(flight), num_returns=1, timeout=wait_for)
            for ref in ready:
                task, timeouts, _ = flight.pop(ref)
                try:
                    value = ray.get(ref)
                except RayError as err:
                    yield TaskEvent("failed", task.index, max_tries, error=_error_text(err))
                else:
                    if isinstance(value, tuple) and len(value) == 3 and value[0] == FAILED:
                        kind = "system" if value[1] == "system" else "failed"
                        yield TaskEvent(kind, task.index, timeouts + 1, error=value[2])
                    else:
                        yield TaskEvent("done", task.index, timeouts + 1, value=value)
            now = time.monotonic()
            for ref, (task, timeouts, t0) in list(flight.items()):
                if now - t0 < timeout:
                    continue
                ray.cancel(ref, force=True)
                del flight[ref]
                error = f"timed out after {timeout:g} s; Ray task cancelled"
                if timeouts + 1 < max_tries:
                    queue.append((task, timeouts + 1))
                    yield TaskEvent("retry", task.index, timeouts + 1, error=error)
                else:
                    yield TaskEvent("failed", task.index, timeouts + 1, error=error)
    finally:
        for ref in flight:
            ray.cancel(ref, force=True)
        if started_here:
            ray.shutdown()
