"""Spec transforms only: the catalogue of edge cases and sensor perturbations
(:mod:`sim.perturb.catalog`, :mod:`sim.perturb.edge_cases`) and their injection into a
resolved scenario (:mod:`sim.perturb.apply`). The image effects of the sensor entries run
in :mod:`sim.render.effects`; sweeps and edge-case previews are in :mod:`sim.studies`.
See docs/perturbations.md."""
