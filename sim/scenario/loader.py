"""Read YAML 1.2 files into plain Python data, remembering where every key and value stood.

Every file sim takes as input (scenario, ``extends:`` base, dataset config, ``.xosc``) goes
through :func:`read_input`: regular files only (checked before the file is opened, and again
on the open descriptor), at most :func:`max_input_bytes` bytes, never a read that the file
decides the length of. The YAML is then built from the parser's event stream by our own
small builder, not by a YAML constructor, so that

* every key and value gets its line/column (1-based) and duplicate keys are refused;
* only the standard tags (``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``,
  ``!!map``, ``!!seq``) are accepted: ``!!python/object/apply`` and friends are errors;
* aliases are expanded under a budget (:func:`max_yaml_nodes` nodes in all, aliases
  counted at their full size), so a 355-byte "billion laughs" file is refused at once;
* nesting is limited (:data:`MAX_YAML_DEPTH`) and no recursion depends on the input;
* comments cost nothing: the round-trip parser (quadratic in comment lines) is not used.

``extends: other.yaml`` merges the file over its base: mappings merge key by key,
everything else (lists included) is replaced. Positions keep the file they came from, so an
error in an inherited value points into the base file. A base must lie inside the folder of
the top-level file (symlinks resolved) unless ``SIM_ALLOW_EXTENDS_OUTSIDE=1`` (the CLI's
``--allow-extends-outside``); a base outside it is "foreign": errors located in it never
quote its keys or values (they could be anybody's secrets).
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from ruamel.yaml.nodes import ScalarNode

from sim.errors import ArgumentError, ScenarioError, format_key_path
from sim.scenario.schema import Strict

Position = tuple[str, int, int]  # file, line (1-based), column (1-based); 0, 0: no line
Path_ = tuple[str | int, ...]

DEFAULT_MAX_INPUT_BYTES = 1 << 20
"""1 MiB. The library's scenarios are 1-3 kB, a resolved scenario of 34 vehicles 12 kB, of
~2,500 vehicles about 1 MB. The pure-Python YAML parser reads dense YAML at 0.1-0.25 MB/s,
so the node budget below, not this cap, is what bounds the parse time of a file at the cap."""
MAX_INPUT_ENV = "SIM_MAX_INPUT_BYTES"
DEFAULT_MAX_YAML_NODES = 50_000
"""Scalars + mappings + sequences after alias expansion: a resolved scenario of ~1,000 road
users (47 nodes each). Past it the file is refused and the parse stops, so no file costs
more than about 2 s of parsing (the parser does 30-60 k nodes/s; measured 1.6-1.8 s for
1 MiB of dense YAML, 0.4 s for 1 MiB of comments)."""
MAX_NODES_ENV = "SIM_MAX_YAML_NODES"
MAX_YAML_DEPTH = 64
"""Nesting of mappings and sequences; a scenario needs about 8."""
ALLOW_OUTSIDE_ENV = "SIM_ALLOW_EXTENDS_OUTSIDE"

_STD_TAG = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_STD_TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}
# what the YAML spec allows in a stream (ruamel's reader says the same, without a line)
_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_HIDDEN = "<hidden>"


class InputRefused(Exception):
    """Why a file cannot be read as input (no position: the caller knows where it was named)."""


def max_input_bytes() -> int:
    """The size cap for every input file: ``$SIM_MAX_INPUT_BYTES`` or 1 MiB."""
    text = os.environ.get(MAX_INPUT_ENV)
    if text is None or text == "":
        return DEFAULT_MAX_INPUT_BYTES
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ScenarioError(f"expected a positive number of bytes, found {text!r}",
                            file=MAX_INPUT_ENV)
    return value


def max_yaml_nodes() -> int:
    """The node budget of one YAML file: ``$SIM_MAX_YAML_NODES`` or 50,000."""
    text = os.environ.get(MAX_NODES_ENV)
    if text is None or text == "":
        return DEFAULT_MAX_YAML_NODES
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ScenarioError(f"expected a positive number of nodes, found {text!r}",
                            file=MAX_NODES_ENV)
    return value


def extends_outside_allowed() -> bool:
    """``$SIM_ALLOW_EXTENDS_OUTSIDE`` is 1/true/yes: ``extends:`` may leave the folder tree."""
    return os.environ.get(ALLOW_OUTSIDE_ENV, "").strip().lower() in ("1", "true", "yes")


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


def read_input(path: str | Path, limit: int | None = None) -> bytes:
    """The bytes of an input file: a regular file of at most ``limit`` bytes (default
    :func:`max_input_bytes`). Raises :class:`InputRefused` with the reason.

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
            raise InputRefused(_too_big(st.st_size, limit))
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
        raise InputRefused(_too_big(None, limit))
    return b"".join(chunks)


