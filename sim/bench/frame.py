"""``python -m sim bench frame``: where the time of one labelled frame goes, stage by stage.

The cut_in scenario (``--scenario``) is set up as ``sim run`` sets it up (world, trajectory,
static scene, roadside, agents, renderer, sensor effects, the native, COCO, KITTI and YOLO
writers), then its frames are made one after the other, each stage timed on its own:

- **traffic**: the whole trajectory's ``simulate`` over the frames it yields;
- **scene update**: posing the agents (``scene_at``), the frustum test, meshes, lamps;
- **colour pass**: pyrender's lit render of the view, including the framebuffer resolve and
  read-back (``render_rgba``), at the camera's ``msaa``;
- **sky + compose**: the cloud sky, the render over it, contact darkening under the cars;
- **label raster**: our rasterizer's depth, semantic, instance buffers (and assembly);
- **lens warp** (a distorted camera only), **labels** (``label_frame``), **effects/ISP**;
- each **writer** (``write`` then ``add``, as the episode's writer thread and main thread do).

The native writer's PNG encoders (rgb, depth, semantic, instance) are also timed on their
own, on the same frame (they are part of the native writer's time, not added again).
Every size (``--sizes``) runs in the same process; per stage the median over ``--frames``
frames and its share of the frame are printed, then the frame rate in steady state with the
writers on their threads as ``sim run`` has them (``WRITER_THREADS``).

``--msaa 4,2,0`` times the colour pass at each anti-aliasing setting on the same frame,
each setting rendered twice and the second timed (switching settings reallocates the
framebuffer), the camera's own setting last; the ratio is the median over frames of each
setting's time over 4x's. It prints the sample count the GL really allocated (llvmpipe
rounds 2 up to 4). ``--encoders`` times PNG zlib levels and strategies of every buffer (size
x time). ``--features`` switches on the realism features of issue 15 (textures, shadows,
lens, ISP; ``sim/bench/_features.py``); without it they are all off. ``--fxaa`` adds msaa 0
followed by the post-filter of :mod:`sim.render.aa` (a camera's ``aa: fxaa``) to the
comparison and to the steady state. ``--overlap`` also runs the steady state with the label
raster on a thread during the colour pass (:func:`render_overlapped`, an experiment:
``sim run`` does not) and checks the bytes. The first line printed names the GL device and
renderer (:mod:`sim.render.egl_device`).
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import tempfile
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from sim.bench import CUT_IN
from sim.bench._encoders import encode_times, encoder_table, own_setting
from sim.bench._overlap import render_overlapped, steady_overlap
from sim.bench._pairs import (
    OWN_PAIRS,
    own_line,
    own_pair,
    shadow_map_lines,
    shadow_map_times,
    timed_render,
)

DESCRIPTION = "one labelled frame of cut_in broken into its stages (ms, shares, frames/s)"

FORMATS = ("native", "coco", "kitti", "yolo")
STAGE_ORDER = (
    "traffic",
    "scene update",
    "colour pass",
    "sky + compose",
    "label raster",
    "lens warp",
    "labels",
    "effects/ISP",
    *(f"writer {f}" for f in FORMATS),
    *(f"  PNG {b}" for b in ("rgb", "depth", "semantic", "instance")),
)


def add_arguments(parser) -> None:
    parser.add_argument("--scenario", type=Path, default=CUT_IN, metavar="YAML")
    parser.add_argument(
        "--sizes",
        default="640x360,1280x720",
        metavar="WxH[,WxH]",
        help="frame sizes (default 640x360,1280x720)",
    )
    parser.add_argument("--frames", type=int, default=8, help="timed frames per size (default 8)")
    parser.add_argument(
        "--steady", type=int, default=12, help="frames of the steady-state loop (0: skip)"
    )
    parser.add_argument(
        "--writer-threads",
        type=int,
        default=None,
        metavar="N",
        help="writer threads of the steady-state loop (default: sim run's WRITER_THREADS)",
    )
    parser.add_argument(
        "--msaa",
        default="4,0",
        metavar="N[,N]",
        help="colour-pass anti-aliasing settings to compare, paired per frame (default 4,0)",
    )
    parser.add_argument(
        "--features",
        action="store_true",
        help="textures, shadows, lens and ISP on (default: all off)",
    )
    parser.add_argument(
        "--encoders",
        action="store_true",
        help="PNG zlib levels and strategies per buffer: size x time",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario value, as sim run --set (e.g. sensors.cameras.0.msaa=0)",
    )
    parser.add_argument(
        "--overlap",
        action="store_true",
        help="steady state also with the label raster on a thread during the colour pass "
        "(an experiment, not what sim run does); checks the bytes are the same",
    )
    for name, (ours, own, *_) in OWN_PAIRS.items():  # --lighting, --casters, --uniforms
        own = own.removesuffix(" (pyrender's own)")
        parser.add_argument(
            f"--{name}",
            action="store_true",
            help=f"the colour pass paired per frame: {ours} (what sim does) against "
            f"pyrender's way: {own}; checks the bytes",
        )
    parser.add_argument(
        "--shadow-maps",
        default="",
        metavar="N[,N]",
        help="camera shadow_map sizes to compare, paired per frame (e.g. 2048,1024; "
        "needs sun shadows: --features)",
    )
    parser.add_argument(
        "--fxaa",
        action="store_true",
        help="with msaa 0 in --msaa: also msaa 0 + the FXAA-like post-filter (sim/render/aa.py)",
    )


def _sizes(text: str) -> list[tuple[int, int]]:
    sizes = []
    for item in text.split(","):
        try:
            w, h = (int(v) for v in item.strip().lower().split("x"))
        except ValueError:
            raise SystemExit(f"error: --sizes: expected WxH[,WxH], found {item!r}") from None
        if w < 16 or h < 16:
            raise SystemExit(f"error: --sizes: {item!r} is smaller than 16x16")
        sizes.append((w, h))
    return sizes


def _shadow_map_list(text: str) -> list[int]:
    """``--shadow-maps``: texels per side, each one a camera's ``shadow_map`` may take."""
    from sim.render.camera import SHADOW_MAP_SIZES

    try:
        out = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise SystemExit(f"error: --shadow-maps: expected N[,N], found {text!r}") from None
    if any(v not in SHADOW_MAP_SIZES for v in out):
        raise SystemExit(
            f"error: --shadow-maps: each size must be in {SHADOW_MAP_SIZES}, found {text!r}"
        )
    return list(dict.fromkeys(out))


