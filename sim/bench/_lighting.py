"""``python -m sim bench frame --lighting``: the colour pass with the lights bound once per
shader program per render (:func:`sim.render.gl_patches._lighting_once`, what sim does)
against pyrender's own binding before every primitive, on the same view and scene state,
paired per frame (the order alternates); checks that both give the same bytes."""

from __future__ import annotations

import statistics
import time


def _per_primitive(inner, *args) -> None:
    """pyrender's own ``Renderer._bind_lighting``: every light's uniforms before each
    primitive."""
    type(inner)._bind_lighting(inner, *args)


def lighting_pair(ctx, camera, T_world_cam, first_once: bool) -> tuple[float, float, bool]:
    """(seconds bound once per program, seconds bound before every primitive, same bytes):
    the second of two renders timed for each binding."""
    import sim.render.backend as backend

    once = backend._lighting_once
    bindings = {"once": once, "every": _per_primitive}
    order = ["once", "every"] if first_once else ["every", "once"]
    seconds: dict[str, float] = {}
    images = {}
    try:
        for name in order:
            backend._lighting_once = bindings[name]  # ColorRenderer installs it per render
            ctx.renderer.color.render_rgba(camera, T_world_cam)
            t0 = time.perf_counter()
            images[name] = ctx.renderer.color.render_rgba(camera, T_world_cam)
            seconds[name] = time.perf_counter() - t0
    finally:
        backend._lighting_once = once
    same = images["once"].tobytes() == images["every"].tobytes()
    return seconds["once"], seconds["every"], same


def lighting_line(pairs: list[tuple[float, float, bool]]) -> str:
    """The bench's line: medians of each binding, the paired ratio, whether all matched."""
    once = [p[0] for p in pairs]
    every = [p[1] for p in pairs]
    ratio = statistics.median(a / b for a, b in zip(once, every, strict=True))
    same = "yes" if all(p[2] for p in pairs) else "NO"
    return (
        f"  colour pass, lights bound once per program: {statistics.median(once) * 1e3:.1f} ms; "
        f"before every primitive (pyrender's own): {statistics.median(every) * 1e3:.1f} ms; "
        f"{ratio:.2f} x (paired per frame, {len(pairs)} frames); same bytes: {same}"
    )
