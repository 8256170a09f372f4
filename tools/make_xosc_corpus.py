"""Write the generated part of the OpenSCENARIO test corpus (tests/data/xosc/gen_*.xosc and
the OpenDRIVE roads they name: a straight one, a curved three-lane road and a road of
spirals) with the well-kept generator ``scenariogeneration``.

    python tools/make_xosc_corpus.py          # rewrites tests/data/xosc/gen_*.xosc

The files are committed, so the tests need no extra dependency; the hand-written files of
the corpus (tests/data/xosc/hand_*.xosc, catalogs/) are not touched. The output is
deterministic (a fixed creation date).
"""

from __future__ import annotations

import datetime
import re
import sys
from pathlib import Path

from scenariogeneration import xodr, xosc

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "xosc"
DATE = datetime.datetime(2026, 12, 1, 12, 0, 0)
ROAD = "straight_3lanes.xodr"
CURVE_ROAD = "curve_3lanes.xodr"  # line, spiral, arc R 250 m, spiral, line; 3 + 1 lanes
SPIRAL_ROAD = "spiral_2lanes.xodr"  # line, spiral, arc R 100 m, S-bend of spirals, line
RISING = xosc.ConditionEdge.rising
GT, LT = xosc.Rule.greaterThan, xosc.Rule.lessThan


def vehicle(name: str, category=xosc.VehicleCategory.car, length: float = 4.7):
    bb = xosc.BoundingBox(2.0, length, 1.5, 1.4, 0.0, 0.75)
    front = xosc.Axle(0.5, 0.8, 1.68, 2.98, 0.4)
    rear = xosc.Axle(0.0, 0.8, 1.68, 0.0, 0.4)
    return xosc.Vehicle(name, category, bb, front, rear, 69, 10, 10)


def at_time(t, name: str = "at_time", delay: float = 0.0, point: str = "start"):
    return xosc.ValueTrigger(name, delay, RISING, xosc.SimulationTimeCondition(t, GT), point)


def when(entity: str, condition, name: str = "when"):
    return xosc.EntityTrigger(name, 0, RISING, condition, entity)


def event(name: str, action, trigger):
    ev = xosc.Event(name, xosc.Priority.parallel)
    ev.add_action(f"{name}_action", action)
    ev.add_trigger(trigger)
    return ev


def step(t: float = 0.0):
    return xosc.TransitionDynamics(xosc.DynamicsShapes.step, xosc.DynamicsDimension.time, t)


def scenario(name, params, entities, init, events, stop, catalog=None, minor=2, road=ROAD):
    """A scenario whose story has one act per actor with ``events[actor]`` in order."""
    board = xosc.StoryBoard(init, at_time(stop, "stop", point="stop"))
    story = xosc.Story(f"{name}_story")
    for actor, evs in events.items():
        man = xosc.Maneuver(f"{actor}_maneuver")
        for ev in evs:
            man.add_event(ev)
        group = xosc.ManeuverGroup(f"{actor}_group")
        group.add_actor(actor)
        group.add_maneuver(man)
        act = xosc.Act(f"{actor}_act", at_time(0, f"{actor}_act_start"))
        act.add_maneuver_group(group)
        story.add_act(act)
    board.add_story(story)
    sce = xosc.Scenario(
        name,
        "sim tools/make_xosc_corpus.py",
        params,
        entities,
        board,
        xosc.RoadNetwork(road),
        catalog or xosc.Catalog(),
        osc_minor_version=minor,
        creation_date=DATE,
    )
    sce.write_xml(str(OUT / f"{name}.xosc"))


def param(name: str, kind, value) -> xosc.Parameter:
    return xosc.Parameter(name, kind, str(value))


