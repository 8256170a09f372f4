"""Numba kernels of the traffic engine, by concern. Bundles of arrays in; no objects.

One step is a handful of kernel calls whatever the number of agents:

1. :mod:`.motion` ``_step``: (phase 1) every agent decides from the same frozen state:
   IDM acceleration (or a scripted override) and pure-pursuit steering; (phase 2) every
   agent moves with the kinematic bicycle; then lane coordinates are refreshed by walking
   the reference line from the previous ``s`` and finished lane changes are closed.
2. :mod:`.ordering` ``_refresh`` keeps the per-lane ordering (key ``lane * stride + s``)
   sorted by insertion sort -- the order barely changes between steps, so this is O(N) --
   and reads every agent's leader and gap off it. No all-pairs loop anywhere.
3. :mod:`.lane_change` ``_mobil`` (only when some agent has MOBIL on, or a lane ends)
   decides lane changes from the same order.
4. :mod:`.collisions` ``_collisions`` finds overlapping boxes through a uniform grid whose
   cell order is kept by the same insertion sort, then tests candidates with the
   separating-axis theorem (:func:`sim.geometry.obb_overlap_cs`).

:mod:`.bundles` names what the kernels take (``Roads``, ``Agents``, ``Idm``, ``Limits``,
``LanePath``, ``MobilParams``, ``Traffic``, ``Boxes``, ``Grid``); :mod:`.shared` holds what
they share (the twin compilation, the insertion sort, IDM). Kernels that may run threaded
are compiled twice, ``_name`` (serial) and ``_name_parallel``; :mod:`.checked` has the
public wrappers that validate and call them. Each kernel has a slow, readable twin in
tests/naive.py and a test comparing the two (tests/traffic/).
"""

from __future__ import annotations

from sim.traffic.kernels.bundles import (
    DTYPES,
    Agents,
    Boxes,
    Grid,
    Idm,
    LanePath,
    Limits,
    MobilParams,
    Roads,
    Traffic,
    validate,
)
from sim.traffic.kernels.checked import collision_pairs, find_collisions, mobil, refresh, step

__all__ = [
    "DTYPES",
    "Agents",
    "Boxes",
    "Grid",
    "Idm",
    "LanePath",
    "Limits",
    "MobilParams",
    "Roads",
    "Traffic",
    "collision_pairs",
    "find_collisions",
    "mobil",
    "refresh",
    "step",
    "validate",
]
