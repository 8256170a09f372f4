"""Parameter value distributions (OpenSCENARIO 1.1+ ``ParameterValueDistribution`` files).

* ``Deterministic``: every ``DeterministicSingleParameterDistribution`` (``DistributionSet``
  of elements, ``DistributionRange`` with a step) and every ``ValueSetDistribution`` of a
  ``DeterministicMultiParameterDistribution`` is one factor; the sets are their cartesian
  product, each one scenario (at most :data:`MAX_SETS`).
* ``Stochastic``: each ``StochasticDistribution`` becomes one of sim's distributions in the
  scenario's ``params`` (sim draws it from the run's seed; ``randomSeed`` is the scenario's
  ``seed``): uniform -> ``uniform``; normal -> ``normal`` (std = sqrt(variance), the range as
  min/max); probability set -> ``choice`` with weights; histogram -> ``choice`` of the bin
  centres by weight (approximated); log-normal and Poisson -> ``normal`` with their mean and
  standard deviation, truncated at the range or at 0 (approximated).
"""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from sim.scenario.xosc.importer import Imported, import_xosc
from sim.scenario.xosc.params import Params, Value
from sim.scenario.xosc.xmldoc import Documents, OpenScenarioError

MAX_SETS = 1000
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_SEED = 2**63 - 1


def is_distribution(path: Path) -> bool:
    """Whether ``path`` is a parameter value distribution file (cheap: parses it once)."""
    root = Documents().parse(path)
    return root.tag == "OpenSCENARIO" and root.find("ParameterValueDistribution") is not None


def import_set(
    path: str | Path, lane_width: float = 3.5, duration: float | None = None
) -> list[Imported]:
    """The scenarios of a parameter value distribution file: one per deterministic set, or
    one with sim distributions for a stochastic one."""
    path = Path(path)
    docs = Documents()
    root = docs.parse(path)
    dist = root.find("ParameterValueDistribution")
    if root.tag != "OpenSCENARIO" or dist is None:
        raise docs.error(root, "not a ParameterValueDistribution file")
    params = Params(docs)
    params.declare_all(root)
    scen = dist.find("ScenarioFile")
    target = params.text(scen, "filepath") if scen is not None else None
    if not target:
        raise docs.error(dist, "<ParameterValueDistribution> needs <ScenarioFile filepath=...>")
    scenario = path.parent / target
    det = dist.find("Deterministic")
    sto = dist.find("Stochastic")
    if det is not None:
        factors = _factors(docs, params, det)
        n = math.prod(len(f) for f in factors) if factors else 0
        if n == 0:
            raise docs.error(det, "the deterministic distribution gives no parameter set")
        if n > MAX_SETS:
            raise docs.error(det, f"{n:,} parameter sets, more than {MAX_SETS:,}")
        out = []
        for k, combo in enumerate(itertools.product(*factors)):
            values: dict[str, Value] = {}
            for part in combo:
                values.update(part)
            imp = import_xosc(scenario, lane_width, duration, overrides=values)
            text = ", ".join(f"{a}={v}" for a, v in values.items())
            imp.notes.insert(0, f"parameter set {k + 1} of {n} from {path.name}: {text}")
            out.append(imp)
        return out
    if sto is not None:
        laws: dict[str, dict] = {}
        notes: list[str] = []
        for sd in sto.findall("StochasticDistribution"):
            name = (params.text(sd, "parameterName") or "").lstrip("$")
            if not _NAME.match(name):
                raise docs.error(sd, f"parameter name {name!r} is not one sim can hold")
            laws[name] = _law(docs, params, sd, notes)
        runs = params.integer(sto, "numberOfTestRuns", None)
        seed = params.integer(sto, "randomSeed", None)
        imp = import_xosc(
            scenario,
            lane_width,
            duration,
            distributions=laws,
            seed=None if seed is None else min(max(seed, 0), MAX_SEED),
        )
        imp.notes[:0] = notes
        if runs:
            imp.notes.insert(
                0, f"numberOfTestRuns {runs}: run that many seeds (python -m sim generate/sweep)"
            )
        return [imp]
    raise docs.error(dist, "neither <Deterministic> nor <Stochastic>")


def _number(params: Params, el: ET.Element, key: str) -> float:
    return params.need(el, key)


