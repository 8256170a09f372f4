"""Dataset generation end to end: `python -m sim generate / check / report`.

The datasets here are tiny (tests/data/tiny_dataset.yaml: 4 episodes of 5 frames at
160x90) so the default suite stays fast; the same code paths make the nightly dataset.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.generate_faults import FaultTask
from helpers.paths import REPO

TINY = REPO / "tests" / "data" / "tiny_dataset.yaml"
NOT_DATA = {"generate.log", ".lock"}


def sim(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def tree(root: Path) -> dict[str, bytes]:
    """Every file of a dataset (not the run log or lock), path -> bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in NOT_DATA
    }


def assert_same_tree(a: Path, b: Path) -> None:
    ta, tb = tree(a), tree(b)
    assert sorted(ta) == sorted(tb), sorted(set(ta) ^ set(tb))[:5]
    differ = [k for k in ta if ta[k] != tb[k]]
    assert not differ, differ[:5]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "two_workers"
    proc = sim("generate", str(TINY), "--out", str(out), "--workers", "2", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "generated 4 episodes (20 frames)" in proc.stdout
    return out


# --- config and plan (no episodes run) --------------------------------------------------


def test_config_errors_name_file_line_and_key(tmp_path):
    from sim.dataset.config import load_config
    from sim.errors import ScenarioError

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        f"name: bad\nepisodes: 3\nscenarios:\n  - path: {REPO}/scenarios/cut_in.yaml\n"
        "    wieght: 2\n"
    )
    with pytest.raises(ScenarioError) as err:
        load_config(bad)
    assert (
        str(err.value)
        == f"{bad}:5:5: scenarios[0].wieght: unknown key 'wieght'; did you mean 'weight'?"
    )

    bad.write_text(
        "name: bad\nepisodes: 3\nsplit: {train: 0.9, val: 0.2, test: 0.1}\n"
        "scenarios:\n  - path: nope.yaml\n"
    )
    with pytest.raises(
        ScenarioError, match=r"bad.yaml:3:8: split: train \+ val \+ test must be 1, found 1.2"
    ):
        load_config(bad)
    bad.write_text("name: bad\nepisodes: 3\nscenarios:\n  - path: nope.yaml\n")
    with pytest.raises(
        ScenarioError, match=r"bad.yaml:4:11: scenarios\[0\].path: no such scenario file"
    ):
        load_config(bad)


def test_cli_reports_a_bad_override_in_one_line(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        f"name: c\nepisodes: 1\nscenarios:\n  - path: {REPO}/scenarios/cut_in.yaml\n"
        "    set: [durration=1]\n"
    )
    proc = sim("generate", str(cfg), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert (
        proc.stderr.startswith(f"error: {cfg}:4: scenario ")
        and "unknown key 'durration'" in proc.stderr
    )
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("shard_*"))


def test_plan_depends_on_the_config_only():
    from sim.dataset.config import load_config, make_plan, split_counts

    loaded = load_config(TINY)
    plan = make_plan(loaded)
    assert plan == make_plan(load_config(TINY))
    assert [t.index for t in plan] == [0, 1, 2, 3]
    assert [t.rel_dir for t in plan][:3] == [
        "shard_00000/ep_000000_cut_in",
        "shard_00000/ep_000001_cut_in",
        "shard_00001/ep_000002_cut_in",
    ]
    assert len({t.seed for t in plan}) == 4 and all(0 <= t.seed < 2**53 for t in plan)
    assert sorted(t.split for t in plan) == ["test", "train", "train", "val"]
    assert plan[0].overrides[0] == "outputs.formats=[native, coco, kitti]"
    from sim.dataset.config import SplitSpec

    assert split_counts(10, SplitSpec(train=0.8, val=0.1, test=0.1)) == {
        "train": 8,
        "val": 1,
        "test": 1,
    }
    assert split_counts(7, SplitSpec(train=0.5, val=0.25, test=0.25)) == {
        "train": 3,
        "val": 2,
        "test": 2,
    }


