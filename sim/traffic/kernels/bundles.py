"""Named bundles of arrays the traffic kernels take (waymax style: one bundle per concept).

Each bundle is a ``typing.NamedTuple``: Numba passes it to a kernel as one heterogeneous
tuple and reads a field by name (``agents.x[i]``), so a kernel takes a handful of bundles
instead of forty loose arrays that a reordering could silently swap. The World builds its
bundles once from the arrays it owns (they share memory with :class:`AgentState`, which the
kernels update in place) and :func:`validate` checks them; the public wrappers in
:mod:`sim.traffic.kernels.checked` check every call.

Every per-agent field is ``(N,)``, C-contiguous, of the dtype in :data:`DTYPES`; lengths
[m], speeds [m/s], accelerations [m/s^2], angles [rad].
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

F8, I4, I8, B1 = np.dtype(np.float64), np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.bool_)


class Roads(NamedTuple):
    """Every road of a World stacked into tables (``World._build_road_tables``); G global
    lanes (each road's lanes numbered on from the previous road's)."""

    ref_all: np.ndarray  # (S, 6) float64, every road's segment table rows, stacked
    ref_rows: np.ndarray  # (R, 2) int64, road r's rows ref_rows[r, 0]..ref_rows[r, 1]-1
    road_lanes: np.ndarray  # (R, 3) float64, [first global lane, lane count, lane width [m]]
    lane_tab: np.ndarray  # (G, 5) float64, Road.lane_table rows: direction, start, end, ...
    lane_wall: np.ndarray  # (G,) float64, s [m] where the lane ends (1e300: it does not)
    lane_signal: np.ndarray  # (G,) float64, stop line s of a red/amber light (NaN: green)
    lane_stride: float  # [m] ordering key = global lane * lane_stride + s


class Agents(NamedTuple):
    """What every agent is and where: pose, speed, lane coordinates, script inputs."""

    active: np.ndarray  # (N,) bool, in the scene
    road: np.ndarray  # (N,) int32, road index
    walker: np.ndarray  # (N,) bool, walker kinematics (pedestrians, animals)
    dirn: np.ndarray  # (N,) float64, +1 drives towards +s, -1 towards -s
    x: np.ndarray  # (N,) float64 [m]
    y: np.ndarray  # (N,) float64 [m]
    yaw: np.ndarray  # (N,) float64 [rad]
    cos_yaw: np.ndarray  # (N,) float64, cos(yaw), kept current by the step kernel
    sin_yaw: np.ndarray  # (N,) float64, sin(yaw)
    v: np.ndarray  # (N,) float64 [m/s]
    a: np.ndarray  # (N,) float64 [m/s^2], last step's acceleration
    steer: np.ndarray  # (N,) float64 [rad] front wheels (walkers: turn rate [rad/s])
    s: np.ndarray  # (N,) float64 [m] arc length on its road
    d: np.ndarray  # (N,) float64 [m] lateral offset, left of the reference line
    lane: np.ndarray  # (N,) int32, lane of its road (-1: off the carriageway)
    length: np.ndarray  # (N,) float64 [m]
    width: np.ndarray  # (N,) float64 [m]
    wheelbase: np.ndarray  # (N,) float64 [m]
    look_min: np.ndarray  # (N,) float64 [m] shortest pure-pursuit / walking lookahead
    ignore_signals: np.ndarray  # (N,) bool, drives through red lights
    stop_s: np.ndarray  # (N,) float64, scripted stop point s (NaN: none)
    tgt_s: np.ndarray  # (N,) float64, a walker's target s (NaN: walk along its lane)
    acc_override: np.ndarray  # (N,) float64, NaN: IDM; < 0 brake at it; > 0 accelerate


class Idm(NamedTuple):
    """Intelligent Driver Model parameters per agent (Treiber et al. 2000)."""

    v0: np.ndarray  # (N,) float64 [m/s] desired speed
    T: np.ndarray  # (N,) float64 [s] time headway
    s0: np.ndarray  # (N,) float64 [m] standstill gap
    a_max: np.ndarray  # (N,) float64 [m/s^2] maximum acceleration
    b_comf: np.ndarray  # (N,) float64 [m/s^2] comfortable deceleration
    delta: np.ndarray  # (N,) float64 [-] acceleration exponent


class Limits(NamedTuple):
    """Physical limits per agent."""

    b_max: np.ndarray  # (N,) float64 [m/s^2] hardest braking
    steer_max: np.ndarray  # (N,) float64 [rad] front-wheel angle
    steer_rate_max: np.ndarray  # (N,) float64 [rad/s] (walkers: fastest turn)


class LanePath(NamedTuple):
    """Lateral reference: the lane centre ``d_ref``, or a lane change from ``lc_d0`` to
    ``lc_d1`` over ``lc_len`` m of road from ``lc_s0``."""

    d_ref: np.ndarray  # (N,) float64 [m]
    lc_active: np.ndarray  # (N,) bool
    lc_s0: np.ndarray  # (N,) float64 [m]
    lc_len: np.ndarray  # (N,) float64 [m]
    lc_d0: np.ndarray  # (N,) float64 [m]
    lc_d1: np.ndarray  # (N,) float64 [m]


class MobilParams(NamedTuple):
    """MOBIL lane-change parameters per agent (Kesting et al. 2007)."""

    mobil: np.ndarray  # (N,) bool, MOBIL decides this agent's lane
    politeness: np.ndarray  # (N,) float64 [-]
    threshold: np.ndarray  # (N,) float64 [m/s^2]
    b_safe: np.ndarray  # (N,) float64 [m/s^2]
    lc_duration: np.ndarray  # (N,) float64 [s]
    lc_cooldown: np.ndarray  # (N,) float64 [s] left before deciding again


class Traffic(NamedTuple):
    """What the ordering kernel derives every step, for the step and MOBIL kernels."""

    order: np.ndarray  # (N,) int64, agent indices sorted by key (kept between steps)
    key: np.ndarray  # (N,) float64, global lane * lane_stride + s (inactive: 1e300)
    sorted_key: np.ndarray  # (N,) float64, key[order]
    rank: np.ndarray  # (N,) int64, position of each agent in order
    glane: np.ndarray  # (N,) int32, global lane (-1: off the carriageway)
    lc_lane: np.ndarray  # (N,) int32, second lane a changer occupies (else glane)
    leader: np.ndarray  # (N,) int32, nearest agent ahead (-1: none)
    gap: np.ndarray  # (N,) float64 [m] bumper gap to the leader (inf: none)
    v_lead: np.ndarray  # (N,) float64 [m/s] the leader's speed
    gap_ctl: np.ndarray  # (N,) float64 [m] gap to what the driver must not hit
    v_ctl: np.ndarray  # (N,) float64 [m/s] its speed along the driver's heading


class Boxes(NamedTuple):
    """Agent footprints for the collision sweep."""

    active: np.ndarray  # (N,) bool
    x: np.ndarray  # (N,) float64 [m] centre
    y: np.ndarray  # (N,) float64 [m]
    cos_yaw: np.ndarray  # (N,) float64
    sin_yaw: np.ndarray  # (N,) float64
    length: np.ndarray  # (N,) float64 [m]
    width: np.ndarray  # (N,) float64 [m]


class Grid(NamedTuple):
    """The collision grid's order, kept between calls (any permutation on the first)."""

    order: np.ndarray  # (N,) int64, agents sorted by cell key
    key: np.ndarray  # (N,) int64, the cell keys order was sorted by (first call: anything)