def _msaa_list(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise SystemExit(f"error: --msaa: expected N[,N] of 0, 2, 4, found {text!r}") from None
    if not values or any(v not in (0, 2, 4) for v in values):
        raise SystemExit(f"error: --msaa: each setting must be 0, 2 or 4, found {text!r}")
    return list(dict.fromkeys(values))


def _overrides(width: int, height: int, features: bool) -> list[str]:
    from sim.bench._features import FEATURES, OFF

    base = [
        f"sensors.cameras.0.width={width}",
        f"sensors.cameras.0.height={height}",
        "outputs.formats=[native, coco, kitti, yolo]",
    ]
    if not features:
        return [*base, *OFF]
    return [*base, *(k for _, knobs in FEATURES for k in knobs)]


def _setup(scenario: Path, overrides: list[str], root: Path) -> SimpleNamespace:
    """Everything ``sim.dataset.episode._write_episode`` builds before its frame loop."""
    from sim.assets import load_catalog
    from sim.dataset.episode import (
        _frame_ticks,
        agent_mesh,
        appearance_of,
        camera_model,
        lighting,
        static_scene,
        sun_light,
    )
    from sim.dataset.writers import episode_writers
    from sim.pipeline import resolve_scenario
    from sim.render.effects import SensorEffects
    from sim.render.isp import camera_isp
    from sim.render.lens import lens_warp
    from sim.render.renderer import FrameRenderer
    from sim.render.scene import build_signals
    from sim.scenario import load_scenario
    from sim.seeding import root_seed
    from sim.traffic.setup import build_world, n_steps
    from sim.traffic.world import simulate

    loaded = load_scenario(scenario, overrides)
    catalog = load_catalog()
    resolved = resolve_scenario(loaded, catalog)
    world, agents = build_world(resolved, catalog)
    total_steps = n_steps(resolved)
    t0 = time.perf_counter()
    traj = simulate(world, total_steps)
    t_traffic = time.perf_counter() - t0
    seed_root = root_seed(int(resolved.seed))
    spec = resolved.sensors.cameras[0]
    camera = camera_model(spec)
    warp = lens_warp(camera, 0)
    static, lamp_heads = static_scene(world.network, catalog, resolved, seed_root)
    light = lighting(resolved)
    renderer = FrameRenderer(
        static, light, build_signals(world.network, catalog), appearance_of(resolved, seed_root)
    )
    renderer.ego_size = tuple(agents[0].size)
    renderer.street_lamps = np.asarray(lamp_heads, dtype=np.float64).reshape(-1, 3)
    isps = {camera.name: camera_isp(spec.isp, camera, seed_root)}
    effects = SensorEffects(
        resolved.perturbations, seed_root, light.sun_direction, sun_light(resolved), isps
    )
    ticks = [step for step, due in _frame_ticks(resolved, [camera], total_steps) if 0 in due]
    return SimpleNamespace(
        resolved=resolved,
        world=world,
        agents=agents,
        meshes={a.id: agent_mesh(catalog, a) for a in agents},
        traj=traj,
        traffic_per_frame=t_traffic / max(len(ticks), 1),
        camera=camera,
        warp=warp,
        renderer=renderer,
        effects=effects,
        ticks=ticks,
        writers=episode_writers(resolved.outputs.formats, root),
        min_pixels=int(resolved.outputs.min_pixels),
    )


class _Stages:
    """Seconds per stage of the frame being made; wraps the renderer's parts while on."""

    def __init__(self) -> None:
        self.now: dict[str, float] = {}

    def add(self, stage: str, seconds: float) -> None:
        self.now[stage] = self.now.get(stage, 0.0) + seconds

    def wrap(self, stage: str, fn):
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(stage, time.perf_counter() - t0)

        return timed


def _instrument(ctx: SimpleNamespace, stages: _Stages):
    """Time the renderer's parts through wrappers; returns the function that undoes it."""
    import sim.render.renderer as renderer_module

    saved = {
        name: getattr(renderer_module, name)
        for name in ("rasterize", "assemble_frame", "compose_over_sky", "contact_darkening")
    }
    where = {
        "rasterize": "label raster",
        "assemble_frame": "label raster",
        "compose_over_sky": "sky + compose",
        "contact_darkening": "sky + compose",
    }
    for name, fn in saved.items():
        setattr(renderer_module, name, stages.wrap(where[name], fn))
    r = ctx.renderer
    r.color.render_rgba = stages.wrap("colour pass", r.color.render_rgba)
    r._sky_for = stages.wrap("sky + compose", r._sky_for)

    def undo() -> None:
        for name, fn in saved.items():
            setattr(renderer_module, name, fn)
        del r.color.render_rgba, r._sky_for

    return undo


def _make_frame(ctx: SimpleNamespace, k: int, stages: _Stages | None):
    """Frame ``k`` (cycling over the episode's frames): FrameData, or None if dropped."""
    from sim.dataset.episode import scene_at
    from sim.dataset.writers import FrameData
    from sim.labels import label_frame
    from sim.render.camera import pose_matrix

    clock = stages or _Stages()
    step = ctx.ticks[k % len(ctx.ticks)]
    traj, cam, warp = ctx.traj, ctx.camera, ctx.warp
    t0 = time.perf_counter()
    T_world_ego = pose_matrix(traj.x[step, 0], traj.y[step, 0], 0.0, traj.yaw[step, 0])
    views, objects = scene_at(traj, step, ctx.agents, ctx.meshes)
    signals = ctx.world.network.signal_state(float(traj.t[step]))
    before = dict(clock.now)
    render = ctx.renderer.render
    if getattr(ctx, "overlap", None) is not None:  # --overlap: label raster on a thread

        def render(*a, **kw):
            return render_overlapped(ctx.renderer, ctx.overlap, *a, **kw)

    rgb, buffers = render(warp.source if warp else cam, T_world_ego, views, signal_state=signals)
    inner = sum(clock.now.values()) - sum(before.values())
    clock.add("scene update", time.perf_counter() - t0 - inner)
    if warp is not None:
        t0 = time.perf_counter()
        rgb, buffers = warp.apply(rgb, buffers)
        clock.add("lens warp", time.perf_counter() - t0)
    t0 = time.perf_counter()
    T_cam_world = np.linalg.inv(T_world_ego @ cam.T_ego_cam)
    labels = label_frame(buffers, objects, cam, T_cam_world, ctx.min_pixels)
    clock.add("labels", time.perf_counter() - t0)
    frame = FrameData(cam, k % 4, step, float(traj.t[step]), rgb, buffers, labels, T_world_ego)
    if ctx.effects:
        t0 = time.perf_counter()
        frame = ctx.effects.apply(frame)
        clock.add("effects/ISP", time.perf_counter() - t0)
    return frame


def _write(ctx: SimpleNamespace, frame, stages: _Stages | None) -> None:
    for w in ctx.writers:
        t0 = time.perf_counter()
        w.add(frame, w.write(frame))
        if stages is not None:
            name = type(w).__name__.removesuffix("Writer").lower()
            stages.add(f"writer {name}", time.perf_counter() - t0)


def _gl_samples(ctx) -> int:
    """Samples of the colour pass's framebuffer as the GL allocated them (0: single-sample)."""
    from OpenGL import GL

    inner = ctx.renderer.color._renderer._renderer
    if inner._main_fb_ms == inner._main_fb:
        return 0
    GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, inner._main_cb_ms)
    return int(GL.glGetRenderbufferParameteriv(GL.GL_RENDERBUFFER, GL.GL_RENDERBUFFER_SAMPLES))


