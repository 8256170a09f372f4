#!/usr/bin/env python
"""Contact sheet of the asset library: ``python tools/asset_sheet.py [--out docs/img/assets.png]``.

Renders every variant of every asset (pose 0, catalog paint colour k for variant k) from a
front-left three-quarter view with the same pyrender backend the episodes use, one tile per
variant, the name and size under each. Use it to look at assets after editing the builders
in ``sim/assetgen/`` (and running ``tools/make_assets.py``).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from pathlib import Path

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.assets import load_catalog  # noqa: E402
from sim.render.backend import ColorRenderer  # noqa: E402
from sim.render.camera import CameraModel  # noqa: E402


def look_at(eye: np.ndarray, target: np.ndarray) -> np.ndarray:
    """T_world_cam of an OpenCV camera (x right, y down, z forward) at ``eye`` facing ``target``."""
    z = target - eye
    z = z / np.linalg.norm(z)
    x = np.cross(z, [0.0, 0.0, 1.0])
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    T = np.eye(4)
    T[:3, :3] = np.stack([x, y, z], axis=1)
    T[:3, 3] = eye
    return T


_KEYS = itertools.count()


def tile(renderer: ColorRenderer, mesh, size, px: int) -> np.ndarray:
    _, _, h = size
    radius = 0.5 * float(np.linalg.norm(size))
    target = np.array([0.0, 0.0, h / 2])
    direction = np.array([1.0, 0.8, 0.45])
    eye = target + direction / np.linalg.norm(direction) * radius * 3.2
    cam = CameraModel.from_fov("sheet", px, px, np.radians(40.0), np.eye(4), znear=0.05, zfar=500.0)
    key = next(_KEYS)  # a new key per tile: id(mesh) can be reused once a mesh is freed
    renderer.add_agent_mesh(key, mesh.vertices, mesh.faces, mesh.face_colors)
    renderer.set_agents([(1, key, np.eye(4))])
    rgb, alpha = renderer.render(cam, look_at(eye, target))
    bg = np.array([0.86, 0.87, 0.88], np.float32)
    img = rgb + (1.0 - alpha[..., None]) * bg
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "assets.png")
    ap.add_argument("--tile", type=int, default=200, help="tile size [px]")
    ap.add_argument("--columns", type=int, default=10)
    args = ap.parse_args(argv)
    catalog = load_catalog()
    tiles = []
    with ColorRenderer(ambient=0.45) as renderer:
        renderer.set_sun(np.array([0.4, 0.6, 0.7]), (1.0, 1.0, 1.0), 3.0)
        for name in catalog.names():
            info = catalog.info(name)
            for k, var in enumerate(info.variants):
                paint = info.paint_colors[k % len(info.paint_colors)] if info.paint_colors else None
                img = tile(renderer, catalog.mesh(name, k, paint=paint), var.size, args.tile)
                label = f"{var.name} {var.size[0]:.1f}x{var.size[1]:.1f}x{var.size[2]:.1f}"
                cv2.putText(
                    img,
                    label,
                    (4, args.tile - 6),
                    cv2.FONT_HERSHEY_SIMPLEX,
                    0.38,
                    (0, 0, 0),
                    1,
                    cv2.LINE_AA,
                )
                tiles.append(img)
    cols = args.columns
    while len(tiles) % cols:
        tiles.append(np.full_like(tiles[0], 255))
    rows = [np.concatenate(tiles[i : i + cols], axis=1) for i in range(0, len(tiles), cols)]
    sheet = np.concatenate(rows, axis=0)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.out), sheet[..., ::-1], [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(
        f"wrote {args.out}: {sum(len(catalog.info(n).variants) for n in catalog.names())} variants"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
