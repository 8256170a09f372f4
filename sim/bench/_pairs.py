"""Paired colour-pass comparisons of ``python -m sim bench frame``, each on the same view and
scene state, the second of two renders timed:

- ``--lighting``: the lights bound once per shader program per render
  (:func:`sim.render.gl_patches._lighting_once`, what sim does) against pyrender's own binding
  before every primitive (the order alternates per frame); checks both give the same bytes;
- ``--casters``: the sun's depth pass with one draw per mesh
  (:func:`sim.render.gl_patches.make_caster_pass`) against pyrender's draw per primitive;
  the same checks;
- ``--uniforms``: uniform values set only when they change
  (:func:`sim.render.gl_patches.cache_uniform_locations`) against pyrender setting every
  one for every primitive; the same checks;
- ``--shadow-maps 2048,1024``: the camera's ``shadow_map`` sizes, with the share of pixels
  that differ from the first size's render.
"""

from __future__ import annotations

import dataclasses
import statistics
import time

import numpy as np


def timed_render(ctx, camera, T_world_cam):
    """(seconds, rgba) of the colour pass of one view: the second of two renders (the first
    lets a changed setting take hold: framebuffer, shadow map, programs)."""
    ctx.renderer.color.render_rgba(camera, T_world_cam)
    t0 = time.perf_counter()
    rgba = ctx.renderer.color.render_rgba(camera, T_world_cam)
    return time.perf_counter() - t0, rgba


def _per_primitive(inner, *args) -> None:
    """pyrender's own ``Renderer._bind_lighting``: every light's uniforms before each
    primitive."""
    type(inner)._bind_lighting(inner, *args)


def _per_part(inner, *args) -> None:
    """pyrender's own ``Renderer._shadow_mapping_pass``: every primitive of every mesh."""
    type(inner)._shadow_mapping_pass(inner, *args)


def _lighting_binding(ctx, backend) -> tuple[object, str]:
    return backend, "_lighting_once"  # ColorRenderer installs it before each render


def _caster_binding(ctx, backend) -> tuple[object, str]:
    return ctx.renderer.color, "_caster_pass"


def _uniform_binding(ctx, backend) -> tuple[object, str]:
    return backend.pyrender.shader_program.ShaderProgram, "set_uniform"


OWN_PAIRS = {
    "lighting": (
        "lights bound once per program",
        "before every primitive (pyrender's own)",
        _per_primitive,
        _lighting_binding,
    ),
    "casters": (
        "the sun's depth pass, one draw per mesh",
        "one per part (pyrender's own)",
        _per_part,
        _caster_binding,
    ),
    "uniforms": (
        "uniform values set only when they change",
        "every call (pyrender's own)",
        None,  # the function sim's wraps (``__wrapped__``)
        _uniform_binding,
    ),
}
"""``bench frame --lighting`` / ``--casters`` / ``--uniforms``: (what sim does, what pyrender
does, pyrender's own function, where sim's replacement is held: (object, attribute) for a
bench context and ``sim.render.backend``)."""


def own_pair(name: str, ctx, camera, T_world_cam, first_ours: bool) -> tuple[float, float, bool]:
    """(seconds with sim's replacement, seconds with pyrender's own, same bytes) for the
    ``OWN_PAIRS`` entry ``name``: the second of two renders timed for each."""
    import sim.render.backend as backend

    where, attribute = OWN_PAIRS[name][3](ctx, backend)
    ours = getattr(where, attribute)
    ways = {"ours": ours, "own": OWN_PAIRS[name][2] or ours.__wrapped__}
    seconds: dict[str, float] = {}
    images = {}
    try:
        for way in ["ours", "own"] if first_ours else ["own", "ours"]:
            setattr(where, attribute, ways[way])
            backend._forget_uniforms()  # values set the other way are not remembered
            seconds[way], images[way] = timed_render(ctx, camera, T_world_cam)
    finally:
        setattr(where, attribute, ours)
        backend._forget_uniforms()
    same = images["ours"].tobytes() == images["own"].tobytes()
    return seconds["ours"], seconds["own"], same


def own_line(name: str, pairs: list[tuple[float, float, bool]]) -> str:
    """The bench's line: medians of each way, the paired ratio, whether all matched."""
    ours_text, own_text = OWN_PAIRS[name][:2]
    ours = [p[0] for p in pairs]
    own = [p[1] for p in pairs]
    ratio = statistics.median(a / b for a, b in zip(ours, own, strict=True))
    same = "yes" if all(p[2] for p in pairs) else "NO"
    return (
        f"  colour pass, {ours_text}: {statistics.median(ours) * 1e3:.1f} ms; "
        f"{own_text}: {statistics.median(own) * 1e3:.1f} ms; "
        f"{ratio:.2f} x (paired per frame, {len(pairs)} frames); same bytes: {same}"
    )


def shadow_map_times(ctx, camera, T_world_cam, sizes: list[int]) -> dict[int, tuple[float, float]]:
    """{size: (seconds, share of pixels that differ from the first size's render by more
    than 8 grey levels)}; the camera's own size is rendered last (the frame follows)."""
    own = [s for s in sizes if s == camera.shadow_map]
    out, images = {}, {}
    for size in [s for s in sizes if s != camera.shadow_map] + own:
        out[size], rgba = timed_render(
            ctx, dataclasses.replace(camera, shadow_map=size), T_world_cam
        )
        images[size] = rgba.astype(np.int16)
    ref = images[sizes[0]]
    return {
        s: (out[s], float((np.abs(images[s] - ref)[..., :3].max(axis=2) > 8).mean())) for s in sizes
    }


def shadow_map_lines(times: list[dict[int, tuple[float, float]]], sizes: list[int]) -> list[str]:
    ref = [t[sizes[0]][0] for t in times]
    lines = []
    for s in sizes:
        mine = [t[s][0] for t in times]
        ratio = statistics.median(a / b for a, b in zip(mine, ref, strict=True))
        moved = statistics.median(t[s][1] for t in times)
        lines.append(
            f"  colour pass shadow_map={s}: {statistics.median(mine) * 1e3:7.1f} ms, "
            f"{ratio:.2f} x shadow_map={sizes[0]} (paired per frame); "
            f"{100 * moved:.2f} % of pixels differ by > 8 levels"
        )
    return lines