def _too_big(size: int | None, limit: int) -> str:
    what = f"{size:,} bytes" if size is not None else "larger"
    return (f"the file is {what}, more than the limit of {limit:,} bytes "
            f"(raise it with {MAX_INPUT_ENV})")


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def decode_text(data: bytes, display: str) -> str:
    """UTF-8 (an optional BOM dropped) without control characters; errors say line:col."""
    try:
        text = codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError as err:
        good = data[: err.start].decode("utf-8-sig", errors="replace")
        bad = _NON_PRINTABLE.search(good)  # report whichever problem comes first
        if bad is None:
            line, col = _line_col(good, len(good))
            raise ScenarioError(f"not UTF-8 text ({err.reason})", file=display, line=line,
                                column=col) from None
        text = good
    bad = _NON_PRINTABLE.search(text)
    if bad:
        line, col = _line_col(text, bad.start())
        raise ScenarioError(
            f"control character U+{ord(bad.group()):04X} is not allowed in YAML (binary data?)",
            file=display, line=line, column=col,
        )
    return text


# --- source map ---------------------------------------------------------------------------
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
        return SourceMap(self.file, dict(self.keys), dict(self.values), set(self.foreign),
                         set(self.foreign_words), set(self.arguments), self.sha256)

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

    def error(self, message: str, path: Path_, prefer_key: bool = False,
              foreign_message: str | None = None) -> ScenarioError:
        """The error for ``path``, at its position; ``foreign_message`` (content-free) is
        used when that position is in a foreign file (else a generic one)."""
        return self.error_at(self.locate(path, prefer_key), message, path, foreign_message)

    def error_at(self, where: Position, message: str, path: Path_,
                 foreign_message: str | None = None) -> ScenarioError:
        file, line, col = where
        path = tuple(path)
        if file in self.foreign:
            names = _schema_names()
            path = tuple(p for p in path if isinstance(p, int) or p in names)
            message = foreign_message or (
                "invalid value (the file lies outside the scenario's folder: its content is "
                "not shown)")
        elif self.foreign_words:
            message, path = self._scrub(message, path)
        if file in self.arguments:
            return ArgumentError(message, argument=file, key_path=path)
        return ScenarioError(message, file=file, line=line or None, column=col or None,
                             key_path=path)

    def _scrub(self, message: str, path: Path_) -> tuple[str, Path_]:
        names = _schema_names()
        words = sorted((w for w in self.foreign_words if len(w) >= 3 and w not in names),
                       key=len, reverse=True)
        for w in words:
            for form in {repr(w)[1:-1], w}:
                if form in message:  # whole words only: 'time' stays in 'lifetime'
                    message = re.sub(rf"(?<!\w){re.escape(form)}(?!\w)", _HIDDEN, message)
        path = tuple(_HIDDEN if isinstance(p, str) and p in self.foreign_words and p not in names
                     else p for p in path)
        return message, path


# --- YAML ---------------------------------------------------------------------------------
def _parser() -> YAML:
    return YAML(typ="safe", pure=True)


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_STD_TAG):] if tag.startswith(_STD_TAG) else tag


