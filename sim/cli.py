"""Command line: ``python -m sim <command> ...``; this module assembles the parser from the
command modules in :mod:`sim.commands` and runs the chosen one.

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
from collections.abc import Callable, Iterator
from types import ModuleType

from sim.commands.args import Parser, apply_extends_option
from sim.errors import EXIT_INTERRUPTED, SimError, SystemFailure

_FIRST = ("run",)
"""Command modules registered first (run, validate, sample lead ``--help``); the rest follow
by module name."""

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}
"""Handler per command; each module in :mod:`sim.commands` adds its own in
:func:`build_parser`."""


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m sim", description="Synthetic driving data with exact labels.")
    version = f"sim {__import__('sim').__version__}"
    parser.add_argument("--version", action="version", version=version)
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=Parser
    )
    for mod in _command_modules():
        COMMANDS.update(mod.register(sub))
    return parser


def _command_modules() -> Iterator[ModuleType]:
    """The modules of :mod:`sim.commands` that register commands (``args`` only helps)."""
    import sim.commands

    names = sorted(info.name for info in pkgutil.iter_modules(sim.commands.__path__))
    for name in sorted(names, key=lambda n: (n not in _FIRST, n)):
        mod = importlib.import_module(f"sim.commands.{name}")
        if hasattr(mod, "register"):
            yield mod


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
