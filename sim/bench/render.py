"""``python -m sim bench render``: cost of a fully labelled frame against a plain colour render.

The scene: a straight 3-lane road (asphalt, markings, terrain) seen from an ego-mounted
camera, with ``--objects`` agents (cars, vans, trucks, buses, two-wheelers, pedestrians,
cones) spread over the lanes and shoulders ahead, every one moving a little each frame.

Two loops over the same frames, in the same process, through the same OpenGL context:

- **plain**: pose the agents, one pyrender colour render (``RenderFlags.RGBA``, read back
  to the host) -- the least any camera frame can cost;
- **labelled**: what ``sim run`` does per frame: the colour render composited over the sky,
  depth / instance / semantic buffers and amodal pixel counts from our rasterizer, and every
  label (visible + amodal boxes, 3D boxes, visibility, truncation, occlusion).

The two alternate frame by frame so that load from other processes hits both alike; the
ratio is the median over frames of (labelled time / plain time) of the same frame.
``--write`` adds a third figure: labelled frames with their PNGs and label JSON encoded on
worker threads (as the episode writer does), and the resident memory at the start and end
of the run, to show it stays flat.
"""

from __future__ import annotations

import math
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from sim.bench import CUT_IN

DESCRIPTION = (
    "labelled frames/s (all buffers + labels) vs plain pyrender colour frames/s, same scene"
)

_MIX = (
    ("sedan", 6),
    ("hatchback", 4),
    ("suv", 4),
    ("van", 2),
    ("pickup", 2),
    ("truck", 2),
    ("bus", 1),
    ("motorcycle_with_rider", 2),
    ("bicycle_with_rider", 2),
    ("pedestrian_adult", 3),
    ("pedestrian_child", 1),
    ("traffic_cone", 1),
)
"""Assets of the bench scene (name, count): 30 objects."""


def add_arguments(parser) -> None:
    parser.add_argument("--objects", type=int, default=30, help="objects in the scene (default 30)")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--frames", type=int, default=60, help="frames per loop (default 60)")
    parser.add_argument(
        "--write",
        action="store_true",
        help="also write every labelled frame (PNG + JSON on worker threads) and report memory",
    )
    parser.add_argument("--seed", type=int, default=0, help="placement of the objects")
    parser.add_argument(
        "--size", metavar="WxH", help="frame size, e.g. 1280x720 (sets --width and --height)"
    )
    parser.add_argument(
        "--features",
        type=int,
        default=10,
        metavar="N",
        help="realism features' cost: episodes of N frames per feature (0: skip; default 10)",
    )
    parser.add_argument("--feature-rounds", type=int, default=2, metavar="R")
    parser.add_argument("--feature-scenario", type=Path, default=CUT_IN, metavar="YAML")


