"""Catalogs: ``CatalogReference`` elements resolved from the directories ``CatalogLocations``
names (relative to the .xosc file), with their ``ParameterAssignments``.

Each location (``VehicleCatalog``, ``PedestrianCatalog``, ``ControllerCatalog``,
``ManeuverCatalog``, ``RouteCatalog``, ``TrajectoryCatalog``, ``MiscObjectCatalog``,
``EnvironmentCatalog``) is a ``Directory``; every ``*.xosc`` regular file in it (at most
:data:`MAX_FILES`, each through sim's bounded reader) that holds a ``<Catalog name=...>``
contributes its entries. A reference names the catalog (``catalogName``) and the entry
(``entryName``); the entry is copied, its parameters declared with the reference's
assignments (evaluated where the reference stands), and its expressions read in that scope.
A catalog that cannot be found is not an error: the caller falls back (an entity by its
entry name) and says so in the notes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from sim.scenario.xosc.params import Params, Value
from sim.scenario.xosc.xmldoc import Documents

MAX_FILES = 200  # catalog files read per directory
LOCATIONS = (
    "VehicleCatalog",
    "PedestrianCatalog",
    "ControllerCatalog",
    "ManeuverCatalog",
    "RouteCatalog",
    "TrajectoryCatalog",
    "MiscObjectCatalog",
    "EnvironmentCatalog",
)


class Catalogs:
    def __init__(
        self, docs: Documents, params: Params, root: ET.Element, base: Path, notes: list[str]
    ) -> None:
        self.docs = docs
        self.params = params
        self.notes = notes
        self.dirs: list[tuple[str, Path]] = []
        self.catalogs: dict[str, ET.Element] | None = None  # name -> <Catalog>, read lazily
        self.files_read: list[str] = []
        loc = root.find("CatalogLocations")
        for kind in LOCATIONS:
            el = loc.find(f"{kind}/Directory") if loc is not None else None
            if el is not None:
                path = params.text(el, "path")
                if path:
                    self.dirs.append((kind, (base / path)))

    def _load(self) -> dict[str, ET.Element]:
        if self.catalogs is not None:
            return self.catalogs
        self.catalogs = {}
        seen: set[Path] = set()
        for kind, folder in self.dirs:
            if folder.resolve() in seen:  # several kinds often share one folder
                continue
            seen.add(folder.resolve())
            if folder.is_file() and folder.suffix == ".xosc":
                files = [folder]
            elif folder.is_dir():
                files = sorted(p for p in folder.iterdir() if p.suffix == ".xosc")
            else:
                self.notes.append(f"{kind} directory {folder} not found")
                continue
            if len(files) > MAX_FILES:
                self.notes.append(f"{kind}: only the first {MAX_FILES} of {len(files)} files read")
                files = files[:MAX_FILES]
            for f in files:
                if not f.is_file():
                    continue
                root = self.docs.parse(f)
                self.files_read.append(f.name)
                for cat in root.findall("Catalog"):
                    name = cat.get("name", "")
                    if name in self.catalogs:
                        self.catalogs[name].extend(list(cat))
                    else:
                        self.catalogs[name] = cat
        return self.catalogs

    def resolve(self, ref: ET.Element) -> ET.Element | None:
        """The entry ``ref`` names, copied and with its parameters assigned; None (and a
        note) when no catalog holds it."""
        cat_name = self.params.text(ref, "catalogName", "")
        entry_name = self.params.text(ref, "entryName", "")
        catalog = self._load().get(cat_name)
        if catalog is None:
            self.notes.append(
                f"catalog {cat_name!r} not found ({self.docs.where(ref)}); "
                f"entry {entry_name!r} read by its name only"
            )
            return None
        entry = next((e for e in catalog if self.params.text(e, "name") == entry_name), None)
        if entry is None:
            raise self.docs.error(ref, f"catalog {cat_name!r} has no entry {entry_name!r}")
        assigned: dict[str, Value] = {}
        for a in ref.findall("./ParameterAssignments/ParameterAssignment"):
            name = (self.params.text(a, "parameterRef") or "").lstrip("$")
            value = self.params.value(a, "value")
            if not name or value is None:
                raise self.docs.error(a, "<ParameterAssignment> needs parameterRef and value")
            assigned[name] = value
        dup = self.docs.copy(entry, ref)
        declared = {
            (d.get("name") or "").lstrip("$")
            for d in dup.findall("./ParameterDeclarations/ParameterDeclaration")
        }
        unknown = sorted(set(assigned) - declared)
        if unknown:
            raise self.docs.error(
                ref, f"entry {entry_name!r} declares no parameter {', '.join(unknown)}"
            )
        self.params.declare(dup, dup.find("ParameterDeclarations"), assigned)
        for el in dup.iter():
            block = el.find("ParameterDeclarations")
            if el is not dup and block is not None:
                self.params.declare(el, block)
        return dup
