"""``sensors.lidars`` in the scenario, the sensor model it gives, the weather it sees."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.errors import SimError
from sim.lidar import PRESETS, Atmosphere, LidarModel, LidarScene, cast_sweep
from sim.lidar.rig import lidar_model, sweep_times
from sim.render.scene import MeshArrays
from sim.scenario import dump_resolved, load_scenario
from sim.scenario.schema import PerturbationSpec
from sim.scenario.schema.lidar import LidarSpec

from helpers.paths import REPO

CUT_IN = REPO / "scenarios" / "cut_in.yaml"


def test_no_lidar_by_default_and_resolved_yaml_unchanged():
    loaded = load_scenario(CUT_IN)
    assert loaded.spec.sensors.lidars == []
    assert "lidars" not in dump_resolved(loaded.spec)


def test_a_lidar_round_trips_through_the_resolved_yaml(tmp_path):
    lidar = "[{name: top, preset: vlp16, range: {uniform: [80, 100]}, mount: {z: 2.0}}]"
    loaded = load_scenario(CUT_IN, [f"sensors.lidars={lidar}"])
    (spec,) = loaded.spec.sensors.lidars
    assert spec.preset_name == "vlp16" and spec.mount.z == 2.0
    text = dump_resolved(loaded.spec)
    path = tmp_path / "again.yaml"
    path.write_text(text)
    assert load_scenario(path).spec.sensors.lidars == loaded.spec.sensors.lidars


@pytest.mark.parametrize(
    "lidar, says",
    [
        ("[{name: a, preset: vlp16, elevations_deg: [1, 2]}]", "either 'preset'"),
        ("[{name: a, preset: hdl65}]", "hdl64e"),
        ("[{name: a}, {name: a}]", "unique"),
        ("[{name: a, elevations_deg: [1, 1]}]", "distinct"),
        ("[{name: a, elevations_deg: [95]}]", "90"),
        ("[{name: a, range: 0.5}]", "1"),
        ("[{name: a, range: 10, min_range: 12}]", "min_range"),
        ("[{name: a, preset: os1_128, horizontal_resolution_deg: 0.02}]", "rays per sweep"),
        ("[{name: a, rotation_hz: 0}]", "1"),
        ("[{name: a, dropout: 1.5}]", "1"),
    ],
)
def test_bad_lidars_are_refused_with_their_key(lidar, says):
    with pytest.raises(SimError) as err:
        load_scenario(CUT_IN, [f"sensors.lidars={lidar}"])
    assert "sensors.lidars" in str(err.value) and says in str(err.value)


def test_the_model_of_a_spec():
    spec = LidarSpec(
        name="top",
        elevations_deg=[-10.0, 5.0, 0.0],
        horizontal_resolution_deg=1.0,
        rotation_hz=20.0,
        mount={"x": 1.0, "z": 2.0, "pitch_deg": 10.0},
    )
    model = lidar_model(spec)
    assert np.array_equal(model.elevation_deg, [5.0, 0.0, -10.0])
    assert model.n_columns == 360 and model.period == 0.05
    np.testing.assert_allclose(model.T_ego_lidar[:3, 3], [1.0, 0.0, 2.0])
    forward = model.T_ego_lidar[:3, :3] @ [1.0, 0.0, 0.0]  # pitched nose down
    assert forward[2] == pytest.approx(-math.sin(math.radians(10.0)))
    assert np.array_equal(lidar_model(LidarSpec(name="d")).elevation_deg, PRESETS["hdl64e"])
    np.testing.assert_allclose(sweep_times(model, 0.2), [0.0, 0.05, 0.1, 0.15, 0.2])
    # the scan: clockwise from behind, forward at the reference time
    az, t = model.column_azimuth(), model.column_time()
    assert az[0] == pytest.approx(math.pi) and az[180] == pytest.approx(0.0) and t[180] == 0.0
    assert t[0] == pytest.approx(-0.025) and np.all(np.diff(t) > 0)


def test_weather_from_the_perturbations():
    fog = PerturbationSpec(name="fog", params={"visibility": 80.0}, applied=True)
    rain = PerturbationSpec(
        name="rain", params={"density": 4.0, "wetness": 0.7, "length": 0.05}, applied=True
    )
    unapplied = PerturbationSpec(name="fog", params={"visibility": 10.0}, applied=False)
    assert Atmosphere.from_perturbations([]) == Atmosphere(0.0, 0.0)
    assert Atmosphere.from_perturbations([unapplied]) == Atmosphere(0.0, 0.0)
    a = Atmosphere.from_perturbations([fog, rain])
    assert a.alpha == pytest.approx(3.912 / 80.0 + 0.01 * 10.0**0.6 / 1000.0)
    assert a.wetness == 0.7


def test_dropout_loses_its_share_of_returns():
    v = np.array([[20.0, -60, -15], [20, 60, -15], [20, 60, 30], [20, -60, 30]])
    wall = MeshArrays(
        v, np.array([[0, 1, 2], [0, 2, 3]]), np.zeros((2, 4), np.uint8), np.full(2, 5, np.uint8)
    )
    scene = LidarScene(wall)

    def count(dropout):
        model = LidarModel("t", PRESETS["hdl32e"], 0.5, dropout=dropout)
        P = len(model.block_times())
        still = np.tile(np.eye(4), (P, 1, 1))
        pc = cast_sweep(model, scene, still, np.eye(4), [], Atmosphere(), np.random.default_rng(0))
        return len(pc)

    full = count(0.0)
    assert count(0.25) / full == pytest.approx(0.75, abs=0.02)
    assert count(1.0) == 0