class _Anchor:
    __slots__ = ("value", "nodes", "positions")

    def __init__(self, value: Any, nodes: int, positions: list) -> None:
        self.value, self.nodes, self.positions = value, nodes, positions


class _Frame:
    __slots__ = ("container", "path", "key", "key_mark", "anchor", "nodes0", "pos0", "mark")

    def __init__(self, container, path, anchor, nodes0, pos0, mark) -> None:
        self.container, self.path, self.anchor = container, path, anchor
        self.nodes0, self.pos0, self.mark = nodes0, pos0, mark
        self.key: Any = _NO_KEY
        self.key_mark = None


_NO_KEY = object()


def parse_yaml(text: str, display: str, src: SourceMap | None = None,
               max_nodes: int | None = None) -> Any:
    """Plain data (dict/list/str/int/float/bool/None) of one YAML document.

    Positions go into ``src`` (if given) under ``display``. Raises ScenarioError with
    file:line:col for syntax errors, unsupported tags, duplicate keys, non-string keys,
    too many nodes (aliases counted at their full size) or too deep nesting.
    """
    max_nodes = max_yaml_nodes() if max_nodes is None else max_nodes
    y = _parser()
    resolver, constructor = y.resolver, y.constructor
    recorded: list[tuple[Path_, str, Position]] = []  # (path, "k"/"v", position)
    anchors: dict[str, _Anchor] = {}
    stack: list[_Frame] = []
    root: Any = None
    nodes = 0
    documents = 0

    def fail(message: str, mark) -> ScenarioError:
        return ScenarioError(message, file=display, line=mark.line + 1 if mark else None,
                             column=mark.column + 1 if mark else None)

    def pos(mark) -> Position:
        return (display, mark.line + 1, mark.column + 1)

    def check_tag(event) -> None:
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in ("!", "?") and tag not in _ALLOWED_TAGS:
            raise fail(f"unsupported tag {_short_tag(tag)!r} (only plain YAML values are read)",
                       event.start_mark)

    def scalar(event) -> Any:
        if event.tag in (None, "!"):
            implicit = event.implicit if event.tag is None else (False, False)
            found = resolver.resolve(ScalarNode, event.value, implicit)
            # a Tag object; its suffix is the whole tag (str() decodes %-escapes, slowly)
            tag = found.suffix if getattr(found, "handle", 1) is None else str(found)
        else:
            tag = event.tag
        if tag == _STD_TAG + "str" or tag not in _ALLOWED_TAGS:
            return event.value  # implicit dates etc. stay the text they were written as
        try:
            node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
            value = constructor.construct_object(node)
        except (YAMLError, ValueError, TypeError, OverflowError):
            raise fail(f"cannot read {event.value[:40]!r} as {_short_tag(tag)[2:]}",
                       event.start_mark) from None
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            return float(value)
        return value

    def add(value: Any, mark, is_collection: bool, anchor_positions=None) -> Path_ | None:
        """Put ``value`` where the parser is; returns its path (None for a key)."""
        nonlocal root
        if not stack:
            root = value
            return ()
        top = stack[-1]
        if isinstance(top.container, list):
            path = (*top.path, len(top.container))
            recorded.append((path, "v", pos(mark)))
            top.container.append(value)
            return path
        if top.key is _NO_KEY:  # this is a key
            if is_collection or not isinstance(value, str):
                shown = "a mapping or list" if is_collection else repr(value)
                raise fail(f"keys must be strings, found {shown}", mark)
            if value in top.container:
                first_line = _first_line(recorded, (*top.path, value))
                raise fail(f"duplicate key {value!r} (first at line {first_line})", mark)
            top.key, top.key_mark = value, mark
            recorded.append(((*top.path, value), "k", pos(mark)))
            return None
        path = (*top.path, top.key)
        recorded.append((path, "v", pos(mark)))
        top.container[top.key] = value
        top.key = _NO_KEY
        return path

    def count(n: int, mark) -> None:
        nonlocal nodes
        nodes += n
        if nodes > max_nodes:
            raise fail(f"more than {max_nodes:,} YAML nodes (aliases counted at their full "
                       "size): refused", mark)

    try:
        for event in y.parse(text):
            if isinstance(event, DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise fail("expected one YAML document, found a second one", event.start_mark)
                continue
            if isinstance(event, ScalarEvent):
                check_tag(event)
                count(1, event.start_mark)
                if stack and isinstance(stack[-1].container, dict) and stack[-1].key is _NO_KEY \
                        and event.tag is None and event.implicit[0] and event.value == "<<":
                    raise fail("merge keys ('<<') are not supported; use extends: or write the "
                               "keys out", event.start_mark)
                value = scalar(event)
                path = add(value, event.start_mark, False)
                if event.anchor:
                    anchors[event.anchor] = _Anchor(value, 1, [])
                continue
            if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
                check_tag(event)
                count(1, event.start_mark)
                if len(stack) >= MAX_YAML_DEPTH:
                    raise fail(f"nested more than {MAX_YAML_DEPTH} levels deep", event.start_mark)
                container: Any = {} if isinstance(event, MappingStartEvent) else []
                path = add(container, event.start_mark, True)
                stack.append(_Frame(container, path, event.anchor, nodes, len(recorded),
                                    event.start_mark))
                continue
            if isinstance(event, (MappingEndEvent, SequenceEndEvent)):
                frame = stack.pop()
                if frame.anchor:
                    base = len(frame.path)
                    rel = [(p[base:], k, where) for p, k, where in recorded[frame.pos0:]]
                    anchors[frame.anchor] = _Anchor(frame.container, nodes - frame.nodes0 + 1, rel)
                continue
            if isinstance(event, AliasEvent):
                anchor = anchors.get(event.anchor)
                if anchor is None:
                    raise fail(f"unknown (or self-referencing) alias *{event.anchor}",
                               event.start_mark)
                count(anchor.nodes, event.start_mark)
                is_coll = isinstance(anchor.value, (dict, list))
                if stack and isinstance(stack[-1].container, dict) and stack[-1].key is _NO_KEY \
                        and is_coll:
                    raise fail("keys must be strings, found a mapping or list", event.start_mark)
                path = add(anchor.value, event.start_mark, False)
                if path is not None:
                    recorded.extend(((*path, *rel), k, where) for rel, k, where in anchor.positions)
                continue
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = " ".join(x for x in (err.context, err.problem) if x).replace("\n", " ")
        raise fail(f"YAML syntax error: {problem}", mark) from None
    except YAMLError as err:  # no position known (the reader's own complaints)
        raise ScenarioError(f"YAML error: {str(err).splitlines()[0]}", file=display) from None
    except RecursionError:
        raise ScenarioError(f"nested more than {MAX_YAML_DEPTH} levels deep",
                            file=display) from None
    if src is not None:
        for path, kind, where in recorded:
            (src.keys if kind == "k" else src.values)[path] = where
    return root


def _first_line(recorded, path) -> int:
    for p, k, where in recorded:
        if k == "k" and p == path:
            return where[1]
    return 0


def _words(node: Any, out: set[str]) -> None:
    """Every string (keys and values) in plain data, iteratively (depth is bounded anyway)."""
    todo = [node]
    while todo:
        n = todo.pop()
        if isinstance(n, dict):
            out.update(k for k in n if isinstance(k, str))
            todo.extend(n.values())
        elif isinstance(n, list):
            todo.extend(n)
        elif isinstance(n, str):
            out.add(n)


def _read_one(path: Path, display: str, foreign: bool = False,
              data: bytes | None = None) -> tuple[dict, SourceMap, bytes]:
    if data is None:
        try:
            data = read_input(path)
        except InputRefused as err:
            raise ScenarioError(str(err), file=display) from None
    src = SourceMap(display)
    if foreign:
        src.foreign.add(display)
    try:
        raw = parse_yaml(decode_text(data, display), display, src)
    except ScenarioError as err:
        if foreign and err.file == display:  # the parser's message may quote the file
            raise ScenarioError("YAML error (the file lies outside the scenario's folder: "
                                "details not shown)", file=display, line=err.line,
                                column=err.column) from None
        raise
    if raw is None:
        raise ScenarioError("the file is empty, expected a mapping of keys", file=display)
    if not isinstance(raw, dict):
        kind = {list: "a list", str: "a string"}.get(type(raw), type(raw).__name__)
        raise ScenarioError(f"expected a mapping of keys at the top level, found {kind}",
                            file=display, line=1, column=1)
    if foreign:
        _words(raw, src.foreign_words)
    return raw, src, data


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v) if k in base else v
        return out
    return over


