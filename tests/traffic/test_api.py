"""The public Python API of the traffic engine (issue 13): every constructor gives physical
defaults or demands the values, a World can be built from Python in a line, and the example
in docs/traffic.md runs."""

from __future__ import annotations

import math
import re
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from sim.classes import BY_NAME
from sim.road import Network, Road
from sim.traffic import params as P
from sim.traffic.state import AgentState
from sim.traffic.world import World, simulate

DOCS = Path(__file__).resolve().parents[2] / "docs" / "traffic.md"
DT = 0.05  # [s]


def test_empty_gives_every_parameter_its_physical_default():
    st = AgentState.empty(3)
    assert st.id.tolist() == [1, 2, 3] and (st.cls == BY_NAME["car"].id).all()
    want = {
        "b_max": P.MAX_BRAKE,
        "steer_max": P.MAX_STEER,
        "steer_rate_max": P.MAX_STEER_RATE,
        "length": P.CAR_LENGTH,
        "width": P.CAR_WIDTH,
        "height": P.CAR_HEIGHT,
        "wheelbase": P.CAR_WHEELBASE,
        "v0": P.DESIRED_SPEED,
        "T": P.IDM_TIME_HEADWAY,
        "s0": P.IDM_MIN_GAP,
        "a_max": P.IDM_MAX_ACCEL,
        "b_comf": P.IDM_COMFORT_DECEL,
        "delta": P.IDM_DELTA,
        "look_min": P.LOOKAHEAD_MIN,
        "dirn": 1.0,
        "politeness": P.MOBIL_POLITENESS,
        "b_safe": P.MOBIL_SAFE_DECEL,
    }
    for name, value in want.items():
        assert (getattr(st, name) == value).all(), name
    st.validate()  # nothing left at a value that cannot be physical
    # what is left to the caller: where they are (d_ref NaN = the lane they start in)
    assert (st.x == 0).all() and (st.v == 0).all() and np.isnan(st.d_ref).all()
    assert len(AgentState.empty(0)) == 0
    with pytest.raises(ValueError):
        AgentState.empty(-1)


def _follower_world(build: str) -> World:
    """A car standing at s = 150 m (held by a scripted brake) and a follower at 20 m/s 100 m
    behind it in the same lane, built through one of the public ways."""
    road = Road.straight(400.0, 2, 3.5)
    if build == "from_agents":
        return World.from_agents(
            road, s=[150.0, 50.0], lane=0, v=[0.0, 20.0], dt=DT, acc_override=[-2.0, np.nan]
        )
    if build == "vehicles":
        st = AgentState.vehicles(road, [150.0, 50.0], lane=[0, 0], v=[0.0, 20.0])
        st.acc_override[0] = -2.0
        return World(road, st, DT)
    # the trap of issue 13: empty() and only a pose and a speed filled in by hand
    st = AgentState.empty(2)
    st.x[:] = [150.0, 50.0]
    st.y[:] = 1.75  # lane 0's centre
    st.v[:] = [0.0, 20.0]
    st.v0[:] = [0.1, 20.0]
    st.acc_override[0] = -2.0
    return World(Network(road), st, DT)


@pytest.mark.parametrize("build", ["from_agents", "vehicles", "empty"])
def test_a_follower_built_from_python_brakes_and_stops_behind_a_stopped_car(build):
    world = _follower_world(build)
    traj = simulate(world, 300)  # 15 s
    assert not traj.collisions and not traj.collided.any()
    assert traj.v[-1, 1] < 0.05 and traj.v[-1, 0] == 0.0
    # IDM stops s0 = 2 m behind (bumper to bumper), braking harder than comfortable but
    # within the physical limit, and stays in its lane
    assert traj.gap[-1, 1] == pytest.approx(P.IDM_MIN_GAP, abs=0.2)
    assert -P.MAX_BRAKE <= traj.a[:, 1].min() < -P.IDM_COMFORT_DECEL
    assert np.abs(traj.y[:, 1] - 1.75).max() < 1e-6 and (traj.lane[:, 1] == 0).all()


def test_vehicles_places_them_on_their_lanes_with_the_defaults_and_the_given_values():
    road = Road.straight(500.0, 2, 3.5, oncoming_lanes=1)
    st = AgentState.vehicles(
        road,
        [10.0, 40.0, 300.0],
        lane=[0, 1, 2],
        v=[15.0, 0.0, 12.0],
        length=[4.5, 12.0, 4.5],
        mobil=True,
    )
    np.testing.assert_allclose(st.d_ref, [1.75, 5.25, 8.75])
    assert st.dirn.tolist() == [1.0, 1.0, -1.0]  # lane 2 is oncoming: it drives towards -s
    assert st.yaw[2] == pytest.approx(math.pi)
    assert st.v0.tolist() == [15.0, road.speed_limit, 12.0]  # standing: the speed limit
    assert st.length.tolist() == [4.5, 12.0, 4.5] and st.mobil.all()
    assert (st.b_max == P.MAX_BRAKE).all()


def test_unknown_fields_and_values_that_cannot_be_physical_are_refused():
    road = Road.straight(500.0, 2, 3.5)
    with pytest.raises(TypeError, match="no field 'b_mx'"):
        AgentState.vehicles(road, [10.0], b_mx=3.0)
    with pytest.raises(ValueError, match="lane must be in 0..1"):
        AgentState.vehicles(road, [10.0], lane=2)
    with pytest.raises(ValueError, match="b_max must be > 0"):
        World.from_agents(road, s=[10.0, 50.0], b_max=[9.0, 0.0])
    st = AgentState.vehicles(road, [10.0, 50.0])
    st.wheelbase[1] = 0.0  # a state zeroed by hand is refused by the World as well
    with pytest.raises(ValueError, match=r"wheelbase must be > 0 \(agent 1"):
        World(road, st, DT)
    st = AgentState.vehicles(road, [10.0])
    st.v[0] = np.nan
    with pytest.raises(ValueError, match="v must be finite"):
        World(road, st, DT)
    with pytest.raises(ValueError, match="dt must be"):
        World(road, AgentState.vehicles(road, [10.0]), float("nan"))
    with pytest.raises(ValueError, match="parallel must be"):
        World(road, AgentState.vehicles(road, [10.0]), DT, parallel="yes")


def test_every_field_of_empty_has_the_shape_and_a_dtype():
    st = AgentState.empty(4)
    for f in fields(st):
        assert getattr(st, f.name).shape == (4,), f.name


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_the_python_example_in_docs_traffic_md_runs(capsys):
    blocks = _python_blocks(DOCS.read_text())
    assert blocks, "docs/traffic.md shows how to build a world from Python"
    for code in blocks:
        exec(compile(code, str(DOCS), "exec"), {"__name__": "docs_example"})
    assert "collisions: 0" in capsys.readouterr().out
