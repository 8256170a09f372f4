"""environment.time_of_day: the sun where the clock puts it, keys given in the file win,
the resolved file reproduces it, and a night frame is darker than a noon one."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from sim.assets import load_catalog
from sim.pipeline import resolve_scenario
from sim.scenario import dump_resolved, load_scenario
from sim.scenario.daylight import LATITUDE_DEG, daylight, sun_position

from helpers.episodes import run_sim
from helpers.paths import REPO

CUT_IN = REPO / "scenarios" / "cut_in.yaml"
TINY = [
    "--set",
    "duration=0.5",
    "--set",
    "sensors.cameras.0.width=320",
    "--set",
    "sensors.cameras.0.height=180",
]


def test_sun_position_follows_the_clock():
    el, az = sun_position(12.0)
    assert el == pytest.approx(90.0 - LATITUDE_DEG)  # equinox noon: 90 deg - latitude
    assert az == pytest.approx(-90.0)  # due south (+y is north)
    el, az = sun_position(6.0)
    assert el == pytest.approx(0.0, abs=1e-9) and az == pytest.approx(
        0.0, abs=1e-9
    )  # rises due east
    el, az = sun_position(18.0)
    assert el == pytest.approx(0.0, abs=1e-9) and abs(az) == pytest.approx(180.0)  # sets due west
    for h in (7.0, 9.5, 11.0):  # morning and afternoon mirror each other about the meridian
        (e1, a1), (e2, a2) = sun_position(h), sun_position(24.0 - h)
        assert e1 == pytest.approx(e2) and a1 + a2 == pytest.approx(-180.0)
    assert sun_position(0.0)[0] == pytest.approx(-(90.0 - LATITUDE_DEG))  # midnight
    assert daylight(0.0)["sun_elevation_deg"] == -10.0 and daylight(0.0)["sun_intensity"] == 0.0


def test_light_falls_from_noon_to_night():
    noon, dusk, night = daylight(12.0), daylight(17.6), daylight(22.0)
    assert noon["sun_intensity"] > dusk["sun_intensity"] > night["sun_intensity"] == 0.0
    assert noon["ambient"] > dusk["ambient"] > night["ambient"] > 0.0
    assert dusk["sun_color"][2] < noon["sun_color"][2]  # a warmer sun near the horizon
    assert sum(night["sky_top"]) < sum(dusk["sky_top"]) < sum(noon["sky_top"])


def _resolve(overrides, seed=3):
    return resolve_scenario(load_scenario(CUT_IN, overrides), load_catalog(), seed)


def test_time_of_day_sets_the_environment_and_given_keys_win(tmp_path):
    env = _resolve(["environment.time_of_day=7.0", "environment.ambient=0.2"]).environment
    want = daylight(7.0)
    assert env.time_of_day == 7.0 and env.ambient == 0.2
    assert (
        env.sun_elevation_deg == want["sun_elevation_deg"]
        and env.sun_azimuth_deg == want["sun_azimuth_deg"]
    )
    assert env.sun_color == want["sun_color"] and env.sky_top == want["sky_top"]
    # a drawn time of day, and the resolved file that reproduces it
    spec = _resolve(["environment.time_of_day={uniform: [6, 20]}"])
    t = spec.environment.time_of_day
    assert (
        6.0 <= t <= 20.0 and spec.environment.sun_elevation_deg == daylight(t)["sun_elevation_deg"]
    )
    path = tmp_path / "resolved.yaml"
    path.write_text(dump_resolved(spec))
    assert resolve_scenario(load_scenario(path), load_catalog()).environment == spec.environment


@pytest.mark.slow  # long: runs in .ci/run's slow pass
def test_a_night_frame_is_darker_than_a_noon_frame(tmp_path):
    means = {}
    for hours in (12.0, 22.0):
        out = tmp_path / f"t{hours:g}"
        proc = run_sim(
            "run",
            str(CUT_IN),
            "--out",
            str(out),
            "--quiet",
            *TINY,
            "--set",
            f"environment.time_of_day={hours}",
        )
        assert proc.returncode == 0, proc.stderr
        rgb = np.asarray(
            Image.open(out / "frames/front/rgb/000000.png").convert("RGB"), dtype=float
        )
        means[hours] = rgb.mean()
    assert means[22.0] < 0.35 * means[12.0]
    assert means[22.0] > 2.0  # faint ambient light: not a black frame
