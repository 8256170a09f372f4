"""``python -m sim bench lidar``: cost of a LiDAR sweep in a library scene.

The scene: a library scenario's static triangles (road, markings, terrain, roadside, traffic
lights: what the cameras draw) and its agents at one step, the ego carrying the sensor on
its roof. Figures, all in one process, the loops alternating sweep by sweep so that load
from other processes hits each alike:

- **sweep**: ms per 64-beam (HDL-64E table) sweep at ``--resolution`` (0.2 deg: 1800
  columns, 115,200 rays), median and worst of ``--repeats``, with motion (per-block poses),
  noise, dropout draws and the point cloud (everything :func:`sim.lidar.cast_sweep` does);
- **rays/s** of the 16-, 64- and 128-beam presets (VLP-16, HDL-64E, OS1-128) at the same
  resolution;
- **triangles**: the same 64-beam sweep over a static scene with 10x its triangles (every
  triangle split 3 x 3, plus a copy of the scene buried 3 m under the ground): the ratio of
  median times (a tree's cost grows with the log of its triangles: the target is <= 2x);
- the static tree's build time for both.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import numpy as np

from sim.bench import CUT_IN

DESCRIPTION = "LiDAR ms per 64-beam sweep, rays/s for 16/64/128 beams, cost vs scene triangles"

PRESET_BEAMS = (("vlp16", 16), ("hdl64e", 64), ("os1_128", 128))


def add_arguments(parser) -> None:
    parser.add_argument("--scenario", type=Path, default=CUT_IN, metavar="YAML")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--step", type=int, default=40, help="trajectory step of the sweep")
    parser.add_argument("--resolution", type=float, default=0.2, help="[deg] azimuth step")
    parser.add_argument("--repeats", type=int, default=10, help="sweeps per figure")


def subdivide(vertices: np.ndarray, faces: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every triangle split into n x n (vertices not shared between triangles)."""
    tri = vertices[faces]  # (F, 3, 3)
    grid = [(i, j) for i in range(n + 1) for j in range(n + 1 - i)]
    index = {ij: k for k, ij in enumerate(grid)}
    w = np.array([[1 - (i + j) / n, i / n, j / n] for i, j in grid])  # barycentric (G, 3)
    points = np.einsum("gk,fkc->fgc", w, tri)  # (F, G, 3)
    local = []
    for i, j in grid:
        if i + j < n:
            local.append((index[i, j], index[i + 1, j], index[i, j + 1]))
        if i + j < n - 1:
            local.append((index[i + 1, j], index[i + 1, j + 1], index[i, j + 1]))
    local = np.array(local)
    g = len(grid)
    new_faces = (np.arange(len(faces))[:, None, None] * g + local[None]).reshape(-1, 3)
    return points.reshape(-1, 3), new_faces.astype(np.int32)


def _scene(args):
    """(static MeshArrays, agents, traj, step) of the bench scene."""
    from sim.assets import load_catalog
    from sim.dataset.episode import agent_mesh, static_scene
    from sim.pipeline import resolve_scenario
    from sim.render.scene import MeshArrays, build_signals
    from sim.scenario import load_scenario
    from sim.seeding import root_seed
    from sim.traffic.setup import build_world
    from sim.traffic.world import simulate

    catalog = load_catalog()
    spec = resolve_scenario(load_scenario(args.scenario), catalog, args.seed)
    world, agents = build_world(spec, catalog)
    traj = simulate(world, args.step + 4)
    seed_root = root_seed(int(spec.seed))
    parts = list(static_scene(world.network, catalog, spec, seed_root)[0])
    signals = build_signals(world.network, catalog)
    if signals is not None:
        parts += [signals.housing, signals.lamps]
    static = MeshArrays.concat(parts)
    meshes = [agent_mesh(catalog, a) for a in agents]
    return spec, static, agents, meshes, traj


