"""nuScenes format: the episode as one scene of a nuScenes v1.0 database that the official
``nuscenes-devkit`` loads (``NuScenes(version="v1.0-sim", dataroot="DIR/nuscenes")``)::

    nuscenes/v1.0-sim/{scene,sample,sample_data,ego_pose,calibrated_sensor,sensor,instance,
                       sample_annotation,category,attribute,visibility,log,map}.json
    nuscenes/samples/CAM_<NAME>/NNNNNN.png    the frame's RGB (hard link to frames/<cam>/rgb/)
    nuscenes/{samples,sweeps}/LIDAR_TOP/<token>.pcd.bin   with a LiDAR: its sweeps
    nuscenes/maps/sim_stub.png                 the map table's mask: a stub (8x8, all 0)

Every camera frame is a key frame: a sample is one physics step at which a camera rendered
(cameras at the same step share it), its annotations the objects labelled in any of that
step's frames. A duplicated frame (``frame_duplicate``) is a non-key-frame sample_data of the
sample it repeats. Frames follow nuScenes' conventions, which are sim's: the global frame is
sim's world (z up), the ego frame x forward, y left, z up (its origin is the bottom centre of
the ego's box, not nuScenes' rear axle), the camera frame x right, y down, z forward, with
``camera_intrinsic`` = K (pixel centres at integers, as ``view_points`` assumes).
``sample_annotation``: ``translation`` the box centre in the global frame, ``size`` [w, l, h],
``rotation`` the box's (w, x, y, z) quaternion in the global frame (box x = its length axis),
``visibility_token`` the bin of visible pixels / unoccluded pixels summed over the step's
cameras ("1": 0-40 %, "2": 40-60, "3": 60-80, "4": 80-100), ``num_lidar_pts`` without a LiDAR
a stand-in: those visible pixels (the devkit's tools drop boxes with 0 points),
``num_radar_pts`` 0. Attributes: vehicles ``vehicle.moving`` / ``vehicle.stopped``,
pedestrians ``pedestrian.moving`` / ``pedestrian.standing`` (speed of the box centre between
the instance's neighbouring annotations above ``MOVING_SPEED``), bicycles and motorcycles
``cycle.with_rider`` (sim's meshes carry their rider); others none.

With a LiDAR (``sensors.lidars``) the first one is ``LIDAR_TOP``
(:mod:`sim.dataset.writers.nuscenes_lidar`): its sweeps' point clouds, the sweep nearest each
sample its key frame, ``num_lidar_pts`` the key sweep's points in the box, and the objects
that sweep saw but no camera labelled annotated too (visibility "1"). ``write`` / ``add`` /
``finish`` make the camera tables; ``finish_lidars``, called by the episode runner after the
LiDARs' own files exist, writes them again with LIDAR_TOP (the tokens are the same: they
come from the frames). Without a LiDAR the export is what it was before LiDARs existed.

Tokens are 32 hex digits of sha256 over a name: the vocabulary (category, attribute,
sensor, map) from its name alone, the same in every episode; the episode's own records from
a namespace that is a digest of the episode's frames (images, poses, labels), so the same
seed gives the same bytes and another episode other tokens. The dataset merge
(:mod:`sim.dataset.nuscenes_merge`) re-derives them from the dataset and episode names.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.dataset.io import encode_png, json_bytes, link_or_copy, write_bytes_atomic
from sim.dataset.writers.base import FrameData, Writer
from sim.dataset.writers.nuscenes_lidar import CHANNEL as LIDAR_CHANNEL
from sim.dataset.writers.nuscenes_lidar import (
    LidarRecords,
    LidarTop,
    lidar_records,
    read_lidar_top,
    write_lidar_files,
)
from sim.dataset.writers.nuscenes_records import (
    TIME_ZERO_US,
    links,
    quaternion,
    rotation_matrix,
    rounded,
    timestamp,
    token,
)
from sim.render.camera import CameraModel

FOLDER = "nuscenes"
VERSION = "v1.0-sim"
DATE = "2026-01-01"
MOVING_SPEED = 0.3
"""[m/s] A box centre faster than this is ``moving``, else ``stopped`` / ``standing``."""
MAP_FILE = "maps/sim_stub.png"

# nuScenes' 23 annotation categories (v1.0), every one listed so that tools made for nuScenes
# find their names; sim uses the ones CATEGORY_OF maps to.
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("animal", "All animals, e.g. cats, rats, dogs, deer, birds."),
    ("human.pedestrian.adult", "Adult subcategory."),
    ("human.pedestrian.child", "Child subcategory."),
    ("human.pedestrian.construction_worker", "Construction worker"),
    ("human.pedestrian.personal_mobility", "A small electric or self-propelled vehicle."),
    ("human.pedestrian.police_officer", "Police officer."),
    ("human.pedestrian.stroller", "Strollers."),
    ("human.pedestrian.wheelchair", "Wheelchairs."),
    ("movable_object.barrier", "Temporary road barrier placed in the scene."),
    ("movable_object.debris", "Movable object that is left on the driveable surface."),
    ("movable_object.pushable_pullable", "Objects that a pedestrian may push or pull."),
    ("movable_object.trafficcone", "All types of traffic cone."),
    ("static_object.bicycle_rack", "Area or device intended to park or secure bicycles."),
    ("vehicle.bicycle", "Human or electric powered 2-wheeled vehicle."),
    ("vehicle.bus.bendy", "Bendy bus subcategory."),
    ("vehicle.bus.rigid", "Rigid bus subcategory."),
    ("vehicle.car", "Vehicle designed primarily for personal use, e.g. sedans, vans, SUVs."),
    ("vehicle.construction", "Vehicles primarily designed for construction."),
    ("vehicle.emergency.ambulance", "All types of ambulances."),
    ("vehicle.emergency.police", "All types of police vehicles."),
    ("vehicle.motorcycle", "Gasoline or electric powered 2-wheeled vehicle."),
    ("vehicle.trailer", "Any vehicle trailer."),
    ("vehicle.truck", "Vehicles primarily designed to haul cargo."),
)
CATEGORY_OF: dict[str, str] = {
    "car": "vehicle.car",
    "van": "vehicle.car",  # nuScenes' car includes vans and mini-vans
    "truck": "vehicle.truck",
    "bus": "vehicle.bus.rigid",
    "motorcycle": "vehicle.motorcycle",
    "bicycle": "vehicle.bicycle",
    "pedestrian": "human.pedestrian.adult",
    "traffic_cone": "movable_object.trafficcone",
    "debris": "movable_object.debris",
    "animal": "animal",
}
"""nuScenes category of each sim thing class."""
ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("vehicle.moving", "Vehicle is moving."),
    ("vehicle.stopped", "Vehicle, with a driver/rider in/on it, is currently stationary."),
    ("vehicle.parked", "Vehicle is stationary (usually for longer duration) with no intent."),
    ("cycle.with_rider", "There is someone riding a bicycle or motorcycle."),
    ("cycle.without_rider", "There is NO rider on a bicycle or motorcycle."),
    ("pedestrian.sitting_lying_down", "The human is sitting or lying down."),
    ("pedestrian.standing", "The human is standing."),
    ("pedestrian.moving", "The human is moving."),
)
VISIBILITY: tuple[tuple[str, str, float], ...] = (
    ("1", "v0-40", 0.4),
    ("2", "v40-60", 0.6),
    ("3", "v60-80", 0.8),
    ("4", "v80-100", math.inf),
)
"""(token, level, upper bound of the visible fraction), as nuScenes' visibility table."""
VEHICLES = ("car", "van", "truck", "bus")
CYCLES = ("motorcycle", "bicycle")


