"""Scripted maneuvers and triggers, judged by physical outcome."""

from __future__ import annotations

import numpy as np
import pytest

from sim.road import Road
from sim.traffic.maneuvers import (
    Accelerate,
    CutOut,
    HardBrake,
    SetSpeed,
    Stalled,
    Stop,
    Trigger,
)
from sim.traffic.world import World, simulate

from helpers.traffic import make_state

DT = 0.05


def _events(traj, agent=None):
    return [(e.name, e.t) for e in traj.events if agent is None or e.agent == agent]


def _at(t):
    return int(round(t / DT))


def test_hard_brake_decelerates_at_the_given_rate_until_standing():
    road = Road.straight(1000.0, 1, 3.5)
    st = make_state(road, [0], [50.0], [24.0])
    traj = simulate(
        World(road, st, DT, {0: (HardBrake(8.0, trigger=Trigger("time", at=1.0)),)}), 200
    )
    start = _at(dict(_events(traj))["hard_brake_start"])
    stop = _at(dict(_events(traj))["hard_brake_done"])
    assert stop - start == pytest.approx(24.0 / 8.0 / DT, abs=1)
    np.testing.assert_allclose(traj.a[start + 1 : stop + 1, 0], -8.0)
    # braking distance v^2 / 2a
    assert traj.s[stop, 0] - traj.s[start, 0] == pytest.approx(24.0**2 / 16.0, abs=0.3)


def test_follower_stops_s0_behind_a_car_that_stops():
    road = Road.straight(2000.0, 1, 3.5)
    st = make_state(road, [0, 0], [60.0, 120.0], [20.0, 20.0], v0=[25.0, 20.0])
    traj = simulate(World(road, st, DT, {1: (Stop(3.0, Trigger("time", at=2.0)),)}), 800)
    names = [n for n, _ in _events(traj, 1)]
    assert names == ["stop_start", "stop_done"]
    assert traj.v[-1, 1] == 0.0  # the stopped car stays stopped
    assert traj.v[-1, 0] == pytest.approx(0.0, abs=0.05)
    assert traj.gap[-1, 0] == pytest.approx(2.0, abs=0.3)  # s0
    assert not traj.collided.any()


def test_stalled_car_never_moves_and_traffic_stops_behind_it():
    road = Road.straight(2000.0, 1, 3.5)
    st = make_state(road, [0, 0], [100.0, 400.0], [25.0, 0.0], v0=[25.0, 10.0])
    scripts = {1: (Stalled(), SetSpeed(20.0, Trigger("time", at=5.0)))}
    traj = simulate(World(road, st, DT, scripts), 1000)
    assert np.all(traj.x[:, 1] == traj.x[0, 1])  # the later set_speed never runs
    assert [n for n, _ in _events(traj, 1)] == ["stalled_start", "stalled_done"]
    assert traj.gap[-1, 0] == pytest.approx(2.0, abs=0.3)
    assert not traj.collided.any()


def test_mobil_traffic_overtakes_a_stalled_car():
    road = Road.straight(2000.0, 2, 3.5)
    st = make_state(road, [0, 0], [100.0, 400.0], [25.0, 0.0], v0=[25.0, 10.0])
    st.mobil[0] = True
    traj = simulate(World(road, st, DT, {1: (Stalled(),)}), 800)
    assert traj.s[-1, 0] > traj.s[-1, 1] + 50
    assert traj.v[:, 0].min() > 15.0
    assert not traj.collided.any()


def test_accelerate_to_speed_at_the_given_rate_then_hold_it():
    road = Road.straight(2000.0, 1, 3.5)
    st = make_state(road, [0], [50.0], [10.0])
    traj = simulate(
        World(road, st, DT, {0: (Accelerate(25.0, 2.0, Trigger("time", at=1.0)),)}), 400
    )
    start, done = (_at(t) for _, t in _events(traj))
    assert (done - start) * DT == pytest.approx(15.0 / 2.0, abs=DT)
    np.testing.assert_allclose(traj.a[start + 1 : done, 0], 2.0)
    assert traj.v[-1, 0] == pytest.approx(25.0, abs=0.05)


def test_accelerate_still_brakes_for_a_leader():
    road = Road.straight(2000.0, 1, 3.5)
    st = make_state(road, [0, 0], [50.0, 90.0], [10.0, 10.0])
    traj = simulate(World(road, st, DT, {0: (Accelerate(30.0, 3.0),)}), 600)
    assert not traj.collided.any()
    assert traj.gap[:, 0].min() > 1.5


