"""COCO instances, one file per camera: ``coco/<camera>.json``.

Masks are the visible instance pixels as compressed RLE (pycocotools); ``bbox`` is
``toBbox`` of that RLE, so it agrees with the mask exactly. Extra per-annotation keys:
track_id, visible_fraction, truncation, occlusion, bbox_amodal ([x, y, w, h]).
Category ids are 1-based (sim.classes.COCO_CATEGORY_ID).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pycocotools import mask as mask_utils

from sim.classes import COCO_CATEGORY_ID, THING_CLASSES
from sim.dataset.io import write_json
from sim.dataset.writers.base import FrameData, Writer
from sim.render.camera import CameraModel

_SUPERCATEGORY = {
    "pedestrian": "person",
    "bicycle": "two_wheeler",
    "motorcycle": "two_wheeler",
    "traffic_cone": "object",
    "debris": "object",
    "animal": "animal",
}


def categories() -> list[dict]:
    return [
        {
            "id": COCO_CATEGORY_ID[c.name],
            "name": c.name,
            "supercategory": _SUPERCATEGORY.get(c.name, "vehicle"),
        }
        for c in THING_CLASSES
    ]


def frame_annotations(frame: FrameData) -> list[dict]:
    """COCO annotations of one frame (ids and image_id are filled in by the writer)."""
    out = []
    instance = frame.buffers.instance
    for label in frame.labels:
        x0, y0, x1, y1 = label.box2d
        # encode only the label's box region of the mask, then place it in full-frame RLE
        mask = np.zeros(instance.shape, dtype=np.uint8, order="F")
        mask[y0:y1, x0:x1] = instance[y0:y1, x0:x1] == label.id
        rle = mask_utils.encode(mask)
        bbox = [float(v) for v in mask_utils.toBbox(rle)]
        area = int(mask_utils.area(rle))
        ax0, ay0, ax1, ay1 = label.box2d_amodal
        out.append(
            {
                "category_id": COCO_CATEGORY_ID[label.cls],
                "segmentation": {
                    "size": [int(s) for s in rle["size"]],
                    "counts": rle["counts"].decode("ascii"),
                },
                "area": area,
                "bbox": bbox,
                "iscrowd": 0,
                "track_id": label.id,
                "visible_fraction": round(label.visible_fraction, 6),
                "truncation": round(label.truncation, 6),
                "occlusion": label.occlusion,
                "bbox_amodal": [
                    round(ax0, 3),
                    round(ay0, 3),
                    round(ax1 - ax0, 3),
                    round(ay1 - ay0, 3),
                ],
            }
        )
    return out


class CocoWriter(Writer):
    """Encodes a frame's annotations in a writer thread (``write``), collects them in frame
    order (``add``) and writes one file per camera at the end (``finish``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.images: dict[str, list[dict]] = {}
        self.annotations: dict[str, list[dict]] = {}

    def write(self, frame: FrameData) -> list[dict]:
        return frame_annotations(frame)

    def add(self, frame: FrameData, annotations: list[dict]) -> None:
        cam = frame.camera.name
        images = self.images.setdefault(cam, [])
        anns = self.annotations.setdefault(cam, [])
        image_id = len(images) + 1
        images.append(
            {
                "id": image_id,
                "width": frame.camera.width,
                "height": frame.camera.height,
                "file_name": frame.rgb_path,
                "frame": frame.index,
                "t": round(frame.t, 9),
            }
        )
        for ann in annotations:
            anns.append({"id": len(anns) + 1, "image_id": image_id, **ann})

    def finish(self, cameras: Sequence[CameraModel]) -> None:
        for cam, images in self.images.items():
            write_json(
                self.root / "coco" / f"{cam}.json",
                {
                    "info": {"description": f"sim episode, camera {cam}", "version": "1.0"},
                    "images": images,
                    "annotations": self.annotations[cam],
                    "categories": categories(),
                },
            )
