"""The scenario language: distributions follow their declared laws, a corpus of broken
files gives the expected one-line messages, and random mutations of a valid file never
produce a traceback or a half-written output (hypothesis)."""

from __future__ import annotations

import contextlib
import io
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main as cli_main
from sim.scenario.distributions import Choice, IntUniform, Normal, Uniform, parse_distribution

from helpers.paths import REPO

GOOD = (REPO / "scenarios" / "cut_in.yaml").read_text()


# --- distributions follow their laws ---------------------------------------------------
def _ks_uniform(x: np.ndarray, lo: float, hi: float) -> float:
    """Kolmogorov-Smirnov statistic of x against U(lo, hi)."""
    u = np.sort((x - lo) / (hi - lo))
    n = len(u)
    return float(max(np.max(np.arange(1, n + 1) / n - u), np.max(u - np.arange(n) / n)))


def _norm_cdf(z):
    return 0.5 * (1 + np.vectorize(math.erf)(z / math.sqrt(2)))


def test_uniform_draws_pass_a_ks_test():
    rng = np.random.default_rng(0)
    d = parse_distribution({"uniform": [2.0, 14.0]})
    x = np.array([d.sample(rng) for _ in range(4000)])
    assert x.min() >= 2.0 and x.max() < 14.0
    assert _ks_uniform(x, 2.0, 14.0) < 1.63 / math.sqrt(len(x))  # 1 % level


def test_truncated_normal_draws_match_the_truncated_law():
    rng = np.random.default_rng(1)
    d = parse_distribution({"normal": {"mean": 25.0, "std": 3.0, "min": 22.0, "max": 35.0}})
    assert isinstance(d, Normal)
    x = np.sort([d.sample(rng) for _ in range(4000)])
    assert x.min() >= 22.0 and x.max() <= 35.0
    a, b = _norm_cdf((22.0 - 25) / 3), _norm_cdf((35.0 - 25) / 3)
    cdf = (_norm_cdf((x - 25) / 3) - a) / (b - a)
    n = len(x)
    ks = max(np.max(np.arange(1, n + 1) / n - cdf), np.max(cdf - np.arange(n) / n))
    assert ks < 1.63 / math.sqrt(n)


def test_weighted_choice_and_int_frequencies_pass_a_chi_square_test():
    rng = np.random.default_rng(2)
    d = parse_distribution({"choice": {"values": ["sedan", "suv", "van"], "weights": [3, 2, 1]}})
    assert isinstance(d, Choice)
    n = 6000
    draws = [d.sample(rng) for _ in range(n)]
    expected = np.array([3, 2, 1]) / 6 * n
    observed = np.array([draws.count(v) for v in ("sedan", "suv", "van")])
    assert ((observed - expected) ** 2 / expected).sum() < 9.21  # chi2(2), 1 % level
    k = parse_distribution({"int": [1, 4]})
    assert isinstance(k, IntUniform)
    ints = np.array([k.sample(rng) for _ in range(n)])
    observed = np.bincount(ints, minlength=5)[1:]
    assert set(np.unique(ints)) == {1, 2, 3, 4}
    assert ((observed - n / 4) ** 2 / (n / 4)).sum() < 11.34  # chi2(3), 1 % level


def test_same_seed_same_draws():
    d = Uniform(0.0, 1.0)
    a = [d.sample(np.random.default_rng(5)) for _ in range(3)]
    b = [d.sample(np.random.default_rng(5)) for _ in range(3)]
    assert a == b


# --- a corpus of broken files -----------------------------------------------------------
def _validate(tmp_path: Path, text: str) -> tuple[int, str]:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli_main(["validate", str(path)])
    return code, err.getvalue()


def _line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


CORPUS = [
    # (replace this, with that, expected message part, line containing)
    ("duration: 8.0", "duration: -1", "duration: expected a number > 0", "duration: -1"),
    ("duration: 8.0", "duration: 0.01", "shorter than one step", "duration: 0.01"),
    ("  lanes: 3 ", "  lanes: 0 ", "road.lanes: expected an integer >= 1", "  lanes: 0"),
    (
        "    speed: 30.0",
        "    speed: {uniform: [20, 90]}",
        "the distribution covers [20, 90]",
        "uniform: [20, 90]",
    ),
    (
        "    speed: 30.0",
        "    speed: {unifrom: [20, 30]}",
        "unknown distribution 'unifrom'",
        "unifrom",
    ),
    ("        target: ego", "        target: egoo", "unknown actor 'egoo'", "target: egoo"),
    (
        "      - type: cut_in",
        "      - type: cut_inn",
        "unknown type 'cut_inn'; did you mean 'cut_in'?",
        "cut_inn",
    ),
    (
        "      hfov_deg: 90.0",
        "      hfov_deg: 0.0",
        "hfov_deg: expected a number > 0",
        "hfov_deg: 0.0",
    ),
    ("      rate: 10.0", "      rate: 7.0", "camera rate 7 Hz is not a whole number", "rate: 7.0"),
    ("    s: 125.0", "    s: 82.0", "lead overlaps ego at the start", "s: 82.0"),
    ("name: cut_in", "name: cut in", "expected a name made of letters", "name: cut in"),
    ("  lane_width: 3.5", "  lane_width: 3.5\n  lane_width: 3.6", "duplicate", "lane_width: 3.6"),
    (
        "  lanes: 3 ",
        "  lanes: 3\n  junction: {s: 5.0}\n",
        "road.junction: junction at s=5 m",
        "junction: {s: 5.0}",
    ),
    (
        "  lanes: 3 ",
        "  lanes: 3\n  on_ramp: {start: 300.0, end: 200.0}\n",
        "on_ramp needs start < end",
        "on_ramp: {start",
    ),
    (
        "      - type: cut_in",
        "      - type: cross\n      - type: cut_in",
        "only walkers cross",
        "type: cross",
    ),
    (
        "  lanes: 3 ",
        "  lanes: 3\n  lane_drops: [{lane: 1, at: 300.0}]\n",
        "only an outer forward lane",
        "lane_drops",
    ),
]