def _view(ctx, k: int):
    """(camera the colour pass draws, its 4x4 world pose) at frame ``k``."""
    from sim.render.camera import pose_matrix

    step = ctx.ticks[k % len(ctx.ticks)]
    traj = ctx.traj
    T_world_ego = pose_matrix(traj.x[step, 0], traj.y[step, 0], 0.0, traj.yaw[step, 0])
    base = ctx.warp.source if ctx.warp else ctx.camera
    return base, T_world_ego @ base.T_ego_cam


def _compare_msaa(ctx, k: int, settings: list[int], fxaa: bool) -> tuple[dict, dict]:
    """Colour pass of frame ``k``'s view at each setting: second of two renders timed; with
    ``fxaa`` also msaa 0 followed by the post-filter (``"0+fxaa"``)."""
    base, T_world_cam = _view(ctx, k)
    own = base.msaa
    order = [m for m in settings if m != own] + [own]  # the frame's own render follows
    times, samples = {}, {}
    for m in order:
        times[m], rgba = timed_render(ctx, dataclasses.replace(base, msaa=m), T_world_cam)
        samples[m] = _gl_samples(ctx)
        if m == 0 and fxaa:
            from sim.render.aa import fxaa as post_filter

            rgb = np.ascontiguousarray(rgba[..., :3])
            t0 = time.perf_counter()
            post_filter(rgb)
            times["0+fxaa"] = times[0] + time.perf_counter() - t0
    return times, samples


