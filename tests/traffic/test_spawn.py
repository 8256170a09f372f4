"""Steady background traffic: vehicles leave a window around the ego and fresh ones enter,
so a long episode keeps its density (scenario ``background.steady``)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.assets import load_catalog
from sim.dataset.tracks import tracks_csv
from sim.pipeline import resolve_scenario
from sim.scenario import dump_resolved, load_scenario
from sim.traffic.setup import build_world, n_steps
from sim.traffic.world import simulate

STEADY = """
name: steady
duration: 60.0
road: {length: 4000.0, lanes: 3}
ego: {lane: 1, s: 300.0, speed: 30.0, behaviour: {desired_speed: 30.0}}
background:
  count: 24
  s_range: [150.0, 550.0]
  speed: {uniform: [18.0, 24.0]}
  mobil: true
  steady: {behind: 150.0, ahead: 250.0, reserve: 60}
"""


def _run(tmp_path, text=STEADY):
    path = tmp_path / "steady.yaml"
    path.write_text(text)
    catalog = load_catalog()
    spec = resolve_scenario(load_scenario(path), catalog)
    world, infos = build_world(spec, catalog)
    return spec, world, infos, simulate(world, n_steps(spec))


def test_a_long_episode_keeps_its_traffic_around_the_ego(tmp_path):
    spec, world, infos, traj = _run(tmp_path)
    names = [a.name for a in infos]
    bg = np.array([n.startswith("bg_") for n in names])
    rel = traj.s - traj.s[:, :1]
    around = traj.active & bg[None, :] & (rel > -150.0) & (rel < 250.0)
    count = around.sum(axis=1)
    # the ego at 30 m/s passes 18-24 m/s traffic: without recycling the window would empty
    # after ~40 s; with it the count stays near the start's
    assert count[0] >= 15
    late = count[int(30.0 / spec.step) :]
    assert late.min() >= 0.6 * count[0] and late.max() <= 1.4 * count[0] + 2
    events = [e for e in traj.events if e.name in ("spawn", "despawn")]
    spawned = {e.agent for e in events if e.name == "spawn"}
    assert len(spawned) >= 10 and all(names[i].startswith("bg_r") for i in spawned)
    # a vehicle enters at an end of the window, never next to the ego, and then drives on
    for e in events:
        if e.name != "spawn":
            continue
        k = int(round(e.t / spec.step))
        assert traj.active[k, e.agent] and not traj.active[k - 1, e.agent]
        assert abs(rel[k, e.agent]) > 100.0
        moved = np.hypot(np.diff(traj.x[k:, e.agent]), np.diff(traj.y[k:, e.agent]))
        assert np.all(
            moved <= 0.5 * (traj.v[k + 1 :, e.agent] + traj.v[k:-1, e.agent]) * spec.step + 1e-6
        )
    # leavers leave for good, and nobody crashes
    for e in events:
        if e.name == "despawn":
            assert not traj.active[int(round(e.t / spec.step)) :, e.agent].any()
    assert not traj.collisions
    # tracks.csv has rows only for vehicles in the scene
    rows = tracks_csv(traj, infos).decode().splitlines()[1:]
    assert len(rows) == int(traj.active.sum())


def test_same_seed_same_steady_traffic_and_the_resolved_file_reproduces_it(tmp_path):
    spec, world, infos, traj = _run(tmp_path)
    again = tmp_path / "again"
    again.mkdir()
    _, _, _, traj2 = _run(again)
    np.testing.assert_array_equal(traj.x, traj2.x)
    np.testing.assert_array_equal(traj.active, traj2.active)
    resolved = tmp_path / "resolved.yaml"
    resolved.write_text(dump_resolved(spec))
    assert "steady:" in resolved.read_text() and "bg_r000" in resolved.read_text()
    catalog = load_catalog()
    spec3 = resolve_scenario(load_scenario(resolved), catalog)
    world3, _ = build_world(spec3, catalog)
    traj3 = simulate(world3, n_steps(spec3))
    np.testing.assert_array_equal(traj.x, traj3.x)
    np.testing.assert_array_equal(traj.active, traj3.active)


@pytest.mark.slow  # long: runs in .ci/run's slow pass
def test_steady_episode_renders_only_vehicles_in_the_scene(tmp_path):
    from helpers.checks import check_frames, check_manifest
    from helpers.episodes import run_sim

    text = STEADY.replace("duration: 60.0", "duration: 4.0").replace(
        "steady: {behind: 150.0, ahead: 250.0, reserve: 60}",
        "steady: {behind: 25.0, ahead: 120.0, reserve: 10}",
    )
    path = tmp_path / "steady.yaml"
    path.write_text(
        text + "sensors: {cameras: [{name: front, width: 320, height: 180, hfov_deg: 90.0}]}\n"
    )
    out = tmp_path / "out"
    proc = run_sim("run", str(path), "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    check_manifest(out)
    check_frames(out)
    import json

    meta = json.loads((out / "meta.json").read_text())
    spawns = [e for e in meta["events"] if e["event"] == "spawn"]
    assert spawns, "vehicles entered during the episode"
    first = min(spawns, key=lambda e: e["t"])
    rows = [r.split(",") for r in (out / "tracks.csv").read_text().splitlines()[1:]]
    times = [float(r[1]) for r in rows if int(r[2]) == first["agent"]]
    assert min(times) == first["t"], "no track rows before it entered"
