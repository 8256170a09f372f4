"""YOLO and KITTI-tracking writers and `python -m sim preview`, through the public entry point."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from sim.classes import THING_CLASSES, YOLO_CLASS_INDEX
from sim.dataset.io import read_png
from sim.dataset.writers.yolo import mask_polygon

from helpers.checks import check_frames, check_manifest, load_json
from helpers.episodes import run_sim
from helpers.paths import REPO

RIG = """sensors:
  cameras:
    - {name: front, width: 320, height: 180, hfov_deg: 90.0, rate: 10.0, mount: {x: 1.0, z: 1.5}}
    - {name: left, width: 160, height: 90, hfov_deg: 100.0, rate: 5.0,
       mount: {x: 0.0, y: 0.9, z: 1.5, yaw_deg: 90.0}}

outputs:
  formats: [native, yolo, kitti_tracking]
  min_pixels: 10
"""


@pytest.fixture(scope="module")
def episode(tmp_path_factory):
    """cut_in for 3 s filmed by a two-camera rig (front 10 Hz, left 5 Hz)."""
    tmp = tmp_path_factory.mktemp("ep")
    text = (REPO / "scenarios" / "cut_in.yaml").read_text()
    scenario = tmp / "cut_in_rig.yaml"
    scenario.write_text(text[: text.index("sensors:")] + RIG)
    out = tmp / "cut_in"
    proc = run_sim("run", str(scenario), "--out", str(out), "--quiet", "--set", "duration=3.0")
    assert proc.returncode == 0, proc.stderr
    assert "wrote 45 frames (2 cameras)" in proc.stdout
    check_manifest(out)
    return out


def _fill(poly_edge: np.ndarray, shape) -> np.ndarray:
    """Pixels whose centres the polygon's vertices (pixel-edge coordinates) run through, filled."""
    mask = np.zeros(shape, np.uint8)
    pts = np.rint(poly_edge - 0.5).astype(np.int32)
    cv2.fillPoly(mask, [pts], 1)
    return mask.astype(bool)


def test_every_camera_has_labels_that_agree_with_its_buffers(episode):
    meta = load_json(episode / "meta.json")
    assert [(c["name"], c["frames"]) for c in meta["cameras"]] == [("front", 30), ("left", 15)]
    assert check_frames(episode)["labels"] > 50


