"""``bench frame --overlap``: the label raster run on a thread during the colour pass gives
the serial render's bytes (rgb, depth, semantic, instance), frame by frame."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.mark.slow  # ~80 s on 2 cores: sets up a full-size cut_in frame
def test_overlapped_render_gives_the_serial_bytes(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from sim.bench import CUT_IN
    from sim.bench._overlap import render_overlapped, same_frames
    from sim.bench.frame import _overrides, _setup
    from sim.dataset.episode import scene_at
    from sim.render.camera import pose_matrix

    ctx = _setup(CUT_IN, _overrides(160, 96, False), tmp_path / "out")
    try:
        assert same_frames(ctx, 2)
        step = ctx.ticks[-1]  # the cut-in under way: agents in view
        traj = ctx.traj
        T = pose_matrix(traj.x[step, 0], traj.y[step, 0], 0.0, traj.yaw[step, 0])
        views, _ = scene_at(traj, step, ctx.agents, ctx.meshes)
        with ThreadPoolExecutor(max_workers=1) as pool:
            rgb, buffers = render_overlapped(ctx.renderer, pool, ctx.camera, T, views)
        ref_rgb, ref = ctx.renderer.render(ctx.camera, T, views)
        assert rgb.shape == (96, 160, 3) and np.array_equal(rgb, ref_rgb)
        assert np.array_equal(buffers.instance, ref.instance)
        assert np.array_equal(buffers.depth, ref.depth)
        assert (buffers.instance > 0).any()  # something was drawn into the label buffers
    finally:
        ctx.renderer.close()
