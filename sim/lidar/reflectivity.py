"""Diffuse reflectivity at the LiDAR's wavelength (905 nm, near infrared) per surface.

A face's reflectivity comes from its material (``MeshArrays.face_material``, a code into
``sim.render.textures.MATERIALS``) and, for ``plain`` faces, from its semantic class. The
figures are typical Lambertian reflectances at 905 nm, rounded: dry asphalt ~0.1, concrete
~0.3, vegetation bright in the near infrared (~0.4-0.5), white road paint ~0.5 (more when
retroreflective), retroreflective sign sheeting and licence plates near 1, glass and tyres
dark. They are sim's choice (a training-data simulator, not a radiometric one): what the
intensity channel gets right is which surfaces are bright and dark and how the angle of
incidence dims a return, not a calibrated unit's byte values.
"""

from __future__ import annotations

import numpy as np

from sim.classes import BY_NAME, CLASSES
from sim.render.textures import MATERIAL_INDEX, MATERIALS

MATERIAL_REFLECTIVITY: dict[str, float] = {
    "asphalt": 0.10,
    "shoulder": 0.12,
    "marking": 0.55,
    "kerb": 0.30,
    "sidewalk": 0.25,
    "grass": 0.40,
    "facade_brick": 0.30,
    "facade_plaster": 0.45,
    "facade_panel": 0.35,
    "window": 0.08,
    "roof": 0.20,
    "foliage": 0.45,
    "bark": 0.30,
    "concrete": 0.30,
    "metal": 0.40,
    "sign": 0.90,
    "paint": 0.50,
    "glass": 0.05,
    "rubber": 0.04,
    "chrome": 0.70,
    "trim": 0.10,
    "light": 0.60,
    "plate": 0.90,
}
"""Reflectivity of each material; ``plain`` faces use :data:`CLASS_REFLECTIVITY`."""

CLASS_REFLECTIVITY: dict[str, float] = {
    "sky": 0.0,
    "road": 0.10,
    "lane_marking": 0.55,
    "sidewalk": 0.25,
    "terrain": 0.35,
    "building": 0.30,
    "vegetation": 0.45,
    "pole": 0.35,
    "traffic_sign": 0.90,
    "traffic_light": 0.30,
    "barrier": 0.40,
    "car": 0.50,
    "van": 0.50,
    "truck": 0.50,
    "bus": 0.50,
    "motorcycle": 0.40,
    "bicycle": 0.30,
    "pedestrian": 0.40,
    "traffic_cone": 0.80,
    "debris": 0.25,
    "animal": 0.30,
}
"""Reflectivity of a ``plain`` face by its semantic class."""

WET_SURFACES = frozenset({"road", "lane_marking", "sidewalk"})
"""Classes a wet road (the ``rain`` perturbation's ``wetness``) darkens: water films turn
the diffuse return into a mirror-like one that goes away from the sensor."""
WET_LOSS = 0.6
"""Share of a wet surface's reflectivity lost at ``wetness`` 1 (linear in between)."""

_BY_MATERIAL = np.zeros(256)
for _name, _value in MATERIAL_REFLECTIVITY.items():
    _BY_MATERIAL[MATERIAL_INDEX[_name]] = _value
_BY_CLASS = np.zeros(256)
for _c in CLASSES:
    _BY_CLASS[_c.id] = CLASS_REFLECTIVITY[_c.name]
if set(MATERIAL_REFLECTIVITY) | {"plain"} != {m.name for m in MATERIALS}:
    raise RuntimeError("sim.lidar: every material needs a reflectivity")
_WET = np.zeros(256, dtype=bool)
for _name in WET_SURFACES:
    _WET[BY_NAME[_name].id] = True


def face_reflectivity(
    face_semantic: np.ndarray, face_material: np.ndarray | None, wetness: float = 0.0
) -> np.ndarray:
    """(F,) float64 reflectivity in [0, 1] of each face, from its material (or its class when
    the material is ``plain`` or absent); ``wetness`` (0..1) darkens road surfaces."""
    sem = np.asarray(face_semantic, dtype=np.intp)
    out = _BY_CLASS[sem]
    if face_material is not None:
        mat = np.asarray(face_material, dtype=np.intp)
        out = np.where(mat > 0, _BY_MATERIAL[mat], out)
    if wetness > 0.0:
        out = np.where(_WET[sem], out * (1.0 - WET_LOSS * min(float(wetness), 1.0)), out)
    return out
