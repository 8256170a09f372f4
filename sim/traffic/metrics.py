"""Episode metrics from a Trajectory (used in meta.json and by the edge-case sampler)."""

from __future__ import annotations

import math

import numpy as np

from sim.traffic.world import Trajectory

HARD_BRAKE = 4.0  # [m/s^2]
"""Deceleration at or above which a braking counts as hard."""
PET_CELL = 1.0  # [m]
"""Conflict-area grid: two agents conflict where their paths share a cell of this size."""
PET_CROSSING_ANGLE = math.radians(30.0)
"""Paths meeting at a smaller angle are following or merging, not crossing (headway, not PET)."""


PET_RESOLUTION = 0.2  # [s] steps are sampled this far apart for the PET (its precision)


def post_encroachment(traj: Trajectory, length: np.ndarray, ego: int | None = None) -> float:
    """Smallest post-encroachment time [s] between two agents whose paths cross.

    Each agent's path is its body axis (rear to front, sampled every ``PET_CELL``) every
    ``PET_RESOLUTION`` seconds, rasterised on a ``PET_CELL`` grid. Where the paths of i and
    j share a cell and meet at an angle between ``PET_CROSSING_ANGLE`` and 180 degrees
    minus it (a crossing: not following, merging or meeting head-on), PET = the time from
    the first one's last occupation of the cell to the second one's first (0 if they
    occupy it at once). ``ego``: only pairs with this agent. inf when no paths cross.
    """
    dt = float(traj.t[1] - traj.t[0]) if traj.t.size > 1 else 1.0
    stride = max(1, int(round(PET_RESOLUTION / dt)))
    x, y, yaw = traj.x[::stride], traj.y[::stride], traj.yaw[::stride]
    steps, n = x.shape
    bins = np.floor(np.mod(yaw, 2 * math.pi) / PET_CROSSING_ANGLE).astype(np.int64)
    if n < 2 or np.unique(np.mod(bins, round(math.pi / PET_CROSSING_ANGLE))).size < 2:
        return math.inf  # every path runs along one line: nothing crosses
    m = max(2, int(math.ceil(float(length.max()) / PET_CELL)) + 1)
    u = np.linspace(-0.5, 0.5, m)[None, None, :] * length[None, :, None]
    gx = np.floor((x[..., None] + u * np.cos(yaw)[..., None]) / PET_CELL).astype(np.int64)
    gy = np.floor((y[..., None] + u * np.sin(yaw)[..., None]) / PET_CELL).astype(np.int64)
    cell = (gx - gx.min()) * (int(gy.max() - gy.min()) + 1) + (gy - gy.min())
    key = (cell * n + np.arange(n)[None, :, None]).ravel()
    step = np.broadcast_to(np.arange(steps)[:, None, None], gx.shape).ravel()
    heading = np.broadcast_to(yaw[..., None], gx.shape).ravel()
    if traj.active is not None:  # agents off stage (a steady background's reserve) occupy nothing
        present = np.broadcast_to(traj.active[::stride][..., None], gx.shape).ravel()
        key, step, heading = key[present], step[present], heading[present]
    order = np.argsort(key, kind="stable")
    key, step, heading = key[order], step[order], heading[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    first = np.minimum.reduceat(step, starts)
    last = np.maximum.reduceat(step, starts)
    head = heading[starts]
    cells, agents = key[starts] // n, key[starts] % n
    group = np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]])
    best = math.inf
    for a, b in zip(group, np.r_[group[1:], cells.size], strict=True):
        if b - a < 2:
            continue
        h = head[a:b]
        turn = np.abs(np.mod(h[:, None] - h[None, :] + math.pi, 2 * math.pi) - math.pi)
        crossing = (turn >= PET_CROSSING_ANGLE) & (turn <= math.pi - PET_CROSSING_ANGLE)
        if ego is not None:
            mine = agents[a:b] == ego
            crossing &= mine[:, None] | mine[None, :]
        if not crossing.any():
            continue
        f, la = first[a:b], last[a:b]
        gap = np.maximum(np.maximum(f[None, :] - la[:, None], f[:, None] - la[None, :]), 0)
        best = min(best, float(gap[crossing].min()) * stride * dt)
    return best


def _ttc(traj: Trajectory) -> np.ndarray:
    """(S, N) time to collision [s] with the leader at current speeds (inf if not closing)."""
    leader = traj.leader
    has = leader >= 0
    v_lead = np.take_along_axis(traj.v, np.where(has, leader, 0), axis=1)
    closing = np.where(has, traj.v - v_lead, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ttc = np.where(closing > 1e-9, np.maximum(traj.gap, 0.0) / closing, np.inf)
    return np.where(has, ttc, np.inf)


def _finite_or_none(x: float) -> float | None:
    return round(float(x), 6) if math.isfinite(x) else None


def episode_metrics(traj: Trajectory, ego: int = 0, length: np.ndarray | None = None) -> dict:
    """min TTC / min gap / min post-encroachment time of the ego and of all agents,
    hard-brake events, collisions."""
    ttc = _ttc(traj)
    gap = np.where(traj.leader >= 0, traj.gap, np.inf)
    braking = traj.a <= -HARD_BRAKE
    onsets = braking[1:] & ~braking[:-1]
    return {
        "ego_min_ttc": _finite_or_none(ttc[:, ego].min()),
        "ego_min_gap": _finite_or_none(gap[:, ego].min()),
        "min_ttc": _finite_or_none(ttc.min()),
        "min_gap": _finite_or_none(gap.min()),
        "hard_brake_events": int(onsets.sum()),
        "ego_max_decel": round(float(max(0.0, -traj.a[:, ego].min())), 6),
        "ego_min_pet": None
        if length is None
        else _finite_or_none(post_encroachment(traj, length, ego)),
        "min_pet": None if length is None else _finite_or_none(post_encroachment(traj, length)),
        "collisions": len(traj.collisions),
    }
