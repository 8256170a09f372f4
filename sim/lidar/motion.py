"""Poses during a sweep: a body's pose at any time between two physics steps.

A sweep lasts one rotation (0.1 s at 10 Hz: two physics steps at the default 0.05 s), and
its rays are fired at their own times, so the sweep needs the ego's and every agent's pose
at the times of its pose blocks (:meth:`sim.lidar.sweep.LidarModel.block_times`). Between
steps the pose is interpolated linearly in x, y and (along the shorter arc) in yaw, which is
what the fixed-step kinematics integrates; outside the trajectory it is held at the end.
"""

from __future__ import annotations

import numpy as np


def interpolate_poses(
    t_steps: np.ndarray, x: np.ndarray, y: np.ndarray, yaw: np.ndarray, times: np.ndarray
) -> np.ndarray:
    """(P, 4, 4) float64 poses (z = 0, heading ``yaw`` about +z) at ``times`` [s].

    t_steps : (S,) increasing step times [s]; x, y [m], yaw [rad] : (S,) the body's pose at
    each step; times : (P,) [s], held at the first or last step outside [t_steps[0],
    t_steps[-1]].
    """
    t_steps = np.asarray(t_steps, dtype=np.float64)
    times = np.clip(np.asarray(times, dtype=np.float64), t_steps[0], t_steps[-1])
    if len(t_steps) == 1:
        i0 = np.zeros(len(times), dtype=np.intp)
        w = np.zeros(len(times))
        i1 = i0
    else:
        i1 = np.clip(np.searchsorted(t_steps, times, side="right"), 1, len(t_steps) - 1)
        i0 = i1 - 1
        w = (times - t_steps[i0]) / (t_steps[i1] - t_steps[i0])
    x, y, yaw = (np.asarray(v, dtype=np.float64) for v in (x, y, yaw))
    dyaw = np.angle(np.exp(1j * (yaw[i1] - yaw[i0])))  # the shorter arc
    px = x[i0] + w * (x[i1] - x[i0])
    py = y[i0] + w * (y[i1] - y[i0])
    h = yaw[i0] + w * dyaw
    out = np.zeros((len(times), 4, 4))
    c, s = np.cos(h), np.sin(h)
    out[:, 0, 0], out[:, 0, 1], out[:, 1, 0], out[:, 1, 1] = c, -s, s, c
    out[:, 2, 2] = out[:, 3, 3] = 1.0
    out[:, 0, 3], out[:, 1, 3] = px, py
    return out
