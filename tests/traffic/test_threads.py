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


def NO_METER(*_) -> None:
    """A machine whose load cannot be read: the chooser goes by step times alone."""
    return None


def _drive(cost, steps: int, meter=NO_METER) -> tuple[KernelChooser, list[bool], float]:
    """Run a chooser for ``steps`` steps whose wall time is ``cost(threaded, now)`` [s]."""
    clock = FakeClock()
    chooser = KernelChooser(clock, meter=lambda: meter(clock.t), cores=2, threads=2)
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
    chooser, used, _ = _drive(lambda th, t: 0.6e-3 if th else 1.0e-3, 5000, lambda t: None)
    assert chooser.mode is True
    assert np.mean(used[100:]) > 0.97  # one serial step in SERIAL_EVERY keeps the reference


def test_stalling_threads_are_dropped_and_cost_at_most_the_probe_budget():
    # threads stalled for a scheduler time slice each step (what the spinning libgomp
    # waiters did beside a busy process): 35 ms against 1.25 ms serial
    steps = 20000
    chooser, used, total = _drive(lambda th, t: 35e-3 if th else 1.25e-3, steps, lambda t: None)
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
    chooser = KernelChooser(clock, meter=NO_METER)
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


def test_no_threaded_step_while_other_processes_hold_the_spare_core():
    # a busy process holds one of the 2 cores: the threads would share it and stall, so no
    # threaded step after the calibration, not even a probe, however fast they once were
    chooser, used, _ = _drive(lambda th, t: 0.6e-3 if th else 1.0e-3, 5000, lambda t: 1.0)
    assert chooser.mode is False
    assert sum(used[8:]) == 0
    assert chooser.crowded and chooser.crowded_steps > 4900


def test_the_meter_drops_the_threads_before_they_stall_and_brings_them_back():
    # another job starts at 2 s and stops at 6 s; the meter sees it at once (the real one
    # reports every METER_EVERY s), so not one threaded step runs in between
    def cost(threaded: bool, t: float) -> float:
        busy = 2.0 <= t < 6.0
        if threaded:
            return 20e-3 if busy else 0.6e-3
        return 1.6e-3 if busy else 1.0e-3

    def meter(t: float) -> float:
        return 1.0 if 2.0 <= t < 6.0 else 0.05

    clock = FakeClock()
    chooser = KernelChooser(clock, meter=lambda: meter(clock.t), cores=2, threads=2)
    seen = []
    while clock.t < 9.0:
        threaded = chooser.threaded()
        seen.append((clock.t, threaded))
        seconds = cost(threaded, clock.t)
        clock.t += seconds
        chooser.record(threaded, seconds)
    assert not any(th for t, th in seen if 2.0 <= t < 6.0)
    late = [th for t, th in seen if t >= 6.1]
    assert sum(late) / len(late) > 0.95


def test_a_meter_figure_needs_more_spare_cores_than_threads(tmp_path):
    # on 16 cores with 16 threads one busy process is already too many; with 8 threads not
    chooser = KernelChooser(FakeClock(), meter=lambda: 1.0, cores=16, threads=16)
    for _ in range(8):
        th = chooser.threaded()
        chooser.record(th, 1e-3)
    assert chooser.threaded() is False
    chooser = KernelChooser(FakeClock(), meter=lambda: 1.0, cores=16, threads=8)
    for _ in range(8):
        th = chooser.threaded()
        chooser.record(th, 0.5e-3 if th else 1e-3)
    assert chooser.threaded() is True


def test_cpu_meter_counts_other_processes_not_this_one(tmp_path):
    stat = tmp_path / "stat"
    clock = {"wall": 0.0, "own": 0.0}

    def write(user: int, idle: int) -> None:  # ticks of 1/CLK_TCK s: user nice system idle ...
        stat.write_text(f"cpu  {user} 0 0 {idle} 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\n")

    import os

    hz = os.sysconf("SC_CLK_TCK")
    write(0, 0)
    meter = threads.CpuMeter(str(stat), wall=lambda: clock["wall"], own=lambda: clock["own"])
    clock["wall"] = 0.1
    assert meter() is None  # too soon for a figure
    # 1 s later: 2 cores were busy for the whole second, 0.5 core-s of it this process's
    clock["wall"], clock["own"] = 1.0, 0.5
    write(2 * hz, 0)
    assert meter() == pytest.approx(1.5)
    assert threads.CpuMeter(str(tmp_path / "absent"))() is None  # not Linux: no figure


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
    "name",
    [
        pytest.param("dense_traffic_jam", marks=pytest.mark.slow),  # 7-8 s each
        pytest.param("highway_merge", marks=pytest.mark.slow),
        pytest.param("urban_intersection", marks=pytest.mark.slow),
        "lane_drop",
    ],
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
    assert row["interleave"] == "step" and row["chooser_crowded_steps"] >= 0