def channel(camera: str) -> str:
    """nuScenes sensor channel of a sim camera: ``front`` -> ``CAM_FRONT``."""
    return f"CAM_{camera.upper()}"


def visibility_token(fraction: float) -> str:
    return next(tok for tok, _level, upper in VISIBILITY if fraction < upper)


@dataclass(frozen=True)
class _Box:
    id: int
    cls: str
    translation: list[float]  # box centre, global frame [m]
    rotation: list[float]  # (w, x, y, z), box -> global
    size: list[float]  # [w, l, h] [m]
    pixels: int
    amodal_pixels: int


@dataclass(frozen=True)
class _Frame:
    camera: str
    index: int
    step: int
    t: float
    T_world_ego: np.ndarray
    boxes: tuple[_Box, ...]


def _boxes(frame: FrameData) -> tuple[_Box, ...]:
    T_world_cam = frame.T_world_ego @ frame.camera.T_ego_cam
    R, p = T_world_cam[:3, :3], T_world_cam[:3, 3]
    out = []
    for lab in frame.labels:
        length, w, h = lab.size
        out.append(
            _Box(
                lab.id,
                lab.cls,
                rounded(R @ np.asarray(lab.center_cam, dtype=np.float64) + p),
                quaternion(R @ rotation_matrix(lab.quaternion_cam)),
                rounded((w, length, h)),
                int(lab.pixels),
                int(lab.amodal_pixels),
            )
        )
    return tuple(out)


