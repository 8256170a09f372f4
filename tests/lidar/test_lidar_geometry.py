"""Golden geometry of LiDAR sweeps: walls, a real car, boxes, motion, weather, bytes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.assets import load_catalog
from sim.classes import BY_NAME
from sim.lidar import (
    PRESETS,
    Atmosphere,
    LidarModel,
    LidarScene,
    SweepAgent,
    cast_sweep,
    elevation_table,
)
from sim.lidar.boxes import points_in_boxes
from sim.render.camera import pose_matrix
from sim.render.scene import MeshArrays
from sim.render.scene.common import asset_mesh

MOUNT = pose_matrix(0.0, 0.0, 1.73, 0.0)  # roof centre, like KITTI's
CAR_ID = 7


def _quad(corners, cls: str) -> MeshArrays:
    v = np.asarray(corners, dtype=np.float64)
    f = np.array([[0, 1, 2], [0, 2, 3]], dtype=np.int32)
    return MeshArrays(v, f, np.zeros((2, 4), np.uint8), np.full(2, BY_NAME[cls].id, np.uint8))


def _ground(half: float = 200.0) -> MeshArrays:
    h = half
    return _quad([[-h, -h, 0], [h, -h, 0], [h, h, 0], [-h, h, 0]], "road")


def _wall(x: float) -> MeshArrays:
    return _quad([[x, -60, -15], [x, 60, -15], [x, 60, 30], [x, -60, 30]], "building")


def _still(model: LidarModel, T=None) -> np.ndarray:
    return np.tile(np.eye(4) if T is None else T, (len(model.block_times()), 1, 1))


@pytest.fixture(scope="module")
def sedan():
    catalog = load_catalog()
    data = catalog.mesh("sedan", 0)
    return asset_mesh(data, "car"), catalog.info("sedan").variants[0].size


def test_presets_have_their_published_tables():
    assert {k: len(v) for k, v in PRESETS.items()} == {
        "hdl64e": 64,
        "hdl32e": 32,
        "vlp16": 16,
        "os1_128": 128,
    }
    for name, (top, bottom) in {
        "hdl64e": (2.0, -24.9),
        "hdl32e": (10.67, -30.67),
        "vlp16": (15.0, -15.0),
        "os1_128": (22.5, -22.5),
    }.items():
        table = PRESETS[name]
        assert table[0] == pytest.approx(top) and table[-1] == pytest.approx(bottom)
        assert np.all(np.diff(table) < 0)  # top beam first
    assert np.allclose(np.diff(PRESETS["vlp16"]), -2.0)
    assert np.allclose(np.diff(PRESETS["hdl32e"]), -1.3335, atol=1e-3)
    assert np.array_equal(elevation_table(None, [3.0, -1.0, 7.5]), [7.5, 3.0, -1.0])
    for bad in ([], [1.0, 1.0], [95.0], [float("nan")]):
        with pytest.raises(ValueError):
            elevation_table(None, bad)


def test_wall_20_m_ahead_at_the_beams_elevations():
    """Every beam of the column facing the wall returns at 20 m (within the noise) at its
    own elevation; every point of the wall lies on the plane x = 20 m."""
    noise = 0.02
    model = LidarModel("t", PRESETS["hdl64e"], 0.2, range_noise=noise, T_ego_lidar=MOUNT)
    scene = LidarScene(_wall(20.0))
    pc = cast_sweep(
        model, scene, _still(model), np.eye(4), [], Atmosphere(), np.random.default_rng(1)
    )
    assert len(pc) > 10_000
    assert np.all(np.abs(pc.xyz[:, 0] - 20.0) < 5 * noise)  # the plane, in the sensor frame
    assert np.all(pc.semantic == BY_NAME["building"].id) and np.all(pc.instance == 0)
    ahead = pc.column == model.n_columns // 2  # azimuth 0: straight ahead, fired at t = 0
    assert np.array_equal(np.sort(pc.ring[ahead]), np.arange(64))
    assert np.all(pc.time[ahead] == 0.0)
    r = pc.range[ahead][np.argsort(pc.ring[ahead])]
    elevation = np.radians(PRESETS["hdl64e"])
    np.testing.assert_allclose(r * np.cos(elevation), 20.0, atol=5 * noise)
    z = pc.xyz[ahead][np.argsort(pc.ring[ahead]), 2]
    np.testing.assert_allclose(np.arctan2(z, 20.0), elevation, atol=5 * noise / 20.0)
    el, az = np.radians(PRESETS["hdl64e"])[pc.ring], model.column_azimuth()[pc.column]
    error = pc.range - 20.0 / (np.cos(el) * np.cos(az))  # the noise along each ray
    assert abs(float(np.std(error)) - noise) < 0.05 * noise and abs(float(error.mean())) < 1e-3


def test_car_15_m_ahead_points_inside_its_box_with_its_id(sedan):
    mesh, (length, width, height) = sedan
    model = LidarModel("t", PRESETS["hdl64e"], 0.2, range_noise=0.02, T_ego_lidar=MOUNT)
    scene = LidarScene(_ground())
    scene.add_mesh("sedan", mesh)
    P = len(model.block_times())
    T_car = pose_matrix(15.0, 0.5, 0.0, math.radians(25.0))
    car = SweepAgent(CAR_ID, "sedan", np.tile(T_car, (P, 1, 1)), np.ones(P, bool))
    pc = cast_sweep(
        model, scene, _still(model), np.eye(4), [car], Atmosphere(), np.random.default_rng(2)
    )
    mine = pc.instance == CAR_ID
    assert mine.sum() > 300
    assert np.all(pc.semantic[mine] == BY_NAME["car"].id)
    # into the car's frame (bottom-centre origin): distance outside its box
    T = np.linalg.inv(T_car) @ MOUNT  # sensor frame -> car frame (ego at the origin)
    local = pc.xyz.astype(np.float64) @ T[:3, :3].T + T[:3, 3]
    lo = np.array([-length / 2, -width / 2, 0.0])
    hi = np.array([length / 2, width / 2, height])
    outside = np.linalg.norm(np.maximum(lo - local, 0) + np.maximum(local - hi, 0), axis=1)
    assert (outside[mine] <= 0.05).mean() >= 0.99
    # every point well inside the box is the car's (the ground under it is hidden)
    inner = np.all((local > lo + 0.1) & (local < hi - 0.1), axis=1)
    assert inner.sum() > 100 and np.all(pc.instance[inner] == CAR_ID)


def test_num_lidar_pts_equals_the_points_inside_each_box(sedan):
    """Three cars: ``num_lidar_pts`` (sim.lidar.boxes) equals the points inside each box,
    counted here point by point; noise-free, each car's own points (by id) are all in its
    box, and the box holds nothing else but ground touching its bottom face."""
    mesh, (length, width, height) = sedan
    model = LidarModel("t", PRESETS["hdl32e"], 0.2, range_noise=0.0, T_ego_lidar=MOUNT)
    scene = LidarScene(_ground())
    scene.add_mesh("sedan", mesh)
    P = len(model.block_times())
    poses = {3: (12.0, 3.0, 0.2), 4: (-9.0, -4.0, 1.9), 9: (25.0, -8.0, -0.7)}
    cars = [
        SweepAgent(i, "sedan", np.tile(pose_matrix(x, y, 0.0, h), (P, 1, 1)), np.ones(P, bool))
        for i, (x, y, h) in poses.items()
    ]
    pc = cast_sweep(
        model, scene, _still(model), np.eye(4), cars, Atmosphere(), np.random.default_rng(3)
    )
    T_ref_obj = np.stack([np.linalg.inv(MOUNT) @ c.T_world_obj for c in cars])
    sizes = np.array([[length, width, height]] * 3)
    num = points_in_boxes(pc.xyz, model.column_block()[pc.column], T_ref_obj, sizes)
    own = pc.points_per_instance(9)
    for k, (i, (x, y, h)) in enumerate(poses.items()):
        T = np.linalg.inv(pose_matrix(x, y, 0.0, h)) @ MOUNT
        inside = 0
        for p, inst, sem in zip(pc.xyz.astype(np.float64), pc.instance, pc.semantic, strict=True):
            q = T[:3, :3] @ p + T[:3, 3]
            if abs(q[0]) <= length / 2 + 1e-3 and abs(q[1]) <= width / 2 + 1e-3:
                if -1e-3 <= q[2] <= height + 1e-3:
                    inside += 1
                    assert inst == i or (sem == BY_NAME["road"].id and abs(q[2]) < 1e-3)
        assert own[i] > 50 and num[k] == inside >= own[i]


def test_sweeps_reproduce_byte_for_byte(sedan):
    mesh, _ = sedan
    model = LidarModel("t", PRESETS["vlp16"], 0.4, range_noise=0.03, dropout=0.1)
    scene = LidarScene(MeshArrays.concat([_ground(), _wall(30.0)]))
    scene.add_mesh("sedan", mesh)
    P = len(model.block_times())
    t = model.block_times()
    car = SweepAgent(
        5,
        "sedan",
        np.stack([pose_matrix(10 + 20 * ti, 2.0, 0.0, 0.0) for ti in t]),
        np.ones(P, bool),
    )
    ego = np.stack([pose_matrix(15 * ti, 0.0, 0.0, 0.0) for ti in t])

    def sweep(seed):
        pc = cast_sweep(
            model, scene, ego, np.eye(4), [car], Atmosphere(0.01), np.random.default_rng(seed)
        )
        return b"".join(getattr(pc, f).tobytes() for f in pc.__dataclass_fields__)

    assert sweep(11) == sweep(11)
    assert sweep(11) != sweep(12)


def test_motion_points_at_their_own_firing_time(sedan):
    """The ego drives at 30 m/s towards a wall: de-skewed into the frame of the reference
    time, the wall stays flat at its distance. A car crossing at 20 m/s is seen where it was
    when each ray reached it: each point lies in its box at the point's own time."""
    mesh, (length, width, height) = sedan
    model = LidarModel("t", PRESETS["hdl64e"], 0.2, range_noise=0.0, T_ego_lidar=MOUNT)
    scene = LidarScene(MeshArrays.concat([_ground(), _wall(40.0)]))
    scene.add_mesh("sedan", mesh)
    t = model.block_times()
    ego = np.stack([pose_matrix(30.0 * ti, 0.0, 0.0, 0.0) for ti in t])
    car_pose = lambda ti: pose_matrix(-15.0, -10.0 + 20.0 * ti, 0.0, math.pi / 2)  # noqa: E731
    car = SweepAgent(CAR_ID, "sedan", np.stack([car_pose(ti) for ti in t]), np.ones(len(t), bool))
    pc = cast_sweep(model, scene, ego, np.eye(4), [car], Atmosphere(), np.random.default_rng(4))
    wall = pc.semantic == BY_NAME["building"].id
    assert wall.sum() > 1000
    np.testing.assert_allclose(pc.xyz[wall, 0], 40.0, atol=1e-3)
    # without de-skewing the wall would spread over 30 m/s x 0.1 s = 3 m: it does not
    mine = np.flatnonzero(pc.instance == CAR_ID)
    assert len(mine) > 100 and np.ptp(pc.time[mine]) > 0.0
    lo = np.array([-length / 2, -width / 2, 0.0]) - 0.02
    hi = np.array([length / 2, width / 2, height]) + 0.02
    blocks = model.column_block()
    inside = 0
    for n in mine:
        b = blocks[pc.column[n]]  # the pose block the point was fired in
        T = np.linalg.inv(car.T_world_obj[b]) @ MOUNT  # ref sensor -> car at its time
        p = T[:3, :3] @ pc.xyz[n].astype(np.float64) + T[:3, 3]
        inside += bool(np.all((p >= lo) & (p <= hi)))
    assert inside / len(mine) >= 0.99


