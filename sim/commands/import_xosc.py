"""``python -m sim import-xosc FILE.xosc --out SCENARIO.yaml``: OpenSCENARIO 1.x as a scenario
(docs/openscenario.md)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> dict:
    from sim.commands.args import positive_float_arg

    p = sub.add_parser(
        "import-xosc",
        help="convert an OpenSCENARIO 1.x file (or a parameter value distribution) to scenarios",
        description="Read entities, catalogs, parameters and expressions, Init positions and "
        "speeds, the story's actions and start conditions from FILE.xosc and write a scenario "
        "YAML whose header lists what was approximated or left out (docs/openscenario.md). "
        "The result is loaded and resolved as `python -m sim validate` does before anything "
        "is written; a file that would not validate is refused (exit 2). A parameter value "
        "distribution file gives one scenario per deterministic parameter set "
        "(OUT_001.yaml, OUT_002.yaml, ...) or one scenario with sim distributions (stochastic).",
    )
    p.add_argument("xosc", type=Path)
    p.add_argument("--out", type=Path, required=True, help="scenario file to write")
    p.add_argument("--lane-width", type=positive_float_arg, default=3.5, help="[m] (default 3.5)")
    p.add_argument(
        "--duration",
        type=positive_float_arg,
        default=None,
        help="[s] episode length (default: the StopTrigger's simulation time, else 20)",
    )
    p.add_argument(
        "--map",
        choices=("auto", "always", "never"),
        default="auto",
        help="drive on the whole OpenDRIVE map (road.opendrive) instead of the one road of the "
        "ego's start: auto (default) when that road cannot be driven or the positions name "
        "several roads",
    )
    p.add_argument("--overwrite", action="store_true")
    return {"import-xosc": cmd_import_xosc}


def scenario_text(imported) -> str:
    """The YAML text of an import: the notes header, then the scenario."""
    import io

    from ruamel.yaml import YAML

    from sim.scenario.xosc import notes_header

    yaml = YAML(typ="rt")
    yaml.default_flow_style = None
    yaml.width = 100
    buf = io.StringIO()
    buf.write(notes_header(imported.notes))
    yaml.dump(imported.data, buf)
    return buf.getvalue()


def validate_text(text: str, name: str) -> None:
    """Load and resolve ``text`` as `python -m sim validate` does; a ScenarioError naming
    ``name`` (not the temporary file) if it fails."""
    import tempfile

    from sim.assets import load_catalog
    from sim.errors import ScenarioError
    from sim.pipeline import resolve_scenario
    from sim.scenario import load_scenario

    with tempfile.TemporaryDirectory() as tmp:
        check = Path(tmp) / "imported.yaml"
        check.write_text(text)
        try:
            resolve_scenario(load_scenario(check), load_catalog())
        except ScenarioError as err:
            err.file = name
            raise ScenarioError(
                f"the imported scenario would not validate, so nothing was written: {err}"
            ) from None


def cmd_import_xosc(args: argparse.Namespace) -> int:
    from sim.dataset.io import write_bytes_atomic
    from sim.errors import OutputError, ScenarioError
    from sim.scenario.xosc import import_set, import_xosc, is_distribution

    if is_distribution(args.xosc):
        imported = import_set(args.xosc, args.lane_width, args.duration)
    else:
        imported = [import_xosc(args.xosc, args.lane_width, args.duration, map_mode=args.map)]
    if len(imported) == 1:
        outs = [args.out]
    else:
        outs = [
            args.out.with_name(f"{args.out.stem}_{k + 1:03d}{args.out.suffix}")
            for k in range(len(imported))
        ]
    for out in outs:
        if out.exists() and not args.overwrite:
            raise OutputError(f"{out} exists; pass --overwrite or choose another --out")
    texts = []
    for k, (out, imp) in enumerate(zip(outs, imported, strict=True)):
        text = scenario_text(imp)
        try:
            validate_text(text, str(out))  # before anything is written: nothing half-made
        except ScenarioError as err:
            if imp.fallback is None:
                raise
            imp = imported[k] = imp.fallback  # the map would not do: the one-road import
            imp.notes.append(f"map: the scenario on the whole map would not validate ({err})")
            text = scenario_text(imp)
            validate_text(text, str(out))
        texts.append(text)
    for out, imp, text in zip(outs, imported, texts, strict=True):
        write_bytes_atomic(out, text.encode())
        road_users = [imp.data["ego"], *imp.data["actors"]]
        maneuvers = sum(len(a.get("maneuvers", [])) for a in road_users)
        print(
            f"wrote {out}: ego + {len(imp.data['actors'])} actors, "
            f"{maneuvers} maneuvers, {len(imp.notes)} notes"
        )
    return 0
