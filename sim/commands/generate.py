"""``python -m sim generate CONFIG``, ``python -m sim check DIR``, ``python -m sim report DIR``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_FAILED = 1


def register(sub) -> dict:
    from sim.commands.args import positive_int_arg

    p = sub.add_parser(
        "generate",
        help="make a dataset of many episodes (resumable)",
        description="Make, or finish, the dataset a config describes. Running it again on "
        "the same output skips complete episodes and redoes the rest.",
    )
    p.add_argument("config", type=Path, help="dataset config YAML (see docs/dataset-generation.md)")
    p.add_argument(
        "--out",
        type=Path,
        help="dataset folder (default: the config's 'out', else datasets/<name>)",
    )
    p.add_argument(
        "--workers",
        type=positive_int_arg,
        help="worker processes (default: the config's, else one per core)",
    )
    p.add_argument(
        "--backend",
        choices=("local", "ray"),
        default="local",
        help="local processes (default) or Ray tasks",
    )
    p.add_argument("--address", help="Ray cluster address (default: start a local Ray instance)")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a dataset sim wrote in --out (even of another config) instead of "
        "resuming it; a folder holding anything else is refused",
    )
    p.add_argument(
        "--episodes",
        type=positive_int_arg,
        help="episodes to make (default: the config's 'episodes'); a quick small run of a "
        "big config needs no copied file",
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a value of the config (not of its scenarios), e.g. --set seed=3 "
        "--set split.val=0.5 --set scenarios.0.weight=2; scenario values: --set "
        "'set=[duration=2]'",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser(
        "check",
        help="verify a dataset or one episode: hashes, labels against masks, readability, counts",
    )
    p.add_argument("dataset", type=Path, help="a dataset folder or one episode's folder")
    p.add_argument("--quiet", action="store_true", help="print problems and the summary only")

    p = sub.add_parser("report", help="write an HTML report with plots of what a dataset holds")
    p.add_argument("dataset", type=Path)
    p.add_argument("--out", type=Path, help="report folder (default: DATASET/report)")
    p.add_argument(
        "--samples", type=int, default=12, help="frames on the contact sheet (default 12)"
    )
    p.add_argument("--overwrite", action="store_true", help="replace an earlier report in --out")
    return {"generate": cmd_generate, "check": cmd_check, "report": cmd_report}


def cmd_generate(args: argparse.Namespace) -> int:
    from sim.dataset.config import load_config
    from sim.dataset.generate import generate

    loaded = load_config(args.config, args.overrides, args.episodes)
    out = args.out or Path(loaded.config.out or Path("datasets") / loaded.config.name)
    try:
        result = generate(
            loaded,
            out,
            workers=args.workers,
            backend=args.backend,
            address=args.address,
            progress=not args.quiet,
            overwrite=args.overwrite,
        )
    except KeyboardInterrupt:
        print(
            "interrupted; complete episodes are kept: run the same command again to resume "
            f"({out})",
            file=sys.stderr,
        )
        return 130
    print(result.line())
    return EXIT_FAILED if result.failed else 0


def cmd_check(args: argparse.Namespace) -> int:
    from sim.dataset.check import check_dataset

    report = check_dataset(args.dataset, progress=not args.quiet)
    for problem in report.problems:
        print(f"BAD {problem}", file=sys.stderr)
    print(report.line())
    return EXIT_FAILED if report.problems else 0


def cmd_report(args: argparse.Namespace) -> int:
    import json

    from sim.dataset.report import write_report

    path = write_report(args.dataset, args.out, samples=args.samples, overwrite=args.overwrite)
    targets = json.loads((Path(path).parent / "targets.json").read_text(encoding="utf-8"))
    for t in targets:
        verdict = "met" if t["met"] else "NOT met"
        print(f"target {t['split']} {t['cls']}: {t['made']} of {t['target']} {verdict}")
    rows = json.loads((Path(path).parent / "density.json").read_text(encoding="utf-8"))
    print(
        "per frame: "
        + ", ".join(
            f"{r['kitti_type']} {r['per_frame']:.2f} (KITTI {r['kitti_per_image']:.2f})"
            for r in rows
        )
    )
    levels = json.loads((Path(path).parent / "difficulty.json").read_text(encoding="utf-8"))
    for cls, row in levels.items():
        print(f"KITTI difficulty {cls}: " + ", ".join(f"{k} {v}" for k, v in row.items()))
    print(f"report -> {path}")
    return 0
