"""``python -m sim import-xosc FILE.xosc --out SCENARIO.yaml``: an OpenSCENARIO 1.x subset as a
scenario."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> dict:
    from sim.commands.args import positive_float_arg

    p = sub.add_parser(
        "import-xosc",
        help="convert an OpenSCENARIO 1.x file (a documented subset) to a scenario file",
        description="Read init positions and speeds, lane-change and speed actions with simple "
        "start triggers from FILE.xosc and write a scenario YAML whose header lists what was "
        "approximated or left out (docs/scenario-format.md, 'OpenSCENARIO import'). The result "
        "is validated before it is written.",
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
    p.add_argument("--overwrite", action="store_true")
    return {"import-xosc": cmd_import_xosc}


def cmd_import_xosc(args: argparse.Namespace) -> int:
    import io
    import tempfile

    from ruamel.yaml import YAML

    from sim.dataset.io import write_bytes_atomic
    from sim.errors import OutputError
    from sim.scenario import load_scenario
    from sim.scenario.openscenario import import_xosc, notes_header

    if args.out.exists() and not args.overwrite:
        raise OutputError(f"{args.out} exists; pass --overwrite or choose another --out")
    imported = import_xosc(args.xosc, args.lane_width, args.duration)
    yaml = YAML(typ="rt")
    yaml.default_flow_style = None
    buf = io.StringIO()
    buf.write(notes_header(imported.notes))
    yaml.dump(imported.data, buf)
    text = buf.getvalue()
    with tempfile.TemporaryDirectory() as tmp:  # validate before writing: nothing half-made
        check = Path(tmp) / args.out.name
        check.write_text(text)
        load_scenario(check)
    write_bytes_atomic(args.out, text.encode())
    road_users = [imported.data["ego"], *imported.data["actors"]]
    maneuvers = sum(len(a.get("maneuvers", [])) for a in road_users)
    print(
        f"wrote {args.out}: ego + {len(imported.data['actors'])} actors, "
        f"{maneuvers} maneuvers, {len(imported.notes)} notes"
    )
    return 0
