"""PNG encoding (sim.dataset.io.encode_png): lossless for every buffer kind sim writes, the
same bytes for the same pixels, readable by Pillow (what training loaders use), and zlib's
Z_RLE strategy no bigger than the default strategy where the issue-19 measurements said it
would not be: noisy colour (the image pipeline's sensor noise) and label buffers."""

from __future__ import annotations

import io

import cv2
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from sim.dataset.io import PNG_COMPRESSION, encode_png


def _default_strategy(image: np.ndarray) -> bytes:
    img = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
    ok, buf = cv2.imencode(".png", img, [cv2.IMWRITE_PNG_COMPRESSION, PNG_COMPRESSION])
    assert ok
    return buf.tobytes()


def _images():
    shapes = st.tuples(st.integers(1, 40), st.integers(1, 40))
    return st.one_of(
        shapes.flatmap(lambda s: arrays(np.uint8, (*s, 3))),
        shapes.flatmap(lambda s: arrays(np.uint8, s)),
        shapes.flatmap(lambda s: arrays(np.uint16, s)),
    )


@settings(max_examples=60, deadline=None)
@given(_images())
def test_every_buffer_kind_round_trips_through_pillow(image):
    data = encode_png(image)
    assert data == encode_png(image.copy())  # same pixels, same bytes
    back = np.asarray(Image.open(io.BytesIO(data)))
    assert back.dtype == image.dtype or (image.dtype == np.uint16 and back.dtype == np.int32)
    assert np.array_equal(back.astype(image.dtype), image)


def _label_like(rng, h=180, w=320) -> np.ndarray:
    """An instance buffer: a few boxes of ids on a background of 0."""
    inst = np.zeros((h, w), dtype=np.uint16)
    for k in range(1, 9):
        y, x = rng.integers(0, h - 30), rng.integers(0, w - 50)
        inst[y : y + rng.integers(10, 30), x : x + rng.integers(10, 50)] = k
    return inst


def test_rle_is_no_bigger_on_noisy_colour_and_labels():
    rng = np.random.default_rng(0)
    ramp = np.linspace(40, 200, 320)[None, :, None].repeat(180, 0).repeat(3, 2)
    noisy = np.clip(ramp + rng.normal(0.0, 6.0, ramp.shape), 0, 255).astype(np.uint8)
    inst = _label_like(rng)
    depth = (np.linspace(2000, 60000, 180)[:, None].repeat(320, 1)).astype(np.uint16)
    for image in (noisy, inst, (inst % 20).astype(np.uint8), depth):
        assert len(encode_png(image)) <= len(_default_strategy(image))