def _ten_times(static):
    """The static scene with 10x the triangles: split 3 x 3, plus a copy 3 m underground."""
    from sim.render.scene import MeshArrays

    v, f = subdivide(static.vertices, static.faces, 3)
    sem = np.repeat(static.face_semantic, 9)
    buried = static.vertices - np.array([0.0, 0.0, 3.0])
    f = np.concatenate((f, static.faces + len(v)))
    v = np.concatenate((v, buried))
    sem = np.concatenate((sem, static.face_semantic))
    return MeshArrays(v, f.astype(np.int32), np.zeros((len(f), 4), np.uint8), sem)


def run(args) -> int:
    from sim.lidar import elevation_table
    from sim.lidar.rig import LidarRig, RigAgent
    from sim.lidar.sweep import Atmosphere, LidarModel
    from sim.render.camera import pose_matrix

    spec, static, agents, meshes, traj = _scene(args)
    rig_agents = [
        RigAgent(i, a.id, a.cls, tuple(a.size), meshes[i]) for i, a in enumerate(agents) if i
    ]
    mount = pose_matrix(0.0, 0.0, 1.73, 0.0)

    def model(preset: str) -> LidarModel:
        return LidarModel(
            preset, elevation_table(preset), float(args.resolution), T_ego_lidar=mount
        )

    models = [model(p) for p, _ in PRESET_BEAMS]
    t0 = time.perf_counter()
    rig = LidarRig(models, static, rig_agents, Atmosphere())
    build_ms = 1e3 * (time.perf_counter() - t0)
    big_static = _ten_times(static)
    t0 = time.perf_counter()
    big = LidarRig([models[1]], big_static, rig_agents, Atmosphere())
    big_build_ms = 1e3 * (time.perf_counter() - t0)
    t_ref = float(traj.t[args.step])
    rng = np.random.default_rng(args.seed)
    for k in range(len(models)):  # compile and warm up
        rig.sweep(k, traj, 0, t_ref, rng)
    big.sweep(0, traj, 0, t_ref, rng)

    times: dict[str, list[float]] = {p: [] for p, _ in PRESET_BEAMS}
    times["big"] = []
    points = 0
    for _ in range(max(1, args.repeats)):
        for k, (p, _) in enumerate(PRESET_BEAMS):
            t0 = time.perf_counter()
            s = rig.sweep(k, traj, 0, t_ref, rng)
            times[p].append(time.perf_counter() - t0)
            if p == "hdl64e":
                points = len(s.points)
        t0 = time.perf_counter()
        big.sweep(0, traj, 0, t_ref, rng)
        times["big"].append(time.perf_counter() - t0)

    med = {k: statistics.median(v) for k, v in times.items()}
    rays = {p: models[k].n_rays for k, (p, _) in enumerate(PRESET_BEAMS)}
    row = {
        "bench": "lidar",
        "scenario": str(args.scenario),
        "resolution_deg": float(args.resolution),
        "triangles": int(rig.scene.n_static_triangles),
        "agents": len(rig_agents),
        "rays_64": rays["hdl64e"],
        "points_64": points,
        "sweep_ms_64": round(1e3 * med["hdl64e"], 2),
        "sweep_ms_64_worst": round(1e3 * max(times["hdl64e"]), 2),
        "rays_per_s": {str(beams): round(rays[p] / med[p]) for p, beams in PRESET_BEAMS},
        "triangles_10x": int(big.scene.n_static_triangles),
        "sweep_ms_64_10x": round(1e3 * med["big"], 2),
        "time_ratio_10x_triangles": round(med["big"] / med["hdl64e"], 3),
        "build_ms": round(build_ms, 1),
        "build_ms_10x": round(big_build_ms, 1),
    }
    print(json.dumps(row), flush=True)
    print(
        f"lidar: a 64-beam sweep ({rays['hdl64e']} rays, {points} points, "
        f"{row['triangles']} static triangles, {row['agents']} agents) takes "
        f"{row['sweep_ms_64']:.1f} ms (worst {row['sweep_ms_64_worst']:.1f}); rays/s "
        + ", ".join(f"{b} beams {row['rays_per_s'][str(b)] / 1e6:.2f} M" for _, b in PRESET_BEAMS)
        + f"; 10x the triangles ({row['triangles_10x']}) costs "
        f"{row['time_ratio_10x_triangles']:.2f}x the time",
        flush=True,
    )
    return 0
