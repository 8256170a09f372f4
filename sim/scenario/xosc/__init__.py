"""Import ASAM OpenSCENARIO 1.x (.xosc) files as sim scenarios.

The parts, in the order an import runs them:

* :mod:`.xmldoc` -- the file through sim's bounded reader, parsed without DTDs or entities,
  every element's line kept for errors;
* :mod:`.params` and :mod:`.expr` -- typed parameter declarations, scopes, ``$name`` and
  ``${...}`` expressions in every attribute (a hand-written evaluator, no ``eval``);
* :mod:`.catalogs` -- ``CatalogReference`` s from the ``CatalogLocations`` directories;
* :mod:`.entities` -- entities -> sim assets;
* :mod:`.road` -- the OpenDRIVE road of the ego's start as sim's road (through
  :mod:`sim.road.opendrive.bridge`), or the reason it cannot be;
* :mod:`.positions`, :mod:`.actions`, :mod:`.conditions`, :mod:`.globals` -- Init and story
  -> positions, maneuvers, triggers, environment;
* :mod:`.importer` -- the scenario mapping and its notes;
* :mod:`.distribution` -- parameter value distribution files -> parameter sets or sim
  distributions.

The road is the ``.xodr`` road of the ego's start where the bridge can make it a sim road;
else a straight road with the lanes the positions need stands in for it (the notes say which
and why). docs/openscenario.md lists what is supported, approximated and dropped.
"""

from __future__ import annotations

from sim.scenario.xosc.distribution import import_set, is_distribution
from sim.scenario.xosc.expr import ExpressionError, evaluate
from sim.scenario.xosc.importer import Imported, import_xosc, notes_header
from sim.scenario.xosc.xmldoc import OpenScenarioError

__all__ = [
    "ExpressionError",
    "Imported",
    "OpenScenarioError",
    "evaluate",
    "import_set",
    "import_xosc",
    "is_distribution",
    "notes_header",
]
