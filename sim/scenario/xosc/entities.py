"""Entities -> sim assets: a ``Vehicle``'s name and ``vehicleCategory``, a ``Pedestrian``'s
category, a ``MiscObject``'s category and name; a ``CatalogReference`` is resolved first (an
entry that cannot be found is judged by the words of its entry name)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sim.scenario.xosc.context import Ctx

_SIM_VEHICLES = ("hatchback", "pickup", "sedan", "suv", "van", "truck", "bus")
_WORDS = (
    ("truck", "truck"),
    ("lorry", "truck"),
    ("trailer", "truck"),
    ("bus", "bus"),
    ("van", "van"),
    ("motorbike", "motorcycle_with_rider"),
    ("motorcycle", "motorcycle_with_rider"),
    ("bike", "bicycle_with_rider"),
    ("cycl", "bicycle_with_rider"),
    ("child", "pedestrian_child"),
    ("ped", "pedestrian_adult"),
    ("walker", "pedestrian_adult"),
    ("person", "pedestrian_adult"),
    ("dog", "dog"),
    ("deer", "deer"),
    ("cone", "traffic_cone"),
    ("barrier", "barrier"),
    ("box", "cardboard_box"),
    ("tire", "tire"),
    ("tyre", "tire"),
    ("pallet", "pallet"),
    ("ball", "ball"),
)
_CATEGORY = {
    "truck": "truck",
    "trailer": "truck",
    "semitrailer": "truck",
    "bus": "bus",
    "van": "van",
    "motorbike": "motorcycle_with_rider",
    "bicycle": "bicycle_with_rider",
}
_MISC = {
    "barrier": "barrier",
    "guardRail": "barrier",
    "tree": "tree",
    "vegetation": "tree",
    "building": "building",
    "pole": "street_lamp",
    "streetLamp": "street_lamp",
    "trafficIsland": "barrier",
}
MOVING = ("vehicle", "pedestrian")


def _by_words(name: str) -> str | None:
    low = name.lower()
    for asset in _SIM_VEHICLES:
        if asset in low:
            return asset
    for word, asset in _WORDS:
        if word in low:
            return asset
    return None


def length_of(ctx: Ctx, obj: ET.Element) -> float | None:
    """The bounding box length [m] the file gives (the first one in the object or entry)."""
    dims = next(obj.iter("Dimensions"), None)
    return ctx.num(dims, "length", None) if dims is not None else None


def asset_of(ctx: Ctx, obj: ET.Element) -> tuple[str, str, float | None]:
    """(sim asset, kind: vehicle / pedestrian / static, the file's length [m] or None) of a
    ScenarioObject."""
    asset, kind, entry = _asset_of(ctx, obj)
    return asset, kind, length_of(ctx, entry)


def _asset_of(ctx: Ctx, obj: ET.Element) -> tuple[str, str, ET.Element]:
    for child in obj:
        if child.tag == "Vehicle":
            name = ctx.text(child, "name", "") or ""
            cat = ctx.text(child, "vehicleCategory", "car") or "car"
            asset = _by_words(name) if cat == "car" else None
            asset = asset or _CATEGORY.get(cat) or _by_words(name) or "sedan"
            return asset, "vehicle", obj
        if child.tag == "Pedestrian":
            name = ctx.text(child, "name", "") or ""
            cat = ctx.text(child, "pedestrianCategory", "pedestrian")
            model = ctx.text(child, "model3d", "") or ctx.text(child, "model", "") or ""
            words = _by_words(f"{name} {model}")
            if cat == "animal":
                return (words if words in ("dog", "deer") else "dog"), "pedestrian", obj
            child_ped = words == "pedestrian_child"
            return ("pedestrian_child" if child_ped else "pedestrian_adult"), "pedestrian", obj
        if child.tag == "MiscObject":
            name = ctx.text(child, "name", "") or ""
            cat = ctx.text(child, "miscObjectCategory", "obstacle") or "obstacle"
            return _MISC.get(cat) or _by_words(name) or "barrier", "static", obj
        if child.tag == "CatalogReference":
            entry = ctx.catalogs.resolve(child)
            if entry is not None:
                holder = ET.Element("ScenarioObject")
                holder.append(entry)
                asset, kind, _ = _asset_of(ctx, holder)
                return asset, kind, entry
            words = _by_words(ctx.text(child, "entryName", "") or "")
            kind = (
                "pedestrian"
                if words and words.startswith(("pedestrian", "dog", "deer"))
                else "vehicle"
            )
            return words or "sedan", kind, obj
        if child.tag == "ExternalObjectReference":
            ctx.note(child, "ExternalObjectReference: a sedan")
            return "sedan", "vehicle", obj
    ctx.note(obj, f"entity {obj.get('name')!r}: no Vehicle/Pedestrian/MiscObject; a sedan")
    return "sedan", "vehicle", obj
