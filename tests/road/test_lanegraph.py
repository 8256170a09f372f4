"""An OpenDRIVE map as sim's lane graph (sim.road.opendrive.lanegraph)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.road.graph import CONTINUITY_TOL, PhasePlan, classify_turn
from sim.road.opendrive import (
    OpenDriveError,
    OpenDriveNetwork,
    graph_from_opendrive,
    load_opendrive,
    odr_to_graph,
    parse_opendrive,
    world_to_graph,
)

CORPUS = Path(__file__).resolve().parents[1] / "data" / "xodr"


@pytest.fixture(scope="module")
def junction():
    return graph_from_opendrive(CORPUS / "sg_junction.xodr")


@pytest.fixture(scope="module")
def lane_drop():
    return graph_from_opendrive(CORPUS / "lane_drop.xodr")


def _piece(net, road_id, side, section=0, lane_id=None):
    for r, p in enumerate(net.pieces):
        if (p.road_id, p.side, p.section) == (road_id, side, section) and (
            lane_id is None or lane_id in p.lane_ids
        ):
            return r
    raise KeyError((road_id, side, section, lane_id))


def _end_heading(road) -> float:
    return road.origin[2] + sum(seg.length * seg.curvature for seg in road.segments)


def _gap(net, link) -> float:
    a, b = net.roads[link.road], net.roads[link.to_road]
    xa, ya, _ = a.to_world([a.length], [a.lane_center(link.lane)])
    xb, yb, _ = b.to_world([0.0], [b.lane_center(link.to_lane)])
    return math.hypot(float(xa[0] - xb[0]), float(ya[0] - yb[0]))


# ---------------------------------------------------------------------------- junction
def test_junction_pieces_links_and_turns(junction):
    net = junction
    # 4 arms + 6 connecting roads, each one lane a side -> one piece per side
    assert len(net.roads) == 20
    assert all(rd.lanes == 1 and rd.lane_width == pytest.approx(3.0) for rd in net.roads)
    assert net.junction_of.count("100") == 12 and net.junction_of.count(None) == 8
    assert net.source is not None and len(net.pieces) == 20
    # 4 arms x 3 movements in, and out again
    assert len(net.links) == 24
    assert all(_gap(net, lk) <= CONTINUITY_TOL for lk in net.links)
    assert max(p.deviation for p in net.pieces) < 2e-3
    for arm in ("1", "2", "3", "4"):
        r = _piece(net, arm, "right")
        h_in = _end_heading(net.roads[r])
        succ = net.successors(r, 0)
        assert sorted(lk.turn for lk in succ) == ["left", "right", "straight"]
        for lk in succ:
            assert net.junction_of[lk.to_road] == "100"
            (out,) = net.successors(lk.to_road, lk.to_lane)
            assert net.junction_of[out.to_road] is None and out.turn == lk.turn
            assert net.pieces[out.to_road].side == "left"  # leaves on the other arm's left
            # expected from where the exit arm leads: its heading at its start
            assert lk.turn == classify_turn(h_in, net.roads[out.to_road].origin[2])
    # road 1 heads east: left leads north (road 4, which starts at y = 120), right south
    r1 = _piece(net, "1", "right")
    by_turn = {
        lk.turn: net.pieces[net.successors(lk.to_road, 0)[0].to_road].road_id
        for lk in net.successors(r1, 0)
    }
    assert by_turn == {"left": "4", "straight": "3", "right": "2"}
    assert net.roads[r1].origin[2] == pytest.approx(0.0)


def test_junction_conflicts(junction):
    net = junction

    def movement(arm, turn):
        (lk,) = [x for x in net.successors(_piece(net, arm, "right"), 0) if x.turn == turn]
        return lk.to_road, lk.to_lane

    ew, ns = movement("1", "straight"), movement("2", "straight")
    assert ns in net.conflicts[ew] and ew in net.conflicts[ns]
    # road 1's left turn crosses road 3's straight (opposite approach)
    assert movement("3", "straight") in net.conflicts[movement("1", "left")]
    # the right turns of opposite approaches (1 -> south, 3 -> north) never touch
    assert movement("3", "right") not in net.conflicts[movement("1", "right")]
    assert movement("1", "right") not in net.conflicts[movement("3", "right")]


def test_lane_centres_match_the_file_on_curved_connecting_roads(junction):
    odr = junction.source
    for road_id in ("100", "101", "105"):
        length = odr.road(road_id).length
        for lane_id in (-1, 1):
            for s in np.linspace(0.5, length - 0.5, 7):
                r, k, s_sim, d_sim = odr_to_graph(junction, road_id, lane_id, float(s))
                x, y, _ = junction.roads[r].to_world([s_sim], [d_sim])
                t = odr.lane_center(road_id, lane_id, [s])
                want = odr.to_world(road_id, [s], t)[0]
                # the mapping (sim's to_lane / to_world round trip on 0.5 m samples: ~mm)
                assert math.hypot(x[0] - want[0], y[0] - want[1]) < 5e-3
                # the piece's own lane centre there is the file's lane centre
                assert abs(d_sim - junction.roads[r].lane_center(k)) < 0.02


def test_signal_on_the_generated_junction(junction):
    # one light (road 1), no controller: a group for road 1's lane entering the junction
    r1 = _piece(junction, "1", "right")
    assert junction.groups == {(r1, 0): "road 1"}
    assert junction.plans == {"100": PhasePlan(("road 1",), 15.0, 3.0, 2.0)}
    (head,) = junction.signal_heads
    assert (head.x, head.y) == pytest.approx((95.0, -4.0))
    assert math.cos(head.yaw) == pytest.approx(-1.0)  # faces drivers heading east


def test_spirals_and_superelevation_left_and_right():
    """sg_curve: line - spiral - arc - spiral, a lane offset of 0.5 m and superelevation up
    to 0.095 rad (the plan view narrows the lanes by cos(phi))."""
    net = graph_from_opendrive(CORPUS / "sg_curve.xodr")
    odr = net.source
    assert net.names == ("road 1 s0 right", "road 1 s0 left")
    assert max(p.deviation for p in net.pieces) < 2e-3
    length = odr.road("1").length
    worst = 0.0
    for lane_id in (-2, -1, 1, 2):
        for s in np.linspace(0.5, length - 0.5, 25):
            r, k, s_sim, _ = odr_to_graph(net, "1", lane_id, float(s))
            rd = net.roads[r]
            x, y, _ = rd.to_world([s_sim], [rd.lane_center(k)])
            want = odr.to_world("1", [s], odr.lane_center("1", lane_id, [s]))[0]
            worst = max(worst, math.hypot(x[0] - want[0], y[0] - want[1]))
    assert worst < 0.02
    # the left piece runs from s = 190 back to 0: its sim s grows as OpenDRIVE s falls
    r_a, _, s_a, _ = odr_to_graph(net, "1", 1, 10.0)
    r_b, _, s_b, _ = odr_to_graph(net, "1", 1, 150.0)
    assert r_a == r_b and s_a > s_b


# ---------------------------------------------------------------------------- signals
def test_two_controllers_make_two_phases_and_priorities():
    net = graph_from_opendrive(CORPUS / "signal_junction.xodr", green=20.0, amber=4.0)
    arm = {a: _piece(net, a, "right") for a in "1234"}
    assert net.groups == {
        (arm["1"], 0): "controller 1",
        (arm["3"], 0): "controller 1",
        (arm["2"], 0): "controller 2",
        (arm["4"], 0): "controller 2",
    }
    plan = net.plans["100"]
    assert plan == PhasePlan(("controller 1", "controller 2"), 20.0, 4.0, 2.0)
    # east-west green together while north-south is red, then the other way round
    assert net.signal_state(1.0) == {"controller 1": "green", "controller 2": "red"}
    assert net.signal_state(27.0) == {"controller 1": "red", "controller 2": "green"}
    heads = {h.group: [] for h in net.signal_heads}
    for h in net.signal_heads:
        heads[h.group].append(h)
    assert len(net.signal_heads) == 4
    # road 2 runs north: its light at s=95, t=-4 stands at (124, -25) facing south
    (h2,) = [h for h in heads["controller 2"] if h.y < 0]
    assert (h2.x, h2.y) == pytest.approx((124.0, -25.0))
    assert math.sin(h2.yaw) == pytest.approx(-1.0)
    # stop lines 1 m before the end of each signalised lane
    assert sorted((sl.road, sl.group) for sl in net.stop_lines) == sorted(
        (r, g) for (r, _), g in net.groups.items()
    )
    # <priority high=1 low=2>, <priority high=3 low=1>: 3 > 1 > 2 (and 4)
    assert net.priority == {(arm["3"], 0): 2, (arm["1"], 0): 1}


def test_lights_without_controllers_one_group_per_incoming_road():
    text = (CORPUS / "signal_junction.xodr").read_text(encoding="utf-8")
    start = text.index('    <controller id="1" name')
    text = text[:start] + text[text.index("</OpenDRIVE>") :]
    net = graph_from_opendrive(OpenDriveNetwork(parse_opendrive(text.encode())))
    assert sorted(set(net.groups.values())) == ["road 1", "road 2", "road 3", "road 4"]
    assert net.plans["100"].groups == ("road 1", "road 2", "road 3", "road 4")


# ---------------------------------------------------------------------------- sections
def test_lane_section_change_three_to_two_lanes(lane_drop):
    net = lane_drop
    names = list(net.names)
    assert names == [
        "road 1 s0 right",
        "road 1 s0 left",
        "road 1 s1 right",
        "road 1 s1 left",
        "road 2 s0 right lanes -1",
        "road 2 s0 right lanes -2",
        "road 2 s0 left",
    ]
    p = {n: r for r, n in enumerate(names)}
    lanes = [rd.lanes for rd in net.roads]
    assert lanes == [3, 3, 2, 2, 1, 1, 2]
    assert net.pieces[p["road 1 s0 right"]].lane_ids == (-3, -2, -1)  # sim lane 0: outermost
    assert net.pieces[p["road 1 s1 left"]].lane_ids == (2, 1)
    got = {(lk.road, lk.lane, lk.to_road, lk.to_lane) for lk in net.links}
    want = {
        # right lanes, +s: -2 -> -2, -1 -> -1; lane -3 ends at the section change
        (p["road 1 s0 right"], 1, p["road 1 s1 right"], 0),
        (p["road 1 s0 right"], 2, p["road 1 s1 right"], 1),
        # left lanes run -s: section 1 -> section 0; lane 3 begins there
        (p["road 1 s1 left"], 0, p["road 1 s0 left"], 1),
        (p["road 1 s1 left"], 1, p["road 1 s0 left"], 2),
        # road 1 -> road 2 (successor, contact start) and back on the left
        (p["road 1 s1 right"], 1, p["road 2 s0 right lanes -1"], 0),
        (p["road 1 s1 right"], 0, p["road 2 s0 right lanes -2"], 0),
        (p["road 2 s0 left"], 0, p["road 1 s1 left"], 0),
        (p["road 2 s0 left"], 1, p["road 1 s1 left"], 1),
    }
    assert got == want
    assert all(lk.turn == "straight" for lk in net.links)
    assert all(_gap(net, lk) <= 1e-3 for lk in net.links)
    # the left pieces start at the section's high-s end, heading against the reference
    left0 = net.roads[p["road 1 s1 left"]]
    end = net.source.reference_pose("1", [120.0])[0]
    assert math.cos(left0.origin[2] - end[2]) == pytest.approx(-1.0)
    # speeds: road 1 80 km/h, road 2 30 mph
    assert net.roads[0].speed_limit == pytest.approx(80 / 3.6)
    assert net.roads[-1].speed_limit == pytest.approx(30 * 0.44704)


def test_lane_centres_on_the_arc_and_the_widening_lane(lane_drop):
    net = lane_drop
    odr = net.source
    cases = [("1", i, s) for i in (-3, -2, -1, 1, 2, 3) for s in (5.0, 30.0, 52.0, 59.0)]
    cases += [("1", i, s) for i in (-2, -1, 1, 2) for s in (61.0, 90.0, 119.0)]
    cases += [("2", i, s) for i in (-2, -1, 1, 2) for s in (1.0, 20.0, 39.0)]
    for road_id, lane_id, s in cases:
        r, k, s_sim, d_sim = odr_to_graph(net, road_id, lane_id, s)
        rd = net.roads[r]
        x, y, _ = rd.to_world([s_sim], [rd.lane_center(k)])
        want = odr.to_world(road_id, [s], odr.lane_center(road_id, lane_id, [s]))[0]
        assert math.hypot(x[0] - want[0], y[0] - want[1]) < 0.02, (road_id, lane_id, s)
    # the widening lane (3.5 -> 4.5 m) is a piece of its own: its centre stays exact
    (widening,) = [pc for pc in net.pieces if pc.lane_ids == (-2,) and pc.road_id == "2"]
    assert widening.center_error < 1e-9
    assert any("3.50..4.50" in n for n in net.notes)
    # the arc at a constant offset is exact: a parallel arc of radius 100 - 3.5 * 2
    arc = [seg for seg in net.roads[net.names.index("road 1 s1 left")].segments]
    assert arc[-1].curvature == pytest.approx(-1.0 / (100.0 - 7.0))


def test_positions_and_errors(lane_drop):
    net = lane_drop
    odr = net.source
    xyzh = odr.to_world("1", [30.0], odr.lane_center("1", -2, [30.0]) + 0.4)[0]
    r, k, s_sim, d_sim = world_to_graph(net, float(xyzh[0]), float(xyzh[1]))
    assert net.names[r] == "road 1 s0 right" and k == 1
    assert s_sim == pytest.approx(30.0, abs=1e-6)
    assert d_sim == pytest.approx(net.roads[r].lane_center(1) + 0.4, abs=1e-6)
    # at the section change (s = 60) the later section holds s, as in OpenDriveNetwork
    r, k, s_sim, _ = odr_to_graph(net, "1", -1, 60.0)
    assert (net.names[r], k, s_sim) == ("road 1 s1 right", 1, pytest.approx(0.0, abs=1e-6))
    r, k, s_sim, _ = odr_to_graph(net, "1", 1, 60.0)  # the left piece ends there
    assert (net.names[r], s_sim) == ("road 1 s1 left", pytest.approx(net.roads[r].length))
    with pytest.raises(OpenDriveError, match="not a drivable lane"):
        odr_to_graph(net, "1", -4, 10.0)  # the shoulder
    with pytest.raises(OpenDriveError, match="not a drivable lane"):
        odr_to_graph(net, "1", -3, 80.0)  # lane -3 is a shoulder after s = 60


def test_narrow_lanes_are_dropped_with_a_note():
    text = (CORPUS / "lane_drop.xodr").read_text(encoding="utf-8")
    text = text.replace('<lane id="-3" type="driving" level="false"><link></link>'
                        '<width sOffset="0" a="3.5"', '<lane id="-3" type="driving" '
                        'level="false"><link></link><width sOffset="0" a="1.2"')  # fmt: skip
    net = graph_from_opendrive(OpenDriveNetwork(parse_opendrive(text.encode())))
    assert net.pieces[0].lane_ids == (-2, -1)
    assert any("lane -3 dropped (mean width 1.20 m" in n for n in net.notes)


def test_discontinuous_links_are_dropped_not_raised():
    # road 2 moved 0.3 m sideways: its lanes no longer meet road 1's
    text = (CORPUS / "lane_drop.xodr").read_text(encoding="utf-8")
    odr = parse_opendrive(text.encode())
    y2 = odr.road("2").geometries[0].y
    text = text.replace(f'y="{y2!r}"', f'y="{y2 + 0.3!r}"')
    net = graph_from_opendrive(OpenDriveNetwork(parse_opendrive(text.encode())))
    assert len(net.links) == 4  # only the section change inside road 1
    assert any("4 lane links dropped" in n and "in the file 0.30 m" in n for n in net.notes)


def test_a_lane_given_by_its_border_is_the_same_lane():
    text = (CORPUS / "lane_drop.xodr").read_text(encoding="utf-8")
    i = text.index('<road id="2"')
    width = '<predecessor id="-1"/></link><width sOffset="0" a="3.5" b="0" c="0.0" d="0.0"/>'
    border = '<predecessor id="-1"/></link><border sOffset="0" a="-3.5" b="0" c="0.0" d="0.0"/>'
    assert width in text[i:]
    text = text[:i] + text[i:].replace(width, border)
    net = graph_from_opendrive(OpenDriveNetwork(parse_opendrive(text.encode())))
    ref = graph_from_opendrive(CORPUS / "lane_drop.xodr")
    assert net.links == ref.links and net.names == ref.names
    r = net.names.index("road 2 s0 right lanes -1")
    assert net.roads[r].segments == ref.roads[r].segments
    assert net.roads[r].origin == pytest.approx(ref.roads[r].origin)


def test_source_may_be_a_path_or_a_network():
    a = graph_from_opendrive(str(CORPUS / "lane_drop.xodr"))
    b = graph_from_opendrive(load_opendrive(CORPUS / "lane_drop.xodr"))
    assert a.links == b.links and [r.segments for r in a.roads] == [r.segments for r in b.roads]


# ---------------------------------------------------------------------------- bench map
@pytest.mark.slow
def test_the_50_km_bench_map_converts():
    from sim.bench.opendrive import make_network_xodr

    xml, _ = make_network_xodr(50.0, np.random.default_rng(0))
    odr = OpenDriveNetwork(parse_opendrive(xml.encode()))
    net = graph_from_opendrive(odr)
    # two sections x two sides x one group of two driving lanes (the shoulder is not one)
    assert len(net.roads) == 4 * len(odr.odr.roads)
    assert all(rd.lanes == 2 for rd in net.roads)
    assert max(p.deviation for p in net.pieces) < 0.01
    assert max(p.center_error for p in net.pieces) < 0.5
    assert all(_gap(net, lk) <= CONTINUITY_TOL for lk in net.links)
