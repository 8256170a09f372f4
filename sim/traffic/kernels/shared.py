"""What the traffic kernels share: the serial/threaded twin compilation, the ordering key's
sentinel, the insertion sort and the IDM acceleration."""

from __future__ import annotations

import math
import types

import numba
import numpy as np

from sim.traffic import threads

threads.configure()  # OpenMP with sleeping waiters, before any threaded kernel launches

_INACTIVE_KEY = 1e300
"""Ordering key of an agent in no lane (inactive, or off the carriageway): sorts last."""


def _renamed(fn, name):
    """A copy of the plain Python function ``fn`` called ``name`` (same code and globals)."""
    code = fn.__code__.replace(co_name=name, co_qualname=name)
    copy = types.FunctionType(code, fn.__globals__, name, fn.__defaults__, fn.__closure__)
    copy.__qualname__ = name
    copy.__doc__ = fn.__doc__
    return copy


def serial_and_threaded(fn, name: str, **options):
    """``fn`` compiled twice: ``(serial, threaded)``, the second with ``parallel=True``.

    Numba's on-disk cache keys a compiled function by module, qualified name, signature and
    bytecode -- not by the compile options -- so the threaded version is compiled from a
    copy of the function under its own name (``<name>_threaded``; the serial one is
    ``<name>_serial``): compiled from the same function, each of the two would load
    whichever version was cached first (the threaded step silently ran serial).
    """
    serial = numba.njit(cache=True, **options)(_renamed(fn, name + "_serial"))
    threaded = numba.njit(cache=True, parallel=True, **options)(_renamed(fn, name + "_threaded"))
    return serial, threaded


_MAX_PIECES = 16  # pieces of a threaded kernel's work (threads take them in turn)
_PIECE_MIN = 256  # [agents] fewest in a piece (below, a call per piece costs more than it buys)


@numba.njit(cache=True)
def _pieces(n):
    """How many pieces a threaded kernel cuts N agents into (1 below 2 * _PIECE_MIN).

    Why pieces: a threaded kernel's ``prange`` loop runs over pieces and calls a plain,
    separately compiled function on each (``_step_range``, ...), instead of running the
    per-agent loop body itself. Numba builds a parallel loop's body from the arrays it
    uses; for arrays taken out of a bundle (a tuple) that body came out wrong (the threaded
    step gave walkers other lanes than the serial one, same inputs), while a call inside
    it is compiled like any serial function. Serial twins loop over the same pieces.
    """
    return max(1, min(_MAX_PIECES, n // _PIECE_MIN))


@numba.njit(cache=True, inline="always")
def _idm_accel(v, v0, T, s0, a_max, b_comf, delta, gap, dv, has_leader):
    """Intelligent Driver Model acceleration [m/s^2].

    gap: bumper-to-bumper distance to the leader [m]; dv = v - v_leader [m/s].
    """
    r = v / v0
    if delta == 4.0:
        r2 = r * r
        free = 1.0 - r2 * r2
    else:
        free = 1.0 - r**delta
    if not has_leader:
        return a_max * free
    s_star = s0 + max(0.0, v * T + v * dv / (2.0 * math.sqrt(a_max * b_comf)))
    g = max(gap, 1e-3)
    q = s_star / g
    return a_max * (free - q * q)


@numba.njit(cache=True)
def _insertion_sort(order, key):
    """Sort ``order`` (indices) by ``key[order]`` in place; stable, O(N) when nearly sorted.

    Falls back to a merge sort once the element moves exceed 16 N (a scrambled order,
    e.g. the first call), so the worst case stays O(N log N).
    """
    n = order.shape[0]
    if n == 0:
        return
    budget = 16 * n + 64
    moves = 0
    top = key[order[0]]  # largest key of the sorted prefix
    for k in range(1, n):
        item = order[k]
        kv = key[item]
        if kv >= top:  # already in place (the common case): no second look-up, no store
            top = kv
            continue
        j = k - 1
        while j >= 0 and key[order[j]] > kv:
            order[j + 1] = order[j]
            j -= 1
            moves += 1
        order[j + 1] = item
        if moves > budget:
            fresh = np.argsort(key[order], kind="mergesort")
            order[:] = order[fresh]
            return
