"""Balance on demand: per-class targets in a dataset config, reached by choosing how many
episodes of each scenario to make (``targets:`` in docs/dataset-generation.md).

A config with ``targets`` asks for objects, not episodes::

    targets:
      min_height: 25          # [px] an object counts when its 2D box is at least this tall
      per_split:              # labelled objects (object-frames) in every split with a share
        pedestrian: 500
        bicycle: 500
        car: 500
      shares: {bicycle: 0.15} # and at least this share of all counted objects
      pilot_seeds: 2          # seeds per scenario for the yield estimate
      margin: 1.25            # plan this much more than the estimate needs

Before the plan is made, each scenario runs ``pilot_seeds`` times without colour rendering
(resolve, traffic, then every camera frame's label buffers of the road users alone): its
*yield*, the mean number of labelled objects of each class per episode whose box is at
least ``min_height`` tall. The episodes per scenario are then the smallest total that meets
every target by the estimate (a linear programme, scipy's HiGHS), times ``margin`` for what
the pilot cannot see (the static scene hides some objects; other seeds draw other traffic),
rounded up. Splits are dealt in proportion (stratified), so the split with the smallest
share decides. The plan records the yields, the counts and the resulting sampling weights
(``plan.json`` ``sampling``) so users can re-weight, and ``sim report`` shows each target
against what was made. Steering is by scenario; actors, assets and edge cases follow from
each scenario's own distributions.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field, field_validator

from sim.classes import BY_NAME
from sim.scenario.schema import Strict


class TargetsSpec(Strict):
    min_height: float = Field(25.0, ge=1.0, le=10_000.0, description="[px] box height to count")
    per_split: dict[str, int] = Field(
        default_factory=dict, description="class -> objects of min_height per split"
    )
    shares: dict[str, float] = Field(
        default_factory=dict, description="class -> least share of the counted objects"
    )
    pilot_seeds: int = Field(2, ge=1, le=20)
    margin: float = Field(1.25, ge=1.0, le=10.0)

    @field_validator("per_split", "shares")
    @classmethod
    def _thing_classes(cls, value: dict) -> dict:
        for name, v in value.items():
            if name not in BY_NAME or not BY_NAME[name].thing:
                things = ", ".join(c for c, o in BY_NAME.items() if o.thing)
                raise ValueError(f"unknown object class {name!r} (one of {things})")
            if v < 0:
                raise ValueError(f"{name}: must be >= 0")
        return value

    @field_validator("shares")
    @classmethod
    def _shares_below_one(cls, value: dict) -> dict:
        if sum(value.values()) >= 1.0:
            raise ValueError("the shares must sum to less than 1")
        return value

    def classes(self) -> list[str]:
        return sorted(set(self.per_split) | set(self.shares))


def count_tall_objects(traj, agents, meshes, cameras, every, min_height, min_pixels) -> dict:
    """Labelled objects per class over every camera frame of a simulated episode whose box
    (``box2d``, visible pixels) is at least ``min_height`` px tall; ``"*"``: all classes.

    The labels are those an episode would write (sim's rasterizer and labeller), with the
    road users occluding each other but no static scene (road, buildings, trees) and no lens
    distortion: a close, cheap estimate of the episode's own labels without rendering."""
    from sim.dataset.episode import scene_at
    from sim.labels import label_frame
    from sim.render.camera import invert_rigid, pose_matrix
    from sim.render.raster import rasterize
    from sim.render.scene import MeshArrays, assemble_frame

    counts: dict[str, float] = {"*": 0.0}
    empty = MeshArrays(
        np.zeros((0, 3)),
        np.zeros((0, 3), np.int32),
        np.zeros((0, 4), np.uint8),
        np.zeros(0, np.uint8),
    )
    for step in range(traj.x.shape[0]):
        due = [c for c, k in zip(cameras, every, strict=True) if step % k == 0]
        if not due:
            continue
        T_world_ego = pose_matrix(traj.x[step, 0], traj.y[step, 0], 0.0, traj.yaw[step, 0])
        views, objects = scene_at(traj, step, agents, meshes)  # as the episode poses them
        posed = [(v.mesh, v.T_world_obj, v.id) for v in views]
        for cam in due:
            T_cam_world = invert_rigid(T_world_ego @ cam.T_ego_cam)
            buffers = rasterize(*assemble_frame(empty, posed, T_cam_world), cam)
            for lab in label_frame(buffers, objects, cam, T_cam_world, min_pixels):
                if lab.box2d[3] - lab.box2d[1] >= min_height:
                    counts[lab.cls] = counts.get(lab.cls, 0.0) + 1.0
                    counts["*"] += 1.0
    return counts


def solve_counts(
    yields: np.ndarray, need: np.ndarray, shares: np.ndarray, margin: float
) -> np.ndarray | None:
    """Episodes per scenario (ints) meeting ``yields @ n >= need`` and, for each class c,
    ``yields[c] @ n >= shares[c] * yields[-1] @ n`` (row -1: all classes), with the least
    total; then times ``margin``, rounded up. ``yields``: (C + 1, S). None: infeasible."""
    from scipy.optimize import linprog

    n_classes, n_scen = yields.shape[0] - 1, yields.shape[1]
    rows = [-yields[:n_classes]]
    bounds = [-need]
    share_rows = -(yields[:n_classes] - shares[:, None] * yields[-1][None, :])
    rows.append(share_rows)
    bounds.append(np.zeros(n_classes))
    res = linprog(
        np.ones(n_scen),
        A_ub=np.vstack(rows),
        b_ub=np.concatenate(bounds),
        bounds=[(0, None)] * n_scen,
        method="highs",
    )
    if res.status != 0:
        return None
    return np.array([math.ceil(x * margin - 1e-9) for x in res.x], dtype=np.int64)


def plan_for_targets(loaded, catalog, progress: bool = False) -> dict:
    """The ``sampling`` record of a config with ``targets``: per-scenario yields from the
    pilot runs, the episodes each scenario gets, and the weights they amount to. Raises
    ScenarioError (located at ``targets``) when no mix of the scenarios can meet them."""
    from tqdm import tqdm

    from sim.dataset.config import SPLITS, scenario_overrides
    from sim.dataset.episode import agent_mesh, camera_model
    from sim.pipeline import resolve_scenario
    from sim.scenario import load_scenario, steps_per_frame
    from sim.seeding import child_seed, root_seed
    from sim.traffic.setup import build_world, n_steps
    from sim.traffic.world import simulate

    config = loaded.config
    targets: TargetsSpec = config.targets
    classes = targets.classes()
    root = root_seed(config.seed)
    yields = np.zeros((len(classes) + 1, len(config.scenarios)))
    runs = [(s, j) for s in range(len(config.scenarios)) for j in range(targets.pilot_seeds)]
    for s, j in tqdm(runs, desc="pilot", unit="run", disable=not progress, leave=False):
        entry = config.scenarios[s]
        seed = int(child_seed(root, f"pilot/{s}/{j}").generate_state(1, np.uint64)[0] >> 11)
        spec = resolve_scenario(
            load_scenario(loaded.scenario_file(entry), scenario_overrides(config, entry)),
            catalog,
            seed,
        )
        world, agents = build_world(spec, catalog)
        traj = simulate(world, n_steps(spec))
        cams = [camera_model(c) for c in spec.sensors.cameras]
        every = [steps_per_frame(c.rate, float(spec.step)) for c in cams]
        meshes = {a.id: agent_mesh(catalog, a) for a in agents}
        counts = count_tall_objects(
            traj, agents, meshes, cams, every, targets.min_height, int(spec.outputs.min_pixels)
        )
        for c, name in enumerate([*classes, "*"]):
            yields[c, s] += counts.get(name, 0.0) / targets.pilot_seeds
    split_shares = [getattr(config.split, s) for s in SPLITS if getattr(config.split, s) > 0]
    need = np.array([targets.per_split.get(c, 0) for c in classes], float) / min(split_shares)
    shares = np.array([targets.shares.get(c, 0.0) for c in classes], float)
    counts = solve_counts(yields, need, shares, targets.margin)
    if counts is None or counts.sum() == 0:
        short = [c for i, c in enumerate(classes) if yields[i].max() == 0]
        why = (
            f"no scenario made any {', '.join(short)} of >= {targets.min_height:g} px in "
            f"{targets.pilot_seeds} pilot run(s) each"
            if short
            else "no mix of the scenarios meets them together"
        )
        key = "per_split" if short and short[0] in targets.per_split else "shares"
        where = ("targets", key, short[0]) if short else ("targets",)
        raise loaded.source.error(f"the targets cannot be met: {why}", where)
    if config.episodes is not None and counts.sum() > config.episodes:
        raise loaded.source.error(
            f"the targets need about {int(counts.sum())} episodes by the pilot's estimate, "
            f"more than episodes: {config.episodes} allows (raise it, or leave it out)",
            ("episodes",),
        )
    return {
        "targets": targets.model_dump(mode="json"),
        "yields_per_episode": {
            config.scenarios[s].path: {
                name: round(float(yields[c, s]), 3) for c, name in enumerate([*classes, "*"])
            }
            for s in range(len(config.scenarios))
        },
        "episodes_per_scenario": [int(x) for x in counts],
        "weights": [round(float(x) / float(counts.sum()), 6) for x in counts],
        "expected_per_split": {
            name: round(float(yields[c] @ counts) * min(split_shares) / targets.margin, 1)
            for c, name in enumerate(classes)
        },
    }


def targets_made(plan: dict, objects: dict) -> list[dict]:
    """Each target of ``plan["sampling"]`` against the labelled objects (``objects``: the
    columns of :func:`sim.dataset.report.collect`): rows of split, class, target, made, met;
    a share target has split ``all`` and fractions. [] for a plan without targets."""
    sampling = plan.get("sampling")
    if not sampling:
        return []
    targets = sampling["targets"]
    split_cfg = plan["config"]["split"]
    tall = [h >= targets["min_height"] for h in objects["height"]]
    rows = []
    for split in (s for s in ("train", "val", "test") if split_cfg.get(s, 0) > 0):
        for cls, want in sorted(targets["per_split"].items()):
            made = sum(
                1
                for c, s, t in zip(objects["cls"], objects["split"], tall, strict=True)
                if c == cls and s == split and t
            )
            rows.append({"split": split, "cls": cls, "target": want, "made": made})
    total = sum(tall)
    for cls, want in sorted(targets["shares"].items()):
        made = sum(1 for c, t in zip(objects["cls"], tall, strict=True) if c == cls and t)
        rows.append(
            {"split": "all", "cls": cls, "target": want, "made": round(made / max(total, 1), 4)}
        )
    for row in rows:
        row["met"] = row["made"] >= row["target"]
    return rows
