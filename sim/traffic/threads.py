"""How the threaded kernels run: the threading layer, its wait policy, and a World's choice,
step by step, between the threaded and the serial kernels (``World(parallel=True)``).

Why (issue 13): at 10,000 agents, with another busy process on one of the 2 cores, the
threaded step collapsed to 0.28 M agent-steps/s in its worst block of 50 steps (serial: 6.5
M). Numba used the OpenMP layer (GNU libgomp) with libgomp's default wait policy: a thread
that waits at the end of a parallel region *spins*. One step is seven short parallel
regions (step, three refresh loops, two collision loops, MOBIL), each a few tens of
microseconds; the waiting thread's spinning competes with the busy process for the very
core the other thread needs, so each region waits for a scheduler time slice (milliseconds)
instead of microseconds. Measured the same way on the 2-core machine (threaded/serial median
of interleaved blocks, a busy process beside): spinning 0.36/2.48 M, passive 3.00/2.92 M,
Numba's workqueue layer 1.66/2.34 M (docs/benchmarks.md).

So :func:`configure` (run when sim.traffic.kernels is imported, before any threaded kernel
runs) asks for the OpenMP layer first and for the passive wait policy (waiting threads
sleep), unless the environment already says otherwise (``NUMBA_THREADING_LAYER``,
``NUMBA_THREADING_LAYER_PRIORITY``, ``OMP_WAIT_POLICY``: set ``OMP_WAIT_POLICY=active`` on a
dedicated machine if that measures faster there).

And because no threading layer can promise anything when the cores are taken by others,
:class:`KernelChooser` times every step and runs whichever kernels are faster *now*: the
serial and the threaded kernels give bit-identical results (tested), so the trajectory
never depends on the choice, only the wall time does. Timing alone still lets a stall
through: a threaded probe, or the first threaded steps after another job starts, can stall
for a scheduler time slice before the step times show it. So the chooser also reads what
the machine is doing (:class:`CpuMeter`: the cores other processes kept busy, from
``/proc/stat`` less this process's own CPU time) and does not run the threads at all while
fewer cores are free than it has threads: every thread of a parallel region must reach its
barrier, so one thread sharing a core with a busy process stalls the whole region.
"""

from __future__ import annotations

import math
import os
import time
from collections import deque
from collections.abc import Callable

import numba

WAIT_POLICY = "PASSIVE"
"""libgomp's OMP_WAIT_POLICY for sim: threads waiting at a barrier sleep, they do not spin."""
LAYER_PRIORITY = ["omp", "tbb", "workqueue"]
"""Numba threading layers in order of preference (Numba's default puts tbb first)."""


def configure() -> None:
    """Ask for OpenMP with passive waiting (see the module doc) where the environment does
    not choose. Must run before the first threaded kernel launches Numba's thread pool
    (libgomp reads its environment when it is loaded); later it changes nothing."""
    os.environ.setdefault("OMP_WAIT_POLICY", WAIT_POLICY)
    chosen = ("NUMBA_THREADING_LAYER", "NUMBA_THREADING_LAYER_PRIORITY")
    if not any(name in os.environ for name in chosen):
        numba.config.THREADING_LAYER_PRIORITY = list(LAYER_PRIORITY)  # type: ignore[attr-defined]


def layer() -> str:
    """The threading layer in use (after a threaded kernel ran), e.g. ``omp``; ``none``
    before any did."""
    try:
        return numba.threading_layer()
    except ValueError:
        return "none"


WINDOW = 8  # [steps] a mode's recent step times averaged (the mean: stalls count in full)
WARMUP = 1  # [steps] first steps of each mode not counted (compilation, cache load, pool)
CALIBRATE = 3  # [steps] of each mode, alternated, before the first choice
SERIAL_EVERY = 64  # [steps] while threaded, one serial step this often refreshes its figure
PROBE_STEPS = 3  # [steps] a threaded probe runs while serial is the choice
LOSS_BUDGET = 0.02  # [-] share of the wall time that failed probes may lose
PROBE_MIN_WAIT = 0.25  # [s] shortest wait between two threaded probes
METER_EVERY = 0.2  # [s] shortest interval over which CpuMeter reports the other processes
SPARE_SLACK = 0.5  # [cores] threads run only while others use <= cores - threads + this


class CpuMeter:
    """How many cores other processes kept busy, on average, since the last reading.

    ``meter()`` returns that figure (cores, e.g. 1.0 for one spinning process) once at least
    ``METER_EVERY`` seconds have passed since the previous figure, else None, and None where
    ``/proc/stat`` cannot be read (not Linux): the chooser then goes by step times alone.
    Machine-wide busy time comes from the ``cpu`` line of ``/proc/stat`` (user, nice, system,
    irq, softirq and steal ticks: steal is time the hypervisor gave to someone else); this
    process's own share, all its threads, from ``time.process_time()``. Reading both costs
    ~20 us, a few times a second.
    """

    def __init__(
        self,
        path: str = "/proc/stat",
        wall: Callable[[], float] = time.monotonic,
        own: Callable[[], float] = time.process_time,
    ) -> None:
        self._path = path
        self._wall, self._own = wall, own
        try:
            self._tick = 1.0 / os.sysconf("SC_CLK_TCK")
        except (ValueError, OSError, AttributeError):
            self._tick = 0.01
        self._last = self._read()

    def _read(self) -> tuple[float, float, float] | None:
        """(wall [s], machine busy [core-s], own CPU [core-s]) or None."""
        try:
            with open(self._path, "rb") as f:
                fields = f.readline().split()
            ticks = [int(v) for v in fields[1:9]]
        except (OSError, ValueError):
            return None
        if len(ticks) < 8 or fields[0] != b"cpu":
            return None
        busy = sum(ticks) - ticks[3] - ticks[4]  # all but idle and iowait
        return self._wall(), busy * self._tick, self._own()

    def __call__(self) -> float | None:
        if self._last is None:
            return None
        if self._wall() - self._last[0] < METER_EVERY:
            return None
        reading = self._read()
        if reading is None:
            self._last = None
            return None
        wall = reading[0] - self._last[0]
        others = ((reading[1] - self._last[1]) - (reading[2] - self._last[2])) / wall
        self._last = reading
        return max(others, 0.0)


