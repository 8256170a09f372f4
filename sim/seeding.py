"""Seeds: one ``SeedSequence`` per run, a named child per episode, sampler and subsystem.

Children are keyed by name (a CRC32 of it), not by spawn order, so adding a new
subsystem never changes the random numbers of the existing ones.
"""

from __future__ import annotations

import zlib

import numpy as np

MAX_SEED = 2**53 - 1
"""The largest seed sim takes anywhere (``--seed``, a scenario's or a config's ``seed``):
seeds stay exact through JSON and YAML readers that go through float (meta.json, plan.json)."""


def _name_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def child_seed(parent: np.random.SeedSequence, name: str) -> np.random.SeedSequence:
    """The child of ``parent`` named ``name``; the same for the same (parent, name)."""
    return np.random.SeedSequence(
        entropy=parent.entropy, spawn_key=(*parent.spawn_key, _name_key(name))
    )


def child_rng(parent: np.random.SeedSequence, name: str) -> np.random.Generator:
    """A generator for subsystem ``name`` of the run seeded by ``parent``."""
    return np.random.default_rng(child_seed(parent, name))


def root_seed(seed: int) -> np.random.SeedSequence:
    """The run's root sequence. ``seed`` must be an int in 0..MAX_SEED (0 is a seed like any
    other)."""
    if (
        isinstance(seed, bool)
        or not isinstance(seed, (int, np.integer))
        or not 0 <= seed <= MAX_SEED
    ):
        raise ValueError(f"seed must be an integer from 0 to {MAX_SEED}, got {seed!r}")
    return np.random.SeedSequence(int(seed))
