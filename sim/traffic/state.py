"""Agent state as a struct of arrays: one numpy array per quantity, index = agent slot."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

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
        arrays = {}
        for f in fields(cls):
            if f.name in ("id", "lane", "road"):
                arrays[f.name] = np.zeros(n, dtype=np.int32)
            elif f.name in ("cls", "kind"):
                arrays[f.name] = np.zeros(n, dtype=np.uint8)
            elif f.name in ("lc_active", "collided", "mobil", "walker", "ignore_signals"):
                arrays[f.name] = np.zeros(n, dtype=np.bool_)
            elif f.name in ("acc_override", "stop_s", "tgt_s"):
                arrays[f.name] = np.full(n, np.nan)
            else:
                arrays[f.name] = np.zeros(n, dtype=np.float64)
        arrays["politeness"][:] = P.MOBIL_POLITENESS
        arrays["mobil_threshold"][:] = P.MOBIL_THRESHOLD
        arrays["b_safe"][:] = P.MOBIL_SAFE_DECEL
        arrays["lc_duration"][:] = P.LANE_CHANGE_DURATION
        arrays["dirn"][:] = 1.0
        arrays["look_min"][:] = P.LOOKAHEAD_MIN
        return cls(**arrays)

    def __len__(self) -> int:
        return int(self.id.shape[0])

    def copy(self) -> AgentState:
        return AgentState(**{f.name: getattr(self, f.name).copy() for f in fields(self)})
