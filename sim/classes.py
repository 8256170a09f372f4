"""The semantic classes table: one place that says what every class id means.

``id`` is the value in the semantic PNG (uint8). Classes with ``thing=True`` are countable
objects: they get instance ids, 2D/3D boxes and COCO/KITTI/YOLO labels. The others
(``stuff``) exist only in the semantic buffer. ``color`` is the documented viewing palette
(docs/output-format.md); ``kitti`` is the KITTI object type written for that class; COCO
category ids are assigned 1.. in the order of the thing classes below (0 is background).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ObjectClass:
    id: int
    name: str
    thing: bool
    color: tuple[int, int, int]
    kitti: str | None = None


CLASSES: tuple[ObjectClass, ...] = (
    ObjectClass(0, "sky", False, (70, 130, 180)),
    ObjectClass(1, "road", False, (128, 64, 128)),
    ObjectClass(2, "lane_marking", False, (255, 255, 255)),
    ObjectClass(3, "sidewalk", False, (244, 35, 232)),
    ObjectClass(4, "terrain", False, (152, 251, 152)),
    ObjectClass(5, "building", False, (70, 70, 70)),
    ObjectClass(6, "vegetation", False, (107, 142, 35)),
    ObjectClass(7, "pole", False, (153, 153, 153)),
    ObjectClass(8, "traffic_sign", False, (220, 220, 0)),
    ObjectClass(9, "traffic_light", False, (250, 170, 30)),
    ObjectClass(10, "barrier", False, (190, 153, 153)),
    ObjectClass(11, "car", True, (0, 0, 142), "Car"),
    ObjectClass(12, "van", True, (0, 60, 100), "Van"),
    ObjectClass(13, "truck", True, (0, 0, 70), "Truck"),
    ObjectClass(14, "bus", True, (0, 80, 100), "Misc"),
    ObjectClass(15, "motorcycle", True, (0, 0, 230), "Cyclist"),
    ObjectClass(16, "bicycle", True, (119, 11, 32), "Cyclist"),
    ObjectClass(17, "pedestrian", True, (220, 20, 60), "Pedestrian"),
    ObjectClass(18, "traffic_cone", True, (255, 120, 0), "Misc"),
    ObjectClass(19, "debris", True, (110, 80, 40), "Misc"),
    ObjectClass(20, "animal", True, (180, 120, 255), "Misc"),
)

BY_NAME: dict[str, ObjectClass] = {c.name: c for c in CLASSES}
BY_ID: dict[int, ObjectClass] = {c.id: c for c in CLASSES}
THING_CLASSES: tuple[ObjectClass, ...] = tuple(c for c in CLASSES if c.thing)
COCO_CATEGORY_ID: dict[str, int] = {c.name: i + 1 for i, c in enumerate(THING_CLASSES)}
"""COCO category id of each thing class, 1-based (several tools treat 0 as background)."""
YOLO_CLASS_INDEX: dict[str, int] = {c.name: i for i, c in enumerate(THING_CLASSES)}
"""YOLO class index of each thing class, 0-based."""


def palette() -> list[tuple[int, int, int]]:
    """256 RGB colours indexed by semantic id (unused ids black), for viewing semantic PNGs."""
    colors = [(0, 0, 0)] * 256
    for c in CLASSES:
        colors[c.id] = c.color
    return colors


def classes_table() -> list[dict]:
    """The table as written to meta.json."""
    return [
        {
            "id": c.id,
            "name": c.name,
            "thing": c.thing,
            "color": list(c.color),
            "kitti": c.kitti,
            "coco_id": COCO_CATEGORY_ID.get(c.name),
            "yolo_id": YOLO_CLASS_INDEX.get(c.name),
        }
        for c in CLASSES
    ]
