"""Kernel boundaries: the bundles' validation (a wrong dtype, length or layout is a
ValueError naming the field), the public wrappers, and the serial and threaded twins
(compiled and cached apart, bit-identical)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.road import Road, Segment
from sim.traffic import kernels
from sim.traffic.kernels import (
    Agents,
    Boxes,
    Grid,
    Idm,
    LanePath,
    Limits,
    Traffic,
    lane_change,
    motion,
    ordering,
)
from sim.traffic.kernels import collisions as collision_module
from sim.traffic.world import World, simulate

from helpers.traffic import bundle, make_state

DT = 0.05


def test_validate_names_the_field_with_a_wrong_dtype_length_or_layout():
    n = 5
    agents = bundle(Agents, n)
    assert kernels.validate(agents, bundle(Idm, n)) == n
    with pytest.raises(ValueError, match=r"Agents\.lane must be int32, got int64"):
        kernels.validate(agents._replace(lane=np.zeros(n, np.int64)))
    with pytest.raises(ValueError, match=r"Idm\.v0 has 4 entries, expected 5"):
        kernels.validate(agents, bundle(Idm, 4))
    with pytest.raises(ValueError, match=r"Limits\.b_max must be C-contiguous"):
        kernels.validate(bundle(Limits, n)._replace(b_max=np.zeros(2 * n)[::2]))
    with pytest.raises(ValueError, match=r"LanePath\.lc_active must be a numpy array"):
        kernels.validate(bundle(LanePath, n)._replace(lc_active=[False] * n))
    with pytest.raises(ValueError, match=r"Boxes\.x must have 1 dimension"):
        kernels.validate(bundle(Boxes, n)._replace(x=np.zeros((n, 2))))


def test_the_public_wrappers_refuse_a_bad_bundle_before_any_kernel_runs():
    road = Road.straight(500.0, 2, 3.5)
    world = World(road, make_state(road, [0, 1], [10.0, 40.0], [10.0, 12.0]), DT)
    done = np.zeros(2, bool)
    args = (world._roads, world._agents, world._idm, world._limits, world._path, world._traffic)
    kernels.step(DT, *args, done)
    assert world.state.x[0] > 10.0
    with pytest.raises(ValueError, match=r"Traffic\.leader must be int32"):
        kernels.refresh(
            world._roads,
            world._agents,
            world._path,
            world._traffic._replace(leader=np.zeros(2, np.int64)),
        )
    with pytest.raises(ValueError, match=r"Roads\.lane_wall has 3 rows, expected 2"):
        kernels.step(
            DT,
            world._roads._replace(lane_wall=np.zeros(3), lane_signal=np.zeros(3)),
            *args[1:],
            done,
        )
    with pytest.raises(ValueError, match="done must be"):
        kernels.step(DT, *args, np.zeros(3, bool))
    with pytest.raises(ValueError, match="dt must be > 0"):
        kernels.step(0.0, *args, done)
    with pytest.raises(ValueError, match=r"Grid\.key must be int64"):
        kernels.find_collisions(Grid(np.arange(2), np.zeros(2)), bundle(Boxes, 2))
    with pytest.raises(ValueError, match=r"Traffic\.key has 2 entries, expected 3"):
        kernels.validate(bundle(Traffic, 2)._replace(order=np.arange(3)))


def test_a_world_refuses_a_state_whose_arrays_have_the_wrong_dtype():
    road = Road.straight(500.0, 1, 3.5)
    st = make_state(road, [0], [10.0], [10.0])
    st.lane = st.lane.astype(np.int64)
    with pytest.raises(ValueError, match=r"Agents\.lane must be int32"):
        World(road, st, DT)


@pytest.mark.parametrize(
    "module, name",
    [
        (motion, "_step"),
        (ordering, "_refresh"),
        (collision_module, "_collisions"),
        (lane_change, "_mobil"),
    ],
)
def test_threaded_kernels_are_cached_apart_from_the_serial_ones(module, name):
    # Numba's disk cache keys a function by module, qualified name, signature and bytecode,
    # not by compile options: a threaded kernel compiled from the serial one's function
    # would load the serial machine code from the cache (or the other way round)
    serial = getattr(module, name)
    threaded = getattr(module, name + "_parallel")
    assert threaded.targetoptions.get("parallel") and not serial.targetoptions.get("parallel")
    assert serial.py_func.__qualname__ != threaded.py_func.__qualname__
    assert serial.py_func.__code__.co_code == threaded.py_func.__code__.co_code


@pytest.mark.slow  # long: runs in .ci/run's slow pass
def test_parallel_and_serial_step_give_identical_trajectories():
    """1,500 agents (the threaded kernels cut them into pieces), MOBIL on, some braking to a
    stop and some walkers crossing: bit for bit the serial trajectory."""
    road = Road(lanes=3, lane_width=3.5, segments=(Segment(20000.0),), sidewalk_width=2.0)
    rng = np.random.default_rng(6)
    n = 1500
    s = np.sort(rng.choice(np.arange(0, 19000, 12.0), n, replace=False))
    runs = []
    for parallel in (False, "always"):
        st = make_state(
            road, np.arange(n) % 3, s, 15.0 + np.arange(n) % 7 * 2.0, v0=np.full(n, 30.0)
        )
        st.mobil[:] = True
        st.acc_override[::97] = -4.0
        walkers = np.arange(5, n, 150)
        st.walker[walkers] = True
        st.v[walkers], st.v0[walkers] = 1.4, 1.4
        st.length[walkers], st.width[walkers] = 0.5, 0.5
        st.tgt_s[walkers] = st.s[walkers] + 3.0
        st.d_ref[walkers] = 12.0  # across the road
        traj = simulate(World(road, st, DT, parallel=parallel), 80)
        runs.append(
            b"".join(
                getattr(traj, f).tobytes()
                for f in ("x", "y", "yaw", "v", "lane", "leader", "gap", "collided")
            )
        )
    assert runs[0] == runs[1]
