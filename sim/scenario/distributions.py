"""Distributions that may stand in for any number of a scenario.

YAML forms (docs/scenario-format.md):
    {uniform: [lo, hi]}                       continuous, lo <= x < hi
    {normal: {mean: m, std: s, min: a, max: b}}  min/max optional (truncation by rejection)
    {normal: [m, s]}
    {choice: [v1, v2, ...]}                   equal weights
    {choice: {values: [...], weights: [...]}} weights need not sum to 1
    {int: [lo, hi]}                           integers lo..hi inclusive
    $name                                     the value of parameter ``name`` (see ``params``)
Each distribution draws through the ``numpy.random.Generator`` it is given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

_NORMAL_BATCH = 64
_NORMAL_MAX_BATCHES = 1000


class DistributionError(ValueError):
    """A malformed distribution; the message says what was expected."""


@dataclass(frozen=True)
class Uniform:
    lo: float
    hi: float

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.lo, self.hi))

    def support(self) -> tuple[float, float]:
        return self.lo, self.hi

    def to_yaml(self) -> dict:
        return {"uniform": [self.lo, self.hi]}


@dataclass(frozen=True)
class Normal:
    mean: float
    std: float
    lo: float | None = None
    hi: float | None = None

    def sample(self, rng: np.random.Generator) -> float:
        lo = -math.inf if self.lo is None else self.lo
        hi = math.inf if self.hi is None else self.hi
        for _ in range(_NORMAL_MAX_BATCHES):
            draws = rng.normal(self.mean, self.std, _NORMAL_BATCH)
            ok = draws[(draws >= lo) & (draws <= hi)]
            if ok.size:
                return float(ok[0])
        raise DistributionError(
            f"normal(mean={self.mean}, std={self.std}) almost never falls in [{lo}, {hi}]"
        )

    def support(self) -> tuple[float, float]:
        return (-math.inf if self.lo is None else self.lo, math.inf if self.hi is None else self.hi)

    def to_yaml(self) -> dict:
        body: dict[str, float] = {"mean": self.mean, "std": self.std}
        if self.lo is not None:
            body["min"] = self.lo
        if self.hi is not None:
            body["max"] = self.hi
        return {"normal": body}


@dataclass(frozen=True)
class Choice:
    values: tuple[Any, ...]
    weights: tuple[float, ...] | None = None

    def sample(self, rng: np.random.Generator) -> Any:
        if self.weights is None:
            k = int(rng.integers(len(self.values)))
        else:
            w = np.asarray(self.weights, dtype=np.float64)
            k = int(rng.choice(len(self.values), p=w / w.sum()))
        return self.values[k]

    def support(self) -> tuple[float, float]:
        nums = [v for v in self.values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        return (min(nums), max(nums)) if nums else (-math.inf, math.inf)

    def to_yaml(self) -> dict:
        if self.weights is None:
            return {"choice": list(self.values)}
        return {"choice": {"values": list(self.values), "weights": list(self.weights)}}


@dataclass(frozen=True)
class IntUniform:
    lo: int
    hi: int

    def sample(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.lo, self.hi + 1))

    def support(self) -> tuple[float, float]:
        return float(self.lo), float(self.hi)

    def to_yaml(self) -> dict:
        return {"int": [self.lo, self.hi]}


@dataclass(frozen=True)
class ParamRef:
    name: str

    def to_yaml(self) -> str:
        return f"${self.name}"


Distribution = Uniform | Normal | Choice | IntUniform
FAMILIES = ("uniform", "normal", "choice", "int")


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _pair(body: Any, family: str) -> tuple[float, float]:
    if not (isinstance(body, list) and len(body) == 2 and all(_is_number(b) for b in body)):
        raise DistributionError(f"{family} expects a list [lo, hi] of two numbers, found {body!r}")
    return float(body[0]), float(body[1])


def parse_distribution(value: Any) -> Distribution | ParamRef:
    """Parse the YAML form of a distribution or a ``$param`` reference."""
    if isinstance(value, str):
        if value.startswith("$") and value[1:].isidentifier():
            return ParamRef(value[1:])
        raise DistributionError(f"expected a number, a distribution or $param, found {value!r}")
    if not isinstance(value, dict) or len(value) != 1:
        raise DistributionError(
            "expected a number or a distribution with one key "
            f"({', '.join(FAMILIES)}), found {value!r}"
        )
    ((family, body),) = value.items()
    if family == "uniform":
        lo, hi = _pair(body, family)
        if not lo < hi:
            raise DistributionError(f"uniform needs lo < hi, found [{lo}, {hi}]")
        return Uniform(lo, hi)
    if family == "int":
        if not (
            isinstance(body, list)
            and len(body) == 2
            and all(isinstance(b, int) and not isinstance(b, bool) for b in body)
        ):
            raise DistributionError(f"int expects a list [lo, hi] of two integers, found {body!r}")
        if not body[0] <= body[1]:
            raise DistributionError(f"int needs lo <= hi, found {body}")
        return IntUniform(int(body[0]), int(body[1]))
    if family == "normal":
        if isinstance(body, list):
            mean, std = _pair(body, family)
            lo = hi = None
        elif isinstance(body, dict):
            unknown = set(body) - {"mean", "std", "min", "max"}
            if unknown or "mean" not in body or "std" not in body:
                raise DistributionError(
                    f"normal expects {{mean, std, min?, max?}}, found keys {sorted(body)}"
                )
            for k, v in body.items():
                if not _is_number(v):
                    raise DistributionError(f"normal.{k} must be a number, found {v!r}")
            mean, std = float(body["mean"]), float(body["std"])
            lo = float(body["min"]) if "min" in body else None
            hi = float(body["max"]) if "max" in body else None
        else:
            raise DistributionError(f"normal expects [mean, std] or a mapping, found {body!r}")
        if not std > 0:
            raise DistributionError(f"normal needs std > 0, found {std}")
        if lo is not None and hi is not None and not lo < hi:
            raise DistributionError(f"normal needs min < max, found [{lo}, {hi}]")
        return Normal(mean, std, lo, hi)
    if family == "choice":
        if isinstance(body, list):
            values, weights = body, None
        elif isinstance(body, dict) and set(body) <= {"values", "weights"} and "values" in body:
            values, weights = body["values"], body.get("weights")
        else:
            raise DistributionError(f"choice expects a list or {{values, weights}}, found {body!r}")
        if not isinstance(values, list) or not values:
            raise DistributionError("choice needs a non-empty list of values")
        if weights is not None:
            if not (
                isinstance(weights, list)
                and len(weights) == len(values)
                and all(_is_number(w) and w >= 0 for w in weights)
                and sum(weights) > 0
            ):
                raise DistributionError(
                    "choice weights must be non-negative numbers, one per value, not all zero"
                )
            weights = tuple(float(w) for w in weights)
        return Choice(tuple(values), weights)
    raise DistributionError(
        f"unknown distribution {family!r}; expected one of {', '.join(FAMILIES)}"
    )
