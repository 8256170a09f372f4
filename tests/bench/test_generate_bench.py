"""Workers that share the machine (sim/dataset/pool.py) and ``bench generate``'s modes.

- the rule: C usable cores, N workers -> T = max(1, C // N) llvmpipe / Numba / BLAS threads
  and min(2, T) writer threads each; pinned: one core and one thread of each per worker;
- pinned workers really run on one core each, distinct cores while there are enough, and
  the episode's writer threads follow ``SIM_WRITER_THREADS``;
- ``bench generate`` refuses an unknown mode (no timing is asserted anywhere).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from sim.dataset import pool


@dataclass(frozen=True)
class Task:
    index: int


def where_am_i(task: Task) -> dict:
    """A worker task: the cores it may run on and the thread settings it was given."""
    from sim.dataset.episode import writer_threads

    return {
        "cores": sorted(os.sched_getaffinity(0)),
        "lp": os.environ.get("LP_NUM_THREADS"),
        "numba": os.environ.get("NUMBA_NUM_THREADS"),
        "writers": writer_threads(),
    }


@pytest.mark.parametrize(
    ("cores", "workers", "pin", "threads", "writers"),
    [
        (2, 1, False, "2", "2"),
        (2, 2, False, "1", "1"),
        (16, 2, False, "8", "2"),
        (16, 16, False, "1", "1"),
        (3, 2, False, "1", "1"),
        (2, 1, True, "1", "1"),
        (16, 2, True, "1", "1"),
    ],
)
def test_threads_are_chosen_from_the_cores(monkeypatch, cores, workers, pin, threads, writers):
    monkeypatch.setattr(pool, "usable_cores", lambda: cores)
    monkeypatch.delenv(pool.WRITER_THREADS_ENV, raising=False)
    env = pool.worker_env(workers, pin=pin)
    assert env["LP_NUM_THREADS"] == env["NUMBA_NUM_THREADS"] == env["OMP_NUM_THREADS"] == threads
    assert env[pool.WRITER_THREADS_ENV] == writers
    assert (env.get(pool.PIN_ENV) == "1") == pin


def test_default_workers_follow_the_affinity_mask():
    assert pool.default_workers() == len(os.sched_getaffinity(0))


def test_pinned_workers_get_distinct_cores_then_share_them(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2})
    env = {pool.PIN_ENV: "1"}
    held: list = []
    for _ in range(5):
        got = int(pool._with_core(env, held)[pool._CORE_ENV])
        held.append(SimpleNamespace(core=got))
    assert [w.core for w in held] == [0, 1, 2, 0, 1]
    assert pool._CORE_ENV not in pool._with_core({}, held)  # unpinned: no core named


def test_pinned_workers_run_on_one_core_each(monkeypatch):
    monkeypatch.setenv(pool.PIN_ENV, "1")
    monkeypatch.delenv(pool.WRITER_THREADS_ENV, raising=False)
    n = min(2, len(os.sched_getaffinity(0)))
    events = list(
        pool.run_local(
            "test_generate_bench:where_am_i",
            [Task(i) for i in range(4)],
            workers=n,
            timeout=60.0,
            max_tries=1,
        )
    )
    assert [e.kind for e in events] == ["done"] * 4
    seen = {tuple(e.value["cores"]) for e in events}
    assert all(len(c) == 1 for c in seen) and len(seen) == n
    assert {(e.value["lp"], e.value["numba"], e.value["writers"]) for e in events} == {
        ("1", "1", 1)
    }


def test_writer_threads_follow_the_environment(monkeypatch):
    from sim.dataset.episode import WRITER_THREADS, writer_threads

    monkeypatch.delenv(pool.WRITER_THREADS_ENV, raising=False)
    assert writer_threads() == WRITER_THREADS
    monkeypatch.setenv(pool.WRITER_THREADS_ENV, "1")
    assert writer_threads() == 1
    monkeypatch.setenv(pool.WRITER_THREADS_ENV, "many")
    assert writer_threads() == WRITER_THREADS


def test_bench_generate_refuses_an_unknown_mode():
    from sim.bench.generate import _modes

    assert _modes("pinned, shared,pinned") == ["pinned", "shared"]
    with pytest.raises(SystemExit, match="--modes"):
        _modes("fast")