def _steady(ctx: SimpleNamespace, n: int, threads: int) -> float:
    """Frames/s of ``n`` frames made as ``sim run`` makes them: writers on ``threads``."""
    from sim.dataset.episode import MAX_PENDING_FRAMES

    pending: deque = deque()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        t0 = time.perf_counter()
        for k in range(n):
            frame = _make_frame(ctx, k, None)
            if frame is None:
                continue
            parts = pool.submit(lambda f: [w.write(f) for w in ctx.writers], frame)
            pending.append((frame, parts))
            while len(pending) > MAX_PENDING_FRAMES:
                f, fut = pending.popleft()
                for w, part in zip(ctx.writers, fut.result(), strict=True):
                    w.add(f, part)
        while pending:
            f, fut = pending.popleft()
            for w, part in zip(ctx.writers, fut.result(), strict=True):
                w.add(f, part)
        return n / (time.perf_counter() - t0)


def _steady_by_msaa(
    ctx, n: int, threads: int, settings: list[int], fxaa: bool = False
) -> list[str]:
    """Steady-state frames/s at each msaa setting (with ``fxaa`` also the camera knob
    ``msaa: 0, aa: fxaa``): blocks of ``n`` frames, two rounds of every setting in turn
    (load hits them alike); the median of the rounds."""
    camera, warp = ctx.camera, ctx.warp
    keys: list[int | str] = [*settings, *(["0+fxaa"] if fxaa else [])]
    fps: dict[int | str, list[float]] = {key: [] for key in keys}
    try:
        for _ in range(2):
            for key in keys:
                knobs = {"msaa": 0, "aa": "fxaa"} if key == "0+fxaa" else {"msaa": key}
                ctx.camera = dataclasses.replace(camera, **knobs)
                if warp is not None:
                    ctx.warp = dataclasses.replace(
                        warp, camera=ctx.camera, source=dataclasses.replace(warp.source, **knobs)
                    )
                fps[key].append(_steady(ctx, n, threads))
    finally:
        ctx.camera, ctx.warp = camera, warp
    ref = fps.get(4) or fps[keys[0]]
    return [
        f"    msaa={m}: {statistics.median(v):.2f} labelled frames/s "
        f"({statistics.median(a / b for a, b in zip(v, ref, strict=True)):.2f} x msaa=4)"
        for m, v in fps.items()
    ]


