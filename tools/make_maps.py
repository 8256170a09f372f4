"""Write the OpenDRIVE maps the library scenarios drive on (scenarios/maps/; committed, so
neither the scenarios nor the tests need this script or its generator).

* ``town_junction.xodr``: a signalised four-way town junction made with the well-kept
  generator scenariogeneration (``CommonJunctionCreator``: its turning connections are
  spiral-arc-spiral roads). Four arms of 150 m, one 3.5 m lane each way and a 2.5 m
  sidewalk on each side; the arms end 20 m from the junction's centre. Each arm has a
  traffic light 2 m before the junction, right of its approach lane; two signal
  controllers (east-west arms 1 and 3, north-south arms 2 and 4) in the junction, so the
  opposite approaches share a phase. The east-west road has priority over the north-south.

  scenariogeneration copies an arm's lanes onto every connecting road, sidewalks included,
  as driving lanes: the sidewalk lanes (+-2) of the connecting roads and their lane links
  are removed here, so the sidewalks stop at the junction and no driving lane crosses it
  where a sidewalk should be.

Run: ``.venv/bin/python tools/make_maps.py [OUT_DIR]`` (needs ``pip install
scenariogeneration``).
"""

from __future__ import annotations

import math
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "scenarios" / "maps"
ARM = 150.0  # [m]
RADIUS = 20.0  # [m] from the junction's centre to each arm's end
LANE, SIDEWALK = 3.5, 2.5  # [m]
JUNCTION = 100
CONTROLLERS = {"1": ("east_west", ("1", "3")), "2": ("north_south", ("2", "4"))}


def town_junction(path: Path) -> None:
    from scenariogeneration import xodr

    roads = []
    for i in range(1, 5):
        road = xodr.create_road(xodr.Line(ARM), id=i, left_lanes=1, right_lanes=1, lane_width=LANE)
        for section in road.lanes.lanesections:
            section.add_right_lane(xodr.Lane(lane_type=xodr.LaneType.sidewalk, a=SIDEWALK))
            section.add_left_lane(xodr.Lane(lane_type=xodr.LaneType.sidewalk, a=SIDEWALK))
        road.add_signal(
            xodr.Signal(
                s=ARM - 2.0,
                t=-(LANE + SIDEWALK + 0.5),
                country="DE",
                Type="1000001",
                dynamic=xodr.Dynamic.yes,
                id=str(1000 + i),
                zOffset=0.0,
            )
        )
        roads.append(road)
    jc = xodr.CommonJunctionCreator(id=JUNCTION, name="town_junction", startnum=100)
    for road, angle in zip(roads, (0.0, math.pi / 2, math.pi, 3 * math.pi / 2), strict=True):
        jc.add_incoming_road_circular_geometry(road, RADIUS, angle, "successor")
    for a in range(1, 5):
        for b in range(a + 1, 5):
            jc.add_connection(road_one_id=a, road_two_id=b)
    odr = xodr.OpenDrive("town_junction")
    for road in roads:
        odr.add_road(road)
    odr.add_junction_creator(jc)
    odr.adjust_roads_and_lanes()
    odr.write_xml(str(path))
    _tidy(path)


def _tidy(path: Path) -> None:
    """Drop the connecting roads' sidewalk lanes; add the controllers and the priority."""
    tree = ET.parse(path)
    root = tree.getroot()
    for road in root.iter("road"):
        if road.get("junction") == "-1":
            continue
        for side in ("left", "right"):
            for holder in road.iter(side):
                for lane in list(holder.findall("lane")):
                    if abs(int(lane.get("id", "0"))) >= 2:
                        holder.remove(lane)
    junction = next(j for j in root.iter("junction") if j.get("id") == str(JUNCTION))
    for connection in junction.findall("connection"):
        for link in list(connection.findall("laneLink")):
            if abs(int(link.get("from", "0"))) >= 2 or abs(int(link.get("to", "0"))) >= 2:
                connection.remove(link)
    ET.SubElement(junction, "priority", {"high": "1", "low": "2"})
    for cid in CONTROLLERS:
        ET.SubElement(junction, "controller", {"id": cid, "type": "0", "sequence": cid})
    for cid, (name, arms) in CONTROLLERS.items():
        ctl = ET.SubElement(root, "controller", {"id": cid, "name": name})
        for arm in arms:
            ET.SubElement(ctl, "control", {"signalId": str(1000 + int(arm)), "type": "0"})
    ET.indent(tree, space="    ")
    tree.write(path, encoding="utf-8", xml_declaration=True)


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    town_junction(out / "town_junction.xodr")
    for p in sorted(out.glob("*.xodr")):
        print(p, p.stat().st_size)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
