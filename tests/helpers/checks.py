"""Checks of an episode folder against the output contract (docs/output-format.md).

Used by the end-to-end tests; every check reads the files, as a user's tooling would.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from pathlib import Path

import cv2
import numpy as np
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from sim.classes import BY_ID, COCO_CATEGORY_ID
from sim.dataset.io import read_png


def load_json(path: Path):
    return json.loads(path.read_text())


def check_manifest(root: Path) -> dict:
    manifest = load_json(root / "manifest.json")
    listed = {f["path"] for f in manifest["files"]}
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {
        "manifest.json"
    }
    assert listed == on_disk, f"manifest differs from disk: {sorted(listed ^ on_disk)[:5]}"
    for f in manifest["files"]:
        data = (root / f["path"]).read_bytes()
        assert len(data) == f["size"], f["path"]
        assert hashlib.sha256(data).hexdigest() == f["sha256"], f["path"]
    return manifest


def check_frames(root: Path) -> dict:
    """Labels agree with the buffers to the pixel; returns counts for further assertions."""
    meta = load_json(root / "meta.json")
    ids_in_tracks = {int(r["id"]) for r in csv.DictReader(open(root / "tracks.csv"))}
    class_ids = {c["id"] for c in meta["classes"]}
    stats = {"labels": 0, "partly_hidden": 0, "frames": 0}
    for cam in meta["cameras"]:
        name = cam["name"]
        K = np.array(cam["K"])
        for k in range(cam["frames"]):
            stem = f"{k:06d}"
            rgb = read_png(root / "frames" / name / "rgb" / f"{stem}.png")
            depth = read_png(root / "frames" / name / "depth" / f"{stem}.png")
            sem = read_png(root / "frames" / name / "semantic" / f"{stem}.png")
            inst = read_png(root / "frames" / name / "instance" / f"{stem}.png")
            assert rgb.shape == (cam["height"], cam["width"], 3) and rgb.dtype == np.uint8
            assert depth.dtype == np.uint16 and inst.dtype == np.uint16 and sem.dtype == np.uint8
            assert set(np.unique(sem).tolist()) <= class_ids
            assert set(np.unique(inst).tolist()) - {0} <= ids_in_tracks
            labels = load_json(root / "labels" / name / f"{stem}.json")
            stats["frames"] += 1
            labelled = set()
            for obj in labels["objects"]:
                mask = inst == obj["id"]
                ys, xs = np.nonzero(mask)
                assert obj["pixels"] == len(xs) >= meta["min_pixels"]
                assert obj["box2d"] == [
                    int(xs.min()),
                    int(ys.min()),
                    int(xs.max()) + 1,
                    int(ys.max()) + 1,
                ]
                # every instance pixel carries the object's class in the semantic buffer
                assert np.all(
                    sem[mask] == next(c["id"] for c in meta["classes"] if c["name"] == obj["cls"])
                )
                assert 0 < obj["visible_fraction"] <= 1 and obj["pixels"] <= obj["amodal_pixels"]
                _check_depth_inside_box(obj, depth, mask, K, cam.get("lens"))
                ax0, ay0, ax1, ay1 = obj["box2d_amodal"]
                x0, y0, x1, y1 = obj["box2d"]
                # a pixel counts when its centre is covered: box2d may pass the projected
                # box's edge by less than half a pixel, never more
                assert ax0 < x0 + 0.5 and ay0 < y0 + 0.5 and ax1 > x1 - 0.5 and ay1 > y1 - 0.5
                labelled.add(obj["id"])
                stats["labels"] += 1
                if obj["visible_fraction"] < 0.95 and obj["truncation"] == 0.0:
                    stats["partly_hidden"] += 1
            # objects with enough pixels are all labelled; no label without pixels
            counts = np.bincount(inst.ravel())
            enough = {i for i in np.nonzero(counts >= meta["min_pixels"])[0].tolist() if i != 0}
            assert enough == labelled, (name, k, enough ^ labelled)
    return stats


def _check_depth_inside_box(
    obj: dict, depth_mm: np.ndarray, mask: np.ndarray, K: np.ndarray, lens: dict | None = None
) -> None:
    """Back-project the object's pixels with their depth: all inside its 3D box (through
    OpenCV's undistortion when the camera has a lens distortion)."""
    ys, xs = np.nonzero(mask & (depth_mm < 65535))
    if len(xs) == 0:
        return
    z = depth_mm[ys, xs] / 1000.0
    if lens is None:
        nx, ny = (xs - K[0, 2]) / K[0, 0], (ys - K[1, 2]) / K[1, 1]
    else:
        uv = np.c_[xs, ys].astype(np.float64).reshape(-1, 1, 2)
        crit = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 100, 1e-12)
        D = np.array(lens["opencv"])
        if lens["model"] == "fisheye":
            n = cv2.fisheye.undistortPoints(uv, K, D, R=np.eye(3), P=np.eye(3), criteria=crit)
        else:
            n = cv2.undistortPoints(uv, K, D, R=np.eye(3), P=np.eye(3), criteria=crit)
        nx, ny = n[:, 0, 0], n[:, 0, 1]
    pts = np.stack((nx * z, ny * z, z), axis=1)
    w, qx, qy, qz = obj["box3d"]["quaternion"]
    R = np.array(
        [
            [1 - 2 * (qy * qy + qz * qz), 2 * (qx * qy - w * qz), 2 * (qx * qz + w * qy)],
            [2 * (qx * qy + w * qz), 1 - 2 * (qx * qx + qz * qz), 2 * (qy * qz - w * qx)],
            [2 * (qx * qz - w * qy), 2 * (qy * qz + w * qx), 1 - 2 * (qx * qx + qy * qy)],
        ]
    )
    local = (pts - np.array(obj["box3d"]["center"])) @ R  # camera -> object axes
    half = np.array(obj["box3d"]["size"]) / 2
    # depth is quantised to 1 mm; a pixel's ray meets the surface within that (and rounding)
    slack = 0.002 + 0.0006 * z[:, None]
    assert np.all(np.abs(local) <= half + slack), f"object {obj['id']}: depth outside its 3D box"


