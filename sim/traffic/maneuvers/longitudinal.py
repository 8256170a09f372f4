"""Maneuvers that set how an agent drives along its lane: braking, stopping, a new desired
speed, accelerating, breaking down, and handing the lane choice to MOBIL. Each writes the
agent's acceleration override or parameters; the kernels do the rest."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import (
    AccelerateSpec,
    HardBrakeSpec,
    MobilSpec,
    SetSpeedSpec,
    StalledSpec,
    StopSpec,
)
from sim.traffic.maneuvers.base import Maneuver, Trigger, registers


@registers(HardBrakeSpec)
@dataclass(frozen=True)
class HardBrake(Maneuver):
    """Brake at ``decel`` [m/s^2] until standing (or for ``duration`` [s] if given)."""

    decel: float
    duration: float | None = None
    trigger: Trigger = Trigger()
    name: str = "hard_brake"

    @classmethod
    def from_spec(cls, spec, trigger, index):
        duration = None if spec.duration is None else float(spec.duration)
        return cls(float(spec.decel), duration, trigger)

    def start(self, run, sc, state, i, t):
        state.acc_override[i] = -self.decel
        run.emit(t, i, f"{self.name}_start", decel=self.decel)
        return True

    def progress(self, run, sc, state, t, done):
        i = sc.agent
        finished = state.v[i] <= 1e-6 or (
            self.duration is not None and t - sc.started_at >= self.duration - 1e-9
        )
        if finished:
            state.acc_override[i] = np.nan
        return finished


@registers(SetSpeedSpec)
@dataclass(frozen=True)
class SetSpeed(Maneuver):
    """Change the desired speed to ``speed`` [m/s]; IDM accelerates/brakes towards it."""

    speed: float
    trigger: Trigger = Trigger()
    name: str = "set_speed"

    @classmethod
    def from_spec(cls, spec, trigger, index):
        return cls(float(spec.speed), trigger)

    def start(self, run, sc, state, i, t):
        state.v0[i] = max(self.speed, 0.1)
        state.acc_override[i] = np.nan  # e.g. drive off after a stop
        run.emit(t, i, f"{self.name}_start", speed=self.speed)
        return True

    def progress(self, run, sc, state, t, done):
        return True  # it only changes parameters; the kernels do the rest


@registers(StopSpec)
@dataclass(frozen=True)
class Stop(Maneuver):
    """Brake at ``decel`` [m/s^2] to a standstill and stay there (a later set_speed or
    accelerate maneuver drives off again)."""

    decel: float = 3.0
    trigger: Trigger = Trigger()
    name: str = "stop"

    @classmethod
    def from_spec(cls, spec, trigger, index):
        return cls(float(spec.decel), trigger)

    def start(self, run, sc, state, i, t):
        state.acc_override[i] = -self.decel
        state.mobil[i] = False
        run.emit(t, i, f"{self.name}_start", decel=self.decel)
        return True

    def progress(self, run, sc, state, t, done):
        return state.v[sc.agent] <= 1e-6  # the override stays on: it holds the car standing


@registers(StalledSpec)
@dataclass(frozen=True)
class Stalled(Stop):
    """Break down: brake at ``decel`` [m/s^2] to a standstill (at once when already
    standing) and never move again."""

    decel: float = 4.0
    trigger: Trigger = Trigger()
    name: str = "stalled"

    def start(self, run, sc, state, i, t):
        state.acc_override[i] = -self.decel
        state.mobil[i] = False
        sc.next_index = len(sc.maneuvers)  # a broken-down car runs no further maneuvers
        run.emit(t, i, f"{self.name}_start", decel=self.decel)
        return True


@registers(AccelerateSpec)
@dataclass(frozen=True)
class Accelerate(Maneuver):
    """Accelerate at ``accel`` [m/s^2] (still braking for a leader, as IDM would) until
    ``speed`` [m/s]; then keep it as the desired speed."""

    speed: float
    accel: float = 2.0
    trigger: Trigger = Trigger()
    name: str = "accelerate"

    @classmethod
    def from_spec(cls, spec, trigger, index):
        return cls(float(spec.speed), float(spec.accel), trigger)

    def start(self, run, sc, state, i, t):
        state.v0[i] = max(self.speed, 0.1)
        state.acc_override[i] = self.accel
        run.emit(t, i, f"{self.name}_start", speed=self.speed, accel=self.accel)
        return True

    def progress(self, run, sc, state, t, done):
        i = sc.agent
        finished = state.v[i] >= self.speed - 1e-6
        if finished:
            state.acc_override[i] = np.nan
        return finished


@registers(MobilSpec)
@dataclass(frozen=True)
class Mobil(Maneuver):
    """Hand the lane choice to MOBIL from now on (politeness [-], threshold [m/s^2], safe
    braking [m/s^2], lane-change duration [s])."""

    politeness: float = 0.3
    threshold: float = 0.2
    safe_decel: float = 4.0
    duration: float = 3.0
    trigger: Trigger = Trigger()
    name: str = "mobil"

    @classmethod
    def from_spec(cls, spec, trigger, index):
        return cls(
            float(spec.politeness),
            float(spec.threshold),
            float(spec.safe_decel),
            float(spec.duration),
            trigger,
        )

    def start(self, run, sc, state, i, t):
        state.mobil[i] = True
        state.politeness[i], state.mobil_threshold[i] = self.politeness, self.threshold
        state.b_safe[i], state.lc_duration[i] = self.safe_decel, self.duration
        run.emit(t, i, f"{self.name}_start")
        return True

    def progress(self, run, sc, state, t, done):
        return True  # it only changes parameters; the kernels do the rest
