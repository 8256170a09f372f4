"""What every maneuver shares: its trigger, the base class and registry, the narrow view of
the World a script sees, and the gap measures triggers compare.

A maneuver is one frozen dataclass that knows how it is built from its scenario spec
(``from_spec``), whether it may start (``ready``), what it writes into the agent's arrays
when it does (``start``) and when it is done (``progress``); :func:`registers` files it
under its spec class, and :func:`from_spec` builds any maneuver from any spec through that
table. Adding a maneuver is one class and its decorator: no ladder to extend.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.road import Network, Road
from sim.traffic.state import AgentState

if TYPE_CHECKING:
    from sim.traffic.maneuvers.runner import Script, ScriptRunner


@dataclass(frozen=True)
class Trigger:
    """When a maneuver starts.

    kind: ``immediate``; ``time`` (t >= at); ``gap`` (bumper gap to ``other``, positive when
    this agent is ahead, compared with ``above``/``below``); ``distance`` (centre distance to
    ``other``); ``ttc`` (time to collision with ``other`` below ``below``); ``event``
    (``other`` has emitted ``event``, e.g. ``lane_change_done``); ``reach`` (this agent has
    passed s = ``at`` on its road, in its direction of travel); ``position`` (this agent's
    centre is within ``at`` [m] of the world point ``x``, ``y``); ``travel`` (this agent has
    driven ``at`` [m] since the start).
    """

    kind: str = "immediate"
    other: int = -1
    at: float = 0.0
    above: float | None = None
    below: float | None = None
    event: str = ""
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class Event:
    t: float
    agent: int  # index
    name: str
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class WorldView:
    """The part of a World that scripts may use: its roads (a live list: paths added by
    maneuvers appear in it), the network (junction, signals, turn paths), and the two
    calls that change roads. ``World`` builds it; tests can build one from a Network."""

    roads: list[Road]
    network: Network
    add_road: Callable[[Road], int]  # append a path, return its road index
    move_to_road: Callable[..., None]  # (agent, road index, lane=None): put it there


MANEUVERS: dict[type, type[Maneuver]] = {}
"""Maneuver class of each scenario spec class (sim.scenario.schema), filled by
:func:`registers`."""


def registers(spec_class: type) -> Callable[[type[Maneuver]], type[Maneuver]]:
    """Class decorator: the maneuver built from ``spec_class`` specs."""

    def register(cls: type[Maneuver]) -> type[Maneuver]:
        if spec_class in MANEUVERS:
            raise TypeError(f"{spec_class.__name__} already builds {MANEUVERS[spec_class]}")
        MANEUVERS[spec_class] = cls
        return cls

    return register


def from_spec(spec: Any, trigger: Trigger, index: dict[str, int]) -> Maneuver:
    """The maneuver of a resolved maneuver spec (``index``: actor name -> agent index)."""
    try:
        cls = MANEUVERS[type(spec)]
    except KeyError:
        raise TypeError(f"no maneuver is registered for {type(spec).__name__}") from None
    return cls.from_spec(spec, trigger, index)


class Maneuver:
    """Base of every maneuver (a frozen dataclass with a ``trigger`` and a ``name``)."""

    trigger: Trigger
    name: str

    @classmethod
    def from_spec(cls, spec: Any, trigger: Trigger, index: dict[str, int]) -> Maneuver:
        raise NotImplementedError

    def ready(self, run: ScriptRunner, state: AgentState, i: int) -> bool:
        """Whether agent i may start it now that its trigger fired (default: yes)."""
        return True

    def start(self, run: ScriptRunner, sc: Script, state: AgentState, i: int, t: float) -> bool:
        """Begin it for agent i at time t [s]: write the agent's arrays, emit its events;
        False when it cannot run (it is then skipped)."""
        raise NotImplementedError

    def progress(
        self, run: ScriptRunner, sc: Script, state: AgentState, t: float, done: np.ndarray
    ) -> bool:
        """After the step that ended at t: whether it has finished. ``done``: (N,) bool from
        the step kernel, a lane change closed (vehicles) or a walker arrived."""
        raise NotImplementedError


def bumper_gap(state: AgentState, i: int, j: int) -> float:
    """Signed longitudinal bumper-to-bumper gap [m] between i and j along s: the free road
    between them, positive when i is ahead, negative when i is behind (overlapping bodies
    give a value of the other sign, |gap| < the overlap)."""
    ds = float(state.s[i] - state.s[j])
    half = 0.5 * float(state.length[i] + state.length[j])
    return ds - half if ds >= 0.0 else ds + half


def gap_ahead(state: AgentState, i: int, j: int) -> float:
    """Bumper gap [m] from j's front to i's rear were i ahead: s_i - s_j - half lengths,
    linear in s (a cut-in's predicted gap), negative while i is not yet clear of j."""
    return float(state.s[i] - state.s[j] - 0.5 * (state.length[i] + state.length[j]))


def time_to_collision(state: AgentState, i: int, j: int) -> float:
    """Time [s] until i and j touch if both keep their speed along s (inf if not closing)."""
    ahead = state.s[i] >= state.s[j]
    apart = abs(state.s[i] - state.s[j]) >= 0.5 * (state.length[i] + state.length[j])
    g = abs(bumper_gap(state, i, j)) if apart else 0.0  # overlapping along s: touching
    closing = (state.v[j] - state.v[i]) if ahead else (state.v[i] - state.v[j])
    if closing <= 0.0:
        return math.inf
    return g / closing
