"""nuScenes ``LIDAR_TOP``: the episode's first LiDAR (``sensors.lidars[0]``) in the nuScenes
export, as nuScenes stores its top LiDAR::

    nuscenes/samples/LIDAR_TOP/<token>.pcd.bin   key frames: the sweep nearest each sample
    nuscenes/sweeps/LIDAR_TOP/<token>.pcd.bin    every other sweep (non-key frames)

A ``.pcd.bin`` is little-endian float32, 5 per point, as the devkit's
``LidarPointCloud.from_file`` reads it: x, y, z [m] in the sensor frame at the sweep's
reference time (sim's sensor frame: x forward, y left, z up -- not nuScenes' x right,
y forward: the ``calibrated_sensor`` rotation says which), intensity on nuScenes' 0..255
scale (sim's 0..1 reflectance x 255, rounded to an integer as nuScenes' are), ring index
with 0 the lowest beam (nuScenes' and Velodyne's order; sim's native ``ring`` counts from the
top: ``ring = beams - 1 - ring_sim``). The points are those of ``lidar/<L>/NNNNNN.npz``.

Records: one ``sensor`` (``LIDAR_TOP``, modality ``lidar``), one ``calibrated_sensor`` (the
mount, ``T_ego_lidar``; ``camera_intrinsic`` empty), and per sweep an ``ego_pose`` at the
sweep's reference time and a ``sample_data`` (``fileformat`` ``pcd``, prev/next over all
sweeps). The sweep nearest a sample (ties: the earlier sweep) is its key frame; a sweep
nearest to several samples (a camera faster than the LiDAR) is the key frame of the closest
one only: the others have no LIDAR_TOP, and nuScenes tools that read
``sample["data"]["LIDAR_TOP"]`` fail on them (run the LiDAR at the cameras' rate or a
multiple of it, as nuScenes' 20 Hz LiDAR is of its 2 Hz samples). A non-key sweep belongs,
as in nuScenes, to the next sample (the last one after the episode's last sample), which is
what the devkit's box interpolation assumes.

``num_lidar_pts`` of each sample_annotation: the points of the sample's nearest sweep inside
the annotation's box as written (global box, ego pose, mount), counted as the devkit's
``points_in_box`` counts them (faces included, no tolerance). nuScenes' point clouds, like
these, are corrected for the ego's motion but not for the objects': a car that moves during
the sweep leaves points outside its box at the sample's time, so this count can be lower
than ``lidar/<L>/labels``' ``num_lidar_pts`` (there each point is tested against the box
where the car was when the point was fired).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.dataset.io import write_bytes_atomic
from sim.dataset.writers.nuscenes_records import (
    links,
    pose_of,
    quaternion,
    rounded,
    timestamp,
    token,
)
from sim.lidar.boxes import points_in_boxes
from sim.render.camera import invert_rigid, rotation_zyx

CHANNEL = "LIDAR_TOP"
INTENSITY_SCALE = 255.0
"""nuScenes' intensity of a full (reflectance 1) return."""


@dataclass(frozen=True)
class SweepPose:
    """One sweep: its number, reference time [s], the ego's pose then (4, 4) and the boxes of
    the objects it saw (own returns, ``num_lidar_hits`` > 0): (id, cls, (4, 4) pose of the
    box centre in the global frame, size (l, w, h) [m])."""

    index: int
    t: float
    T_world_ego: np.ndarray
    seen: tuple[tuple[int, str, np.ndarray, tuple[float, float, float]], ...] = ()


@dataclass(frozen=True)
class LidarTop:
    """The LiDAR that becomes LIDAR_TOP: its native files' folder (``lidar/<name>``), beam
    count, mount (4, 4) and sweeps."""

    folder: Path
    beams: int
    T_ego_lidar: np.ndarray
    sweeps: tuple[SweepPose, ...]

    def npz(self, index: int) -> Path:
        return self.folder / f"{index:06d}.npz"


def read_lidar_top(root: Path, entry: dict) -> LidarTop:
    """The LiDAR of meta.json's ``lidars`` ``entry`` from its files under ``root``."""
    T_ego_lidar = np.asarray(entry["T_ego_lidar"], dtype=np.float64)
    T_lidar_ego = invert_rigid(T_ego_lidar)
    folder = root / "lidar" / entry["name"]
    sweeps = []
    for i in range(int(entry["sweeps"])):
        with np.load(folder / f"{i:06d}.npz") as z:  # reads only these two members
            t, T_world_lidar = float(z["t"]), np.asarray(z["T_world_lidar"], dtype=np.float64)
        labels = json.loads((folder / "labels" / f"{i:06d}.json").read_text(encoding="utf-8"))
        seen = []
        for obj in labels["objects"]:
            if obj["num_lidar_hits"] <= 0:
                continue
            box = obj["box3d"]
            T = np.eye(4)
            T[:3, :3] = rotation_zyx(float(box["yaw"]), 0.0, 0.0)
            T[:3, 3] = box["center"]
            length, width, height = (float(v) for v in box["size"])
            size = (length, width, height)
            seen.append((int(obj["id"]), str(obj["cls"]), T_world_lidar @ T, size))
        sweeps.append(SweepPose(i, t, T_world_lidar @ T_lidar_ego, tuple(seen)))
    return LidarTop(folder, int(entry["beams"]), T_ego_lidar, tuple(sweeps))


def pcd_points(npz: dict, beams: int) -> np.ndarray:
    """(N, 5) little-endian float32 x, y, z, intensity (0..255), ring (0 = lowest beam) of a
    native sweep's arrays."""
    xyz = np.asarray(npz["xyz"], dtype=np.float32).reshape(-1, 3)
    out = np.zeros((len(xyz), 5), dtype="<f4")
    out[:, :3] = xyz
    out[:, 3] = np.rint(np.asarray(npz["intensity"], dtype=np.float64) * INTENSITY_SCALE)
    out[:, 4] = beams - 1 - np.asarray(npz["ring"], dtype=np.int64)
    return out


