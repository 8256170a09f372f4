"""Operating-system failures through the CLI: one line naming the path and the cause, exit 3,
no traceback, nothing left behind (docs/reliability.md: when the machine fails).

No disk is filled: "file too large" comes from ``RLIMIT_FSIZE`` in the child (Python ignores
SIGXFSZ, so the write fails with EFBIG), "no space left" from a ``sitecustomize.py`` that
makes writes under the output folder fail with ENOSPC after a few bytes
(tests/helpers/os_faults.py).
"""

from __future__ import annotations

import errno
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.os_faults import SITECUSTOMIZE, FaultTask
from helpers.paths import REPO

CUT_IN = REPO / "scenarios" / "cut_in.yaml"
TINY = [
    "--set",
    "duration=0.3",
    "--set",
    "sensors.cameras.0.width=160",
    "--set",
    "sensors.cameras.0.height=90",
    "--quiet",
]


def sim_cli(
    *args: str, tmp: Path, env: dict | None = None, preexec=None
) -> subprocess.CompletedProcess:
    """``python -m sim ARGS`` with a fake HOME and working folder under ``tmp``."""
    home, cwd = tmp / "home", tmp / "cwd"
    home.mkdir(exist_ok=True)
    cwd.mkdir(exist_ok=True)
    full = {**os.environ, "HOME": str(home), "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=preexec,
    )


def assert_os_failure(proc, out: Path, *needles: str) -> str:
    assert proc.returncode == 3, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for n in needles:
        assert n in lines[0], (n, lines[0])
    assert not out.exists(), sorted(p.name for p in out.rglob("*"))[:5]
    assert not list(out.parent.glob(".*partial*"))
    assert not list(out.parent.glob(".*tmp*"))
    return lines[0]


def _full_disk(tmp: Path, match: str, after: int = 2000) -> dict:
    site = tmp / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    return {
        "PYTHONPATH": f"{site}{os.pathsep}{REPO}",
        "SIM_FAULT_MATCH": match,
        "SIM_FAULT_AFTER": str(after),
        "SIM_FAULT_ERRNO": "ENOSPC",
    }


def test_out_under_a_regular_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    out = blocker / "out"
    proc = sim_cli("run", str(CUT_IN), "--out", str(out), *TINY, tmp=tmp_path)
    line = assert_os_failure(proc, out, "Not a directory", str(blocker))
    assert blocker.read_text() == "a file, not a folder", line
    proc = sim_cli(
        "generate",
        str(REPO / "tests/data/tiny_dataset.yaml"),
        "--out",
        str(out),
        "--quiet",
        tmp=tmp_path,
    )
    assert_os_failure(proc, out, "Not a directory")


@pytest.mark.slow  # 10 s: two runs, one under RLIMIT_FSIZE
def test_file_too_large(tmp_path):
    def limit():  # runs in the child only
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    # the same run once without the limit, so that Numba's cache is warm: a kernel compiled
    # under the limit would fail writing its cache file, naming no file of the episode
    warm = sim_cli("run", str(CUT_IN), "--out", str(tmp_path / "warm"), *TINY, tmp=tmp_path)
    assert warm.returncode == 0, warm.stderr
    out = tmp_path / "a" / "b" / "ep"  # parents made by the run are removed again
    proc = sim_cli("run", str(CUT_IN), "--out", str(out), *TINY, tmp=tmp_path, preexec=limit)
    line = assert_os_failure(proc, out, "File too large")
    assert f"error: {out}/" in line  # named under --out, not the hidden staging folder
    assert not (tmp_path / "a").exists()


def test_no_space_left_during_run(tmp_path):
    out = tmp_path / "ep"
    proc = sim_cli(
        "run",
        str(CUT_IN),
        "--out",
        str(out),
        *TINY,
        tmp=tmp_path,
        env=_full_disk(tmp_path, str(tmp_path / ".ep.partial-")),
    )
    line = assert_os_failure(proc, out, "No space left on device")
    assert f"error: {out}/" in line


@pytest.mark.slow  # 7 s: a generate run
def test_no_space_in_a_worker_stops_the_whole_generate(tmp_path):
    config = tmp_path / "cfg.yaml"
    config.write_text(
        (REPO / "tests/data/tiny_dataset.yaml")
        .read_text()
        .replace("../../scenarios", str(REPO / "scenarios"))
    )
    out = tmp_path / "dataset"
    proc = sim_cli(
        "generate",
        str(config),
        "--out",
        str(out),
        "--workers",
        "1",
        "--quiet",
        tmp=tmp_path,
        env=_full_disk(tmp_path, "/shard_"),
    )
    # one error for the run, not four failed episodes and exit 1; no episode was completed,
    # so the folder this run made is gone again
    line = assert_os_failure(proc, out, "No space left on device", "/shard_00000/")
    assert "failed" not in proc.stdout, line


# --- how a worker's failure is sorted -------------------------------------------------------


def test_failure_kinds():
    from sim.dataset.pool import failure_kind
    from sim.errors import OutputError, ResourceError, ScenarioError, SystemFailure

    assert failure_kind(ScenarioError("no room")) == "deterministic"
    assert failure_kind(OutputError("occupied")) == "deterministic"
    assert failure_kind(ResourceError("memory")) == "transient"
    assert failure_kind(RuntimeError("?")) == "transient"
    for code in (errno.ENOSPC, errno.EFBIG, errno.EROFS, errno.EACCES, errno.ENOTDIR):
        assert failure_kind(OSError(code, os.strerror(code), "/x")) == "system"
    assert failure_kind(OSError(errno.ESTALE, "stale", "/x")) == "transient"
    assert failure_kind(SystemFailure("disk full", "/x")) == "system"


def test_pool_does_not_retry_bad_input_and_reports_the_machine(tmp_path):
    from sim.dataset.pool import run_local

    tasks = [FaultTask(0, "scenario_error"), FaultTask(1, "ok"), FaultTask(2, "enospc")]
    events = list(
        run_local(
            "helpers.os_faults:task",
            tasks,
            workers=1,
            timeout=60.0,
            max_tries=3,
            args=(str(tmp_path),),
        )
    )
    final = {e.index: e for e in events}
    assert not [e for e in events if e.kind == "retry"]
    assert final[0].kind == "failed" and final[0].tries == 1
    assert "ScenarioError: background: could place only 29" in final[0].error
    assert (tmp_path / "0.tries").read_text() == "1"  # tried once: the same seed fails alike
    assert final[1].kind == "done"
    assert final[2].kind == "system"
    assert final[2].error == f"{tmp_path}/x.png: No space left on device"


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE semantics")
def test_rlimit_makes_writes_fail_with_efbig(tmp_path):
    # the premise of test_file_too_large: Python ignores SIGXFSZ, so write() fails
    code = (
        "import resource; resource.setrlimit(resource.RLIMIT_FSIZE, (10, 10))\n"
        f"with open({str(tmp_path / 'f')!r}, 'wb') as f:\n    f.write(b'x' * 100)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "File too large" in proc.stderr
