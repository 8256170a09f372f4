"""Placing bodies along lanes without overlap: the exact fallbacks of the random placement.

``resolve`` places background vehicles and pedestrians by rejection sampling: each draws a
lane (side) and a position uniformly and keeps the first draw that clears every other body
by the minimum gap. That is quick and its results are what every existing seed resolves to,
but it can fail when the road is nearly full (random sequential placement leaves gaps each
too short for the next body, a "jam", long before the road is really full), and a nightly
dataset then lost the episode. So when all the tries of one body fail, these exact steps
take over, in this order:

1. ``free_spans`` + ``draw_uniform``: the set of positions where the body still fits is
   computed exactly and one is drawn uniformly in it. That is the distribution the
   rejection sampler converges to with unlimited tries, so nothing about the result changes
   but that it never gives up while a position is free.
2. ``pack``: no position is free, but the bodies placed so far could be moved: all of them
   and the new one are packed again into the free stretches of the lanes (between the fixed
   actors), in a random order with the spare room split at random (sorted uniforms: a
   uniform draw over the arrangements with that order). It fails only when the bodies do
   not fit in the stretches at all (the message then gives the room needed and free).

Bodies are intervals ``[rear, front]`` along ``s`` [m]; a point body (a pedestrian) has
length 0. Everything here is deterministic given the generator.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

_EPS = 1e-9  # [m] tolerance of the room checks (positions are rounded to 1e-6 m anyway)


def free_spans(
    row: Sequence[tuple[float, float]], lo: float, hi: float, length: float, gap: float
) -> list[tuple[float, float]]:
    """Closed intervals of centre positions [m] where a body of ``length`` [m] lies within
    ``[lo, hi]`` and clears every interval ``(rear, front)`` of ``row`` by at least ``gap``.

    The test matches the rejection sampler's: a centre ``s`` is free when, for every
    interval, ``front + gap <= s - length/2`` or ``s + length/2 + gap <= rear``.
    """
    half = 0.5 * length
    a, b = lo + half, hi - half
    if a > b:
        return []
    spans: list[tuple[float, float]] = []
    cur = a
    for rear, front in sorted(row):
        f0, f1 = rear - gap - half, front + gap + half  # centres strictly inside are taken
        if f1 <= cur:
            continue
        if f0 >= b:
            break
        if f0 >= cur:
            spans.append((cur, f0))
        cur = max(cur, f1)
        if cur > b:
            break
    if cur <= b:
        spans.append((cur, b))
    return spans


def draw_uniform(
    spans: Sequence[tuple[Hashable, float, float]], rng: np.random.Generator
) -> tuple[Hashable, float] | None:
    """A point drawn uniformly (by length) from ``(key, a, b)`` intervals: ``(key, s)``;
    ``None`` when there are none. When every interval is a single point (length 0, a gap
    that fits exactly), one of them is picked with equal chances."""
    if not spans:
        return None
    widths = np.array([b - a for _, a, b in spans], dtype=np.float64)
    total = float(widths.sum())
    if total <= 0.0:
        key, a, _ = spans[int(rng.integers(len(spans)))]
        return key, float(a)
    u = float(rng.uniform(0.0, total))
    for (key, a, b), w in zip(spans, widths, strict=True):
        if u <= w:
            return key, float(min(a + u, b))
        u -= w
    key, _, b = spans[-1]  # rounding: u ran past the end
    return key, float(b)


def stretches(
    row: Sequence[tuple[float, float]], lo: float, hi: float, gap: float
) -> list[tuple[float, float]]:
    """Maximal stretches ``(lo', hi')`` of ``[lo, hi]`` [m] where bodies may lie: at least
    ``gap`` from every fixed interval of ``row`` (the range's own ends need no gap)."""
    out: list[tuple[float, float]] = []
    cur = lo
    for rear, front in sorted(row):
        end = min(hi, rear - gap)
        if end >= cur:
            out.append((cur, end))
        cur = max(cur, front + gap)
        if cur > hi:
            return out
    if hi >= cur:
        out.append((cur, hi))
    return out


def room(spaces: Sequence[tuple[Hashable, float, float]], gap: float) -> float:
    """Total room [m] of stretches in the units ``pack`` counts: each holds bodies whose
    lengths plus one ``gap`` each add up to at most its length plus ``gap``."""
    return float(sum(hi - lo + gap for _, lo, hi in spaces))


def pack(
    spaces: Sequence[tuple[Hashable, float, float]],
    lengths: Sequence[float],
    gap: float,
    rng: np.random.Generator,
) -> list[tuple[Hashable, float]] | None:
    """Centres ``(key, s)`` for bodies of ``lengths`` [m] (in that order) in the stretches
    ``(key, lo, hi)``, every two at least ``gap`` [m] apart; ``None`` when they do not fit.

    Bodies go to stretches in a random order, each to a stretch with room left, chosen with
    chances in proportion to that room; if that leaves one without room, the assignment is
    made again best-fit by decreasing length (deterministic). In a stretch the bodies are
    then laid out in a random order with the spare room split at random between the gaps
    and both ends (sorted uniforms)."""
    n = len(lengths)
    cap = [hi - lo + gap for _, lo, hi in spaces]
    need = [float(length) + gap for length in lengths]
    where = _assign_random(cap, need, rng)
    if where is None:
        where = _assign_best_fit(cap, need)
        if where is None:
            return None
    out: list[tuple[Hashable, float] | None] = [None] * n
    for j, (key, lo, _hi) in enumerate(spaces):
        members = [i for i in range(n) if where[i] == j]
        if not members:
            continue
        members = [members[int(p)] for p in rng.permutation(len(members))]
        spare = max(0.0, cap[j] - sum(need[i] for i in members))
        offsets = np.sort(rng.uniform(0.0, spare, len(members)))
        used = 0.0
        for i, off in zip(members, offsets, strict=True):
            out[i] = (key, lo + float(off) + used + 0.5 * float(lengths[i]))
            used += need[i]
    return out  # type: ignore[return-value]


def _assign_random(
    cap: list[float], need: list[float], rng: np.random.Generator
) -> list[int] | None:
    left = list(cap)
    where = [-1] * len(need)
    for i in (int(p) for p in rng.permutation(len(need))):
        fits = [j for j, r in enumerate(left) if r + _EPS >= need[i]]
        if not fits:
            return None
        weights = np.array([left[j] for j in fits])
        u = float(rng.uniform(0.0, float(weights.sum())))
        pick = fits[-1]
        for j, w in zip(fits, weights, strict=True):
            if u <= w:
                pick = j
                break
            u -= w
        left[pick] -= need[i]
        where[i] = pick
    return where


def _assign_best_fit(cap: list[float], need: list[float]) -> list[int] | None:
    left = list(cap)
    where = [-1] * len(need)
    for i in sorted(range(len(need)), key=lambda i: (-need[i], i)):
        fits = [j for j, r in enumerate(left) if r + _EPS >= need[i]]
        if not fits:
            return None
        pick = min(fits, key=lambda j: (left[j], j))
        left[pick] -= need[i]
        where[i] = pick
    return where
