"""``python -m sim bench traffic``: agent-steps per second of the traffic engine.

For each N, N vehicles (cars, vans, trucks; IDM, MOBIL lane changes on, pure pursuit,
kinematic bicycle, grid collision check) drive on a straight 4-lane road long enough for
~25 m per vehicle and lane. Three things are timed in this process, on the same starting
state:

* ``engine``: ``World.step()`` -- the Numba kernels plus the Python glue of one step, on
  one thread, and from ``--parallel-min`` agents on also with the threaded step kernel;
* ``numpy``: a plain-numpy reference of the same step (sorting leader search, IDM, pure
  pursuit, bicycle, projection; no MOBIL and no collision check, which favours it);
* ``python``: a per-agent Python loop with an all-pairs leader search, the way
  highway-env steps its vehicles, for N <= ``--python-max`` only (it is quadratic).

Each figure is the best of ``--repeats`` runs (the machine is shared: the best run is the
least disturbed one), with the median and the worst run beside it for the engine; above
``--large`` agents half as many runs of each. The threaded figure is ``World(parallel=True)``,
which picks threaded or serial kernels per step from measured step times
(sim.traffic.threads); ``threads_only`` forces the threaded kernels. Output: one JSON line
per N, then one summary line with the issue-3 targets (10 million agent-steps/s at 10,000
agents; at 100,000 no more than twice the cost per agent-step at 10,000) and the load
average before and after (other jobs on the machine lower every figure).

``--contention`` (issue 13) measures instead what a busy machine does to threads: a
competing busy process (a pure-Python spin loop in a child process, ``--busy`` of them) runs
for the whole measurement, and three worlds of the same ``--contention-n`` (10,000) vehicles
step in blocks of ``--block-steps`` (50), alternating their order: serial,
``World(parallel=True)`` and threads only. With ``--interleave step`` (the default) the
worlds' steps take turns, in every order in turn (each world in each place, after each other
world, equally often), so every world's block spans the same stretch of time and a burst
of other load hits all of them alike; ``--interleave block`` runs one world's block after
the other's, as issue 13 measured (then the worst block of two identical serial worlds
differs by up to 20 % on this machine: ``--control``). It prints best, median and worst per
world and the threaded/serial ratios of the median and the worst block (target >= 0.9).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import subprocess
import sys
import time

import numba
import numpy as np

from sim.road import Road
from sim.traffic import params as P
from sim.traffic import threads
from sim.traffic.state import AgentState
from sim.traffic.world import World

DESCRIPTION = "traffic engine agent-steps/s for N vehicles vs a numpy and a per-agent Python step"
LANES = 4
LANE_WIDTH = 3.5  # [m]
SPACING = 25.0  # [m] mean distance between vehicles in one lane at the start
DT = 0.05  # [s]
TARGET = 10e6  # [agent-steps/s] issue 3's target at 10,000 agents
LARGE_COST_TARGET = 2.0  # issue 3: cost per agent-step at 100,000 over that at 10,000
CONTENTION_TARGET = 0.9  # issue 13: threaded over serial (median and worst block) under load
_SPIN = "while True:\n    pass\n"  # the competing busy process: one core, no numba
# length, width, wheelbase [m], share: a highway mix
_BODIES = ((4.5, 1.8, 2.7, 0.7), (5.2, 2.0, 3.2, 0.2), (12.0, 2.5, 6.0, 0.1))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[50, 1000, 10000, 100000],
        help="numbers of vehicles (default: 50 1000 10000 100000)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=0.3,
        help="simulated work per timed run, in wall seconds (default 0.3)",
    )
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per figure; best counts")
    parser.add_argument(
        "--python-max",
        type=int,
        default=500,
        help="largest N for the per-agent Python reference (default 500)",
    )
    parser.add_argument(
        "--parallel-min",
        type=int,
        default=5000,
        help="also time the threaded step kernel from this N on (default 5000)",
    )
    parser.add_argument(
        "--large",
        type=int,
        default=10000,
        help="above this N, half the timed runs per figure (default 10000)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--contention",
        action="store_true",
        help="time serial vs threaded in interleaved blocks while a busy process "
        "competes for a core (issue 13)",
    )
    parser.add_argument(
        "--contention-n", type=int, default=10000, help="vehicles for --contention (default 10000)"
    )
    parser.add_argument(
        "--blocks", type=int, default=40, help="blocks per world for --contention (default 40)"
    )
    parser.add_argument(
        "--block-steps", type=int, default=50, help="steps per block for --contention (default 50)"
    )
    parser.add_argument(
        "--busy", type=int, default=1, help="competing busy processes for --contention (default 1)"
    )
    parser.add_argument(
        "--interleave",
        choices=["step", "block"],
        default="step",
        help="--contention: 'step' (default) times each world's block of --block-steps over "
        "the same stretch of time as the others', its steps taking turns with theirs, so a "
        "burst of other load hits every world alike; 'block' runs the blocks one after "
        "the other (the measurement of issue 13)",
    )
    parser.add_argument(
        "--control",
        action="store_true",
        help="--contention also steps a second serial world: its ratio to the "
        "first is the noise floor of the machine",
    )


def highway(n: int, rng: np.random.Generator) -> tuple[Road, AgentState]:
    """N vehicles spread over LANES lanes, ~SPACING m apart, speeds 20-30 m/s, MOBIL on."""
    per_lane = max(1, math.ceil(n / LANES))
    road = Road.straight(per_lane * SPACING + 2000.0, LANES, LANE_WIDTH)
    st = AgentState.empty(n)
    body = rng.choice(len(_BODIES), size=n, p=[b[3] for b in _BODIES])
    dims = np.array([b[:3] for b in _BODIES])[body]
    lane = np.arange(n) % LANES
    slot = np.arange(n) // LANES
    s = 20.0 + slot * SPACING + rng.uniform(-4.0, 4.0, n) + (lane * SPACING / LANES)
    st.id[:] = np.arange(1, n + 1)
    st.length[:], st.width[:], st.wheelbase[:] = dims[:, 0], dims[:, 1], dims[:, 2]
    st.height[:] = 1.5
    d = road.lane_center(lane)
    x, y, h = road.to_world(s, d)
    st.x[:], st.y[:], st.yaw[:], st.s[:] = x, y, h, s
    st.v[:] = rng.uniform(20.0, 30.0, n)
    st.v0[:] = st.v + rng.uniform(-2.0, 6.0, n)
    st.T[:], st.s0[:], st.a_max[:] = P.IDM_TIME_HEADWAY, P.IDM_MIN_GAP, P.IDM_MAX_ACCEL
    st.b_comf[:], st.delta[:], st.b_max[:] = P.IDM_COMFORT_DECEL, P.IDM_DELTA, P.MAX_BRAKE
    st.steer_max[:], st.steer_rate_max[:] = P.MAX_STEER, P.MAX_STEER_RATE
    st.d_ref[:] = d
    st.mobil[:] = True
    return road, st


# --------------------------------------------------------------------- references
class NumpyStep:
    """The engine's step in plain numpy, for a straight road (whole-array operations)."""

    def __init__(self, road: Road, st: AgentState) -> None:
        self.road = road
        self.st = st.copy()

    def step(self) -> None:
        st, road = self.st, self.road
        order = np.lexsort((st.s, st.lane))
        same = st.lane[order[1:]] == st.lane[order[:-1]]
        leader = np.full(len(st), -1)
        leader[order[:-1][same]] = order[1:][same]
        has = leader >= 0
        lead = np.where(has, leader, 0)
        gap = np.where(has, st.s[lead] - st.s - 0.5 * (st.length + st.length[lead]), np.inf)
        free = 1.0 - (st.v / st.v0) ** st.delta
        dv = st.v - st.v[lead]
        s_star = st.s0 + np.maximum(
            0.0, st.v * st.T + st.v * dv / (2 * np.sqrt(st.a_max * st.b_comf))
        )
        inter = np.where(has, (s_star / np.maximum(gap, 1e-3)) ** 2, 0.0)
        acc = np.clip(st.a_max * (free - inter), -st.b_max, st.a_max)
        look = np.clip(P.LOOKAHEAD_TIME * st.v, P.LOOKAHEAD_MIN, P.LOOKAHEAD_MAX)
        xt, yt = st.s + look + road.origin[0], st.d_ref + road.origin[1]  # straight road along +x
        c, sn = np.cos(st.yaw), np.sin(st.yaw)
        dx, dy = xt - (st.x - 0.5 * st.wheelbase * c), yt - (st.y - 0.5 * st.wheelbase * sn)
        lx, ly = c * dx + sn * dy, -sn * dx + c * dy
        steer_cmd = np.arctan(st.wheelbase * 2.0 * ly / (lx * lx + ly * ly))
        change = np.clip(steer_cmd - st.steer, -st.steer_rate_max * DT, st.steer_rate_max * DT)
        st.steer = np.clip(st.steer + change, -st.steer_max, st.steer_max)
        v_new = np.maximum(0.0, st.v + acc * DT)
        v_mid = 0.5 * (st.v + v_new)
        beta = np.arctan(0.5 * np.tan(st.steer))
        st.x = st.x + v_mid * np.cos(st.yaw + beta) * DT
        st.y = st.y + v_mid * np.sin(st.yaw + beta) * DT
        st.yaw = st.yaw + v_mid / (0.5 * st.wheelbase) * np.sin(beta) * DT
        st.a = (v_new - st.v) / DT
        st.v = v_new
        st.s, st.d = st.x - road.origin[0], st.y - road.origin[1]
        st.lane = np.clip(np.floor(st.d / road.lane_width), 0, road.lanes - 1).astype(np.int32)


