"""Paint on the road: lane lines (solid edges, dashed dividers, double centre lines),
zebra crossings, and the stop lines of a junction's approaches."""

from __future__ import annotations

import math

import numpy as np

from sim.render.scene.common import MeshArrays, band, keep_mask, ribbon, runs
from sim.render.scene.layout import Cuts, Layout
from sim.road import Road
from sim.road.network import STOP_BACK, Network

MARKING_WIDTH = 0.15  # [m]
MARKING_LIFT = 0.02  # [m] above the asphalt, enough to beat depth-buffer precision nearby
DASH_LENGTH = 6.0  # [m] dashed lane divider: paint
DASH_GAP = 12.0  # [m] dashed lane divider: gap
PAINT = (235, 235, 228, 255)
ZEBRA_BAR = 0.5  # [m] bar width across the road, and the gap between bars
ZEBRA_LENGTH = 3.0  # [m] bar length along the road
STOP_LINE_WIDTH = 0.4  # [m] along the road
CENTRE_GAP = 0.12  # [m] between the two lines of a double centre line


def _line(road: Road, s, d, keep, width: float = MARKING_WIDTH) -> list[MeshArrays]:
    return band(
        road, s, d - width / 2, d + width / 2, keep, MARKING_LIFT, PAINT, "lane_marking", "marking"
    )


def _dashes(road: Road, s, d, keep) -> list[MeshArrays]:
    """Dashes of DASH_LENGTH every DASH_LENGTH + DASH_GAP from s = 0 along per-sample offset d,
    clipped to the kept intervals."""
    out = []
    half = MARKING_WIDTH / 2
    period = DASH_LENGTH + DASH_GAP
    for i0, i1 in runs(keep):
        a, b = s[i0], s[i1]
        start = math.floor(a / period) * period
        while start < b:
            lo, hi = max(start, a), min(start + DASH_LENGTH, b)
            if hi - lo > 0.5:
                ss = np.array([lo, hi])
                dd = np.interp(ss, s[i0 : i1 + 1], d[i0 : i1 + 1])
                out += band(
                    road,
                    ss,
                    dd - half,
                    dd + half,
                    np.ones(1, bool),
                    MARKING_LIFT,
                    PAINT,
                    "lane_marking",
                    "marking",
                )
            start += period
    return out


def road_markings(lay: Layout, cuts: Cuts) -> list[MeshArrays]:
    """Lines from the lanes' neighbours: a dashed divider between touching lanes of one
    direction, a double solid line between the directions, a solid line on every lane edge
    with no lane beside it (road edges, a separate ramp, a narrowing lane)."""
    road, s, mid = lay.road, lay.s, lay.mid
    zebra = tuple((c - ZEBRA_LENGTH / 2 - 1.0, c + ZEBRA_LENGTH / 2 + 1.0) for c in road.crossings)
    k_edge = keep_mask(mid, cuts.edge)
    k_div = keep_mask(mid, cuts.divider + zebra)
    marks = []
    n = road.total_lanes
    for k in range(n):
        live = lay.live[k]
        if k > 0:
            touch = live & lay.live[k - 1] & (np.abs(lay.lo_m[k] - lay.hi_m[k - 1]) < 1e-6)
        else:
            touch = np.zeros_like(live)
        if k < n - 1:
            touch_up = live & lay.live[k + 1] & (np.abs(lay.hi_m[k] - lay.lo_m[k + 1]) < 1e-6)
        else:
            touch_up = np.zeros_like(live)
        marks += _line(road, s, lay.lo[k], live & ~touch & k_edge)
        marks += _line(road, s, lay.hi[k], live & ~touch_up & k_edge)
        if k > 0 and touch.any():
            if road.lane_direction(k) == road.lane_direction(k - 1):
                marks += _dashes(road, s, lay.lo[k], touch & k_div)
            else:
                off = (CENTRE_GAP + MARKING_WIDTH) / 2
                marks += _line(road, s, lay.lo[k] - off, touch & k_div)
                marks += _line(road, s, lay.lo[k] + off, touch & k_div)
    for c in road.crossings:
        marks += _zebra(road, c)
    return marks


def _zebra(road: Road, s_c: float) -> list[MeshArrays]:
    """Bars along the road, side by side across the whole carriageway, centred on s_c."""
    bars = []
    d = ZEBRA_BAR / 2
    s0, s1 = s_c - ZEBRA_LENGTH / 2, s_c + ZEBRA_LENGTH / 2
    while d + ZEBRA_BAR <= road.width:
        bars.append(
            ribbon(
                road,
                d,
                d + ZEBRA_BAR,
                s0,
                s1,
                MARKING_LIFT,
                PAINT,
                "lane_marking",
                step=ZEBRA_LENGTH,
                material="marking",
            )
        )
        d += 2 * ZEBRA_BAR
    return bars


def junction_markings(network: Network) -> list[MeshArrays]:
    """Stop lines across each approach lane (the cross street's only, without lights), and
    zebra crossings on the four arms between the stop lines and the box where the roads
    have sidewalks."""
    marks = []
    for sl in network.stop_lines:
        if sl.group == "main" and not network.signalised:
            continue  # no lights: the main road has priority and does not stop
        road = network.roads[sl.road]
        w = road.lane_width
        s0, s1 = (
            (sl.s, sl.s + STOP_LINE_WIDTH) if sl.direction > 0 else (sl.s - STOP_LINE_WIDTH, sl.s)
        )
        marks.append(
            ribbon(
                road,
                sl.lane * w,
                (sl.lane + 1) * w,
                s0,
                s1,
                MARKING_LIFT,
                PAINT,
                "lane_marking",
                step=STOP_LINE_WIDTH,
                material="marking",
            )
        )
    for road, (b0, b1) in ((network.main, network.box_main), (network.cross, network.box_cross)):
        if road.sidewalk_width > 0:
            marks += _zebra(road, b0 - STOP_BACK / 2) + _zebra(road, b1 + STOP_BACK / 2)
    return marks