def _factors(docs: Documents, params: Params, det: ET.Element) -> list[list[dict[str, Value]]]:
    factors: list[list[dict[str, Value]]] = []
    for single in det.findall("DeterministicSingleParameterDistribution"):
        name = (params.text(single, "parameterName") or "").lstrip("$")
        values: list[Value] = []
        dset = single.find("DistributionSet")
        drange = single.find("DistributionRange")
        if dset is not None:
            values = [params.value(e, "value") for e in dset.findall("Element")]
        elif drange is not None:
            step = _number(params, drange, "stepWidth")
            rng = drange.find("Range")
            if rng is None or step <= 0:
                raise docs.error(drange, "<DistributionRange> needs stepWidth > 0 and a <Range>")
            lo, hi = _number(params, rng, "lowerLimit"), _number(params, rng, "upperLimit")
            count = int(math.floor((hi - lo) / step + 1e-9)) + 1
            if count > MAX_SETS:
                raise docs.error(drange, f"{count:,} values, more than {MAX_SETS:,}")
            values = [lo + k * step for k in range(max(count, 0))]
        else:
            raise docs.error(single, "only DistributionSet and DistributionRange are supported")
        factors.append([{name: v} for v in values])
    for multi in det.findall("DeterministicMultiParameterDistribution"):
        sets = []
        for pvs in multi.findall("./ValueSetDistribution/ParameterValueSet"):
            one = {}
            for a in pvs.findall("ParameterAssignment"):
                one[(params.text(a, "parameterRef") or "").lstrip("$")] = params.value(a, "value")
            sets.append(one)
        factors.append(sets)
    return factors


def _range(params: Params, el: ET.Element) -> tuple[float | None, float | None]:
    rng = el.find("Range")
    if rng is None:
        return None, None
    return _number(params, rng, "lowerLimit"), _number(params, rng, "upperLimit")


def _law(docs: Documents, params: Params, sd: ET.Element, notes: list[str]) -> dict:
    if len(sd) == 0:
        raise docs.error(sd, "<StochasticDistribution> is empty")
    kind = sd[0]
    name = params.text(sd, "parameterName")
    if kind.tag == "UniformDistribution":
        lo, hi = _range(params, kind)
        if lo is None or hi is None or not lo < hi:
            raise docs.error(kind, "<UniformDistribution> needs a <Range> with lower < upper")
        return {"uniform": [lo, hi]}
    if kind.tag in ("NormalDistribution", "LogNormalDistribution", "PoissonDistribution"):
        mean = _number(params, kind, "expectedValue")
        if kind.tag == "PoissonDistribution":
            var = mean
        else:
            var = _number(params, kind, "variance")
        if kind.tag == "LogNormalDistribution":  # expectedValue, variance of the log
            mu, s2 = mean, var
            mean = math.exp(mu + s2 / 2)
            var = (math.exp(s2) - 1) * math.exp(2 * mu + s2)
        if not var > 0 or not math.isfinite(var):
            raise docs.error(kind, "the distribution needs a variance > 0")
        body: dict = {"mean": mean, "std": math.sqrt(var)}
        lo, hi = _range(params, kind)
        if kind.tag != "NormalDistribution":
            notes.append(f"parameter {name}: {kind.tag} as a normal of the same mean and std")
            lo = 0.0 if lo is None else max(lo, 0.0)
        if lo is not None:
            body["min"] = lo
        if hi is not None:
            body["max"] = hi
        return {"normal": body}
    if kind.tag == "ProbabilityDistributionSet":
        values, weights = [], []
        for e in kind.findall("Element"):
            v = params.value(e, "value")
            try:
                v = float(v)
            except (TypeError, ValueError):
                pass
            values.append(v)
            weights.append(_number(params, e, "weight"))
        if not values:
            raise docs.error(kind, "<ProbabilityDistributionSet> has no <Element>")
        return {"choice": {"values": values, "weights": weights}}
    if kind.tag == "Histogram":
        values, weights = [], []
        for b in kind.findall("Bin"):
            lo, hi = _range(params, b)
            if lo is None or hi is None:
                raise docs.error(b, "<Bin> needs a <Range>")
            values.append(0.5 * (lo + hi))
            weights.append(_number(params, b, "weight"))
        if not values:
            raise docs.error(kind, "<Histogram> has no <Bin>")
        notes.append(f"parameter {name}: Histogram as a choice of its bin centres")
        return {"choice": {"values": values, "weights": weights}}
    raise OpenScenarioError(
        f"stochastic distribution {kind.tag} is not supported",
        file=docs.where_file(kind),
        line=docs.line.get(kind),
    )
