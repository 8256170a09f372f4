"""OpenDRIVE lanes and lane coordinates: widths and offsets at s, elevation and
superelevation, world <-> (s, t) round trips, the junction's connections, signals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.road.opendrive import load_opendrive

from helpers.paths import REPO
from naive import opendrive_lane_edges, opendrive_world_to_st

CORPUS = REPO / "tests" / "data" / "xodr"
pytestmark = pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")


@pytest.fixture(scope="module")
def mixed():
    return load_opendrive(CORPUS / "geometries.xodr")


@pytest.fixture(scope="module")
def junction():
    return load_opendrive(CORPUS / "sg_junction.xodr")


def test_lane_width_follows_its_polynomial(mixed):
    """Lane -1 widens 3.5 -> 4.0 m between s = 50 and 200 (cubic with flat ends): 3.75 m
    halfway; then the next section's 4.0 m; the lane offset moves every border."""
    assert mixed.lane_width("1", -1, [25.0, 125.0, 199.999])[:2] == pytest.approx([3.5, 3.75])
    assert mixed.lane_width("1", -1, [199.999])[0] == pytest.approx(4.0, abs=1e-6)
    assert mixed.lane_edges("1", -2, [125.0])[0] == pytest.approx([-3.75, -5.25])
    # s = 310: laneOffset 0.01 * (310 - 300) = 0.1 m to the left
    assert mixed.lane_edges("1", -1, [310.0])[0] == pytest.approx([0.1, -3.9])
    assert mixed.lane_edges("1", 1, [310.0])[0] == pytest.approx([0.1, 3.6])
    assert mixed.lane_center("1", -2, [310.0])[0] == pytest.approx(-3.9 - 0.9)
    assert np.isnan(mixed.lane_edges("1", 2, [310.0])).all()  # the sidewalk ended at s = 200


def test_lane_edges_kernel_matches_its_twin(mixed):
    rng = np.random.default_rng(3)
    road = np.zeros(200, dtype=np.int64)
    s = rng.uniform(0.0, mixed.geo.road_length[0], 200)
    lane = rng.choice([-3, -2, -1, 1, 2], 200)
    ours = mixed.lane_edges(road, lane, s)
    ref = opendrive_lane_edges(mixed.odr, road, lane, s)
    assert np.array_equal(np.isnan(ours), np.isnan(ref))
    ok = ~np.isnan(ref)
    assert np.max(np.abs(ours[ok] - ref[ok])) < 1e-12


def test_elevation_and_superelevation(mixed):
    x, y, z, h = mixed.to_world("1", [100.0, 250.0], [0.0, 0.0]).T
    assert z == pytest.approx([1.0 + 0.02 * 100, 5.0 + 0.02 * 50 + 0.0001 * 50**2])
    # at s = 250 the cross-section rolls 0.05 rad: the right side (t < 0) lies lower
    ref = mixed.to_world("1", [250.0], [0.0])[0]
    pt = mixed.to_world("1", [250.0], [-4.0])[0]
    assert pt[2] - ref[2] == pytest.approx(-4.0 * math.sin(0.05))
    assert math.hypot(pt[0] - ref[0], pt[1] - ref[1]) == pytest.approx(4.0 * math.cos(0.05))


@settings(max_examples=150, deadline=None)
@given(u=st.floats(0.001, 0.999), v=st.floats(0.02, 0.98))
def test_st_world_st_round_trip(mixed, u, v):
    """Any point on the lanes maps to world and back to the same road, s, t and lane."""
    road = 0
    s = u * mixed.geo.road_length[road]
    right, left = mixed.lane_edges(road, [-len(_section(mixed, s).right)], [s])[0, 1], None
    left = mixed.lane_edges(road, [len(_section(mixed, s).left)], [s])[0, 1]
    t = right + v * (left - right)
    x, y, _, _ = mixed.to_world(road, [s], [t])[0]
    back = mixed.to_road([x], [y])
    assert back.road[0] == road
    assert back.s[0] == pytest.approx(s, abs=1e-7)
    assert back.t[0] == pytest.approx(t, abs=1e-7)
    expect = [lid for lid in (*range(1, 3), *range(-1, -4, -1))
              if _inside(mixed, road, lid, s, t)]  # fmt: skip
    assert back.lane[0] == (expect[0] if expect else 0)


