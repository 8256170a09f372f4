"""One episode end to end: resolved scenario -> traffic -> frames -> labels -> files.

The episode is written into a hidden sibling folder and renamed into place once
``manifest.json`` (written last) exists, so ``--out`` never holds half an episode; on any
error the partial folder is removed.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

import sim
from sim.assets import Catalog
from sim.classes import classes_table
from sim.dataset.io import json_bytes, sha256_file, write_bytes_atomic, write_json
from sim.dataset.tracks import tracks_csv
from sim.dataset.writers import FrameData, episode_writers
from sim.dataset.writers.groundtruth import EpisodeMotion, ground_truth_writers
from sim.dataset.writers.lidar import write_lidars
from sim.labels import SceneObject, label_frame
from sim.outdir import EPISODE, check_target, staged
from sim.perturb.apply import applied_list
from sim.render.camera import CameraModel, mount_transform, pose_matrix
from sim.render.effects import SensorEffects
from sim.render.isp import camera_isp
from sim.render.lens import lens_from_spec, lens_warp
from sim.render.lights import SHADOW_MAP_SIZE
from sim.render.renderer import AgentView, FrameRenderer, Lighting
from sim.render.scene import MeshArrays, build_roadside, build_signals, build_static
from sim.render.scene.common import asset_mesh
from sim.render.textures import Appearance
from sim.scenario import LoadedScenario, dump_resolved, steps_per_frame
from sim.scenario.daylight import DAY_SUN_INTENSITY, lamps_on, overcast
from sim.scenario.schema import CameraSpec, ScenarioSpec
from sim.seeding import child_rng, root_seed
from sim.traffic.metrics import episode_metrics
from sim.traffic.setup import AgentInfo, build_world, n_steps
from sim.traffic.world import Trajectory, simulate

MAX_PENDING_FRAMES = 6
"""Frames rendered but not yet written; bounds memory while writers catch up."""
WRITER_THREADS = 2
"""Writer threads of an episode, unless ``SIM_WRITER_THREADS`` says (a generate worker's
share of the cores: sim/dataset/pool.py ``worker_env``)."""


def writer_threads() -> int:
    """``SIM_WRITER_THREADS`` (>= 1) or :data:`WRITER_THREADS`."""
    text = os.environ.get("SIM_WRITER_THREADS", "").strip()
    return max(1, int(text)) if text.isdigit() else WRITER_THREADS


@dataclass(frozen=True)
class EpisodeSummary:
    out_dir: Path
    frames: int
    labelled_objects: int
    cameras: tuple[str, ...]
    seconds: float
    gl_renderer: str

    def line(self) -> str:
        return (
            f"wrote {self.frames} frames "
            f"({len(self.cameras)} camera{'s' if len(self.cameras) != 1 else ''}), "
            f"{self.labelled_objects} objects labelled, in {self.seconds:.1f} s -> {self.out_dir}"
        )


def camera_model(spec: CameraSpec) -> CameraModel:
    m = spec.mount
    T = mount_transform(
        m.x, m.y, m.z, math.radians(m.yaw_deg), math.radians(m.pitch_deg), math.radians(m.roll_deg)
    )
    common = dict(
        rate=float(spec.rate),
        znear=float(spec.znear),
        zfar=float(spec.zfar),
        lens=lens_from_spec(spec.lens),
        msaa=4 if spec.msaa is None else int(spec.msaa),
        aa="none" if spec.aa is None else spec.aa,
        shadow_map=SHADOW_MAP_SIZE if spec.shadow_map is None else int(spec.shadow_map),
    )
    if spec.hfov_deg is not None:
        return CameraModel.from_fov(
            spec.name, spec.width, spec.height, math.radians(spec.hfov_deg), T, **common
        )
    fy = spec.fy if spec.fy is not None else spec.fx
    cx = spec.cx if spec.cx is not None else (spec.width - 1) / 2.0
    cy = spec.cy if spec.cy is not None else (spec.height - 1) / 2.0
    return CameraModel(
        spec.name,
        spec.width,
        spec.height,
        float(spec.fx),
        float(fy),
        float(cx),
        float(cy),
        T,
        **common,
    )


def check_output_dir(out_dir: Path, overwrite: bool) -> None:
    """Refuse ``out_dir`` unless it is missing, empty, or (with ``overwrite``) an earlier
    episode sim wrote (:func:`sim.outdir.check_target`); raises OutputError."""
    check_target(out_dir, overwrite, (EPISODE,))


def agent_mesh(catalog: Catalog, info: AgentInfo) -> MeshArrays:
    """The mesh of one road user as the episode draws it (its own frame)."""
    data = catalog.mesh(info.asset, info.variant, paint=info.color)
    return asset_mesh(data, info.cls)  # with its parts' materials (paint, glass, tyres, ...)


def appearance_of(spec: ScenarioSpec, seed_root) -> Appearance:
    """The episode's textures and material ranges (``appearance``), seeded by the run."""
    a = spec.appearance
    seed = int(child_rng(seed_root, "textures").integers(2**62))
    return Appearance(
        textures=bool(a.textures),
        seed=seed,
        paint_metallic=tuple(a.paint_metallic),
        paint_roughness=tuple(a.paint_roughness),
        glass_roughness=tuple(a.glass_roughness),
        dirt=tuple(a.dirt),
    )


