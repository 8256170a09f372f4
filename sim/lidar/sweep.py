"""One LiDAR sweep: the sensor model, the scene's trees and the measured point cloud.

The model (docs/lidar.md has the long form):

- **Scan pattern.** ``n_columns = round(360 / azimuth_resolution_deg)`` azimuth columns,
  each firing every beam of the elevation table at once. The head turns clockwise seen from
  above (as Velodyne's do), starting behind the sensor (azimuth pi): column ``c`` points at
  azimuth ``pi - 2 pi c / n_columns`` (sensor frame: x forward, y left, z up, azimuth
  counter-clockwise from +x) and fires at ``t = (c / n_columns - 1/2) / rotation_hz``
  relative to the sweep's reference time, so the sweep is centred on its tick and faces
  forward at the tick itself (KITTI triggers its cameras the same way).
- **Motion.** Columns are grouped into pose blocks of ``POSE_BLOCK_DEG``; the ego's and every
  agent's pose are taken at each block's mid time, so every point is where its ray hit the
  world at its own firing time. Points are then expressed in the sensor frame at the
  reference time (de-skewed: a static wall stays straight however fast the ego drives; a
  moving car is seen where it was when each ray reached it).
- **Returns.** The nearest triangle along the ray (two-sided). Its reflectivity ``rho``
  (:mod:`sim.lidar.reflectivity`) and the incidence cosine give the return's strength
  ``s = rho |cos i| exp(-2 alpha r)`` (two-way atmospheric loss, ``alpha`` from fog and
  rain, :class:`Atmosphere`). ``intensity = s`` in [0, 1] (no 1/r^2: units report
  range-compensated reflectance, as KITTI's does).
- **Detection and dropout.** A return is detected when ``s (max_range / r)^2 >=
  DETECTION_REFLECTIVITY`` (a 10 % target at normal incidence is seen out to
  ``max_range``, darker or grazing ones less far; nothing beyond ``max_range`` nor nearer
  than ``min_range``), and then lost at random with probability ``dropout``.
- **Noise.** Gaussian range noise of standard deviation ``range_noise`` [m] along the ray.

Randomness: one draw of ``dropout`` uniforms and one of normals per ray, every ray, from the
generator passed in, so a sweep's bytes depend only on the scene and that generator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.lidar.bvh import Bvh, BvhPool, build_bvh
from sim.lidar.kernels import NO_HIT, cast_rays
from sim.lidar.reflectivity import face_reflectivity
from sim.render.scene import MeshArrays

POSE_BLOCK_DEG = 2.0
"""[deg] of azimuth per pose block: 0.56 ms at 10 Hz, 1.7 cm of travel at 30 m/s."""
DETECTION_REFLECTIVITY = 0.1
"""Reflectivity (at normal incidence) of the darkest target detected at ``max_range``."""
CULL_MARGIN = 0.05
"""[m] added to each agent's bounding sphere when choosing the agents a block tests."""
RAIN_RATE_PER_DENSITY = 2.5
"""[mm/h] rain rate per unit of the ``rain`` perturbation's streak ``density``."""


@dataclass(frozen=True)
class LidarModel:
    """A spinning LiDAR: beams, scan, range, noise and its mount on the ego.

    elevation_deg : (R,) [deg] top beam first; T_ego_lidar : (4, 4) the sensor's pose in the
    ego frame (x forward, y left, z up, origin at the ego's bottom centre).
    """

    name: str
    elevation_deg: np.ndarray
    azimuth_resolution_deg: float = 0.2
    rotation_hz: float = 10.0
    max_range: float = 120.0
    min_range: float = 0.5
    T_ego_lidar: np.ndarray = field(default_factory=lambda: np.eye(4))
    range_noise: float = 0.02
    dropout: float = 0.0

    def __post_init__(self) -> None:
        el = np.asarray(self.elevation_deg, dtype=np.float64)
        if el.ndim != 1 or el.size < 1 or np.abs(el).max() > 90.0:
            raise ValueError("elevation_deg must be (R,) degrees within [-90, 90]")
        if not 0.01 <= self.azimuth_resolution_deg <= 10.0:
            raise ValueError("azimuth_resolution_deg must be in [0.01, 10]")
        if not self.rotation_hz > 0.0:
            raise ValueError("rotation_hz must be > 0")
        if not 0.0 <= self.min_range < self.max_range:
            raise ValueError("need 0 <= min_range < max_range")
        if not self.range_noise >= 0.0 or not 0.0 <= self.dropout <= 1.0:
            raise ValueError("range_noise must be >= 0 and dropout in [0, 1]")
        if np.asarray(self.T_ego_lidar).shape != (4, 4):
            raise ValueError("T_ego_lidar must be 4x4")

    @property
    def n_beams(self) -> int:
        return len(self.elevation_deg)

    @property
    def n_columns(self) -> int:
        return max(1, int(round(360.0 / self.azimuth_resolution_deg)))

    @property
    def n_rays(self) -> int:
        return self.n_beams * self.n_columns

    @property
    def period(self) -> float:
        """[s] one rotation."""
        return 1.0 / self.rotation_hz

    def column_azimuth(self) -> np.ndarray:
        """(C,) [rad] each column's azimuth in the sensor frame, in firing order."""
        c = np.arange(self.n_columns, dtype=np.float64)
        return math.pi - 2.0 * math.pi * c / self.n_columns

    def column_time(self) -> np.ndarray:
        """(C,) [s] each column's firing time relative to the sweep's reference time."""
        c = np.arange(self.n_columns, dtype=np.float64)
        return (c / self.n_columns - 0.5) * self.period

    def column_block(self) -> np.ndarray:
        """(C,) int the pose block of each column."""
        per_block = max(1, int(round(POSE_BLOCK_DEG / self.azimuth_resolution_deg)))
        return np.arange(self.n_columns) // per_block

    def block_times(self) -> np.ndarray:
        """(P,) [s] mid firing time of each pose block, relative to the reference time."""
        block, t = self.column_block(), self.column_time()
        n = int(block[-1]) + 1
        first = np.searchsorted(block, np.arange(n), side="left")
        last = np.searchsorted(block, np.arange(n), side="right") - 1
        return 0.5 * (t[first] + t[last])


