"""``bench frame --overlap``: the label raster (Numba) run on a thread while the colour pass
(pyrender) draws, an experiment ``sim run`` does not use: the same bytes, and frames/s
against the serial order (docs/throughput.md)."""

from __future__ import annotations

import statistics
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import sim.render.renderer as rmod
from sim.dataset.episode import scene_at
from sim.render.camera import invert_rigid, pose_matrix


def render_overlapped(renderer, pool, camera, T_world_ego, agents, signal_state=None):
    """``FrameRenderer.render`` with the label raster (assembly + rasterizer, Numba) on a
    thread of ``pool`` while this thread runs the colour pass (pyrender; the GL calls
    release the GIL, and llvmpipe's own threads draw while the read-back waits): the
    same rgb and buffers, in another order (``--overlap`` checks the bytes)."""
    T_world_cam = T_world_ego @ camera.T_ego_cam
    T_cam_world = invert_rigid(T_world_cam)
    shown = renderer.visible_agents(camera, T_cam_world, agents)

    def labels():
        verts, faces, face_inst, face_sem = rmod.assemble_frame(
            renderer.static, [(a.mesh, a.T_world_obj, a.id) for a in shown], T_cam_world
        )
        return rmod.rasterize(verts, faces, face_inst, face_sem, camera)

    future = pool.submit(labels)
    for a in shown:
        if not renderer.color.has_agent_mesh(a.mesh_key):
            m = a.mesh
            renderer.color.add_agent_mesh(
                a.mesh_key, m.vertices, m.faces, m.face_colors, m.face_material
            )
    renderer.color.set_agents([(a.id, a.mesh_key, a.T_world_obj) for a in shown])
    renderer.set_signals(signal_state)
    if renderer.lighting.lamps:
        renderer._set_lamps(T_world_ego, T_world_cam, shown)
    rgba = renderer.color.render_rgba(camera, T_world_cam)
    buffers = future.result()  # before the next Numba kernel: one parallel region at a time
    rgb = rmod.compose_over_sky(rgba, renderer._sky_for(camera, T_world_cam[:3, :3], rgba))
    if shown and renderer.lighting.shadows:
        bodies = [(a.id, a.T_world_obj, *renderer._footprint(a)) for a in shown]
        rgb = rmod.contact_darkening(
            rgb, buffers.depth, buffers.instance, camera, T_world_cam, bodies
        )
    return rgb, buffers


def same_frames(ctx, n: int) -> bool:
    """Whether the overlapped render gives the serial one's bytes on ``n`` frames."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        for k in range(n):
            step = ctx.ticks[k % len(ctx.ticks)]
            traj = ctx.traj
            T = pose_matrix(traj.x[step, 0], traj.y[step, 0], 0.0, traj.yaw[step, 0])
            views, _ = scene_at(traj, step, ctx.agents, ctx.meshes)
            signals = ctx.world.network.signal_state(float(traj.t[step]))
            cam = ctx.warp.source if ctx.warp else ctx.camera
            a = ctx.renderer.render(cam, T, views, signal_state=signals)
            b = render_overlapped(ctx.renderer, pool, cam, T, views, signal_state=signals)
            if not np.array_equal(a[0], b[0]):
                return False
            for name in ("depth", "semantic", "instance"):
                if not np.array_equal(getattr(a[1], name), getattr(b[1], name)):
                    return False
    return True


def steady_overlap(ctx, n: int, threads: int, steady) -> list[str]:
    """Steady-state frames/s serial and with the label raster overlapped: blocks of ``n``
    frames alternated, two rounds each (``steady(ctx, n, threads)``: frames/s of one block);
    plus the byte check."""
    fps: dict[str, list[float]] = {"serial": [], "overlapped": []}
    try:
        for _ in range(2):
            for mode in fps:
                pool = ThreadPoolExecutor(max_workers=1) if mode == "overlapped" else None
                ctx.overlap = pool
                try:
                    fps[mode].append(steady(ctx, n, threads))
                finally:
                    ctx.overlap = None
                    if pool is not None:
                        pool.shutdown()
    finally:
        ctx.overlap = None
    ratio = statistics.median(a / b for a, b in zip(fps["overlapped"], fps["serial"], strict=True))
    same = same_frames(ctx, 3)
    return [
        f"  label raster overlapped with the colour pass ({n} frames per block, 2 rounds): "
        f"serial {statistics.median(fps['serial']):.2f}, overlapped "
        f"{statistics.median(fps['overlapped']):.2f} labelled frames/s ({ratio:.2f}x, "
        f"paired); same bytes: {'yes' if same else 'NO'}"
    ]
