"""The building blocks of every schema block: numbers that may be distributions, names,
identifiers, colours, and the strict base model.

A numeric field is written ``Annotated[Any, Num(gt=0, le=80)]``: ``Num`` is the validator
(pydantic metadata), ``Any`` what the field holds: a number, or before resolution a
distribution (see distributions.py). :func:`upper` and :func:`lower` give the extremes of
either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    PlainSerializer,
    PlainValidator,
)
from pydantic_core import CoreSchema, PydanticCustomError

from sim.scenario.distributions import (
    Choice,
    DistributionError,
    IntUniform,
    Normal,
    ParamRef,
    Uniform,
    parse_distribution,
)

_DIST_TYPES = (Uniform, Normal, Choice, IntUniform, ParamRef)


def _fail(message: str) -> PydanticCustomError:
    return PydanticCustomError("sim", message)


def _bounds_text(gt, ge, lt, le) -> str:
    parts = []
    if gt is not None:
        parts.append(f"> {gt:g}")
    if ge is not None:
        parts.append(f">= {ge:g}")
    if lt is not None:
        parts.append(f"< {lt:g}")
    if le is not None:
        parts.append(f"<= {le:g}")
    return " and ".join(parts)


def _in_bounds(x: float, gt, ge, lt, le) -> bool:
    return not (
        (gt is not None and not x > gt)
        or (ge is not None and not x >= ge)
        or (lt is not None and not x < lt)
        or (le is not None and not x <= le)
    )


def _serialize_num(value: Any) -> Any:
    return value.to_yaml() if isinstance(value, _DIST_TYPES) else value


@dataclass(frozen=True)
class Num:
    """Validator of a number (int if ``integer``) within bounds, or a distribution whose
    support is: ``Annotated[Any, Num(ge=0, le=80)]``. Distributions serialize as written."""

    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    integer: bool = False

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return handler.generate_schema(
            Annotated[source, PlainValidator(self.validate), PlainSerializer(_serialize_num)]
        )

    @property
    def bounds(self) -> str:
        return _bounds_text(self.gt, self.ge, self.lt, self.le)

    def _fits(self, x: float, lower: bool = True, upper: bool = True) -> bool:
        return _in_bounds(
            x,
            self.gt if lower else None,
            self.ge if lower else None,
            self.lt if upper else None,
            self.le if upper else None,
        )

    def validate(self, value: Any) -> Any:
        kind = "an integer" if self.integer else "a number"
        bounds = self.bounds
        want = f"{kind}{' ' + bounds if bounds else ''}"
        if isinstance(value, _DIST_TYPES):
            return value
        if isinstance(value, bool) or value is None:
            raise _fail(f"expected {want}, found {value!r}")
        if isinstance(value, (int, float)):
            if not math.isfinite(value):
                raise _fail(f"expected {want}, found {value!r}")
            if self.integer and float(value) != int(value):
                raise _fail(f"expected {want}, found {value!r}")
            if not self._fits(value):
                raise _fail(f"expected {want}, found {value!r}")
            return int(value) if self.integer else float(value)
        try:
            dist = parse_distribution(value)
        except DistributionError as err:
            raise _fail(f"expected {want} or a distribution: {err}") from None
        if isinstance(dist, ParamRef):
            return dist
        return self._check_distribution(dist, want)

    def _check_distribution(self, dist: Any, want: str) -> Any:
        bounds = self.bounds
        if self.integer and isinstance(dist, (Uniform, Normal)):
            raise _fail(
                f"expected {want}; use an int or choice distribution here, "
                f"not {type(dist).__name__.lower()}"
            )
        if (
            self.integer
            and isinstance(dist, Choice)
            and not all(isinstance(v, int) and not isinstance(v, bool) for v in dist.values)
        ):
            raise _fail(f"expected {want}: choice values must be integers")
        if isinstance(dist, Choice):
            for v in dist.values:
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not self._fits(v):
                    raise _fail(f"expected {want}: choice value {v!r} is not")
            return dist
        lo, hi = dist.support()
        if (
            isinstance(dist, Normal)
            and bounds
            and (
                (math.isinf(lo) and (self.gt is not None or self.ge is not None))
                or (math.isinf(hi) and (self.lt is not None or self.le is not None))
            )
        ):
            raise _fail(f"values here must be {bounds}: give the normal distribution min/max")
        lo_ok = self._fits(lo, upper=False)
        # uniform draws lie in [lo, hi): hi may touch a strict upper bound
        hi_ok = self._fits(hi, lower=False) or (isinstance(dist, Uniform) and hi == self.lt)
        if not (lo_ok and hi_ok):
            raise _fail(
                f"values here must be {bounds}, but the distribution covers [{lo:g}, {hi:g}]"
            )
        return dist


AnyNumber = Annotated[Any, Num()]
"""Any finite number, or a distribution."""


def upper(value: Any) -> float:
    """The largest value a number or distribution can take (0 for a parameter reference,
    which is bounded where the parameter is declared)."""
    if value is None or isinstance(value, (ParamRef, bool)):
        return 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, Choice):
        return max((float(v) for v in value.values if isinstance(v, (int, float))), default=0.0)
    return float(value.support()[1])


def lower(value: Any) -> float:
    """The smallest value a number or distribution can take (inf for a parameter reference)."""
    if value is None or isinstance(value, (ParamRef, bool)):
        return math.inf
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, Choice):
        values = [float(v) for v in value.values if isinstance(v, (int, float))]
        return min(values, default=math.inf)
    return float(value.support()[0])


def _validate_name(value: Any) -> Any:
    if isinstance(value, (Choice, ParamRef)):
        return value
    if isinstance(value, str) and not value.startswith("$"):
        if not value:
            raise _fail("expected a non-empty name")
        return value
    try:
        dist = parse_distribution(value)
    except DistributionError:
        raise _fail(f"expected a name or {{choice: [names]}}, found {value!r}") from None
    if isinstance(dist, ParamRef):
        return dist
    if not isinstance(dist, Choice) or not all(isinstance(v, str) for v in dist.values):
        raise _fail(f"expected a name or {{choice: [names]}}, found {value!r}")
    return dist


NameOrChoice = Annotated[Any, PlainValidator(_validate_name), PlainSerializer(_serialize_num)]
"""A string, or a choice of strings (e.g. asset names)."""


class Strict(BaseModel):
    """Base of every schema block: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]
RGB = Annotated[tuple[int, int, int], Field(description="colour, 0..255 per channel")]
