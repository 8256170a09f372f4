"""Bad input through the CLI: one clear line, exit code 2, no traceback, nothing written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers.episodes import run_sim

GOOD = Path(__file__).resolve().parent.parent / "scenarios" / "cut_in.yaml"


def _scenario(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


def _assert_clean_failure(proc, out: Path, *patterns: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for p in patterns:
        assert re.search(p, lines[0]), (p, lines[0])
    assert not out.exists()
    assert not list(out.parent.glob(f".{out.name}.partial*"))


def test_missing_file(tmp_path):
    out = tmp_path / "out"
    proc = run_sim("run", str(tmp_path / "nope.yaml"), "--out", str(out))
    _assert_clean_failure(proc, out, r"nope\.yaml: no such file")


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = _scenario(tmp_path, "name: x\nduration: 8\nroad: {length: 500\nego: {lane: 1}\n")
    out = tmp_path / "out"
    _assert_clean_failure(
        run_sim("run", str(path), "--out", str(out)), out, r"s\.yaml:\d+:\d+: YAML syntax error"
    )


def test_wrong_type_names_file_line_and_key(tmp_path):
    text = GOOD.read_text().replace("  speed: 25.0\n", "  speed: fast\n", 1)
    path = _scenario(tmp_path, text)
    line = text.splitlines().index("  speed: fast") + 1
    out = tmp_path / "out"
    _assert_clean_failure(
        run_sim("run", str(path), "--out", str(out)),
        out,
        rf"s\.yaml:{line}:10: ego\.speed: expected a number >= 0 and <= 80 or a distribution",
        "'fast'",
    )


def test_unknown_key_suggests_the_closest(tmp_path):
    text = GOOD.read_text().replace("    lane: 2\n", "    lnae: 2\n", 1)
    path = _scenario(tmp_path, text)
    line = text.splitlines().index("    lnae: 2") + 1
    out = tmp_path / "out"
    _assert_clean_failure(
        run_sim("run", str(path), "--out", str(out)),
        out,
        rf"s\.yaml:{line}:5: actors\[1\]\.lnae: unknown key 'lnae'; did you mean 'lane'\?",
    )


def test_semantic_error_lane_that_does_not_exist(tmp_path):
    text = GOOD.read_text().replace("    lane: 2\n", "    lane: 5\n", 1)
    path = _scenario(tmp_path, text)
    line = text.splitlines().index("    lane: 5") + 1
    out = tmp_path / "out"
    _assert_clean_failure(
        run_sim("run", str(path), "--out", str(out)),
        out,
        rf"s\.yaml:{line}:11: actors\[1\]\.lane: lane 5 does not exist",
    )


def test_existing_output_refused_without_overwrite(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    proc = run_sim("run", str(GOOD), "--out", str(out), "--set", "duration=0.1")
    assert proc.returncode == 2 and "not empty" in proc.stderr and "Traceback" not in proc.stderr
    assert (out / "keep.txt").read_text() == "mine"


@pytest.mark.parametrize("bad_seed", ["-1", "x"])
def test_bad_seed(bad_seed, tmp_path):
    proc = run_sim("run", str(GOOD), "--seed", bad_seed, "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_validate_and_sample(tmp_path):
    proc = run_sim("validate", str(GOOD))
    assert proc.returncode == 0 and "ok:" in proc.stdout
    proc = run_sim("sample", str(GOOD), "--seed", "3")
    assert proc.returncode == 0
    assert "cut_in_gap:" in proc.stdout and "uniform" not in proc.stdout
    assert proc.stdout == run_sim("sample", str(GOOD), "--seed", "3").stdout
