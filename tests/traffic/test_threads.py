"""Threads never lose to serial (issue 13): the threading configuration, the World's
per-step choice between threaded and serial kernels (sim.traffic.threads.KernelChooser),
and that the choice never changes a trajectory. No wall-clock timing is asserted: the
chooser is driven by a fake clock and made-up step times."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from sim.assets import load_catalog
from sim.bench.traffic import highway
from sim.pipeline import resolve_scenario
from sim.scenario import load_scenario
from sim.traffic import threads
from sim.traffic.setup import build_world, n_steps
from sim.traffic.threads import LOSS_BUDGET, KernelChooser
from sim.traffic.world import World, simulate

from helpers.paths import REPO  # noqa: E402

DT = 0.05  # [s]


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _drive(cost, steps: int) -> tuple[KernelChooser, list[bool], float]:
    """Run a chooser for ``steps`` steps whose wall time is ``cost(threaded, now)`` [s]."""
    clock = FakeClock()
    chooser = KernelChooser(clock)
    used, total = [], 0.0
    for _ in range(steps):
        threaded = chooser.threaded()
        seconds = cost(threaded, clock.t)
        clock.t += seconds
        total += seconds
        chooser.record(threaded, seconds)
        used.append(threaded)
    return chooser, used, total


def test_faster_threads_are_used_nearly_always():
    chooser, used, _ = _drive(lambda th, t: 0.6e-3 if th else 1.0e-3, 5000)
    assert chooser.mode is True
    assert np.mean(used[100:]) > 0.97  # one serial step in SERIAL_EVERY keeps the reference


def test_stalling_threads_are_dropped_and_cost_at_most_the_probe_budget():
    # threads stalled for a scheduler time slice each step (what the spinning libgomp
    # waiters did beside a busy process): 35 ms against 1.25 ms serial
    steps = 20000
    chooser, used, total = _drive(lambda th, t: 35e-3 if th else 1.25e-3, steps)
    assert chooser.mode is False
    serial_only = steps * 1.25e-3
    # the warm-up and calibration steps, then probes limited to LOSS_BUDGET of the time
    assert total <= serial_only * (1.0 + LOSS_BUDGET) + 4 * 35e-3 + 1e-9
    assert serial_only / total >= 0.9


def test_the_choice_follows_the_machine_both_ways():
    def cost(threaded: bool, t: float) -> float:
        busy = 2.0 <= t < 6.0  # another job takes a core between 2 s and 6 s
        if threaded:
            return 20e-3 if busy else 0.6e-3
        return 1.6e-3 if busy else 1.0e-3

    clock = FakeClock()
    chooser = KernelChooser(clock)
    seen = []
    while clock.t < 12.0:
        threaded = chooser.threaded()
        seconds = cost(threaded, clock.t)
        clock.t += seconds
        chooser.record(threaded, seconds)
        seen.append((clock.t, threaded))

    def share(t0, t1):
        picks = [th for t, th in seen if t0 <= t < t1]
        return sum(picks) / len(picks)

    assert share(0.5, 2.0) > 0.95  # idle: threads
    assert share(3.0, 6.0) < 0.05  # busy: serial, threads only probed now and then
    assert share(9.0, 12.0) > 0.95  # idle again: back to threads within a few probes


def test_threading_layer_and_wait_policy_are_chosen_unless_the_environment_chose(monkeypatch):
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.delenv("NUMBA_THREADING_LAYER", raising=False)
    monkeypatch.delenv("NUMBA_THREADING_LAYER_PRIORITY", raising=False)
    import numba

    monkeypatch.setattr(numba.config, "THREADING_LAYER_PRIORITY", ["tbb", "omp", "workqueue"])
    threads.configure()
    import os

    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    assert numba.config.THREADING_LAYER_PRIORITY[0] == "omp"
    monkeypatch.setenv("OMP_WAIT_POLICY", "active")
    monkeypatch.setenv("NUMBA_THREADING_LAYER_PRIORITY", "tbb omp workqueue")
    numba.config.THREADING_LAYER_PRIORITY = ["tbb", "omp", "workqueue"]
    threads.configure()
    assert os.environ["OMP_WAIT_POLICY"] == "active"
    assert numba.config.THREADING_LAYER_PRIORITY[0] == "tbb"


class Flipper:
    """A chooser that flips between threaded and serial at random: timing-independent
    stand-in for a busy machine's choices."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.mode, self.switches = True, 0

    def threaded(self) -> bool:
        return bool(self.rng.integers(2))

    def record(self, threaded: bool, seconds: float) -> None:
        pass


def _digest(traj) -> str:
    h = hashlib.sha256()
    for f in (
        "x",
        "y",
        "yaw",
        "v",
        "a",
        "steer",
        "s",
        "d",
        "lane",
        "road",
        "collided",
        "leader",
        "gap",
        "active",
    ):
        h.update(np.ascontiguousarray(getattr(traj, f)).tobytes())
    h.update(json.dumps([(e.t, e.agent, e.name) for e in traj.events]).encode())
    h.update(repr(traj.collisions).encode())
    return h.hexdigest()


@pytest.mark.parametrize(
    "name", ["dense_traffic_jam", "highway_merge", "urban_intersection", "lane_drop"]
)
def test_switching_kernels_at_random_never_changes_a_library_trajectory(name):
    catalog = load_catalog()
    spec = resolve_scenario(load_scenario(REPO / "scenarios" / f"{name}.yaml"), catalog)
    digests = []
    for mode in ("serial", "flip"):
        world, _ = build_world(spec, catalog)
        if mode == "flip":
            world.chooser = Flipper(3)
        digests.append(_digest(simulate(world, n_steps(spec))))
    assert digests[0] == digests[1]


def test_parallel_true_on_dense_mobil_traffic_gives_the_serial_trajectory():
    road, st = highway(1200, np.random.default_rng(4))  # pieces for the threads
    runs = []
    for parallel in (False, True, "always"):
        world = World(road, st.copy(), DT, parallel=parallel)
        if parallel is True:
            world.chooser = Flipper(5)
        runs.append(_digest(simulate(world, 120)))
    assert runs[0] == runs[1] == runs[2]


def test_bench_contention_prints_the_ratios_with_a_busy_process(capsys):
    import argparse

    from sim.bench import traffic as bench

    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    args = parser.parse_args(
        ["--contention", "--contention-n", "300", "--blocks", "2", "--block-steps", "3"]
    )
    assert bench.run(args) == 0
    out = capsys.readouterr().out.splitlines()
    row = json.loads(out[0])
    assert row["contention"] and row["n"] == 300 and row["busy_processes"] == 1
    for k in ("serial", "threaded", "threads_only"):
        assert set(row["agent_steps_per_s"][k]) == {"best", "median", "worst"}
    assert {"threaded_over_serial_median", "threaded_over_serial_worst", "meets_target"} <= set(row)
    assert "threaded/serial median" in out[1] and "worst" in out[1]