def lighting(spec: ScenarioSpec) -> Lighting:
    """The renderer's light: the environment's sun and sky under its clouds
    (sim.scenario.daylight.overcast), shadows, lamps, and the clouds' seed."""
    env = spec.environment
    cover = float(env.cloud_cover)
    sun, ambient = overcast(
        float(env.sun_intensity), float(env.ambient), float(env.sun_elevation_deg), cover
    )
    return Lighting.from_angles(
        env.sun_elevation_deg,
        env.sun_azimuth_deg,
        sun_color=tuple(float(c) for c in env.sun_color),
        sun_intensity=sun,
        ambient=ambient,
        sky_top=tuple(env.sky_top),
        sky_horizon=tuple(env.sky_horizon),
        shadows=bool(env.shadows),
        cloud_cover=cover,
        lamps=lamps_on(env.lamps, sun),
        sky_seed=int(child_rng(root_seed(int(spec.seed)), "sky").integers(2**31)),
    )


def sun_light(spec: ScenarioSpec) -> float:
    """The sun's light for the glare effect, 0..1: its intensity over a clear day's,
    nothing once it is a degree below the horizon."""
    env = spec.environment
    if env.sun_elevation_deg < -1.0:
        return 0.0
    return min(1.0, float(env.sun_intensity) / DAY_SUN_INTENSITY)


def static_scene(network, catalog: Catalog, resolved: ScenarioSpec, seed_root) -> tuple:
    """The episode's static meshes (road surface and markings from child ``scene``, the
    roadside dressing from child ``roadside``) and its street lamps' light positions (night),
    as ``(parts, lamp_heads)``; the same for every camera, built once."""
    static = build_static(network, child_rng(seed_root, "scene"))
    lamp_heads: list = []
    roadside = build_roadside(
        network,
        catalog,
        child_rng(seed_root, "roadside"),
        float(resolved.environment.roadside_density),
        lamp_heads=lamp_heads,
    )
    if roadside is not None:
        static = (*static, roadside)
    return static, lamp_heads


def _frame_ticks(
    spec: ScenarioSpec, cameras: list[CameraModel], total_steps: int
) -> list[tuple[int, list[int]]]:
    """(step, camera indices due at that step) for every step where some camera ticks."""
    every = [steps_per_frame(c.rate, float(spec.step)) for c in cameras]
    ticks = []
    for step in range(total_steps):
        due = [i for i, k in enumerate(every) if step % k == 0]
        if due:
            ticks.append((step, due))
    return ticks


