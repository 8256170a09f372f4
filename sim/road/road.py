"""A multi-lane carriageway along a reference line of straight and arc segments.

Lane coordinates: ``s`` [m] is the arc length along the reference line, ``d`` [m] the
lateral offset, positive to the left of the direction of travel. The reference line is the
right edge of lane 0, so lane ``k`` (0 = rightmost) spans d in [k * w, (k + 1) * w].

Lanes ``0 .. lanes-1`` run towards +s; on a two-way road the ``oncoming_lanes`` lanes
``lanes .. lanes+oncoming_lanes-1`` lie to their left and run towards -s (right-hand
traffic). A lane need not run the whole road: :class:`LaneSpan` makes the rightmost lane an
on-ramp (a separate ramp beside the road until it joins) or ends an outer lane (lane drop).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.road.kernels import _lane_shift, _lane_to_world, _world_to_lane

SAMPLE_SPACING = 0.5  # [m]
"""Reference line sample spacing; arcs of radius >= 20 m deviate < 2 mm from the chords."""


@dataclass(frozen=True)
class Segment:
    """One piece of reference line: ``curvature`` 0 for straight, 1/R (left positive) for arcs."""

    length: float
    curvature: float = 0.0


@dataclass(frozen=True)
class LaneSpan:
    """Where lane ``lane`` exists along the road.

    * ``start`` [m]: before it, the lane is a ramp beside the road, ``ramp_offset`` metres
      further out (right of lane 0), curving in over the ``taper`` metres before ``start``
      (an on-ramp). With ``ramp_offset`` 0 (not made by any scenario key today) the lane
      widens in over the ``taper`` metres before ``start`` in the rendered scene, and
      nobody changes into or out of it before ``start``.
    * ``end`` [m]: the lane ends; its outer edge narrows to nothing over the ``taper``
      metres before ``end`` (a lane drop, or the end of an acceleration lane). Drivers
      treat ``end - taper / 2`` as a wall and merge before it.
    """

    lane: int
    start: float = 0.0
    end: float = math.inf
    taper: float = 60.0
    ramp_offset: float = 0.0


@dataclass(frozen=True)
class Road:
    lanes: int
    lane_width: float
    segments: tuple[Segment, ...]
    shoulder_width: float = 2.5
    speed_limit: float = 33.3
    sidewalk_width: float = 0.0
    """[m] raised sidewalk beyond each shoulder, behind a kerb (0: none)."""
    crossings: tuple[float, ...] = ()
    """s [m] of zebra crossings across the carriageway."""
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
    """(x, y, heading) of the reference line's start."""
    oncoming_lanes: int = 0
    """lanes left of the forward lanes that run towards -s (a two-way road)."""
    spans: tuple[LaneSpan, ...] = ()
    """lanes that do not run the whole road (on-ramps, lane drops)."""
    lane_table: np.ndarray = field(init=False, repr=False, compare=False)
    """(total_lanes, 5) float64, one row per lane: [direction +-1, start, end, taper,
    ramp_offset] (see LaneSpan); read by the traffic kernels."""
    ref_x: np.ndarray = field(init=False, repr=False, compare=False)
    ref_y: np.ndarray = field(init=False, repr=False, compare=False)
    ref_heading: np.ndarray = field(init=False, repr=False, compare=False)
    segment_table: np.ndarray = field(init=False, repr=False, compare=False)
    """(m, 6) float64, one row per segment: [s_start, x0, y0, cos h0, sin h0, curvature];
    the traffic step's exact, cache-resident lane-coordinate kernels read this."""

    def __post_init__(self) -> None:
        if self.lanes < 1:
            raise ValueError("a road needs at least one lane")
        if self.lane_width <= 0:
            raise ValueError("lane width must be positive")
        if not self.segments or any(seg.length <= 0 for seg in self.segments):
            raise ValueError("a road needs segments of positive length")
        x, y, h = _sample_reference(self.segments, self.origin, SAMPLE_SPACING)
        object.__setattr__(self, "ref_x", x)
        object.__setattr__(self, "ref_y", y)
        object.__setattr__(self, "ref_heading", h)
        object.__setattr__(self, "segment_table", _segment_table(self.segments, self.origin))
        if self.oncoming_lanes < 0:
            raise ValueError("oncoming_lanes must be >= 0")
        table = np.zeros((self.total_lanes, 5))
        table[:, 0] = [1.0] * self.lanes + [-1.0] * self.oncoming_lanes
        table[:, 2] = math.inf
        for span in self.spans:
            if not 0 <= span.lane < self.lanes or span.lane not in (0, self.lanes - 1):
                raise ValueError(
                    f"lane {span.lane}: only the outer forward lanes "
                    f"(0 or {self.lanes - 1}) may start or end"
                )
            if span.ramp_offset and span.lane != 0:
                raise ValueError("only lane 0 (rightmost) can be an on-ramp")
            if not span.end > span.start or span.taper <= 0:
                raise ValueError(f"lane {span.lane}: needs start < end and a positive taper")
            table[span.lane, 1:] = (span.start, span.end, span.taper, span.ramp_offset)
        object.__setattr__(self, "lane_table", table)

    @classmethod
    def straight(cls, length: float, lanes: int, lane_width: float, **kwargs) -> Road:
        return cls(lanes=lanes, lane_width=lane_width, segments=(Segment(length),), **kwargs)

    @property
    def length(self) -> float:
        return float(sum(seg.length for seg in self.segments))

    @property
    def ds(self) -> float:
        return SAMPLE_SPACING

    @property
    def total_lanes(self) -> int:
        return self.lanes + self.oncoming_lanes

    @property
    def width(self) -> float:
        """Carriageway width (all lanes of both directions, no shoulders) [m]."""
        return self.total_lanes * self.lane_width

    def lane_direction(self, lane: int) -> int:
        """+1 if ``lane`` runs towards +s, -1 if towards -s."""
        return int(self.lane_table[lane, 0])

    def lane_center(self, lane: int | np.ndarray) -> float | np.ndarray:
        """Offset d [m] of the nominal centre of ``lane`` (see lane_shift for ramps)."""
        return (np.asarray(lane) + 0.5) * self.lane_width

    def lane_of(self, d: float | np.ndarray) -> np.ndarray:
        """Lane index containing offset ``d`` (clamped to existing lanes)."""
        return np.clip(np.floor(np.asarray(d) / self.lane_width), 0, self.total_lanes - 1).astype(
            np.int32
        )

    def lane_shift(self, lane: int, s: float) -> float:
        """Lateral offset [m] of ``lane``'s centre from its nominal place at ``s``: negative
        (further right) on an on-ramp before it joins, else 0."""
        return float(_lane_shift(self.lane_table, lane, s))

    def lane_end_wall(self, lane: int) -> float:
        """s [m] drivers must stop before in ``lane`` (inf if the lane does not end)."""
        _, _, end, taper, _ = self.lane_table[lane]
        return float(end - 0.5 * taper) if math.isfinite(end) else math.inf

    def lane_bounds(self, lane: int, s: float) -> tuple[float, float] | None:
        """(d_right, d_left) [m] of ``lane``'s tarmac at ``s``, None where it does not exist
        (past a lane's end). Ramps are shifted out; ends narrow linearly over the taper."""
        _, start, end, taper, ramp = self.lane_table[lane]
        if s > end:
            return None
        w = self.lane_width
        lo, hi = lane * w, (lane + 1) * w
        shift = self.lane_shift(lane, s)
        lo, hi = lo + shift, hi + shift
        if math.isfinite(end) and s > end - taper:
            keep = (end - s) / taper * w  # width left
            outer_right = lane == 0
            if outer_right:
                lo = hi - keep
            else:
                hi = lo + keep
        return lo, hi

    def to_world(self, s, d) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(s, d) -> (x, y, heading) arrays, heading of the reference line at s [rad]."""
        s = np.atleast_1d(np.asarray(s, dtype=np.float64))
        d = np.broadcast_to(np.asarray(d, dtype=np.float64), s.shape).copy()
        out = (np.empty_like(s), np.empty_like(s), np.empty_like(s))
        _lane_to_world(self.ref_x, self.ref_y, self.ref_heading, self.ds, s, d, *out)
        return out

    def to_lane(
        self, x, y, s_hint=None, window: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) -> (s, d). Without a hint the whole line is searched (slow for long roads)."""
        x = np.atleast_1d(np.asarray(x, dtype=np.float64))
        y = np.atleast_1d(np.asarray(y, dtype=np.float64))
        if s_hint is None:
            s_hint = np.zeros_like(x)
            window = len(self.ref_x)
        s_hint = np.broadcast_to(np.asarray(s_hint, dtype=np.float64), x.shape).copy()
        out_s, out_d = np.empty_like(x), np.empty_like(x)
        _world_to_lane(
            self.ref_x,
            self.ref_y,
            self.ref_heading,
            self.ds,
            x,
            y,
            s_hint,
            window or 40,
            out_s,
            out_d,
        )
        return out_s, out_d