_BOOL = {"active", "walker", "ignore_signals", "lc_active", "mobil"}
_INT32 = {"road", "lane", "glane", "lc_lane", "leader"}
_INT64 = {"order", "rank"}


def _per_agent(bundle: type, **dtypes: np.dtype) -> dict[str, np.dtype]:
    """Field -> dtype of a bundle whose every field is (N,): bool, int32 and int64 by
    name, float64 otherwise."""
    out = {}
    for name in bundle._fields:
        out[name] = B1 if name in _BOOL else I4 if name in _INT32 else I8 if name in _INT64 else F8
    out.update(dtypes)
    return out


DTYPES: dict[type, dict[str, np.dtype]] = {
    Agents: _per_agent(Agents),
    Idm: _per_agent(Idm),
    Limits: _per_agent(Limits),
    LanePath: _per_agent(LanePath),
    MobilParams: _per_agent(MobilParams),
    Traffic: _per_agent(Traffic),
    Boxes: _per_agent(Boxes),
    Grid: _per_agent(Grid, key=I8),
}
"""dtype of every field of the per-agent bundles (each field is (N,), C-contiguous)."""

_ROAD_SHAPES = {  # field -> (dtype, number of dimensions, leading size: R roads, G lanes)
    "ref_all": (F8, 2, ""),
    "ref_rows": (I8, 2, "R"),
    "road_lanes": (F8, 2, "R"),
    "lane_tab": (F8, 2, "G"),
    "lane_wall": (F8, 1, "G"),
    "lane_signal": (F8, 1, "G"),
}


