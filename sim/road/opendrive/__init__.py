"""OpenDRIVE 1.4-1.8 import: parse an .xodr map, evaluate its reference lines exactly and
answer lane-coordinate queries (s, t) <-> world in Numba. See docs/opendrive.md."""

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
    "load_opendrive",
    "parse_opendrive",
    "read_opendrive",
]
