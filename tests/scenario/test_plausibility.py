"""Issue 3's "done when": every library scenario's tracks are physically plausible.

No teleports (a step moves an agent no further than its speed allows), speeds and
accelerations within each agent's limits, headings that turn no faster than the kinematic
bicycle allows, and collisions only where the scenario asks for one (none in the library).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.assets import load_catalog
from sim.pipeline import resolve_scenario
from sim.scenario import load_scenario
from sim.traffic.setup import build_world, n_steps
from sim.traffic.world import simulate

from helpers.paths import REPO

LIBRARY = sorted((REPO / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_library_tracks_are_physically_plausible(path):
    catalog = load_catalog()
    spec = resolve_scenario(load_scenario(path), catalog)
    world, infos = build_world(spec, catalog)
    st = world.state
    traj = simulate(world, n_steps(spec))
    dt = float(spec.step)
    # no teleports: displacement per step <= mean speed over the step * dt (+ rounding)
    step_len = np.hypot(np.diff(traj.x, axis=0), np.diff(traj.y, axis=0))
    v_mid = 0.5 * (traj.v[1:] + traj.v[:-1])
    # (entering or leaving the scene, a steady background vehicle is placed, not moved)
    present = traj.active[1:] & traj.active[:-1]
    assert np.all((step_len <= v_mid * dt + 1e-6) | ~present), "an agent jumped"
    # speeds and accelerations within each agent's limits
    assert np.all(traj.v >= 0.0)
    assert np.all(traj.v <= np.maximum(st.v0, traj.v[0])[None, :] * 1.05 + 0.5), (
        "faster than desired"
    )
    assert np.all(traj.a >= -st.b_max[None, :] - 1e-9), "braked harder than the vehicle can"
    a_cap = np.maximum(st.a_max, np.where(np.isnan(st.acc_override), 0.0, st.acc_override))
    assert np.all(traj.a[1:] <= np.maximum(a_cap, 3.0)[None, :] + 1e-9), (
        "accelerated harder than allowed"
    )
    # heading rate of vehicles within the bicycle model's reach: |yaw'| <= v tan(steer_max) / L
    vehicles = ~st.walker
    yaw_rate = np.where(present, np.abs(np.angle(np.exp(1j * np.diff(traj.yaw, axis=0)))) / dt, 0)
    bound = v_mid * np.tan(st.steer_max)[None, :] / np.maximum(st.wheelbase, 0.5)[None, :] + 1e-6
    assert np.all(yaw_rate[:, vehicles] <= bound[:, vehicles]), (
        "turned faster than its steering allows"
    )
    assert not traj.collisions, f"collisions: {traj.collisions[:3]}"
