"""A contact sheet of scenarios: one tile per episode (the front camera's frame at time
``--t``), captioned with the scenario's name.

    # run every library scenario small (640x360, 2.5 s, 2 Hz) with the code at SIM_ROOT
    # (default: this checkout) into RUNS/, then tile them
    python tools/contact_sheet.py --run RUNS [--sim-root /tmp/before] --out docs/img/sheet.jpg
    # tile episode folders made earlier
    python tools/contact_sheet.py --episodes RUNS/* --out sheet.jpg

The episodes made by ``--run`` are ordinary episode folders: ``python -m sim stats RUNS``
measures them all (a folder of episodes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
RUN_SETTINGS = (
    "duration=2.5",
    "sensors.cameras.0.width=640",
    "sensors.cameras.0.height=360",
    "sensors.cameras.0.rate=2",
)
"""What ``--run`` overrides: a short, small day-time run whose frame 4 is at t = 2 s."""


def run_scenarios(runs: Path, sim_root: Path, scenarios: list[Path]) -> list[Path]:
    """``python -m sim run`` of each scenario with the code at ``sim_root`` (PYTHONPATH)."""
    runs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(sim_root)}
    out = []
    for scen in scenarios:
        dest = runs / scen.stem
        if not (dest / "manifest.json").is_file():
            cmd = [sys.executable, "-m", "sim", "run", str(scen), "--out", str(dest), "--quiet"]
            for s in RUN_SETTINGS:
                cmd += ["--set", s]
            proc = subprocess.run(cmd, cwd=sim_root, env=env, capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"{scen.stem}: failed: {proc.stderr.strip()[-300:]}", file=sys.stderr)
                continue
            print(proc.stdout.strip(), file=sys.stderr)
        out.append(dest)
    return out


def tile(episode: Path, t: float, size: tuple[int, int]) -> np.ndarray:
    """(h, w, 3) BGR tile: the front (first) camera's frame nearest to t, captioned."""
    meta = json.loads((episode / "meta.json").read_text())
    cam = meta["cameras"][0]
    frames = int(cam["frames"])
    index = min(frames - 1, max(0, round(t * float(cam["rate"]))))
    image = cv2.imread(str(episode / "frames" / cam["name"] / "rgb" / f"{index:06d}.png"))
    image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    name = meta["scenario"]["name"]
    cv2.rectangle(image, (0, 0), (8 + 7 * len(name), 16), (0, 0, 0), -1)
    cv2.putText(image, name, (3, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1,
                cv2.LINE_AA)  # fmt: skip
    return image


def sheet(episodes: list[Path], t: float, columns: int, size: tuple[int, int]) -> np.ndarray:
    tiles = [tile(e, t, size) for e in episodes]
    while len(tiles) % columns:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.hstack(tiles[k : k + columns]) for k in range(0, len(tiles), columns)]
    return np.vstack(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--run", type=Path, help="run the library scenarios into this folder first")
    p.add_argument("--sim-root", type=Path, default=REPO, help="checkout whose code runs")
    p.add_argument("--episodes", type=Path, nargs="*", default=[], help="episode folders")
    p.add_argument("--out", type=Path, required=True, help="sheet file (.jpg or .png)")
    p.add_argument("--t", type=float, default=2.0, help="time of the frame shown [s]")
    p.add_argument("--columns", type=int, default=4)
    p.add_argument("--tile", default="320x180", help="tile size WxH (default 320x180)")
    p.add_argument("--quality", type=int, default=85, help="JPEG quality")
    args = p.parse_args(argv)
    size = tuple(int(v) for v in args.tile.split("x"))
    episodes = list(args.episodes)
    if args.run is not None:
        scenarios = sorted((args.sim_root / "scenarios").glob("*.yaml"))
        episodes += run_scenarios(args.run.resolve(), args.sim_root.resolve(), scenarios)
    if not episodes:
        p.error("no episodes (give --run or --episodes)")
    image = sheet(episodes, args.t, args.columns, (size[0], size[1]))
    params = [cv2.IMWRITE_JPEG_QUALITY, args.quality] if args.out.suffix == ".jpg" else []
    if not cv2.imwrite(str(args.out), image, params):
        print(f"cannot write {args.out}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB, {len(episodes)} tiles)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
