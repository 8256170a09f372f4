"""An OpenDRIVE road of lines, arcs and spirals as sim's own Road (the bridge)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.road.opendrive import OpenDriveError, load_opendrive
from sim.road.opendrive.bridge import network_from_opendrive

from helpers.paths import REPO

CORPUS = REPO / "tests" / "data" / "xodr"


def _lane(lane_id, kind, width):
    width = f'<width sOffset="0" a="{width}" b="0" c="0" d="0"/>'
    return f'<lane id="{lane_id}" type="{kind}">{width}</lane>'


def _write(tmp_path, geometries: str, offset: str = "") -> str:
    lanes = (
        f'<left>{_lane(1, "driving", 3.5)}</left><center><lane id="0" type="none"/></center>'
        f"<right>{_lane(-1, 'driving', 3.5)}{_lane(-2, 'driving', 3.5)}{_lane(-3, 'shoulder', 1.0)}"
        f"{_lane(-4, 'sidewalk', 2.0)}</right>"
    )
    text = f"""<OpenDRIVE><header revMajor="1" revMinor="6"/>
    <road id="7" length="1" junction="-1">
    <type s="0" type="rural"><speed max="80" unit="km/h"/></type>
    <planView>{geometries}</planView><lanes>{offset}<laneSection s="0">{lanes}</laneSection></lanes>
    </road></OpenDRIVE>"""
    path = tmp_path / "road.xodr"
    path.write_text(text)
    return str(path)


def _chain(pieces):
    """<geometry> records chained by the importer's exact evaluation of each piece."""
    from sim.road.opendrive import parse_opendrive
    from sim.road.opendrive.network import OpenDriveNetwork

    x = y = h = s = 0.0
    out = []
    for length, body in pieces:
        out.append(
            f'<geometry s="{s!r}" x="{x!r}" y="{y!r}" hdg="{h!r}" length="{length}">'
            f"{body}</geometry>"
        )
        one = OpenDriveNetwork(parse_opendrive(
            f"""<OpenDRIVE><header revMajor="1" revMinor="6"/><road id="r" length="{length}"
            junction="-1"><planView>{out[-1].replace(f's="{s!r}"', 's="0.0"')}</planView><lanes>
            <laneSection s="0"><center><lane id="0" type="none"/></center><right>
            {_lane(-1, "driving", 3)}</right></laneSection></lanes></road></OpenDRIVE>""".encode()
        ))  # fmt: skip
        x, y, h = (float(v) for v in one.reference_pose("r", [length])[0][:3])
        s += length
    return "".join(out)


PIECES = [
    (60.0, "<line/>"),
    (40.0, '<spiral curvStart="0" curvEnd="0.02"/>'),
    (50.0, '<arc curvature="0.02"/>'),
    (40.0, '<spiral curvStart="0.02" curvEnd="-0.01"/>'),
    (30.0, '<arc curvature="-0.01"/>'),
]


def test_lines_arcs_and_spirals_become_a_sim_road(tmp_path):
    bridged = network_from_opendrive(_write(tmp_path, _chain(PIECES)))
    road = bridged.network.main
    assert (road.lanes, road.oncoming_lanes, road.lane_width) == (2, 1, 3.5)
    assert (road.shoulder_width, road.sidewalk_width) == (1.0, 2.0)
    assert road.speed_limit == pytest.approx(80 / 3.6)
    assert [bridged.sim_lane(i) for i in (-2, -1, 1)] == [0, 1, 2]
    assert any("approximated by arcs: 2 spiral" in n for n in bridged.notes)
    assert 0.0 < bridged.max_error < 2e-3
    odr = bridged.odr
    s = np.linspace(0.5, 219.5, 300)
    for lane_id in (-2, -1, 1):
        t = odr.lane_center("7", lane_id, s)
        s_sim, d_sim = bridged.to_sim(s, t)
        want = road.lane_center(bridged.sim_lane(lane_id))
        assert np.max(np.abs(d_sim[s < 60.0] - want)) < 1e-9  # the line: exact
        # the spirals' drift, summed: 0.02/40 * 0.25 * 40/12 + 0.03/40 * 0.25 * 40/12
        assert np.max(np.abs(d_sim - want)) < 1.05e-3
        assert np.all(np.diff(s_sim) > 0)


def test_arc_only_road_is_exact(tmp_path):
    bridged = network_from_opendrive(
        _write(tmp_path, _chain([(30.0, "<line/>"), (80.0, '<arc curvature="-0.015"/>')]))
    )
    s = np.linspace(1.0, 109.0, 50)
    t = bridged.odr.lane_center("7", -2, s)
    s_sim, d_sim = bridged.to_sim(s, t)
    assert np.max(np.abs(d_sim - 1.75)) < 1e-9
    # arc length along sim's reference (the right edge, 7 m right of the centre line)
    assert s_sim[-1] == pytest.approx(30.0 + 79.0 * (1 - 0.015 * 7.0) + 0.0, abs=1e-6)
    assert bridged.network.main.length == pytest.approx(30.0 + 80.0 * (1 - 0.015 * 7.0))
    assert not any("approximated" in n for n in bridged.notes)


