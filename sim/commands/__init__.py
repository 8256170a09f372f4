"""The subcommands of ``python -m sim``, one module per command family (``run``: run,
validate, sample; ``generate``: generate, check, report; ...).

Each module here defines ``register(sub) -> dict[str, handler]``: it adds its parsers to the
argparse sub-parser action ``sub`` and returns the handler of each command it added
(``handler(args) -> exit code``). :mod:`sim.cli` finds the modules by itself (``run`` first,
then by name), so adding a command means adding a module; keep imports at module level
light (argparse and :mod:`sim.commands.args`, the shared argument types and options) and
import the heavy parts inside the handlers. Nothing here imports :mod:`sim.cli`.
"""
