"""sim's semantic classes as SemanticKITTI label ids, and the ``.label`` encoding.

A SemanticKITTI ``.label`` file holds one little-endian uint32 per point: the semantic id
in the low 16 bits, the instance id in the high 16 (Behley et al. 2019,
semantic-kitti-api ``config/semantic-kitti.yaml`` for the id table). sim's ids map to the
static classes (10 car, 11 bicycle, 13 bus, 15 motorcycle, 18 truck, 30 person, 40 road,
48 sidewalk, 50 building, 51 fence, 60 lane-marking, 70 vegetation, 72 terrain, 80 pole,
81 traffic-sign, 99 other-object); the "moving-*" ids (252..259) are not used. sim's
two-wheelers carry their rider in the same class, so a rider is labelled 11 / 15 with the
vehicle, not 31 / 32. The instance id is sim's object id (the camera masks' value), 0 for
the static scene.
"""

from __future__ import annotations

import numpy as np

from sim.classes import CLASSES

SEMANTIC_KITTI_ID: dict[str, int] = {
    "sky": 0,
    "road": 40,
    "lane_marking": 60,
    "sidewalk": 48,
    "terrain": 72,
    "building": 50,
    "vegetation": 70,
    "pole": 80,
    "traffic_sign": 81,
    "traffic_light": 99,
    "barrier": 51,
    "car": 10,
    "van": 10,  # SemanticKITTI's "car" includes vans with a continuous body
    "truck": 18,
    "bus": 13,
    "motorcycle": 15,
    "bicycle": 11,
    "pedestrian": 30,
    "traffic_cone": 99,
    "debris": 99,
    "animal": 99,
}
"""sim class name -> SemanticKITTI label id."""

_LUT = np.zeros(256, dtype=np.uint32)
for _c in CLASSES:
    _LUT[_c.id] = SEMANTIC_KITTI_ID[_c.name]


def label_words(semantic: np.ndarray, instance: np.ndarray) -> np.ndarray:
    """(N,) uint32 ``.label`` words of points with sim class ids ``semantic`` (N,) and object
    ids ``instance`` (N,) (< 2^16)."""
    sem = _LUT[np.asarray(semantic, dtype=np.intp)]
    inst = np.asarray(instance, dtype=np.uint32)
    if inst.size and int(inst.max()) > 0xFFFF:
        raise ValueError("instance ids must fit in 16 bits")
    return (sem | (inst << np.uint32(16))).astype("<u4")
