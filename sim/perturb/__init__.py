"""Edge cases and sensor effects (:mod:`sim.perturb.catalog`), their injection into scenarios
(:mod:`sim.perturb.apply`), image effects (:mod:`sim.perturb.effects`) and sweeps with a
criticality search (:mod:`sim.perturb.sweep`). See docs/perturbations.md."""