def cut_in() -> None:
    """scenarios/cut_in.yaml without its random background traffic, the cut-in gap fixed at
    10 m: the lane change starts when the free gap to the ego is the gap minus what the
    cutter gains on the ego in half the lane change. sim's ``cut_in`` predicts that gain from
    the speeds at each step; a file states it: the ego, following the lead, has slowed to
    about 24.56 m/s by then (``EgoSpeedAtCutIn``). The bounding boxes are the lengths of the
    asset variants sim draws for these three with seed 7."""
    P = xosc.ParameterType
    params = xosc.ParameterDeclarations()
    for n, v in (
        ("EgoSpeed", 25),
        ("EgoDesired", 33.3),
        ("CutterSpeed", 30),
        ("CutInGap", 10),
        ("LaneChangeTime", 2.5),
        ("SlowSpeed", 23),
        ("EgoSpeedAtCutIn", 24.56),
    ):
        params.add_parameter(param(n, P.double, v))
    ent = xosc.Entities()
    ent.add_scenario_object("Ego", vehicle("sedan", length=4.83))
    ent.add_scenario_object("lead", vehicle("suv", length=4.83))
    ent.add_scenario_object("cutter", vehicle("hatchback", length=4.68))
    init = xosc.Init()
    for who, lane, s, v in (
        ("Ego", -2, 80, "$EgoSpeed"),
        ("lead", -2, 125, 25),
        ("cutter", -1, 78, "$CutterSpeed"),
    ):
        init.add_init_action(who, xosc.TeleportAction(xosc.LanePosition(s, 0, lane, 0)))
        init.add_init_action(who, xosc.AbsoluteSpeedAction(v, step()))
    start_gap = "${$CutInGap - ($CutterSpeed - $EgoSpeedAtCutIn) * $LaneChangeTime / 2}"
    cut = event(
        "CutIn",
        xosc.RelativeLaneChangeAction(
            0,
            "Ego",
            xosc.TransitionDynamics(
                xosc.DynamicsShapes.sinusoidal, xosc.DynamicsDimension.time, "$LaneChangeTime"
            ),
        ),
        when(
            "cutter",
            xosc.RelativeDistanceCondition(
                start_gap, GT, xosc.RelativeDistanceType.longitudinal, "Ego", freespace=True
            ),
        ),
    )
    slow = event(
        "SlowDown",
        xosc.AbsoluteSpeedAction("$SlowSpeed", step()),
        xosc.ValueTrigger(
            "after_cut_in",
            0,
            RISING,
            xosc.StoryboardElementStateCondition(
                xosc.StoryboardElementType.event, "CutIn", xosc.StoryboardElementState.endTransition
            ),
        ),
    )
    ego = event("EgoCruise", xosc.AbsoluteSpeedAction("$EgoDesired", step()), at_time(0))
    scenario("gen_cut_in", params, ent, init, {"Ego": [ego], "cutter": [cut, slow]}, 8.0)


