"""One scenario draw from start to end: ``resolve_scenario(loaded, catalog, seed)``.

    loaded = load_scenario("scenarios/cut_in.yaml")      # sim.scenario: read and validate
    resolved = resolve_scenario(loaded, catalog, seed=7)  # every number fixed, checked

The stages, each a plain function over the scenario spec:

1. :func:`sim.scenario.resolve.resolve`: parameters and distributions, then appearance
   (:func:`sim.scenario.resolve.appearance`), background vehicles and pedestrians;
2. :func:`sim.perturb.apply.apply_perturbations`: the edge cases and sensor effects the
   scenario asks for, drawn and applied (inserted actors get their appearance too);
3. :func:`sim.scenario.checks.check`: the semantic checks of the result.

Each stage draws from its own named child of the run's seed (``scenario``, ``appearance``,
``background``, ..., ``perturb``; :mod:`sim.seeding`), so same seed, same scenario. This
module is the one layer that knows both :mod:`sim.scenario` and :mod:`sim.perturb`, so the
scenario package never imports the perturbations built on it (the import contracts in
pyproject.toml).
"""

from __future__ import annotations

from sim.assets import Catalog
from sim.errors import ArgumentError
from sim.perturb.apply import apply_perturbations
from sim.scenario import LoadedScenario
from sim.scenario.checks import check
from sim.scenario.resolve import resolve
from sim.scenario.schema import ScenarioSpec
from sim.seeding import MAX_SEED, child_rng, root_seed

__all__ = ["resolve_scenario"]


def resolve_scenario(
    loaded: LoadedScenario, catalog: Catalog, seed: int | None = None
) -> ScenarioSpec:
    """Sample every distribution, apply the perturbations and check the result; same seed
    -> same scenario.

    ``seed`` (``--seed``; default the scenario's own ``seed``) must be an integer from 0 to
    MAX_SEED (2**53 - 1)."""
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED
    ):
        raise ArgumentError(
            f"expected an integer from 0 to {MAX_SEED}, found {seed!r}", argument="--seed"
        )
    resolved = resolve(loaded.spec, loaded.source, catalog, seed)
    perturb_rng = child_rng(root_seed(int(resolved.seed)), "perturb")
    resolved = apply_perturbations(resolved, catalog, perturb_rng, loaded.source)
    check(resolved, loaded.source, catalog)
    return resolved