@pytest.mark.parametrize("camera", ["front", "left"])
def test_yolo_detection_and_segmentation_agree_with_labels_and_masks(episode, camera):
    meta = load_json(episode / "meta.json")
    cam = next(c for c in meta["cameras"] if c["name"] == camera)
    W, H = cam["width"], cam["height"]
    base = episode / "yolo" / camera
    checked = 0
    for task in ("detect", "segment"):
        data = (base / task / "data.yaml").read_text()
        assert (
            "path:" not in data  # no root: Ultralytics uses data.yaml's folder, from any cwd
            and "train: images\n" in data
            and f"nc: {len(THING_CLASSES)}\n" in data
        )
        assert all(f"  {YOLO_CLASS_INDEX[c.name]}: {c.name}\n" in data for c in THING_CLASSES)
    for k in range(cam["frames"]):
        stem = f"{k:06d}"
        objects = load_json(episode / "labels" / camera / f"{stem}.json")["objects"]
        inst = read_png(episode / "frames" / camera / "instance" / f"{stem}.png")
        rgb_bytes = (episode / "frames" / camera / "rgb" / f"{stem}.png").read_bytes()
        det = (base / "detect" / "labels" / f"{stem}.txt").read_text().splitlines()
        seg = (base / "segment" / "labels" / f"{stem}.txt").read_text().splitlines()
        assert len(det) == len(seg) == len(objects)
        for task in ("detect", "segment"):
            assert (base / task / "images" / f"{stem}.png").read_bytes() == rgb_bytes
        for d_line, s_line, obj in zip(det, seg, objects, strict=True):
            cls, xc, yc, w, h = d_line.split()
            assert int(cls) == YOLO_CLASS_INDEX[obj["cls"]]
            x0, y0, x1, y1 = obj["box2d"]
            np.testing.assert_allclose(
                [float(xc) * W, float(yc) * H, float(w) * W, float(h) * H],
                [(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0],
                atol=1e-3,
            )
            fields = s_line.split()
            assert int(fields[0]) == YOLO_CLASS_INDEX[obj["cls"]]
            xy = np.array([float(v) for v in fields[1:]]).reshape(-1, 2)
            assert len(xy) >= 3 and (xy >= 0).all() and (xy <= 1).all()
            poly = xy * (W, H)
            # the polygon stays inside the visible box and traces the mask
            assert poly[:, 0].min() >= x0 - 1e-3 and poly[:, 0].max() <= x1 + 1e-3
            assert poly[:, 1].min() >= y0 - 1e-3 and poly[:, 1].max() <= y1 + 1e-3
            mask = inst == obj["id"]
            if obj["pixels"] >= 50:
                filled = _fill(poly, mask.shape)
                iou = (filled & mask).sum() / (filled | mask).sum()
                assert iou > 0.9, (stem, obj["id"], iou)
            checked += 1
    assert checked >= 5


def test_mask_polygon_joins_parts_and_keeps_slivers():
    mask = np.zeros((20, 30), bool)
    mask[2:8, 2:10] = True  # big part
    mask[12:16, 20:24] = True  # small part
    mask[5:15, 27] = True  # one-pixel-wide sliver
    poly = mask_polygon(mask)
    filled = _fill(poly, mask.shape)
    assert (filled & mask).sum() == mask.sum()  # every part is traced
    assert poly[0].tolist() == poly[len(poly) - 1].tolist()  # ends at the anchor of the first part
    # the first part is the largest
    assert 2 <= poly[0][0] <= 10 and 2 <= poly[0][1] <= 8
    # the sliver became a 1-pixel-wide rectangle in pixel-edge coordinates
    assert any((abs(poly[:, 0] - 28.0) < 1e-9) & (abs(poly[:, 1] - 15.0) < 1e-9))


@pytest.mark.parametrize("camera", ["front", "left"])
def test_kitti_tracking_sequence(episode, camera):
    meta = load_json(episode / "meta.json")
    cam = next(c for c in meta["cameras"] if c["name"] == camera)
    base = episode / "kitti_tracking" / camera
    lines = (base / "label_02" / "0000.txt").read_text().splitlines()
    calib = dict(
        line.split(":", 1) for line in (base / "calib" / "0000.txt").read_text().splitlines()
    )
    P2 = np.array([float(v) for v in calib["P2"].split()]).reshape(3, 4)
    np.testing.assert_allclose(P2[:, :3], np.array(cam["K"]))
    by_frame: dict[int, list[list[str]]] = {}
    previous = -1
    for line in lines:
        f = line.split()
        assert len(f) == 17
        frame = int(f[0])
        assert frame >= previous  # frame order
        previous = frame
        by_frame.setdefault(frame, []).append(f)
    for k in range(cam["frames"]):
        objects = load_json(episode / "labels" / camera / f"{k:06d}.json")["objects"]
        rows = by_frame.get(k, [])
        assert [int(r[1]) for r in rows] == [o["id"] for o in objects]
        for r, obj in zip(rows, objects, strict=True):
            assert int(r[3]) in (0, 1, 2) and int(r[4]) == obj["occlusion"]
            assert (int(r[3]) == 0) == (obj["truncation"] == 0.0)
            assert [float(v) for v in r[6:10]] == [float(v) for v in obj["box2d"]]
            assert -math.pi <= float(r[5]) <= math.pi
        assert (base / "image_02" / "0000" / f"{k:06d}.png").is_file()


def test_preview_writes_video_and_contact_sheet(episode, tmp_path):
    out = tmp_path / "preview"
    proc = run_sim("preview", str(episode), "--out", str(out), "--sheet-frames", "6")
    assert proc.returncode == 0, proc.stderr
    assert "front: 30 frames" in proc.stdout and "left: 15 frames" in proc.stdout
    assert (out / "left.mp4").is_file() and (out / "left_sheet.png").is_file()
    video = cv2.VideoCapture(str(out / "front.mp4"))
    assert video.isOpened()
    assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == 30
    ok, first = video.read()
    assert ok and first.shape == (180, 320, 3)
    video.release()
    sheet = read_png(out / "front_sheet.png")
    # 6 tiles of 480 x 270 on 4 columns: 2 rows, 4 px gaps
    assert sheet.shape == (2 * 270 + 3 * 4, 4 * 480 + 5 * 4, 3)
    assert not list(out.glob(".*tmp*"))
    check_manifest(episode)  # nothing was written into the episode


def test_preview_of_a_folder_that_is_not_an_episode(tmp_path):
    proc = run_sim("preview", str(tmp_path))
    assert proc.returncode == 2
    assert (
        proc.stderr.startswith("error: ")
        and "meta.json" in proc.stderr
        and "Traceback" not in proc.stderr
    )
    proc = run_sim("preview", str(tmp_path / "missing"))
    assert proc.returncode == 2 and "no such episode folder" in proc.stderr
