"""Hostile input, through the CLI: bounded reading, located errors, schema bounds, resources.

Every probe ends with exactly one ``error: ...`` line on stderr, its documented exit code
(2 bad input, 4 not enough memory), no traceback and no output folder. Subprocesses run with
HOME and the working folder in temporary folders and under a time limit; the few in-process
tests exercise the reader directly (docs/reliability.md, "What sim reads, and its limits").
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.scenario.loader import (
    InputRefused,
    decode_text,
    parse_yaml,
    read_input,
    read_yaml,
)

from helpers.paths import REPO

CUT_IN = REPO / "scenarios" / "cut_in.yaml"
BOMB = textwrap.dedent("""\
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
    i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
    """)
AS_LIMIT = 4 << 30  # numba/LLVM and the GL driver need address space, not memory


def _limit_as() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))


@pytest.fixture()
def place(tmp_path):
    """(work folder, environment): cwd and HOME in temporary folders."""
    work = tmp_path / "work"
    home = tmp_path / "home"
    work.mkdir()
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIM_")}
    env.update(HOME=str(home), PYTHONPATH=str(REPO))
    return work, env


def sim(place, *args: str, env: dict | None = None, timeout: float = 60):
    work, base_env = place
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=work,
        env={**base_env, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_limit_as,
    )


def refused(proc, *patterns: str, code: int = 2, out: Path | None = None) -> str:
    """One ``error:`` line, exit ``code``, no traceback, nothing written; returns the line."""
    assert proc.returncode == code, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr[-2000:]
    for p in patterns:
        assert re.search(p, lines[0]), (p, lines[0])
    if out is not None:
        assert not out.exists() and not list(out.parent.glob(f".{out.name}*"))
    return lines[0]


def scenario(folder: Path, text: str | bytes, name: str = "s.yaml") -> Path:
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


# --- size, kind, alias bomb ---------------------------------------------------------------
def test_alias_bomb_is_refused_in_under_2_s_and_300_mb(place, tmp_path):
    path = scenario(tmp_path, BOMB)
    assert len(BOMB) < 400
    # The peak is read from /proc/self/status (VmHWM, this process image only): getrusage's
    # ru_maxrss survives exec, so after fork it counts the pytest process that forked it.
    probe = (
        "import json, sys, time\n"
        "def hwm():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM:'):\n"
        "            return int(line.split()[1])\n"
        "from sim.scenario.loader import read_yaml\n"
        "from sim.errors import ScenarioError\n"
        "before = hwm()\n"
        "t = time.perf_counter()\n"
        "try:\n    read_yaml(sys.argv[1]); msg = None\n"
        "except ScenarioError as err:\n    msg = str(err)\n"
        "print(json.dumps({'s': time.perf_counter() - t, 'msg': msg,\n"
        "    'rss': hwm(), 'before': before}))\n"
    )
    work, env = place
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(path)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_as,
    )
    got = json.loads(proc.stdout)
    assert got["msg"] and "YAML nodes" in got["msg"], got
    assert got["s"] < 2.0, got
    assert got["rss"] < 300 * 1024, got  # kB: the whole process, interpreter included
    out = work / "out"
    refused(
        sim(place, "run", str(path), "--out", str(out)),
        r"s\.yaml:\d+:\d+: more than .* YAML nodes",
        out=out,
    )


def test_a_50_mb_scenario_is_refused_at_once_before_it_is_read(place, tmp_path):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as fh:
        fh.write(b"name: big\n")
        fh.truncate(50 << 20)  # sparse: 50 MB by its size
    out = place[0] / "out"
    t = time.perf_counter()
    refused(
        sim(place, "run", str(path), "--out", str(out)),
        r"big\.yaml: the file is 52,428,800 bytes, more than the limit of 1,048,576 bytes "
        r"\(raise it with SIM_MAX_INPUT_BYTES\)",
        out=out,
    )
    assert time.perf_counter() - t < 30  # the interpreter's start, not a parse


def test_the_size_cap_is_configurable(place, tmp_path):
    path = scenario(tmp_path, CUT_IN.read_text())
    refused(
        sim(place, "validate", str(path), env={"SIM_MAX_INPUT_BYTES": "100"}),
        r"more than the limit of 100 bytes",
    )
    refused(
        sim(place, "validate", str(path), env={"SIM_MAX_INPUT_BYTES": "lots"}),
        r"SIM_MAX_INPUT_BYTES: expected a positive number of bytes",
    )


def test_a_file_of_comments_just_under_the_cap_parses_quickly(tmp_path):
    line = "# " + "x" * 60 + "\n"
    text = CUT_IN.read_text() + line * ((1 << 20) // len(line) - 40)
    path = scenario(tmp_path, text)
    t = time.perf_counter()
    data, _ = read_yaml(path)
    assert data["name"] == "cut_in"
    # 0.4 s with another process on the second core; the round-trip parser took 4 s at 1 MB
    assert time.perf_counter() - t < 6.0


def test_millions_of_keys_are_refused(tmp_path):
    path = scenario(tmp_path, "".join(f"k{i}: {i}\n" for i in range(120_000)))  # 1.3 MB
    with pytest.raises(ScenarioError, match="more than the limit"):
        read_yaml(path)
    with pytest.raises(ScenarioError, match=r"x:2500:\d+: more than 5,000 YAML nodes"):
        parse_yaml("".join(f"k{i}: 0\n" for i in range(3000)), "x", max_nodes=5000)


@pytest.mark.parametrize("kind", ["dev_zero", "fifo", "directory"])
def test_only_regular_files_are_read(place, tmp_path, kind):
    if kind == "dev_zero":
        target = "/dev/zero"
        pattern = r"/dev/zero: is a character device, expected a regular file"
    elif kind == "fifo":
        target = str(tmp_path / "pipe.yaml")
        os.mkfifo(target)
        pattern = r"pipe\.yaml: is a FIFO \(named pipe\), expected a regular file"
    else:
        target = str(tmp_path)
        pattern = r": is a directory, expected a regular file"
    out = place[0] / "out"
    refused(sim(place, "run", target, "--out", str(out), timeout=30), pattern, out=out)


def test_reader_refuses_nul_paths_and_caps_what_it_reads(tmp_path):
    with pytest.raises(InputRefused, match="NUL byte"):
        read_input("a\0b.yaml")
    path = tmp_path / "f.yaml"
    path.write_bytes(b"x" * 101)
    with pytest.raises(InputRefused, match="more than the limit of 100 bytes"):
        read_input(path, limit=100)
    assert read_input(path, limit=101) == b"x" * 101


# --- extends ------------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["dev_zero", "fifo", "directory", "nul", "outside", "missing"])
def test_extends_refuses_what_it_may_not_read_at_the_extends_key(place, tmp_path, case):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tmp_path / "elsewhere.yaml").write_text(CUT_IN.read_text())
    ref, pattern, extra = {
        "dev_zero": ("/dev/zero", r"'/dev/zero' lies outside this scenario's folder", []),
        "fifo": ("pipe.yaml", r"cannot use 'pipe\.yaml': is a FIFO", []),
        "directory": ("sub", r"cannot use 'sub': is a directory", []),
        "nul": ('"a\\0b.yaml"', r"the path contains a NUL byte", []),
        "outside": (
            "../elsewhere.yaml",
            r"'\.\./elsewhere\.yaml' lies outside this scenario's "
            r"folder .*--allow-extends-outside",
            [],
        ),
        "missing": ("nope.yaml", r"extends a file that does not exist: nope\.yaml", []),
    }[case]
    if case == "fifo":
        os.mkfifo(tree / "pipe.yaml")
    if case == "directory":
        (tree / "sub").mkdir()
    path = scenario(tree, f"name: x\nextends: {ref}\n")
    out = place[0] / "out"
    refused(
        sim(place, "run", str(path), "--out", str(out), *extra, timeout=30),
        r"s\.yaml:2:10: extends: " + pattern,
        out=out,
    )


def test_extends_outside_when_allowed_still_refuses_devices(place, tmp_path):
    path = scenario(tmp_path, "extends: /dev/zero\n")
    refused(
        sim(place, "validate", "--allow-extends-outside", str(path), timeout=30),
        r"s\.yaml:1:10: extends: cannot use '/dev/zero': is a character device",
    )


def test_extends_inside_the_tree_and_outside_when_allowed(place, tmp_path):
    tree = tmp_path / "tree"
    (tree / "bases").mkdir(parents=True)
    (tree / "bases" / "cut_in.yaml").write_text(CUT_IN.read_text())
    (tmp_path / "cut_in.yaml").write_text(CUT_IN.read_text())
    inside = scenario(tree, "extends: bases/cut_in.yaml\nduration: 2.0\n", "in.yaml")
    outside = scenario(tree, "extends: ../cut_in.yaml\nduration: 2.0\n", "out.yaml")
    assert read_yaml(inside)[0]["duration"] == 2.0
    with pytest.raises(ScenarioError, match="outside this scenario's folder"):
        read_yaml(outside)
    assert read_yaml(outside, allow_outside=True)[0]["duration"] == 2.0
    proc = sim(place, "validate", str(outside), env={"SIM_ALLOW_EXTENDS_OUTSIDE": "1"}, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_no_content_of_a_file_outside_the_tree_appears_in_any_message(place, tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    secret = "root:$6$s3cr3tHASH$xyzzy"
    (tmp_path / "shadow").write_text(
        f"{secret}: 19000\nname: hunter2_name\nduration: hunter2_duration\n"
        "road: {length: 600, lanes: hunter2_lanes}\n"
        "ego: {lane: 1, s: 10, speed: 5, asset: hunter2_asset}\n"
    )
    path = scenario(tree, "extends: ../shadow\n")
    for args in (
        ["validate", "--allow-extends-outside", str(path)],
        ["run", "--allow-extends-outside", str(path), "--out", str(place[0] / "out")],
    ):
        proc = sim(place, *args, timeout=60)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert proc.stderr.strip(), proc.stderr
        for word in ("s3cr3t", "xyzzy", "hunter2", "root:"):
            assert word not in proc.stderr, proc.stderr
        assert "shadow:" in proc.stderr  # the position is still given
    # a syntax error in such a file: position, no snippet
    (tmp_path / "shadow").write_text("a: 1\nb: 'hunter2 unterminated\n")
    proc = sim(place, "validate", "--allow-extends-outside", str(path), timeout=60)
    assert proc.returncode == 2 and "hunter2" not in proc.stderr and "shadow:" in proc.stderr


# --- tags, garbage, YAML corners ----------------------------------------------------------
def test_python_tags_are_refused_with_their_position(place, tmp_path):
    path = scenario(tmp_path, "name: x\nduration: !!python/object/apply:os.system ['echo pwned']\n")
    out = place[0] / "out"
    proc = sim(place, "run", str(path), "--out", str(out))
    refused(proc, r"s\.yaml:2:11: unsupported tag '!!python/object/apply:os\.system'", out=out)
    assert "pwned" not in proc.stdout


@pytest.mark.parametrize(
    "data, pattern",
    [
        (b"name: x\nduration: \xff\xfe\x00\n", r"s\.yaml:2:11: not UTF-8 text"),
        (b"name: x\n\x00\x01\x02\x03garbage", r"s\.yaml:2:1: control character U\+0000"),
        (bytes(range(1, 200)), r"s\.yaml:1:1: control character U\+0001"),
    ],
)
def test_binary_garbage_is_located(place, tmp_path, data, pattern):
    path = scenario(tmp_path, data)
    refused(sim(place, "validate", str(path)), pattern)


@pytest.mark.parametrize(
    "text, pattern",
    [
        ("a: 1\na: 2\n", r"x:2:1: duplicate key 'a' \(first at line 1\)"),
        ("a: 1\n---\nb: 2\n", r"x:2:1: expected one YAML document"),
        ("base: &b {x: 1}\nc:\n  <<: *b\n", r"x:3:3: merge keys"),
        ("a: *nothing\n", r"x:1:4: unknown .*alias"),
        ("a: " + "[" * 100 + "]" * 100 + "\n", r"x:1:\d+: nested more than 64 levels"),
        ("? [1, 2]\n: 3\n", r"x:1:3: keys must be strings"),
        ("a: !custom 3\n", r"x:1:4: unsupported tag '!custom'"),
        ("a: !!binary aGVsbG8=\n", r"x:1:4: unsupported tag '!!binary'"),
        ("a: 1" + "0" * 5000 + "\n", r"x:1:4: cannot read"),
    ],
)
def test_yaml_corners_are_one_located_error(text, pattern):
    with pytest.raises(ScenarioError, match=pattern):
        parse_yaml(text, "x")


def test_small_aliases_still_work_and_keep_positions(tmp_path):
    path = scenario(
        tmp_path, "calm: &calm {desired_speed: 20.0, time_headway: 2.0}\nego: {behaviour: *calm}\n"
    )
    data, src = read_yaml(path)
    assert data["ego"]["behaviour"] == {"desired_speed": 20.0, "time_headway": 2.0}
    assert src.values[("ego", "behaviour")][1:] == (2, 18)
    assert src.values[("ego", "behaviour", "time_headway")][1:] == (1, 49)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_never_raise_anything_but_a_scenario_error(data):
    try:
        parse_yaml(decode_text(data, "r.yaml"), "r.yaml")
    except ScenarioError as err:
        assert str(err).startswith("r.yaml") and "\n" not in str(err)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="[]{}:,-&*!|>'\"#?%@`\n\t ab01.~<", max_size=120))
def test_random_yaml_punctuation_never_raises_anything_but_a_scenario_error(text):
    try:
        parse_yaml(decode_text(text.encode(), "r.yaml"), "r.yaml")
    except ScenarioError as err:
        assert str(err).startswith("r.yaml")


# --- command-line values ------------------------------------------------------------------
def test_a_huge_seed_is_blamed_on_the_seed_option(place):
    out = place[0] / "out"
    proc = sim(place, "run", str(CUT_IN), "--seed", "99999999999999999999999", "--out", str(out))
    line = refused(proc, r"--seed: expected an integer from 0 to 9007199254740991", out=out)
    assert "cut_in.yaml" not in line


def test_override_errors_name_the_override(place):
    out = place[0] / "out"
    proc = sim(
        place,
        "run",
        str(CUT_IN),
        "--set",
        "duration=2",
        "--set",
        "road.length=1e300",
        "--out",
        str(out),
    )
    line = refused(
        proc,
        r"error: --set #2 \(road\.length\): expected a number > 0 and "
        r"<= 100000, found 1e\+300",
        out=out,
    )
    assert "cut_in.yaml" not in line


def test_a_tiny_step_is_refused_by_its_bound(place):
    out = place[0] / "out"
    refused(
        sim(place, "run", str(CUT_IN), "--set", "step=1e-9", "--out", str(out)),
        r"--set #1 \(step\): expected a number >= 0\.001 and <= 0\.5, found 1e-09",
        out=out,
    )


def test_products_of_values_are_bounded(tmp_path):
    from sim.scenario import load_scenario

    with pytest.raises(
        ScenarioError, match=r"--set #1 \(duration\): .*3,600,000 steps, more than 360,000"
    ):
        load_scenario(CUT_IN, ["duration=3600", "step=0.001"])
    with pytest.raises(ScenarioError, match=r"360,000 frames, more than 200,000 per camera"):
        load_scenario(CUT_IN, ["duration=3600", "sensors.cameras.0.rate=100", "step=0.01"])
    with pytest.raises(
        ScenarioError, match=r"--set #1 \(sensors\.cameras\[0\]\.width\): .*<= 8192"
    ):
        load_scenario(CUT_IN, ["sensors.cameras.0.width=100000"])


# --- resources ----------------------------------------------------------------------------
def test_an_8192_square_camera_is_refused_for_memory_before_any_frame(place):
    out = place[0] / "out"
    t = time.perf_counter()
    refused(
        sim(
            place,
            "run",
            str(CUT_IN),
            "--set",
            "sensors.cameras.0.width=8192",
            "--set",
            "sensors.cameras.0.height=8192",
            "--out",
            str(out),
        ),
        r"error: cut_in: needs about \d+\.\d GiB \(trajectories .*frames .* for camera front "
        r"8192x8192.*\), \d+\.\d GiB .*; lower the resolution",
        code=4,
        out=out,
    )
    assert time.perf_counter() - t < 45


def test_the_estimate_grows_with_pixels_steps_and_workers():
    from sim.assets import load_catalog
    from sim.pipeline import resolve_scenario
    from sim.resources import check_resources, estimate
    from sim.scenario import load_scenario

    catalog = load_catalog()

    def est(*overrides, workers=1):
        return estimate(resolve_scenario(load_scenario(CUT_IN, list(overrides)), catalog), workers)

    small = est("sensors.cameras.0.width=640", "sensors.cameras.0.height=360")
    big = est("sensors.cameras.0.width=1280", "sensors.cameras.0.height=720")
    assert big.frames == pytest.approx(4 * small.frames)
    short, long = est("duration=2"), est("duration=20")
    assert long.trajectories > 9 * short.trajectories
    assert est(workers=3).total == pytest.approx(3 * est().total)
    resolved = resolve_scenario(load_scenario(CUT_IN), catalog)
    check_resources(resolved, available=64 << 30)
    from sim.errors import ResourceError

    with pytest.raises(ResourceError, match=r"0\.0 GiB available"):
        check_resources(resolved, available=1 << 20)


def test_generate_checks_the_memory_of_its_workers_before_it_starts(tmp_path):
    from sim.assets import load_catalog
    from sim.dataset.config import load_config, validate_scenarios
    from sim.errors import ResourceError

    config = tmp_path / "c.yaml"
    config.write_text(
        f"name: c\nepisodes: 2\nworkers: 64\nscenarios:\n  - path: {CUT_IN}\n"
        "set: [sensors.cameras.0.width=8192, sensors.cameras.0.height=8192]\n"
    )
    with pytest.raises(
        ResourceError,
        match=r"c\.yaml: scenarios\[0\] .*cut_in: needs about "
        r"\d+\.\d GiB for 64 workers at once .*8192x8192",
    ):
        validate_scenarios(load_config(config), load_catalog())


def test_an_alias_bomb_in_an_override_is_refused_as_the_override():
    from sim.scenario import load_scenario

    levels = ["a0: &a0 [" + ",".join(["lol"] * 9) + "]"]
    for k in range(1, 8):
        levels.append(f"a{k}: &a{k} [" + ",".join([f"*a{k - 1}"] * 9) + "]")
    value = "{" + ", ".join(levels) + "}"  # 9**8 = 43 million nodes in 250 bytes
    t = time.perf_counter()
    with pytest.raises(
        ScenarioError,
        match=r"^--set #1 \(description\): cannot parse the value"
        r" .* more than 50,000 YAML nodes",
    ):
        load_scenario(CUT_IN, ["description=" + value])
    assert time.perf_counter() - t < 2.0


def test_the_recorded_sha256_is_of_the_bytes_parsed(tmp_path):
    import hashlib

    from sim.scenario import load_scenario

    path = scenario(tmp_path, CUT_IN.read_bytes())
    assert load_scenario(path).sha256 == hashlib.sha256(CUT_IN.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "xml, pattern",
    [
        (
            '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n'
            "<OpenSCENARIO>&a;</OpenSCENARIO>",
            r"x\.xosc:2: a DOCTYPE/ENTITY declaration is not supported",
        ),
        ("<OpenSCENARIO><a></OpenSCENARIO>", r"x\.xosc:1:\d+: not well-formed XML"),
    ],
)
def test_hostile_xosc_files_are_refused(place, tmp_path, xml, pattern):
    path = scenario(tmp_path, xml, "x.xosc")
    out = place[0] / "o.yaml"
    refused(sim(place, "import-xosc", str(path), "--out", str(out)), pattern, out=out)
    refused(
        sim(place, "import-xosc", "/dev/zero", "--out", str(out)),
        r"/dev/zero: is a character device",
        out=out,
    )
