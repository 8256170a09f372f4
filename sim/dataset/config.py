"""Dataset configs (``python -m sim generate CONFIG``): schema, loading, and the episode plan.

A config names scenarios with weights, how many episodes to draw, the seed, the formats,
the train/val/test split and the executor settings::

    name: nightly
    seed: 2024
    episodes: 100
    out: datasets/nightly          # relative to the working directory; --out wins
    workers: 2                     # default: one per core; --workers wins
    formats: [native, coco, kitti]
    split: {train: 0.8, val: 0.1, test: 0.1}
    shard_size: 100                # episode folders per shard folder
    timeout: 900                   # [s] per episode try; a worker past it is killed
    max_tries: 3                   # tries per episode before it is reported failed
    set: [sensors.cameras.0.width=640]     # --set overrides for every scenario
    scenarios:
      - path: ../scenarios/cut_in.yaml     # relative to this file
        weight: 3
        set: [duration=6]                  # overrides for this scenario only

It is read with the scenario loader (file:line:column errors, ``extends:``) and validated
with pydantic like a scenario. :func:`make_plan` turns it into one :class:`EpisodeTask` per
episode; the plan depends on the config alone (never on workers or backend), so the same
config gives the same files whatever runs them.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field, ValidationError, model_validator

from sim.dataset.targets import TargetsSpec
from sim.errors import ScenarioError
from sim.scenario.errors import translate
from sim.scenario.loader import SourceMap, apply_overrides, read_yaml
from sim.scenario.schema import Format, Identifier, Strict
from sim.seeding import MAX_SEED, child_rng, child_seed, root_seed

SPLITS = ("train", "val", "test")


class ScenarioEntry(Strict):
    path: str = Field(min_length=1, description="scenario file, relative to the config file")
    weight: float = Field(1.0, gt=0.0, description="relative share of the episodes")
    set: list[str] = Field(
        default_factory=list, max_length=1000, description="KEY=VALUE overrides (as --set)"
    )


class SplitSpec(Strict):
    """Shares of the episodes per split. With no ``split`` block: 0.8 / 0.1 / 0.1; once any
    share is given, the ones not given are 0 (``{train: 0.75, val: 0.25}`` has no test)."""

    train: float = Field(0.8, ge=0.0)
    val: float = Field(0.1, ge=0.0)
    test: float = Field(0.1, ge=0.0)

    @model_validator(mode="before")
    @classmethod
    def _unnamed_are_zero(cls, data: Any) -> Any:
        if isinstance(data, dict) and data:
            return {**dict.fromkeys(SPLITS, 0.0), **data}
        return data

    @model_validator(mode="after")
    def _sums_to_one(self) -> SplitSpec:
        total = self.train + self.val + self.test
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"train + val + test must be 1, found {total:g}")
        return self


class GenerateConfig(Strict):
    name: Identifier
    description: str = ""
    seed: int = Field(0, ge=0, le=MAX_SEED)
    episodes: int | None = Field(
        None, ge=1, le=1_000_000, description="required unless targets say how many"
    )
    targets: TargetsSpec | None = Field(None, description="objects per class on demand")
    scenarios: list[ScenarioEntry] = Field(min_length=1, max_length=10_000)
    formats: list[Format] | None = Field(None, description="default: each scenario's own")
    split: SplitSpec = SplitSpec()
    set: list[str] = Field(
        default_factory=list, max_length=1000, description="overrides for every scenario"
    )
    out: str | None = None
    workers: int | None = Field(None, ge=1, le=1024)
    shard_size: int = Field(100, ge=1)
    timeout: float = Field(900.0, gt=0.0, description="[s] per episode try")
    max_tries: int = Field(3, ge=1, le=100)

    @model_validator(mode="after")
    def _episodes_or_targets(self) -> GenerateConfig:
        if self.episodes is None and self.targets is None:
            raise ValueError("give episodes (how many to make) or targets (objects to reach)")
        return self


@dataclass(frozen=True)
class LoadedConfig:
    path: Path
    config: GenerateConfig
    source: SourceMap

    def scenario_file(self, entry: ScenarioEntry) -> Path:
        """The scenario file of ``entry`` on disk (its path is relative to the config)."""
        return self.path.parent / entry.path


@dataclass(frozen=True)
class EpisodeTask:
    """Everything a worker needs to make one episode; plain data (pickles, JSON)."""

    index: int
    name: str  # folder name, e.g. ep_000012_cut_in
    rel_dir: str  # folder relative to the dataset root, e.g. shard_00000/ep_000012_cut_in
    scenario: str  # path as written in the config (goes into meta.json)
    scenario_file: str  # path to open
    overrides: tuple[str, ...]
    seed: int
    split: str

    def to_json(self) -> dict:
        d = asdict(self)
        d["overrides"] = list(self.overrides)
        del d["scenario_file"]  # where the config lives is not part of the dataset
        return d


def load_config(
    path: str | Path, overrides: Sequence[str] = (), episodes: int | None = None
) -> LoadedConfig:
    """Read and validate a generate config; raises ScenarioError (with ``all_errors``).

    ``overrides``: ``KEY=VALUE`` items applied to the config's data first (``generate
    --set``; errors name them ``--set #N (key)``); ``episodes``: ``generate --episodes``,
    the same as ``--set episodes=N`` given last."""
    path = Path(path)
    data, src = read_yaml(path)
    if episodes is not None:
        overrides = (*overrides, f"episodes={episodes}")
    if overrides:
        data = apply_overrides(data, src, list(overrides))
    try:
        config = GenerateConfig.model_validate(data)
    except ValidationError as err:
        errors = translate(err, data, src, GenerateConfig)
        errors[0].all_errors = errors  # type: ignore[attr-defined]
        raise errors[0] from None
    for i, entry in enumerate(config.scenarios):
        if "\0" in entry.path:
            raise src.error("the path contains a NUL byte", ("scenarios", i, "path"))
        file = path.parent / entry.path
        if not file.is_file():
            what = "not a regular file" if file.exists() else "no such scenario file"
            raise src.error(f"{what}: {file}", ("scenarios", i, "path"))
        for n, item in enumerate(entry.set):
            if "=" not in item:
                raise src.error(f"expected KEY=VALUE, found {item!r}", ("scenarios", i, "set", n))
    for n, item in enumerate(config.set):
        if "=" not in item:
            raise src.error(f"expected KEY=VALUE, found {item!r}", ("set", n))
    return LoadedConfig(path, config, src)


def scenario_overrides(config: GenerateConfig, entry: ScenarioEntry) -> tuple[str, ...]:
    """The --set list for one scenario: formats, then the config's, then the entry's own."""
    out = []
    if config.formats is not None:
        out.append(f"outputs.formats=[{', '.join(config.formats)}]")
    return (*out, *config.set, *entry.set)


def largest_remainder(n: int, weights: Sequence[float]) -> list[int]:
    """Integer counts summing to ``n``, each within 1 of ``n * weight / sum(weights)``
    (largest remainder; ties to the earlier entry)."""
    total = float(sum(weights))
    shares = [w / total * n for w in weights]
    counts = [math.floor(x) for x in shares]
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - counts[i]), i))
    for i in order[: n - sum(counts)]:
        counts[i] += 1
    return counts


def split_counts(n: int, split: SplitSpec) -> dict[str, int]:
    """Episodes per split, summing to ``n`` (largest remainder, ties in SPLITS order)."""
    counts = largest_remainder(n, [getattr(split, s) for s in SPLITS])
    return dict(zip(SPLITS, counts, strict=True))


def interleave(counts: Sequence[int]) -> list[int]:
    """Indices 0..K-1, index k ``counts[k]`` times, spread evenly: after the first m items
    index k has appeared within 1 of ``m * counts[k] / n`` times (Tijdeman's chairman
    assignment, an earliest-deadline schedule: item j of index k is released at
    ``(j + d) / r`` and due at ``(j + 1 - d) / r``, r = counts[k] / n, d = 1 / (2K - 2)).
    Any block of consecutive episodes dealt from it is therefore stratified too."""
    n = sum(counts)
    live = [k for k, c in enumerate(counts) if c > 0]
    d = 1.0 / (2 * len(live) - 2) if len(live) > 1 else 0.5
    seen = dict.fromkeys(live, 0)
    waiting = [((0 + d) * n / counts[k], k) for k in live]  # (release, k)
    heapq.heapify(waiting)
    ready: list[tuple[float, int]] = []  # (deadline, k)
    out = []
    for m in range(1, n + 1):
        while waiting and (waiting[0][0] <= m + 1e-9 or not ready):
            _, k = heapq.heappop(waiting)
            heapq.heappush(ready, ((seen[k] + 1 - d) * n / counts[k], k))
        _, k = heapq.heappop(ready)
        out.append(k)
        seen[k] += 1
        if seen[k] < counts[k]:
            heapq.heappush(waiting, ((seen[k] + d) * n / counts[k], k))
    return out


def make_plan(loaded: LoadedConfig, sampling: dict | None = None) -> list[EpisodeTask]:
    """One task per episode, from the config alone.

    Stratified, not sampled: each split gets its exact count (largest remainder of the
    shares), dealt to episodes by a permutation drawn from child ``split``; each scenario
    gets its exact count (largest remainder of the weights: within one episode of its
    share), laid out evenly (:func:`interleave`) over the episodes ordered by split and then
    by a permutation drawn from child ``scenarios``, so every split holds each scenario in
    proportion too. Episode i's seed is child ``episode/i/seed`` of the config seed.

    ``sampling`` (:func:`sim.dataset.targets.plan_for_targets`, for a config with
    ``targets``): its ``episodes_per_scenario`` replace the weights and the episode count.
    """
    config = loaded.config
    root = root_seed(config.seed)
    if sampling is not None:
        per_scenario = list(sampling["episodes_per_scenario"])
    else:
        if config.episodes is None:  # the schema demands episodes or targets
            raise ValueError("a config with targets needs its sampling (plan_for_targets)")
        per_scenario = largest_remainder(config.episodes, [e.weight for e in config.scenarios])
    n = sum(per_scenario)
    counts = split_counts(n, config.split)
    labels = np.repeat(np.arange(3), [counts[s] for s in SPLITS])
    split_of = labels[child_rng(root, "split").permutation(n)]
    shuffle = child_rng(root, "scenarios").permutation(n)
    order = sorted(range(n), key=lambda i: (int(split_of[i]), int(shuffle[i])))
    scenario_of = [0] * n
    for i, k in zip(order, interleave(per_scenario), strict=True):
        scenario_of[i] = k
    tasks = []
    for i in range(n):
        entry = config.scenarios[scenario_of[i]]
        seed = int(
            child_seed(root, f"episode/{i}/seed").generate_state(1, np.uint64)[0] >> np.uint64(11)
        )
        scenario_name = Path(entry.path).stem
        name = f"ep_{i:06d}_{scenario_name}"
        tasks.append(
            EpisodeTask(
                index=i,
                name=name,
                rel_dir=f"shard_{i // config.shard_size:05d}/{name}",
                scenario=entry.path,
                scenario_file=str(loaded.scenario_file(entry)),
                overrides=scenario_overrides(config, entry),
                seed=seed,
                split=SPLITS[int(split_of[i])],
            )
        )
    return tasks


def validate_scenarios(loaded: LoadedConfig, catalog, workers: int | None = None) -> None:
    """Load and resolve every scenario once (with its overrides) before any worker starts,
    so a bad scenario or override is one clear error, not N failed episodes; and check that
    ``workers`` episodes of it (default: the config's ``workers``, else one) fit in memory
    (ResourceError, exit 4, from :func:`sim.resources.check_resources`)."""
    from sim.errors import ResourceError
    from sim.pipeline import resolve_scenario
    from sim.resources import check_resources
    from sim.scenario import load_scenario

    config = loaded.config
    n = workers if workers is not None else (config.workers or 1)
    for i, entry in enumerate(config.scenarios):
        overrides = scenario_overrides(config, entry)
        try:
            loaded_scenario = load_scenario(loaded.scenario_file(entry), overrides)
            resolved = resolve_scenario(loaded_scenario, catalog)
        except ScenarioError as err:
            raise ScenarioError(
                f"scenario {entry.path} (scenarios[{i}]): {err}",
                file=str(loaded.path),
                line=loaded.source.locate(("scenarios", i))[1],
            ) from None
        try:
            check_resources(resolved, workers=n)
        except ResourceError as err:
            raise ResourceError(f"{loaded.path}: scenarios[{i}] ({entry.path}): {err}") from None


__all__ = [
    "SPLITS",
    "EpisodeTask",
    "GenerateConfig",
    "LoadedConfig",
    "load_config",
    "make_plan",
    "split_counts",
    "validate_scenarios",
]
