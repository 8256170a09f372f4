"""The LiDAR kernels against their slow twins in tests/naive.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.assets import load_catalog
from sim.lidar import LidarModel, LidarScene, elevation_table
from sim.lidar.bvh import BvhPool, build_bvh
from sim.lidar.kernels import cast_rays
from sim.lidar.sweep import block_agents
from sim.render.camera import pose_matrix
from sim.render.scene import MeshArrays
from sim.render.scene.common import asset_mesh

from naive import bvh_problems, lidar_cast


@pytest.fixture(scope="module")
def car() -> MeshArrays:
    return asset_mesh(load_catalog().mesh("sedan", 0), "car")


def _soup(rng: np.random.Generator, n: int, spread: float) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random triangles (0.2 to 3 m across) scattered within ``spread`` metres."""
    centres = rng.uniform(-spread, spread, (n, 3))
    centres[:, 2] = rng.uniform(-2.0, 6.0, n)
    corners = centres[:, None, :] + rng.uniform(-1.5, 1.5, (n, 3, 3)) * rng.uniform(
        0.15, 1.0, (n, 1, 1)
    )
    return corners.reshape(-1, 3), np.arange(3 * n).reshape(n, 3)


@pytest.mark.parametrize("n", [1, 2, 5, 17, 400, 3000])
def test_bvh_holds_every_triangle(n):
    v, f = _soup(np.random.default_rng(n), n, 30.0)
    b = build_bvh(v, f)
    assert bvh_problems(b.node_lo, b.node_hi, b.node_start, b.node_count, b.tri_face, v, f) == []


def test_bvh_of_a_real_car_and_of_coincident_triangles(car):
    b = build_bvh(car.vertices, car.faces)
    args = (b.node_lo, b.node_hi, b.node_start, b.node_count, b.tri_face)
    assert bvh_problems(*args, car.vertices, car.faces) == []
    # 50 copies of one triangle: every centroid equal, still one leaf each face once
    v = np.tile(np.array([[0.0, 0, 0], [1, 0, 0], [0, 1, 0]]), (50, 1))
    f = np.arange(150).reshape(50, 3)
    b = build_bvh(v, f)
    args = (b.node_lo, b.node_hi, b.node_start, b.node_count, b.tri_face)
    assert bvh_problems(*args, v, f) == []


def test_cast_matches_brute_force_with_moving_agents(car):
    rng = np.random.default_rng(3)
    sv, sf = _soup(rng, 300, 25.0)
    ground = np.array([[-40.0, -40, 0], [40, -40, 0], [40, 40, 0], [-40, 40, 0]])
    sv = np.concatenate((sv, ground))
    sf = np.concatenate(
        (sf, [[len(sv) - 4, len(sv) - 3, len(sv) - 2], [len(sv) - 4, len(sv) - 2, len(sv) - 1]])
    )
    static = build_bvh(sv, sf)
    agent = build_bvh(car.vertices, car.faces)
    pool = BvhPool.concat([static, agent])
    model = LidarModel(
        "t", elevation_table(None, np.linspace(10, -25, 12)), azimuth_resolution_deg=2.0
    )
    n_blocks = len(model.block_times())
    t = model.block_times()
    T_sensor = np.stack([pose_matrix(12.0 * ti, 0.0, 1.7, 0.3 * ti) for ti in t])
    # two cars sharing one tree: one crossing ahead, one parked behind-left
    T_agents = np.stack(
        [
            np.stack([pose_matrix(9.0, -6.0 + 15.0 * ti, 0.0, math.pi / 2) for ti in t]),
            np.stack([pose_matrix(-7.0, 4.0, 0.0, 0.4) for _ in t]),
        ],
        axis=1,
    )
    active = np.ones((n_blocks, 2), dtype=bool)
    active[: n_blocks // 3, 1] = False  # the second one arrives a third of the way in
    centre = 0.5 * (car.vertices.min(0) + car.vertices.max(0))
    radius = float(np.linalg.norm(car.vertices - centre, axis=1).max())
    centres = T_agents[..., :3, :3] @ centre + T_agents[..., :3, 3]
    ptr, which = block_agents(model, T_sensor, centres, np.array([radius, radius]), active)
    el = np.radians(model.elevation_deg)
    az, blocks = model.column_azimuth(), model.column_block()
    got = cast_rays(pool, el, az, blocks, T_sensor, np.array([1, 1]), T_agents, ptr, which, 60.0)
    tris = car.vertices[car.faces]
    want = lidar_cast(sv[sf], [tris, tris], el, az, blocks, T_sensor, T_agents, active, 60.0)
    rng_got, agent_got, tri_got, cos_got = got
    rng_want, agent_want, face_want, cos_want = want
    assert np.array_equal(np.isinf(rng_got), np.isinf(rng_want))
    hit = np.isfinite(rng_want)
    assert hit.mean() > 0.5 and (agent_want >= 0).sum() > 15  # the cars are seen
    np.testing.assert_allclose(rng_got[hit], rng_want[hit], rtol=0, atol=1e-9)
    assert np.array_equal(agent_got, agent_want)
    face_got = np.where(tri_got >= 0, pool.tri_face[tri_got], -1)
    # a ray through a shared edge may pick either face at the same distance
    same = face_got == face_want
    assert same.mean() > 0.995
    np.testing.assert_allclose(cos_got[hit & same], cos_want[hit & same], rtol=0, atol=1e-9)


def test_scene_wrapper_culls_nothing_it_should_hit(car):
    """The per-block agent choice never drops an agent a ray would have hit (the brute
    force tests every active agent)."""
    scene = LidarScene(
        MeshArrays(
            np.zeros((0, 3)),
            np.zeros((0, 3), np.int32),
            np.zeros((0, 4), np.uint8),
            np.zeros(0, np.uint8),
        )
    )
    tree = scene.add_mesh("car", car)
    pool, _, _ = scene.pool()
    model = LidarModel("t", elevation_table("vlp16"), azimuth_resolution_deg=1.0)
    t = model.block_times()
    T_sensor = np.stack([pose_matrix(0.0, 0.0, 1.5, 0.0) for _ in t])
    rng = np.random.default_rng(5)
    n = 12
    poses = [(rng.uniform(-20, 20), rng.uniform(-20, 20), rng.uniform(-3, 3)) for _ in range(n)]
    T_agents = np.stack([np.stack([pose_matrix(x, y, 0.0, h) for x, y, h in poses]) for _ in t])
    active = np.ones((len(t), n), dtype=bool)
    centre, radius = scene.sphere(tree)
    centres = T_agents[..., :3, :3] @ centre + T_agents[..., :3, 3]
    ptr, which = block_agents(model, T_sensor, centres, np.full(n, radius), active)
    assert len(which) < len(t) * n / 3  # it does cull
    el = np.radians(model.elevation_deg)
    az, blocks = model.column_azimuth(), model.column_block()
    got_r, got_a, _, _ = cast_rays(
        pool, el, az, blocks, T_sensor, np.full(n, tree), T_agents, ptr, which, 100.0
    )
    all_ptr = np.arange(len(t) + 1) * n
    all_which = np.tile(np.arange(n), len(t))
    ref_r, ref_a, _, _ = cast_rays(
        pool, el, az, blocks, T_sensor, np.full(n, tree), T_agents, all_ptr, all_which, 100.0
    )
    assert np.array_equal(got_a, ref_a)
    assert np.array_equal(got_r, ref_r)