class KernelChooser:
    """Threaded or serial kernels for each step of one World, from measured step times.

    ``threaded()`` says which to use for the next step, ``record(threaded, seconds)`` takes
    its wall time. After a warm-up of each and ``CALIBRATE`` alternating steps it runs the
    mode whose mean step time over its last ``WINDOW`` steps is lower; the mean (not the
    median), because one step stalled for a scheduler time slice costs as much as dozens of
    good ones. While threaded it runs a serial step every ``SERIAL_EVERY`` steps to keep the
    comparison current (costs a fraction of a percent when threads win). While serial it
    probes the threaded kernels for ``PROBE_STEPS`` steps, stopping at the first step that
    loses badly, and waits before the next probe until the time the failed probe lost is at
    most ``LOSS_BUDGET`` of the time passed: however long threaded steps stall, probing
    costs at most ~2 % of the run.

    And it runs no threaded step at all (no probe either) while ``meter`` says other
    processes keep more than ``cores - threads + SPARE_SLACK`` cores busy (on 2 cores with 2
    threads: more than half a core): then some thread would share a core with them and the
    step would stall however the times looked a moment ago. ``meter`` (default
    :class:`CpuMeter`) returns the other processes' cores or None (no new figure);
    ``cores`` and ``threads`` default to this process's CPUs and Numba's thread count.
    """

    def __init__(
        self,
        clock: Callable[[], float] | None = None,
        meter: Callable[[], float | None] | None = None,
        cores: int | None = None,
        threads: int | None = None,
    ) -> None:
        self._clock = clock or time.perf_counter
        self._meter = meter if meter is not None else CpuMeter()
        if cores is None:
            try:
                cores = len(os.sched_getaffinity(0))
            except (AttributeError, OSError):
                cores = os.cpu_count() or 1
        if threads is None:
            threads = numba.get_num_threads()
        self._allowed_others = cores - threads + SPARE_SLACK
        self.crowded = False  # the meter's last figure left too few cores for the threads
        self.crowded_steps = 0  # steps run serial because of it (for benches and tests)
        self._times: dict[bool, deque[float]] = {
            True: deque(maxlen=WINDOW),
            False: deque(maxlen=WINDOW),
        }
        self._seen = {True: 0, False: 0}
        self.mode = True  # the current choice (True: threaded)
        self._since_serial = 0
        self._probe_left = 0  # > 0: threaded steps left in the running probe
        self._probe: list[float] = []
        self._next_probe = -math.inf
        self.switches = 0  # how often the choice changed (for benches and tests)

    def mean(self, threaded: bool) -> float:
        """Mean step time [s] of the mode's last WINDOW counted steps (inf: none yet)."""
        t = self._times[threaded]
        return sum(t) / len(t) if t else math.inf

    def threaded(self) -> bool:
        """Whether the next step should use the threaded kernels."""
        for mode in (False, True):  # warm-up and calibration: alternate
            if self._seen[mode] < WARMUP + CALIBRATE and self._seen[mode] <= self._seen[not mode]:
                return mode
        others = self._meter()
        if others is not None:
            self.crowded = others > self._allowed_others
        if self.crowded:
            self.crowded_steps += 1
            self._probe_left = 0
            if self.mode:  # leave the threads before they stall; probe once it clears
                self.mode = False
                self.switches += 1
                self._next_probe = -math.inf
            return False
        if self._probe_left > 0:
            return True
        if self.mode:
            return self._since_serial < SERIAL_EVERY
        if self._clock() >= self._next_probe:
            self._probe_left = PROBE_STEPS
            self._probe = []
            return True
        return False

    def record(self, threaded: bool, seconds: float) -> None:
        """Take the wall time [s] of a step run with ``threaded`` kernels."""
        self._seen[threaded] += 1
        if self._seen[threaded] <= WARMUP:
            return
        if self._probe_left > 0 and threaded:
            self._record_probe(seconds)
            return
        self._times[threaded].append(seconds)
        if threaded:
            self._since_serial += 1
        else:
            self._since_serial = 0
        if min(self._seen.values()) < WARMUP + CALIBRATE:
            return
        best = self.mean(True) < self.mean(False) and not self.crowded
        if best != self.mode:
            self.switches += 1
            self.mode = best
            if not best:  # threads lost: wait before probing them again
                self._wait_after(sum(self._times[True]) - len(self._times[True]) * self.mean(False))

    def _record_probe(self, seconds: float) -> None:
        self._probe.append(seconds)
        self._probe_left -= 1
        serial = self.mean(False)
        if seconds > 2.0 * serial:
            self._probe_left = 0  # a stall: stop at once
        if self._probe_left > 0:
            return
        if sum(self._probe) < len(self._probe) * serial:  # threads win again
            self._times[True].clear()
            self._times[True].extend(self._probe)
            self._since_serial = 0
            self.mode = True
            self.switches += 1
        else:
            self._wait_after(sum(self._probe) - len(self._probe) * serial)

    def _wait_after(self, lost: float) -> None:
        """Next probe once ``lost`` [s] is at most LOSS_BUDGET of the time waited."""
        self._next_probe = self._clock() + max(PROBE_MIN_WAIT, max(lost, 0.0) / LOSS_BUDGET)
