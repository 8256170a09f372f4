"""A safe, line-numbered XML reader for OpenDRIVE files.

The file is read with the rules of every input of sim (those of
``sim.scenario.loader.reader.read_input``: a regular file, bounded in size; OpenDRIVE maps
are larger than scenarios, so the cap is ``$SIM_MAX_XODR_BYTES``, default 64 MiB). It is
parsed by expat with every DTD refused before any of it is processed: OpenDRIVE has no
DTD, and an internal subset with entity declarations is how billion-laughs bombs and
external-entity reads work (the same rule as defusedxml's ``forbid_dtd``). Elements keep
the line they start on, so every error can say ``file:line: <element>: what``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from sim.errors import ScenarioError
from sim.inputs import InputRefused, env_limit, read_input

MAX_XODR_ENV = "SIM_MAX_XODR_BYTES"
DEFAULT_MAX_XODR_BYTES = 64 << 20
"""64 MiB: a 50 km network of ~500 roads is ~1.5 MB; large city maps reach tens of MB."""
MAX_DEPTH = 64  # OpenDRIVE nests ~8 deep; anything deeper is not a road map


class OpenDriveError(ScenarioError):
    """An .xodr file that cannot be read (file, line and element in the message)."""


@dataclass(eq=False)
class Node:
    """One XML element: tag, attributes, child elements, text, and its start line."""

    tag: str
    attrib: dict[str, str]
    line: int
    children: list[Node] = field(default_factory=list)
    text: str = ""

    def find(self, tag: str) -> Node | None:
        for child in self.children:
            if child.tag == tag:
                return child
        return None

    def findall(self, tag: str) -> list[Node]:
        return [child for child in self.children if child.tag == tag]

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.attrib.get(key, default)


class _Refused(Exception):
    pass


def parse_xml(data: bytes, display: str) -> Node:
    """The root :class:`Node` of ``data``; raises :class:`OpenDriveError` (with the line)
    for a DTD, entity declarations, nesting deeper than MAX_DEPTH or malformed XML."""
    parser = expat.ParserCreate()
    stack: list[Node] = []
    root: list[Node] = []

    def start(tag: str, attrib: dict[str, str]) -> None:
        node = Node(tag, attrib, parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(node)
        elif root:
            raise _Refused("more than one root element")
        else:
            root.append(node)
        stack.append(node)
        if len(stack) > MAX_DEPTH:
            raise _Refused(f"elements nested deeper than {MAX_DEPTH}")

    def end(tag: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack:
            stack[-1].text += data

    def refuse_dtd(*_args) -> None:
        raise _Refused(
            "a DOCTYPE declaration is not allowed (OpenDRIVE has none; DTDs carry XML bombs)"
        )

    def refuse_entity(*_args) -> int:
        raise _Refused("an ENTITY declaration is not allowed (entity expansion is refused)")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_entity
    parser.UnparsedEntityDeclHandler = refuse_entity
    parser.ExternalEntityRefHandler = refuse_entity
    try:
        parser.Parse(data, True)
    except _Refused as err:
        raise OpenDriveError(str(err), file=display, line=parser.CurrentLineNumber) from None
    except expat.ExpatError as err:
        raise OpenDriveError(
            f"not well-formed XML ({expat.errors.messages[err.code]})",
            file=display,
            line=err.lineno,
            column=err.offset + 1,
        ) from None
    if not root:
        raise OpenDriveError("no XML element", file=display)
    return root[0]


def max_xodr_bytes() -> int:
    """The size cap for .xodr files: ``$SIM_MAX_XODR_BYTES`` or 64 MiB."""
    return env_limit(MAX_XODR_ENV, DEFAULT_MAX_XODR_BYTES, "bytes")


def read_bounded(path: str | Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (:func:`sim.inputs.read_input`:
    stat before open, non-blocking open, fstat, never more than limit + 1 bytes)."""
    try:
        return read_input(path, limit, env=MAX_XODR_ENV)
    except InputRefused as why:
        name = os.fspath(path)
        raise OpenDriveError(str(why), file=repr(name) if "\0" in name else name) from None


def read_xml(path: str | Path) -> Node:
    """Read (bounded, regular files only) and parse an .xodr file."""
    return parse_xml(read_bounded(path, max_xodr_bytes()), os.fspath(path))