def run_episode(
    loaded: LoadedScenario,
    resolved: ScenarioSpec,
    catalog: Catalog,
    out_dir: Path,
    overwrite: bool = False,
    progress: bool = True,
) -> EpisodeSummary:
    """Simulate, render, label and write one episode into ``out_dir``.

    ``out_dir`` must be missing or empty, or with ``overwrite`` an earlier episode (every
    file listed in its manifest); anything else is refused before any work (OutputError).
    An operating-system failure (no space, file too large, read-only, ...) removes the
    partial folder and comes out as one-line SystemFailure (exit 3).
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    with staged(out_dir, overwrite, (EPISODE,)) as partial:
        written = _write_episode(loaded, resolved, catalog, partial, progress)
    seconds = time.perf_counter() - started
    return EpisodeSummary(
        out_dir,
        written.frames,
        written.labelled_objects,
        written.cameras,
        seconds,
        written.gl_renderer,
    )


@dataclass(frozen=True)
class WrittenEpisode:
    """What :func:`_write_episode` wrote."""

    frames: int
    labelled_objects: int
    cameras: tuple[str, ...]  # names, in the scenario's order
    gl_renderer: str


def _write_episode(
    loaded: LoadedScenario, resolved: ScenarioSpec, catalog: Catalog, root: Path, progress: bool
) -> WrittenEpisode:
    world, agents = build_world(resolved, catalog)
    total_steps = n_steps(resolved)
    traj = simulate(world, total_steps)
    seed_root = root_seed(int(resolved.seed))

    cameras = [camera_model(c) for c in resolved.sensors.cameras]
    warps = [lens_warp(c, i) for i, c in enumerate(cameras)]  # None: a pinhole, drawn as it is
    static, lamp_heads = static_scene(world.network, catalog, resolved, seed_root)
    meshes = {a.id: agent_mesh(catalog, a) for a in agents}
    ticks = _frame_ticks(resolved, cameras, total_steps)
    writers = episode_writers(resolved.outputs.formats, root)  # native first

    def write_frame(frame: FrameData) -> list:
        """In a writer thread: every format's files of one frame, in table order (native
        first: the others link its RGB); returns each writer's part for ``add``."""
        return [w.write(frame) for w in writers]

    def collect(item: tuple[FrameData, Future]) -> None:
        """In frame order: wait for a frame's files, hand episode-wide writers their part."""
        frame, future = item
        parts = future.result()  # re-raises a writer's error here
        for w, part in zip(writers, parts, strict=True):
            w.add(frame, part)

    frames_written = 0
    labelled = 0
    occlusion = dict.fromkeys(OCCLUSION_KEYS, 0)  # object-frames by visibility (meta.json metrics)
    light = lighting(resolved)
    look = appearance_of(resolved, seed_root)
    renderer = FrameRenderer(static, light, build_signals(world.network, catalog), look)
    renderer.ego_size = tuple(agents[0].size)  # its headlights
    renderer.street_lamps = np.asarray(lamp_heads, dtype=np.float64).reshape(-1, 3)
    # ---- ground truth (outputs.ground_truth: flow, BEV, occupancy, lanes); none when off
    writers += ground_truth_writers(
        resolved, root, world.network, renderer.static, traj, agents, cameras
    )
    isps = {
        c.name: camera_isp(s.isp, c, seed_root)
        for c, s in zip(cameras, resolved.sensors.cameras, strict=True)
    }
    effects = SensorEffects(
        resolved.perturbations, seed_root, light.sun_direction, sun_light(resolved), isps
    )
    motion = EpisodeMotion(traj, agents, float(resolved.step))
    pending: deque[tuple[FrameData, Future]] = deque()
    counters = [0] * len(cameras)
    total_frames = sum(len(due) for _, due in ticks)
    bar = tqdm(
        total=total_frames, unit="frame", disable=not progress, desc=resolved.name, leave=False
    )
    try:
        with ThreadPoolExecutor(max_workers=writer_threads()) as pool:
            try:
                for step, due in ticks:
                    T_world_ego = pose_matrix(
                        traj.x[step, 0], traj.y[step, 0], 0.0, traj.yaw[step, 0]
                    )
                    views, objects = scene_at(traj, step, agents, meshes)
                    velocities = motion.velocity(step)  # the labels' `velocity`
                    for ci in due:
                        cam = cameras[ci]
                        signals = world.network.signal_state(float(traj.t[step]))
                        warp = warps[ci]
                        rgb, buffers = renderer.render(
                            warp.source if warp else cam, T_world_ego, views, signal_state=signals
                        )
                        if warp is not None:  # lens distortion: every buffer warped alike
                            rgb, buffers = warp.apply(rgb, buffers)
                        T_cam_world = np.linalg.inv(T_world_ego @ cam.T_ego_cam)
                        labels = label_frame(
                            buffers,
                            objects,
                            cam,
                            T_cam_world,
                            int(resolved.outputs.min_pixels),
                            velocities,
                        )
                        frame = FrameData(
                            cam,
                            counters[ci],
                            step,
                            float(traj.t[step]),
                            rgb,
                            buffers,
                            labels,
                            T_world_ego,
                        )
                        bar.update(1)
                        # fog, rain, ...: the image changes, the labels do not; a faulty camera
                        # drops a frame (None) or repeats the previous one
                        if effects:
                            frame = effects.apply(frame)
                            if frame is None:
                                continue
                        counters[ci] += 1
                        pending.append((frame, pool.submit(write_frame, frame)))
                        labelled += len(frame.labels)
                        _count_occlusion(occlusion, frame, int(resolved.outputs.min_pixels))
                        frames_written += 1
                        while len(pending) > MAX_PENDING_FRAMES:
                            collect(pending.popleft())
                while pending:
                    collect(pending.popleft())
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # a writer failed: queue no more
                raise
    finally:
        bar.close()
        renderer.close()
    for w in writers:
        w.finish(cameras)
    # ---- LiDAR (sensors.lidars; sim/dataset/writers/lidar.py): sweeps over the trajectory,
    # their files, KITTI velodyne + Tr_velo_to_cam; nothing when the scenario has none
    lidars = write_lidars(resolved, traj, agents, meshes, renderer.static, cameras, root, seed_root)
    for w in writers:  # formats that take the sweeps too (nuScenes: LIDAR_TOP)
        if lidars and hasattr(w, "finish_lidars"):
            w.finish_lidars(lidars)
    gl = renderer.gl_renderer
    resolved_text = dump_resolved(resolved)
    write_bytes_atomic(root / "scenario.resolved.yaml", resolved_text.encode("utf-8"))
    write_bytes_atomic(root / "tracks.csv", tracks_csv(traj, agents))
    meta = _meta(loaded, resolved, resolved_text, traj, agents, cameras, counters, gl)
    for entry, c in zip(meta["cameras"], cameras, strict=True):
        if (isp := isps[c.name]) is not None:
            entry["isp"] = isp.params.to_meta()
    meta["perturbations"] = effects.record(
        meta["perturbations"]
    )  # which frames were dropped/duplicated
    meta["metrics"]["occlusion"] = occlusion
    meta["appearance"] = look.to_meta([a.id for a in agents[1:]])
    meta["lighting"] = {  # as rendered: the drawn cloud cover, the sun and ambient under it
        "cloud_cover": round(light.cloud_cover, 6),
        "shadows": light.shadows,
        "lamps": light.lamps,
        "sun_intensity": round(light.sun_intensity, 6),
        "ambient": round(light.ambient, 6),
    }
    if lidars:
        meta["lidars"] = lidars
    # the GL context drawn with (GL_VENDOR, GL_VERSION, EGL device: sim/render/egl_device.py)
    meta["renderer"].update({k: v for k, v in renderer.color.gl_info.items() if k != "gl_renderer"})
    write_json(root / "meta.json", meta)
    write_manifest(root, resolved.name)
    return WrittenEpisode(frames_written, labelled, tuple(c.name for c in cameras), gl)


