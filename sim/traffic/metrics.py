"""Episode metrics from a Trajectory (used in meta.json and by the edge-case sampler)."""

from __future__ import annotations

import math

import numpy as np

from sim.traffic.world import Trajectory

HARD_BRAKE = 4.0  # [m/s^2]
"""Deceleration at or above which a braking counts as hard."""


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


def episode_metrics(traj: Trajectory, ego: int = 0) -> dict:
    """min TTC / min gap of the ego and of all agents, hard-brake events, collisions."""
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
        "collisions": len(traj.collisions),
    }
