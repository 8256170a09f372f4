"""``python -m sim preview DIR``: an MP4 and a contact sheet with the labels drawn, per camera."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> dict:
    from sim.commands.args import positive_float_arg, positive_int_arg

    p = sub.add_parser(
        "preview",
        help="draw labels over an episode's frames: an MP4 and a contact-sheet PNG per camera",
        description="Write <camera>.mp4 and <camera>_sheet.png with masks, boxes and ids drawn "
        "over the frames of an episode folder written by 'sim run'.",
    )
    p.add_argument("episode", type=Path, help="episode folder (the --out of 'sim run')")
    p.add_argument("--out", type=Path, help="output folder (default: <episode>_preview next to it)")
    p.add_argument(
        "--camera",
        action="append",
        dest="cameras",
        metavar="NAME",
        help="only this camera (repeatable; default: every camera)",
    )
    p.add_argument(
        "--fps", type=positive_float_arg, help="video frame rate (default: the camera's rate)"
    )
    p.add_argument(
        "--sheet-frames",
        type=positive_int_arg,
        default=None,
        help="frames on the contact sheet (default 12)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an earlier preview in --out (only one sim wrote)",
    )
    return {"preview": cmd_preview}


def cmd_preview(args: argparse.Namespace) -> int:
    from sim.studies.preview import SHEET_FRAMES, write_preview

    files = write_preview(
        args.episode,
        args.out,
        args.cameras,
        args.fps,
        sheet_frames=args.sheet_frames or SHEET_FRAMES,
        overwrite=args.overwrite,
    )
    for f in files:
        print(f"{f.camera}: {f.frames} frames -> {f.video}, {f.sheet}")
    return 0