def test_fog_shortens_the_range_and_rain_darkens_the_road():
    model = LidarModel("t", PRESETS["hdl64e"], 0.4, max_range=120.0, range_noise=0.0)
    P = len(model.block_times())
    ground = MeshArrays.concat([_ground(), _wall(100.0)])
    rng = np.random.default_rng

    clear = cast_sweep(
        model, LidarScene(ground), _still(model, MOUNT), MOUNT, [], Atmosphere(), rng(0)
    )
    fog = Atmosphere(alpha=3.912 / 60.0)  # 60 m visibility
    foggy = cast_sweep(model, LidarScene(ground), _still(model, MOUNT), MOUNT, [], fog, rng(0))
    assert clear.range.max() > 99.0 and (clear.semantic == BY_NAME["building"].id).any()
    assert foggy.range.max() < 0.5 * clear.range.max()
    assert len(foggy) < len(clear)
    wet = LidarScene(ground, wetness=1.0)
    rainy = cast_sweep(model, wet, _still(model, MOUNT), MOUNT, [], Atmosphere(0.0, 1.0), rng(0))
    road = BY_NAME["road"].id
    assert np.median(rainy.intensity[rainy.semantic == road]) < 0.5 * np.median(
        clear.intensity[clear.semantic == road]
    )
    assert P > 0