def speed_shapes() -> None:
    """Speed actions of every dynamics shape and dimension; time, speed and storyboard
    element conditions; a relative target speed."""
    P = xosc.ParameterType
    params = xosc.ParameterDeclarations()
    params.add_parameter(param("Cruise", P.double, 20))
    params.add_parameter(param("Brake", P.double, "${-$Cruise / 5}"))
    ent = xosc.Entities()
    for name in ("Ego", "A", "B", "C", "D"):
        ent.add_scenario_object(name, vehicle(f"{name.lower()}_car"))
    init = xosc.Init()
    for k, who in enumerate(("Ego", "A", "B", "C", "D")):
        init.add_init_action(
            who, xosc.TeleportAction(xosc.LanePosition(40 + 30 * k, 0, -1 - k % 3, 0))
        )
        init.add_init_action(who, xosc.AbsoluteSpeedAction("$Cruise", step()))
    D, S = xosc.DynamicsDimension, xosc.DynamicsShapes
    events = {
        "A": [
            event(
                "A_linear_rate",
                xosc.AbsoluteSpeedAction(10, xosc.TransitionDynamics(S.linear, D.rate, "$Brake")),
                at_time(1),
            ),
            event(
                "A_cubic_time",
                xosc.AbsoluteSpeedAction(18, xosc.TransitionDynamics(S.cubic, D.time, 4)),
                when("A", xosc.SpeedCondition(10.5, LT)),
            ),
        ],
        "B": [
            event(
                "B_sinusoidal_distance",
                xosc.AbsoluteSpeedAction(25, xosc.TransitionDynamics(S.sinusoidal, D.distance, 60)),
                at_time(2),
            ),
            event(
                "B_step",
                xosc.AbsoluteSpeedAction(15, step()),
                xosc.ValueTrigger(
                    "after_a",
                    0,
                    RISING,
                    xosc.StoryboardElementStateCondition(
                        xosc.StoryboardElementType.event,
                        "A_linear_rate",
                        xosc.StoryboardElementState.endTransition,
                    ),
                ),
            ),
        ],
        "C": [
            event(
                "C_relative",
                xosc.RelativeSpeedAction(
                    1.2,
                    "Ego",
                    xosc.TransitionDynamics(S.linear, D.time, 3),
                    xosc.SpeedTargetValueType.factor,
                    False,
                ),
                at_time(1.5),
            ),
        ],
        "D": [
            event(
                "D_stop",
                xosc.AbsoluteSpeedAction(0, xosc.TransitionDynamics(S.linear, D.rate, 4)),
                at_time(3, delay=0.5),
            ),
        ],
    }
    scenario("gen_speed_shapes", params, ent, init, events, 10.0)


def positions() -> None:
    """Every position kind the importer reads, in Init and in a reach-position condition."""
    ent = xosc.Entities()
    for name in (
        "Ego",
        "lane_pos",
        "world_pos",
        "road_pos",
        "rel_lane",
        "rel_road",
        "rel_obj",
        "rel_world",
    ):
        ent.add_scenario_object(name, vehicle(f"{name}_car"))
    init = xosc.Init()
    place = {
        "Ego": xosc.LanePosition(60, 0, -2, 0),
        "lane_pos": xosc.LanePosition(120, 0.4, -1, 0),
        "world_pos": xosc.WorldPosition(160, -1.75, 0, 0),
        "road_pos": xosc.RoadPosition(200, -8.75, 0),
        "rel_lane": xosc.RelativeLanePosition(-1, "Ego", 0, ds=-25),
        "rel_road": xosc.RelativeRoadPosition(30, 3.5, "lane_pos"),
        "rel_obj": xosc.RelativeObjectPosition("world_pos", 40, 0),
        "rel_world": xosc.RelativeWorldPosition("road_pos", 35, 0, 0),
    }
    for who, pos in place.items():
        init.add_init_action(who, xosc.TeleportAction(pos))
        init.add_init_action(who, xosc.AbsoluteSpeedAction(15, step()))
    reach = event(
        "Ego_reached",
        xosc.AbsoluteSpeedAction(
            10, xosc.TransitionDynamics(xosc.DynamicsShapes.linear, xosc.DynamicsDimension.rate, 2)
        ),
        when("Ego", xosc.ReachPositionCondition(xosc.LanePosition(100, 0, -2, 0), 2.0)),
    )
    scenario(
        "gen_positions", xosc.ParameterDeclarations(), ent, init, {"Ego": [reach]}, 8.0, minor=1
    )