@dataclass(frozen=True)
class Atmosphere:
    """What the weather does to the beam: two-way extinction ``exp(-2 alpha r)`` and a wet
    road's lost reflectivity.

    alpha : [1/m] extinction coefficient; wetness : 0..1 of the road surface.
    """

    alpha: float = 0.0
    wetness: float = 0.0

    @staticmethod
    def from_perturbations(perturbations) -> Atmosphere:
        """The atmosphere of an episode's applied sensor perturbations (sim.perturb):

        - ``fog`` (``visibility`` V [m]): Koschmieder's ``alpha = 3.912 / V``, the
          coefficient the camera's fog uses (at 905 nm fog droplets, much larger than the
          wavelength, extinguish about as much as in the visible);
        - ``rain`` (streak ``density``, road ``wetness``): rain rate ``R = 2.5 density``
          [mm/h], ``alpha = 0.01 R^0.6`` [1/km] (the power law used by Lewandowski et al.
          2009 and Goodin et al. 2019 for 905 nm), and the road darkened by ``wetness``.
        """
        alpha, wetness = 0.0, 0.0
        for p in perturbations:
            if not getattr(p, "applied", False):
                continue
            params = dict(p.params)
            if p.name == "fog":
                alpha += 3.912 / float(params["visibility"])
            elif p.name == "rain":
                rate = RAIN_RATE_PER_DENSITY * float(params["density"])
                alpha += 0.01 * rate**0.6 / 1000.0
                wetness = max(wetness, float(params.get("wetness", 0.0)))
        return Atmosphere(alpha, wetness)


@dataclass(frozen=True)
class PointCloud:
    """The measured points of one sweep, in firing order (column by column, top beam first).

    xyz : (N, 3) float32 [m] sensor frame at the reference time; intensity : (N,) float32
    0..1; ring : (N,) uint16 beam index (0 = top); column : (N,) uint16; time : (N,) float32
    [s] firing time relative to the reference time; semantic : (N,) uint8 class id
    (sim.classes); instance : (N,) uint16 object id (0: static scene), the camera masks' ids;
    range : (N,) float32 [m] measured range.
    """

    xyz: np.ndarray
    intensity: np.ndarray
    ring: np.ndarray
    column: np.ndarray
    time: np.ndarray
    semantic: np.ndarray
    instance: np.ndarray
    range: np.ndarray

    def __len__(self) -> int:
        return len(self.range)

    def points_per_instance(self, max_id: int) -> np.ndarray:
        """(max_id + 1,) int64 the number of points of each object id (``num_lidar_pts``)."""
        return np.bincount(self.instance.astype(np.int64), minlength=max_id + 1)[: max_id + 1]


@dataclass(frozen=True)
class SweepAgent:
    """An agent during one sweep: its id, its mesh's key in the :class:`LidarScene`, its pose
    at each pose block (P, 4, 4) and whether it is there at each block (P,) bool."""

    id: int
    mesh_key: object
    T_world_obj: np.ndarray
    active: np.ndarray


