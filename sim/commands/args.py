"""What every command's parser shares: the one-line-error parser class, argument types for
numbers (``--seed``, ``--workers``, ...) and the ``--set`` / ``--allow-extends-outside``
options. Command modules import these from here, never from :mod:`sim.cli`."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any, NoReturn

from sim.errors import EXIT_USAGE
from sim.seeding import MAX_SEED


class Parser(argparse.ArgumentParser):
    """The parser class of ``python -m sim`` and of each subcommand: argparse, but a mistake
    on the command line is one line (``error: --seed: ...``) and exit code 2, like every
    other bad input; ``--help`` still shows the usage."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("argument "):
            message = message.replace("argument ", "", 1)
        self.exit(EXIT_USAGE, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def _number_arg(
    cast: Callable[[str], Any],
    minimum: float,
    strict: bool,
    what: str,
    maximum: float | None = None,
) -> Callable[[str], Any]:
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
    """``--set KEY=VALUE`` (repeatable) and ``--allow-extends-outside``."""
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario value, e.g. --set duration=2 --set sensors.cameras.0.width=640",
    )
    add_extends_option(p)


def add_extends_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allow-extends-outside",
        action="store_true",
        help="let 'extends:' name a base outside the scenario's folder (sets "
        "SIM_ALLOW_EXTENDS_OUTSIDE=1; errors in such a file never show its content)",
    )


def apply_extends_option(args: argparse.Namespace) -> None:
    """``--allow-extends-outside`` sets the environment variable, so workers see it too."""
    if getattr(args, "allow_extends_outside", False):
        from sim.scenario.loader import ALLOW_OUTSIDE_ENV

        os.environ[ALLOW_OUTSIDE_ENV] = "1"
