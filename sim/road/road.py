"""A one-way multi-lane carriageway along a reference line of straight and arc segments.

Lane coordinates: ``s`` [m] is the arc length along the reference line, ``d`` [m] the
lateral offset, positive to the left of the direction of travel. The reference line is the
right edge of lane 0, so lane ``k`` (0 = rightmost) spans d in [k * w, (k + 1) * w].
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.road.kernels import _lane_to_world, _world_to_lane

SAMPLE_SPACING = 0.5  # [m]
"""Reference line sample spacing; arcs of radius >= 20 m deviate < 2 mm from the chords."""


@dataclass(frozen=True)
class Segment:
    """One piece of reference line: ``curvature`` 0 for straight, 1/R (left positive) for arcs."""

    length: float
    curvature: float = 0.0


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
    def width(self) -> float:
        """Carriageway width (all lanes, no shoulders) [m]."""
        return self.lanes * self.lane_width

    def lane_center(self, lane: int | np.ndarray) -> float | np.ndarray:
        """Offset d [m] of the centre of ``lane``."""
        return (np.asarray(lane) + 0.5) * self.lane_width

    def lane_of(self, d: float | np.ndarray) -> np.ndarray:
        """Lane index containing offset ``d`` (clamped to existing lanes)."""
        return np.clip(np.floor(np.asarray(d) / self.lane_width), 0, self.lanes - 1).astype(np.int32)

    def to_world(self, s, d) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(s, d) -> (x, y, heading) arrays, heading of the reference line at s [rad]."""
        s = np.atleast_1d(np.asarray(s, dtype=np.float64))
        d = np.broadcast_to(np.asarray(d, dtype=np.float64), s.shape).copy()
        out = (np.empty_like(s), np.empty_like(s), np.empty_like(s))
        _lane_to_world(self.ref_x, self.ref_y, self.ref_heading, self.ds, s, d, *out)
        return out

    def to_lane(self, x, y, s_hint=None, window: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) -> (s, d). Without a hint the whole line is searched (slow for long roads)."""
        x = np.atleast_1d(np.asarray(x, dtype=np.float64))
        y = np.atleast_1d(np.asarray(y, dtype=np.float64))
        if s_hint is None:
            s_hint = np.zeros_like(x)
            window = len(self.ref_x)
        s_hint = np.broadcast_to(np.asarray(s_hint, dtype=np.float64), x.shape).copy()
        out_s, out_d = np.empty_like(x), np.empty_like(x)
        _world_to_lane(self.ref_x, self.ref_y, self.ref_heading, self.ds, x, y, s_hint, window or 40, out_s, out_d)
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
            x0, y0 = (x0 + (math.sin(h0 + k * u) - math.sin(h0)) / k,
                      y0 - (math.cos(h0 + k * u) - math.cos(h0)) / k)
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
