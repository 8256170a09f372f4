"""Errors a user or the machine can cause, each carrying enough to say exactly where and what.

The CLI catches :class:`SimError` (and the operating system's ``OSError``/``MemoryError``),
prints ``error: ...`` on one line and exits with the error's ``exit_code``. Everything else is
a bug and keeps its traceback. The exit codes (docs/reliability.md):

====  =====================================================================================
0     done
1     done, but some work failed (``generate``: episodes failed; ``check``: problems found)
2     bad input: scenario, config, command line, or an output folder sim may not use
3     the operating system failed: no space, permission, read-only, not a directory, ...
4     not enough resources: the work would need more memory than the machine has free
130   interrupted (Ctrl-C)
====  =====================================================================================
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


EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_OS = 3
EXIT_RESOURCES = 4
EXIT_INTERRUPTED = 130


class SimError(Exception):
    """Base of every error caused by user input or the environment, not by a bug."""

    exit_code = EXIT_USAGE


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


class ResourceError(SimError):
    """The work would need more than the machine has (memory); the message gives the estimate."""

    exit_code = EXIT_RESOURCES


class SystemFailure(SimError):
    """The operating system refused or failed (no space, permission, read-only, ...).

    ``str()`` gives ``PATH: cause``. Built from an ``OSError`` by :func:`from_os_error`.
    """

    exit_code = EXIT_OS

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)

    @classmethod
    def from_os_error(cls, err: OSError, action: str = "") -> SystemFailure:
        """One line from an ``OSError``: the path it names and its cause, nothing else."""
        path = err.filename if err.filename is not None else None
        cause = err.strerror or type(err).__name__
        if err.filename2 is not None:
            path = f"{err.filename} -> {err.filename2}"
        text = f"{action}: {cause}" if action else cause
        return cls(text, None if path is None else str(path))


class ArgumentError(ScenarioError):
    """A command-line value is wrong: ``str()`` gives ``--set #2 (road.length): message``.

    ``argument`` names it (``--seed``, ``--set #2``); ``key_path`` is the scenario key it set,
    so an error found later (validation, resolution) still blames the argument, not the file.
    """

    def __init__(self, message: str, *, argument: str, key_path: Sequence[str | int] = ()) -> None:
        self.argument = argument
        super().__init__(message, file=argument, key_path=key_path)

    def __str__(self) -> str:
        key = format_key_path(self.key_path)
        return f"{self.argument}{f' ({key})' if key else ''}: {self.message}"
