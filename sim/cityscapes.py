"""Cityscapes' label ids for sim's semantic classes (the ``cityscapes`` output format).

Cityscapes (Cordts et al. 2016; ``cityscapesscripts.helpers.labels``) numbers 34 labels by
``labelId`` (0-33, the ids of its ``*_gtFine_labelIds.png``) and maps the 19 it evaluates to
``trainId`` 0-18; every other label has trainId 255 (ignored in training and evaluation).
:data:`CITYSCAPES_OF` names the Cityscapes label each sim class is written as; the ids come
from :data:`LABELS`, a copy of the rows of Cityscapes' table that sim uses
(tests/dataset/test_cityscapes.py checks them against ``cityscapesscripts``).

Choices where the two vocabularies differ (docs/output-format.md):

- ``lane_marking`` is ``road``: Cityscapes has no marking class, its road includes them;
- ``van`` is ``car`` (Cityscapes' car covers vans and SUVs);
- ``barrier`` is ``guard rail`` (trainId 255: Cityscapes does not train on it);
- ``motorcycle`` and ``bicycle`` are the vehicle classes; sim's meshes of ridden two-wheelers
  carry the rider under the same class, so Cityscapes' separate ``rider`` never appears;
- ``traffic_cone`` and ``animal`` are ``dynamic``, ``debris`` is ``static`` (both 255).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.classes import CLASSES


class CityscapesLabel(NamedTuple):
    name: str
    label_id: int
    train_id: int  # 255: ignored
    has_instances: bool


LABELS: dict[str, CityscapesLabel] = {
    row.name: row
    for row in (
        CityscapesLabel("static", 4, 255, False),
        CityscapesLabel("dynamic", 5, 255, False),
        CityscapesLabel("road", 7, 0, False),
        CityscapesLabel("sidewalk", 8, 1, False),
        CityscapesLabel("building", 11, 2, False),
        CityscapesLabel("guard rail", 14, 255, False),
        CityscapesLabel("pole", 17, 5, False),
        CityscapesLabel("traffic light", 19, 6, False),
        CityscapesLabel("traffic sign", 20, 7, False),
        CityscapesLabel("vegetation", 21, 8, False),
        CityscapesLabel("terrain", 22, 9, False),
        CityscapesLabel("sky", 23, 10, False),
        CityscapesLabel("person", 24, 11, True),
        CityscapesLabel("car", 26, 13, True),
        CityscapesLabel("truck", 27, 14, True),
        CityscapesLabel("bus", 28, 15, True),
        CityscapesLabel("motorcycle", 32, 17, True),
        CityscapesLabel("bicycle", 33, 18, True),
    )
}
"""The rows of Cityscapes' label table that sim's classes map to, by Cityscapes name."""

UNLABELED = CityscapesLabel("unlabeled", 0, 255, False)
"""Where a semantic id is no sim class (never, for sim's own buffers)."""

CITYSCAPES_OF: dict[str, str] = {
    "sky": "sky",
    "road": "road",
    "lane_marking": "road",
    "sidewalk": "sidewalk",
    "terrain": "terrain",
    "building": "building",
    "vegetation": "vegetation",
    "pole": "pole",
    "traffic_sign": "traffic sign",
    "traffic_light": "traffic light",
    "barrier": "guard rail",
    "car": "car",
    "van": "car",
    "truck": "truck",
    "bus": "bus",
    "motorcycle": "motorcycle",
    "bicycle": "bicycle",
    "pedestrian": "person",
    "traffic_cone": "dynamic",
    "debris": "static",
    "animal": "dynamic",
}
"""sim class name -> the Cityscapes label it is written as."""


def _lut(field: str) -> np.ndarray:
    lut = np.full(256, getattr(UNLABELED, field), dtype=np.uint8)
    for c in CLASSES:
        lut[c.id] = getattr(LABELS[CITYSCAPES_OF[c.name]], field)
    return lut


LABEL_ID_LUT = _lut("label_id")
"""(256,) uint8: sim semantic id -> Cityscapes labelId."""
TRAIN_ID_LUT = _lut("train_id")
"""(256,) uint8: sim semantic id -> Cityscapes trainId (255: ignore)."""


def instance_ids(semantic: np.ndarray, instance: np.ndarray) -> np.ndarray:
    """(H, W) uint16 Cityscapes ``instanceIds``: ``labelId * 1000 + k`` on the pixels of the
    k-th object (0-based, by sim id) of a class with instances, ``labelId`` elsewhere."""
    label = LABEL_ID_LUT[semantic].astype(np.uint16)
    out = label.copy()
    has = np.zeros(256, dtype=bool)
    for c in CLASSES:
        has[c.id] = LABELS[CITYSCAPES_OF[c.name]].has_instances
    things = has[semantic] & (instance > 0)
    if things.any():
        for lab in np.unique(label[things]):
            here = things & (label == lab)
            ids, k = np.unique(instance[here], return_inverse=True)
            out[here] = lab * 1000 + k.astype(np.uint16)
            if len(ids) > 999:
                raise ValueError(f"more than 999 objects of Cityscapes label {lab} in a frame")
    return out


def classes_mapping() -> list[dict]:
    """The mapping as a table (for docs and meta): sim class -> Cityscapes name and ids."""
    return [
        {
            "sim": c.name,
            "cityscapes": CITYSCAPES_OF[c.name],
            "label_id": LABELS[CITYSCAPES_OF[c.name]].label_id,
            "train_id": LABELS[CITYSCAPES_OF[c.name]].train_id,
        }
        for c in CLASSES
    ]
