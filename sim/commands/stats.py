"""``python -m sim stats DIR``: image statistics of an episode or dataset folder
(:mod:`sim.studies.stats`), printed as a table, optionally plotted and written as JSON."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sim.commands.args import positive_int_arg


def register(sub) -> dict:
    p = sub.add_parser(
        "stats",
        help="image statistics of an episode or dataset (flat blocks, gradient kurtosis, "
        "luminance/saturation, class shares)",
        description="Image statistics of an episode folder, a dataset folder (generate) or a "
        "folder of episode folders: flat-block fraction (8x8 blocks with grey std < 1 at "
        "640x360), horizontal-gradient kurtosis, luminance and saturation histograms, class "
        "pixel shares and where the flat blocks are (by class, by depth).",
    )
    p.add_argument("folder", type=Path, help="episode, dataset, or folder of episodes")
    p.add_argument("--plot", type=Path, metavar="FILE.png", help="write a PNG of the statistics")
    p.add_argument("--json", type=Path, metavar="FILE", help="write every figure as JSON")
    p.add_argument("--camera", action="append", default=[], help="only this camera (repeatable)")
    p.add_argument(
        "--max-frames",
        type=positive_int_arg,
        metavar="N",
        help="at most N frames per camera and episode, evenly spaced (default: all)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return {"stats": cmd_stats}


def _check_target(path: Path | None, root: Path, what: str) -> None:
    from sim.errors import OutputError

    if path is None:
        return
    target = Path(os.path.abspath(path))
    if target.is_dir():
        raise OutputError(f"{what} {path}: is a folder (give a file name)")
    if not target.parent.is_dir():
        raise OutputError(f"{what} {path}: no such folder {target.parent}")
    if target.is_relative_to(Path(os.path.abspath(root))):
        raise OutputError(
            f"{what} {path}: inside {root}; write it elsewhere (its manifest lists every file)"
        )
    if what == "--plot" and target.suffix.lower() != ".png":
        raise OutputError(f"--plot {path}: the plot is a PNG (name it *.png)")


def _write_atomic(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def cmd_stats(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sim.dataset.io import json_bytes
    from sim.errors import OutputError
    from sim.studies.stats import find_frames, measure, plot_stats, subsample

    _check_target(args.plot, args.folder, "--plot")
    _check_target(args.json, args.folder, "--json")
    kind, episodes, frames = find_frames(args.folder)
    if args.camera:
        known = sorted({f.camera for f in frames})
        for cam in args.camera:
            if cam not in known:
                raise OutputError(f"--camera {cam}: no such camera; cameras: {', '.join(known)}")
        frames = [f for f in frames if f.camera in args.camera]
    frames = subsample(frames, args.max_frames)

    def progress(it):
        return tqdm(
            it, total=len(frames), unit="frame", desc="stats", disable=args.quiet, leave=False
        )

    stats = measure(args.folder, frames, kind, episodes, progress)
    for line in stats.table():
        print(line)
    if args.json is not None:
        data = json_bytes(stats.to_dict())
        _write_atomic(args.json, lambda p: p.write_bytes(data))
        print(f"wrote {args.json}", file=sys.stderr)
    if args.plot is not None:
        _write_atomic(args.plot, lambda p: plot_stats(stats, p))
        print(f"wrote {args.plot}", file=sys.stderr)
    return 0