def test_weights_pick_scenarios_in_proportion(tmp_path):
    from sim.dataset.config import load_config, make_plan

    other = tmp_path / "other.yaml"
    other.write_text(
        (REPO / "scenarios" / "cut_in.yaml").read_text().replace("name: cut_in", "name: other")
    )
    cfg = tmp_path / "w.yaml"
    cfg.write_text(
        f"name: w\nseed: 3\nepisodes: 2000\nscenarios:\n  - path: {REPO}/scenarios/cut_in.yaml\n"
        f"    weight: 3\n  - path: other.yaml\n    weight: 1\n"
    )
    plan = make_plan(load_config(cfg))
    # stratified: exactly the weights' share overall, and within one episode in each split
    assert sum(t.scenario.endswith("other.yaml") for t in plan) == 500
    for split, n in (("train", 1600), ("val", 200), ("test", 200)):
        mine = [t for t in plan if t.split == split]
        assert len(mine) == n
        assert abs(sum(t.scenario.endswith("other.yaml") for t in mine) - n / 4) <= 1


# --- the local executor: crashes, hangs, failures ---------------------------------------


def test_pool_retries_crashed_and_hung_workers_and_reports_failures(tmp_path):
    from sim.dataset.pool import run_local

    tasks = [
        FaultTask(0, "ok"),
        FaultTask(1, "crash_once"),
        FaultTask(2, "hang_once"),
        FaultTask(3, "always_crash"),
        FaultTask(4, "raise"),
        FaultTask(5, "ok"),
    ]
    events = list(
        run_local(
            "helpers.generate_faults:flaky",
            tasks,
            workers=2,
            timeout=5.0,
            max_tries=3,
            args=(str(tmp_path),),
        )
    )
    final = {e.index: e for e in events if e.kind != "retry"}
    assert sorted(final) == [0, 1, 2, 3, 4, 5]
    assert {i: e.kind for i, e in final.items()} == {
        0: "done",
        1: "done",
        2: "done",
        3: "failed",
        4: "failed",
        5: "done",
    }
    assert final[1].tries == 2 and final[1].value["tries"] == 2
    assert final[2].tries == 2
    assert final[3].tries == 3 and "died (exit code 4)" in final[3].error
    assert final[4].tries == 3 and "RuntimeError: task 4 always raises" in final[4].error
    retried = [e for e in events if e.kind == "retry"]
    assert any("timed out after 5 s" in e.error for e in retried if e.index == 2)


# --- whole datasets -----------------------------------------------------------------------


def test_dataset_layout_manifest_and_merged_files(reference):
    from pycocotools.coco import COCO

    manifest = json.loads((reference / "manifest.json").read_text())
    assert manifest["complete"] and manifest["missing"] == []
    counts = manifest["counts"]
    assert counts["episodes"] == 4 and counts["frames"] == 20
    assert {s: v["episodes"] for s, v in counts["by_split"].items()} == {
        "train": 2,
        "val": 1,
        "test": 1,
    }
    assert counts["by_scenario"] == {"cut_in": 4}
    assert counts["objects"] == sum(counts["by_class"].values()) > 0
    listed = {f["path"] for f in manifest["files"]}
    assert listed == set(tree(reference)) - {"manifest.json"}
    for split in ("train", "val", "test"):
        coco = COCO(str(reference / "coco" / f"{split}_front.json"))
        assert len(coco.getImgIds()) == counts["by_split"][split]["frames"]
        assert len(coco.getAnnIds()) == counts["by_split"][split]["objects"]
        img = coco.loadImgs(coco.getImgIds()[0])[0]
        assert (reference / img["file_name"]).is_file()
        lines = (reference / "kitti" / "front" / f"{split}.txt").read_text().splitlines()
        assert (
            len(lines) == counts["by_split"][split]["frames"] and (reference / lines[0]).is_file()
        )


