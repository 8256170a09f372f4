"""``--set key.path=value``: command-line overrides of a loaded file's data."""

from __future__ import annotations

from typing import Any

from sim.errors import ArgumentError, ScenarioError
from sim.scenario.loader.extends import merge
from sim.scenario.loader.reader import decode_text, max_input_bytes
from sim.scenario.loader.sourcemap import SourceMap
from sim.scenario.loader.yaml_events import parse_yaml


def apply_overrides(data: dict, src: SourceMap, overrides: list[str]) -> dict:
    """Apply ``key.path=value`` overrides (value in YAML, e.g. ``{uniform: [1, 2]}``).

    List items are addressed by index: ``sensors.cameras.0.width=640``. Errors name the
    override as ``--set #N (key.path)``; so do later errors about a value it set.
    """
    data = merge({}, data)  # copy the mappings we may touch
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
            raise ArgumentError(
                f"cannot parse the value {text[:80]!r} as YAML: {err.message}",
                argument=where,
                key_path=parts,
            ) from None
        except (TypeError, KeyError):
            raise ArgumentError(
                f"cannot parse the value {text[:80]!r} as YAML", argument=where, key_path=parts
            ) from None
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
                raise ArgumentError(
                    f"{at} is not a mapping or list", argument=where, key_path=parts
                )
            node = nxt
        last = parts[-1]
        if isinstance(node, list):
            if not (isinstance(last, int) and last < len(node)):
                msg = f"no item {last!r} in that list"
                raise ArgumentError(msg, argument=where, key_path=parts)
            node[last] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise ArgumentError("cannot set a key inside a scalar", argument=where, key_path=parts)
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