def _check_array(owner: str, name: str, a, dtype: np.dtype, ndim: int) -> None:
    if not isinstance(a, np.ndarray):
        raise ValueError(f"{owner}.{name} must be a numpy array, got {type(a).__name__}")
    if a.dtype != dtype:
        raise ValueError(f"{owner}.{name} must be {dtype}, got {a.dtype}")
    if a.ndim != ndim:
        raise ValueError(f"{owner}.{name} must have {ndim} dimension(s), got shape {a.shape}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{owner}.{name} must be C-contiguous (a copy, not a strided view)")


def validate(*bundles, n: int | None = None) -> int:
    """Check the bundles' fields (type, dtype, dimensions, contiguity) and that every
    per-agent field has the same length ``n`` (the first one's when not given); ValueError
    naming the bundle and field otherwise. Returns n."""
    for bundle in bundles:
        kind = type(bundle)
        owner = kind.__name__
        if kind is Roads:
            _validate_roads(bundle)
            continue
        if kind not in DTYPES:
            raise ValueError(f"not a kernel bundle: {owner}")
        for name, dtype in DTYPES[kind].items():
            a = getattr(bundle, name)
            _check_array(owner, name, a, dtype, 1)
            if n is None:
                n = a.shape[0]
            elif a.shape[0] != n:
                raise ValueError(f"{owner}.{name} has {a.shape[0]} entries, expected {n} (agents)")
    return -1 if n is None else int(n)


def _validate_roads(roads: Roads) -> None:
    sizes = {"": None}
    for lead, name in (("R", "ref_rows"), ("G", "lane_tab")):  # R roads, G global lanes
        a = getattr(roads, name)
        sizes[lead] = a.shape[0] if isinstance(a, np.ndarray) and a.ndim >= 1 else None
    for name, (dtype, ndim, lead) in _ROAD_SHAPES.items():
        a = getattr(roads, name)
        _check_array("Roads", name, a, dtype, ndim)
        if lead and a.shape[0] != sizes[lead]:
            what = "roads" if lead == "R" else "global lanes"
            raise ValueError(f"Roads.{name} has {a.shape[0]} rows, expected {sizes[lead]} ({what})")
    if roads.road_lanes.shape[1] != 3 or roads.ref_rows.shape[1] != 2:
        raise ValueError("Roads.road_lanes must be (R, 3) and Roads.ref_rows (R, 2)")
    if not isinstance(roads.lane_stride, float) or not roads.lane_stride > 0.0:
        raise ValueError(f"Roads.lane_stride must be a positive float, got {roads.lane_stride!r}")
