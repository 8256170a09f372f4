"""Maneuvers that leave the lane's path: a turn at the junction, a path of segments, a
walker crossing the road. They add roads (turn and follow-a-path paths) through the
script's WorldView and move the agent between roads."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.road import Road
from sim.road.opendrive.offlane import crossing_target, drivable_piece_at
from sim.scenario.roads import segments
from sim.scenario.schema import CrossSpec, FollowPathSpec, TurnSpec
from sim.traffic.maneuvers.base import Maneuver, Trigger, registers

TURN_DECEL = 1.5  # [m/s^2] a turning driver slows to the turn speed at this rate
LOOK_TIME = 8.0  # [s] a walker who looks lets a vehicle this far from it pass first (a
# two-lane street takes ~5 s to cross at 1.4 m/s: the far lane's drivers need the rest)
LOOK_MIN = 10.0  # [m] ... and one this close
LOOK_SIDE = 12.0  # [m] ... whose line passes this close to it (the street's other side too)
LOOK_STANDING = 4.0  # [m] ... nor step out this close in front of a standing one


@registers(TurnSpec)
@dataclass(frozen=True)
class Turn(Maneuver):
    """Turn ``turn`` ('left' | 'right') at the junction ahead into the cross street.

    The driver slows to ``speed`` [m/s] for the turn, stops at the stop line unless its
    light is green and, turning left, no oncoming vehicle would reach the junction box
    within ``accept_gap`` [s] (gap acceptance), then follows the turn path into lane
    ``to_lane`` of the cross street (None: the natural one).
    """

    turn: str
    to_lane: int | None
    speed: float
    accept_gap: float
    trigger: Trigger = Trigger()
    name: str = "turn"

    @classmethod
    def from_spec(cls, spec, trigger, index):
        to_lane = None if spec.to_lane is None else int(spec.to_lane)
        return cls(spec.direction, to_lane, float(spec.speed), float(spec.accept_gap), trigger)

    def start(self, run, sc, state, i, t):
        net = run.world.network
        if net.junction is None or state.road[i] > 1 or state.lane[i] < 0:
            run.emit(t, i, f"{self.name}_impossible")
            return False
        tp = net.turn_path(int(state.road[i]), int(state.lane[i]), self.turn, self.to_lane)
        if state.dirn[i] * (state.s[i] - tp.s_entry) > 0:
            run.emit(t, i, f"{self.name}_impossible", reason="past the stop line")
            return False
        sc.data = {"tp": tp, "v0": float(state.v0[i])}
        state.mobil[i] = False
        run.emit(t, i, f"{self.name}_start", turn=self.turn)
        return True

    def progress(self, run, sc, state, t, done):
        """Approach (hold at the stop line until allowed), path, exit."""
        i = sc.agent
        tp = sc.data["tp"]
        world = run.world
        if sc.phase == 0:
            # desired speed: what still slows to the turn speed at the stop line at 1.5 m/s^2
            dist = max(float(state.dirn[i] * (tp.s_entry - state.s[i])), 0.0)
            state.v0[i] = min(sc.data["v0"], math.sqrt(self.speed**2 + 2.0 * TURN_DECEL * dist))
            approach = "main" if tp.road == 0 else "cross"
            allowed = world.network.signal_state(t)[approach] == "green"
            if allowed and self.turn == "left":
                allowed = self._oncoming_clear(world, state, i, tp)
            state.stop_s[i] = np.nan if allowed else tp.s_entry
            if allowed and state.dirn[i] * (state.s[i] - tp.s_entry) >= 0.0:
                r = world.add_road(tp.path)
                sc.data["path"] = r
                world.move_to_road(i, r, lane=0)
                sc.phase = 1
                run.emit(t, i, "turn_enter")
            return False
        r = sc.data["path"]
        if state.road[i] == r and state.s[i] >= world.roads[r].length - 0.5:
            world.move_to_road(i, tp.exit_road, lane=tp.exit_lane)
            state.v0[i] = sc.data["v0"]
            return True
        return False

    def _oncoming_clear(self, world, state, i: int, tp) -> bool:
        """No vehicle on the approach's road coming the other way reaches (or is in) the
        junction box within ``accept_gap`` seconds."""
        net = world.network
        b0, b1 = net.box_main if tp.road == 0 else net.box_cross
        me_dir = state.dirn[i]
        for j in range(len(state)):
            if j == i or state.road[j] != tp.road or state.dirn[j] == me_dir or state.walker[j]:
                continue
            # distance from j's front to the box, along j's direction
            front = state.s[j] + state.dirn[j] * 0.5 * state.length[j]
            edge = b0 if state.dirn[j] > 0 else b1
            dist = state.dirn[j] * (edge - front)
            rear = state.s[j] - state.dirn[j] * 0.5 * state.length[j]
            if state.dirn[j] * (rear - (b1 if state.dirn[j] > 0 else b0)) > 0:
                continue  # its rear is past the box
            if dist <= 0.0 or dist < self.accept_gap * max(state.v[j], 0.0):
                return False
        return True


@registers(FollowPathSpec)
@dataclass(frozen=True)
class FollowPath(Maneuver):
    """Leave the lane and follow a path of straight/arc ``segments`` (Segment tuple) from
    where the agent is, at ``speed`` [m/s]; at its end rejoin the lane there, or stop if it
    ends off the carriageway."""

    segments: tuple
    speed: float
    trigger: Trigger = Trigger()
    name: str = "follow_path"

    @classmethod
    def from_spec(cls, spec, trigger, index):
        return cls(segments(spec.segments), float(spec.speed), trigger)

    def start(self, run, sc, state, i, t):
        lane_width = run.lane_width(state, i)
        origin = (
            float(state.x[i] + math.sin(state.yaw[i]) * lane_width / 2),
            float(state.y[i] - math.cos(state.yaw[i]) * lane_width / 2),
            float(state.yaw[i]),
        )
        road = Road(
            lanes=1,
            lane_width=lane_width,
            segments=tuple(self.segments),
            shoulder_width=0.0,
            origin=origin,
        )
        r = run.world.add_road(road)
        run.world.move_to_road(i, r, lane=0)
        state.v0[i] = max(self.speed, 0.1)
        state.acc_override[i] = np.nan
        run.emit(t, i, f"{self.name}_start", road=r)
        return True

    def progress(self, run, sc, state, t, done):
        i = sc.agent
        road = run.world.roads[state.road[i]]
        finished = state.s[i] >= road.length - 0.5
        if finished:
            # at the path's end: rejoin the lane there (on a map: of the piece under it, which
            # the Router then plans from), or stop off the road
            net = run.world.network
            x, y = float(state.x[i]), float(state.y[i])
            if getattr(net, "pieces", None):
                r = drivable_piece_at(net, x, y)
                if r is not None:
                    run.world.move_to_road(i, r)
                else:
                    state.acc_override[i] = -3.0
                return finished
            main = run.world.roads[0]
            s, d = main.to_lane([x], [y])
            if 0.0 <= d[0] <= main.width and 0.0 <= s[0] <= main.length:
                run.world.move_to_road(i, 0)
            else:
                state.acc_override[i] = -3.0
        return finished


@registers(CrossSpec)
@dataclass(frozen=True)
class Cross(Maneuver):
    """A walker crosses the road to the far side (``to_d`` [m]: lateral target, None =
    the middle of the far sidewalk or shoulder), ``along`` [m] further along the road, at
    ``speed`` [m/s]; then walks on along the road (``then`` 'walk') or stands ('stop')."""

    speed: float
    to_d: float | None
    along: float
    then: str
    trigger: Trigger = Trigger()
    name: str = "cross"
    look: bool = False

    @classmethod
    def from_spec(cls, spec, trigger, index):
        to_d = None if spec.to_d is None else float(spec.to_d)
        return cls(
            float(spec.speed), to_d, float(spec.along), spec.then, trigger, look=bool(spec.look)
        )

    def ready(self, run, state, i):
        """With ``look``: no moving vehicle has the walker ahead of it (or beside it) within
        LOOK_TIME s of its travel, or LOOK_MIN m, and within LOOK_SIDE m of its line; and no
        standing one has it within LOOK_STANDING m of its front (it may move
        off: a queue is not crossed in front of its first car)."""
        if not self.look:
            return True
        dx, dy = state.x[i] - state.x, state.y[i] - state.y
        c, s = np.cos(state.yaw), np.sin(state.yaw)
        ahead = c * dx + s * dy  # the walker's distance ahead of each vehicle's centre
        side = np.abs(c * dy - s * dx)
        reach = np.maximum(LOOK_MIN, LOOK_TIME * state.v)
        moving = (state.v > 0.5) & (ahead < reach) & (side < LOOK_SIDE)
        standing = (ahead < 0.5 * state.length + LOOK_STANDING) & (side < LOOK_SIDE)
        coming = ~state.walker & (ahead > -0.5 * state.length - 1.0) & (moving | standing)
        if run.active is not None:  # (off stage: a reserve vehicle, one that left the map)
            coming &= run.active
        coming[i] = False
        return not bool(coming.any())

    def start(self, run, sc, state, i, t):
        road = run.world.roads[state.road[i]]
        net = run.world.network
        if getattr(net, "pieces", None):  # a map: to_d is OpenDRIVE t, along its road's s
            tgt_s, to_d = crossing_target(
                net, int(state.road[i]), float(state.x[i]), float(state.y[i]), self.to_d, self.along
            )
        else:
            if self.to_d is not None:
                to_d = self.to_d
            else:
                walk = road.sidewalk_width / 2 if road.sidewalk_width > 0 else 0.0
                side = road.shoulder_width + walk
                to_d = road.width + side if state.d[i] < road.width / 2 else -side
            tgt_s = state.s[i] + state.dirn[i] * self.along
        state.tgt_s[i] = tgt_s
        state.d_ref[i] = to_d
        state.v0[i] = max(self.speed, 0.1)
        state.acc_override[i] = np.nan
        run.emit(t, i, f"{self.name}_start", to_d=round(float(to_d), 6))
        return True

    def progress(self, run, sc, state, t, done):
        i = sc.agent
        finished = bool(done[i])
        if finished:
            state.tgt_s[i] = np.nan
            if self.then == "stop":
                state.v0[i] = 0.1
                state.acc_override[i] = -3.0
        return finished