def test_cut_out_reveals_a_stalled_car_when_the_gap_closes():
    """A lead car swerves left when 30 m from a stalled car; the ego behind must then brake."""
    road = Road.straight(2000.0, 2, 3.5)
    # ego 0, lead 1 (30 m ahead), stalled car 2 far ahead in the same lane
    st = make_state(road, [0, 0, 0], [100.0, 140.0, 400.0], [20.0, 20.0, 0.0], v0=[20.0, 20.0, 1.0])
    scripts = {
        1: (CutOut("left", 2.0, Trigger("gap", other=2, above=-30.0)),),  # within 30 m
        2: (Stalled(),),
    }
    traj = simulate(World(road, st, DT, scripts), 600)
    start = dict(_events(traj, 1))["cut_out_start"]
    gap_at_start = traj.s[_at(start), 2] - traj.s[_at(start), 1] - 4.5
    assert gap_at_start == pytest.approx(30.0, abs=1.0)
    assert traj.lane[-1, 1] == 1
    assert traj.leader[-1, 0] == 2  # the ego now follows the stalled car
    assert traj.v[-1, 0] == pytest.approx(0.0, abs=0.05)
    assert not traj.collided.any()


def test_cut_out_towards_no_lane_is_skipped_with_an_event():
    road = Road.straight(500.0, 2, 3.5)
    st = make_state(road, [0], [50.0], [20.0])
    traj = simulate(World(road, st, DT, {0: (CutOut("right"), SetSpeed(10.0))}), 100)
    assert [n for n, _ in _events(traj)] == [
        "cut_out_impossible",
        "set_speed_start",
        "set_speed_done",
    ]
    assert (traj.lane[:, 0] == 0).all()


def test_ttc_and_event_triggers_chain_maneuvers():
    """The lead brakes hard at t = 1 s; the follower brakes when its time to collision drops
    below 3 s; the lead drives off again once the follower has stopped (event trigger)."""
    road = Road.straight(3000.0, 1, 3.5)
    st = make_state(road, [0, 0], [50.0, 90.0], [25.0, 25.0])
    scripts = {
        0: (HardBrake(9.0, trigger=Trigger("ttc", other=1, below=3.0)),),
        1: (
            HardBrake(8.0, trigger=Trigger("time", at=1.0)),
            Accelerate(10.0, 2.0, Trigger("event", other=0, event="hard_brake_done")),
        ),
    }
    traj = simulate(World(road, st, DT, scripts), 300)
    k = _at(dict(_events(traj, 0))["hard_brake_start"])
    ttc = (traj.s[k, 1] - traj.s[k, 0] - 4.5) / (traj.v[k, 0] - traj.v[k, 1])
    assert ttc <= 3.0
    ttc_before = (traj.s[k - 1, 1] - traj.s[k - 1, 0] - 4.5) / (traj.v[k - 1, 0] - traj.v[k - 1, 1])
    assert ttc_before > 3.0  # it fired on the first step it could
    t_stopped = dict(_events(traj, 0))["hard_brake_done"]
    assert dict(_events(traj, 1))["accelerate_start"] == pytest.approx(t_stopped, abs=1e-9)
    assert not traj.collided.any()


def test_distance_trigger_on_the_ego():
    road = Road.straight(2000.0, 2, 3.5)
    st = make_state(road, [0, 1], [50.0, 300.0], [30.0, 0.0], v0=[30.0, 10.0])
    traj = simulate(
        World(
            road, st, DT, {1: (Accelerate(15.0, 2.0, Trigger("distance", other=0, below=100.0)),)}
        ),
        400,
    )
    k = _at(dict(_events(traj, 1))["accelerate_start"])
    dist = np.hypot(traj.x[k, 1] - traj.x[k, 0], traj.y[k, 1] - traj.y[k, 0])
    assert dist == pytest.approx(100.0, abs=30.0 * DT + 0.01)
    assert dist <= 100.0


# ------------------------------------------------------------------ through the scenario format
SCENARIO = """
name: maneuver_zoo
duration: 30.0
road: {length: 2000.0, lanes: 3}
ego:
  lane: 1
  s: 100.0
  speed: 25.0
  maneuvers:
    - {type: mobil, politeness: 0.2, threshold: 0.1, trigger: {type: time, at: 0.5}}
actors:
  - name: lead
    lane: 1
    s: 160.0
    speed: 25.0
    maneuvers:
      - {type: cut_out, side: right, duration: 2.0, trigger: {type: gap, to: broken, above: -40.0}}
      - {type: stop, decel: 3.0, trigger: {type: time, at: 8.0}}
      - {type: accelerate, speed: 15.0, accel: 1.5, trigger: {type: speed, to: broken, below: 0.5}}
  - name: broken
    lane: 1
    s: 500.0
    speed: 10.0
    maneuvers:
      - {type: stalled, decel: 5.0}
"""


