"""Reading .xosc files safely, remembering where each element stood.

Files come through sim's one bounded reader (:func:`sim.scenario.loader.read_input`: a
regular file under the size cap) and are parsed by expat with what defusedxml's
``forbid_dtd`` does: a DOCTYPE, an entity declaration or an external entity is refused
(OpenSCENARIO files have none; they are how XML bombs and external-entity reads work).
Nesting depth and the number of elements are bounded. Each element's line is kept, so an
error can say ``file.xosc:42``.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
import xml.parsers.expat as expat
from pathlib import Path

from sim.errors import ScenarioError

MAX_DEPTH = 256  # nested elements
MAX_ELEMENTS = 200_000  # in one file


class OpenScenarioError(ScenarioError):
    """An .xosc file (or a file it names) that cannot be imported, with where and why."""


class _Refused(Exception):
    pass


class Documents:
    """Every XML element read for one import (the scenario, its catalogs, copies of catalog
    entries), with its file, line and parent."""

    def __init__(self) -> None:
        self.line: dict[ET.Element, int] = {}
        self.parent: dict[ET.Element, ET.Element] = {}
        self.file: dict[ET.Element, str] = {}  # of each root

    def parse(self, path: Path) -> ET.Element:
        """The root element of ``path`` (an :class:`OpenScenarioError` if unreadable)."""
        from sim.scenario.loader import InputRefused, read_input

        display = str(path)
        try:
            data = read_input(path)
        except InputRefused as err:
            raise OpenScenarioError(str(err), file=display) from None
        root = self._parse_bytes(data, display)
        self.file[root] = display
        for el in root.iter():
            for child in el:
                self.parent[child] = el
        return root

    def _parse_bytes(self, data: bytes, display: str) -> ET.Element:
        builder = ET.TreeBuilder()
        parser = expat.ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        depth = 0
        count = 0

        def refuse(*_args) -> None:
            raise _Refused(
                "a DOCTYPE/ENTITY declaration is not supported (OpenSCENARIO files have none)"
            )

        def start(tag: str, attrs: dict) -> None:
            nonlocal depth, count
            depth += 1
            count += 1
            if depth > MAX_DEPTH:
                raise _Refused(f"elements nested deeper than {MAX_DEPTH}")
            if count > MAX_ELEMENTS:
                raise _Refused(f"more than {MAX_ELEMENTS:,} elements")
            self.line[builder.start(tag, attrs)] = parser.CurrentLineNumber

        def end(tag: str) -> None:
            nonlocal depth
            depth -= 1
            builder.end(tag)

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.StartDoctypeDeclHandler = refuse
        parser.EntityDeclHandler = refuse
        parser.UnparsedEntityDeclHandler = refuse
        parser.ExternalEntityRefHandler = refuse
        try:
            parser.Parse(data, True)
            return builder.close()
        except _Refused as err:
            raise OpenScenarioError(str(err), file=display, line=parser.CurrentLineNumber) from None
        except expat.ExpatError as err:
            reason = expat.errors.messages.get(err.code, "syntax error")
            raise OpenScenarioError(
                f"not well-formed XML ({reason})",
                file=display,
                line=err.lineno,
                column=err.offset + 1,
            ) from None
        except AssertionError:  # TreeBuilder: no element at all
            raise OpenScenarioError("no XML element in the file", file=display) from None

    def copy(self, el: ET.Element, parent: ET.Element) -> ET.Element:
        """A deep copy of ``el`` (a catalog entry) hung under ``parent`` for scoping, with the
        original's lines and file."""
        dup = copy.deepcopy(el)
        for a, b in zip(el.iter(), dup.iter(), strict=True):
            if a in self.line:
                self.line[b] = self.line[a]
            for child in b:
                self.parent[child] = b
        self.parent[dup] = parent
        self.file[dup] = self.where_file(el)
        return dup

    def where_file(self, el: ET.Element) -> str:
        node: ET.Element | None = el
        while node is not None:
            if node in self.file:
                return self.file[node]
            node = self.parent.get(node)
        return "?"

    def ancestors(self, el: ET.Element):
        """``el``, then its parents up to the root (catalog copies continue at the
        reference that made them)."""
        node: ET.Element | None = el
        while node is not None:
            yield node
            node = self.parent.get(node)

    def error(self, el: ET.Element | None, message: str) -> OpenScenarioError:
        if el is None:
            return OpenScenarioError(message)
        return OpenScenarioError(message, file=self.where_file(el), line=self.line.get(el))

    def where(self, el: ET.Element) -> str:
        """``file.xosc:LINE`` of an element (the file's base name)."""
        line = self.line.get(el)
        name = Path(self.where_file(el)).name
        return f"{name}:{line}" if line is not None else name