def lateral() -> None:
    """Absolute lane change, lane offset into the next lane, time headway and time to
    collision conditions, a distance condition, a traveled-distance condition."""
    ent = xosc.Entities()
    for name in ("Ego", "Lead", "Side"):
        ent.add_scenario_object(name, vehicle(name.lower()))
    init = xosc.Init()
    for who, lane, s, v in (("Ego", -2, 50, 22), ("Lead", -2, 110, 14), ("Side", -3, 60, 20)):
        init.add_init_action(who, xosc.TeleportAction(xosc.LanePosition(s, 0, lane, 0)))
        init.add_init_action(who, xosc.AbsoluteSpeedAction(v, step()))
    D, S = xosc.DynamicsDimension, xosc.DynamicsShapes
    events = {
        "Ego": [
            event(
                "Ego_overtake",
                xosc.AbsoluteLaneChangeAction(
                    -1, xosc.TransitionDynamics(S.sinusoidal, D.distance, 60)
                ),
                when("Ego", xosc.TimeHeadwayCondition("Lead", 2.0, LT)),
            ),
            event(
                "Ego_back",
                xosc.AbsoluteLaneChangeAction(-2, xosc.TransitionDynamics(S.cubic, D.time, 3)),
                when("Ego", xosc.TraveledDistanceCondition(150)),
            ),
        ],
        "Side": [
            event(
                "Side_offset",
                xosc.AbsoluteLaneOffsetAction(3.5, S.sinusoidal, 1.0, False),
                when("Side", xosc.TimeToCollisionCondition(30, LT, entity="Lead")),
            ),
            event(
                "Side_brake",
                xosc.AbsoluteSpeedAction(12, xosc.TransitionDynamics(S.linear, D.rate, 3)),
                when("Side", xosc.DistanceCondition(10, LT, xosc.LanePosition(160, 0, -2, 0))),
            ),
        ],
    }
    scenario("gen_lateral", xosc.ParameterDeclarations(), ent, init, events, 12.0)


def routes_and_world() -> None:
    """Follow trajectory (polyline, clothoid), assign route, acquire position, a teleport
    and a traffic signal state in the story, and the environment."""
    ent = xosc.Entities()
    for name in ("Ego", "Poly", "Clo", "Router", "Seeker"):
        ent.add_scenario_object(name, vehicle(name.lower()))
    init = xosc.Init()
    env = xosc.Environment(
        "dusk",
        xosc.TimeOfDay(False, 2026, 6, 21, 19, 30, 0),
        xosc.Weather(
            xosc.FractionalCloudCover.sixOktas,
            sun=xosc.Sun(20000, 4.2, 0.12),
            fog=xosc.Fog(150),
            precipitation=xosc.Precipitation(xosc.PrecipitationType.rain, 0.4),
        ),
        xosc.RoadCondition(0.8),
    )
    init.add_global_action(xosc.EnvironmentAction(env))
    for who, lane, s in (
        ("Ego", -2, 40),
        ("Poly", -3, 70),
        ("Clo", -1, 90),
        ("Router", -3, 120),
        ("Seeker", -1, 150),
    ):
        init.add_init_action(who, xosc.TeleportAction(xosc.LanePosition(s, 0, lane, 0)))
        init.add_init_action(who, xosc.AbsoluteSpeedAction(12, step()))
    poly = xosc.Trajectory("weave", False)
    pts = [
        xosc.WorldPosition(70, -8.75),
        xosc.WorldPosition(100, -7.5),
        xosc.WorldPosition(130, -5.25),
        xosc.WorldPosition(170, -5.25),
    ]
    poly.add_shape(xosc.Polyline([0, 2.5, 5, 8.3], pts))
    clo = xosc.Trajectory("drift", False)
    clo.add_shape(xosc.Clothoid(0.0, 0.0002, 40, xosc.WorldPosition(90, -1.75)))
    route = xosc.Route("to_the_right")
    route.add_waypoint(xosc.LanePosition(120, 0, -3, 0), xosc.RouteStrategy.shortest)
    route.add_waypoint(xosc.LanePosition(300, 0, -2, 0), xosc.RouteStrategy.shortest)
    mode = xosc.FollowingMode.position
    events = {
        "Poly": [
            event(
                "Poly_follow",
                xosc.FollowTrajectoryAction(poly, mode, xosc.ReferenceContext.relative, 1, 0),
                at_time(1),
            )
        ],
        "Clo": [event("Clo_follow", xosc.FollowTrajectoryAction(clo, mode), at_time(1))],
        "Router": [event("Router_route", xosc.AssignRouteAction(route), at_time(2))],
        "Seeker": [
            event(
                "Seeker_acquire",
                xosc.AcquirePositionAction(xosc.LanePosition(250, 0, -2, 0)),
                at_time(2),
            ),
            event(
                "Seeker_teleport", xosc.TeleportAction(xosc.LanePosition(20, 0, -1, 0)), at_time(6)
            ),
        ],
        "Ego": [event("lights", xosc.TrafficSignalStateAction("signal_1", "green"), at_time(3))],
    }
    scenario("gen_routes_world", xosc.ParameterDeclarations(), ent, init, events, 10.0)