class LidarScene:
    """The triangles a LiDAR sees: the static scene (world frame, one tree, built once) and
    one tree per agent mesh (its own frame, built the first time it is added)."""

    def __init__(self, static: MeshArrays, wetness: float = 0.0) -> None:
        self.wetness = float(wetness)
        self._trees: list[Bvh] = []
        self._semantic: list[np.ndarray] = []
        self._reflect: list[np.ndarray] = []
        self._spheres: list[tuple[np.ndarray, float]] = []
        self._keys: dict[object, int] = {}
        self._pool: BvhPool | None = None
        self._add(static)

    def _add(self, mesh: MeshArrays) -> int:
        bvh = build_bvh(mesh.vertices, mesh.faces)
        sem = np.asarray(mesh.face_semantic, dtype=np.uint8)
        refl = face_reflectivity(sem, mesh.face_material, self.wetness)
        self._trees.append(bvh)
        self._semantic.append(sem[bvh.tri_face])
        self._reflect.append(refl[bvh.tri_face])
        v = np.asarray(mesh.vertices, dtype=np.float64)
        centre = 0.5 * (v.min(axis=0) + v.max(axis=0)) if len(v) else np.zeros(3)
        radius = float(np.linalg.norm(v - centre, axis=1).max()) if len(v) else 0.0
        self._spheres.append((centre, radius))
        self._pool = None
        return len(self._trees) - 1

    def add_mesh(self, key: object, mesh: MeshArrays) -> int:
        """The tree of ``mesh`` (an agent's, in its own frame), built once per ``key``."""
        if key not in self._keys:
            self._keys[key] = self._add(mesh)
        return self._keys[key]

    def has_mesh(self, key: object) -> bool:
        return key in self._keys

    @property
    def n_static_triangles(self) -> int:
        return self._trees[0].n_triangles

    def pool(self) -> tuple[BvhPool, np.ndarray, np.ndarray]:
        """(pool, semantic (T,) uint8, reflectivity (T,) float64) of every tree so far."""
        if self._pool is None:
            self._pool = BvhPool.concat(self._trees)
            self._pool_sem = np.concatenate(self._semantic)
            self._pool_refl = np.concatenate(self._reflect)
        return self._pool, self._pool_sem, self._pool_refl

    def tree(self, key: object) -> int:
        return self._keys[key]

    def sphere(self, tree: int) -> tuple[np.ndarray, float]:
        """(centre (3,) in the mesh's frame, radius) [m] bounding the tree's mesh."""
        return self._spheres[tree]


