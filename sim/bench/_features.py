"""The realism features' cost (issue 15), for ``python -m sim bench render``: episodes of one
scenario run in this process with each feature switched on through its scenario knob, the
per-frame cost of each against the same scenario with every feature off ("labelled, today").

The per-frame cost of a configuration is (time of an episode of N frames - time of an
episode of 1 frame) / (N - 1): scene building (textures are made at scene build) and start
up cancel, what is left is simulate + render + label + write per frame. Configurations
alternate round by round so that load from other processes hits them alike; the median
over rounds is kept. A knob the schema does not know yet gives a "not available" row.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

OFF = (
    "appearance.textures=false",
    "environment.shadows=false",
)
"""Every feature off: today's labelled frame (a knob the schema lacks is left out)."""
FEATURES = (
    ("+textures", ("appearance.textures=true",)),
    ("+shadows", ("environment.shadows=true",)),
    (
        "+lens",
        (
            "sensors.cameras.0.lens={model: brown_conrady, k1: -0.25, k2: 0.08, p1: 0.001, "
            "p2: 0.001, k3: 0.0}",
        ),
    ),  # fmt: skip
    ("+isp/effects", ("sensors.cameras.0.isp={}",)),
)
BUDGET = 2.0
"""All features on may cost at most this many times today's labelled frame."""


def _knob_ok(scenario: Path, overrides: list[str]) -> bool:
    from sim.assets import load_catalog
    from sim.errors import SimError
    from sim.pipeline import resolve_scenario
    from sim.scenario import load_scenario

    try:
        resolve_scenario(load_scenario(scenario, overrides), load_catalog())
    except SimError:
        return False
    return True


def _episode_seconds(scenario: Path, overrides: list[str], tmp: Path, tag: str) -> float:
    from sim.assets import load_catalog
    from sim.dataset.episode import run_episode
    from sim.outdir import EPISODE, remove_tree
    from sim.pipeline import resolve_scenario
    from sim.scenario import load_scenario

    loaded = load_scenario(scenario, overrides)
    catalog = load_catalog()
    resolved = resolve_scenario(loaded, catalog)
    out = tmp / tag
    t0 = time.perf_counter()
    run_episode(loaded, resolved, catalog, out, progress=False)
    seconds = time.perf_counter() - t0
    remove_tree(out, EPISODE)  # keep the disk use small (a failed run leaves nothing)
    return seconds


def feature_rows(scenario: Path, width: int, height: int, frames: int, rounds: int) -> list:
    """[(row name, seconds per frame or None)] for today's frame, each feature, all on."""
    rate = 10.0
    base = [
        f"sensors.cameras.0.width={width}",
        f"sensors.cameras.0.height={height}",
        f"sensors.cameras.0.rate={rate}",
        "outputs.formats=[native]",
        "background.count=10",
    ]
    off = [k for k in OFF if _knob_ok(scenario, [*base, k])]
    configs: list[tuple[str, list[str] | None]] = [("labelled (today)", [*base, *off])]
    on: list[str] = []
    for name, knobs in FEATURES:
        ok = _knob_ok(scenario, [*base, *off, *knobs])
        configs.append((name, [*base, *off, *knobs] if ok else None))
        on += list(knobs) if ok else []
    configs.append(("all on", [*base, *off, *on] if on else None))
    long_, short = f"duration={frames / rate}", f"duration={0.5 / rate}"
    per_frame: dict[str, list[float]] = {name: [] for name, _ in configs}
    failed: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="sim-bench-features-") as tmp:
        for r in range(rounds + 1):  # round 0 warms up (JIT, shaders, texture caches)
            for name, overrides in configs:
                if overrides is None or name in failed:
                    continue
                try:
                    t_long = _episode_seconds(scenario, [*overrides, long_], Path(tmp), f"{r}l")
                    t_short = _episode_seconds(scenario, [*overrides, short], Path(tmp), f"{r}s")
                except Exception as err:  # a feature being built: its row says so, the rest run
                    failed[name] = f"{type(err).__name__}: {str(err)[:80]}"
                    continue
                if r > 0:
                    per_frame[name].append(max(t_long - t_short, 1e-6) / (frames - 1))
    return [
        (name, statistics.median(per_frame[name]) if per_frame[name] else failed.get(name))
        for name, _ in configs
    ]


def print_rows(rows: list, plain_ratio: float, width: int, height: int, scenario: Path) -> None:
    """The table and the verdict line; ``plain_ratio`` = plain / labelled cost of the bench
    scene (the pyrender colour render alone)."""
    today = rows[0][1]
    print(
        f"realism features on {scenario.name} at {width}x{height} "
        "(per frame: simulate + render + label + write; ratio to today's labelled frame):"
    )
    print(f"  {'plain':18s} {'':>9s}          {plain_ratio:5.2f} x  (bench scene, colour only)")
    for name, sec in rows:
        if sec is None:
            print(f"  {name:18s} not available (knob not in the scenario schema yet)")
        elif isinstance(sec, str) or today is None or isinstance(today, str):
            print(f"  {name:18s} failed ({sec})")
        else:
            print(f"  {name:18s} {1 / sec:7.2f} frames/s  {sec / today:5.2f} x")
    all_on = rows[-1][1]
    if not isinstance(all_on, float) or not isinstance(today, float):
        print(f"all features: not available (budget {BUDGET:.2f} x)")
    else:
        print(
            f"all features: {all_on / today:.2f} x today's labelled frame (budget {BUDGET:.2f} x)"
        )
