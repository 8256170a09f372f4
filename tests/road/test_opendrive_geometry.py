"""OpenDRIVE reference lines: golden poses of each geometry kind, Fresnel integrals, and the
(s, t) -> world kernel against its quadrature twin."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import fresnel as scipy_fresnel

from sim.road.opendrive import load_opendrive, parse_opendrive
from sim.road.opendrive.geometry import fresnel, spiral_local

from helpers.paths import REPO
from naive import opendrive_st_to_world

CORPUS = REPO / "tests" / "data" / "xodr"
# scipy's quad reports round-off at 1e-13 tolerances; the comparisons hold at 1e-10
pytestmark = pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")


def _road_xml(geometry: str, length: float, x=0.0, y=0.0, hdg=0.0) -> bytes:
    return f"""<OpenDRIVE><header revMajor="1" revMinor="7"/>
      <road id="r" length="{length}" junction="-1">
        <planView><geometry s="0" x="{x}" y="{y}" hdg="{hdg}" length="{length}">{geometry}
        </geometry></planView>
        <lanes><laneSection s="0"><center><lane id="0" type="none"/></center>
          <right><lane id="-1" type="driving"><width sOffset="0" a="3.5" b="0" c="0" d="0"/>
          </lane></right></laneSection></lanes>
      </road></OpenDRIVE>""".encode()


def _network(geometry: str, length: float, **pose):
    from sim.road.opendrive import OpenDriveNetwork

    return OpenDriveNetwork(parse_opendrive(_road_xml(geometry, length, **pose)))


def test_fresnel_matches_scipy_to_rounding():
    x = np.concatenate([np.linspace(-12.0, 12.0, 4801), np.geomspace(1e-9, 100.0, 300)])
    ours = np.array([fresnel(v) for v in x])
    ref_s, ref_c = scipy_fresnel(x)
    assert np.max(np.abs(ours[:, 0] - ref_s)) < 1e-14
    assert np.max(np.abs(ours[:, 1] - ref_c)) < 1e-14


def test_arc_end_pose_is_the_analytic_circle():
    k, length, h0 = 1.0 / 30.0, 40.0, 0.3
    net = _network(f'<arc curvature="{k}"/>', length, x=5.0, y=-2.0, hdg=h0)
    x, y, h, kappa = net.reference_pose("r", [length])[0]
    # centre at the start's left normal, radius 1/k
    cx, cy = 5.0 - math.sin(h0) / k, -2.0 + math.cos(h0) / k
    h1 = h0 + k * length
    assert x == pytest.approx(cx + math.sin(h1) / k, abs=1e-11)
    assert y == pytest.approx(cy - math.cos(h1) / k, abs=1e-11)
    assert h == pytest.approx(h1, abs=1e-14) and kappa == pytest.approx(k)


def test_arc_of_huge_radius_keeps_the_line():
    """1/k = 1e12 m: the chord form has no 1/k cancellation (the naive one is off by mm)."""
    net = _network('<arc curvature="1e-12"/>', 500.0)
    x, y, _, _ = net.reference_pose("r", [500.0])[0]
    assert x == pytest.approx(500.0, abs=1e-9) and abs(y - 0.5e-12 * 500.0**2) < 1e-12


@pytest.mark.parametrize(
    "k0,k1,length",
    [(0.0, 0.02, 100.0), (0.01, -0.03, 80.0), (-0.1, 0.05, 30.0), (0.02, 0.0200001, 150.0)],
)
def test_spiral_end_point_and_curvature(k0, k1, length):
    """End curvature = curvEnd; end point = the numeric integral of the heading (the last
    case shifts by k0/c = 3e4 m... and the one below beyond SHIFT_MAX)."""
    net = _network(f'<spiral curvStart="{k0}" curvEnd="{k1}"/>', length)
    x, y, h, kappa = net.reference_pose("r", [length])[0]
    c = (k1 - k0) / length

    def theta(w):
        return k0 * w + 0.5 * c * w * w

    opts = dict(epsabs=1e-13, epsrel=1e-13, limit=400)
    assert kappa == pytest.approx(k1, abs=1e-15)
    assert h == pytest.approx(theta(length), abs=1e-14)
    assert x == pytest.approx(quad(lambda w: math.cos(theta(w)), 0, length, **opts)[0], abs=1e-10)
    assert y == pytest.approx(quad(lambda w: math.sin(theta(w)), 0, length, **opts)[0], abs=1e-10)


def test_spiral_past_the_shift_limit_uses_quadrature_and_stays_exact():
    k0, k1, length = 0.01, 0.01 + 1e-9, 300.0  # shift k0 / c = 3e9 m
    u, v, th, kappa = spiral_local(k0, k1, length, length)
    c = (k1 - k0) / length
    opts = dict(epsabs=1e-13, epsrel=1e-13, limit=400)
    assert u == pytest.approx(
        quad(lambda w: math.cos(k0 * w + 0.5 * c * w * w), 0, length, **opts)[0], abs=1e-10
    )
    assert v == pytest.approx(
        quad(lambda w: math.sin(k0 * w + 0.5 * c * w * w), 0, length, **opts)[0], abs=1e-10
    )
    assert kappa == pytest.approx(k1, abs=1e-15)


def test_poly3_runs_by_arc_length():
    """v(u) = 0.002 u^2: at s = its arc length to u = 50 the point is (50, 5)."""
    L = quad(lambda u: math.hypot(1.0, 0.004 * u), 0, 50.0, epsabs=1e-13, epsrel=1e-13)[0]
    net = _network('<poly3 a="0" b="0" c="0.002" d="0"/>', L)
    x, y, h, kappa = net.reference_pose("r", [L])[0]
    assert (x, y) == pytest.approx((50.0, 5.0), abs=1e-9)
    assert h == pytest.approx(math.atan(0.2), abs=1e-12)
    assert kappa == pytest.approx(0.004 / (1 + 0.04) ** 1.5, rel=1e-9)


def test_param_poly3_arc_length_range_of_a_unit_speed_line():
    net = _network(
        '<paramPoly3 aU="0" bU="0.6" cU="0" dU="0" aV="0" bV="0.8" cV="0" dV="0" '
        'pRange="arcLength"/>',
        25.0,
    )
    x, y, h, _ = net.reference_pose("r", [10.0])[0]
    assert (x, y) == pytest.approx((6.0, 8.0), abs=1e-11) and h == pytest.approx(math.atan2(8, 6))


def test_corpus_geometries_meet_end_to_start():
    """Every geometry ends where the next begins, with the same heading (the corpus chains
    its start poses by scipy quadrature, independently of sim): line, spirals, arc, poly3,
    paramPoly3 (normalized, and arcLength in a turned frame)."""
    for name in ("geometries.xodr", "sg_curve.xodr", "sg_junction.xodr"):
        net = load_opendrive(CORPUS / name)
        for road in net.odr.roads:
            for prev, nxt in zip(road.geometries, road.geometries[1:], strict=False):
                # just before the joint: the pose of the earlier geometry's own end
                x, y, h, _ = net.reference_pose(road.id, [nxt.s - 1e-9])[0]
                assert math.hypot(x - nxt.x, y - nxt.y) < 1e-7, (name, road.id, prev.kind)
                h_next = net.reference_pose(road.id, [nxt.s])[0, 2]
                assert abs(math.remainder(h - h_next, 2 * math.pi)) < 1e-7, (name, road.id)


def test_st_to_world_kernel_matches_its_twin():
    net = load_opendrive(CORPUS / "geometries.xodr")
    rng = np.random.default_rng(7)
    n = 60
    road = rng.integers(0, len(net.odr.roads), n)
    s = rng.uniform(0, 1, n) * net.geo.road_length[road]
    t = rng.uniform(-6, 6, n)
    ours = net.to_world(road, s, t)
    ref = opendrive_st_to_world(net.odr, road, s, t)
    assert np.max(np.abs(ours[:, :3] - ref[:, :3])) < 1e-8
    assert np.max(np.abs(np.remainder(ours[:, 3] - ref[:, 3] + np.pi, 2 * np.pi) - np.pi)) < 1e-9


def test_reference_pose_kernel_matches_its_twin():
    from naive import opendrive_reference_pose

    net = load_opendrive(CORPUS / "geometries.xodr")
    road = net.odr.roads[0]
    s = np.linspace(0.0, road.length, 41)
    ours = net.reference_pose("1", s)
    ref = np.array([opendrive_reference_pose(road, v) for v in s])
    assert np.max(np.abs(ours[:, :3] - ref)) < 1e-8
