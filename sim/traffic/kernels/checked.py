"""Public, validating entry points to the traffic kernels.

Each wrapper checks its bundles (:func:`sim.traffic.kernels.bundles.validate`: types,
dtypes, dimensions, contiguity, one length for every per-agent field; ValueError naming the
field) and then calls the serial kernel, or the threaded twin with ``threaded=True`` (same
results bit for bit). The World validates its bundles once when it builds them and then
calls the kernels directly every step (a check per step would cost more than the step at
small N).
"""

from __future__ import annotations

import numpy as np

from sim.traffic import params as P
from sim.traffic.kernels.bundles import (
    Agents,
    Boxes,
    Grid,
    Idm,
    LanePath,
    Limits,
    MobilParams,
    Roads,
    Traffic,
    validate,
)
from sim.traffic.kernels.collisions import _collisions, _collisions_parallel
from sim.traffic.kernels.lane_change import _mobil, _mobil_parallel
from sim.traffic.kernels.motion import _step, _step_parallel
from sim.traffic.kernels.ordering import _refresh, _refresh_parallel


def _positive(name: str, value: float) -> float:
    value = float(value)
    if not value > 0.0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def refresh(
    roads: Roads, agents: Agents, path: LanePath, traffic: Traffic, *, threaded: bool = False
) -> None:
    """Per-lane order, leaders, gaps and what each driver reacts to, into ``traffic``
    (sim.traffic.kernels.ordering._refresh_py)."""
    validate(roads, agents, path, traffic)
    (_refresh_parallel if threaded else _refresh)(roads, agents, path, traffic)


def step(
    dt: float,
    roads: Roads,
    agents: Agents,
    idm: Idm,
    limits: Limits,
    path: LanePath,
    traffic: Traffic,
    done: np.ndarray,
    *,
    threaded: bool = False,
) -> None:
    """One physics step of every agent (sim.traffic.kernels.motion._step_py), ``dt`` [s];
    ``done``: (N,) bool out, a lane change closed or a walker arrived."""
    n = validate(roads, agents, idm, limits, path, traffic)
    _check_flags("done", done, n)
    kernel = _step_parallel if threaded else _step
    kernel(
        _positive("dt", dt),
        P.LOOKAHEAD_TIME,
        P.LOOKAHEAD_MAX,
        roads,
        agents,
        idm,
        limits,
        path,
        traffic,
        done,
    )


def mobil(
    step_index: int,
    period: int,
    dt: float,
    roads: Roads,
    agents: Agents,
    idm: Idm,
    path: LanePath,
    params: MobilParams,
    traffic: Traffic,
    started: np.ndarray,
    *,
    threaded: bool = False,
) -> int:
    """MOBIL lane-change decisions of this step's turn (sim.traffic.kernels.lane_change);
    ``started``: (N,) bool out, True for each agent that begins a change. Returns how many
    began."""
    n = validate(roads, agents, idm, path, params, traffic)
    _check_flags("started", started, n)
    if int(period) < 1:
        raise ValueError(f"period must be >= 1 step, got {period!r}")
    claimed = np.zeros(n, dtype=np.bool_)
    kernel = _mobil_parallel if threaded else _mobil
    return int(
        kernel(
            int(step_index),
            int(period),
            _positive("dt", dt),
            roads,
            agents,
            idm,
            path,
            params,
            traffic,
            claimed,
            started,
        )
    )


def find_collisions(grid: Grid, boxes: Boxes, *, threaded: bool = False) -> tuple[np.ndarray, int]:
    """Overlapping pairs of active boxes, ``(pairs, tested)``: (K, 2) int32 sorted by
    (i, j) with i < j, and how many candidate pairs the sweep tested
    (sim.traffic.kernels.collisions). ``grid`` is updated (keep it between calls)."""
    validate(grid, boxes)
    pairs, tested = (_collisions_parallel if threaded else _collisions)(grid, boxes)
    return pairs, int(tested)


def collision_pairs(active, x, y, yaw, length, width) -> np.ndarray:
    """All overlapping pairs (i < j) of the active boxes (centre [m], heading [rad], length
    and width [m], one entry per agent), from a fresh grid: (K, 2) int32."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    yaw = np.asarray(yaw, dtype=np.float64)
    n = x.shape[0]
    boxes = Boxes(
        np.ascontiguousarray(active, dtype=np.bool_),
        x,
        np.ascontiguousarray(y, dtype=np.float64),
        np.cos(yaw),
        np.sin(yaw),
        np.ascontiguousarray(length, dtype=np.float64),
        np.ascontiguousarray(width, dtype=np.float64),
    )
    grid = Grid(np.arange(n, dtype=np.int64), np.full(n, np.iinfo(np.int64).max, dtype=np.int64))
    return find_collisions(grid, boxes)[0]


def _check_flags(name: str, a, n: int) -> None:
    if not isinstance(a, np.ndarray) or a.dtype != np.bool_ or a.shape != (n,):
        got = a.dtype if isinstance(a, np.ndarray) else type(a).__name__
        raise ValueError(f"{name} must be ({n},) bool, got {got} {getattr(a, 'shape', '')}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous")