def test_intensity_falls_with_the_incidence_angle():
    """On the ground (one material) the intensity is reflectivity x cos(incidence)."""
    model = LidarModel("t", PRESETS["hdl64e"], 1.0, range_noise=0.0)
    pc = cast_sweep(
        model,
        LidarScene(_ground()),
        _still(model, MOUNT),
        MOUNT,
        [],
        Atmosphere(),
        np.random.default_rng(0),
    )
    cos_i = 1.73 / np.linalg.norm(pc.xyz.astype(np.float64), axis=1)  # sensor 1.73 m up
    np.testing.assert_allclose(pc.intensity, 0.10 * cos_i, rtol=1e-4)
    # a dark road at grazing incidence is lost before max_range (detection threshold)
    assert pc.range.max() < 0.7 * model.max_range


def test_rig_follows_the_trajectory_and_who_is_in_the_scene(sedan):
    """A rig over a two-step trajectory: an agent that leaves the scene (``active`` False)
    gives no points and no box; one that stays gives both, its box where it is at t."""
    from types import SimpleNamespace

    from sim.lidar.rig import LidarRig, RigAgent

    mesh, size = sedan
    t = np.array([0.0, 0.05, 0.1, 0.15])
    x = np.array([[0.0, 12.0, -10.0]] * 4) + np.array([[0.0, 1.0, 0.0]]) * t[:, None] * 20
    traj = SimpleNamespace(
        t=t,
        x=x,
        y=np.array([[0.0, 0.0, 3.0]] * 4),
        yaw=np.zeros((4, 3)),
        active=np.array([[True, True, False]] * 4),
    )
    model = LidarModel("t", PRESETS["vlp16"], 0.5, range_noise=0.0, T_ego_lidar=MOUNT)
    agents = [RigAgent(1, 4, "car", size, mesh), RigAgent(2, 5, "car", size, mesh)]
    rig = LidarRig([model], _ground(), agents, Atmosphere())
    sweep = rig.sweep(0, traj, 0, 0.05, np.random.default_rng(0))
    assert set(np.unique(sweep.points.instance).tolist()) == {0, 4}
    (box,) = sweep.boxes
    assert box.id == 4 and box.num_lidar_hits == (sweep.points.instance == 4).sum() > 20
    np.testing.assert_allclose(box.T_lidar_obj[:3, 3], [13.0, 0.0, -1.73], atol=1e-9)
    np.testing.assert_allclose(sweep.T_world_lidar[:3, 3], [0.0, 0.0, 1.73])
