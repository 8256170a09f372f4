"""Procedural textures and materials, deterministic from the seed.

- :data:`MATERIALS` -- the material table: a per-face code in ``MeshArrays.face_material``
  names one (0: ``plain``, the old flat vertex colour); each says which texture it samples,
  how its faces get texture coordinates when the builder gave none (``box`` projection of
  world or object coordinates, ``fit`` to each face, ``vehicle`` fitted to the mesh's box),
  the texture's tile size [m] and the PBR factors;
- :func:`texture` -- a texture's image, generated once per (kind, variant) and process
  (numpy, tileable, mipmapped by OpenGL at upload);
- :class:`Appearance` -- one episode's choices: textures on or off, the texture variants and
  offsets, and each vehicle's paint, glass and dirt drawn within the scenario's ranges
  (:meth:`Appearance.agent_look`), all from one seed.

A texture multiplies the face's own colour (its mean is normalised to 1 in linear light), so
the colours the builders chose stay the mean tint of their surfaces.
"""

from __future__ import annotations

from sim.render.textures.materials import (
    MATERIAL_INDEX,
    MATERIALS,
    PART_MATERIAL,
    AgentLook,
    Appearance,
    Material,
    texture,
)

__all__ = [
    "MATERIALS",
    "MATERIAL_INDEX",
    "PART_MATERIAL",
    "AgentLook",
    "Appearance",
    "Material",
    "texture",
]