def test_new_maneuvers_and_speed_trigger_through_the_scenario_format(tmp_path):
    from sim.assets import load_catalog
    from sim.pipeline import resolve_scenario
    from sim.scenario import load_scenario
    from sim.traffic.setup import build_world, n_steps

    path = tmp_path / "zoo.yaml"
    path.write_text(SCENARIO)
    catalog = load_catalog()
    spec = resolve_scenario(load_scenario(path), catalog, seed=1)
    world, agents = build_world(spec, catalog)
    traj = simulate(world, n_steps(spec))
    names = {(agents[e.agent].name, e.name) for e in traj.events}
    assert {
        ("ego", "mobil_start"),
        ("broken", "stalled_start"),
        ("broken", "stalled_done"),
        ("lead", "cut_out_start"),
        ("lead", "cut_out_done"),
        ("lead", "stop_start"),
        ("lead", "stop_done"),
        ("lead", "accelerate_start"),
    } <= names
    assert traj.lane[-1, 1] == 0  # the lead cut out to the right
    assert traj.v[-1, 2] == 0.0  # the broken-down car stays put
    # the ego, free to change lanes, gets past the stalled car instead of stopping behind it
    assert traj.s[-1, 0] > traj.s[-1, 2]
    assert not traj.collided.any()


# ------------------------------------------------------------------ collisions
def _crash(stop_on_collision: bool):
    """A car whose brakes give only 0.5 m/s^2 runs into a stalled one."""
    road = Road.straight(1000.0, 1, 3.5)
    st = make_state(road, [0, 0], [50.0, 120.0], [20.0, 0.0], v0=[20.0, 1.0])
    st.b_max[0] = 0.5
    world = World(road, st, DT, {1: (Stalled(),)}, stop_on_collision=stop_on_collision)
    return world, simulate(world, 200)


def test_collision_is_recorded_once_with_pair_step_and_impact_speed():
    world, traj = _crash(False)
    assert len(traj.collisions) == 1  # one contact, however many steps the boxes overlap
    c = traj.collisions[0]
    assert (c.a, c.b) == (0, 1)
    assert traj.collided[c.step].all() and not traj.collided[c.step - 1].any()
    # bumpers meet between the previous step and this one; the impact speed is the closing speed
    gap_before = traj.s[c.step - 1, 1] - traj.s[c.step - 1, 0] - 4.5
    assert gap_before > 0 and traj.s[c.step, 1] - traj.s[c.step, 0] - 4.5 <= 0
    assert c.impact_speed == pytest.approx(traj.v[c.step, 0], abs=1e-9)
    assert c.t == pytest.approx(c.step * DT)
    assert traj.s[-1, 0] > traj.s[c.step, 0]  # the episode went on


def test_stop_on_collision_freezes_the_world():
    world, traj = _crash(True)
    c = traj.collisions[0]
    assert world.stopped
    np.testing.assert_array_equal(
        traj.x[c.step :], np.broadcast_to(traj.x[c.step], traj.x[c.step :].shape)
    )


def test_every_maneuver_spec_has_one_registered_maneuver_class():
    """One maneuver, one place: each spec type of the scenario format builds its class
    through the registry (sim.traffic.maneuvers.MANEUVERS), no isinstance ladder. A map's
    'route' is no script: the Router follows it (sim.traffic.setup.attach_router)."""
    from typing import get_args

    from sim.scenario.schema import ManeuverSpec, RouteSpec
    from sim.traffic.maneuvers import MANEUVERS, Maneuver

    specs = set(get_args(get_args(ManeuverSpec)[0]))
    assert set(MANEUVERS) == specs - {RouteSpec}
    for cls in MANEUVERS.values():
        assert issubclass(cls, Maneuver)
        for method in ("from_spec", "start", "progress"):
            assert getattr(cls, method) is not getattr(Maneuver, method), (cls, method)


def test_scripts_see_a_narrow_view_of_the_world():
    from sim.traffic.maneuvers import WorldView

    road = Road.straight(500.0, 2, 3.5)
    world = World(road, make_state(road, [0], [10.0], [10.0]), DT, {0: (SetSpeed(5.0),)})
    view = world.scripts.world
    assert isinstance(view, WorldView) and not isinstance(view, World)
    assert view.roads is world.roads and view.network is world.network
