"""Small, deterministic file writers (same data -> same bytes)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np

PNG_COMPRESSION = 3
"""zlib level of every PNG sim writes."""
PNG_STRATEGY = cv2.IMWRITE_PNG_STRATEGY_RLE
"""zlib strategy: Z_RLE (matches only of the previous byte, i.e. runs after PNG's row
filters). ``python -m sim bench frame --encoders`` at 1280x720 against zlib's default
strategy at the same level: the sensor-noise RGB of the image pipeline 0.5x the time at
0.88x the bytes, a clean render 0.65x the time at 1.04x, the label buffers the same time
at 0.3-0.9x the bytes (docs/throughput.md). Lossless either way: only file bytes differ."""
PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, PNG_COMPRESSION, cv2.IMWRITE_PNG_STRATEGY, PNG_STRATEGY]


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary name in the same folder, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException as err:  # a full disk must not leave the temporary name behind
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(err, OSError) and err.filename in (None, str(tmp)):
            # write() errors name no file (ENOSPC, EFBIG): say which one, by its real name
            raise OSError(err.errno, err.strerror, str(path)) from err
        raise


def json_bytes(obj) -> bytes:
    return (json.dumps(obj, indent=1, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def write_json(path: Path, obj) -> None:
    write_bytes_atomic(path, json_bytes(obj))


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of an (H, W) uint8/uint16 or (H, W, 3) uint8 RGB image."""
    if image.ndim == 3:
        if image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(
                f"colour images must be (H, W, 3) uint8, got {image.shape} {image.dtype}"
            )
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    elif image.ndim != 2 or image.dtype not in (np.uint8, np.uint16):
        raise ValueError(
            f"single-channel images must be (H, W) uint8/uint16, got {image.shape} {image.dtype}"
        )
    ok, buf = cv2.imencode(".png", image, PNG_PARAMS)
    if not ok:
        raise OSError("PNG encoding failed")
    return buf.tobytes()


def write_png(path: Path, image: np.ndarray) -> None:
    write_bytes_atomic(path, encode_png(image))


def read_png(path: Path) -> np.ndarray:
    """Read a PNG written by write_png (RGB order for colour, dtype preserved)."""
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise OSError(f"cannot read image {path}")
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    return image


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def depth_to_png(depth_m: np.ndarray) -> np.ndarray:
    """float depth [m] -> uint16 millimetres; 0 = nothing; 65535 = at or beyond 65.535 m."""
    mm = np.rint(np.asarray(depth_m, dtype=np.float64) * 1000.0)
    return np.clip(mm, 0, 65535).astype(np.uint16)


def link_or_copy(src: Path, dst: Path) -> None:
    """``dst`` becomes a hard link to ``src`` (same bytes, no extra space), else a copy. An
    existing ``dst`` is replaced, never written through (it may be a link to another file)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.is_symlink() or dst.exists():
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


@contextmanager
def staged_dir(out: Path, overwrite: bool, kind: str) -> Iterator[Path]:
    """Write a whole output folder or nothing (:func:`sim.outdir.staged`): yields a hidden
    ``.<name>.partial-<pid>`` sibling to fill; on success it gets the marker of ``kind``
    (``sweep``, ``edge-cases``, ...) and replaces ``out``, on any error it is removed.

    Raises OutputError up front, before anything is created, if ``out`` holds files and
    ``overwrite`` is not set, or holds files that an earlier sim output did not write.
    """
    from sim.outdir import MARKED, staged

    with staged(out, overwrite, (MARKED,), marker=kind) as partial:
        yield partial
