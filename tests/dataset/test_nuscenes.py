"""The `nuscenes` output format, checked with the official nuscenes-devkit: it loads one
episode and a generated dataset, renders a camera frame with its boxes, and projects each
annotation's box onto sim's own projected 3D box (``box2d_amodal``) within 1 px.

The devkit pins numpy<2, so it is installed with ``--no-deps`` (its imports, cachetools and
scikit-learn, are in the ``test`` extra). Without it these tests skip, except in CI (``CI``
set) or with ``SIM_REQUIRE_NUSCENES=1``, where a missing devkit fails.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from sim.classes import THING_CLASSES
from sim.dataset.writers.nuscenes import (
    CATEGORY_OF,
    TIME_ZERO_US,
    VERSION,
    quaternion,
    rotation_matrix,
    visibility_token,
)

from helpers.episodes import run_sim
from helpers.paths import DATA

EPISODE_ARGS = (
    "scenarios/cut_in.yaml",
    "--quiet",
    "--set",
    "outputs.formats=[native, nuscenes]",
    "--set",
    "duration=1",
    "--set",
    "sensors.cameras.0.width=320",
    "--set",
    "sensors.cameras.0.height=180",
)


@pytest.fixture(scope="module")
def devkit():
    """The devkit's modules, else skip (or fail in CI / with SIM_REQUIRE_NUSCENES)."""
    import matplotlib

    matplotlib.use("Agg")
    if not (os.environ.get("CI") or os.environ.get("SIM_REQUIRE_NUSCENES")):
        pytest.importorskip(
            "nuscenes", reason="pip install --no-deps -c constraints.txt nuscenes-devkit"
        )
    from nuscenes.nuscenes import NuScenes
    from nuscenes.utils import geometry_utils

    return NuScenes, geometry_utils


