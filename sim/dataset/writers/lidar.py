"""LiDAR outputs of an episode (``sensors.lidars``; docs/lidar.md).

After the cameras, every LiDAR sweeps the simulated trajectory (sweeps centred on
``0, 1/rotation_hz, ...``; :mod:`sim.lidar.rig`) and writes, for its name ``L`` and sweep
number ``NNNNNN``:

- ``lidar/L/NNNNNN.npz`` -- native, every field: ``xyz`` (N, 3) float32 [m] sensor frame at
  the sweep's reference time, ``intensity`` float32 0..1, ``ring`` uint16 (0 = top beam),
  ``column`` uint16, ``time`` float32 [s] firing time relative to ``t``, ``semantic`` uint8
  (sim class id), ``instance`` uint16 (object id, the camera masks' value; 0 static),
  ``range`` float32 [m], ``t`` float64 [s], ``T_world_lidar`` (4, 4) float64;
- ``lidar/L/labels/NNNNNN.json`` -- each object within range: id, cls, its 3D box in the
  sensor frame (centre, size l w h, yaw), ``num_lidar_pts`` (points inside the box, as
  KITTI and nuScenes count) and ``num_lidar_hits`` (the object's own returns, by id);
- ``semantickitti/L/sequences/00/`` -- ``velodyne/NNNNNN.bin`` (float32 x y z intensity),
  ``labels/NNNNNN.label`` (uint32: SemanticKITTI class low 16 bits, instance high 16;
  :mod:`sim.lidar.semantickitti`), ``times.txt``, ``poses.txt`` and ``calib.txt`` as the
  KITTI odometry layout has them (poses of the first camera in its first frame; ``Tr``
  maps the LiDAR into that camera).

With ``kitti`` (``kitti_tracking``) in ``outputs.formats`` the first LiDAR also gives each
camera frame its ``velodyne/NNNNNN.bin`` (``velodyne/0000/NNNNNN.bin``): the sweep nearest
the frame's time (the same time when the rates match), and the calib files'
``Tr_velo_to_cam`` becomes LiDAR -> camera (it is ego -> camera without a LiDAR).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from sim.dataset.io import link_or_copy, write_bytes_atomic, write_json
from sim.dataset.writers.kitti import calib_text
from sim.lidar.rig import LidarRig, RigAgent, Sweep, lidar_model, sweep_times
from sim.lidar.semantickitti import label_words
from sim.lidar.sweep import Atmosphere
from sim.render.camera import invert_rigid
from sim.seeding import child_rng

FIELDS = ("xyz", "intensity", "ring", "column", "time", "semantic", "instance", "range")
"""The per-point arrays of the native ``.npz``, in file order."""
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""Every member of an ``.npz`` gets this timestamp (``np.savez`` stamps the clock time:
the same sweep would not give the same bytes twice)."""


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A ``.npz`` (``np.load`` reads it) whose bytes depend only on ``arrays``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, value in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(value), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, member.getvalue(), compresslevel=1)
    return buf.getvalue()


def _fmt(m) -> str:
    return " ".join(f"{v:.12e}" for v in np.asarray(m, dtype=np.float64).ravel())


def _labels(name: str, sweep: Sweep) -> dict:
    objects = []
    for box in sweep.boxes:
        T = box.T_lidar_obj
        centre = T[:3, :3] @ np.array([0.0, 0.0, box.size[2] / 2.0]) + T[:3, 3]
        objects.append(
            {
                "id": int(box.id),
                "cls": box.cls,
                "box3d": {
                    "center": [round(float(v), 6) for v in centre],
                    "size": [round(float(v), 6) for v in box.size],
                    "yaw": round(float(np.arctan2(T[1, 0], T[0, 0])), 6),
                },
                "num_lidar_pts": box.num_lidar_pts,
                "num_lidar_hits": box.num_lidar_hits,
            }
        )
    return {
        "lidar": name,
        "frame": sweep.index,
        "t": round(sweep.t, 9),
        "T_world_lidar": sweep.T_world_lidar.round(9).tolist(),
        "points": len(sweep.points),
        "objects": objects,
    }


def _velodyne(sweep: Sweep) -> bytes:
    pts = sweep.points
    xyzi = np.concatenate((pts.xyz, pts.intensity[:, None]), axis=1).astype("<f4")
    return xyzi.tobytes()


