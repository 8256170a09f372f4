"""Drawing a spec's distributions and walking its actors: shared by the resolver
(sim.scenario.resolve) and the placement of road users (sim.scenario.pedestrians)."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel

from sim.scenario.distributions import Choice, IntUniform, Normal, ParamRef, Uniform
from sim.scenario.errors import suggest
from sim.scenario.loader import Path_
from sim.scenario.schema import ActorSpec, BackgroundSpec, BehaviourSpec, ScenarioSpec

DISTS = (Uniform, Normal, Choice, IntUniform)
PLACEMENT_TRIES = 200


def iter_refs(value: Any, path: Path_ = ()):
    """Yield (path, ParamRef) for every parameter reference inside a spec."""
    if isinstance(value, ParamRef):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from iter_refs(getattr(value, name), (*path, name))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from iter_refs(item, (*path, i))
    elif isinstance(value, dict):
        for k, item in value.items():
            yield from iter_refs(item, (*path, k))


def draw(value: Any, rng: np.random.Generator, params: dict[str, Any]) -> Any:
    """Replace every distribution/reference inside ``value`` by a drawn number (plain data)."""
    if isinstance(value, ParamRef):
        return params[value.name]
    if isinstance(value, DISTS):
        return value.sample(rng)
    if isinstance(value, BaseModel):
        return {name: draw(getattr(value, name), rng, params) for name in type(value).model_fields}
    if isinstance(value, (list, tuple)):
        return [draw(v, rng, params) for v in value]
    if isinstance(value, dict):
        return {k: draw(v, rng, params) for k, v in value.items()}
    return value


def actors_with_paths(spec: ScenarioSpec):
    yield ("ego",), spec.ego
    for i, actor in enumerate(spec.actors):
        yield ("actors", i), actor


def asset_weights(
    assets: dict[str, float], catalog, src, key: str, kind: str | None = None
) -> tuple[list[str], np.ndarray]:
    """The names of ``key``'s ``assets`` and their weights normalised to sum to 1; an error
    at ``key.assets`` for an unknown asset (or one not of ``kind``) or unusable weights."""
    names = list(assets)
    known = catalog.names()
    for name in names:
        if name not in known:
            raise src.error(f"unknown asset {name!r}{suggest(name, known)}", (key, "assets", name))
        if kind is not None and catalog.info(name).kind != kind:
            raise src.error(f"{name!r} is not a {kind} asset", (key, "assets", name))
    weights = np.array([assets[n] for n in names], dtype=np.float64)
    if (weights < 0).any() or weights.sum() <= 0:
        raise src.error("asset weights must be non-negative and not all zero", (key, "assets"))
    return names, weights / weights.sum()


def draw_look(names: list[str], weights: np.ndarray, catalog, rng: np.random.Generator):
    """A background vehicle's asset (by ``weights``), its catalog entry, variant and paint
    colour (None: the asset has no palette), drawn in that order."""
    asset = names[int(rng.choice(len(names), p=weights))]
    info = catalog.info(asset)
    variant = int(rng.integers(len(info.variants)))
    color = (
        tuple(int(c) for c in info.paint_colors[int(rng.integers(len(info.paint_colors)))])
        if info.paint_colors
        else None
    )
    return asset, info, variant, color


def background_actor(
    bg: BackgroundSpec,
    rng: np.random.Generator,
    params: dict[str, Any],
    name: str,
    asset: str,
    variant: int,
    color,
    road: str,
    lane: int,
    s: float,
    reserve: bool = False,
) -> ActorSpec:
    """A placed background vehicle: its speed and behaviour drawn (in that order) from
    ``bg``; MOBIL lane changes if ``bg.mobil``."""
    speed = float(draw(bg.speed, rng, params))
    behaviour = BehaviourSpec.model_validate(draw(bg.behaviour, rng, params))
    return ActorSpec(
        name=name,
        asset=asset,
        variant=variant,
        color=color,
        road=road,
        lane=lane,
        s=s,
        speed=speed,
        behaviour=behaviour,
        reserve=reserve,
        maneuvers=[{"type": "mobil"}] if bg.mobil else [],
    )


def reserve_vehicles(
    bg: BackgroundSpec, names, weights, catalog, rng, params, lanes, n_forward
) -> list[ActorSpec]:
    """The steady background's waiting vehicles ``bg_r000``, ...: drawn like the others
    (asset, look, speed, behaviour); the World places each when it lets it in."""
    out = []
    forward = [lane for lane in lanes if lane < n_forward] or [0]
    for k in range(int(draw(bg.steady.reserve, rng, params))):
        asset, _info, variant, color = draw_look(names, weights, catalog, rng)
        out.append(
            background_actor(
                bg,
                rng,
                params,
                f"bg_r{k:03d}",
                asset,
                variant,
                color,
                "main",
                forward[0],
                0.0,
                reserve=True,
            )
        )
    return out
