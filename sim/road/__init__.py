"""Road model: reference lines, lanes and lane (s, d) coordinates, and the road network."""

from sim.road.network import Junction, Network, SignalPlan, TurnPath
from sim.road.road import LaneSpan, Road, Segment

__all__ = ["Junction", "LaneSpan", "Network", "Road", "Segment", "SignalPlan", "TurnPath"]
