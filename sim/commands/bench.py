"""``python -m sim bench TARGET``: the benchmarks of :mod:`sim.bench`, found by module name."""

from __future__ import annotations

import importlib
import pkgutil


def _targets():
    import sim.bench

    return {
        i.name: f"sim.bench.{i.name}"
        for i in sorted(pkgutil.iter_modules(sim.bench.__path__), key=lambda i: i.name)
        if not i.name.startswith("_")  # helpers of a bench, not benches
    }


def register(sub) -> dict:
    p = sub.add_parser(
        "bench", help="measure speed (ratios against a reference in the same process)"
    )
    targets = p.add_subparsers(dest="bench_target", required=True, metavar="TARGET")
    for name, modname in _targets().items():
        mod = importlib.import_module(modname)
        tp = targets.add_parser(name, help=mod.DESCRIPTION, description=mod.DESCRIPTION)
        mod.add_arguments(tp)
        tp.set_defaults(bench_run=mod.run)
    return {"bench": lambda args: args.bench_run(args)}