def build_scene(n_objects: int, seed: int):
    """(FrameRenderer, T_world_ego, scene_at) of the bench scene; ``scene_at(frame)`` gives the
    (AgentView list, SceneObject list) of that frame. Call ``renderer.close()`` when done."""
    from sim.assets import load_catalog
    from sim.classes import BY_NAME
    from sim.labels import SceneObject
    from sim.render.camera import pose_matrix
    from sim.render.renderer import AgentView, FrameRenderer, Lighting
    from sim.render.scene import MeshArrays, build_roadside, build_static
    from sim.road import Road

    rng = np.random.default_rng(seed)
    catalog = load_catalog()
    road = Road.straight(600.0, lanes=3, lane_width=3.5)
    static = build_static(road, rng)
    roadside = build_roadside(road, catalog, rng)  # trees, lamps, buildings, as in every episode
    static = (*static, roadside) if roadside is not None else static
    lighting = Lighting.from_angles(
        40.0,
        30.0,
        sun_color=(1.0, 0.97, 0.92),
        sun_intensity=3.0,
        ambient=0.35,
        sky_top=(90, 140, 210),
        sky_horizon=(200, 215, 230),
    )
    renderer = FrameRenderer(static, lighting)

    names = [name for name, count in _MIX for _ in range(count)]
    while len(names) < n_objects:
        names += names
    names = names[:n_objects]
    ego_s, ego_d = 80.0, road.lane_center(1)
    agents = []
    for k, name in enumerate(names):
        info = catalog.info(name)
        variant = int(rng.integers(len(info.variants)))
        data = catalog.mesh(
            name,
            variant,
            paint=info.paint_colors[int(rng.integers(len(info.paint_colors)))]
            if info.paint_colors
            else None,
        )
        sem = np.full(len(data.faces), BY_NAME[info.cls].id, dtype=np.uint8)
        mesh = MeshArrays(data.vertices, data.faces, data.face_colors, sem)
        if info.kind in ("pedestrian",) or name == "traffic_cone":
            d = float(rng.choice([-1.5, road.width + 1.5]))  # on the shoulders
            speed = 1.4 if info.kind == "pedestrian" else 0.0
        else:
            d = float(road.lane_center(int(rng.integers(3))))
            speed = float(rng.uniform(-2.0, 2.0))
        s = ego_s + 8.0 + 140.0 * (k + rng.uniform(0, 1)) / n_objects
        agents.append((k + 2, name, info.cls, mesh, data.size, s, d, speed))

    x0, y0, h0 = road.to_world([ego_s], [ego_d])
    T_world_ego = pose_matrix(float(x0[0]), float(y0[0]), 0.0, float(h0[0]))

    def scene_at(frame: int):
        views, objects = [], []
        for agent_id, _name, cls, mesh, size, s, d, speed in agents:
            sx, sy, sh = road.to_world([s + 0.1 * speed * frame], [d])
            T = pose_matrix(float(sx[0]), float(sy[0]), 0.0, float(sh[0]))
            length, w, h = size
            views.append(
                AgentView(
                    agent_id,
                    agent_id,
                    mesh,
                    T,
                    math.sqrt((length / 2) ** 2 + (w / 2) ** 2 + h * h),
                )
            )
            objects.append(SceneObject(agent_id, cls, size, T))
        return views, objects

    return renderer, T_world_ego, scene_at


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def run(args) -> int:
    from sim.labels import label_frame
    from sim.render.camera import CameraModel, invert_rigid, mount_transform

    if args.size:
        try:
            args.width, args.height = (int(v) for v in args.size.lower().split("x"))
        except ValueError:
            raise SystemExit(f"error: --size: expected WxH, found {args.size!r}") from None
    if args.objects < 1 or args.frames < 1 or args.width < 16 or args.height < 16:
        raise SystemExit("error: --objects and --frames must be positive, the size >= 16x16")
    if args.features == 1 or args.features < 0 or args.feature_rounds < 1:
        raise SystemExit("error: --features must be 0 or >= 2, --feature-rounds >= 1")
    renderer, T_world_ego, scene_at = build_scene(args.objects, args.seed)
    camera = CameraModel.from_fov(
        "front",
        args.width,
        args.height,
        math.radians(90.0),
        mount_transform(1.0, 0.0, 1.5, 0.0, 0.0, 0.0),
    )
    T_world_cam = T_world_ego @ camera.T_ego_cam
    T_cam_world = invert_rigid(T_world_cam)

    def plain(frame: int) -> None:
        views, _ = scene_at(frame)
        shown = renderer.visible_agents(camera, T_cam_world, views)
        for a in shown:
            if not renderer.color.has_agent_mesh(a.mesh_key):
                renderer.color.add_agent_mesh(
                    a.mesh_key, a.mesh.vertices, a.mesh.faces, a.mesh.face_colors
                )
        renderer.color.set_agents([(a.id, a.mesh_key, a.T_world_obj) for a in shown])
        renderer.color.render_rgba(camera, T_world_cam)

    def labelled(frame: int):
        views, objects = scene_at(frame)
        rgb, buffers = renderer.render(camera, T_world_ego, views)
        labels = label_frame(buffers, objects, camera, T_cam_world, 10)
        return rgb, buffers, labels

    try:
        # warm-up: JIT (cache), GL shader compilation, mesh uploads
        for k in range(3):
            plain(k)
            _, _, labels = labelled(k)
        n_visible = len(labels)
        plain_s, labelled_s = [], []
        for frame in range(args.frames):
            # alternate frame by frame so that load from other processes hits both alike
            t0 = time.perf_counter()
            plain(frame)
            t1 = time.perf_counter()
            labelled(frame)
            t2 = time.perf_counter()
            plain_s.append(t1 - t0)
            labelled_s.append(t2 - t1)
        t_plain = statistics.median(plain_s)
        t_label = statistics.median(labelled_s)
        ratio = statistics.median(b / a for a, b in zip(plain_s, labelled_s, strict=True))
        print(
            f"scene: {args.objects} objects ({n_visible} labelled in view), "
            f"{camera.width}x{camera.height}, "
            f"GL renderer: {renderer.gl_renderer}"
        )
        print(
            f"plain pyrender colour render: {1 / t_plain:7.1f} frames/s "
            f"({t_plain * 1e3:.1f} ms/frame)"
        )
        print(
            f"fully labelled frame:         {1 / t_label:7.1f} frames/s "
            f"({t_label * 1e3:.1f} ms/frame; "
            "rgb + depth + semantic + instance + labels)"
        )
        if args.write:
            _write_loop(args, renderer, camera, T_world_ego, T_cam_world, scene_at)
        verdict = "meets" if ratio <= 1.5 else "misses"
        verdict_line = (
            f"render bench: a fully labelled frame costs {ratio:.2f}x a plain colour render "
            f"(median of {args.frames} paired frames; {verdict} the 1.5x target)"
        )
    finally:
        renderer.close()
    if args.features:
        from sim.bench._features import feature_rows, print_rows

        rows = feature_rows(
            args.feature_scenario, args.width, args.height, args.features, args.feature_rounds
        )
        print_rows(rows, 1 / ratio, args.width, args.height, args.feature_scenario)
    print(verdict_line)
    return 0


