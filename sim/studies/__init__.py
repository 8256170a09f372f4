"""Studies: orchestration over many episodes or over an episode's files, above the dataset
layer. :mod:`sim.studies.sweep` (many traffic-only draws of a scenario, criticality search
by the cross-entropy method), :mod:`sim.studies.showcase` (one short preview episode per
edge case, ``python -m sim edge-cases``) and :mod:`sim.studies.preview` (an MP4 and a
contact sheet of an episode folder, ``python -m sim preview``). See docs/perturbations.md
and docs/architecture.md."""