def device_line() -> str:
    """What the colour pass draws on: the EGL device (of how many, by which policy) and the
    GL strings of the context (made here, as the first render would)."""
    from sim.render.backend import list_devices, open_context
    from sim.render.egl_device import ENV, policy_from_env

    info = open_context()
    platform = os.environ.get("PYOPENGL_PLATFORM", "")
    count = f" of {len(list_devices())}" if platform == "egl" else ""
    return (
        f"GL device: {info['gl_renderer']} ({info['gl_vendor']}, OpenGL {info['gl_version']}); "
        f"{platform or 'default'} device {info['egl_device']}{count}, "
        f"{ENV}={os.environ.get(ENV, '(unset)')} -> policy {policy_from_env()}"
    )


def run(args) -> int:
    sizes = _sizes(args.sizes)
    settings = _msaa_list(args.msaa)
    maps = _shadow_map_list(args.shadow_maps)  # a bad list fails before any set-up
    if args.frames < 1 or args.steady < 0 or (args.writer_threads or 1) < 1:
        raise SystemExit("error: --frames and --writer-threads must be >= 1, --steady >= 0")
    own_png = own_setting()
    print(device_line())
    print(
        f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} cores; "
        f"LP_NUM_THREADS={os.environ.get('LP_NUM_THREADS', '(unset)')}; "
        f"realism features {'on (textures, shadows, lens, isp)' if args.features else 'off'}"
    )
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="sim-bench-frame-") as tmp:
        for width, height in sizes:
            root = Path(tmp) / f"{width}x{height}"
            overrides = [*_overrides(width, height, args.features), *args.set]
            ctx = _setup(args.scenario, overrides, root)
            try:
                verdicts.append(_one_size(args, ctx, width, height, settings, maps, own_png))
            finally:
                ctx.renderer.close()
    for line in verdicts:
        print(line)
    return 0


