"""Turn pydantic's validation errors into one-line ScenarioErrors with file:line:column.

Every message says the key path, what was expected and what was found; unknown keys and
unknown types get the closest valid name suggested.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.errors import ScenarioError
from sim.scenario.loader import Path_, SourceMap


def _found(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def suggest(word: str, options: typing.Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest option, or ``""``."""
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _unwrap(annotation: Any, node: Any) -> Any:
    """The model class (or container type) an annotation means for this data node."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0], node)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        models = [
            m
            for m in (_unwrap(a, node) for a in members)
            if isinstance(m, type) and issubclass(m, BaseModel)
        ]
        if len(models) > 1 and isinstance(node, dict):
            for m in models:
                tag = m.model_fields.get("type")
                if tag is not None and typing.get_args(tag.annotation) == (node.get("type"),):
                    return m
        if models:
            return models[0] if len(models) == 1 else None
        return _unwrap(members[0], node) if members else None
    return annotation


def _child(model_or_type: Any, part: str | int, node: Any) -> Any:
    """Type of ``node[part]`` inside a value of type ``model_or_type``."""
    if isinstance(model_or_type, type) and issubclass(model_or_type, BaseModel):
        field = model_or_type.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            return None
        child_node = node.get(part) if isinstance(node, dict) else None
        return _unwrap(field.annotation, child_node)
    origin = typing.get_origin(model_or_type)
    args = typing.get_args(model_or_type)
    child_node = None
    try:
        child_node = node[part]
    except (KeyError, IndexError, TypeError):
        pass
    if origin is list and args:
        return _unwrap(args[0], child_node)
    if origin is dict and len(args) == 2:
        return _unwrap(args[1], child_node)
    return None


def allowed_keys(root: type[BaseModel], data: Any, path: Path_) -> list[str]:
    """Field names of the model found at ``path`` in ``data`` (empty if none)."""
    current: Any = root
    node = data
    for part in path:
        current = _child(current, part, node)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
        if current is None:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _node_at(data: Any, path: Path_) -> Any:
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _clean_path(loc: tuple, data: Any) -> Path_:
    """Drop the union tags pydantic puts in ``loc`` (they are not keys of the data)."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str):
            if part in node:
                out.append(part)
                node = node[part]
            elif node.get("type") == part or "-" in part or part.startswith("function-"):
                continue  # a tag or pydantic's internal step name
            else:
                out.append(part)
                node = None
        elif isinstance(node, list) and isinstance(part, int):
            out.append(part)
            node = node[part] if 0 <= part < len(node) else None
        elif (
            isinstance(part, (str, int)) and node is not None and not isinstance(node, (dict, list))
        ):
            continue  # tag of a union of scalar types
        else:
            out.append(part)
            node = None
    return tuple(out)


def _content_free(kind: str, msg: str, ctx: dict) -> str:
    """The message without anything the file wrote (for files outside the scenario's folder,
    whose content is never echoed): what was expected, not what was found."""
    if kind == "extra_forbidden":
        return "unknown key (not shown: the file lies outside the scenario's folder)"
    if kind in ("union_tag_invalid", "literal_error"):
        return "not one of the allowed values"
    for cut in ("; found ", ", found ", " found ", ": choice value", " or a distribution:"):
        if cut in msg:
            msg = msg.split(cut)[0]
    return msg + " (the value is not shown: the file lies outside the scenario's folder)"


def translate(
    err: ValidationError, data: Any, src: SourceMap, root: type[BaseModel]
) -> list[ScenarioError]:
    """All errors of a pydantic ValidationError as ScenarioErrors, in file order."""
    out: list[tuple[int, ScenarioError]] = []
    seen: set[tuple] = set()
    for e in err.errors(include_url=False):
        kind = e["type"]
        path = _clean_path(tuple(e["loc"]), data)
        value = e.get("input")
        ctx = e.get("ctx") or {}
        prefer_key = False
        if kind == "extra_forbidden":
            key = path[-1]
            options = allowed_keys(root, data, path[:-1])
            node = _node_at(data, path[:-1])
            # keys not yet given come first: 'lnae' next to an existing 'name' means 'lane'
            absent = [o for o in options if not (isinstance(node, dict) and o in node)]
            hint = suggest(key, absent) or suggest(key, options)
            msg = f"unknown key {key!r}{hint}"
            if not hint and options:
                msg += f" (expected one of: {', '.join(options)})"
            prefer_key = True
        elif kind == "missing":
            msg = f"missing required key {path[-1]!r}"
            where = src.locate(path[:-1], prefer_key=True)
            err_obj = src.error_at(where, msg, path, foreign_message=msg)
            if (err_obj.key_path, msg) not in seen:
                seen.add((err_obj.key_path, msg))
                out.append((1, err_obj))
            continue
        elif kind == "union_tag_invalid":
            expected = [t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(",")]
            tag = ctx.get("tag")
            msg = (
                f"unknown type {tag!r}{suggest(tag, expected)} "
                f"(expected one of: {', '.join(expected)})"
            )
            path = (*path, "type")
        elif kind == "union_tag_not_found":
            msg = "missing required key 'type'"
        elif kind == "literal_error":
            expected = [
                t.strip(" '") for t in str(ctx.get("expected", "")).replace(" or ", ",").split(",")
            ]
            msg = (
                f"expected one of: {', '.join(expected)}; "
                f"found {_found(value)}{suggest(value, expected)}"
            )
        elif kind == "sim":
            msg = e["msg"]
        elif kind == "value_error":
            msg = str(ctx.get("error", e["msg"])).removeprefix("Value error, ")
        elif kind in ("model_type", "model_attributes_type", "dict_type"):
            msg = f"expected a mapping of keys, found {_found(value)}"
        elif kind == "list_type":
            msg = f"expected a list, found {_found(value)}"
        elif kind == "tuple_type":
            msg = f"expected a list, found {_found(value)}"
        elif kind in ("string_type",):
            msg = f"expected a string, found {_found(value)}"
        elif kind == "string_pattern_mismatch":
            msg = (
                "expected a name made of letters, digits and '_' (not starting with a digit), "
                f"found {_found(value)}"
            )
        elif kind in ("bool_type", "bool_parsing"):
            msg = f"expected true or false, found {_found(value)}"
        elif kind in ("int_type", "int_parsing", "int_from_float"):
            msg = f"expected an integer, found {_found(value)}"
        elif kind in ("float_type", "float_parsing"):
            msg = f"expected a number, found {_found(value)}"
        elif kind in ("too_short", "too_long"):
            msg = f"{e['msg'].lower()}, found {_found(value)}"
        else:
            msg = f"{e['msg']}; found {_found(value)}"
        key = (path, msg)
        if key in seen:
            continue
        seen.add(key)
        safe = _content_free(kind, msg, ctx)
        out.append(
            (
                0 if kind == "extra_forbidden" else 1,
                src.error(msg, path, prefer_key=prefer_key, foreign_message=safe),
            )
        )
    # A misspelt key also shows up as a missing one: report the unknown key first.
    out.sort(key=lambda x: (x[0], x[1].file or "", x[1].line or 0, x[1].column or 0))
    return [e for _, e in out]