class NuScenesWriter(Writer):
    """``write`` (any thread) links the image and digests the frame; ``add`` (frame order)
    keeps the frame's poses and boxes; ``finish`` writes the tables."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.frames: list[_Frame] = []
        self.digest = hashlib.sha256(b"sim-nuscenes-episode")

    def write(self, frame: FrameData) -> str:
        link_or_copy(
            self.root / frame.rgb_path,
            self.root / FOLDER / "samples" / channel(frame.camera.name) / f"{frame.stem}.png",
        )
        return hashlib.sha256(np.ascontiguousarray(frame.rgb).tobytes()).hexdigest()

    def add(self, frame: FrameData, part: str) -> None:
        boxes = _boxes(frame)
        key: list[object] = [
            frame.camera.name,
            frame.index,
            frame.step,
            part,
            rounded(frame.T_world_ego.ravel()),
        ]
        key += [(b.id, b.cls, b.translation, b.rotation) for b in boxes]
        self.digest.update(repr(key).encode("utf-8"))
        self.frames.append(
            _Frame(frame.camera.name, frame.index, frame.step, frame.t, frame.T_world_ego, boxes)
        )

    def finish(self, cameras: Sequence[CameraModel]) -> None:
        self.cameras = list(cameras)
        if not self.frames:
            return
        tables, _ = episode_tables(self.frames, self.cameras, self._namespace())
        self._write_tables(tables)

    def finish_lidars(self, lidars: Sequence[dict]) -> None:
        """After ``finish`` and the LiDARs' own files (:mod:`sim.dataset.writers.lidar`):
        the first LiDAR (``lidars``: meta.json's entries) becomes LIDAR_TOP
        (:mod:`sim.dataset.writers.nuscenes_lidar`) and the tables are written again with it.
        The tokens stay those of the camera-only export: they come from the frames."""
        if not self.frames or not lidars:
            return
        top = read_lidar_top(self.root, lidars[0])
        tables, records = episode_tables(self.frames, self.cameras, self._namespace(), top)
        if records is not None:
            write_lidar_files(tables, top, records, self.root / FOLDER)
        self._write_tables(tables)

    def _namespace(self) -> str:
        return self.digest.hexdigest()[:16]

    def _write_tables(self, tables: dict) -> None:
        base = self.root / FOLDER
        for name, records in tables.items():
            write_bytes_atomic(base / VERSION / f"{name}.json", json_bytes(records))
        write_bytes_atomic(base / MAP_FILE, map_stub_png())


def map_stub_png() -> bytes:
    """The map table's mask: 8x8 uint8 zeros (nothing drivable drawn; a stub)."""
    return encode_png(np.zeros((8, 8), dtype=np.uint8))


def vocabulary(cameras: Sequence[str], lidar: bool = False) -> dict[str, list[dict]]:
    """The tables every episode shares: category, attribute, visibility, sensor (the
    cameras', then LIDAR_TOP's with ``lidar``)."""
    lidar_sensor = {"token": token("sensor", LIDAR_CHANNEL), "channel": LIDAR_CHANNEL}
    return {
        "category": [
            {"token": token("category", n), "name": n, "description": d} for n, d in CATEGORIES
        ],
        "attribute": [
            {"token": token("attribute", n), "name": n, "description": d} for n, d in ATTRIBUTES
        ],
        "visibility": [
            {
                "token": tok,
                "level": level,
                "description": _visibility_text(level),
            }
            for tok, level, _upper in VISIBILITY
        ],
        "sensor": [
            {"token": token("sensor", channel(c)), "channel": channel(c), "modality": "camera"}
            for c in cameras
        ]
        + ([{**lidar_sensor, "modality": "lidar"}] if lidar else []),
    }


def _visibility_text(level: str) -> str:
    low, high = level[1:].split("-")
    return f"visibility of whole object is between {low} and {high}%"


def _attribute(cls: str, speed: float) -> list[str]:
    moving = speed > MOVING_SPEED
    if cls in VEHICLES:
        name = "vehicle.moving" if moving else "vehicle.stopped"
    elif cls == "pedestrian":
        name = "pedestrian.moving" if moving else "pedestrian.standing"
    elif cls in CYCLES:
        name = "cycle.with_rider"
    else:
        return []
    return [token("attribute", name)]


def episode_tables(
    frames: list[_Frame], cameras: list[CameraModel], ns: str, lidar: LidarTop | None = None
) -> tuple[dict, LidarRecords | None]:
    """Every table of one episode (records in a fixed order) from its frames in frame order,
    and with ``lidar`` its LIDAR_TOP records (their ``num_lidar_pts`` still the stand-in:
    :func:`~sim.dataset.writers.nuscenes_lidar.write_lidar_files` counts them)."""
    tables = vocabulary([c.name for c in cameras], lidar is not None)
    log = token(ns, "log")
    scene = token(ns, "scene")
    steps = sorted({f.step for f in frames})
    sample_of = {s: token(ns, "sample", s) for s in steps}
    time_of = {f.step: TIME_ZERO_US + round(f.t * 1e6) for f in frames}
    samples = [
        {
            "token": sample_of[s],
            "timestamp": time_of[s],
            "prev": prev,
            "next": nxt,
            "scene_token": scene,
        }
        for s, (prev, nxt) in zip(steps, links([sample_of[s] for s in steps]), strict=True)
    ]
    calibrated, ego_poses, sample_data = [], [], []
    for cam in cameras:
        cal = token(ns, "calibrated_sensor", cam.name)
        record: dict[str, object] = {
            "token": cal,
            "sensor_token": token("sensor", channel(cam.name)),
            "translation": rounded(cam.T_ego_cam[:3, 3]),
            "rotation": quaternion(cam.T_ego_cam[:3, :3]),
            "camera_intrinsic": [rounded(row) for row in cam.K],
        }
        if not cam.lens.is_pinhole:  # not nuScenes': the devkit projects without it
            record["camera_distortion"] = cam.lens.to_meta()
        calibrated.append(record)
        own = sorted((f for f in frames if f.camera == cam.name), key=lambda f: f.index)
        sds = [token(ns, "sample_data", cam.name, f.index) for f in own]
        keyed: set[int] = set()
        for f, sd, (prev, nxt) in zip(own, sds, links(sds), strict=True):
            pose = token(ns, "ego_pose", cam.name, f.index)
            ego_poses.append(
                {
                    "token": pose,
                    "timestamp": time_of[f.step],
                    "rotation": quaternion(f.T_world_ego[:3, :3]),
                    "translation": rounded(f.T_world_ego[:3, 3]),
                }
            )
            sample_data.append(
                {
                    "token": sd,
                    "sample_token": sample_of[f.step],
                    "ego_pose_token": pose,
                    "calibrated_sensor_token": cal,
                    "timestamp": time_of[f.step],
                    "fileformat": "png",
                    "is_key_frame": f.step not in keyed,  # a repeated frame is not
                    "height": cam.height,
                    "width": cam.width,
                    "filename": f"samples/{channel(cam.name)}/{f.index:06d}.png",
                    "prev": prev,
                    "next": nxt,
                }
            )
            keyed.add(f.step)
    records = None
    if lidar is not None:
        records = lidar_records(lidar, ns, sample_of, time_of)
        calibrated.append(records.calibrated_sensor)
        ego_poses += records.ego_poses
        sample_data += records.sample_data
    seen = _lidar_frames(lidar, records, time_of) if lidar and records else []
    tables.update(_annotations(frames + seen, sample_of, time_of, ns))
    tables.update(
        {
            "calibrated_sensor": calibrated,
            "ego_pose": ego_poses,
            "sample_data": sample_data,
            "sample": samples,
            "scene": [
                {
                    "token": scene,
                    "log_token": log,
                    "nbr_samples": len(samples),
                    "first_sample_token": samples[0]["token"],
                    "last_sample_token": samples[-1]["token"],
                    "name": "scene-0000",
                    "description": "sim episode",
                }
            ],
            "log": [
                {
                    "token": log,
                    "logfile": "",
                    "vehicle": "sim-ego",
                    "date_captured": DATE,
                    "location": "sim",
                }
            ],
            "map": [
                {
                    "token": token("map", "sim_stub"),
                    "log_tokens": [log],
                    "category": "semantic_prior",
                    "filename": MAP_FILE,
                }
            ],
        }
    )
    return tables, records


def _lidar_frames(lidar: LidarTop, records: LidarRecords, time_of: dict) -> list[_Frame]:
    """The objects each key-frame sweep saw (own returns), as frames without pixels: they are
    annotated where no camera labelled them (the sweep's time must be the sample's)."""
    out = []
    for k, step in sorted(records.key_step.items()):
        sweep = lidar.sweeps[k]
        if timestamp(sweep.t) != time_of[step]:
            continue  # the boxes would be at another time than the sample's
        boxes = []
        for oid, cls, T, (length, w, h) in sweep.seen:
            box = rounded(T[:3, 3]), quaternion(T[:3, :3]), rounded((w, length, h))
            boxes.append(_Box(oid, cls, *box, 0, 0))
        out.append(_Frame(LIDAR_CHANNEL, k, step, sweep.t, sweep.T_world_ego, tuple(boxes)))
    return out


def _annotations(frames: list[_Frame], sample_of: dict, time_of: dict, ns: str) -> dict:
    """instance and sample_annotation: one annotation per (step, object), the box of its
    first frame at that step, pixels summed over that step's key frames."""
    first: dict[tuple[int, int], _Box] = {}
    pixels: dict[tuple[int, int], list[int]] = {}
    seen: set[tuple[str, int]] = set()
    for f in frames:
        if (f.camera, f.step) in seen:
            continue  # a repeated (duplicated) frame adds no pixels
        seen.add((f.camera, f.step))
        for b in f.boxes:
            first.setdefault((f.step, b.id), b)
            acc = pixels.setdefault((f.step, b.id), [0, 0])
            acc[0] += b.pixels
            acc[1] += b.amodal_pixels
    instances, annotations = [], []
    for oid in sorted({i for _s, i in first}):
        chain = sorted(s for s, i in first if i == oid)
        anns = [token(ns, "sample_annotation", s, oid) for s in chain]
        inst = token(ns, "instance", oid)
        centres = np.array([first[(s, oid)].translation for s in chain])
        times = np.array([time_of[s] for s in chain], dtype=np.float64) * 1e-6
        cls = first[(chain[0], oid)].cls
        for k, (s, ann, (prev, nxt)) in enumerate(zip(chain, anns, links(anns), strict=True)):
            b = first[(s, oid)]
            lo, hi = max(k - 1, 0), min(k + 1, len(chain) - 1)
            speed = (
                float(np.linalg.norm(centres[hi] - centres[lo]) / (times[hi] - times[lo]))
                if hi > lo
                else 0.0
            )
            seen_px, amodal_px = pixels[(s, oid)]
            annotations.append(
                {
                    "token": ann,
                    "sample_token": sample_of[s],
                    "instance_token": inst,
                    "visibility_token": visibility_token(seen_px / max(amodal_px, 1)),
                    "attribute_tokens": _attribute(b.cls, speed),
                    "translation": b.translation,
                    "size": b.size,
                    "rotation": b.rotation,
                    "prev": prev,
                    "next": nxt,
                    "num_lidar_pts": seen_px,  # a stand-in: visible pixels (no LiDAR)
                    "num_radar_pts": 0,
                }
            )
        instances.append(
            {
                "token": inst,
                "category_token": token("category", CATEGORY_OF[cls]),
                "nbr_annotations": len(anns),
                "first_annotation_token": anns[0],
                "last_annotation_token": anns[-1],
                "sim_id": oid,
            }
        )
    return {"instance": instances, "sample_annotation": annotations}
