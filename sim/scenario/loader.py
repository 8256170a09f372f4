"""Read YAML 1.2 files into plain Python data, remembering where every key and value stood.

ruamel.yaml (round-trip mode) gives line/column of each key and item and refuses duplicate
keys. ``extends: other.yaml`` merges the file over its base: mappings merge key by key,
everything else (lists included) is replaced. Positions keep the file they came from, so an
error in an inherited value points into the base file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from sim.errors import ScenarioError

Position = tuple[str, int, int]  # file, line (1-based), column (1-based)
Path_ = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Where each key path was written: ``keys[path]`` the key, ``values[path]`` the value."""

    file: str
    keys: dict[Path_, Position] = field(default_factory=dict)
    values: dict[Path_, Position] = field(default_factory=dict)

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

    def error(self, message: str, path: Path_, prefer_key: bool = False) -> ScenarioError:
        file, line, col = self.locate(path, prefer_key)
        return ScenarioError(message, file=file, line=line, column=col, key_path=path)


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.allow_duplicate_keys = False
    return y


def _plain(node: Any, path: Path_, file: str, src: SourceMap) -> Any:
    """CommentedMap/Seq -> dict/list, recording positions (1-based)."""
    if isinstance(node, CommentedMap):
        out = {}
        for key, value in node.items():
            if not isinstance(key, str):
                line, col = node.lc.key(key)
                raise ScenarioError(
                    f"keys must be strings, found {key!r}", file=file, line=line + 1,
                    column=col + 1, key_path=path,
                )
            kl, kc = node.lc.key(key)
            vl, vc = node.lc.value(key)
            src.keys[(*path, key)] = (file, kl + 1, kc + 1)
            src.values[(*path, key)] = (file, vl + 1, vc + 1)
            out[key] = _plain(value, (*path, key), file, src)
        return out
    if isinstance(node, CommentedSeq):
        out_list = []
        for i, item in enumerate(node):
            line, col = node.lc.item(i)
            src.values[(*path, i)] = (file, line + 1, col + 1)
            out_list.append(_plain(item, (*path, i), file, src))
        return out_list
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def _read_one(path: Path, display: str) -> tuple[Any, SourceMap]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("no such file", file=display) from None
    except IsADirectoryError:
        raise ScenarioError("is a directory, expected a YAML file", file=display) from None
    except UnicodeDecodeError as err:
        raise ScenarioError(f"not UTF-8 text ({err.reason})", file=display) from None
    except OSError as err:
        raise ScenarioError(f"cannot read: {err.strerror}", file=display) from None
    src = SourceMap(display)
    try:
        raw = _yaml().load(text)
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = " ".join(x for x in (err.context, err.problem) if x)
        problem = problem.replace("\n", " ")
        raise ScenarioError(
            f"YAML syntax error: {problem}", file=display,
            line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None,
        ) from None
    except YAMLError as err:
        raise ScenarioError(f"YAML error: {err}", file=display) from None
    if raw is None:
        raise ScenarioError("the file is empty, expected a mapping of keys", file=display)
    if not isinstance(raw, CommentedMap):
        raise ScenarioError(
            f"expected a mapping of keys at the top level, found {type(raw).__name__}",
            file=display, line=1, column=1,
        )
    return _plain(raw, (), display, src), src


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v) if k in base else v
        return out
    return over


def read_yaml(path: str | Path, _chain: tuple[Path, ...] = ()) -> tuple[dict, SourceMap]:
    """Load a scenario/config file, following ``extends:``. Returns (data, source map)."""
    path = Path(path)
    display = str(path)
    data, src = _read_one(path, display)
    if "extends" not in data:
        return data, src
    base_ref = data.pop("extends")
    if not isinstance(base_ref, str) or not base_ref:
        raise src.error(f"expected a file name (relative to this file), found {base_ref!r}", ("extends",))
    base_path = (path.parent / base_ref).resolve()
    if base_path in _chain or base_path == path.resolve():
        raise src.error(f"'extends' makes a cycle through {base_ref}", ("extends",))
    try:
        base_data, base_src = read_yaml(
            Path(path.parent / base_ref), (*_chain, path.resolve())
        )
    except ScenarioError as err:
        if err.message == "no such file" and err.file == str(path.parent / base_ref):
            raise src.error(f"extends a file that does not exist: {base_ref}", ("extends",)) from None
        raise
    merged = _merge(base_data, data)
    # positions: the overriding file wins wherever it wrote something; lists it wrote
    # replace the base's lists whole, so forget the base positions inside them
    combined = SourceMap(display, dict(base_src.keys), dict(base_src.values))
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
    override as ``--set`` argument N.
    """
    data = _merge({}, data)  # copy the mappings we may touch
    for n, item in enumerate(overrides, start=1):
        where = f"--set #{n}"
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise ScenarioError(f"expected KEY=VALUE, found {item!r}", file=where)
        try:
            value = _plain(_yaml().load(f"v: {text}")["v"], (), where, SourceMap(where))
        except (YAMLError, TypeError):
            raise ScenarioError(f"cannot parse the value {text!r} as YAML", file=where) from None
        parts: list[str | int] = [int(p) if p.isdigit() else p for p in key.split(".")]
        node: Any = data
        for depth, part in enumerate(parts[:-1]):
            nxt = node[part] if _has(node, part) else None
            if nxt is None:
                if isinstance(node, dict):
                    node[part] = {}
                    nxt = node[part]
                else:
                    raise ScenarioError(f"{key}: no item {part!r} at {'.'.join(map(str, parts[:depth + 1]))}", file=where)
            elif isinstance(nxt, dict):
                nxt = dict(nxt)
                node[part] = nxt
            elif isinstance(nxt, list):
                nxt = list(nxt)
                node[part] = nxt
            else:
                raise ScenarioError(f"{key}: {'.'.join(map(str, parts[:depth + 1]))} is not a mapping or list", file=where)
            node = nxt
        last = parts[-1]
        if isinstance(node, list) and not (isinstance(last, int) and last < len(node)):
            raise ScenarioError(f"{key}: no item {last!r} in that list", file=where)
        if not isinstance(node, (dict, list)):
            raise ScenarioError(f"{key}: cannot set a key inside a scalar", file=where)
        node[last] = value
        src.values[tuple(parts)] = (where, 1, len(key) + 2)
        src.keys[tuple(parts)] = (where, 1, 1)
    return data


def _has(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    if isinstance(node, list):
        return isinstance(part, int) and 0 <= part < len(node)
    return False