def _section(net, s):
    return [sec for sec in net.odr.roads[0].lane_sections if sec.s <= s][-1]


def _inside(net, road, lane, s, t):
    a, b = net.lane_edges(road, [lane], [s])[0]
    return not np.isnan(a) and min(a, b) <= t <= max(a, b) and a != b


def test_points_off_the_map_have_no_road(mixed):
    out = mixed.to_road([-500.0, 0.0, 50.0], [-500.0, 40.0, -30.0])
    assert out.road.tolist() == [-1, -1, -1]
    near = mixed.to_road([50.0], [-7.0])  # 1.75 m beyond the shoulder: the road, off-lane
    assert near.road[0] == 0 and near.lane[0] == 0 and near.t[0] == pytest.approx(-7.0)


@pytest.mark.parametrize("name", ["geometries.xodr", "sg_junction.xodr"])
def test_world_to_st_kernel_matches_its_twin(name, mixed, junction):
    net = mixed if name == "geometries.xodr" else junction
    rng = np.random.default_rng(11)
    n = 16
    road = rng.integers(0, len(net.odr.roads), n)
    s = rng.uniform(0.02, 0.98, n) * net.geo.road_length[road]
    t = rng.uniform(-4.0, 4.0, n)
    x, y, _, _ = net.to_world(road, s, t).T
    ours = net.to_road(x, y)
    ref_road, ref_s, ref_t, ref_lane = opendrive_world_to_st(net.odr, x, y)
    assert ours.road.tolist() == ref_road.tolist()
    assert np.max(np.abs(ours.s - ref_s)) < 1e-6
    assert np.max(np.abs(ours.t - ref_t)) < 1e-6
    assert ours.lane.tolist() == ref_lane.tolist()


def test_junction_connects_the_lanes_the_file_links(junction):
    """scenariogeneration's four-way junction: road 1's right lane (-1, driving towards the
    junction at its end) reaches each of the three other arms through a connecting road."""
    out = junction.lane_successors("1", -1)
    assert len(out) == 3 and {c.junction for c in out} == {"100"}
    for c in out:
        connecting = junction.odr.road(c.to_road)
        assert connecting.junction == "100"
        assert (c.from_end, c.to_end) == ("end", "start")
        # the connecting lane starts where the incoming lane ends, side by side
        a = junction.to_world("1", [100.0], junction.lane_center("1", -1, [100.0]))[0]
        b = junction.to_world(c.to_road, [0.0], junction.lane_center(c.to_road, c.to_lane, [0.0]))[
            0
        ]
        assert math.hypot(a[0] - b[0], a[1] - b[1]) < 1e-6
    links = junction.junction_connections("100")
    # 6 connecting roads, each listed from both of its ends, two laneLinks per connection
    assert len(links) == 24 and len({c.to_road for c in links}) == 6
    # lane 1 of road 1 drives away from the junction: it has no successor there
    assert junction.lane_successors("1", 1) == []


def test_road_link_successors(mixed):
    nxt = mixed.lane_successors("1", -2)
    assert [(c.to_road, c.to_lane, c.to_end) for c in nxt] == [("2", -2, "start")]
    a = mixed.to_world("1", [mixed.geo.road_length[0] - 1e-9], [0.0])[0]
    b = mixed.to_world("2", [0.0], [0.0])[0]
    assert math.hypot(a[0] - b[0], a[1] - b[1]) < 1e-7


