"""The PNG encoders of ``python -m sim bench frame``: the native writer's encode of each
buffer timed on its own (``encode_times``) and, with ``--encoders``, every zlib level x
strategy of :data:`PNG_SETTINGS` on the same frames, size x time, each checked lossless
(``encoder_table``)."""

from __future__ import annotations

import statistics
import time

import numpy as np

PNG_SETTINGS = (
    *((f"level {lv}", lv, 0) for lv in (0, 1, 3, 6, 9)),
    ("level 1 rle", 1, 3),
    ("level 3 rle", 3, 3),
    ("level 3 huffman", 3, 2),
    ("level 3 filtered", 3, 1),
)
"""(name, zlib level, cv2 strategy) ``--encoders`` compares; sim writes
sim.dataset.io.PNG_COMPRESSION with PNG_STRATEGY (level 3 rle)."""


def own_setting() -> str:
    """The name in :data:`PNG_SETTINGS` of what sim writes (sim.dataset.io)."""
    from sim.dataset.io import PNG_COMPRESSION, PNG_STRATEGY

    return next(n for n, lv, st in PNG_SETTINGS if (lv, st) == (PNG_COMPRESSION, PNG_STRATEGY))


def encode_times(frame) -> dict[str, float]:
    """Seconds of each PNG the native writer encodes (depth: with its conversion to mm)."""
    from sim.dataset.io import encode_png

    out = {}
    for name, image in buffers(frame):
        t0 = time.perf_counter()
        encode_png(image() if name == "depth" else image)
        out[f"  PNG {name}"] = time.perf_counter() - t0
    return out


def buffers(frame):
    """(name, image) of each buffer the native writer encodes; depth as a thunk (its
    conversion to mm is part of its encode)."""
    from sim.dataset.io import depth_to_png

    return (
        ("rgb", frame.rgb),
        ("depth", lambda: depth_to_png(frame.buffers.depth)),
        ("semantic", frame.buffers.semantic),
        ("instance", frame.buffers.instance),
    )


def encoder_table(frames: list) -> list[tuple[str, str, float, float]]:
    """(buffer, setting, median ms, mean bytes) over ``frames``, settings interleaved; every
    setting's PNG decodes to the buffer (lossless)."""
    import cv2

    times: dict[tuple[str, str], list[float]] = {}
    sizes: dict[tuple[str, str], list[int]] = {}
    for frame in frames:
        for name, image in buffers(frame):
            img = image() if name == "depth" else image
            if name == "rgb":
                img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
            for setting, level, strategy in PNG_SETTINGS:
                params = [cv2.IMWRITE_PNG_COMPRESSION, level, cv2.IMWRITE_PNG_STRATEGY, strategy]
                t0 = time.perf_counter()
                ok, buf = cv2.imencode(".png", img, params)
                times.setdefault((name, setting), []).append(time.perf_counter() - t0)
                sizes.setdefault((name, setting), []).append(len(buf))
                if not ok or not np.array_equal(cv2.imdecode(buf, cv2.IMREAD_UNCHANGED), img):
                    raise RuntimeError(f"PNG {setting} of the {name} buffer is not lossless")
    return [
        (name, setting, statistics.median(times[key]) * 1e3, statistics.mean(sizes[key]))
        for key in times
        for name, setting in [key]
    ]
