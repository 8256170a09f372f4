"""Errors a user can cause, each carrying enough to say exactly where and what.

The CLI catches :class:`SimError` (and only it), prints ``str(err)`` on one line and exits
with status 2. Everything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Sequence

KeyPath = tuple[str | int, ...]


def format_key_path(path: Sequence[str | int]) -> str:
    """``("actors", 1, "speed")`` -> ``"actors[1].speed"``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


class SimError(Exception):
    """Base of every error caused by user input or the environment, not by a bug."""


class ScenarioError(SimError):
    """A scenario (or config) file is unreadable, malformed or semantically wrong.

    ``str()`` gives ``file:line:column: key.path: message``; any part not known is left out.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        key_path: Sequence[str | int] = (),
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.key_path: KeyPath = tuple(key_path)
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        key = format_key_path(self.key_path)
        return f"{where}{key + ': ' if key else ''}{self.message}"


class OutputError(SimError):
    """The output location cannot be used (exists and is not empty, not writable, ...)."""


class AssetError(SimError):
    """An asset is missing or malformed (run tools/make_assets.py)."""


class RenderError(SimError):
    """The renderer cannot start (no EGL/OSMesa, no OpenGL context)."""
