"""``python -m sim run SCENARIO``, ``python -m sim validate FILES``,
``python -m sim sample SCENARIO``: one episode, a check, a resolved scenario."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.commands.args import add_extends_option, add_overrides, seed_arg
from sim.errors import EXIT_USAGE


def register(sub) -> dict:
    p = sub.add_parser("run", help="simulate, render and label one episode")
    p.add_argument("scenario", type=Path, help="scenario YAML file")
    p.add_argument("--out", type=Path, help="output folder (default: runs/<scenario-name>-<seed>/)")
    p.add_argument("--seed", type=seed_arg, help="random seed (default: the scenario's 'seed')")
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty output folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_overrides(p)

    p = sub.add_parser("validate", help="check scenario files without running them")
    p.add_argument("files", type=Path, nargs="+")
    add_extends_option(p)

    p = sub.add_parser("sample", help="print the resolved scenario (every distribution sampled)")
    p.add_argument("scenario", type=Path)
    p.add_argument("--seed", type=seed_arg, help="random seed (default: the scenario's 'seed')")
    add_overrides(p)
    return {"run": cmd_run, "validate": cmd_validate, "sample": cmd_sample}


def cmd_run(args: argparse.Namespace) -> int:
    from sim.assets import load_catalog
    from sim.dataset.episode import run_episode
    from sim.pipeline import resolve_scenario
    from sim.resources import check_resources
    from sim.scenario import load_scenario

    loaded = load_scenario(args.scenario, args.overrides)
    catalog = load_catalog()
    resolved = resolve_scenario(loaded, catalog, args.seed)
    check_resources(resolved)  # before any folder is made or frame rendered
    out = args.out if args.out is not None else Path("runs") / f"{resolved.name}-{resolved.seed}"
    summary = run_episode(
        loaded, resolved, catalog, out, overwrite=args.overwrite, progress=not args.quiet
    )
    print(summary.line())
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from sim.assets import load_catalog
    from sim.errors import ScenarioError
    from sim.pipeline import resolve_scenario
    from sim.scenario import load_scenario

    catalog = load_catalog()
    failed = 0
    for path in args.files:
        try:
            resolve_scenario(load_scenario(path), catalog)
        except ScenarioError as err:
            failed += 1
            for e in getattr(err, "all_errors", [err]):
                print(f"error: {e}", file=sys.stderr)
        else:
            print(f"ok: {path}")
    return EXIT_USAGE if failed else 0


def cmd_sample(args: argparse.Namespace) -> int:
    from sim.assets import load_catalog
    from sim.pipeline import resolve_scenario
    from sim.scenario import dump_resolved, load_scenario

    loaded = load_scenario(args.scenario, args.overrides)
    resolved = resolve_scenario(loaded, load_catalog(), args.seed)
    sys.stdout.write(dump_resolved(resolved))
    return 0