def value_sets() -> None:
    """A deterministic and a stochastic parameter value distribution of gen_cut_in.xosc."""
    det = xosc.Deterministic()
    gaps = xosc.DistributionSet()
    for g in (8, 12):
        gaps.add_value(str(g))
    det.add_single_distribution("CutInGap", gaps)
    det.add_single_distribution("SlowSpeed", xosc.DistributionRange(2, xosc.Range(20, 22)))
    xosc.ParameterValueDistribution(
        "cut-in gaps", "sim", "gen_cut_in.xosc", det, osc_minor_version=2
    ).write_xml(str(OUT / "gen_cut_in_sets.xosc"))
    sto = xosc.Stochastic(50, 7)
    sto.add_distribution("CutInGap", xosc.UniformDistribution(xosc.Range(8, 12)))
    sto.add_distribution("CutterSpeed", xosc.NormalDistribution(30, 1.0, xosc.Range(27, 33)))
    pset = xosc.ProbabilityDistributionSet()
    pset.add_set("21", 0.25)
    pset.add_set("23", 0.75)
    sto.add_distribution("SlowSpeed", pset)
    xosc.ParameterValueDistribution(
        "cut-in draws", "sim", "gen_cut_in.xosc", sto, osc_minor_version=2
    ).write_xml(str(OUT / "gen_cut_in_stochastic.xosc"))


def curved_cut_in() -> None:
    """The cut-in on a curved three-lane road with an oncoming lane (curve_3lanes.xodr):
    the ego in lane -2 at s = 80 behind a lead, the cutter in lane -1 (next to the centre
    line) cutting into the ego's lane inside the curve, an oncoming car in lane 1."""
    P = xosc.ParameterType
    params = xosc.ParameterDeclarations()
    for n, v in (("EgoSpeed", 22), ("CutterSpeed", 26), ("LaneChangeTime", 3.0)):
        params.add_parameter(param(n, P.double, v))
    ent = xosc.Entities()
    ent.add_scenario_object("Ego", vehicle("sedan"))
    ent.add_scenario_object("lead", vehicle("suv"))
    ent.add_scenario_object("cutter", vehicle("hatchback"))
    ent.add_scenario_object("oncoming", vehicle("van", length=5.0))
    init = xosc.Init()
    for who, lane, s, offset, v in (
        ("Ego", -2, 80, 0.0, "$EgoSpeed"),
        ("lead", -2, 130, 0.0, 22),
        ("cutter", -1, 70, 0.3, "$CutterSpeed"),
        ("oncoming", 1, 400, 0.0, 15),
    ):
        init.add_init_action(who, xosc.TeleportAction(xosc.LanePosition(s, offset, lane, 1)))
        init.add_init_action(who, xosc.AbsoluteSpeedAction(v, step()))
    cut = event(
        "CutIn",
        xosc.RelativeLaneChangeAction(
            0,
            "Ego",
            xosc.TransitionDynamics(
                xosc.DynamicsShapes.sinusoidal, xosc.DynamicsDimension.time, "$LaneChangeTime"
            ),
        ),
        when(
            "cutter",
            xosc.RelativeDistanceCondition(
                12, GT, xosc.RelativeDistanceType.longitudinal, "Ego", freespace=True
            ),
        ),
    )
    slow = event("SlowDown", xosc.AbsoluteSpeedAction(21, step()), at_time(6.0, "late"))
    scenario(
        "gen_curve_cut_in",
        params,
        ent,
        init,
        {"cutter": [cut, slow]},
        10.0,
        road=CURVE_ROAD,
    )


