"""Build the traffic World of a resolved scenario (ids: ego 1, then actors in file order)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np

from sim.assets import Catalog
from sim.classes import BY_NAME
from sim.road.graph import GraphNetwork
from sim.scenario.maps import actor_pose, stands_off_lanes
from sim.scenario.roads import build_network
from sim.scenario.schema import (
    DistanceTrigger,
    EventTrigger,
    GapTrigger,
    PositionTrigger,
    ReachTrigger,
    RouteSpec,
    ScenarioSpec,
    SpeedTrigger,
    TimeTrigger,
    TravelTrigger,
    TtcTrigger,
    actor_d,
)
from sim.seeding import child_rng, root_seed
from sim.traffic import params as P
from sim.traffic.maneuvers import Trigger, from_spec
from sim.traffic.routing import Router
from sim.traffic.routing_spawn import NetworkSpawner
from sim.traffic.spawn import Spawner
from sim.traffic.state import KIND_PEDESTRIAN, KIND_TWO_WHEELER, KIND_VEHICLE, AgentState
from sim.traffic.world import World

_KINDS = {"vehicle": KIND_VEHICLE, "two_wheeler": KIND_TWO_WHEELER, "pedestrian": KIND_PEDESTRIAN}


@dataclass(frozen=True)
class AgentInfo:
    """Static facts of one agent, in id order (index = id - 1)."""

    id: int
    name: str
    asset: str
    variant: int
    cls: str
    color: tuple[int, int, int] | None
    size: tuple[float, float, float]


def build_world(spec: ScenarioSpec, catalog: Catalog) -> tuple[World, list[AgentInfo]]:
    network = build_network(spec.road)
    on_graph = isinstance(network, GraphNetwork)
    routes: dict[int, list[str]] = {}
    actors = [("ego", spec.ego)] + [(a.name, a) for a in spec.actors]
    index = {name: i for i, (name, _) in enumerate(actors)}
    n = len(actors)
    st = AgentState.empty(n)
    infos: list[AgentInfo] = []
    scripts = {}
    for i, (name, a) in enumerate(actors):
        asset = catalog.info(a.asset)
        variant = asset.variants[a.variant]
        length, width, height = variant.size
        cls = BY_NAME[asset.cls]
        st.id[i] = i + 1
        st.cls[i] = cls.id
        st.kind[i] = _KINDS[asset.kind] if asset.kind in _KINDS else KIND_VEHICLE
        st.length[i], st.width[i], st.height[i] = length, width, height
        st.wheelbase[i] = variant.wheelbase if variant.wheelbase else 0.6 * length
        if on_graph:
            # a map: OpenDRIVE lane position -> the one-way piece it lies on (lanes run +s)
            if a.reserve:  # waits off stage: the NetworkSpawner places it when it enters
                r, s_piece, d, xw, yw, hw = 0, 0.0, network.roads[0].lane_center(0), 0.0, 0.0, 0.0
            else:
                off = stands_off_lanes(catalog, a)
                r, _k, s_piece, d, xw, yw, hw = actor_pose(network, a, off)
            road = network.roads[r]
            st.road[i] = r
            st.dirn[i] = 1.0
            st.x[i], st.y[i], st.yaw[i] = xw, yw, hw
            st.s[i] = s_piece
        else:
            r = 1 if a.road == "cross" else 0
            road = network.roads[r]
            d = actor_d(a, road.lane_width)
            lane = int(road.lane_of(d))
            direction = road.lane_direction(lane) if 0.0 <= d <= road.width else 1
            if a.direction is not None:
                direction = 1 if a.direction == "forward" else -1
            shift = road.lane_shift(lane, float(a.s)) if a.lane is not None else 0.0  # a ramp
            x, y, yaw = road.to_world([a.s], [d + shift])
            st.road[i] = r
            st.dirn[i] = direction
            st.x[i], st.y[i] = x[0], y[0]
            st.yaw[i] = yaw[0] if direction > 0 else yaw[0] + math.pi
            st.s[i] = a.s  # hint for the World's first projection
        st.ignore_signals[i] = a.ignore_signals
        standing_walker = False
        if st.kind[i] == KIND_PEDESTRIAN or asset.kind == "static":
            # walkers (people, animals) turn on the spot and look 1.5 m ahead; static
            # objects (debris, a ball) are walkers that stand until a maneuver moves them
            st.walker[i] = True
            st.look_min[i] = P.WALK_LOOKAHEAD
            st.steer_rate_max[i] = P.WALK_TURN_RATE
            standing_walker = (
                asset.kind == "static" or a.speed == 0 and a.behaviour.desired_speed is None
            )
        st.v[i] = a.speed
        b = a.behaviour
        v0 = (
            b.desired_speed
            if b.desired_speed is not None
            else (a.speed if a.speed > 0 else road.speed_limit)
        )
        st.v0[i] = max(v0, 0.1)
        st.T[i], st.s0[i] = b.time_headway, b.min_gap
        st.a_max[i], st.b_comf[i], st.delta[i] = b.max_accel, b.comfort_decel, P.IDM_DELTA
        st.b_max[i] = b.max_brake
        if standing_walker:  # waits where it stands until a maneuver sets it going
            st.v0[i] = 0.1
            st.acc_override[i] = -b.comfort_decel
        st.steer_max[i] = P.MAX_STEER
        if not st.walker[i]:
            st.steer_rate_max[i] = P.MAX_STEER_RATE
        st.d_ref[i] = d
        scripted = [m for m in a.maneuvers if not isinstance(m, RouteSpec)]
        if scripted:
            scripts[i] = tuple(_maneuver(m, index) for m in scripted)
        for m in a.maneuvers:
            if isinstance(m, RouteSpec):
                routes[i] = list(m.turns)
        infos.append(
            AgentInfo(
                i + 1,
                name,
                a.asset,
                int(a.variant),
                asset.cls,
                tuple(a.color) if a.color is not None else None,
                (length, width, height),
            )
        )
    world = World(network, st, float(spec.step), scripts, stop_on_collision=spec.stop_on_collision)
    if on_graph:
        background = np.array([name.startswith("bg_") for name, _ in actors])
        reserve = [i for i, (_, a) in enumerate(actors) if a.reserve]
        attach_router(world, routes, background, reserve, spec)
        return world, infos
    steady = spec.background.steady
    if steady is not None:
        reserve = [i for i, (_, a) in enumerate(actors) if getattr(a, "reserve", False)]
        world.active[reserve] = False
        recyclable = np.array([name.startswith("bg_") for name, _ in actors])
        world.spawner = Spawner(
            float(steady.behind),
            float(steady.ahead),
            recyclable,
            reserve,
            child_rng(root_seed(int(spec.seed)), "spawn"),
        )
        world._refresh_order()
    return world, infos


def attach_router(
    world: World,
    routes: dict[int, list[str]],
    background: np.ndarray,
    reserve: list[int],
    spec: ScenarioSpec,
) -> None:
    """Drivers on a map follow its lane links (``routes``: agent -> turns at the junctions
    ahead; the rest drawn from the seed, rng child "routes"), yield inside junctions and
    stop at red (sim.traffic.routing); the ego stops at the map's edge, the others leave
    there. With ``background.steady``, the ``reserve`` vehicles enter at the map's entry
    lanes within ``steady.ahead`` m of the ego whenever fewer background vehicles are in
    the scene than at the start (rng child "spawn"; ids are never reused)."""
    root = root_seed(int(spec.seed))
    spawner = None
    steady = spec.background.steady
    if steady is not None:
        world.active[reserve] = False
        spawner = NetworkSpawner(
            float(steady.ahead),
            background,
            reserve,
            child_rng(root, "spawn"),
            target=int((background & world.active).sum()),
            recycle=False,
        )
    router = Router(
        world.network,
        child_rng(root, "routes"),
        routes=routes,
        background=background,
        ego=0,
        spawner=spawner,
    )
    router.attach(world)


def _compare(kind: str, t, index: dict[str, int]) -> Trigger:
    """A trigger comparing a measure to another actor with ``above``/``below``."""
    return Trigger(kind, other=index[t.to], above=t.above, below=t.below)


# trigger spec class -> Trigger (``index``: actor name -> agent index)
_TRIGGERS = {
    TimeTrigger: lambda t, index: Trigger("time", at=float(t.at)),
    EventTrigger: lambda t, index: Trigger("event", other=index[t.actor], event=t.event),
    ReachTrigger: lambda t, index: Trigger("reach", at=float(t.s)),
    TravelTrigger: lambda t, index: Trigger("travel", at=float(t.distance)),
    PositionTrigger: lambda t, index: Trigger(
        "position", at=float(t.within), x=float(t.x), y=float(t.y)
    ),
    GapTrigger: partial(_compare, "gap"),
    DistanceTrigger: partial(_compare, "distance"),
    TtcTrigger: partial(_compare, "ttc"),
    SpeedTrigger: partial(_compare, "speed"),
}


def _trigger(t, index: dict[str, int]) -> Trigger:
    return Trigger() if t is None else _TRIGGERS[type(t)](t, index)


def _maneuver(m, index: dict[str, int]):
    """The traffic maneuver of a resolved maneuver spec (sim.traffic.maneuvers registry)."""
    return from_spec(m, _trigger(m.trigger, index), index)


def n_steps(spec: ScenarioSpec) -> int:
    return int(round(float(spec.duration) / float(spec.step)))
