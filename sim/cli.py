"""Command line: ``python -m sim <command> ...`` (run, validate, sample).

Errors a user can cause (bad scenario, occupied output folder, no OpenGL) print one line
``error: ...`` on stderr and exit with status 2 (4: not enough memory for the work, 3: the
operating system failed), without a traceback and without leaving output behind.
Command-line values are blamed as such (``--seed: ...``, ``--set #2 (road.length): ...``).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

from sim.errors import EXIT_INTERRUPTED, EXIT_USAGE, SimError, SystemFailure
from sim.seeding import MAX_SEED


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake on the command line is one line (``error: --seed: ...``) and
    exit code 2, like every other bad input; ``--help`` still shows the usage."""

    def error(self, message: str):  # type: ignore[override]
        message = message.replace("argument ", "", 1) if message.startswith("argument ") else message
        self.exit(EXIT_USAGE, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def _number_arg(cast, minimum: float, strict: bool, what: str, maximum: float | None = None):
    """An argparse type: ``cast(text)`` that is >= ``minimum`` (> if ``strict``) and, if
    given, <= ``maximum`` (and finite)."""

    def parse(text: str):
        shown = text if len(text) <= 40 else text[:37] + "..."
        try:
            value = cast(text)
        except (ValueError, OverflowError):
            raise argparse.ArgumentTypeError(f"expected {what}, found {shown!r}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise argparse.ArgumentTypeError(f"expected {what}, found {shown!r}")
        too_big = maximum is not None and value > maximum
        if value < minimum or (strict and value == minimum) or too_big:
            raise argparse.ArgumentTypeError(f"expected {what}, found {shown!r}")
        return value

    return parse


seed_arg = _number_arg(int, 0, False, f"an integer from 0 to {MAX_SEED} (2**53 - 1)", MAX_SEED)
positive_int_arg = _number_arg(int, 1, False, "a positive integer")
positive_float_arg = _number_arg(float, 0.0, True, "a positive number")


def add_overrides(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help="override a scenario value, e.g. --set duration=2 --set sensors.cameras.0.width=640",
    )
    add_extends_option(p)


def add_extends_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allow-extends-outside", action="store_true",
        help="let 'extends:' name a base outside the scenario's folder (sets "
        "SIM_ALLOW_EXTENDS_OUTSIDE=1; errors in such a file never show its content)",
    )


def apply_extends_option(args: argparse.Namespace) -> None:
    """``--allow-extends-outside`` sets the environment variable, so workers see it too."""
    if getattr(args, "allow_extends_outside", False):
        import os

        from sim.scenario.loader import ALLOW_OUTSIDE_ENV

        os.environ[ALLOW_OUTSIDE_ENV] = "1"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m sim", description="Synthetic driving data with exact labels.")
    parser.add_argument("--version", action="version", version=f"sim {__import__('sim').__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

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

    for mod in _command_modules():
        COMMANDS.update(mod.register(sub))
    return parser


def _command_modules():
    import sim.commands

    for info in sorted(pkgutil.iter_modules(sim.commands.__path__), key=lambda i: i.name):
        yield importlib.import_module(f"sim.commands.{info.name}")


def cmd_run(args: argparse.Namespace) -> int:
    from sim.assets import load_catalog
    from sim.dataset.episode import run_episode
    from sim.resources import check_resources
    from sim.scenario import load_scenario, resolve_scenario

    loaded = load_scenario(args.scenario, args.overrides)
    catalog = load_catalog()
    resolved = resolve_scenario(loaded, catalog, args.seed)
    check_resources(resolved)  # before any folder is made or frame rendered
    out = args.out if args.out is not None else Path("runs") / f"{resolved.name}-{resolved.seed}"
    summary = run_episode(loaded, resolved, catalog, out, overwrite=args.overwrite, progress=not args.quiet)
    print(summary.line())
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from sim.assets import load_catalog
    from sim.errors import ScenarioError
    from sim.scenario import load_scenario, resolve_scenario

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
    from sim.scenario import dump_resolved, load_scenario, resolve_scenario

    loaded = load_scenario(args.scenario, args.overrides)
    resolved = resolve_scenario(loaded, load_catalog(), args.seed)
    sys.stdout.write(dump_resolved(resolved))
    return 0


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "sample": cmd_sample}
"""Handler per command; modules in :mod:`sim.commands` add theirs in :func:`build_parser`."""


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        apply_extends_option(args)
        return COMMANDS[args.command](args)
    except SimError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    except OSError as err:  # the machine, not the input: no space, permission, read-only, ...
        failure = SystemFailure.from_os_error(err)
        print(f"error: {failure}", file=sys.stderr)
        return failure.exit_code
    except MemoryError:
        print("error: out of memory (see docs/reliability.md: limits)", file=sys.stderr)
        return SystemFailure.exit_code
    except KeyboardInterrupt:
        print("interrupted; nothing was left half-written", file=sys.stderr)
        return EXIT_INTERRUPTED