def write_lidars(resolved, traj, agents, meshes, static, cameras, root: Path, seed_root) -> list:
    """Sweep every LiDAR of ``resolved`` over ``traj`` and write its files under ``root``.

    ``agents``: the episode's AgentInfo list (ego first); ``meshes``: {id: MeshArrays};
    ``static``: the static triangles the cameras drew; ``cameras``: the CameraModels.
    Returns meta.json's ``lidars`` entries ([] without LiDARs: nothing is written).
    """
    specs = list(resolved.sensors.lidars)
    if not specs:
        return []
    models = [lidar_model(s) for s in specs]
    atmosphere = Atmosphere.from_perturbations(resolved.perturbations)
    rig_agents = [
        RigAgent(
            i, a.id, a.cls, (float(a.size[0]), float(a.size[1]), float(a.size[2])), meshes[a.id]
        )
        for i, a in enumerate(agents)
        if i > 0
    ]
    rig = LidarRig(models, static, rig_agents, atmosphere)
    t_end = float(traj.t[-1])
    cam0 = cameras[0]
    meta = []
    bins: list[list[Path]] = []
    for k, (spec, model) in enumerate(zip(specs, models, strict=True)):
        base = root / "lidar" / model.name
        seq = root / "semantickitti" / model.name / "sequences" / "00"
        times = sweep_times(model, t_end)
        poses, written = [], []
        for i, t in enumerate(times):
            sweep = rig.sweep(k, traj, i, float(t), child_rng(seed_root, f"lidar/{model.name}/{i}"))
            pts = sweep.points
            stem = f"{i:06d}"
            arrays = {f: getattr(pts, f) for f in FIELDS}
            arrays["t"] = np.float64(sweep.t)
            arrays["T_world_lidar"] = sweep.T_world_lidar
            write_bytes_atomic(base / f"{stem}.npz", npz_bytes(arrays))
            write_json(base / "labels" / f"{stem}.json", _labels(model.name, sweep))
            write_bytes_atomic(seq / "velodyne" / f"{stem}.bin", _velodyne(sweep))
            write_bytes_atomic(
                seq / "labels" / f"{stem}.label", label_words(pts.semantic, pts.instance).tobytes()
            )
            poses.append(sweep.T_world_lidar)
            written.append(seq / "velodyne" / f"{stem}.bin")
        bins.append(written)
        # KITTI odometry: camera-0 poses in its first frame; Tr: LiDAR -> camera 0
        Tr = invert_rigid(cam0.T_ego_cam) @ model.T_ego_lidar
        first_inv = invert_rigid(poses[0])
        lines = [_fmt((Tr @ (first_inv @ P) @ invert_rigid(Tr))[:3, :]) for P in poses]
        write_bytes_atomic(seq / "poses.txt", "".join(f"{ln}\n" for ln in lines).encode())
        write_bytes_atomic(seq / "times.txt", "".join(f"{t:.6e}\n" for t in times).encode())
        K = np.zeros((3, 4))
        K[:, :3] = cam0.K
        calib = "".join(f"P{j}: {_fmt(K)}\n" for j in range(4)) + f"Tr: {_fmt(Tr[:3, :])}\n"
        write_bytes_atomic(seq / "calib.txt", calib.encode())
        meta.append(
            {
                "name": model.name,
                "preset": spec.preset_name,
                "beams": model.n_beams,
                "elevation_deg": [round(float(e), 6) for e in model.elevation_deg],
                "horizontal_resolution_deg": model.azimuth_resolution_deg,
                "columns": model.n_columns,
                "rotation_hz": model.rotation_hz,
                "range": model.max_range,
                "min_range": model.min_range,
                "range_noise": model.range_noise,
                "dropout": model.dropout,
                "T_ego_lidar": np.asarray(model.T_ego_lidar).round(9).tolist(),
                "sweeps": len(times),
                "atmosphere": {
                    "alpha_per_m": round(atmosphere.alpha, 9),
                    "wetness": round(atmosphere.wetness, 6),
                },
            }
        )
    _kitti_velodyne(resolved, cameras, root, models[0], bins[0])
    return meta


def _kitti_velodyne(resolved, cameras, root: Path, model, bins: list[Path]) -> None:
    """Each KITTI camera frame's velodyne file (the nearest sweep) and LiDAR calib."""
    formats = set(resolved.outputs.formats)
    for cam in cameras:
        frames = sorted((root / "labels" / cam.name).glob("*.json"))
        nearest = []
        for path in frames:
            t = float(json.loads(path.read_text())["t"])
            k = int(np.clip(round(t * model.rotation_hz), 0, len(bins) - 1))
            nearest.append((path.stem, bins[k]))
        if "kitti" in formats:
            base = root / "kitti" / cam.name
            calib = calib_text(cam, model.T_ego_lidar).encode()
            for stem, src in nearest:
                link_or_copy(src, base / "velodyne" / f"{stem}.bin")
                write_bytes_atomic(base / "calib" / f"{stem}.txt", calib)
        if "kitti_tracking" in formats and (root / "kitti_tracking" / cam.name).exists():
            base = root / "kitti_tracking" / cam.name
            for stem, src in nearest:
                link_or_copy(src, base / "velodyne" / "0000" / f"{stem}.bin")
            write_bytes_atomic(
                base / "calib" / "0000.txt", calib_text(cam, model.T_ego_lidar).encode()
            )
