"""OpenDRIVE 1.4-1.8 import: parse an .xodr map, evaluate its reference lines exactly and
answer lane-coordinate queries (s, t) <-> world in Numba; build sim's lane graph from it
(:func:`graph_from_opendrive`). See docs/opendrive.md."""

from sim.road.opendrive.lanegraph import graph_from_opendrive, odr_to_graph, world_to_graph
from sim.road.opendrive.network import (
    LaneConnection,
    OpenDriveNetwork,
    RoadPositions,
    load_opendrive,
)
from sim.road.opendrive.parse import OpenDrive, parse_opendrive, read_opendrive
from sim.road.opendrive.xml import OpenDriveError

__all__ = [
    "LaneConnection",
    "OpenDrive",
    "OpenDriveError",
    "OpenDriveNetwork",
    "RoadPositions",
    "graph_from_opendrive",
    "load_opendrive",
    "odr_to_graph",
    "parse_opendrive",
    "read_opendrive",
    "world_to_graph",
]
