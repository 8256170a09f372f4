"""YAML 1.2 text into plain Python data, built from the parser's event stream by our own
small builder (not by a YAML constructor), so that

* every key and value gets its line/column (1-based) and duplicate keys are refused;
* only the standard tags (``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``,
  ``!!map``, ``!!seq``) are accepted: ``!!python/object/apply`` and friends are errors;
* aliases are expanded under a budget (:func:`max_yaml_nodes` nodes in all, aliases
  counted at their full size), so a 355-byte "billion laughs" file is refused at once;
* nesting is limited (:data:`MAX_YAML_DEPTH`) and no recursion depends on the input;
* comments cost nothing: the round-trip parser (quadratic in comment lines) is not used.
"""

from __future__ import annotations

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

from sim.errors import ScenarioError
from sim.scenario.loader.reader import env_limit
from sim.scenario.loader.sourcemap import Path_, Position, SourceMap

DEFAULT_MAX_YAML_NODES = 50_000
"""Scalars + mappings + sequences after alias expansion: a resolved scenario of ~1,000 road
users (47 nodes each). Past it the file is refused and the parse stops, so no file costs
more than about 2 s of parsing (the parser does 30-60 k nodes/s; measured 1.6-1.8 s for
1 MiB of dense YAML, 0.4 s for 1 MiB of comments)."""
MAX_NODES_ENV = "SIM_MAX_YAML_NODES"
MAX_YAML_DEPTH = 64
"""Nesting of mappings and sequences; a scenario needs about 8."""

_STD_TAG = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_STD_TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}


def max_yaml_nodes() -> int:
    """The node budget of one YAML file: ``$SIM_MAX_YAML_NODES`` or 50,000."""
    return env_limit(MAX_NODES_ENV, DEFAULT_MAX_YAML_NODES, "nodes")


def _parser() -> YAML:
    return YAML(typ="safe", pure=True)


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_STD_TAG) :] if tag.startswith(_STD_TAG) else tag


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


def parse_yaml(
    text: str, display: str, src: SourceMap | None = None, max_nodes: int | None = None
) -> Any:
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
        return ScenarioError(
            message,
            file=display,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        )

    def pos(mark) -> Position:
        return (display, mark.line + 1, mark.column + 1)

    def check_tag(event) -> None:
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in ("!", "?") and tag not in _ALLOWED_TAGS:
            raise fail(
                f"unsupported tag {_short_tag(tag)!r} (only plain YAML values are read)",
                event.start_mark,
            )

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
            raise fail(
                f"cannot read {event.value[:40]!r} as {_short_tag(tag)[2:]}", event.start_mark
            ) from None
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
            raise fail(
                f"more than {max_nodes:,} YAML nodes (aliases counted at their full size): refused",
                mark,
            )

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
                if (
                    stack
                    and isinstance(stack[-1].container, dict)
                    and stack[-1].key is _NO_KEY
                    and event.tag is None
                    and event.implicit[0]
                    and event.value == "<<"
                ):
                    raise fail(
                        "merge keys ('<<') are not supported; use extends: or write the keys out",
                        event.start_mark,
                    )
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
                stack.append(
                    _Frame(container, path, event.anchor, nodes, len(recorded), event.start_mark)
                )
                continue
            if isinstance(event, (MappingEndEvent, SequenceEndEvent)):
                frame = stack.pop()
                if frame.anchor:
                    base = len(frame.path)
                    rel = [(p[base:], k, where) for p, k, where in recorded[frame.pos0 :]]
                    anchors[frame.anchor] = _Anchor(frame.container, nodes - frame.nodes0 + 1, rel)
                continue
            if isinstance(event, AliasEvent):
                anchor = anchors.get(event.anchor)
                if anchor is None:
                    raise fail(
                        f"unknown (or self-referencing) alias *{event.anchor}", event.start_mark
                    )
                count(anchor.nodes, event.start_mark)
                is_coll = isinstance(anchor.value, (dict, list))
                if (
                    stack
                    and isinstance(stack[-1].container, dict)
                    and stack[-1].key is _NO_KEY
                    and is_coll
                ):
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
        raise ScenarioError(
            f"nested more than {MAX_YAML_DEPTH} levels deep", file=display
        ) from None
    if src is not None:
        for path, kind, where in recorded:
            (src.keys if kind == "k" else src.values)[path] = where
    return root


def _first_line(recorded, path) -> int:
    for p, k, where in recorded:
        if k == "k" and p == path:
            return where[1]
    return 0
