"""``--overwrite`` replaces only what sim wrote (sim/outdir.py, docs/reliability.md).

SAFETY: these tests never point a deletion at a real system or home folder. Every command
runs with HOME and the working folder set to temporary folders; "home-like" and "cwd-like"
refusals use those fakes. The filesystem root and system folders are tried in-process only,
against :func:`sim.outdir.remove_tree` with its deletion primitive replaced by one that
fails the test if it is ever called.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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


def sim_cli(*args: str, home: Path, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """``python -m sim ARGS`` with a fake HOME and working folder (never the real ones)."""
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def listing(root: Path) -> dict[str, bytes | str]:
    """Every entry under ``root`` (links not followed): path -> bytes, link target or 'dir'."""
    out: dict[str, bytes | str] = {}
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            p = Path(base) / name
            rel = p.relative_to(root).as_posix()
            if p.is_symlink():
                out[rel] = "-> " + os.readlink(p)
            elif p.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = p.read_bytes()
    return out


def assert_refused(proc, *needles: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for n in needles:
        assert n in lines[0], (n, lines[0])


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory) -> dict[str, Path]:
    """A fake HOME, a fake working folder two levels down, and one small episode sim wrote."""
    root = tmp_path_factory.mktemp("safety")
    home, cwd = root / "home", root / "work" / "project"
    home.mkdir()
    cwd.mkdir(parents=True)
    episode = root / "episode"
    proc = sim_cli("run", str(CUT_IN), "--out", str(episode), *TINY, home=home, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return {"root": root, "home": home, "cwd": cwd, "episode": episode}


def _copy_episode(sandbox, dest: Path) -> Path:
    shutil.copytree(sandbox["episode"], dest, symlinks=True, dirs_exist_ok=True)
    return dest


# --- through the CLI -----------------------------------------------------------------------


def test_overwrite_refuses_a_folder_with_a_foreign_file(sandbox, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("three weeks of notes")
    (out / "data").mkdir()
    before = listing(tmp_path)
    proc = sim_cli(
        "run",
        str(CUT_IN),
        "--out",
        str(out),
        "--overwrite",
        *TINY,
        home=sandbox["home"],
        cwd=sandbox["cwd"],
    )
    assert_refused(proc, str(out), "holds files sim did not write", "notes.txt", "refusing")
    assert listing(tmp_path) == before  # the file survives, nothing was added beside it

    # an earlier episode with a file of the user's added is refused too, naming it
    episode = _copy_episode(sandbox, tmp_path / "episode")
    (episode / "frames" / "my_notes.md").write_text("mine")
    before = listing(episode)
    proc = sim_cli(
        "run",
        str(CUT_IN),
        "--out",
        str(episode),
        "--overwrite",
        *TINY,
        home=sandbox["home"],
        cwd=sandbox["cwd"],
    )
    assert_refused(proc, "frames/my_notes.md")
    assert listing(episode) == before


def test_overwrite_replaces_an_earlier_episode_through_a_link_without_following_links(
    sandbox, tmp_path
):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("not sim's")
    real = _copy_episode(sandbox, tmp_path / "real")
    # a listed file replaced by a link to a folder outside: replacing must not follow it
    (real / "tracks.csv").unlink()
    (real / "tracks.csv").symlink_to(precious, target_is_directory=True)
    old_manifest = (real / "manifest.json").read_bytes()
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    proc = sim_cli(
        "run",
        str(CUT_IN),
        "--out",
        str(link),
        "--overwrite",
        "--seed",
        "5",
        *TINY,
        home=sandbox["home"],
        cwd=sandbox["cwd"],
    )
    assert proc.returncode == 0, proc.stderr
    assert (precious / "keep.txt").read_text() == "not sim's"
    assert link.is_symlink() and link.resolve() == real.resolve()  # judged and replaced there
    assert not (real / "tracks.csv").is_symlink()
    assert (real / "manifest.json").read_bytes() != old_manifest
    assert json.loads((real / "meta.json").read_text())["seed"] == 5
    assert not list(tmp_path.glob(".*partial*"))


def test_home_and_working_folders_and_their_parents_are_refused(sandbox):
    home, cwd = sandbox["home"], sandbox["cwd"]
    # make each look exactly like an earlier episode: the only reason left to refuse is where
    for folder in (home, cwd):
        _copy_episode(sandbox, folder)
    before = listing(sandbox["root"])
    for out, why in (
        (home, "is the home folder"),
        (cwd, "is the working folder"),
        (".", "is the working folder"),
        (cwd.parent, "is a folder that contains the working folder"),
    ):
        proc = sim_cli(
            "run", str(CUT_IN), "--out", str(out), "--overwrite", *TINY, home=home, cwd=cwd
        )
        assert_refused(proc, why)
    assert listing(sandbox["root"]) == before


# --- the guard itself, in-process ------------------------------------------------------------


@pytest.fixture
def no_delete(monkeypatch):
    """Any deletion that gets past the checks fails the test instead of deleting."""
    import sim.outdir

    def forbidden(path, *a, **k):
        raise AssertionError(f"tried to delete {path}")

    monkeypatch.setattr(sim.outdir, "_rmtree", forbidden)


@pytest.mark.parametrize("path", ["/", "/usr", "/etc", "/var/lib", "/tmp", "/home"])
def test_root_and_system_folders_are_never_deleted(no_delete, path):
    from sim.errors import OutputError
    from sim.outdir import DATASET, EPISODE, MARKED, PARTIAL, check_target, remove_tree

    for kind in (EPISODE, DATASET, MARKED, PARTIAL):
        with pytest.raises(OutputError, match="refusing"):
            remove_tree(Path(path), kind)
    with pytest.raises(OutputError):
        check_target(Path(path), True, (EPISODE,))
    from sim.dataset.generate import _check_root

    if Path(path).is_dir() and any(Path(path).iterdir()):
        for overwrite in (False, True):  # generate's own check, which runs before any file
            with pytest.raises(OutputError):
                _check_root(Path(path), {}, overwrite)


def test_home_by_env_and_by_passwd_and_cwd_parents_are_protected(no_delete, monkeypatch, tmp_path):
    import sim.outdir as O

    fake_home, fake_passwd, cwd = tmp_path / "h", tmp_path / "p" / "user", tmp_path / "a" / "b"
    for d in (fake_home, fake_passwd, cwd):
        d.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(fake_home))
    monkeypatch.setattr(O, "_passwd_home", lambda: str(fake_passwd))
    monkeypatch.chdir(cwd)
    assert O.protected_reason(fake_home) == "the home folder"
    assert O.protected_reason(fake_passwd) == "the home folder"
    assert O.protected_reason(fake_passwd.parent) == "a folder that contains the home folder"
    assert O.protected_reason(cwd) == "the working folder"
    assert O.protected_reason(cwd.parent) == "a folder that contains the working folder"
    assert O.protected_reason(tmp_path) is not None
    assert O.protected_reason(cwd / "out") is None
    partial = cwd.parent / ".b.partial-1"
    partial.mkdir()
    link = cwd / "link"
    link.symlink_to(partial, target_is_directory=True)
    with pytest.raises(O.OutputError, match="symbolic link"):
        O.remove_tree(link, O.PARTIAL)  # a link is never deleted through
    assert partial.is_dir()


def test_deleting_never_follows_a_link_inside(tmp_path):
    from sim.outdir import PARTIAL, remove_tree

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "data.bin").write_bytes(b"\0" * 10)
    partial = tmp_path / ".out.partial-123"
    (partial / "sub").mkdir(parents=True)
    (partial / "sub" / "to_dir").symlink_to(outside, target_is_directory=True)
    (partial / "to_file").symlink_to(outside / "data.bin")
    remove_tree(partial, PARTIAL)
    assert not partial.exists()
    assert (outside / "data.bin").read_bytes() == b"\0" * 10


def test_only_sim_kinds_are_recognised(no_delete, tmp_path):
    from sim.errors import OutputError
    from sim.outdir import ASSETS, DATASET, EPISODE, MARKED, PARTIAL, remove_tree

    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.txt").write_text("x")
    fake = tmp_path / "fake_episode"
    fake.mkdir()
    (fake / "manifest.json").write_text('{"files": []}')  # no "episode" key: not sim's
    named = tmp_path / "named.partial"  # not the .NAME.partial-PID pattern
    named.mkdir()
    glb = tmp_path / "sedan"
    glb.mkdir()
    (glb / "sedan_0.glb").write_bytes(b"glTF")
    (glb / "README").write_text("mine")
    for path, kinds in (
        (plain, (EPISODE, DATASET, MARKED, PARTIAL, ASSETS)),
        (fake, (EPISODE,)),
        (named, (PARTIAL,)),
        (glb, (ASSETS,)),
    ):
        for kind in kinds:
            with pytest.raises(OutputError, match="refusing"):
                remove_tree(path, kind)
    assert (glb / "README").exists() and (plain / "a.txt").exists()


def test_staged_output_gets_a_marker_and_replaces_only_its_own(tmp_path):
    from sim.dataset.io import staged_dir
    from sim.errors import OutputError
    from sim.outdir import MARKER

    out = tmp_path / "sweep"
    with staged_dir(out, False, "sweep") as partial:
        (partial / "sweep.csv").write_text("a,b\n")
        (partial / "plots").mkdir()
        (partial / "plots" / "x.png").write_bytes(b"png")
    marker = json.loads((out / MARKER).read_text())
    assert marker["written_by"] == "sim" and marker["kind"] == "sweep"
    assert marker["files"] == ["plots/x.png", "sweep.csv"]
    with pytest.raises(OutputError, match="not empty"):
        with staged_dir(out, False, "sweep"):
            pass
    with staged_dir(out, True, "sweep") as partial:
        (partial / "sweep.csv").write_text("c,d\n")
    assert (out / "sweep.csv").read_text() == "c,d\n" and not (out / "plots").exists()
    (out / "mine.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"holds files sim did not write \(mine.txt\)"):
        with staged_dir(out, True, "sweep"):
            raise AssertionError("must be refused before the body runs")
    assert (out / "mine.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep"]  # no staging folder left


def test_generate_refusals_leave_the_folder_as_they_found_it(sandbox, tmp_path):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    before = listing(foreign)
    config = REPO / "tests" / "data" / "tiny_dataset.yaml"
    for extra in ([], ["--overwrite"]):
        proc = sim_cli(
            "generate",
            str(config),
            "--out",
            str(foreign),
            "--quiet",
            *extra,
            home=sandbox["home"],
            cwd=sandbox["cwd"],
        )
        assert_refused(proc, str(foreign), "notes.txt")
        assert listing(foreign) == before  # no .lock, no generate.log
    try:
        import ray  # noqa: F401
    except ImportError:
        empty = tmp_path / "empty"
        empty.mkdir()
        for out in (empty, tmp_path / "missing"):
            proc = sim_cli(
                "generate",
                str(config),
                "--out",
                str(out),
                "--backend",
                "ray",
                "--quiet",
                home=sandbox["home"],
                cwd=sandbox["cwd"],
            )
            assert_refused(proc, "needs Ray")
        assert list(empty.iterdir()) == [] and not (tmp_path / "missing").exists()


@pytest.mark.slow  # long: runs in .ci/run's slow pass
def test_generate_overwrite_replaces_an_earlier_dataset_and_only_that(sandbox, tmp_path):
    text = (REPO / "tests" / "data" / "tiny_dataset.yaml").read_text()
    text = (
        text.replace("../../scenarios", str(REPO / "scenarios"))
        .replace("episodes: 4", "episodes: 1")
        .replace("duration=0.5", "duration=0.3")
    )
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(text)
    second.write_text(text.replace("seed: 11", "seed: 12"))
    out = tmp_path / "dataset"
    where = {"home": sandbox["home"], "cwd": sandbox["cwd"]}
    proc = sim_cli("generate", str(first), "--out", str(out), "--workers", "1", "--quiet", **where)
    assert proc.returncode == 0, proc.stderr
    before = listing(out)
    proc = sim_cli("generate", str(second), "--out", str(out), "--quiet", **where)
    assert_refused(proc, "made from a different config", "--overwrite")
    (out / "shard_00000" / "notes.txt").write_text("mine")
    proc = sim_cli("generate", str(second), "--out", str(out), "--quiet", "--overwrite", **where)
    assert_refused(proc, "shard_00000/notes.txt")
    os.unlink(out / "shard_00000" / "notes.txt")
    assert listing(out) == before
    proc = sim_cli(
        "generate",
        str(second),
        "--out",
        str(out),
        "--workers",
        "1",
        "--quiet",
        "--overwrite",
        **where,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "plan.json").read_text())["config"]["seed"] == 12
    assert json.loads((out / "manifest.json").read_text())["complete"]
    assert "--overwrite: removed the earlier dataset" in (out / "generate.log").read_text()


def test_a_dataset_is_recognised_entry_by_entry(no_delete, tmp_path):
    from sim.outdir import DATASET, MARKER, foreign_entries

    root = tmp_path / "ds"
    ep = root / "shard_00000" / "ep_000000_cut_in"
    (ep / "labels").mkdir(parents=True)
    (ep / "labels" / "000000.json").write_text("{}")
    (ep / "manifest.json").write_text(
        json.dumps(
            {"episode": "cut_in", "sim_version": "0", "files": [{"path": "labels/000000.json"}]}
        )
    )
    (root / "shard_00000" / ".ep_000001_cut_in.partial-77" / "frames").mkdir(parents=True)
    (root / "shard_00000" / "ep_000002_cut_in").mkdir()  # empty: nothing to lose
    (root / "coco").mkdir()
    (root / "coco" / "train_front.json").write_text("{}")
    (root / "report").mkdir()
    (root / "report" / "index.html").write_text("<html>")
    marker = {"written_by": "sim", "files": ["index.html"]}
    (root / "report" / MARKER).write_text(json.dumps(marker))
    (root / "plan.json").write_text(json.dumps({"dataset": "tiny", "episodes": []}))
    (root / "generate.log").write_text("")
    assert foreign_entries(root, DATASET) == []
    (root / "coco" / "notes.txt").write_text("mine")
    (ep / "labels" / "extra.json").write_text("{}")
    (root / "report" / "mine.png").write_bytes(b"")
    (root / "shard_00000" / "ep_000003_cut_in").mkdir()
    (root / "shard_00000" / "ep_000003_cut_in" / "x").write_text("no manifest")
    assert sorted(foreign_entries(root, DATASET)) == [
        "coco/notes.txt",
        "report/mine.png",
        "shard_00000/ep_000000_cut_in/labels/extra.json",
        "shard_00000/ep_000003_cut_in/",
    ]
    (root / "plan.json").unlink()
    assert foreign_entries(root, DATASET) is None  # no plan, no dataset manifest: not a dataset
