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
least disturbed one); above ``--large`` agents half as many runs of each. Output: one JSON
line per N, then one summary line with the issue-3 targets (10 million agent-steps/s at
10,000 agents; at 100,000 no more than twice the cost per agent-step at 10,000) and the
load average before and after (other jobs on the machine lower every figure).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time

import numba
import numpy as np

from sim.road import Road
from sim.traffic import params as P
from sim.traffic.state import AgentState
from sim.traffic.world import World

DESCRIPTION = "traffic engine agent-steps/s for N vehicles vs a numpy and a per-agent Python step"
LANES = 4
LANE_WIDTH = 3.5  # [m]
SPACING = 25.0  # [m] mean distance between vehicles in one lane at the start
DT = 0.05  # [s]
TARGET = 10e6  # [agent-steps/s] issue 3's target at 10,000 agents
LARGE_COST_TARGET = 2.0  # issue 3: cost per agent-step at 100,000 over that at 10,000
# length, width, wheelbase [m], share: a highway mix
_BODIES = ((4.5, 1.8, 2.7, 0.7), (5.2, 2.0, 3.2, 0.2), (12.0, 2.5, 6.0, 0.1))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 1000, 10000, 100000],
                        help="numbers of vehicles (default: 50 1000 10000 100000)")
    parser.add_argument("--seconds", type=float, default=0.3,
                        help="simulated work per timed run, in wall seconds (default 0.3)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per figure; best counts")
    parser.add_argument("--python-max", type=int, default=500,
                        help="largest N for the per-agent Python reference (default 500)")
    parser.add_argument("--parallel-min", type=int, default=5000,
                        help="also time the threaded step kernel from this N on (default 5000)")
    parser.add_argument("--large", type=int, default=10000,
                        help="above this N, half the timed runs per figure (default 10000)")
    parser.add_argument("--seed", type=int, default=0)


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
        s_star = st.s0 + np.maximum(0.0, st.v * st.T + st.v * dv / (2 * np.sqrt(st.a_max * st.b_comf)))
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
                s_star = st.s0[i] + max(0.0, st.v[i] * st.T[i] + st.v[i] * dv / (2 * math.sqrt(st.a_max[i] * st.b_comf[i])))
                acc -= st.a_max[i] * (s_star / max(gap, 1e-3)) ** 2
            look = min(max(P.LOOKAHEAD_TIME * st.v[i], P.LOOKAHEAD_MIN), P.LOOKAHEAD_MAX)
            c, sn = math.cos(st.yaw[i]), math.sin(st.yaw[i])
            dx = st.s[i] + look - (st.x[i] - 0.5 * st.wheelbase[i] * c)
            dy = st.d_ref[i] - (st.y[i] - 0.5 * st.wheelbase[i] * sn)
            lx, ly = c * dx + sn * dy, -sn * dx + c * dy
            decisions.append((min(max(acc, -st.b_max[i]), st.a_max[i]),
                              math.atan(st.wheelbase[i] * 2.0 * ly / (lx * lx + ly * ly))))
        for i, (acc, steer_cmd) in enumerate(decisions):
            change = min(max(steer_cmd - st.steer[i], -st.steer_rate_max[i] * DT), st.steer_rate_max[i] * DT)
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
def _rate(step, n: int, seconds: float, repeats: int) -> float:
    """Best agent-steps/s over ``repeats`` runs of about ``seconds`` each."""
    step()  # warm up (compilation, caches)
    t0 = time.perf_counter()
    step()
    one = max(time.perf_counter() - t0, 1e-7)
    steps = max(1, int(seconds / one))
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        best = min(best, time.perf_counter() - t0)
    return n * steps / best


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages (empty where the platform has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):  # pragma: no cover - not on every platform
        return []


def run(args: argparse.Namespace) -> int:
    rng = np.random.default_rng(args.seed)
    rows = []
    load_before = load_average()
    for n in args.sizes:
        repeats = args.repeats if n <= args.large else max(1, args.repeats // 2)
        road, st = highway(n, rng)
        world = World(road, st.copy(), DT)
        engine = _rate(world.step, n, args.seconds, repeats)
        ref = NumpyStep(road, st)
        numpy_rate = _rate(ref.step, n, args.seconds, max(1, repeats // 2))
        row = {"bench": "traffic", "n": n, "engine_agent_steps_per_s": round(engine),
               "numpy_agent_steps_per_s": round(numpy_rate),
               "engine_over_numpy": round(engine / numpy_rate, 2),
               "ns_per_agent_step": round(1e9 / engine, 1),
               "lane_changes": sum(1 for e in world.scripts.events if e.name.startswith("mobil")),
               "collisions": len(world.collisions)}
        if n >= args.parallel_min:
            threaded = World(road, st.copy(), DT, parallel=True)
            row["engine_threads"] = numba.get_num_threads()
            row["engine_threaded_agent_steps_per_s"] = round(_rate(threaded.step, n, args.seconds, repeats))
        if n <= args.python_max:
            py = PythonStep(road, st)
            py_rate = _rate(py.step, n, args.seconds, 1)
            row["python_agent_steps_per_s"] = round(py_rate)
            row["engine_over_python"] = round(engine / py_rate, 1)
        rows.append(row)
        print(json.dumps(row), flush=True)
    by_n = {r["n"]: max(r["engine_agent_steps_per_s"], r.get("engine_threaded_agent_steps_per_s", 0)) for r in rows}
    small, large = min(by_n), max(by_n)
    summary = {"bench": "traffic", "summary": True,
               "best_agent_steps_per_s": by_n,
               "scaling_large_over_small": round(by_n[large] / by_n[small], 2),
               "sizes": [small, large],
               "target_agent_steps_per_s": TARGET}
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