@pytest.mark.parametrize("old,new,message,line_text", CORPUS, ids=[c[2][:30] for c in CORPUS])
def test_broken_file_gives_one_clear_line(tmp_path, old, new, message, line_text):
    assert old in GOOD, old
    text = GOOD.replace(old, new, 1)
    code, err = _validate(tmp_path, text)
    assert code == 2
    first = err.strip().splitlines()[0]
    assert "Traceback" not in err and first.startswith("error: ")
    assert message in first, first
    assert f"s.yaml:{_line_of(text, line_text)}:" in first, first


# --- random mutations never crash -------------------------------------------------------
LINES = GOOD.splitlines()
JUNK = st.sampled_from(
    [
        "",
        "-1",
        "1e9",
        "nan",
        "[]",
        "{}",
        "foo",
        "{uniform: [3, 1]}",
        "$nope",
        "'x'",
        "null",
        "[1, 2, 3]",
        "{choice: []}",
        "{normal: [0, -1]}",
        ":",
        "- a",
        "true",
        "0x10",
    ]
)


@st.composite
def mutated(draw):
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["value", "delete", "dup", "indent", "key"]))
        line = lines[i]
        if action == "value" and ":" in line:
            key = line.split(":", 1)[0]
            lines[i] = f"{key}: {draw(JUNK)}"
        elif action == "delete":
            del lines[i]
        elif action == "dup":
            lines.insert(i, line)
        elif action == "indent":
            lines[i] = " " + line
        elif action == "key" and ":" in line:
            key, rest = line.split(":", 1)
            lines[i] = key + draw(st.sampled_from(["x", "_", "2"])) + ":" + rest
    return "\n".join(lines) + "\n"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=mutated())
def test_random_mutations_never_produce_a_traceback(tmp_path, text):
    code, err = _validate(tmp_path, text)  # an unexpected exception fails the test here
    assert code in (0, 2)
    if code == 2:
        assert err.startswith("error: ") and "Traceback" not in err


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=mutated())
def test_mutated_runs_leave_nothing_half_written(tmp_path, text):
    path = tmp_path / "m.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    if out.exists():
        import shutil

        shutil.rmtree(out)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli_main(
            [
                "run",
                str(path),
                "--out",
                str(out),
                "--quiet",
                "--set",
                "duration=0.1",
                "--set",
                "sensors.cameras.0.width=64",
                "--set",
                "sensors.cameras.0.height=36",
            ]
        )
    assert code in (0, 2)
    if code == 2:
        assert not out.exists() and not list(tmp_path.glob(".out.partial*"))
    else:
        assert (out / "manifest.json").is_file()


# --- reuse with extends ------------------------------------------------------------------
def test_extends_overrides_the_base_and_errors_point_into_the_right_file(tmp_path):
    from sim.errors import ScenarioError
    from sim.scenario import load_scenario

    base = tmp_path / "base.yaml"
    base.write_text(GOOD)
    child = tmp_path / "fog_cut_in.yaml"
    child.write_text("extends: base.yaml\nname: fog_cut_in\nduration: 3.0\nego:\n  speed: 20.0\n")
    spec = load_scenario(child).spec
    assert spec.name == "fog_cut_in" and spec.duration == 3.0
    assert spec.ego.speed == 20.0 and spec.ego.lane == 1  # merged key by key
    assert [a.name for a in spec.actors] == ["lead", "cutter"]  # inherited
    # an error in the child points at the child, one in the inherited part at the base
    child.write_text("extends: base.yaml\nego:\n  speed: fast\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(child)
    assert str(err.value).startswith(f"{child}:3:10: ego.speed")
    base.write_text(GOOD.replace("    lane: 2\n", "    lane: two\n", 1))
    child.write_text("extends: base.yaml\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(child)
    line = _line_of(base.read_text(), "lane: two")
    assert f"base.yaml:{line}:" in str(err.value) and "actors[1].lane" in str(err.value)
    child.write_text("extends: child.yaml\n")
    (tmp_path / "child.yaml").write_text("extends: fog_cut_in.yaml\n")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(child)
