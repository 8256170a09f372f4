"""``python -m sim edge-cases [--case NAME ...]``: see each catalogue entry happen
(sim.studies.showcase)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> dict:
    from sim.commands.args import positive_float_arg, positive_int_arg, seed_arg

    p = sub.add_parser(
        "edge-cases",
        help="one short episode per edge case and sensor effect, with an overview picture",
        description="Run every catalogue entry (or those given with --case) on its demo "
        "scenario at "
        "rate 1 and write overview.png (one captioned row of labelled frames per case, the frames "
        "where the inserted actors show most), index.md and each case's episode folder.",
    )
    p.add_argument(
        "--case", action="append", dest="cases", metavar="NAME", help="only this case (repeatable)"
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("runs/edge_cases"),
        help="output folder (default runs/edge_cases)",
    )
    p.add_argument("--seed", type=seed_arg, default=0)
    p.add_argument(
        "--width", type=positive_int_arg, default=480, help="camera width [px] (default 480)"
    )
    p.add_argument(
        "--height", type=positive_int_arg, default=270, help="camera height [px] (default 270)"
    )
    p.add_argument(
        "--rate", type=positive_float_arg, default=5.0, help="camera rate [Hz] (default 5)"
    )
    p.add_argument(
        "--duration",
        type=positive_float_arg,
        default=None,
        help="cap each episode's duration [s] (default: the demo scenario's)",
    )
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--quiet", action="store_true")
    return {"edge-cases": cmd_edge_cases}


def cmd_edge_cases(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sim.assets import load_catalog
    from sim.dataset.io import staged_dir
    from sim.errors import SimError
    from sim.perturb.catalog import CATALOG
    from sim.scenario.errors import suggest
    from sim.studies.showcase import run_case, write_overview

    cases = args.cases or list(CATALOG)
    for name in cases:
        if name not in CATALOG:
            raise SimError(
                f"unknown case {name!r}{suggest(name, CATALOG)} (known: {', '.join(CATALOG)})"
            )
    out = args.out
    with staged_dir(out, args.overwrite, "edge-cases") as partial:
        catalog = load_catalog()
        results = []
        for name in tqdm(cases, unit="case", disable=args.quiet, desc="edge cases", leave=False):
            results.append(
                run_case(
                    name,
                    partial,
                    args.seed,
                    args.width,
                    args.height,
                    args.rate,
                    args.duration,
                    catalog,
                )
            )
        write_overview(partial, results)
    for r in results:
        shown = (
            f"{', '.join(r.inserted)} in frames {r.frames}" if r.inserted else f"frames {r.frames}"
        )
        print(f"{r.name:18s} on {r.demo}: {shown}")
    print(f"wrote {out / 'overview.png'} and {out / 'index.md'} ({len(results)} cases)")
    return 0