class PythonStep:
    """Per-agent Python objects' way: every agent scans every other for its leader."""

    def __init__(self, road: Road, st: AgentState) -> None:
        self.road = road
        self.st = st.copy()

    def step(self) -> None:
        st, n = self.st, len(self.st)
        decisions = []
        for i in range(n):
            leader, best = -1, math.inf
            for j in range(n):
                if j != i and st.lane[j] == st.lane[i] and st.s[i] < st.s[j] < best:
                    leader, best = j, st.s[j]
            free = 1.0 - (st.v[i] / st.v0[i]) ** st.delta[i]
            acc = st.a_max[i] * free
            if leader >= 0:
                gap = st.s[leader] - st.s[i] - 0.5 * (st.length[i] + st.length[leader])
                dv = st.v[i] - st.v[leader]
                s_star = st.s0[i] + max(
                    0.0,
                    st.v[i] * st.T[i] + st.v[i] * dv / (2 * math.sqrt(st.a_max[i] * st.b_comf[i])),
                )
                acc -= st.a_max[i] * (s_star / max(gap, 1e-3)) ** 2
            look = min(max(P.LOOKAHEAD_TIME * st.v[i], P.LOOKAHEAD_MIN), P.LOOKAHEAD_MAX)
            c, sn = math.cos(st.yaw[i]), math.sin(st.yaw[i])
            dx = st.s[i] + look - (st.x[i] - 0.5 * st.wheelbase[i] * c)
            dy = st.d_ref[i] - (st.y[i] - 0.5 * st.wheelbase[i] * sn)
            lx, ly = c * dx + sn * dy, -sn * dx + c * dy
            decisions.append(
                (
                    min(max(acc, -st.b_max[i]), st.a_max[i]),
                    math.atan(st.wheelbase[i] * 2.0 * ly / (lx * lx + ly * ly)),
                )
            )
        for i, (acc, steer_cmd) in enumerate(decisions):
            change = min(
                max(steer_cmd - st.steer[i], -st.steer_rate_max[i] * DT), st.steer_rate_max[i] * DT
            )
            st.steer[i] = min(max(st.steer[i] + change, -st.steer_max[i]), st.steer_max[i])
            v_new = max(0.0, st.v[i] + acc * DT)
            v_mid = 0.5 * (st.v[i] + v_new)
            beta = math.atan(0.5 * math.tan(st.steer[i]))
            st.x[i] += v_mid * math.cos(st.yaw[i] + beta) * DT
            st.y[i] += v_mid * math.sin(st.yaw[i] + beta) * DT
            st.yaw[i] += v_mid / (0.5 * st.wheelbase[i]) * math.sin(beta) * DT
            st.v[i] = v_new
            st.s[i], st.d[i] = st.x[i], st.y[i]


