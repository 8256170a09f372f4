"""Part names: the run-time contract between the GLB files and the renderer.

Every asset GLB has one node per part, named by one of :data:`PARTS`; the index of a name is
its code in ``MeshData.face_parts``. :mod:`sim.render.scene` maps parts to materials with
:data:`PART_INDEX`. The builder that fills parts with geometry (and the default colours)
is build-time code: :class:`sim.assetgen.parts.Parts`.
"""

from __future__ import annotations

PARTS: tuple[str, ...] = (
    "paint",
    "glass",
    "tyre",
    "rim",
    "trim",
    "light_front",
    "light_rear",
    "plate",
    "skin",
    "hair",
    "clothing_top",
    "clothing_bottom",
    "shoes",
    "metal",
    "concrete",
    "foliage",
    "bark",
    "lamp_red",
    "lamp_amber",
    "lamp_green",
    "sign_face",
    "window",
    "wall",
    "roof",
    "cone_orange",
    "cone_white",
    "fur",
    "wood",
    "cardboard",
)
"""Part names; the index of a name is its code in ``MeshData.face_parts``. Append only."""

PART_INDEX: dict[str, int] = {p: i for i, p in enumerate(PARTS)}
