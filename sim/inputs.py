"""The one way sim reads a file it is given (scenario, ``extends:`` base, dataset config,
``.xosc``, ``.xodr``): regular files only (checked before the file is opened, and again on
the open descriptor), at most a size cap, never a read whose length the file decides.
Text decoding and positions are the scenario loader's (:mod:`sim.scenario.loader.reader`);
this module sits in the bottom layer so that :mod:`sim.road` reads OpenDRIVE maps with it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sim.errors import ScenarioError

DEFAULT_MAX_INPUT_BYTES = 1 << 20
"""1 MiB. The library's scenarios are 1-3 kB, a resolved scenario of 34 vehicles 12 kB, of
~2,500 vehicles about 1 MB. The pure-Python YAML parser reads dense YAML at 0.1-0.25 MB/s,
so the node budget (:mod:`.yaml_events`), not this cap, is what bounds the parse time of a
file at the cap."""
MAX_INPUT_ENV = "SIM_MAX_INPUT_BYTES"


class InputRefused(Exception):
    """Why a file cannot be read as input (no position: the caller knows where it was named)."""


def env_limit(name: str, default: int, unit: str) -> int:
    """A positive limit from environment variable ``name``, else ``default``; a value that
    is not a positive integer is an error located at the variable."""
    text = os.environ.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ScenarioError(f"expected a positive number of {unit}, found {text!r}", file=name)
    return value


def max_input_bytes() -> int:
    """The size cap for every input file: ``$SIM_MAX_INPUT_BYTES`` or 1 MiB."""
    return env_limit(MAX_INPUT_ENV, DEFAULT_MAX_INPUT_BYTES, "bytes")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_input(path: str | Path, limit: int | None = None, env: str = MAX_INPUT_ENV) -> bytes:
    """The bytes of an input file: a regular file of at most ``limit`` bytes (default
    :func:`max_input_bytes`). Raises :class:`InputRefused` with the reason; a file over the
    limit is told to raise it with ``env``.

    The path is stat'ed before it is opened (a device is never opened: opening some has
    effects), opened non-blocking (a FIFO swapped in meanwhile cannot hang us), fstat'ed
    again, and read to at most ``limit + 1`` bytes (procfs and growing files lie about
    their size).
    """
    limit = max_input_bytes() if limit is None else limit
    name = os.fspath(path)
    if "\0" in name:
        raise InputRefused("the path contains a NUL byte")
    try:
        st = os.stat(name)
        if not stat.S_ISREG(st.st_mode):
            raise InputRefused(f"is {_kind(st.st_mode)}, expected a regular file")
        if st.st_size > limit:
            raise InputRefused(_too_big(st.st_size, limit, env))
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputRefused("no such file") from None
    except NotADirectoryError:
        raise InputRefused("no such file (a folder on the way is a file)") from None
    except OSError as err:
        raise InputRefused(f"cannot read: {err.strerror or type(err).__name__}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputRefused(f"is {_kind(st.st_mode)}, expected a regular file")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as err:
        raise InputRefused(f"cannot read: {err.strerror or type(err).__name__}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise InputRefused(_too_big(None, limit, env))
    return b"".join(chunks)


def _too_big(size: int | None, limit: int, env: str) -> str:
    what = f"{size:,} bytes" if size is not None else "larger"
    return f"the file is {what}, more than the limit of {limit:,} bytes (raise it with {env})"
