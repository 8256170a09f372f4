"""Scripted maneuvers and the triggers that start them.

A scripted agent runs its maneuvers in sequence; each waits for its trigger, then writes
into the agent's arrays (lane-change path, acceleration override, desired speed) and the
kernels do the driving. One maneuver is one class (:mod:`.lateral`, :mod:`.longitudinal`,
:mod:`.paths`): built from its scenario spec, registered by spec type
(:data:`~.base.MANEUVERS`, :func:`~.base.registers`), its behaviour in its methods
(``ready``, ``start``, ``progress``). :mod:`.runner` evaluates the triggers and calls them.
"""

from __future__ import annotations

from sim.traffic.maneuvers.base import (
    MANEUVERS,
    Event,
    Maneuver,
    Trigger,
    WorldView,
    bumper_gap,
    from_spec,
    gap_ahead,
    registers,
    time_to_collision,
)
from sim.traffic.maneuvers.lateral import CutIn, CutOut, LaneChange
from sim.traffic.maneuvers.longitudinal import (
    Accelerate,
    HardBrake,
    Mobil,
    SetSpeed,
    Stalled,
    Stop,
)
from sim.traffic.maneuvers.paths import TURN_DECEL, Cross, FollowPath, Turn
from sim.traffic.maneuvers.runner import Script, ScriptRunner

__all__ = [
    "MANEUVERS",
    "TURN_DECEL",
    "Accelerate",
    "Cross",
    "CutIn",
    "CutOut",
    "Event",
    "FollowPath",
    "HardBrake",
    "LaneChange",
    "Maneuver",
    "Mobil",
    "Script",
    "ScriptRunner",
    "SetSpeed",
    "Stalled",
    "Stop",
    "Trigger",
    "Turn",
    "WorldView",
    "bumper_gap",
    "from_spec",
    "gap_ahead",
    "registers",
    "time_to_collision",
]