def read_yaml(path: str | Path, _chain: tuple[Path, ...] = (), *,
              allow_outside: bool | None = None) -> tuple[dict, SourceMap]:
    """Load a scenario/config file, following ``extends:``. Returns (data, source map).

    ``allow_outside``: may a base lie outside this file's folder tree (default:
    ``$SIM_ALLOW_EXTENDS_OUTSIDE``)? ``src.sha256`` is the digest of this file's bytes.
    """
    path = Path(path)
    if allow_outside is None:
        allow_outside = extends_outside_allowed()
    display = str(path).replace("\0", "\\0")  # never print a NUL
    try:
        root = Path(os.path.realpath(path)).parent if "\0" not in str(path) else path.parent
    except (OSError, ValueError):
        root = path.parent
    return _read_tree(path, display, root, allow_outside, _chain, False)


def _read_tree(path: Path, display: str, root: Path, allow_outside: bool,
               chain: tuple[Path, ...], foreign: bool,
               data_bytes: bytes | None = None) -> tuple[dict, SourceMap]:
    data, src, raw_bytes = _read_one(path, display, foreign, data_bytes)
    src.sha256 = hashlib.sha256(raw_bytes).hexdigest()
    if "extends" not in data:
        return data, src
    base_ref = data.pop("extends")
    if not isinstance(base_ref, str) or not base_ref:
        raise src.error(f"expected a file name (relative to this file), found {base_ref!r}",
                        ("extends",), foreign_message="expected a file name")
    if "\0" in base_ref:
        raise src.error("the path contains a NUL byte", ("extends",))
    here = Path(os.path.realpath(path))
    try:
        base_real = Path(os.path.realpath(path.parent / base_ref))
    except (OSError, ValueError) as err:
        raise src.error(f"cannot resolve {base_ref!r}: {err}", ("extends",)) from None
    if base_real in chain or base_real == here:
        raise src.error(f"'extends' makes a cycle through {base_ref}", ("extends",))
    inside = base_real == root or root in base_real.parents
    if not inside and not allow_outside:
        raise src.error(
            f"{base_ref!r} lies outside this scenario's folder {root}; a base must be inside it "
            f"(allow it with --allow-extends-outside or {ALLOW_OUTSIDE_ENV}=1)", ("extends",),
            foreign_message="the base lies outside the scenario's folder")
    base_display = str(path.parent / base_ref)
    try:
        base_bytes = read_input(base_real)  # refused here: blame the extends key
    except InputRefused as err:
        reason = str(err)
        if reason == "no such file":
            raise src.error(f"extends a file that does not exist: {base_ref}", ("extends",),
                            foreign_message="extends a file that does not exist") from None
        raise src.error(f"cannot use {base_ref!r}: {reason}", ("extends",),
                        foreign_message=f"the base file: {reason}") from None
    base_data, base_src = _read_tree(path.parent / base_ref, base_display, root, allow_outside,
                                     (*chain, here), foreign or not inside, base_bytes)
    merged = _merge(base_data, data)
    # positions: the overriding file wins wherever it wrote something; lists it wrote
    # replace the base's lists whole, so forget the base positions inside them
    combined = SourceMap(display, dict(base_src.keys), dict(base_src.values),
                         base_src.foreign | src.foreign, base_src.foreign_words | src.foreign_words,
                         sha256=src.sha256)
    replaced = [p for p in src.values if isinstance(_get(data, p), list)]
    for table in (combined.keys, combined.values):
        for p in list(table):
            if any(len(p) > len(r) and p[: len(r)] == r for r in replaced):
                del table[p]
    combined.keys.update(src.keys)
    combined.values.update(src.values)
    return merged, combined