OCCLUSION_KEYS = ("fully_visible", "partly_occluded", "largely_occluded", "hidden")


def _count_occlusion(counts: dict, frame: FrameData, min_pixels: int) -> None:
    """Add a written frame's objects to ``counts``: labelled ones by KITTI occlusion level,
    and ``hidden`` ones -- at least ``min_pixels`` of the image inside their outline, but
    fewer visible pixels, so no label (behind something, or below the threshold)."""
    for lab in frame.labels:
        counts[OCCLUSION_KEYS[min(int(lab.occlusion), 2)]] += 1
    amodal = np.asarray(frame.buffers.amodal_pixels)
    in_view = set(np.flatnonzero(amodal >= min_pixels).tolist()) - {0}
    counts["hidden"] += len(in_view - {lab.id for lab in frame.labels})


def scene_at(
    traj: Trajectory, step: int, agents: list[AgentInfo], meshes
) -> tuple[list[AgentView], list[SceneObject]]:
    """Everything but the ego (which carries the cameras) at one step."""
    views, objects = [], []
    for i, a in enumerate(agents):
        if i == 0 or traj.active is not None and not traj.active[step, i]:
            continue  # the ego carries the cameras; a steady background's reserve waits off stage
        T = pose_matrix(traj.x[step, i], traj.y[step, i], 0.0, traj.yaw[step, i])
        length, w, h = a.size
        radius = math.sqrt((length / 2) ** 2 + (w / 2) ** 2 + h * h)
        views.append(AgentView(a.id, a.id, meshes[a.id], T, radius))
        objects.append(SceneObject(a.id, a.cls, a.size, T))
    return views, objects


