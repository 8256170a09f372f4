"""Agent state as a struct of arrays: one numpy array per quantity, index = agent slot."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim.classes import BY_NAME
from sim.road import Road
from sim.traffic import params as P

KIND_VEHICLE = 0
KIND_TWO_WHEELER = 1
KIND_PEDESTRIAN = 2


@dataclass
class AgentState:
    """State of N agents. Angles [rad], lengths [m], speeds [m/s], accelerations [m/s^2].

    Positions are the bottom centre of each agent's bounding box; ``yaw`` its heading.
    ``s``/``d`` are lane coordinates, kept current by the step kernel.
    """

    id: np.ndarray  # (N,) int32, stable id >= 1 (instance id, track id)
    cls: np.ndarray  # (N,) uint8, semantic class id
    kind: np.ndarray  # (N,) uint8, KIND_*
    length: np.ndarray
    width: np.ndarray
    height: np.ndarray
    wheelbase: np.ndarray
    x: np.ndarray
    y: np.ndarray
    yaw: np.ndarray
    v: np.ndarray
    a: np.ndarray
    steer: np.ndarray
    s: np.ndarray
    d: np.ndarray
    lane: np.ndarray  # (N,) int32, lane of its road containing the centre (-1: off it, walkers)
    road: np.ndarray  # (N,) int32, road index in the World (0 main, 1 cross street, 2.. paths)
    dirn: np.ndarray  # (N,) float64, +1 drives towards +s, -1 towards -s
    walker: np.ndarray  # (N,) bool, walker kinematics (pedestrians, animals)
    ignore_signals: np.ndarray  # (N,) bool, drives through red lights
    stop_s: np.ndarray  # (N,) float64, scripted stop point s on its road (NaN: none)
    tgt_s: np.ndarray  # (N,) float64, a walker's target s (NaN: walk along its lane)
    look_min: np.ndarray  # (N,) float64, [m] shortest pure-pursuit / walking lookahead
    # IDM parameters per agent
    v0: np.ndarray
    T: np.ndarray
    s0: np.ndarray
    a_max: np.ndarray
    b_comf: np.ndarray
    delta: np.ndarray
    # limits
    b_max: np.ndarray
    steer_max: np.ndarray
    steer_rate_max: np.ndarray
    # lateral reference: lane centre d_ref, or a lane change from d0 to d1 over [s0, s0+len]
    d_ref: np.ndarray
    lc_active: np.ndarray  # (N,) bool
    lc_s0: np.ndarray
    lc_len: np.ndarray
    lc_d0: np.ndarray
    lc_d1: np.ndarray
    acc_override: np.ndarray  # NaN = IDM decides; < 0 brake at it; > 0 accelerate (IDM-capped)
    collided: np.ndarray  # (N,) bool
    # MOBIL lane changes (off unless ``mobil``): politeness [-], threshold [m/s^2],
    # safe braking [m/s^2], lane-change duration [s], time left before deciding again [s]
    mobil: np.ndarray  # (N,) bool
    politeness: np.ndarray
    mobil_threshold: np.ndarray
    b_safe: np.ndarray
    lc_duration: np.ndarray
    lc_cooldown: np.ndarray

    @classmethod
    def empty(cls, n: int) -> AgentState:
        """N agents with a physical default for every parameter: ids 1..N, class ``car``,
        a mid-size car's body (``params.CAR_*``), IDM (``params.IDM_*``, desired speed
        ``params.DESIRED_SPEED``), braking and steering limits (``MAX_BRAKE``,
        ``MAX_STEER``, ``MAX_STEER_RATE``), MOBIL off with its defaults.

        Why every one: a zero left in a limit is not "no limit" but a car that cannot brake
        (``b_max`` 0) or steer, and a zero wheelbase or desired speed makes the kinematics
        divide by zero. What is left to the caller is where the agents are: pose ``x, y,
        yaw`` and speed ``v`` are 0, and ``d_ref`` is NaN, which the World reads as "the
        centre of the lane it starts in". :meth:`vehicles` places them on a road.
        """
        n = int(n)
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        arrays = {}
        for f in fields(cls):
            if f.name in ("id", "lane", "road"):
                arrays[f.name] = np.zeros(n, dtype=np.int32)
            elif f.name in ("cls", "kind"):
                arrays[f.name] = np.zeros(n, dtype=np.uint8)
            elif f.name in _BOOL_FIELDS:
                arrays[f.name] = np.zeros(n, dtype=np.bool_)
            elif f.name in ("acc_override", "stop_s", "tgt_s", "d_ref"):
                arrays[f.name] = np.full(n, np.nan)
            else:
                arrays[f.name] = np.zeros(n, dtype=np.float64)
        arrays["id"][:] = np.arange(1, n + 1)
        arrays["cls"][:] = BY_NAME["car"].id
        arrays["kind"][:] = KIND_VEHICLE
        for name, value in _DEFAULTS.items():
            arrays[name][:] = value
        return cls(**arrays)

    @classmethod
    def vehicles(cls, road: Road, s, lane=0, v=0.0, **values) -> AgentState:
        """Vehicles on ``road``, on the centre of ``lane`` (0 = rightmost) at arc length
        ``s`` [m], heading along the lane, at speed ``v`` [m/s]; everything else as in
        :meth:`empty`, except the desired speed ``v0``: ``v`` if positive, else the road's
        speed limit. ``s`` is a sequence (one entry per vehicle); ``lane``, ``v`` and every
        keyword (any field: ``v0``, ``length``, ``b_max``, ``mobil``, ...) a scalar or one
        value per vehicle. Oncoming lanes drive towards -s (``dirn`` -1).

            st = AgentState.vehicles(Road.straight(500.0, 2, 3.5), s=[10, 40], lane=0, v=15.0)
        """
        s = np.atleast_1d(np.asarray(s, dtype=np.float64))
        if s.ndim != 1:
            raise ValueError("s must be one arc length per vehicle")
        n = s.shape[0]
        st = cls.empty(n)
        lanes = np.broadcast_to(np.asarray(lane), (n,)).astype(np.int64)
        if lanes.size and (lanes.min() < 0 or lanes.max() >= road.total_lanes):
            raise ValueError(
                f"lane must be in 0..{road.total_lanes - 1}, got {sorted(set(lanes.tolist()))}"
            )
        d = np.asarray(road.lane_center(lanes), dtype=np.float64)
        dirn = np.array([road.lane_direction(int(k)) for k in lanes], dtype=np.float64)
        x, y, yaw = road.to_world(s, d)
        st.x[:], st.y[:], st.s[:], st.d_ref[:] = x, y, s, d
        st.yaw[:] = np.where(dirn > 0, yaw, yaw + np.pi)
        st.dirn[:] = dirn
        st.v[:] = v
        st.v0[:] = np.where(st.v > 0.0, st.v, road.speed_limit)
        for name, value in values.items():
            if name not in _FIELD_NAMES:
                raise TypeError(
                    f"AgentState has no field {name!r} (fields: {', '.join(sorted(_FIELD_NAMES))})"
                )
            getattr(st, name)[:] = value
        st.validate()
        return st

    def validate(self) -> None:
        """ValueError naming the first field (and agent) whose value cannot be physical: a
        non-positive size, wheelbase, desired speed, acceleration or braking limit, a
        negative steering limit or time gap, or a NaN anywhere but the NaN-means-none
        fields. The World calls it, so a state built by hand is checked too."""
        n = len(self)
        for f in fields(self):
            a = getattr(self, f.name)
            if a.shape != (n,):
                raise ValueError(f"{f.name} has shape {a.shape}, expected ({n},)")
        for name in _POSITIVE:
            bad = np.flatnonzero(~(getattr(self, name) > 0.0))
            if bad.size:
                i = int(bad[0])
                raise ValueError(f"{name} must be > 0 (agent {i}: {getattr(self, name)[i]!r})")
        for name in _NON_NEGATIVE:
            bad = np.flatnonzero(~(getattr(self, name) >= 0.0))
            if bad.size:
                i = int(bad[0])
                raise ValueError(f"{name} must be >= 0 (agent {i}: {getattr(self, name)[i]!r})")
        for name in ("x", "y", "yaw", "v", "s"):
            bad = np.flatnonzero(~np.isfinite(getattr(self, name)))
            if bad.size:
                raise ValueError(f"{name} must be finite (agent {int(bad[0])})")

    def __len__(self) -> int:
        return int(self.id.shape[0])

    def copy(self) -> AgentState:
        return AgentState(**{f.name: getattr(self, f.name).copy() for f in fields(self)})


_BOOL_FIELDS = ("lc_active", "collided", "mobil", "walker", "ignore_signals")
_FIELD_NAMES = frozenset(f.name for f in fields(AgentState))
# every parameter's physical default (AgentState.empty); each value's unit is in params.py
_DEFAULTS = {
    "length": P.CAR_LENGTH,
    "width": P.CAR_WIDTH,
    "height": P.CAR_HEIGHT,
    "wheelbase": P.CAR_WHEELBASE,
    "dirn": 1.0,
    "look_min": P.LOOKAHEAD_MIN,
    "v0": P.DESIRED_SPEED,
    "T": P.IDM_TIME_HEADWAY,
    "s0": P.IDM_MIN_GAP,
    "a_max": P.IDM_MAX_ACCEL,
    "b_comf": P.IDM_COMFORT_DECEL,
    "delta": P.IDM_DELTA,
    "b_max": P.MAX_BRAKE,
    "steer_max": P.MAX_STEER,
    "steer_rate_max": P.MAX_STEER_RATE,
    "politeness": P.MOBIL_POLITENESS,
    "mobil_threshold": P.MOBIL_THRESHOLD,
    "b_safe": P.MOBIL_SAFE_DECEL,
    "lc_duration": P.LANE_CHANGE_DURATION,
}
# must be > 0: sizes, the bicycle's wheelbase, IDM's v0, a and b (it divides by them), the
# braking limit (0 = a car that cannot brake), the lookahead
_POSITIVE = (
    "length",
    "width",
    "height",
    "wheelbase",
    "v0",
    "a_max",
    "b_comf",
    "delta",
    "b_max",
    "look_min",
)
_NON_NEGATIVE = ("T", "s0", "steer_max", "steer_rate_max", "b_safe", "lc_duration")
