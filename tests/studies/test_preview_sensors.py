"""``python -m sim preview`` of an episode with a LiDAR and a bird's-eye view: the points,
coloured by class, land on the objects they hit, and the BEV panel sits in the corner."""

from __future__ import annotations

import json

import numpy as np

from sim.classes import BY_NAME, palette
from sim.dataset.io import read_png
from sim.studies.preview import LidarOverlay, write_preview

from helpers.episodes import run_sim
from helpers.paths import REPO

ARGS = [
    "--set",
    "duration=0.2",
    "--set",
    "sensors.cameras.0.width=320",
    "--set",
    "sensors.cameras.0.height=180",
    "--set",
    "sensors.lidars=[{name: top, preset: vlp16, horizontal_resolution_deg: 0.4}]",
    "--set",
    "outputs.ground_truth={bev: {extent_x: 40, extent_y: 40, resolution: 0.4}}",
    "--quiet",
]


def test_preview_draws_lidar_points_by_class_and_a_bev_panel(tmp_path):
    ep = tmp_path / "ep"
    proc = run_sim("run", str(REPO / "scenarios" / "cut_in.yaml"), "--out", str(ep), *ARGS)
    assert proc.returncode == 0, proc.stderr
    meta = json.loads((ep / "meta.json").read_text())
    cam = meta["cameras"][0]
    labels = json.loads((ep / "labels" / "front" / "000000.json").read_text())
    rgb = read_png(ep / "frames" / "front" / "rgb" / "000000.png")
    overlay = LidarOverlay(ep, cam)
    assert overlay.files
    drawn = overlay.draw(rgb, labels)
    changed = np.any(drawn != rgb, axis=2)
    assert changed.sum() > 200  # the sweep's ground and cars ahead are in view
    # a point drawn in a car's colour lies on that car's pixels (the instance mask), allowing
    # for the LiDAR's own mount and the 2-px dots at the edges
    car = np.all(drawn == np.array(palette()[BY_NAME["car"].id], dtype=np.uint8), axis=2) & changed
    inst = read_png(ep / "frames" / "front" / "instance" / "000000.png")
    if car.any():
        grown = inst > 0
        for _ in range(3):
            grown = grown | np.roll(grown, 1, 0) | np.roll(grown, -1, 0)
            grown = grown | np.roll(grown, 1, 1) | np.roll(grown, -1, 1)
        assert grown[car].mean() > 0.9
    road = np.all(drawn == np.array(palette()[BY_NAME["road"].id], dtype=np.uint8), axis=2)
    assert road.sum() > 50 and np.nonzero(road)[0].mean() > 180 / 2  # road points: lower half

    out = tmp_path / "preview"
    files = write_preview(ep, out)
    sheet = read_png(files[0].sheet)
    assert sheet.shape[2] == 3
    # the BEV panel: a white border line down its left side in the frame's top-right part
    tile_w = sheet.shape[1] // min(4, files[0].frames)
    tile = sheet[: sheet.shape[0] // 2, :tile_w]
    white = np.all(tile >= 250, axis=2)
    cols = white[: tile.shape[0] // 4].mean(axis=0)
    assert cols[tile_w // 2 :].max() > 0.8