def test_signals_objects_and_marks(mixed, junction):
    lights = mixed.traffic_lights()
    assert [sig.id for _, sig, _ in lights] == ["s1"]
    pose = lights[0][2]
    assert pose[:2] == pytest.approx([90.0, -6.0]) and pose[2] == pytest.approx(1.0 + 1.8 + 2.5)
    assert {sig.type for _, sig, _ in mixed.signals()} == {"1000001", "274"}
    assert [sig.id for _, sig, _ in junction.traffic_lights()] == ["100"]
    road = mixed.odr.road("1")
    assert road.objects[0].type == "pole" and road.objects[0].height == 6.0
    lanes = road.lane_sections[0]
    mark = lanes.lane(-1).road_marks[0]
    assert (mark.type, mark.color, mark.width) == ("solid", "yellow", 0.12)
    assert lanes.center.road_marks[0].lane_change == "both"
    assert [lane.type for lane in road.lane_sections[1].right] == ["driving", "biking", "border"]
    assert lanes.lane(-1).speed == pytest.approx(13.9)
    assert road.types[0][2] == pytest.approx(50 / 3.6)


def test_road_extents_kernel_matches_the_outer_lanes_twin(mixed):
    from sim.road.opendrive import kernels as K

    s = np.linspace(0.0, mixed.geo.road_length[0], 97)
    road = np.zeros(len(s), dtype=np.int64)
    out = np.zeros((len(s), 2))
    K._road_extents(mixed.lanes, mixed.prof, road, s, out)
    n_right = np.array([len(_section(mixed, v).right) for v in s])
    n_left = np.array([len(_section(mixed, v).left) for v in s])
    right = opendrive_lane_edges(mixed.odr, road, -n_right, s)[:, 1]
    left = opendrive_lane_edges(mixed.odr, road, n_left, s)[:, 1]
    assert np.max(np.abs(out[:, 0] - right)) < 1e-12
    assert np.max(np.abs(out[:, 1] - left)) < 1e-12


def test_generated_network_of_every_kind_round_trips():
    """The bench's generator (roads of line, arc, spiral, poly3 and paramPoly3 with cubic
    widths, lane offset, superelevation): 20,000 points on lanes come back exactly."""
    from sim.bench.opendrive import _random_points, make_network_xodr
    from sim.road.opendrive import OpenDriveNetwork, parse_opendrive
    from sim.seeding import child_rng, root_seed

    rng = child_rng(root_seed(5), "test-opendrive")
    text, total = make_network_xodr(3.0, rng)
    net = OpenDriveNetwork(parse_opendrive(text.encode()))
    assert abs(net.total_length - total) < 1e-6 and total >= 3000.0
    kinds = {g.kind for road in net.odr.roads for g in road.geometries}
    assert kinds == {"line", "arc", "spiral", "poly3", "paramPoly3"}
    road, s, t = _random_points(net, 20_000, rng)
    x, y, _, _ = net.to_world(road, s, t).T
    back = net.to_road(x, y)
    assert np.mean(back.road == road) == 1.0
    assert np.max(np.abs(back.s - s)) < 1e-7 and np.max(np.abs(back.t - t)) < 1e-7


def test_junction_priorities_controllers_and_direct_links():
    from sim.road.opendrive import parse_opendrive

    lane = '<lane id="-1" type="driving"><width sOffset="0" a="3" b="0" c="0" d="0"/></lane>'
    roads = "".join(
        f'<road id="{i}" length="10" junction="-1"><planView><geometry s="0" x="{10 * i}" y="0" '
        f'hdg="0" length="10"><line/></geometry></planView><lanes><laneSection s="0"><center>'
        f'<lane id="0" type="none"/></center><right>{lane}</right></laneSection></lanes></road>'
        for i in (1, 2, 3)
    )
    odr = parse_opendrive(
        f"""<OpenDRIVE><header revMajor="1" revMinor="8"/>{roads}
        <controller id="c1" name="ctl"><control signalId="s1" type="0"/></controller>
        <junction id="9" type="direct" name="merge">
          <connection id="0" incomingRoad="1" linkedRoad="2" contactPoint="start">
            <laneLink from="-1" to="-1"/></connection>
          <priority high="1" low="3"/>
          <controller id="c1" type="0"/>
        </junction></OpenDRIVE>""".encode()
    )
    junction = odr.junctions[0]
    assert (junction.type, junction.priorities, junction.controllers) == (
        "direct",
        (("1", "3"),),
        ("c1",),
    )
    assert junction.connections[0].connecting_road == "2"
    assert junction.connections[0].lane_links == ((-1, -1),)
    assert odr.controllers[0].signals == ("s1",)