def _write_loop(args, renderer, camera, T_world_ego, T_cam_world, scene_at) -> None:
    """Labelled frames written as the episode writer does; frames/s and resident memory."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    from sim.dataset.episode import MAX_PENDING_FRAMES, WRITER_THREADS
    from sim.dataset.writers import FrameData
    from sim.dataset.writers.native import NativeWriter
    from sim.labels import label_frame

    n = args.frames
    with tempfile.TemporaryDirectory(prefix="sim-bench-") as tmp:
        writer = NativeWriter(Path(tmp))
        pending: deque = deque()
        rss = []
        with ThreadPoolExecutor(max_workers=WRITER_THREADS) as pool:
            t0 = time.perf_counter()
            for k in range(n):
                views, objects = scene_at(k)
                rgb, buffers = renderer.render(camera, T_world_ego, views)
                labels = label_frame(buffers, objects, camera, T_cam_world, 10)
                # every frame overwrites the same files: disk use stays small
                frame = FrameData(camera, k % 4, k, 0.1 * k, rgb, buffers, labels, T_world_ego)
                pending.append(pool.submit(writer.write, frame))
                while len(pending) > MAX_PENDING_FRAMES:
                    pending.popleft().result()
                if k in (n // 10, n // 2, n - 1):
                    rss.append((k, _rss_mb()))
            while pending:
                pending.popleft().result()
            elapsed = time.perf_counter() - t0
    memory = ", ".join(f"{mb:.0f} MB at frame {k}" for k, mb in rss)
    print(
        f"labelled + written (PNG/JSON on {WRITER_THREADS} threads): "
        f"{n / elapsed:7.1f} frames/s over {n} frames; "
        f"resident memory {memory}"
    )