@dataclass(frozen=True)
class LidarRecords:
    """LIDAR_TOP's records, the sample (physics step) each key-frame sweep is the key frame
    of (``key_step``: sweep number -> step), and for :func:`write_lidar_files` the sweep
    nearest each sample (``sweep_of_sample``: sample token -> sweep number)."""

    calibrated_sensor: dict
    ego_poses: list[dict]
    sample_data: list[dict]
    key_step: dict[int, int]
    sweep_of_sample: dict[str, int]


def lidar_records(top: LidarTop, ns: str, sample_of: dict[int, str], time_of: dict) -> LidarRecords:
    """The records of ``top`` in the episode namespace ``ns``; ``sample_of`` / ``time_of``:
    each sample's token and timestamp [us] by physics step."""
    steps = sorted(sample_of)
    sweep_us = [timestamp(s.t) for s in top.sweeps]

    def gap(k: int, step: int) -> int:
        return abs(sweep_us[k] - time_of[step])

    nearest = {s: min(range(len(sweep_us)), key=lambda k: (gap(k, s), k)) for s in steps}
    key_step: dict[int, int] = {}  # sweep -> the sample it is the key frame of
    for s in steps:
        k = nearest[s]
        if k not in key_step or gap(k, s) < gap(k, key_step[k]):
            key_step[k] = s
    cal = token(ns, "calibrated_sensor", CHANNEL)
    calibrated = {
        "token": cal,
        "sensor_token": token("sensor", CHANNEL),
        "translation": rounded(top.T_ego_lidar[:3, 3]),
        "rotation": quaternion(top.T_ego_lidar[:3, :3]),
        "camera_intrinsic": [],
    }
    sds = [token(ns, "sample_data", CHANNEL, s.index) for s in top.sweeps]
    poses, records = [], []
    for sweep, sd, (prev, nxt) in zip(top.sweeps, sds, links(sds), strict=True):
        k = sweep.index
        key = k in key_step
        if key:
            step = key_step[k]
        else:  # nuScenes: a sweep belongs to the next sample
            step = next((s for s in steps if time_of[s] >= sweep_us[k]), steps[-1])
        pose = token(ns, "ego_pose", CHANNEL, k)
        poses.append(
            {
                "token": pose,
                "timestamp": sweep_us[k],
                "rotation": quaternion(sweep.T_world_ego[:3, :3]),
                "translation": rounded(sweep.T_world_ego[:3, 3]),
            }
        )
        records.append(
            {
                "token": sd,
                "sample_token": sample_of[step],
                "ego_pose_token": pose,
                "calibrated_sensor_token": cal,
                "timestamp": sweep_us[k],
                "fileformat": "pcd",
                "is_key_frame": key,
                "height": 0,
                "width": 0,
                "filename": f"{'samples' if key else 'sweeps'}/{CHANNEL}/{sd}.pcd.bin",
                "prev": prev,
                "next": nxt,
            }
        )
    sweep_of_sample = {sample_of[s]: nearest[s] for s in steps}
    return LidarRecords(calibrated, poses, records, key_step, sweep_of_sample)


def box_points(xyz: np.ndarray, annotations: Sequence[dict], ego: dict, cal: dict) -> list[int]:
    """The number of points ``xyz`` (N, 3) [m] (sensor frame) inside each annotation's box,
    the box taken through the ``ego`` pose and ``cal`` mount records as the devkit takes it
    (``get_sample_data``) and tested as its ``points_in_box`` does (faces included)."""
    if not annotations:
        return []
    T_sensor_global = invert_rigid(pose_of(cal)) @ invert_rigid(pose_of(ego))
    poses, sizes = [], []
    for ann in annotations:
        w, length, h = ann["size"]
        T = pose_of(ann)
        T[:3, 3] -= T[:3, 2] * (h / 2.0)  # the box's bottom centre (points_in_boxes' origin)
        poses.append(T_sensor_global @ T)
        sizes.append((length, w, h))
    xyz = np.asarray(xyz, dtype=np.float64)
    counts = points_in_boxes(
        xyz, np.zeros(len(xyz), dtype=np.intp), np.stack(poses)[:, None], np.array(sizes), 0.0
    )
    return [int(n) for n in counts]


def write_lidar_files(tables: dict, top: LidarTop, records: LidarRecords, base: Path) -> None:
    """Write every sweep's ``.pcd.bin`` under ``base`` (the dataroot) and set each
    sample_annotation's ``num_lidar_pts`` from its sample's nearest sweep (in ``tables``)."""
    anns: dict[str, list[dict]] = {}
    for ann in tables["sample_annotation"]:
        anns.setdefault(ann["sample_token"], []).append(ann)
    served: dict[int, list[str]] = {}  # sweep -> the samples it counts the points of
    for sample, k in records.sweep_of_sample.items():
        served.setdefault(k, []).append(sample)
    ego = {r["token"]: r for r in records.ego_poses}
    for sweep, sd in zip(top.sweeps, records.sample_data, strict=True):
        with np.load(top.npz(sweep.index)) as z:
            points = pcd_points(z, top.beams)
        write_bytes_atomic(base / sd["filename"], points.tobytes())
        for sample in served.get(sweep.index, []):
            boxes = anns.get(sample, [])
            counts = box_points(
                points[:, :3], boxes, ego[sd["ego_pose_token"]], records.calibrated_sensor
            )
            for ann, n in zip(boxes, counts, strict=True):
                ann["num_lidar_pts"] = n
