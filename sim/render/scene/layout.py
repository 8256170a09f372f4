"""One road's lanes sampled along s for drawing (:class:`Layout`), and what each road of a
junction leaves out where the other one runs (:class:`Cuts`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.render.scene.common import ROAD_SAMPLE, lane_extent
from sim.road import Road
from sim.road.network import STOP_BACK, Network

TAPER_SAMPLE = 1.0  # [m] tessellation along ramps and tapers


def _span_breaks(road: Road) -> list[float]:
    """s values where lane geometry changes, densely through ramps and tapers."""
    out = []
    for span in road.spans:
        for a, b in ((span.start - span.taper, span.start), (span.end - span.taper, span.end)):
            if (
                math.isfinite(a)
                and math.isfinite(b)
                and (span.ramp_offset > 0 or a > 0.0 or b < road.length)
            ):
                out += list(np.arange(a, b, TAPER_SAMPLE)) + [b]
    return out


@dataclass(frozen=True)
class Layout:
    """One road's lanes sampled along s: where each lane's tarmac is and where it exists.

    s (n,) [m]; lo, hi (L, n) [m] lane edges at the samples (nan: no lane);
    live (L, n-1) lane exists over [s_i, s_i+1]; lo_m, hi_m (L, n-1) edges at the midpoints;
    sep (n-1,) lane 0 is an on-ramp still apart from the main lanes."""

    road: Road
    s: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    live: np.ndarray
    lo_m: np.ndarray
    hi_m: np.ndarray
    sep: np.ndarray

    @property
    def mid(self) -> np.ndarray:
        return 0.5 * (self.s[1:] + self.s[:-1])

    def right(self) -> np.ndarray:
        """(n,) outer right edge of the tarmac (the ramp's where there is one)."""
        return np.nanmin(self.lo, axis=0)

    def left(self) -> np.ndarray:
        return np.nanmax(self.hi, axis=0)


def lane_layout(road: Road, breaks: list[float]) -> Layout:
    length = road.length
    s = np.concatenate([np.arange(0.0, length, ROAD_SAMPLE), [length], _span_breaks(road), breaks])
    s = np.unique(np.round(np.clip(s, 0.0, length), 6))
    mid = 0.5 * (s[1:] + s[:-1])
    n_lanes = road.total_lanes

    def sample(points):
        lo = np.full((n_lanes, len(points)), np.nan)
        hi = np.full((n_lanes, len(points)), np.nan)
        for k in range(n_lanes):
            for i, si in enumerate(points):
                b = lane_extent(road, k, float(si))
                if b is not None:
                    lo[k, i], hi[k, i] = b
        return lo, hi

    lo, hi = sample(s)
    lo_m, hi_m = sample(mid)
    live = ~np.isnan(lo_m)
    ramp = road.lane_table[0, 4] > 0.0 and n_lanes > 1
    sep = (mid < road.lane_table[0, 1]) & live[0] if ramp else np.zeros(len(mid), dtype=bool)
    return Layout(road, s, lo, hi, live, lo_m, hi_m, sep)


@dataclass(frozen=True)
class Cuts:
    """s ranges where parts of one road are left out (the other road of a junction runs
    there), by part: carriageway; shoulders; sidewalk tops and kerbs; sidewalks' back walls
    and terrain; solid lines; dashed and double lines. ``caps``: (s, facing) ends of the
    sidewalks, ``corridor``: (s0, s1, d_right, d_left) terrain beyond a crossing road's ends."""

    carriageway: tuple = ()
    shoulder: tuple = ()
    sidewalk: tuple = ()
    outer: tuple = ()
    edge: tuple = ()
    divider: tuple = ()
    caps: tuple = ()
    corridor: tuple | None = None
    terrain: bool = True


def junction_cuts(network: Network) -> tuple[Cuts, Cuts]:
    """What the main road and the cross street leave out where they cross (see Cuts): the
    main road's asphalt runs through the box; the cross street's stops at its edges; each
    road's shoulders, sidewalks, kerbs and lines stop where the other road's begin."""
    main, cross = network.main, network.cross
    j = network.junction
    (m0, m1), (c0, c1) = network.box_main, network.box_cross
    sh_c, sw_c = cross.shoulder_width, cross.sidewalk_width
    sh_m, sw_m = main.shoulder_width, main.sidewalk_width
    centre = main.width / 2
    main_cuts = Cuts(
        shoulder=((m0 - sh_c, m1 + sh_c),),
        sidewalk=((m0 - sh_c, m1 + sh_c),),
        outer=((m0 - sh_c - sw_c, m1 + sh_c + sw_c),),
        edge=((m0, m1),),
        divider=((m0 - STOP_BACK, m1 + STOP_BACK),),
        caps=((m0 - sh_c, 1), (m1 + sh_c, -1)) if sw_m > 0 else (),
        corridor=(m0 - sh_c - sw_c, m1 + sh_c + sw_c, centre - j.arm_length, centre + j.arm_length),
    )
    cross_cuts = Cuts(
        carriageway=((c0, c1),),
        shoulder=((c0, c1),),
        sidewalk=((c0 - sh_m - sw_m, c1 + sh_m + sw_m),),
        outer=((c0 - sh_m - sw_m, c1 + sh_m + sw_m),),
        edge=((c0, c1),),
        divider=((c0 - STOP_BACK, c1 + STOP_BACK),),
        terrain=False,
    )
    return main_cuts, cross_cuts


def cut_breaks(cuts: Cuts) -> list[float]:
    out = []
    for spans in (
        cuts.carriageway,
        cuts.shoulder,
        cuts.sidewalk,
        cuts.outer,
        cuts.edge,
        cuts.divider,
    ):
        for a, b in spans:
            out += [a, b]
    if cuts.corridor is not None:
        out += list(cuts.corridor[:2])
    return out
