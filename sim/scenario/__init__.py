"""Scenario files: load (with positions), validate, resolve distributions, check semantics.

Use::

    loaded = load_scenario("scenarios/cut_in.yaml")        # ScenarioError on bad input
    resolved = sim.pipeline.resolve_scenario(loaded, catalog, seed=7)  # every number fixed
    print(dump_resolved(resolved))

Resolution with perturbations lives in :mod:`sim.pipeline`, the layer above both this
package and :mod:`sim.perturb`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

from sim.scenario.checks import road_length, steps_per_frame
from sim.scenario.loader import SourceMap, apply_overrides, read_yaml
from sim.scenario.maps import resolve_map_file
from sim.scenario.resolve import _validate, check_param_refs
from sim.scenario.schema import ScenarioSpec, limit_problems

__all__ = [
    "ScenarioFile",
    "LoadedScenario",
    "ScenarioSpec",
    "dump_resolved",
    "load_scenario",
    "road_length",
    "steps_per_frame",
]


@dataclass(frozen=True)
class LoadedScenario:
    path: Path
    spec: ScenarioSpec
    source: SourceMap
    sha256: str  # of the file's bytes


def load_scenario(
    path: str | Path,
    overrides: list[str] | tuple[str, ...] = (),
    *,
    allow_extends_outside: bool | None = None,
) -> LoadedScenario:
    """Read and validate a scenario file; raises ScenarioError (with ``all_errors``).

    ``overrides``: ``key.path=value`` strings applied on top of the file (``--set``).
    ``allow_extends_outside``: may ``extends:`` leave the file's folder (default:
    ``$SIM_ALLOW_EXTENDS_OUTSIDE``; docs/scenario-format.md, "Reuse: extends").
    """
    return ScenarioFile(path, allow_extends_outside=allow_extends_outside).load(overrides)


class ScenarioFile:
    """A scenario file read once, loadable many times with different overrides (sweeps)."""

    def __init__(self, path: str | Path, *, allow_extends_outside: bool | None = None) -> None:
        self.path = Path(path)
        self.data, self.source = read_yaml(self.path, allow_outside=allow_extends_outside)
        self.sha256 = self.source.sha256  # of the bytes parsed: the file is read once

    def load(self, overrides: list[str] | tuple[str, ...] = ()) -> LoadedScenario:
        # overrides record their own positions: give each load its own copy of the map
        src: SourceMap = self.source.copy()
        data = apply_overrides(self.data, src, list(overrides)) if overrides else self.data
        spec = _validate(data, src)
        spec = resolve_map_file(spec, src, self.path)
        check_param_refs(spec, src)
        _check_limits(spec, src)
        return LoadedScenario(self.path, spec, src, self.sha256)


def _check_limits(spec: ScenarioSpec, src: SourceMap) -> None:
    problems = limit_problems(spec)
    if problems:
        path, message = problems[0]
        raise src.error(message, path)


def dump_resolved(spec: ScenarioSpec) -> str:
    """YAML text of a resolved scenario; loading it gives back the same scenario."""
    data = spec.model_dump(mode="json", exclude_none=True)
    if spec.background.count == 0 and spec.background.steady is None:
        data.pop("background", None)  # expanded into explicit actors bg_000, bg_001, ...
    junction = spec.road.junction
    if junction is not None and junction.signals is None:
        data["road"]["junction"]["signals"] = None  # "no lights" differs from the default plan
    if spec.road.opendrive is not None and not spec.road.opendrive.signals.states:
        data["road"]["opendrive"]["signals"].pop("states", None)  # (as before there were any)
    if spec.pedestrians.count == 0:
        data.pop("pedestrians", None)  # expanded into explicit walkers ped_000, ...
    if spec.cyclists.count == 0:
        data.pop("cyclists", None)  # expanded into explicit riders cy_000, ...
    data.pop("sweep", None)  # only `python -m sim sweep` reads it
    if not data.get("perturbations"):
        data.pop("perturbations", None)
    yaml = YAML(typ="rt")
    yaml.default_flow_style = None
    yaml.width = 100
    buf = io.StringIO()
    buf.write(f"# resolved scenario {spec.name!r}, seed {spec.seed}: every distribution sampled\n")
    yaml.dump(data, buf)
    return buf.getvalue()
