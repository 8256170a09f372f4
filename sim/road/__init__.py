"""Road model: reference line, lanes and lane (s, d) coordinates."""

from sim.road.road import Road, Segment

__all__ = ["Road", "Segment"]
