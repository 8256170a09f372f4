"""Episode metrics: post-encroachment time on golden crossings, through the public metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.traffic.metrics import episode_metrics, post_encroachment
from sim.traffic.world import TRACK_FIELDS, Trajectory

DT = 0.05


def _crossing(t_b_arrives: float, n_steps: int = 300, heading_b: float = math.pi / 2) -> Trajectory:
    """A drives +x along y = 0 at 10 m/s, its centre at x = 50 at t = 5 s; B drives along
    ``heading_b`` at 10 m/s through (50, 0), its centre there at ``t_b_arrives``."""
    t = np.arange(n_steps + 1) * DT
    rec = {name: np.zeros((t.size, 2)) for name in TRACK_FIELDS}
    rec["x"][:, 0] = 10.0 * (t - 5.0) + 50.0
    rec["yaw"][:, 0] = 0.0
    rec["x"][:, 1] = 50.0 + math.cos(heading_b) * 10.0 * (t - t_b_arrives)
    rec["y"][:, 1] = math.sin(heading_b) * 10.0 * (t - t_b_arrives)
    rec["yaw"][:, 1] = heading_b
    rec["v"][:] = 10.0
    rec["lane"] = rec["lane"].astype(np.int32)
    rec["road"] = rec["road"].astype(np.int32)
    rec["collided"] = rec["collided"].astype(bool)
    return Trajectory(
        t=t, leader=np.full((t.size, 2), -1, np.int32), gap=np.full((t.size, 2), np.inf), **rec
    )


@pytest.mark.parametrize("t_b", [8.0, 10.0, 12.5])
def test_pet_of_a_right_angle_crossing_is_the_time_between_rear_leaving_and_front_arriving(t_b):
    length = np.array([4.0, 4.0])
    # A's rear leaves x = 50 at 5 + 0.2 s; B's front reaches y = 0 at t_b - 0.2 s
    want = (t_b - 0.2) - 5.2
    got = post_encroachment(_crossing(t_b), length)
    assert got == pytest.approx(want, abs=0.3)  # 1 m cells at 10 m/s, 0.2 s sampling
    assert episode_metrics(_crossing(t_b), length=length)["ego_min_pet"] == pytest.approx(got)


def test_pet_is_zero_when_both_occupy_the_crossing_at_once_and_inf_when_paths_do_not_cross():
    length = np.array([4.0, 4.0])
    assert post_encroachment(_crossing(5.05), length) == 0.0
    following = _crossing(8.0, heading_b=0.0)  # B follows A on the same line: headway, not PET
    assert post_encroachment(following, length) == math.inf
    head_on = _crossing(8.0, heading_b=math.pi)  # meets it head-on on the same line
    assert post_encroachment(head_on, length) == math.inf
