"""Ground truth beyond the camera buffers (``outputs.ground_truth``; docs/ground_truth.md),
per camera frame:

- ``frames/<cam>/flow/NNNNNN.png``: forward optical flow to the camera's next frame, KITTI
  flow PNG (16-bit RGB: u, v, valid); the episode's last frame has no next one (all invalid);
- ``motion/<cam>/NNNNNN.json``: the labelled objects' velocities (with flow);
- ``bev/<cam>/NNNNNN.npz``: the bird's-eye-view grid (``semantic``, ``instance``,
  ``height``) and/or the voxel occupancy from this camera's rays (``occupancy``,
  ``occupancy_classes``);
- ``lanes/<cam>/NNNNNN.json``: lane lines in 3D (ego frame) and in this camera;
  ``culane/<cam>/NNNNNN.lines.txt``: the CULane export;
- ``ground_truth.json``: the grids' geometry and the conventions, after the last frame.

Not in ``WRITERS`` (it needs the episode's road, static scene and trajectory, not only the
frame): the episode runner adds it with :func:`ground_truth_writers`.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.dataset.io import json_bytes, write_bytes_atomic, write_json
from sim.dataset.writers.base import FrameData, Writer
from sim.groundtruth.bev import BevGrid, VoxelGrid, bev_frame, occupancy
from sim.groundtruth.flow import (
    FlowField,
    camera_rays,
    kitti_flow_png,
    motion_transforms,
    rigid_flow,
)
from sim.groundtruth.lanes import camera_lines, culane_text, frame_lines, lanes_json, network_lines
from sim.labels import SceneObject
from sim.render.camera import CameraModel, invert_rigid, pose_matrix
from sim.scenario import steps_per_frame


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An ``.npz`` (``numpy.load`` reads it) with the same bytes for the same arrays:
    ``numpy.savez_compressed`` stamps the current time into its zip entries."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            body = io.BytesIO()
            np.lib.format.write_array(body, np.ascontiguousarray(array), allow_pickle=False)
            zf.writestr(info, body.getvalue())
    return buf.getvalue()


@dataclass(frozen=True)
class EpisodeMotion:
    """What the episode knows of everyone's motion: the trajectory (``sim.traffic.world``),
    the agents (id order, index 0 the ego) and the physics step [s]."""

    traj: Any
    agents: Sequence[Any]
    step: float

    def ego_pose(self, step: int) -> np.ndarray:
        t = self.traj
        return pose_matrix(t.x[step, 0], t.y[step, 0], 0.0, t.yaw[step, 0])

    def objects(self, step: int) -> list[SceneObject]:
        """Every road user but the ego in the scene at ``step``."""
        t = self.traj
        out = []
        for i, a in enumerate(self.agents):
            if i == 0 or (t.active is not None and not t.active[step, i]):
                continue
            T = pose_matrix(t.x[step, i], t.y[step, i], 0.0, t.yaw[step, i])
            out.append(SceneObject(a.id, a.cls, tuple(a.size), T))
        return out

    def velocity(self, step: int) -> dict[int, np.ndarray]:
        """{id: (3,) world-frame velocity [m/s]}: speed along the heading (flat ground)."""
        t = self.traj
        return {
            a.id: np.array(
                [
                    t.v[step, i] * math.cos(t.yaw[step, i]),
                    t.v[step, i] * math.sin(t.yaw[step, i]),
                    0.0,
                ]
            )
            for i, a in enumerate(self.agents)
        }


class GroundTruthWriter(Writer):
    def __init__(
        self,
        root: Path,
        spec,
        network,
        static,
        motion: EpisodeMotion,
        cameras: Sequence[CameraModel],
    ) -> None:
        self.root = root
        self.spec = spec
        self.static = static
        self.motion = motion
        self.bev = None
        if spec.bev is not None:
            b = spec.bev
            self.bev = BevGrid(
                float(b.extent_x), float(b.extent_y), float(b.resolution), float(b.ceiling)
            )
        self.voxels = None
        if spec.occupancy is not None:
            o = spec.occupancy
            self.voxels = VoxelGrid(
                float(o.extent_x),
                float(o.extent_y),
                float(o.voxel),
                float(o.z_min),
                float(o.z_max),
                int(o.stride),
            )
        self.lines = network_lines(network) if spec.lanes else []
        # per camera, computed here once so the writer threads only read them
        self.rays = {}
        if spec.flow or self.voxels is not None:
            self.rays = {c.name: camera_rays(c) for c in cameras}
        self.every = {c.name: steps_per_frame(c.rate, motion.step) or 1 for c in cameras}

    def write(self, frame: FrameData) -> None:
        cam = frame.camera
        step = frame.step
        T_ego0 = frame.T_world_ego
        if self.spec.flow:
            self._flow(frame, step, T_ego0)
        arrays: dict[str, np.ndarray] = {}
        if self.bev is not None:
            bev = bev_frame(self.bev, self.static, T_ego0, self.motion.objects(step))
            arrays.update(semantic=bev.semantic, instance=bev.instance, height=bev.height)
        if self.voxels is not None:
            state, classes = occupancy(
                self.voxels, cam, frame.buffers.depth, frame.buffers.semantic, self.rays[cam.name]
            )
            arrays.update(occupancy=state, occupancy_classes=classes)
        if arrays:
            path = self.root / "bev" / cam.name / f"{frame.stem}.npz"
            write_bytes_atomic(path, npz_bytes(arrays))
        if self.spec.lanes:
            seen = camera_lines(frame_lines(self.lines, T_ego0), cam, frame.buffers.depth)
            meta = {"camera": cam.name, "frame": frame.index, "step": step, "image": frame.rgb_path}
            write_json(
                self.root / "lanes" / cam.name / f"{frame.stem}.json", lanes_json(seen, cam, meta)
            )
            if self.spec.culane:
                write_bytes_atomic(
                    self.root / "culane" / cam.name / f"{frame.stem}.lines.txt",
                    culane_text(seen, cam.height).encode(),
                )

    def _flow(self, frame: FrameData, step: int, T_ego0: np.ndarray) -> None:
        cam = frame.camera
        nxt = step + self.every[cam.name]
        buffers = frame.buffers
        if nxt <= self.motion.traj.n_steps:
            T_ego1 = self.motion.ego_pose(nxt)
            poses0 = {o.id: o.T_world_obj for o in self.motion.objects(step)}
            poses1 = {o.id: o.T_world_obj for o in self.motion.objects(nxt)}
            motions = motion_transforms(
                T_ego0 @ cam.T_ego_cam, T_ego1 @ cam.T_ego_cam, poses0, poses1
            )
            field = rigid_flow(cam, buffers.depth, buffers.instance, motions, self.rays[cam.name])
        else:  # the episode's last frame: no next frame to flow to
            shape = (cam.height, cam.width)
            field = FlowField(np.zeros(shape + (2,), np.float32), np.zeros(shape, bool))
        base = self.root / "frames" / cam.name
        write_bytes_atomic(base / "flow" / f"{frame.stem}.png", kitti_flow_png(field))
        velocity = self.motion.velocity(step)
        R_ego_world = invert_rigid(T_ego0)[:3, :3]
        R_cam_ego = cam.T_ego_cam[:3, :3].T
        r = lambda v: [round(float(x), 6) for x in v]  # noqa: E731
        objects = []
        for label in frame.labels:
            v_world = velocity[label.id]
            v_ego = R_ego_world @ v_world
            objects.append(
                {
                    "id": label.id,
                    "velocity_world": r(v_world),
                    "velocity_ego": r(v_ego),
                    "velocity_cam": r(R_cam_ego @ v_ego),
                    "speed": round(float(np.linalg.norm(v_world)), 6),
                }
            )
        write_json(
            self.root / "motion" / cam.name / f"{frame.stem}.json",
            {"camera": cam.name, "frame": frame.index, "step": step, "objects": objects},
        )

    def finish(self, cameras: Sequence[CameraModel]) -> None:
        meta: dict[str, Any] = {
            "frames": "ego: x forward, y left, z up, origin the bottom centre of the ego's box; "
            "camera: OpenCV (x right, y down, z forward); pixel centres at integers",
            "flow": {
                "png": "KITTI: u = (R - 2^15) / 64, v = (G - 2^15) / 64 [px], valid = B",
                "to": "the same camera's next frame",
                "velocity": "absolute, over the ground: world, ego and camera axes [m/s]",
            }
            if self.spec.flow
            else None,
            "bev": self.bev.to_meta() if self.bev is not None else None,
            "occupancy": self.voxels.to_meta() if self.voxels is not None else None,
            "lanes": {"lines": len(self.lines), "culane": bool(self.spec.culane)}
            if self.spec.lanes
            else None,
        }
        write_bytes_atomic(self.root / "ground_truth.json", json_bytes(meta))


def ground_truth_writers(
    resolved, root: Path, network, static, traj, agents, cameras: Sequence[CameraModel]
) -> list[Writer]:
    """[the ground-truth writer] when ``resolved.outputs.ground_truth`` asks for anything,
    else [] (nothing is computed or written)."""
    spec = resolved.outputs.ground_truth
    if not spec.enabled:
        return []
    motion = EpisodeMotion(traj, agents, float(resolved.step))
    return [GroundTruthWriter(root, spec, network, static, motion, cameras)]