def spiral_follow() -> None:
    """The ego follows a lead through a road of spirals (spiral_2lanes.xodr): placed by a
    RoadPosition (t of lane -1's centre), the lead by a LanePosition, a follower behind by a
    RelativeLanePosition; the lead slows down inside the S-bend."""
    ent = xosc.Entities()
    ent.add_scenario_object("Ego", vehicle("sedan"))
    ent.add_scenario_object("lead", vehicle("hatchback"))
    ent.add_scenario_object("follower", vehicle("suv"))
    init = xosc.Init()
    init.add_init_action("Ego", xosc.TeleportAction(xosc.RoadPosition(40, -1.75, 1)))
    init.add_init_action("lead", xosc.TeleportAction(xosc.LanePosition(75, 0, -1, 1)))
    init.add_init_action(
        "follower", xosc.TeleportAction(xosc.RelativeLanePosition(0, "Ego", ds=-25))
    )
    for who, v in (("Ego", 15), ("lead", 15), ("follower", 15)):
        init.add_init_action(who, xosc.AbsoluteSpeedAction(v, step()))
    slow = event(
        "LeadSlows",
        xosc.AbsoluteSpeedAction(
            8, xosc.TransitionDynamics(xosc.DynamicsShapes.linear, xosc.DynamicsDimension.rate, 2)
        ),
        when("lead", xosc.DistanceCondition(2.0, LT, xosc.LanePosition(200, 0, -1, 1), False)),
    )
    scenario(
        "gen_spiral_follow",
        xosc.ParameterDeclarations(),
        ent,
        init,
        {"lead": [slow]},
        14.0,
        road=SPIRAL_ROAD,
    )


def road() -> None:
    odr = xodr.OpenDrive("straight_3lanes")
    straight = xodr.create_road(xodr.Line(600), id=0, left_lanes=0, right_lanes=3, lane_width=3.5)
    odr.add_road(straight)
    odr.adjust_roads_and_lanes()
    odr.write_xml(str(OUT / ROAD))
    odr = xodr.OpenDrive("curve_3lanes")
    curve = [
        xodr.Line(60),
        xodr.Spiral(0.0, 0.004, 60),
        xodr.Arc(0.004, 250),
        xodr.Spiral(0.004, 0.0, 60),
        xodr.Line(300),
    ]
    odr.add_road(xodr.create_road(curve, id=1, left_lanes=1, right_lanes=3, lane_width=3.5))
    odr.adjust_roads_and_lanes()
    odr.write_xml(str(OUT / CURVE_ROAD))
    odr = xodr.OpenDrive("spiral_2lanes")
    bends = [
        xodr.Line(30),
        xodr.Spiral(0.0, 0.01, 80),
        xodr.Arc(0.01, 100),
        xodr.Spiral(0.01, -0.008, 90),
        xodr.Spiral(-0.008, 0.0, 60),
        xodr.Line(200),
    ]
    odr.add_road(xodr.create_road(bends, id=1, left_lanes=1, right_lanes=1, lane_width=3.5))
    odr.adjust_roads_and_lanes()
    odr.write_xml(str(OUT / SPIRAL_ROAD))


def fix_dates() -> None:
    """The generator stamps some headers with the time of writing: pin them to DATE."""
    for path in [*OUT.glob("gen_*.xosc"), *(OUT / r for r in (ROAD, CURVE_ROAD, SPIRAL_ROAD))]:
        text = path.read_text()
        text = re.sub(r'date="[^"]*"', f'date="{DATE.isoformat()}"', text, count=1)
        path.write_text(text)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    makers = (cut_in, speed_shapes, positions, lateral, routes_and_world, value_sets)
    for make in (*makers, curved_cut_in, spiral_follow, road):
        make()
    fix_dates()
    print(f"wrote the generated corpus to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
