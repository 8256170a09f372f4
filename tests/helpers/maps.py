"""Small scenarios on an OpenDRIVE map written for a test, and driven without rendering."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from sim.assets import load_catalog
from sim.pipeline import resolve_scenario
from sim.scenario import load_scenario
from sim.traffic.setup import build_world, n_steps
from sim.traffic.world import simulate


def map_scenario(
    folder: Path, map_file: Path, ego: dict, actors: list[dict], duration: float, step: float
) -> Path:
    """``folder/scenario.yaml`` on a copy of ``map_file`` beside it (seed 1, a tiny camera)."""
    (folder / map_file.name).write_bytes(map_file.read_bytes())
    data = {
        "name": "map_test",
        "seed": 1,
        "duration": duration,
        "step": step,
        "road": {"opendrive": {"file": map_file.name}},
        "ego": ego,
        "actors": actors,
        "sensors": {"cameras": [{"name": "front", "width": 160, "height": 90, "hfov_deg": 90.0}]},
    }
    path = folder / "scenario.yaml"
    with path.open("w") as f:
        YAML(typ="safe").dump(data, f)
    return path


def drive(path: Path):
    """(trajectory, world, actor name -> agent index) of the scenario at ``path``."""
    catalog = load_catalog()
    resolved = resolve_scenario(load_scenario(path), catalog, None)
    world, agents = build_world(resolved, catalog)
    traj = simulate(world, n_steps(resolved))
    return traj, world, {a.name: a.id - 1 for a in agents}
