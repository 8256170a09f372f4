"""Where each key and value of a scenario was written (:class:`SourceMap`), and the errors
located there: file:line:col, ``--set #N`` for command-line values, and no content quoted
from files outside the scenario's folder ("foreign" files)."""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass, field
from typing import Any

from sim.errors import ArgumentError, ScenarioError
from sim.scenario.schema import Strict

Position = tuple[str, int, int]  # file, line (1-based), column (1-based); 0, 0: no line
Path_ = tuple[str | int, ...]

_HIDDEN = "<hidden>"


def _schema_names() -> set[str]:
    """Every key and literal value the schemas know (``lane_change``, ``left``): safe to show,
    whoever wrote them."""
    names: set[str] = set()
    todo = [Strict]
    while todo:
        cls = todo.pop()
        for name, info in getattr(cls, "model_fields", {}).items():
            names.add(name)
            names.update(_literals(info.annotation))
        todo.extend(cls.__subclasses__())
    return names


def _literals(annotation: Any) -> set[str]:
    out: set[str] = set()
    todo = [annotation]
    while todo:
        a = todo.pop()
        if typing.get_origin(a) is typing.Literal:
            out.update(v for v in typing.get_args(a) if isinstance(v, str))
        else:
            todo.extend(typing.get_args(a))
    return out


@dataclass
class SourceMap:
    """Where each key path was written: ``keys[path]`` the key, ``values[path]`` the value.

    ``foreign``: files outside the scenario's folder tree; errors located there never quote
    their content, and ``foreign_words`` (their keys and strings) are hidden from every
    message. ``arguments``: names of command-line "files" (``--set #2``); errors there read
    ``--set #2 (road.length): ...``. ``sha256``: of the top-level file's bytes.
    """

    file: str
    keys: dict[Path_, Position] = field(default_factory=dict)
    values: dict[Path_, Position] = field(default_factory=dict)
    foreign: set[str] = field(default_factory=set)
    foreign_words: set[str] = field(default_factory=set)
    arguments: set[str] = field(default_factory=set)
    sha256: str = ""

    def copy(self) -> SourceMap:
        return SourceMap(
            self.file,
            dict(self.keys),
            dict(self.values),
            set(self.foreign),
            set(self.foreign_words),
            set(self.arguments),
            self.sha256,
        )

    def locate(self, path: Path_, prefer_key: bool = False) -> Position:
        """Best known position for ``path``: the value (or key), else the nearest parent."""
        path = tuple(path)
        while True:
            first, second = (self.keys, self.values) if prefer_key else (self.values, self.keys)
            if path in first:
                return first[path]
            if path in second:
                return second[path]
            if not path:
                return (self.file, 1, 1)
            path = path[:-1]

    def error(
        self,
        message: str,
        path: Path_,
        prefer_key: bool = False,
        foreign_message: str | None = None,
    ) -> ScenarioError:
        """The error for ``path``, at its position; ``foreign_message`` (content-free) is
        used when that position is in a foreign file (else a generic one)."""
        return self.error_at(self.locate(path, prefer_key), message, path, foreign_message)

    def error_at(
        self, where: Position, message: str, path: Path_, foreign_message: str | None = None
    ) -> ScenarioError:
        file, line, col = where
        path = tuple(path)
        if file in self.foreign:
            names = _schema_names()
            path = tuple(p for p in path if isinstance(p, int) or p in names)
            message = foreign_message or (
                "invalid value (the file lies outside the scenario's folder: its content is "
                "not shown)"
            )
        elif self.foreign_words:
            message, path = self._scrub(message, path)
        if file in self.arguments:
            return ArgumentError(message, argument=file, key_path=path)
        return ScenarioError(
            message, file=file, line=line or None, column=col or None, key_path=path
        )

    def _scrub(self, message: str, path: Path_) -> tuple[str, Path_]:
        names = _schema_names()
        words = sorted(
            (w for w in self.foreign_words if len(w) >= 3 and w not in names), key=len, reverse=True
        )
        for w in words:
            for form in {repr(w)[1:-1], w}:
                if form in message:  # whole words only: 'time' stays in 'lifetime'
                    message = re.sub(rf"(?<!\w){re.escape(form)}(?!\w)", _HIDDEN, message)
        path = tuple(
            _HIDDEN if isinstance(p, str) and p in self.foreign_words and p not in names else p
            for p in path
        )
        return message, path
