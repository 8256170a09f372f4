"""``python -m sim bench groundtruth``: what flow, BEV and lanes add to a labelled frame.

The scene is ``sim bench render``'s (a straight 3-lane road with trees, lamps and buildings,
``--objects`` moving agents ahead of the ego). Two kinds of frame, alternating frame by
frame in the same process so that load from other processes hits both alike:

- **labelled**: what ``sim run`` computes per camera frame: colour render over the sky,
  depth / instance / semantic buffers, every label;
- **with ground truth**: the same, then the forward flow to the next frame, the BEV grid
  (80 m x 80 m at 0.2 m by default) and the lane lines in 3D and in the camera.

The ratio is the median over frames of (with / without) of paired frames. Also printed:
each part's own median cost, the occupancy grid's (off in the ratio: it is a separate
switch) and the cost of encoding the files (done on the episode's writer threads).
"""

from __future__ import annotations

import math
import statistics
import time

DESCRIPTION = "cost of flow + BEV + lanes on a labelled frame (paired frames, one run)"


def add_arguments(parser) -> None:
    parser.add_argument("--objects", type=int, default=30, help="objects in the scene (default 30)")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--frames", type=int, default=30, help="paired frames (default 30)")
    parser.add_argument("--resolution", type=float, default=0.2, help="BEV [m] per cell")
    parser.add_argument("--extent", type=float, default=80.0, help="BEV side [m]")
    parser.add_argument("--seed", type=int, default=0, help="placement of the objects")


def run(args) -> int:
    from sim.bench.render import build_scene
    from sim.dataset.writers.groundtruth import npz_bytes
    from sim.groundtruth.bev import BevGrid, VoxelGrid, bev_frame, occupancy
    from sim.groundtruth.flow import camera_rays, kitti_flow_png, motion_transforms, rigid_flow
    from sim.groundtruth.lanes import camera_lines, frame_lines, lanes_json, network_lines
    from sim.labels import label_frame
    from sim.render.camera import CameraModel, invert_rigid, mount_transform
    from sim.road import Road

    if args.objects < 1 or args.frames < 1 or args.width < 16 or args.height < 16:
        raise SystemExit("error: --objects and --frames must be positive, the size >= 16x16")
    renderer, T_world_ego, scene_at = build_scene(args.objects, args.seed)
    road = Road.straight(600.0, lanes=3, lane_width=3.5)  # build_scene's road
    camera = CameraModel.from_fov(
        "front",
        args.width,
        args.height,
        math.radians(90.0),
        mount_transform(1.0, 0.0, 1.5, 0.0, 0.0, 0.0),
    )
    T_world_cam = T_world_ego @ camera.T_ego_cam
    T_cam_world = invert_rigid(T_world_cam)
    grid = BevGrid(args.extent, args.extent, args.resolution)
    voxels = VoxelGrid(args.extent, args.extent)
    lines = network_lines(road)
    rays = camera_rays(camera)
    parts: dict[str, list[float]] = {"flow": [], "bev": [], "lanes": [], "occupancy": []}
    encode: list[float] = []

    def labelled(frame: int):
        views, objects = scene_at(frame)
        rgb, buffers = renderer.render(camera, T_world_ego, views)
        labels = label_frame(buffers, objects, camera, T_cam_world, 10)
        return buffers, objects, labels

    def ground_truth(frame: int, buffers, objects, record: bool):
        t0 = time.perf_counter()
        _, after = scene_at(frame + 1)  # the ego stands still: the agents move
        motions = motion_transforms(
            T_world_cam,
            T_world_cam,
            {o.id: o.T_world_obj for o in objects},
            {o.id: o.T_world_obj for o in after},
        )
        field = rigid_flow(camera, buffers.depth, buffers.instance, motions, rays)
        t1 = time.perf_counter()
        bev = bev_frame(grid, renderer.static, T_world_ego, objects)
        t2 = time.perf_counter()
        seen = camera_lines(frame_lines(lines, T_world_ego), camera, buffers.depth)
        doc = lanes_json(seen, camera, {"frame": frame})
        t3 = time.perf_counter()
        if record:
            parts["flow"].append(t1 - t0)
            parts["bev"].append(t2 - t1)
            parts["lanes"].append(t3 - t2)
        return field, bev, doc

    try:
        for k in range(3):  # warm-up: JIT (cache), GL shaders, mesh uploads
            buffers, objects, labels = labelled(k)
            ground_truth(k, buffers, objects, record=False)
            occupancy(voxels, camera, buffers.depth, buffers.semantic, rays)
        without, with_gt = [], []
        for frame in range(args.frames):
            t0 = time.perf_counter()
            labelled(frame)
            t1 = time.perf_counter()
            buffers, objects, labels = labelled(frame)
            field, bev, doc = ground_truth(frame, buffers, objects, record=True)
            t2 = time.perf_counter()
            without.append(t1 - t0)
            with_gt.append(t2 - t1)
            t3 = time.perf_counter()
            occupancy(voxels, camera, buffers.depth, buffers.semantic, rays)
            t4 = time.perf_counter()
            kitti_flow_png(field)
            npz_bytes({"semantic": bev.semantic, "instance": bev.instance, "height": bev.height})
            t5 = time.perf_counter()
            parts["occupancy"].append(t4 - t3)
            encode.append(t5 - t4)
        ratio = statistics.median(b / a for a, b in zip(without, with_gt, strict=True))
        ms = lambda xs: statistics.median(xs) * 1e3  # noqa: E731
        print(
            f"scene: {args.objects} objects ({len(labels)} labelled in view), "
            f"{camera.width}x{camera.height}, BEV {grid.shape[0]}x{grid.shape[1]} cells at "
            f"{grid.resolution:g} m, {len(lines)} lane lines, GL renderer: {renderer.gl_renderer}"
        )
        print(f"labelled frame:                {ms(without):7.1f} ms (median)")
        print(f"labelled frame + ground truth: {ms(with_gt):7.1f} ms (median)")
        print(
            "  parts (median ms): "
            + ", ".join(f"{name} {ms(parts[name]):.1f}" for name in ("flow", "bev", "lanes"))
        )
        print(
            f"  not in the ratio: occupancy ({'x'.join(map(str, voxels.shape))} voxels, every "
            f"{voxels.stride}th ray) {ms(parts['occupancy']):.1f} ms; encoding the flow PNG + "
            f"BEV npz {ms(encode):.1f} ms (writer threads)"
        )
        verdict = "meets" if ratio <= 1.2 else "misses"
        print(
            f"groundtruth bench: flow + BEV + lanes add {100 * (ratio - 1):.0f} % to a labelled "
            f"frame (median of {args.frames} paired frames; {verdict} the 20 % target)"
        )
    finally:
        renderer.close()
    return 0
