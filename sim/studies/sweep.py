"""Sweeps: many draws of one scenario, traffic only, with an optional criticality search.

An episode of a sweep is the scenario with some values replaced (``--vary key=law``, the
same keys as ``--set``) and a seed; it is simulated without rendering (tens of
milliseconds), and its metrics (min TTC, min gap, collisions, ...) are recorded. ``--render
K`` then renders the K most critical episodes as ordinary episode folders.

Search (``--search cem``): the cross-entropy method (Rubinstein 1999; as used for
rare-event simulation of AVs by O'Kelly et al. 2018). Generation 0 draws from the nominal
laws; each later generation draws from truncated normals (continuous values) or
categorical laws (choices) fitted to the elite fraction of all episodes so far, smoothed.
Every episode records its likelihood ratio ``weight = p_nominal(x) / q(x)`` so statistics
of a searched set can be re-weighted to the nominal distribution honestly. With
``--search cem`` the same budget is also spent on plain random sampling, and both are
reported side by side.

Perturbations the scenario asks for with a rate are stratified: in a phase of n episodes
exactly round(rate * n) get each one, at random positions.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from sim.assets import load_catalog
from sim.errors import ScenarioError, SimError
from sim.perturb.apply import applied_list
from sim.pipeline import resolve_scenario
from sim.scenario import ScenarioFile, load_scenario
from sim.scenario.distributions import (
    Choice,
    DistributionError,
    IntUniform,
    Normal,
    Uniform,
    parse_distribution,
)
from sim.seeding import child_seed, root_seed
from sim.traffic.metrics import episode_metrics
from sim.traffic.setup import build_world, n_steps
from sim.traffic.world import simulate

TTC_CAP = 20.0  # [s] an episode whose ego never closes on anything counts as this
CRITICAL_TTC = 2.0  # [s] "critical" in the summaries: ego min TTC below this (or a collision)
ELITE = 0.2
SMOOTH = 0.7
METRICS = (
    "ego_min_ttc",
    "ego_min_gap",
    "min_ttc",
    "min_gap",
    "hard_brake_events",
    "ego_max_decel",
    "collisions",
)


@dataclass(frozen=True)
class Varied:
    key: str
    law: Any  # Uniform | Normal | Choice | IntUniform

    @property
    def continuous(self) -> bool:
        return isinstance(self.law, (Uniform, Normal))


def parse_vary(text: str) -> Varied:
    """``key=law`` with law in YAML, e.g. ``params.cut_in_gap={uniform: [2, 14]}``."""
    key, sep, body = text.partition("=")
    if not sep or not key:
        raise ScenarioError(f"--vary: expected KEY=DISTRIBUTION, found {text!r}")
    try:
        value = YAML(typ="safe").load(f"v: {body}")["v"]
        law = parse_distribution(value)
    except (YAMLError, DistributionError, TypeError) as err:
        raise ScenarioError(
            f"--vary {key}: expected a distribution such as {{uniform: [lo, hi]}} ({err})"
        ) from None
    return make_varied(key.strip(), law)


def make_varied(key: str, law: Any) -> Varied:
    """A varied value from a parsed law (``--vary`` or the scenario's ``sweep.vary``)."""
    if not isinstance(law, (Uniform, Normal, Choice, IntUniform)):
        raise ScenarioError(f"--vary {key}: expected a distribution, found {law!r}")
    return Varied(key, law)


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return repr(round(x, 6))
    return str(x)


def criticality(metrics: dict) -> float:
    """Lower is more critical: the ego's min TTC [s], 0 on a collision, capped at TTC_CAP."""
    if metrics["collisions"]:
        return 0.0
    ttc = metrics["ego_min_ttc"]
    return TTC_CAP if ttc is None else min(float(ttc), TTC_CAP)


# --- sampling laws ----------------------------------------------------------------------
def _norm_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


@dataclass
class _Law:
    """The sampling law of one varied value in the current generation."""

    var: Varied
    mu: float = 0.0
    sigma: float = 0.0
    probs: np.ndarray | None = None  # for choices
    fitted: bool = False

    def values(self) -> tuple:
        law = self.var.law
        if isinstance(law, Choice):
            return tuple(law.values)
        return tuple(range(law.lo, law.hi + 1))

    def nominal_pdf(self, x) -> float:
        law = self.var.law
        if isinstance(law, Uniform):
            return 1.0 / (law.hi - law.lo)
        if isinstance(law, Normal):
            lo, hi = law.support()
            z = _norm_cdf((hi - law.mean) / law.std) - _norm_cdf((lo - law.mean) / law.std)
            return (
                math.exp(-0.5 * ((x - law.mean) / law.std) ** 2)
                / (law.std * math.sqrt(2 * math.pi))
                / z
            )
        vals = self.values()
        if isinstance(law, Choice) and law.weights is not None:
            w = np.asarray(law.weights, float)
            return float(w[vals.index(x)] / w.sum())
        return 1.0 / len(vals)

    def pdf(self, x) -> float:
        if not self.fitted:
            return self.nominal_pdf(x)
        if self.var.continuous:
            lo, hi = self.var.law.support()
            z = _norm_cdf((hi - self.mu) / self.sigma) - _norm_cdf((lo - self.mu) / self.sigma)
            return (
                math.exp(-0.5 * ((x - self.mu) / self.sigma) ** 2)
                / (self.sigma * math.sqrt(2 * math.pi))
                / z
            )
        return float(self.probs[self.values().index(x)])

    def sample(self, rng: np.random.Generator):
        if not self.fitted:
            return self.var.law.sample(rng)
        if self.var.continuous:
            lo, hi = self.var.law.support()
            return Normal(self.mu, self.sigma, lo, hi).sample(rng)
        vals = self.values()
        return vals[int(rng.choice(len(vals), p=self.probs))]

    def fit(self, elite_values: list) -> None:
        if self.var.continuous:
            lo, hi = self.var.law.support()
            span = (hi - lo) if math.isfinite(hi - lo) else 6 * self.var.law.std
            mu, sd = float(np.mean(elite_values)), float(np.std(elite_values))
            if not self.fitted:
                self.mu, self.sigma = mu, max(sd, 0.02 * span)
            else:
                self.mu = SMOOTH * mu + (1 - SMOOTH) * self.mu
                self.sigma = max(SMOOTH * sd + (1 - SMOOTH) * self.sigma, 0.02 * span)
        else:
            vals = self.values()
            counts = np.array([sum(1 for v in elite_values if v == x) for x in vals], float) + 0.5
            new = counts / counts.sum()
            prev = self.probs if self.fitted else np.array([self.nominal_pdf(x) for x in vals])
            self.probs = SMOOTH * new + (1 - SMOOTH) * prev
            self.probs /= self.probs.sum()
        self.fitted = True


# --- running ----------------------------------------------------------------------------
@dataclass
class EpisodeResult:
    phase: str
    index: int
    seed: int
    values: dict[str, Any]
    perturbations: list[str]
    metrics: dict
    weight: float
    overrides: list[str] = field(default_factory=list)

    @property
    def criticality(self) -> float:
        return criticality(self.metrics)

    @property
    def rank_key(self) -> tuple[float, float, float]:
        """Most critical first: by criticality; ties (the ego never closed in on anything) by
        the hardest braking the ego needed, then by its smallest gap."""
        gap = self.metrics["ego_min_gap"]
        return (
            self.criticality,
            -float(self.metrics["ego_max_decel"]),
            (math.inf if gap is None else float(gap)),
        )


def episode_seed(base: int, phase: str, index: int) -> int:
    return int(
        child_seed(root_seed(base), f"sweep/{phase}/{index}").generate_state(1)[0] & 0x7FFFFFFF
    )


class Evaluator:
    """Simulates one sweep episode (traffic only) and returns its metrics."""

    def __init__(self, path: Path, base_overrides: list[str]) -> None:
        self.file = ScenarioFile(path)  # read and parsed once for the whole sweep
        self.base = list(base_overrides)
        self.catalog = load_catalog()

    def __call__(self, overrides: list[str], seed: int) -> tuple[dict, list[str]]:
        resolved = resolve_scenario(self.file.load([*self.base, *overrides]), self.catalog, seed)
        world, _ = build_world(resolved, self.catalog)
        traj = simulate(world, n_steps(resolved))
        return episode_metrics(traj, length=world.state.length), [
            p["name"] for p in applied_list(resolved)
        ]


def _stratified(
    requested: list[tuple[int, str, float]], n: int, rng: np.random.Generator
) -> list[list[str]]:
    """Per episode, the ``perturbations.i.rate=`` overrides: exactly round(rate n) get each."""
    out: list[list[str]] = [[] for _ in range(n)]
    for i, _name, rate in requested:
        k = int(round(rate * n))
        chosen = set(rng.permutation(n)[:k].tolist())
        for e in range(n):
            out[e].append(f"perturbations.{i}.rate={1.0 if e in chosen else 0.0}")
    return out


def run_phase(
    phase: str,
    n: int,
    varied: list[Varied],
    evaluate: Evaluator,
    seed: int,
    requested: list[tuple[int, str, float]],
    search: bool,
    generations: int = 5,
    progress=None,
) -> list[EpisodeResult]:
    """``n`` episodes drawn at random (search False) or by the cross-entropy method."""
    rng = np.random.default_rng(child_seed(root_seed(seed), f"sweep/{phase}/sampler"))
    laws = [_Law(v) for v in varied]
    strata = _stratified(requested, n, rng)
    results: list[EpisodeResult] = []
    sizes = (
        [n] if not search else [len(a) for a in np.array_split(np.arange(n), min(generations, n))]
    )
    index = 0
    for g, size in enumerate(sizes):
        if search and g > 0 and varied:
            ranked = sorted(results, key=lambda r: r.rank_key)
            elite = ranked[: max(2, int(math.ceil(ELITE * len(ranked))))]
            for law in laws:
                law.fit([r.values[law.var.key] for r in elite])
        for _ in range(size):
            values = {law.var.key: law.sample(rng) for law in laws}
            weight = 1.0
            for law in laws:
                x = values[law.var.key]
                weight *= law.nominal_pdf(x) / law.pdf(x)
            overrides = [f"{k}={_fmt(v)}" for k, v in values.items()] + strata[index]
            ep_seed = episode_seed(seed, phase, index)
            metrics, perts = evaluate(overrides, ep_seed)
            results.append(
                EpisodeResult(phase, index, ep_seed, values, perts, metrics, weight, overrides)
            )
            index += 1
            if progress is not None:
                progress.update(1)
    return results


def summary_line(results: list[EpisodeResult]) -> str:
    crit = [r.criticality for r in results]
    n_crit = sum(1 for c in crit if c < CRITICAL_TTC)
    coll = sum(1 for r in results if r.metrics["collisions"])
    w = np.array([r.weight for r in results])
    est = float(np.sum(w * (np.array(crit) < CRITICAL_TTC)) / max(len(results), 1))
    return (
        f"{results[0].phase}: {len(results)} episodes, lowest ego TTC {min(crit):.2f} s, "
        f"median {float(np.median(crit)):.2f} s, {n_crit} with TTC < {CRITICAL_TTC:g} s, "
        f"{coll} collisions; re-weighted P(TTC < {CRITICAL_TTC:g} s) = {est:.3f}"
    )


def write_csv(path: Path, results: list[EpisodeResult], varied: list[Varied]) -> None:
    cols = [
        "phase",
        "episode",
        "seed",
        *[v.key for v in varied],
        "perturbations",
        *METRICS,
        "criticality",
        "weight",
    ]
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in results:
            m = r.metrics
            w.writerow(
                [
                    r.phase,
                    r.index,
                    r.seed,
                    *[_fmt(r.values[v.key]) for v in varied],
                    ";".join(r.perturbations),
                    *["" if m[k] is None else m[k] for k in METRICS],
                    _fmt(r.criticality),
                    f"{r.weight:.6g}",
                ]
            )
    tmp.replace(path)


def _save(fig, path: Path, written: list[Path]) -> None:
    import matplotlib.pyplot as plt  # lazy: matplotlib only when plotting (start-up speed)

    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    written.append(path)


def plots(out: Path, results: list[EpisodeResult], varied: list[Varied]) -> list[Path]:
    import matplotlib  # lazy: matplotlib only when plotting (start-up speed)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    phases = sorted({r.phase for r in results}, key=lambda p: (p != "random", p))
    colors = {"random": "tab:blue", "cem": "tab:red"}
    for v in varied:
        fig, ax = plt.subplots(figsize=(6, 4))
        for ph in phases:
            rs = [r for r in results if r.phase == ph]
            ax.scatter(
                [r.values[v.key] for r in rs],
                [r.criticality for r in rs],
                s=12,
                alpha=0.6,
                label=ph,
                color=colors.get(ph),
            )
        ax.axhline(CRITICAL_TTC, color="k", lw=0.8, ls="--")
        ax.set_xlabel(v.key)
        ax.set_ylabel(f"ego min TTC [s] (capped at {TTC_CAP:g}; 0 = collision)")
        ax.legend()
        ax.set_title(f"criticality against {v.key}")
        _save(fig, out / f"ttc_vs_{v.key.replace('.', '_')}.png", written)
    fig, ax = plt.subplots(figsize=(6, 4))
    for ph in phases:
        c = np.sort([r.criticality for r in results if r.phase == ph])
        ax.step(c, np.arange(1, len(c) + 1) / len(c), where="post", label=ph, color=colors.get(ph))
    ax.axvline(CRITICAL_TTC, color="k", lw=0.8, ls="--")
    ax.set_xlabel("ego min TTC [s]")
    ax.set_ylabel("fraction of episodes")
    ax.set_title("how often each sampler finds critical episodes")
    ax.legend()
    _save(fig, out / "ttc_cdf.png", written)
    names = sorted({n for r in results for n in r.perturbations})
    if names:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        width = 0.8 / len(phases)
        for k, ph in enumerate(phases):
            counts = [
                sum(1 for r in results if r.phase == ph and n in r.perturbations) for n in names
            ]
            ax.bar(np.arange(len(names)) + k * width, counts, width, label=ph, color=colors.get(ph))
        ax.set_xticks(np.arange(len(names)) + width * (len(phases) - 1) / 2, names, rotation=20)
        ax.set_ylabel("episodes")
        ax.set_title("edge cases applied")
        ax.legend()
        _save(fig, out / "perturbations.png", written)
    cont = [v for v in varied if v.continuous]
    if len(cont) >= 2:
        a, b = cont[0], cont[1]
        fig, ax = plt.subplots(figsize=(6, 5))
        for ph in phases:
            rs = [r for r in results if r.phase == ph]
            sc = ax.scatter(
                [r.values[a.key] for r in rs],
                [r.values[b.key] for r in rs],
                c=[r.criticality for r in rs],
                cmap="viridis_r",
                s=14,
                marker="o" if ph == "random" else "^",
                label=ph,
                vmin=0,
                vmax=TTC_CAP,
            )
        fig.colorbar(sc, label="ego min TTC [s]")
        ax.set_xlabel(a.key)
        ax.set_ylabel(b.key)
        ax.legend()
        ax.set_title("coverage of the parameter space")
        _save(fig, out / "coverage.png", written)
    return written


def check_varied(path: Path, base: list[str], varied: list[Varied], search: bool) -> None:
    """Fail early (one clear line) on a key that does not exist or a law CEM cannot fit."""
    probe = []
    for v in varied:
        law = v.law
        x = (
            law.lo
            if isinstance(law, (Uniform, IntUniform))
            else (law.values[0] if isinstance(law, Choice) else law.mean)
        )
        probe.append(f"{v.key}={_fmt(x)}")
        if search and isinstance(law, Normal) and not all(map(math.isfinite, law.support())):
            raise SimError(
                f"--vary {v.key}: the search needs bounded laws; give the normal min and max"
            )
    load_scenario(path, [*base, *probe])  # raises ScenarioError naming the --set item


def requested_perturbations(path: Path, base: list[str]) -> list[tuple[int, str, float]]:
    spec = load_scenario(path, base).spec
    out = []
    for i, p in enumerate(spec.perturbations):
        if not isinstance(p.rate, (int, float)):
            raise SimError(f"perturbation {p.name}: a sweep needs a plain number as its rate")
        if p.rate > 0 and not p.applied:
            out.append((i, p.name, float(p.rate)))
    return out