def block_agents(
    model: LidarModel,
    T_world_sensor: np.ndarray,
    centres: np.ndarray,
    radii: np.ndarray,
    active: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(block_ptr (P + 1,), agents (K,)) the agents each pose block's rays may hit: those whose
    bounding sphere (world centre ``centres`` (P, A, 3), ``radii`` (A,)) is within range and
    overlaps the block's wedge of azimuth; inactive ones (``active`` (P, A)) never."""
    n_blocks, n_agents = T_world_sensor.shape[0], len(radii)
    if n_agents == 0:
        return np.zeros(n_blocks + 1, np.int64), np.zeros(0, np.int64)
    R = T_world_sensor[:, :3, :3]
    rel = np.einsum("pji,paj->pai", R, centres - T_world_sensor[:, None, :3, 3])
    r = radii[None, :] + CULL_MARGIN
    dist = np.linalg.norm(rel, axis=2)
    horiz = np.hypot(rel[..., 0], rel[..., 1])
    az = np.arctan2(rel[..., 1], rel[..., 0])
    block = model.column_block()
    azimuth = model.column_azimuth()
    first = np.searchsorted(block, np.arange(n_blocks), side="left")
    last = np.searchsorted(block, np.arange(n_blocks), side="right") - 1
    # the wedge is [azimuth[last], azimuth[first]] (clockwise); its middle and half width
    mid = 0.5 * (azimuth[first] + azimuth[last])
    half = 0.5 * (azimuth[first] - azimuth[last]) + math.radians(model.azimuth_resolution_deg)
    spread = np.arcsin(np.clip(r / np.maximum(horiz, 1e-9), 0.0, 1.0))
    off = np.abs(np.angle(np.exp(1j * (az - mid[:, None]))))
    near = horiz <= r
    take = active & (dist - r <= model.max_range) & (near | (off <= half[:, None] + spread))
    counts = take.sum(axis=1)
    ptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    agents = np.nonzero(take)[1].astype(np.int64)  # row-major: block by block
    return ptr, agents


def cast_sweep(
    model: LidarModel,
    scene: LidarScene,
    T_world_ego: np.ndarray,
    T_world_ego_ref: np.ndarray,
    agents: list[SweepAgent],
    atmosphere: Atmosphere,
    rng: np.random.Generator,
) -> PointCloud:
    """The point cloud of one sweep.

    T_world_ego : (P, 4, 4) the ego's pose at each pose block (``model.block_times()``);
    T_world_ego_ref : (4, 4) its pose at the reference time (the frame of the points);
    agents: each with poses at the same blocks and its mesh added to ``scene``; ``rng``
    draws the noise and the dropout (a child generator per sensor and sweep).
    """
    T_world_ego = np.asarray(T_world_ego, dtype=np.float64)
    n_blocks = int(model.column_block()[-1]) + 1
    if T_world_ego.shape != (n_blocks, 4, 4):
        raise ValueError(f"T_world_ego must be ({n_blocks}, 4, 4), got {T_world_ego.shape}")
    T_world_sensor = T_world_ego @ np.asarray(model.T_ego_lidar, dtype=np.float64)
    pool, tri_sem, tri_refl = scene.pool()
    trees = np.array([scene.tree(a.mesh_key) for a in agents], dtype=np.int64)
    n_agents = len(agents)
    T_world_agent = np.zeros((n_blocks, n_agents, 4, 4))
    active = np.zeros((n_blocks, n_agents), dtype=bool)
    centres = np.zeros((n_blocks, n_agents, 3))
    radii = np.zeros(n_agents)
    for k, a in enumerate(agents):
        T = np.asarray(a.T_world_obj, dtype=np.float64)
        if T.shape != (n_blocks, 4, 4) or np.asarray(a.active).shape != (n_blocks,):
            raise ValueError(
                f"agent {a.id}: poses must be ({n_blocks}, 4, 4), active ({n_blocks},)"
            )
        T_world_agent[:, k] = T
        active[:, k] = a.active
        centre, radii[k] = scene.sphere(int(trees[k]))
        centres[:, k] = T[:, :3, :3] @ centre + T[:, :3, 3]
    ptr, which = block_agents(model, T_world_sensor, centres, radii, active)
    elevation = np.radians(np.asarray(model.elevation_deg, dtype=np.float64))
    azimuth = model.column_azimuth()
    col_block = model.column_block()
    rng_true, hit_agent, hit_tri, cos_inc = cast_rays(
        pool,
        elevation,
        azimuth,
        col_block,
        T_world_sensor,
        trees,
        T_world_agent,
        ptr,
        which,
        float(model.max_range),
    )
    shape = rng_true.shape
    # every ray draws, hit or not: the bytes do not depend on what was hit
    lost = rng.random(shape) < model.dropout
    noise = rng.standard_normal(shape) * model.range_noise
    hit = hit_agent != NO_HIT
    tri = np.where(hit, hit_tri, 0)
    r = np.where(hit, rng_true, 1.0)
    strength = tri_refl[tri] * cos_inc * np.exp(-2.0 * atmosphere.alpha * r)
    detected = (
        hit
        & (r >= model.min_range)
        & (strength * (model.max_range / r) ** 2 >= DETECTION_REFLECTIVITY)
        & ~lost
    )
    measured = r + noise
    detected &= measured > 0.0
    cols, beams = np.nonzero(detected)  # column-major firing order
    rr = measured[cols, beams]
    # each column's rays in the reference frame: M_b = T_ref^-1 T_world_sensor[b] per block
    T_ref = np.asarray(T_world_ego_ref, dtype=np.float64) @ model.T_ego_lidar
    M = np.linalg.inv(T_ref) @ T_world_sensor  # (P, 4, 4)
    ce, se = np.cos(elevation), np.sin(elevation)
    d_sensor = np.stack(
        (ce[None, :] * np.cos(azimuth)[:, None], ce[None, :] * np.sin(azimuth)[:, None],
         np.broadcast_to(se, (len(azimuth), len(se)))),
        axis=1,
    )  # (C, 3, R)  # fmt: skip
    d_ref = M[col_block, :3, :3] @ d_sensor  # (C, 3, R)
    origin = M[col_block, :3, 3]  # (C, 3)
    xyz = origin[cols] + d_ref[cols, :, beams] * rr[:, None]
    agent_of = hit_agent[cols, beams]
    ids = np.array([a.id for a in agents] + [0], dtype=np.int64)  # index -1 -> 0 (static)
    instance = np.where(agent_of >= 0, ids[agent_of], 0)
    return PointCloud(
        xyz=xyz.astype(np.float32),
        intensity=np.clip(strength[cols, beams], 0.0, 1.0).astype(np.float32),
        ring=beams.astype(np.uint16),
        column=cols.astype(np.uint16),
        time=model.column_time()[cols].astype(np.float32),
        semantic=tri_sem[hit_tri[cols, beams]].astype(np.uint8),
        instance=instance.astype(np.uint16),
        range=rr.astype(np.float32),
    )