def test_poly3_and_param_poly3_become_arcs_within_the_bound(tmp_path):
    """poly3 / paramPoly3 are cut into arcs of their exact heading change; sim's lane
    centres stay within a few millimetres of the file's (bounded by MAX_LATERAL_ERROR)."""
    pieces = [
        (30.0, "<line/>"),
        (60.0, '<poly3 a="0" b="0" c="0.002" d="-0.00002"/>'),
        (
            50.0,
            '<paramPoly3 aU="0" bU="50" cU="0" dU="0" aV="0" bV="0" cV="4" dV="-1" '
            'pRange="normalized"/>',
        ),
    ]
    bridged = network_from_opendrive(_write(tmp_path, _chain(pieces)))
    assert any("1 paramPoly3, 1 poly3" in n for n in bridged.notes)
    assert bridged.max_error < 5e-3
    road = bridged.network.main
    s = np.linspace(0.5, 139.5, 200)
    for lane_id in (-2, -1, 1):
        t = bridged.odr.lane_center("7", lane_id, s)
        _, d_sim = bridged.to_sim(s, t)
        assert np.max(np.abs(d_sim - road.lane_center(bridged.sim_lane(lane_id)))) < 5e-3


def test_constant_lane_offset_and_mean_width(tmp_path):
    offset = '<laneOffset s="0" a="0.5" b="0" c="0" d="0"/>'
    bridged = network_from_opendrive(_write(tmp_path, _chain(PIECES[:3]), offset))
    assert bridged.lane_offset == 0.5
    s = np.linspace(0.5, 149.5, 100)
    for lane_id in (-2, -1, 1):  # exact on the line, spiral drift only elsewhere
        _, d_sim = bridged.to_sim(s, bridged.odr.lane_center("7", lane_id, s))
        want = bridged.network.main.lane_center(bridged.sim_lane(lane_id))
        assert np.max(np.abs(d_sim - want)) < 1e-3
    sg = network_from_opendrive(CORPUS / "sg_curve.xodr")  # laneOffset 0.5, spirals
    assert sg.lane_offset == 0.5 and sg.max_error < 2e-3
    # widths 3.4 .. 3.6 along the road: the mean, noted
    path = _write(tmp_path, _chain(PIECES[:1]))
    text = (
        open(path)
        .read()
        .replace(
            'id="-1" type="driving"><width sOffset="0" a="3.5" b="0"',
            'id="-1" type="driving"><width sOffset="0" a="3.4" b="0.00333333333"',
        )
    )
    open(path, "w").write(text)
    wide = network_from_opendrive(path)
    assert any("lane width: the mean" in n for n in wide.notes)
    assert wide.network.main.lane_width == pytest.approx(3.5, abs=0.01)
    assert any("up to 0.100 m" in n for n in wide.notes)


def test_what_the_bridge_refuses(tmp_path):
    with pytest.raises(OpenDriveError, match="laneOffset that varies"):
        network_from_opendrive(CORPUS / "geometries.xodr")
    offset = '<laneOffset s="0" a="0.5" b="0.01" c="0" d="0"/>'
    with pytest.raises(OpenDriveError, match="laneOffset that varies"):
        network_from_opendrive(_write(tmp_path, _chain(PIECES[:1]), offset))
    path = _write(tmp_path, _chain(PIECES[:1]))
    text = open(path).read().replace('a="3.5" b="0"', 'a="3.5" b="0.02"', 1)
    open(path, "w").write(text)
    with pytest.raises(OpenDriveError, match="widths from"):
        network_from_opendrive(path)
    assert math.isfinite(load_opendrive(CORPUS / "sg_junction.xodr").total_length)
    bridged = network_from_opendrive(CORPUS / "sg_junction.xodr")  # road 1 of the junction
    assert bridged.road_id == "1" and any("dropped: junctions" in n for n in bridged.notes)


def test_traffic_drives_the_bridged_road(tmp_path):
    """Three cars in the forward lanes of the bridged road (line, spirals, arcs) follow
    their lanes through the curves: after 8 s they are still on their lane centres."""
    from sim.traffic.world import World

    from helpers.traffic import make_state

    bridged = network_from_opendrive(_write(tmp_path, _chain(PIECES)))
    road = bridged.network.main
    state = make_state(road, [0, 1, 0], [5.0, 10.0, 30.0], [12.0, 14.0, 12.0])
    world = World(bridged.network, state, dt=0.05)
    for _ in range(160):
        world.step()
    assert np.all(world.state.s > 80.0)  # into or past the first spiral (s 60-100)
    assert np.max(np.abs(world.state.d - road.lane_center(world.state.lane))) < 0.3
    assert not world.state.collided.any()