def _one_size(args, ctx, width: int, height: int, settings, maps, png_setting: str) -> str:
    stages = _Stages()
    for k in range(2):  # warm-up: JIT (cache), shaders, mesh and texture uploads
        frame = _make_frame(ctx, k, None)
        if frame is not None:
            _write(ctx, frame, None)
    undo = _instrument(ctx, stages)
    per_stage: dict[str, list[float]] = {}
    msaa_times: dict[int, list[float]] = {m: [] for m in settings}
    samples: dict[int, int] = {}
    kept, shadow_maps = [], []
    own = {name: [] for name in OWN_PAIRS if getattr(args, name)}
    try:
        for k in range(2, 2 + args.frames):
            for name, pairs in own.items():
                pairs.append(own_pair(name, ctx, *_view(ctx, k), first_ours=k % 2 == 0))
            if maps:
                shadow_maps.append(shadow_map_times(ctx, *_view(ctx, k), maps))
            if len(settings) > 1:
                times, samples = _compare_msaa(ctx, k, settings, args.fxaa)
                for m, t in times.items():
                    msaa_times.setdefault(m, []).append(t)
            stages.now = {"traffic": ctx.traffic_per_frame}
            frame = _make_frame(ctx, k, stages)
            if frame is None:
                continue
            _write(ctx, frame, stages)
            for stage, t in {**stages.now, **encode_times(frame)}.items():
                per_stage.setdefault(stage, []).append(t)
            if len(kept) < 3:
                kept.append(frame)
    finally:
        undo()
    n_obj = len(kept[0].labels) if kept else 0
    print(
        f"\n{ctx.resolved.name} at {width}x{height} ({len(ctx.agents)} agents, {n_obj} labelled "
        f"in view), msaa {ctx.camera.msaa}, GL renderer: {ctx.renderer.gl_renderer}"
    )
    order = {s: i for i, s in enumerate(STAGE_ORDER)}
    medians = {
        s: statistics.median(per_stage[s])
        for s in sorted(per_stage, key=lambda s: (order.get(s, len(order)), s))
    }
    total = sum(t for s, t in medians.items() if not s.startswith("  "))
    n_timed = len(per_stage.get("labels", []))
    print(f"  {'stage':26s} {'ms':>8s} {'share':>6s}   (median of {n_timed} frames)")
    for stage, t in medians.items():
        share = "" if stage.startswith("  ") else f"{100 * t / total:5.1f}%"
        label = f"{stage} (in native)" if stage.startswith("  ") else stage
        print(f"  {label:26s} {t * 1e3:8.1f} {share:>6s}")
    print(f"  {'frame (sum)':26s} {total * 1e3:8.1f}  100.0%   -> {1 / total:.2f} frames/s serial")
    if len(settings) > 1:
        ref = msaa_times.get(4) or msaa_times[settings[0]]
        for m in msaa_times:
            ratio = statistics.median(t / r for t, r in zip(msaa_times[m], ref, strict=True))
            gl = f"GL samples {samples[m]}" if m in samples else "Numba post-filter"
            print(
                f"  colour pass msaa={m}: {statistics.median(msaa_times[m]) * 1e3:7.1f} ms "
                f"({gl}), {ratio:.2f} x msaa=4 (paired per frame)"
            )
    for name, pairs in own.items():
        print(own_line(name, pairs))
    for line in shadow_map_lines(shadow_maps, maps) if shadow_maps else []:
        print(line)
    if args.encoders and kept:
        print(
            f"  PNG zlib level x strategy (cv2.imencode; sim writes {png_setting}), "
            f"over {len(kept)} frames:"
        )
        for name, setting, ms, size in encoder_table(kept):
            print(f"    {name:9s} {setting:17s}: {ms:7.1f} ms {size / 1024:8.0f} KiB")
    if args.steady:
        from sim.dataset.episode import WRITER_THREADS

        threads = args.writer_threads or WRITER_THREADS
        fps = _steady(ctx, args.steady, threads)
        if len(settings) > 1:  # the other settings' steady state, blocks alternated
            print(f"  steady state ({args.steady} frames per block, 2 rounds):")
            for line in _steady_by_msaa(ctx, args.steady, threads, settings, args.fxaa):
                print(line)
        if args.overlap:
            for line in steady_overlap(ctx, args.steady, threads, _steady):
                print(line)
        line = (
            f"frame bench {width}x{height}: {fps:.2f} labelled frames/s in steady state "
            f"(writers on {threads} threads, {args.steady} frames), serial sum {1 / total:.2f}; "
            f"colour pass {100 * medians.get('colour pass', 0) / total:.0f}% of the frame"
        )
    else:
        line = (
            f"frame bench {width}x{height}: serial sum {1 / total:.2f} frames/s; "
            f"colour pass {100 * medians.get('colour pass', 0) / total:.0f}% of the frame"
        )
    return line
