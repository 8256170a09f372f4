"""Draw and apply the perturbations a scenario asks for (:mod:`sim.pipeline` calls it).

For each entry of ``perturbations`` in file order, with the run's ``perturb`` generator:
one uniform draw decides whether the episode gets it (``u < rate``), then every parameter
is drawn (always, applied or not, so one entry's outcome never shifts another's draws).
Scenario perturbations change the resolved scenario; sensor ones are applied to images by
the episode writer. The resolved scenario keeps only the applied entries, with their drawn
parameters and ``applied: true`` -- so running ``scenario.resolved.yaml`` reproduces the
episode without applying anything twice.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.perturb.catalog import CATALOG, Perturbation
from sim.scenario.distributions import ParamRef
from sim.scenario.errors import suggest
from sim.scenario.loader import SourceMap
from sim.scenario.resolve import appearance
from sim.scenario.schema import PerturbationSpec, ScenarioSpec


def _draw(value: Any, rng: np.random.Generator, params: dict[str, Any]) -> float:
    if isinstance(value, ParamRef):
        return float(params[value.name])
    if hasattr(value, "sample"):
        return float(value.sample(rng))
    return float(value)


def lookup(name: str, src: SourceMap, path) -> Perturbation:
    pert = CATALOG.get(name)
    if pert is None:
        raise src.error(
            f"unknown perturbation {name!r}{suggest(name, CATALOG)} (known: {', '.join(CATALOG)})",
            path,
        )
    return pert


def apply_perturbations(
    spec: ScenarioSpec, catalog, rng: np.random.Generator, src: SourceMap
) -> ScenarioSpec:
    """``spec`` with its perturbations drawn and the scenario ones applied (see module doc)."""
    if not spec.perturbations:
        return spec
    records: list[PerturbationSpec] = []
    for i, req in enumerate(spec.perturbations):
        path = ("perturbations", i)
        pert = lookup(req.name, src, (*path, "name"))
        for key in req.params:
            if key not in pert.params:
                raise src.error(
                    f"{req.name} has no parameter {key!r}{suggest(key, pert.params)} "
                    f"(its parameters: {', '.join(pert.params)})",
                    (*path, "params", key),
                )
        if req.applied:  # from a resolved file: its changes are already in the scenario
            records.append(req)
            continue
        reason = pert.applicable(spec)
        if pert.kind == "scenario" and spec.road.opendrive is not None:
            reason = "changes the scenario on sim's own road model; not yet on a road.opendrive map"
        if reason is not None and float(req.rate) > 0:
            raise src.error(f"{req.name} {reason}", (*path, "name"))
        hit = float(rng.random()) < float(req.rate)
        drawn = {
            k: round(_draw(req.params.get(k, law), rng, spec.params), 6)
            for k, law in pert.params.items()
        }
        if not hit:
            continue
        if pert.kind == "scenario":
            spec = pert.apply(spec, drawn)
        records.append(PerturbationSpec(name=req.name, rate=1.0, params=drawn, applied=True))
    # vehicles a perturbation inserted get their variant and colour last, from the same stream

    spec = appearance(spec, catalog, rng)
    return spec.model_copy(update={"perturbations": records})


def applied_list(spec: ScenarioSpec) -> list[dict]:
    """The applied perturbations as meta.json lists them."""
    return [
        {"name": p.name, "kind": CATALOG[p.name].kind, "params": dict(p.params)}
        for p in spec.perturbations
        if p.applied
    ]