# --------------------------------------------------------------------- timing
def _rates(step, n: int, seconds: float, repeats: int) -> list[float]:
    """Agent-steps/s of each of ``repeats`` runs of about ``seconds`` each (best first)."""
    step()  # warm up (compilation, caches)
    t0 = time.perf_counter()
    step()
    one = max(time.perf_counter() - t0, 1e-7)
    steps = max(1, int(seconds / one))
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        out.append(n * steps / max(time.perf_counter() - t0, 1e-9))
    return sorted(out, reverse=True)


def _rate(step, n: int, seconds: float, repeats: int) -> float:
    """Best agent-steps/s over ``repeats`` runs of about ``seconds`` each."""
    return _rates(step, n, seconds, repeats)[0]


def _spread(rates: list[float]) -> dict[str, int]:
    """Best, median and worst of a list of rates [agent-steps/s]."""
    return {
        "best": round(max(rates)),
        "median": round(float(np.median(rates))),
        "worst": round(min(rates)),
    }


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages (empty where the platform has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):  # pragma: no cover - not on every platform
        return []


def run(args: argparse.Namespace) -> int:
    if args.contention:
        return run_contention(args)
    rng = np.random.default_rng(args.seed)
    rows = []
    load_before = load_average()
    for n in args.sizes:
        repeats = args.repeats if n <= args.large else max(1, args.repeats // 2)
        road, st = highway(n, rng)
        world = World(road, st.copy(), DT)
        serial = _rates(world.step, n, args.seconds, repeats)
        engine = serial[0]
        ref = NumpyStep(road, st)
        numpy_rate = _rate(ref.step, n, args.seconds, max(1, repeats // 2))
        row = {
            "bench": "traffic",
            "n": n,
            "engine_agent_steps_per_s": round(engine),
            "numpy_agent_steps_per_s": round(numpy_rate),
            "engine_over_numpy": round(engine / numpy_rate, 2),
            "ns_per_agent_step": round(1e9 / engine, 1),
            "engine_median_agent_steps_per_s": _spread(serial)["median"],
            "engine_worst_agent_steps_per_s": _spread(serial)["worst"],
            "lane_changes": sum(1 for e in world.scripts.events if e.name.startswith("mobil")),
            "collisions": len(world.collisions),
        }
        if n >= args.parallel_min:
            threaded = World(road, st.copy(), DT, parallel=True)
            got = _spread(_rates(threaded.step, n, args.seconds, repeats))
            only = World(road, st.copy(), DT, parallel="always")
            forced = _spread(_rates(only.step, n, args.seconds, repeats))
            row["engine_threads"] = numba.get_num_threads()
            row["threading_layer"] = threads.layer()
            row["engine_threaded_agent_steps_per_s"] = got["best"]
            row["engine_threaded_median_agent_steps_per_s"] = got["median"]
            row["engine_threaded_worst_agent_steps_per_s"] = got["worst"]
            row["engine_threads_only_agent_steps_per_s"] = forced
            row["parallel_chose_threads"] = threaded.chooser.mode
        if n <= args.python_max:
            py = PythonStep(road, st)
            py_rate = _rate(py.step, n, args.seconds, 1)
            row["python_agent_steps_per_s"] = round(py_rate)
            row["engine_over_python"] = round(engine / py_rate, 1)
        rows.append(row)
        print(json.dumps(row), flush=True)
    by_n = {
        r["n"]: max(r["engine_agent_steps_per_s"], r.get("engine_threaded_agent_steps_per_s", 0))
        for r in rows
    }
    small, large = min(by_n), max(by_n)
    summary = {
        "bench": "traffic",
        "summary": True,
        "best_agent_steps_per_s": by_n,
        "scaling_large_over_small": round(by_n[large] / by_n[small], 2),
        "sizes": [small, large],
        "target_agent_steps_per_s": TARGET,
    }
    if 10000 in by_n:
        summary["at_10000_over_target"] = round(by_n[10000] / TARGET, 3)
    if 10000 in by_n and 100000 in by_n:
        ratio = by_n[10000] / by_n[100000]  # cost per agent-step at 100,000 over 10,000
        summary["cost_100000_over_10000"] = round(ratio, 2)
        summary["cost_100000_over_10000_target"] = LARGE_COST_TARGET
    py_rows = [r for r in rows if "engine_over_python" in r]
    if py_rows:
        summary["engine_over_python_at_n"] = {r["n"]: r["engine_over_python"] for r in py_rows}
    summary["load_average_before_after"] = [load_before, load_average()]
    print(json.dumps(summary), flush=True)
    return 0


def _busy(count: int) -> list[subprocess.Popen]:
    """``count`` competing busy processes (pure-Python spin loops; stopped by the caller)."""
    return [
        subprocess.Popen(
            [sys.executable, "-c", _SPIN],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(max(0, count))
    ]


def run_contention(args: argparse.Namespace) -> int:
    """Serial vs threaded in interleaved blocks while ``--busy`` spin loops compete."""
    n, steps = args.contention_n, args.block_steps
    road, st = highway(n, np.random.default_rng(args.seed))
    worlds = {
        "serial": World(road, st.copy(), DT),
        "threaded": World(road, st.copy(), DT, parallel=True),
        "threads_only": World(road, st.copy(), DT, parallel="always"),
    }
    if args.control:
        worlds["serial_control"] = World(road, st.copy(), DT)
    for w in worlds.values():  # warm up: compilation, cache load, thread pool, calibration
        for _ in range(10):
            w.step()
    rates: dict[str, list[float]] = {k: [] for k in worlds}
    load_before = load_average()
    procs = _busy(args.busy)
    try:
        time.sleep(0.2)  # let the busy processes start spinning
        order = list(worlds)
        orders = list(itertools.permutations(order))
        clock = time.perf_counter
        for b in range(args.blocks):
            turn = order if b % 2 == 0 else order[::-1]
            if args.interleave == "block":
                for name in turn:
                    w = worlds[name]
                    t0 = clock()
                    for _ in range(steps):
                        w.step()
                    rates[name].append(n * steps / max(clock() - t0, 1e-9))
                continue
            spent = dict.fromkeys(turn, 0.0)
            for j in range(steps):
                # every order of the worlds in turn: each takes each place, and follows each
                # other world, equally often (no world always runs right after the threads)
                for name in orders[(b * steps + j) % len(orders)]:
                    t0 = clock()
                    worlds[name].step()
                    spent[name] += clock() - t0
            for name in turn:
                rates[name].append(n * steps / max(spent[name], 1e-9))
        load_during = load_average()
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()
    spread = {k: _spread(v) for k, v in rates.items()}
    # the same ratio block by block (a threaded block over the serial block beside it in
    # time): robust to the load drifting during the run, unlike the ratio of two extremes
    paired = np.array(rates["threaded"]) / np.array(rates["serial"])
    ratio_median = spread["threaded"]["median"] / max(spread["serial"]["median"], 1)
    ratio_worst = spread["threaded"]["worst"] / max(spread["serial"]["worst"], 1)
    row = {
        "bench": "traffic",
        "contention": True,
        "n": n,
        "busy_processes": args.busy,
        "blocks": args.blocks,
        "block_steps": steps,
        "interleave": args.interleave,
        "threads": numba.get_num_threads(),
        "threading_layer": threads.layer(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", ""),
        "agent_steps_per_s": spread,
        "threaded_over_serial_median": round(ratio_median, 3),
        "threaded_over_serial_worst": round(ratio_worst, 3),
        "paired_ratio_median": round(float(np.median(paired)), 3),
        "paired_ratio_p10": round(float(np.percentile(paired, 10)), 3),
        "threads_only_over_serial_median": round(
            spread["threads_only"]["median"] / max(spread["serial"]["median"], 1), 3
        ),
        "threads_only_over_serial_worst": round(
            spread["threads_only"]["worst"] / max(spread["serial"]["worst"], 1), 3
        ),
        "target_ratio": CONTENTION_TARGET,
        "meets_target": bool(min(ratio_median, ratio_worst) >= CONTENTION_TARGET),
        **(
            {
                "control_over_serial_median": round(
                    spread["serial_control"]["median"] / max(spread["serial"]["median"], 1), 3
                ),
                "control_over_serial_worst": round(
                    spread["serial_control"]["worst"] / max(spread["serial"]["worst"], 1), 3
                ),
            }
            if args.control
            else {}
        ),
        "chooser_switches": worlds["threaded"].chooser.switches,
        "chooser_crowded_steps": worlds["threaded"].chooser.crowded_steps,
        "load_average_before_during": [load_before, load_during],
    }
    print(json.dumps(row), flush=True)
    s, th = spread["serial"], spread["threaded"]
    print(
        f"contention bench, {n} agents, {args.busy} busy process(es): threaded/serial median "
        f"{th['median'] / 1e6:.2f}/{s['median'] / 1e6:.2f} M = {ratio_median:.2f}, worst "
        f"{th['worst'] / 1e6:.2f}/{s['worst'] / 1e6:.2f} M = {ratio_worst:.2f} agent-steps/s "
        f"(target >= {CONTENTION_TARGET}: {'met' if row['meets_target'] else 'NOT met'}; "
        f"load {load_during})",
        flush=True,
    )
    return 0