def _meta(
    loaded: LoadedScenario,
    resolved: ScenarioSpec,
    resolved_text: str,
    traj: Trajectory,
    agents: list[AgentInfo],
    cameras: list[CameraModel],
    counters: list[int],
    gl: str,
) -> dict:
    return {
        "sim_version": sim.__version__,
        "seed": int(resolved.seed),
        "scenario": {
            "name": resolved.name,
            "path": str(loaded.path),
            "sha256": loaded.sha256,
            "resolved_sha256": hashlib.sha256(resolved_text.encode("utf-8")).hexdigest(),
        },
        "duration": float(resolved.duration),
        "step": float(resolved.step),
        "perturbations": applied_list(resolved),
        "metrics": episode_metrics(traj, length=np.array([a.size[0] for a in agents])),
        "events": [
            {
                "t": e.t,
                "agent": agents[e.agent].id,
                "name": agents[e.agent].name,
                "event": e.name,
                **{k: (agents[v].id if k == "target" else v) for k, v in e.data.items()},
            }
            for e in traj.events
        ],
        "collisions": [
            {
                "step": c.step,
                "t": c.t,
                "ids": [agents[c.a].id, agents[c.b].id],
                "impact_speed": round(c.impact_speed, 6),
            }
            for c in traj.collisions
        ],
        "classes": classes_table(),
        "agents": [
            {
                "id": a.id,
                "name": a.name,
                "asset": a.asset,
                "variant": a.variant,
                "cls": a.cls,
                "size": [round(v, 6) for v in a.size],
                "color": list(a.color) if a.color else None,
            }
            for a in agents
        ],
        "cameras": [{**c.to_meta(), "frames": n} for c, n in zip(cameras, counters, strict=True)],
        "formats": sorted({"native", *resolved.outputs.formats}),
        "min_pixels": int(resolved.outputs.min_pixels),
        "renderer": {
            "rgb": "pyrender (OpenGL)",
            "gl_renderer": gl,
            "labels": "sim rasterizer (pixel centres)",
        },
        "conventions": {
            "depth_png": "uint16 millimetres along the optical axis; 0 = nothing; "
            "65535 = at or beyond 65.535 m",
            "box2d": "pixel-edge coordinates [x0, y0, x1, y1], x1 = last column + 1",
            "K": "OpenCV: pixel centres at integer coordinates; camera x right, y down, z forward",
            "T_ego_cam": "camera pose in the ego frame "
            "(x forward, y left, z up, origin bottom centre)",
        },
    }


def write_manifest(root: Path, name: str) -> None:
    """manifest.json: every file of the episode with sha256 and size; written last."""
    files = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel == "manifest.json":
            continue
        files.append({"path": rel, "sha256": sha256_file(path), "size": path.stat().st_size})
    write_bytes_atomic(
        root / "manifest.json",
        json_bytes({"episode": name, "sim_version": sim.__version__, "files": files}),
    )