def check_coco(root: Path) -> int:
    meta = load_json(root / "meta.json")
    n = 0
    for cam in meta["cameras"]:
        coco = COCO(str(root / "coco" / f"{cam['name']}.json"))
        assert len(coco.getImgIds()) == cam["frames"]
        assert {c["id"] for c in coco.loadCats(coco.getCatIds())} == set(COCO_CATEGORY_ID.values())
        for ann in coco.loadAnns(coco.getAnnIds()):
            img = coco.loadImgs(ann["image_id"])[0]
            m = coco.annToMask(ann)
            inst = read_png(root / img["file_name"].replace("/rgb/", "/instance/"))
            np.testing.assert_array_equal(m.astype(bool), inst == ann["track_id"])
            ys, xs = np.nonzero(m)
            assert ann["bbox"] == [
                float(xs.min()),
                float(ys.min()),
                float(xs.max() - xs.min() + 1),
                float(ys.max() - ys.min() + 1),
            ]
            assert ann["area"] == len(xs) and isinstance(ann["area"], int)
            assert list(mask_utils.toBbox(ann["segmentation"])) == ann["bbox"]
            n += 1
    return n


def check_kitti(root: Path) -> int:
    meta = load_json(root / "meta.json")
    kitti_types = {
        "Car",
        "Van",
        "Truck",
        "Pedestrian",
        "Person_sitting",
        "Cyclist",
        "Tram",
        "Misc",
        "DontCare",
    }
    n = 0
    for cam in meta["cameras"]:
        base = root / "kitti" / cam["name"]
        for k in range(cam["frames"]):
            stem = f"{k:06d}"
            calib = {}
            for line in (base / "calib" / f"{stem}.txt").read_text().splitlines():
                key, _, values = line.partition(":")
                calib[key] = np.array([float(v) for v in values.split()])
            lens = cam.get("lens")
            extra = {f"D_{lens['model']}"} if lens else set()
            assert set(calib) == {
                "P0",
                "P1",
                "P2",
                "P3",
                "R0_rect",
                "Tr_velo_to_cam",
                "Tr_imu_to_velo",
                *extra,
            }
            if lens:
                np.testing.assert_allclose(calib[f"D_{lens['model']}"], lens["opencv"])
            P2 = calib["P2"].reshape(3, 4)
            np.testing.assert_allclose(P2[:, :3], np.array(cam["K"]))
            labels = load_json(root / "labels" / cam["name"] / f"{stem}.json")["objects"]
            lines = (base / "label_2" / f"{stem}.txt").read_text().splitlines()
            assert len(lines) == len(labels)
            assert (base / "image_2" / f"{stem}.png").read_bytes() == (
                root / "frames" / cam["name"] / "rgb" / f"{stem}.png"
            ).read_bytes()
            for line, obj in zip(lines, labels, strict=True):
                f = line.split()
                assert len(f) == 15 and f[0] in kitti_types
                trunc, occ, alpha = float(f[1]), int(f[2]), float(f[3])
                left, top, right, bottom = map(float, f[4:8])
                h, w, length = map(float, f[8:11])
                x, y, z, ry = map(float, f[11:15])
                assert 0 <= trunc <= 1 and occ in (0, 1, 2, 3) and -math.pi <= alpha <= math.pi
                assert [left, top, right, bottom] == [float(v) for v in obj["box2d"]]
                # P2 reproduces the projection: the KITTI box's 8 corners, projected with
                # P2, span the amodal box (pixel-edge = P2 pixel + 0.5) up to the rounding
                # of the 2-decimal fields
                if obj["truncation"] == 0.0 and not lens:  # P2 alone: a pinhole
                    c, s_ = math.cos(ry), math.sin(ry)
                    corners = np.array(
                        [
                            [dx, dy, dz]
                            for dx in (-length / 2, length / 2)
                            for dy in (0.0, -h)
                            for dz in (-w / 2, w / 2)
                        ]
                    )
                    R = np.array([[c, 0, s_], [0, 1, 0], [-s_, 0, c]])
                    pts = corners @ R.T + (x, y, z)
                    if pts[:, 2].min() > 1.0:
                        uvw = np.c_[pts, np.ones(8)] @ P2.T
                        u, v = uvw[:, 0] / uvw[:, 2] + 0.5, uvw[:, 1] / uvw[:, 2] + 0.5
                        ax0, ay0, ax1, ay1 = obj["box2d_amodal"]
                        tol = 1.0 + 0.02 * max(ax1 - ax0, ay1 - ay0)
                        assert abs(u.min() - ax0) < tol and abs(u.max() - ax1) < tol, (
                            line,
                            obj["box2d_amodal"],
                        )
                        assert abs(v.min() - ay0) < tol and abs(v.max() - ay1) < tol, (
                            line,
                            obj["box2d_amodal"],
                        )
                assert (
                    abs(h - obj["box3d"]["size"][2]) < 0.006
                    and abs(length - obj["box3d"]["size"][0]) < 0.006
                )
                n += 1
    return n


def class_names(meta: dict) -> dict[int, str]:
    return {c["id"]: c["name"] for c in meta["classes"]}


__all__ = [
    "BY_ID",
    "check_coco",
    "check_frames",
    "check_kitti",
    "check_manifest",
    "class_names",
    "load_json",
]
