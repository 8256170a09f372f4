"""Scenario and config files with ``extends:``: the file is merged over its base (mappings
merge key by key, everything else, lists included, is replaced). Positions keep the file
they came from, so an error in an inherited value points into the base file. A base must
lie inside the folder of the top-level file (symlinks resolved) unless
``SIM_ALLOW_EXTENDS_OUTSIDE=1`` (the CLI's ``--allow-extends-outside``); a base outside it is
"foreign": errors located in it never quote its keys or values (they could be anybody's
secrets).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.scenario.loader.reader import InputRefused, decode_text, read_input
from sim.scenario.loader.sourcemap import Path_, SourceMap
from sim.scenario.loader.yaml_events import parse_yaml

ALLOW_OUTSIDE_ENV = "SIM_ALLOW_EXTENDS_OUTSIDE"


def extends_outside_allowed() -> bool:
    """``$SIM_ALLOW_EXTENDS_OUTSIDE`` is 1/true/yes: ``extends:`` may leave the folder tree."""
    return os.environ.get(ALLOW_OUTSIDE_ENV, "").strip().lower() in ("1", "true", "yes")


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


def _read_one(
    path: Path, display: str, foreign: bool = False, data: bytes | None = None
) -> tuple[dict, SourceMap, bytes]:
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
            raise ScenarioError(
                "YAML error (the file lies outside the scenario's folder: details not shown)",
                file=display,
                line=err.line,
                column=err.column,
            ) from None
        raise
    if raw is None:
        raise ScenarioError("the file is empty, expected a mapping of keys", file=display)
    if not isinstance(raw, dict):
        kinds: dict[type, str] = {list: "a list", str: "a string"}
        kind = kinds.get(type(raw), type(raw).__name__)
        raise ScenarioError(
            f"expected a mapping of keys at the top level, found {kind}",
            file=display,
            line=1,
            column=1,
        )
    if foreign:
        _words(raw, src.foreign_words)
    return raw, src, data


def merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base[k], v) if k in base else v
        return out
    return over


def read_yaml(
    path: str | Path, _chain: tuple[Path, ...] = (), *, allow_outside: bool | None = None
) -> tuple[dict, SourceMap]:
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


def _read_tree(
    path: Path,
    display: str,
    root: Path,
    allow_outside: bool,
    chain: tuple[Path, ...],
    foreign: bool,
    data_bytes: bytes | None = None,
) -> tuple[dict, SourceMap]:
    data, src, raw_bytes = _read_one(path, display, foreign, data_bytes)
    src.sha256 = hashlib.sha256(raw_bytes).hexdigest()
    if "extends" not in data:
        return data, src
    base_ref = data.pop("extends")
    if not isinstance(base_ref, str) or not base_ref:
        raise src.error(
            f"expected a file name (relative to this file), found {base_ref!r}",
            ("extends",),
            foreign_message="expected a file name",
        )
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
            f"(allow it with --allow-extends-outside or {ALLOW_OUTSIDE_ENV}=1)",
            ("extends",),
            foreign_message="the base lies outside the scenario's folder",
        )
    base_display = str(path.parent / base_ref)
    try:
        base_bytes = read_input(base_real)  # refused here: blame the extends key
    except InputRefused as err:
        reason = str(err)
        if reason == "no such file":
            raise src.error(
                f"extends a file that does not exist: {base_ref}",
                ("extends",),
                foreign_message="extends a file that does not exist",
            ) from None
        raise src.error(
            f"cannot use {base_ref!r}: {reason}",
            ("extends",),
            foreign_message=f"the base file: {reason}",
        ) from None
    base_data, base_src = _read_tree(
        path.parent / base_ref,
        base_display,
        root,
        allow_outside,
        (*chain, here),
        foreign or not inside,
        base_bytes,
    )
    merged = merge(base_data, data)
    # positions: the overriding file wins wherever it wrote something; lists it wrote
    # replace the base's lists whole, so forget the base positions inside them
    combined = SourceMap(
        display,
        dict(base_src.keys),
        dict(base_src.values),
        base_src.foreign | src.foreign,
        base_src.foreign_words | src.foreign_words,
        sha256=src.sha256,
    )
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