@pytest.mark.slow  # 14 s (the kill -9 resume test checks the bytes by default)
def test_same_bytes_with_one_worker_as_with_two(reference, tmp_path):
    out = tmp_path / "one_worker"
    proc = sim("generate", str(TINY), "--out", str(out), "--workers", "1", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert_same_tree(reference, out)
    # run again: nothing to do, same bytes
    proc = sim("generate", str(TINY), "--out", str(out), "--workers", "1", "--quiet")
    assert (
        proc.returncode == 0
        and "generated 0 episodes" in proc.stdout
        and "4 were already complete" in proc.stdout
    )
    assert_same_tree(reference, out)


def _children(pid: int) -> list[int]:
    out = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            out.append(int(status.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text().split("State:\t", 1)[1][0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def test_kill_9_then_resume_gives_the_uninterrupted_bytes(reference, tmp_path):
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim",
            "generate",
            str(TINY),
            "--out",
            str(out),
            "--workers",
            "1",
            "--quiet",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while not list(out.glob("shard_*/ep_*/manifest.json")):
            assert proc.poll() is None, "generate ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        workers = _children(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 30
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers), "workers outlived the killed generator"
    assert not (out / "manifest.json").exists()
    complete = len(list(out.glob("shard_*/ep_*/manifest.json")))
    assert 1 <= complete < 4

    check = sim("check", str(out), "--quiet")
    assert check.returncode == 1 and "manifest.json: missing" in check.stderr

    proc = sim("generate", str(TINY), "--out", str(out), "--workers", "2", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert f"{complete} were already complete" in proc.stdout
    assert not list(out.glob("shard_*/.*partial*"))
    assert_same_tree(reference, out)


def test_a_different_config_into_the_same_folder_is_refused(reference, tmp_path):
    cfg = tmp_path / "other.yaml"
    cfg.write_text(
        TINY.read_text()
        .replace("seed: 11", "seed: 12")
        .replace("../../scenarios", str(REPO / "scenarios"))
    )
    before = tree(reference)
    proc = sim("generate", str(cfg), "--out", str(reference), "--quiet")
    assert proc.returncode == 2 and "made from a different config" in proc.stderr
    assert tree(reference) == before


def test_check_passes_then_names_a_corrupted_file(reference, tmp_path):
    proc = sim("check", str(reference))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok: 4 episodes, 20 frames,")

    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(reference, bad)
    png = "shard_00001/ep_000003_cut_in/frames/front/instance/000002.png"
    data = bytearray((bad / png).read_bytes())
    data[len(data) // 2] ^= 0x55
    (bad / png).write_bytes(bytes(data))
    label = next(iter(sorted(bad.glob("shard_00000/ep_000000_cut_in/labels/front/*.json"))))
    obj = json.loads(label.read_text())
    obj["objects"][0]["box2d"][0] += 1
    label.write_text(json.dumps(obj))
    proc = sim("check", str(bad), "--quiet")
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert f"BAD {png}: sha256 differs from the manifest's" in lines
    rel = label.relative_to(bad).as_posix()
    assert f"BAD {rel}: size {label.stat().st_size} differs from the manifest's" in " ".join(
        lines
    ) or any(line.startswith(f"BAD {rel}: sha256") for line in lines)
    assert any(line.startswith(f"BAD {rel}: object ") and "box2d" in line for line in lines)


def test_report_builds_with_every_plot(reference, tmp_path):
    out = tmp_path / "report"
    proc = sim("report", str(reference), "--out", str(out), "--samples", "4")
    assert proc.returncode == 0, proc.stderr
    page = (out / "index.html").read_text()
    for name in (
        "objects_per_class",
        "frames_per_split",
        "scenarios",
        "box_sizes",
        "box_heights",
        "distances",
        "occlusion",
        "truncation",
        "visible_fraction",
        "edge_cases",
        "contact_sheet",
    ):
        png = out / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert f"src='{name}.png'" in page
    assert "4 of 4\nepisodes, 20 frames" in page
    # objects per frame by KITTI type, counted from the labels, beside KITTI's figures
    import json
    from collections import Counter

    kinds = Counter()
    for labels in reference.glob("**/labels/*/*.json"):
        for obj in json.loads(labels.read_text())["objects"]:
            kinds[{"car": "Car", "pedestrian": "Pedestrian"}.get(obj["cls"], obj["cls"])] += 1
    rows = {r["kitti_type"]: r for r in json.loads((out / "density.json").read_text())}
    assert rows["Car"]["frames"] == 20
    assert rows["Car"]["per_frame"] == round(kinds["Car"] / 20, 3)
    assert rows["Pedestrian"]["kitti_per_image"] == 0.6 and rows["Car"]["kitti_per_image"] == 3.842
    line = [x for x in proc.stdout.splitlines() if x.startswith("per frame: ")]
    assert line and f"Car {kinds['Car'] / 20:.2f} (KITTI 3.84)" in line[0]
    # KITTI difficulty levels: every labelled object is in exactly one level or ignored;
    # an object >= 40 px tall, fully visible and untruncated is "easy"
    levels = json.loads((out / "difficulty.json").read_text())
    objects = [
        o
        for labels in reference.glob("**/labels/*/*.json")
        for o in json.loads(labels.read_text())["objects"]
    ]
    assert sum(sum(row.values()) for row in levels.values()) == len(objects)
    easy = sum(
        o["box2d"][3] - o["box2d"][1] >= 40 and o["occlusion"] == 0 and o["truncation"] <= 0.15
        for o in objects
    )
    assert sum(row["easy"] for row in levels.values()) == easy
    assert any(x.startswith("KITTI difficulty ") for x in proc.stdout.splitlines())
    from sim.dataset.io import read_png

    sheet = read_png(out / "contact_sheet.png")
    assert sheet.shape == (90 + 4, 4 * (160 + 4), 3)  # 4 frames of 160x90 in one row


@pytest.mark.slow
def test_ray_backend_writes_the_same_files(reference, tmp_path):
    pytest.importorskip("ray")
    out = tmp_path / "ray"
    proc = sim(
        "generate", str(TINY), "--out", str(out), "--workers", "2", "--backend", "ray", "--quiet"
    )
    assert proc.returncode == 0, proc.stderr
    assert_same_tree(reference, out)


def test_episodes_that_keep_failing_are_reported_and_the_run_ends(tmp_path):
    # every try times out (0.5 s is less than a worker's start-up): the run must still end,
    # say which episodes failed, exit 1, and leave a manifest that check rejects
    cfg = tmp_path / "timeout.yaml"
    cfg.write_text(
        TINY.read_text()
        .replace("timeout: 300", "timeout: 0.5")
        .replace("max_tries: 2", "max_tries: 1")
        .replace("episodes: 4", "episodes: 2")
        .replace("../../scenarios", str(REPO / "scenarios"))
    )
    out = tmp_path / "out"
    proc = sim("generate", str(cfg), "--out", str(out), "--workers", "2", "--quiet")
    assert proc.returncode == 1, proc.stderr
    assert "2 failed: episodes 0, 1" in proc.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert not manifest["complete"] and manifest["counts"]["episodes"] == 0
    assert [m["index"] for m in manifest["missing"]] == [0, 1]
    assert "timed out after 0.5 s" in manifest["missing"][0]["error"]
    assert "FAILED after 1 tries" in (out / "generate.log").read_text()
    check = sim("check", str(out), "--quiet")
    assert check.returncode == 1
    assert (
        "BAD shard_00000/ep_000000_cut_in: episode missing (timed out after 0.5 s" in check.stderr
    )


def test_check_refuses_what_is_not_a_dataset(reference, tmp_path):
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "manifest.json").write_text('{"name": "someone else\'s"}')
    proc = sim("check", str(tmp_path / "other"), "--quiet")
    assert proc.returncode == 1 and "BAD manifest.json: not a manifest sim wrote" in proc.stderr
    proc = sim("check", str(tmp_path / "nothing"), "--quiet")
    assert proc.returncode == 1 and "BAD manifest.json: missing" in proc.stderr