def _run(out: Path) -> Path:
    proc = run_sim("run", *EPISODE_ARGS, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def episode(tmp_path_factory) -> Path:
    return _run(tmp_path_factory.mktemp("nus") / "ep")


LIDAR = "[{name: top, preset: hdl32e, horizontal_resolution_deg: 0.5}]"


@pytest.fixture(scope="module")
def lidar_episode(tmp_path_factory) -> Path:
    """The episode of ``episode`` with a LiDAR: 10 camera frames, 11 sweeps (0 .. 1 s)."""
    out = tmp_path_factory.mktemp("nuslidar") / "ep"
    proc = run_sim("run", *EPISODE_ARGS, "--set", f"sensors.lidars={LIDAR}", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("nusds") / "ds"
    proc = run_sim(
        "generate",
        str(DATA / "tiny_dataset.yaml"),
        "--set",
        "formats=[native, nuscenes]",
        "--out",
        str(out),
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    return out


def _load(devkit, dataroot: Path):
    NuScenes, _ = devkit
    return NuScenes(version=VERSION, dataroot=str(dataroot), verbose=False)


def _labels(episode: Path, filename: str) -> dict:
    """The native labels of the frame a sample_data ``filename`` links."""
    cam = filename.split("/")[1].removeprefix("CAM_").lower()
    stem = filename.rsplit("__", 1)[-1].rsplit("/", 1)[-1].removesuffix(".png")
    return json.loads((episode / "labels" / cam / f"{stem}.json").read_text())


def _check_projection(devkit, nusc, episode_of) -> int:
    """For every sample_data: the devkit's boxes (get_sample_data, BoxVisibility.ANY) projected
    with view_points match sim's box2d_amodal within 1 px, for boxes fully in front and
    inside the image; every labelled object is annotated. Returns the boxes compared."""
    _, gu = devkit
    sim_id = {i["token"]: i["sim_id"] for i in nusc.instance}
    compared = 0
    for sd in nusc.sample_data:
        if not sd["is_key_frame"]:
            continue
        labels = _labels(episode_of(sd), sd["filename"])
        objects = {o["id"]: o for o in labels["objects"]}
        sample = nusc.get("sample", sd["sample_token"])
        annotated = {
            sim_id[nusc.get("sample_annotation", a)["instance_token"]] for a in sample["anns"]
        }
        assert set(objects) <= annotated
        _path, boxes, K = nusc.get_sample_data(sd["token"], box_vis_level=gu.BoxVisibility.ANY)
        for box in boxes:
            oid = sim_id[nusc.get("sample_annotation", box.token)["instance_token"]]
            corners = box.corners()
            obj = objects.get(oid)
            if obj is None or corners[2].min() <= 0.5 or obj["truncation"] > 0:
                continue
            uv = gu.view_points(corners, K, normalize=True)[:2] + 0.5  # pixel-edge coordinates
            extent = [uv[0].min(), uv[1].min(), uv[0].max(), uv[1].max()]
            assert np.abs(np.subtract(extent, obj["box2d_amodal"])).max() < 1.0, (oid, sd)
            compared += 1
    return compared


def test_quaternions_round_trip_and_visibility_bins():
    rng = np.random.default_rng(0)
    for _ in range(200):
        q = rng.normal(size=4)
        q /= np.linalg.norm(q)
        R = rotation_matrix(q)
        assert np.allclose(rotation_matrix(quaternion(R)), R, atol=1e-8)
        assert quaternion(R)[0] >= 0
    bins = [(0.0, "1"), (0.399, "1"), (0.4, "2"), (0.6, "3"), (0.79, "3"), (0.8, "4"), (1.0, "4")]
    assert [visibility_token(v) for v, _ in bins] == [t for _, t in bins]


def test_every_thing_class_has_a_nuscenes_category_the_devkit_knows(devkit):
    from nuscenes.utils.color_map import get_colormap

    assert set(CATEGORY_OF) == {c.name for c in THING_CLASSES}
    assert set(CATEGORY_OF.values()) <= set(get_colormap())


def test_the_devkit_loads_the_episode_and_its_tables_link_up(devkit, episode):
    nusc = _load(devkit, episode / "nuscenes")
    meta = json.loads((episode / "meta.json").read_text())
    frames = meta["cameras"][0]["frames"]
    assert len(nusc.scene) == 1 and len(nusc.sample) == len(nusc.sample_data) == frames
    assert nusc.scene[0]["nbr_samples"] == frames
    records = [r for t in nusc.table_names for r in getattr(nusc, t)]
    assert all(len(r["token"]) == 32 for r in records if len(r["token"]) != 1)  # "1".."4"
    for inst in nusc.instance:  # prev/next chains visit every annotation of the instance
        chain, tok = [], inst["first_annotation_token"]
        while tok:
            ann = nusc.get("sample_annotation", tok)
            assert ann["instance_token"] == inst["token"]
            chain.append(tok)
            tok = ann["next"]
        assert len(chain) == inst["nbr_annotations"] and chain[-1] == inst["last_annotation_token"]
    attribute = {a["token"]: a["name"] for a in nusc.attribute}
    cut_in = next(a["id"] for a in meta["agents"] if a["name"] != "ego")
    for ann in nusc.sample_annotation:
        inst = nusc.get("instance", ann["instance_token"])
        labels = _labels(episode, nusc.get("sample_data", _sd_of(nusc, ann))["filename"])
        obj = next(o for o in labels["objects"] if o["id"] == inst["sim_id"])
        length, w, h = obj["box3d"]["size"]
        assert ann["size"] == pytest.approx([w, length, h], abs=1e-6)
        assert ann["visibility_token"] == visibility_token(obj["visible_fraction"])
        assert ann["num_lidar_pts"] == obj["pixels"] > 0 and ann["num_radar_pts"] == 0
        assert ann["category_name"] == CATEGORY_OF[obj["cls"]]
        if inst["sim_id"] == cut_in:
            assert [attribute[t] for t in ann["attribute_tokens"]] == ["vehicle.moving"]
    # the ego frame: the camera's pose in it and K, as meta.json has them
    cs = nusc.calibrated_sensor[0]
    T = np.array(meta["cameras"][0]["T_ego_cam"])
    assert np.allclose(rotation_matrix(cs["rotation"]), T[:3, :3], atol=1e-8)
    assert np.allclose(cs["translation"], T[:3, 3])
    assert np.allclose(cs["camera_intrinsic"], meta["cameras"][0]["K"])


def _sd_of(nusc, ann) -> str:
    return nusc.get("sample", ann["sample_token"])["data"]["CAM_FRONT"]


def test_devkit_boxes_project_onto_sims_boxes_within_a_pixel(devkit, episode):
    nusc = _load(devkit, episode / "nuscenes")
    assert _check_projection(devkit, nusc, lambda sd: episode) >= 5


def test_the_devkit_renders_a_camera_frame_with_its_boxes(devkit, episode, tmp_path):
    import matplotlib.pyplot as plt
    from PIL import Image

    nusc = _load(devkit, episode / "nuscenes")
    sample = next(s for s in nusc.sample if s["anns"])
    out = tmp_path / "render.png"
    nusc.render_sample_data(sample["data"]["CAM_FRONT"], out_path=str(out), verbose=False)
    plt.close("all")
    image = np.asarray(Image.open(out).convert("RGB"))
    assert image.shape[0] > 100 and image.shape[1] > 100
    # the boxes are drawn in the category's colour (vehicle.car: orange, 255, 158, 0)
    orange = (np.abs(image.astype(int) - (255, 158, 0)).sum(axis=2) < 60).sum()
    assert orange > 20


def test_same_seed_gives_the_same_tables_and_tokens(episode, tmp_path):
    again = _run(tmp_path / "ep")
    files = sorted(p.relative_to(episode) for p in (episode / "nuscenes").rglob("*") if p.is_file())
    assert files
    for rel in files:
        assert (again / rel).read_bytes() == (episode / rel).read_bytes(), rel


@pytest.mark.slow  # long: runs in .ci/run's slow pass
def test_a_generated_dataset_is_one_dataroot_with_every_episode_a_scene(devkit, dataset):
    nusc = _load(devkit, dataset / "nuscenes")
    plan = json.loads((dataset / "plan.json").read_text())
    episodes = {f"scene-{e['index']:04d}": e for e in plan["episodes"]}
    assert sorted(s["name"] for s in nusc.scene) == sorted(episodes)
    splits = json.loads((dataset / "nuscenes" / "splits.json").read_text())
    for split, names in splits.items():
        assert all(episodes[n]["split"] == split for n in names)
    assert sum(len(v) for v in splits.values()) == len(episodes)
    tokens = [r["token"] for t in nusc.table_names for r in getattr(nusc, t)]
    assert len(tokens) == len(set(tokens))
    assert len(nusc.map) == 1 and len(nusc.map[0]["log_tokens"]) == len(nusc.log) == 4
    scene_of = {}
    for scene in nusc.scene:
        tok = scene["first_sample_token"]
        while tok:
            scene_of[tok] = episodes[scene["name"]]["rel_dir"]
            tok = nusc.get("sample", tok)["next"]
    compared = _check_projection(devkit, nusc, lambda sd: dataset / scene_of[sd["sample_token"]])
    assert compared >= 4
    proc = run_sim("check", str(dataset))
    assert proc.returncode == 0, proc.stderr
    # the merged tree is sim's: --overwrite replaces the dataset
    proc = run_sim(
        "generate",
        str(DATA / "tiny_dataset.yaml"),
        "--set",
        "formats=[native, nuscenes]",
        "--set",
        "seed=12",
        "--episodes",
        "2",
        "--out",
        str(dataset),
        "--overwrite",
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    assert len(_load(devkit, dataset / "nuscenes").scene) == 2


# ---- LIDAR_TOP (the scenario's first LiDAR; sim/dataset/writers/nuscenes_lidar.py)


def _sweep_of(nusc, sd: dict) -> int:
    return round((sd["timestamp"] - TIME_ZERO_US) * 1e-6 * 10)  # 10 Hz sweeps from t = 0


def test_lidar_top_holds_the_sweeps_in_nuscenes_point_format(devkit, lidar_episode):
    from nuscenes.utils.data_classes import LidarPointCloud

    nusc = _load(devkit, lidar_episode / "nuscenes")
    meta = json.loads((lidar_episode / "meta.json").read_text())
    (lidar,) = meta["lidars"]
    sensor = next(s for s in nusc.sensor if s["channel"] == "LIDAR_TOP")
    assert sensor["modality"] == "lidar"
    cs = next(c for c in nusc.calibrated_sensor if c["sensor_token"] == sensor["token"])
    T_ego_lidar = np.array(lidar["T_ego_lidar"])
    assert np.allclose(rotation_matrix(cs["rotation"]), T_ego_lidar[:3, :3], atol=1e-8)
    assert np.allclose(cs["translation"], T_ego_lidar[:3, 3]) and cs["camera_intrinsic"] == []
    records = sorted(
        (sd for sd in nusc.sample_data if sd["channel"] == "LIDAR_TOP"),
        key=lambda sd: sd["timestamp"],
    )
    assert (
        [_sweep_of(nusc, sd) for sd in records] == list(range(lidar["sweeps"])) == list(range(11))
    )
    keys = [sd for sd in records if sd["is_key_frame"]]
    assert len(keys) == len(nusc.sample) == 10  # every sample has its sweep, at its own time
    for sample in nusc.sample:
        sd = nusc.get("sample_data", sample["data"]["LIDAR_TOP"])
        assert sd["timestamp"] == sample["timestamp"]
        assert sd["filename"] == f"samples/LIDAR_TOP/{sd['token']}.pcd.bin"
    (sweep,) = [sd for sd in records if not sd["is_key_frame"]]  # t = 1 s, after the last frame
    assert sweep["filename"].startswith("sweeps/LIDAR_TOP/") and not sweep["next"]
    assert sweep["sample_token"] == nusc.scene[0]["last_sample_token"]
    for sd in records:
        k = _sweep_of(nusc, sd)
        native = np.load(lidar_episode / "lidar" / "top" / f"{k:06d}.npz")
        raw = np.fromfile(lidar_episode / "nuscenes" / sd["filename"], dtype="<f4").reshape(-1, 5)
        pc = LidarPointCloud.from_file(str(lidar_episode / "nuscenes" / sd["filename"]))
        assert np.array_equal(pc.points[:3].T, native["xyz"])  # the sensor frame, as written
        assert np.array_equal(raw[:, 3], np.rint(native["intensity"] * 255.0))  # 0..255
        assert np.array_equal(raw[:, 4], 31 - native["ring"].astype(np.float32))  # 0 = lowest
        pose = nusc.get("ego_pose", sd["ego_pose_token"])  # at the sweep's own time
        T_world_ego = native["T_world_lidar"] @ np.linalg.inv(T_ego_lidar)
        assert np.allclose(pose["translation"], T_world_ego[:3, 3], atol=1e-6)
        assert np.allclose(rotation_matrix(pose["rotation"]), T_world_ego[:3, :3], atol=1e-8)


def test_devkit_lidar_boxes_are_sims_and_num_lidar_pts_counts_their_points(devkit, lidar_episode):
    from nuscenes.utils.data_classes import LidarPointCloud

    _, gu = devkit
    nusc = _load(devkit, lidar_episode / "nuscenes")
    sim_id = {i["token"]: i["sim_id"] for i in nusc.instance}
    duration = json.loads((lidar_episode / "meta.json").read_text())["duration"]
    counted = own_checked = 0
    for sample in nusc.sample:
        sd = nusc.get("sample_data", sample["data"]["LIDAR_TOP"])
        k = _sweep_of(nusc, sd)
        native = np.load(lidar_episode / "lidar" / "top" / f"{k:06d}.npz")
        labels = json.loads(
            (lidar_episode / "lidar" / "top" / "labels" / f"{k:06d}.json").read_text()
        )
        sim_boxes = {o["id"]: o for o in labels["objects"]}
        seen = {o["id"] for o in labels["objects"] if o["num_lidar_hits"] > 0}
        path, boxes, _ = nusc.get_sample_data(sd["token"])
        points = LidarPointCloud.from_file(path).points[:3]
        cs = nusc.get("calibrated_sensor", sd["calibrated_sensor_token"])
        pose = nusc.get("ego_pose", sd["ego_pose_token"])
        R_sensor_global = (rotation_matrix(pose["rotation"]) @ rotation_matrix(cs["rotation"])).T
        annotated = set()
        for box in boxes:
            ann = nusc.get("sample_annotation", box.token)
            oid = sim_id[ann["instance_token"]]
            annotated.add(oid)
            # the devkit's box in the LiDAR frame is sim's box of that sweep
            sim = sim_boxes[oid]["box3d"]
            length, w, h = sim["size"]
            assert np.allclose(box.center, sim["center"], atol=1e-5)
            assert np.allclose(box.wlh, [w, length, h], atol=1e-6)
            yaw = box.orientation.yaw_pitch_roll[0]
            assert abs(np.angle(np.exp(1j * (yaw - sim["yaw"])))) < 1e-5
            inside = gu.points_in_box(box, points)
            assert ann["num_lidar_pts"] == int(inside.sum()), (oid, k)
            counted += ann["num_lidar_pts"] > 0
            # its own returns, moved back by its velocity to the sample's time (each was
            # fired at its own time; the cloud is corrected for the ego's motion only), lie
            # in its box (5 % larger: range noise pushes surface points just out)
            own = native["instance"] == oid
            velocity = nusc.box_velocity(box.token)
            if own.sum() >= 5 and np.isfinite(velocity).all():
                v = R_sensor_global @ velocity
                # (poses are held outside the trajectory, 0 .. duration)
                fired = np.clip(native["t"] + native["time"][own], 0.0, duration) - native["t"]
                back = points[:, own] - v[:, None] * fired[None, :]
                inside_own = gu.points_in_box(box, back, wlh_factor=1.05)
                assert inside_own.sum() >= 0.99 * own.sum(), (oid, k, inside_own.sum(), own.sum())
                own_checked += 1
        assert seen <= annotated  # objects seen by the LiDAR only are annotated too
    assert counted >= 20 and own_checked >= 20


def test_lidar_only_objects_get_visibility_1_and_the_camera_records_stay_as_they_were(
    episode, lidar_episode
):
    def tables(ep: Path) -> dict[str, list[dict]]:
        folder = ep / "nuscenes" / VERSION
        return {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")}

    cam, both = tables(episode), tables(lidar_episode)
    assert set(cam) == set(both)
    for table in ("scene", "sample", "log", "map", "category", "attribute", "visibility"):
        assert both[table] == cam[table], table
    lidar_tokens = {r["token"] for r in both["sensor"] if r["channel"] == "LIDAR_TOP"}
    lidar_tokens |= {
        r["token"] for r in both["calibrated_sensor"] if r["sensor_token"] in lidar_tokens
    }
    lidar_sd = [r for r in both["sample_data"] if r["calibrated_sensor_token"] in lidar_tokens]
    lidar_tokens |= {r["ego_pose_token"] for r in lidar_sd} | {r["token"] for r in lidar_sd}
    for table in ("sample_data", "ego_pose", "calibrated_sensor", "sensor"):
        assert [r for r in both[table] if r["token"] not in lidar_tokens] == cam[table], table
    theirs = {a["token"]: a for a in cam["sample_annotation"]}
    keys = ("translation", "size", "rotation", "visibility_token", "instance_token")
    extra = 0
    for ann in both["sample_annotation"]:
        if ann["token"] in theirs:
            assert all(ann[k] == theirs[ann["token"]][k] for k in keys)
        else:  # seen by the LiDAR, not labelled by the camera in that sample
            assert ann["visibility_token"] == "1" and ann["num_lidar_pts"] > 0
            extra += 1
    assert extra >= 1 and len(both["sample_annotation"]) == len(cam["sample_annotation"]) + extra


def test_the_devkit_renders_the_lidar_top_sweeps_with_their_boxes(devkit, lidar_episode, tmp_path):
    import matplotlib.pyplot as plt
    from PIL import Image

    nusc = _load(devkit, lidar_episode / "nuscenes")
    sample = nusc.get("sample", nusc.scene[0]["last_sample_token"])
    out = tmp_path / "lidar.png"
    # underlay_map=False: the devkit's map underlay fails under numpy 2 (int() of an array)
    nusc.render_sample_data(
        sample["data"]["LIDAR_TOP"], nsweeps=2, underlay_map=False, out_path=str(out), verbose=False
    )
    plt.close("all")
    image = np.asarray(Image.open(out).convert("RGB"))
    assert image.shape[0] > 300 and image.shape[1] > 300
    orange = (np.abs(image.astype(int) - (255, 158, 0)).sum(axis=2) < 60).sum()
    assert orange > 50  # vehicle.car boxes