def _segment_table(segments, origin) -> np.ndarray:
    """Start pose of every segment, chained exactly: rows [s0, x0, y0, cos h0, sin h0, k]."""
    rows = []
    x0, y0, h0 = origin
    s0 = 0.0
    for seg in segments:
        k = seg.curvature
        rows.append((s0, x0, y0, math.cos(h0), math.sin(h0), k))
        u = seg.length
        if abs(k) < 1e-12:
            x0, y0 = x0 + u * math.cos(h0), y0 + u * math.sin(h0)
        else:
            x0, y0 = (
                x0 + (math.sin(h0 + k * u) - math.sin(h0)) / k,
                y0 - (math.cos(h0 + k * u) - math.cos(h0)) / k,
            )
            h0 = h0 + k * u
        s0 += u
    return np.array(rows, dtype=np.float64)


def _sample_reference(segments, origin, ds) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Samples at s = k * ds along the concatenated segments (exact arc geometry)."""
    total = sum(seg.length for seg in segments)
    n = int(math.floor(total / ds + 1e-9)) + 1
    s_all = np.arange(n) * ds
    if s_all[-1] < total - 1e-9:
        # extend one sample past the end so interpolation covers [0, total]
        s_all = np.append(s_all, s_all[-1] + ds)
    x = np.empty_like(s_all)
    y = np.empty_like(s_all)
    h = np.empty_like(s_all)
    x0, y0, h0 = origin
    seg_start = 0.0
    idx = 0
    for seg_i, seg in enumerate(segments):
        last = seg_i == len(segments) - 1
        seg_end = seg_start + seg.length
        while idx < len(s_all) and (s_all[idx] <= seg_end + 1e-9 or last):
            u = s_all[idx] - seg_start
            k = seg.curvature
            if abs(k) < 1e-12:
                x[idx] = x0 + u * math.cos(h0)
                y[idx] = y0 + u * math.sin(h0)
                h[idx] = h0
            else:
                x[idx] = x0 + (math.sin(h0 + k * u) - math.sin(h0)) / k
                y[idx] = y0 - (math.cos(h0 + k * u) - math.cos(h0)) / k
                h[idx] = h0 + k * u
            idx += 1
        # advance the segment start pose exactly
        u = seg.length
        k = seg.curvature
        if abs(k) < 1e-12:
            x0, y0 = x0 + u * math.cos(h0), y0 + u * math.sin(h0)
        else:
            x0, y0 = (
                x0 + (math.sin(h0 + k * u) - math.sin(h0)) / k,
                y0 - (math.cos(h0 + k * u) - math.cos(h0)) / k,
            )
            h0 = h0 + k * u
        seg_start = seg_end
    return x, y, h
