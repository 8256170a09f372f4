"""Read YAML 1.2 files into plain Python data, remembering where every key and value stood.

Every file sim takes as input goes through :func:`read_input` (:mod:`.reader`: regular files
only, at most :func:`max_input_bytes` bytes); the YAML is built from the parser's event
stream under a node budget, standard tags only (:mod:`.yaml_events`); every key and value
keeps its file:line:col in a :class:`SourceMap` (:mod:`.sourcemap`). ``extends:`` merges a
file over its base, inside the scenario's folder unless allowed (:mod:`.extends`), and
``--set`` overrides apply on top (:mod:`.overrides`). Importers use this module's names.
"""

from __future__ import annotations

from sim.errors import format_key_path
from sim.scenario.loader.extends import ALLOW_OUTSIDE_ENV, extends_outside_allowed, read_yaml
from sim.scenario.loader.overrides import apply_overrides
from sim.scenario.loader.reader import (
    DEFAULT_MAX_INPUT_BYTES,
    MAX_INPUT_ENV,
    InputRefused,
    decode_text,
    max_input_bytes,
    read_input,
)
from sim.scenario.loader.sourcemap import Path_, Position, SourceMap
from sim.scenario.loader.yaml_events import (
    DEFAULT_MAX_YAML_NODES,
    MAX_NODES_ENV,
    MAX_YAML_DEPTH,
    max_yaml_nodes,
    parse_yaml,
)

__all__ = [
    "ALLOW_OUTSIDE_ENV",
    "DEFAULT_MAX_INPUT_BYTES",
    "MAX_INPUT_ENV",
    "DEFAULT_MAX_YAML_NODES",
    "MAX_NODES_ENV",
    "MAX_YAML_DEPTH",
    "InputRefused",
    "Path_",
    "Position",
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
