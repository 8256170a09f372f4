"""The LiDARs of an episode: sensor models from the scenario, one scene for all of them,
and sweeps at any time of a simulated trajectory.

Sweeps are centred on the times ``0, 1/rotation_hz, 2/rotation_hz, ...`` up to the last
step (the first one's earlier half sees the scene as it is at the start: poses outside the
trajectory are held). The ego (agent 0) carries the sensors and is not in their scene.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.lidar.beams import PRESETS, elevation_table
from sim.lidar.boxes import points_in_boxes
from sim.lidar.motion import interpolate_poses
from sim.lidar.sweep import Atmosphere, LidarModel, LidarScene, PointCloud, SweepAgent, cast_sweep
from sim.render.camera import rotation_zyx
from sim.render.scene import MeshArrays
from sim.scenario.schema.lidar import LIDAR_PRESETS, LidarSpec

if set(LIDAR_PRESETS) != set(PRESETS):
    raise RuntimeError("sim.lidar: the schema's presets and sim.lidar.beams.PRESETS differ")


def lidar_model(spec: LidarSpec) -> LidarModel:
    """The sensor model of a resolved ``sensors.lidars`` entry."""
    m = spec.mount
    T = np.eye(4)  # the sensor frame: x forward, y left, z up, like the ego's
    angles = (math.radians(float(v)) for v in (m.yaw_deg, m.pitch_deg, m.roll_deg))
    T[:3, :3] = rotation_zyx(*angles)
    T[:3, 3] = (float(m.x), float(m.y), float(m.z))
    table = (
        elevation_table(spec.preset_name)
        if spec.elevations_deg is None
        else elevation_table(None, spec.elevations_deg)
    )
    return LidarModel(
        name=spec.name,
        elevation_deg=table,
        azimuth_resolution_deg=float(spec.horizontal_resolution_deg),
        rotation_hz=float(spec.rotation_hz),
        max_range=float(spec.range),
        min_range=float(spec.min_range),
        T_ego_lidar=T,
        range_noise=float(spec.range_noise),
        dropout=float(spec.dropout),
    )


def sweep_times(model: LidarModel, t_end: float) -> np.ndarray:
    """(K,) [s] reference times of the sweeps of an episode ending at ``t_end``."""
    n = int(math.floor(t_end * model.rotation_hz + 1e-9)) + 1
    return np.arange(n, dtype=np.float64) * model.period


@dataclass(frozen=True)
class RigAgent:
    """An agent as the LiDARs see it: its column in the trajectory, id, class, size
    (l, w, h) [m] and mesh (own frame, bottom-centre origin)."""

    column: int
    id: int
    cls: str
    size: tuple[float, float, float]
    mesh: MeshArrays


@dataclass(frozen=True)
class SweepBox:
    """An object's 3D box in a sweep: id, class, size (l, w, h) [m], its pose (bottom
    centre) in the sensor frame at the reference time (4, 4), ``num_lidar_pts`` (points
    inside the box where it was when each was fired; :mod:`sim.lidar.boxes`) and
    ``num_lidar_hits`` (the object's own returns, by instance id)."""

    id: int
    cls: str
    size: tuple[float, float, float]
    T_lidar_obj: np.ndarray
    num_lidar_pts: int
    num_lidar_hits: int


@dataclass(frozen=True)
class Sweep:
    """One sweep's points, where the sensor was at its reference time (T_world_lidar (4, 4))
    and the box of every agent in the scene then, within the sensor's range."""

    index: int
    t: float
    points: PointCloud
    T_world_lidar: np.ndarray
    boxes: list[SweepBox]


class LidarRig:
    """Every LiDAR of an episode over one scene (the static triangles the cameras see, and
    each agent's mesh)."""

    def __init__(
        self,
        models: list[LidarModel],
        static: MeshArrays,
        agents: list[RigAgent],
        atmosphere: Atmosphere,
    ) -> None:
        self.models = models
        self.agents = agents
        self.atmosphere = atmosphere
        self.scene = LidarScene(static, wetness=atmosphere.wetness)
        for a in agents:
            self.scene.add_mesh(a.id, a.mesh)

    def sweep(self, k: int, traj, index: int, t_ref: float, rng: np.random.Generator) -> Sweep:
        """Sweep ``index`` of LiDAR ``k`` centred on ``t_ref`` [s] of ``traj`` (a
        sim.traffic Trajectory, ego in column 0)."""
        model = self.models[k]
        times = t_ref + model.block_times()
        t_steps = np.asarray(traj.t, dtype=np.float64)

        def poses(col: int, at: np.ndarray) -> np.ndarray:
            return interpolate_poses(t_steps, traj.x[:, col], traj.y[:, col], traj.yaw[:, col], at)

        def present(col: int, at: np.ndarray) -> np.ndarray:
            if traj.active is None:
                return np.ones(len(at), dtype=bool)
            step = np.clip(np.rint(np.interp(at, t_steps, np.arange(len(t_steps)))), 0, None)
            return np.asarray(traj.active[step.astype(np.intp), col], dtype=bool)

        ego = poses(0, times)
        ego_ref = poses(0, np.array([t_ref]))[0]
        sweep_agents = [
            SweepAgent(a.id, a.id, poses(a.column, times), present(a.column, times))
            for a in self.agents
        ]
        points = cast_sweep(model, self.scene, ego, ego_ref, sweep_agents, self.atmosphere, rng)
        T_world_lidar = ego_ref @ model.T_ego_lidar
        T_lidar_world = np.linalg.inv(T_world_lidar)
        ref = np.array([t_ref])
        kept = []
        for a, sa in zip(self.agents, sweep_agents, strict=True):
            if not present(a.column, ref)[0]:
                continue
            T = T_lidar_world @ poses(a.column, ref)[0]
            if np.linalg.norm(T[:3, 3]) > model.max_range + max(a.size):
                continue
            kept.append((a, T, T_lidar_world @ sa.T_world_obj))
        hits = points.points_per_instance(max((a.id for a, _, _ in kept), default=0))
        inside = (
            points_in_boxes(
                points.xyz,
                model.column_block()[points.column],
                np.stack([blocks for _, _, blocks in kept]),
                np.array([a.size for a, _, _ in kept]),
            )
            if kept
            else []
        )
        boxes = [
            SweepBox(a.id, a.cls, a.size, T, int(n), int(hits[a.id]))
            for (a, T, _), n in zip(kept, inside, strict=True)
        ]
        return Sweep(index, float(t_ref), points, T_world_lidar, boxes)