def _get(data: Any, path: Path_) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def apply_overrides(data: dict, src: SourceMap, overrides: list[str]) -> dict:
    """Apply ``key.path=value`` overrides (value in YAML, e.g. ``{uniform: [1, 2]}``).

    List items are addressed by index: ``sensors.cameras.0.width=640``. Errors name the
    override as ``--set #N (key.path)``; so do later errors about a value it set.
    """
    data = _merge({}, data)  # copy the mappings we may touch
    limit = max_input_bytes()
    for n, item in enumerate(overrides, start=1):
        where = f"--set #{n}"
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise ArgumentError(f"expected KEY=VALUE, found {item[:80]!r}", argument=where)
        if len(item) > limit:
            raise ArgumentError(f"the value is longer than {limit:,} bytes", argument=where)
        parts: list[str | int] = [int(p) if p.isdigit() else p for p in key.split(".")]
        try:
            value = parse_yaml(decode_text(f"v: {text}".encode(), where), where)["v"]
        except ScenarioError as err:
            raise ArgumentError(f"cannot parse the value {text[:80]!r} as YAML: {err.message}",
                                argument=where, key_path=parts) from None
        except (TypeError, KeyError):
            raise ArgumentError(f"cannot parse the value {text[:80]!r} as YAML", argument=where,
                                key_path=parts) from None
        node: Any = data
        for depth, part in enumerate(parts[:-1]):
            nxt = node[part] if _has(node, part) else None
            at = ".".join(map(str, parts[: depth + 1]))
            if nxt is None:
                if isinstance(node, dict):
                    node[part] = {}
                    nxt = node[part]
                else:
                    raise ArgumentError(f"no item {part!r} at {at}", argument=where, key_path=parts)
            elif isinstance(nxt, dict):
                nxt = dict(nxt)
                node[part] = nxt
            elif isinstance(nxt, list):
                nxt = list(nxt)
                node[part] = nxt
            else:
                raise ArgumentError(f"{at} is not a mapping or list", argument=where,
                                    key_path=parts)
            node = nxt
        last = parts[-1]
        if isinstance(node, list) and not (isinstance(last, int) and last < len(node)):
            raise ArgumentError(f"no item {last!r} in that list", argument=where, key_path=parts)
        if not isinstance(node, (dict, list)):
            raise ArgumentError("cannot set a key inside a scalar", argument=where, key_path=parts)
        node[last] = value
        # the override owns its path and everything below it now
        for table in (src.keys, src.values):
            for p in [p for p in table if len(p) > len(parts) and p[: len(parts)] == tuple(parts)]:
                del table[p]
        src.arguments.add(where)
        src.values[tuple(parts)] = (where, 0, 0)
        src.keys[tuple(parts)] = (where, 0, 0)
    return data


def _has(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    if isinstance(node, list):
        return isinstance(part, int) and 0 <= part < len(node)
    return False


__all__ = [
    "ALLOW_OUTSIDE_ENV",
    "DEFAULT_MAX_INPUT_BYTES",
    "MAX_INPUT_ENV",
    "DEFAULT_MAX_YAML_NODES",
    "MAX_NODES_ENV",
    "MAX_YAML_DEPTH",
    "InputRefused",
    "SourceMap",
    "apply_overrides",
    "decode_text",
    "extends_outside_allowed",
    "format_key_path",
    "max_input_bytes",
    "max_yaml_nodes",
    "parse_yaml",
    "read_input",
    "read_yaml",
]
