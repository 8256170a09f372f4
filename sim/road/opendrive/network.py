"""An imported OpenDRIVE road network: lane coordinates both ways, lanes, links, signals.

``load_opendrive(path)`` reads the file (:mod:`.parse`), flattens it into tables
(:mod:`.tables`) and builds the grid of reference-line chunks once; the queries are then
vectorised Numba kernels (:mod:`.kernels`). Roads are addressed by their OpenDRIVE id
(str) or by their index in ``OpenDriveNetwork.odr.roads``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.road.opendrive import kernels as K
from sim.road.opendrive import tables as T
from sim.road.opendrive.parse import OpenDrive, Road, Signal, read_opendrive


@dataclass(frozen=True)
class RoadPositions:
    """Result of a world -> road query, one entry per point.

    road : (N,) int64 road index, -1 where no road is near; s, t : (N,) float64 [m] (nan
    where road is -1); lane : (N,) int64 OpenDRIVE lane id, 0 where the point is off every
    lane (beyond the outer borders)."""

    road: np.ndarray
    s: np.ndarray
    t: np.ndarray
    lane: np.ndarray


@dataclass(frozen=True)
class LaneConnection:
    """A lane-to-lane link: from (road id, lane id) at its ``from_end`` ('start' | 'end')
    onto (road id, lane id) entered at its ``to_end``."""

    from_road: str
    from_lane: int
    from_end: str
    to_road: str
    to_lane: int
    to_end: str
    junction: str | None = None


class OpenDriveNetwork:
    def __init__(self, odr: OpenDrive) -> None:
        self.odr = odr
        self.index = {road.id: r for r, road in enumerate(odr.roads)}
        self.geo = T.geo_tables(odr)
        self.prof = T.profile_tables(odr)
        self.lanes = T.lane_tables(odr)
        self.grid = T.build_grid(self.geo, self.prof, self.lanes)

    # ---------------------------------------------------------------- addressing
    def road_index(self, road) -> np.ndarray:
        """Road ids (str) or indices -> (N,) int64 indices (KeyError for an unknown id)."""
        arr = np.atleast_1d(np.asarray(road))
        if arr.dtype.kind in "iu":
            idx = arr.astype(np.int64)
        else:
            idx = np.array([self.index[str(r)] for r in arr], dtype=np.int64)
        if len(idx) and (idx.min() < 0 or idx.max() >= len(self.odr.roads)):
            raise IndexError("road index out of range")
        return idx

    def road(self, road) -> Road:
        return self.odr.roads[int(self.road_index(road)[0])]

    @property
    def total_length(self) -> float:
        """Sum of the road lengths [m]."""
        return float(self.geo.road_length.sum())

    # ---------------------------------------------------------------- queries
    def to_world(self, road, s, t=0.0) -> np.ndarray:
        """(road, s, t) -> (N, 4) float64 [x, y, z, heading] (m, m, m, rad)."""
        s = np.atleast_1d(np.asarray(s, dtype=np.float64))
        idx = np.broadcast_to(self.road_index(road), s.shape).copy()
        t = np.broadcast_to(np.asarray(t, dtype=np.float64), s.shape).copy()
        out = np.zeros((len(s), 4))
        K._st_to_world(self.geo, self.prof, idx, np.ascontiguousarray(s), t, out)
        return out

    def to_road(self, x, y) -> RoadPositions:
        """World (x, y) -> road, s, t, lane (see :class:`RoadPositions`)."""
        x = np.ascontiguousarray(np.atleast_1d(np.asarray(x, dtype=np.float64)))
        y = np.ascontiguousarray(np.broadcast_to(np.asarray(y, dtype=np.float64), x.shape))
        road = np.zeros(len(x), dtype=np.int64)
        st = np.zeros((len(x), 2))
        lane = np.zeros(len(x), dtype=np.int64)
        K._world_to_st(self.geo, self.prof, self.lanes, self.grid, x, y, road, st, lane)
        return RoadPositions(road, st[:, 0], st[:, 1], lane)

    def lane_edges(self, road, lane, s) -> np.ndarray:
        """(N, 2) [t_inner, t_outer] of ``lane`` at s (nan where the lane does not exist)."""
        s = np.atleast_1d(np.asarray(s, dtype=np.float64))
        idx = np.broadcast_to(self.road_index(road), s.shape).copy()
        ids = np.broadcast_to(np.asarray(lane, dtype=np.int64), s.shape).copy()
        out = np.zeros((len(s), 2))
        K._lane_edges(self.lanes, self.prof, idx, ids, np.ascontiguousarray(s), out)
        return out

    def lane_width(self, road, lane, s) -> np.ndarray:
        edges = self.lane_edges(road, lane, s)
        return np.abs(edges[:, 1] - edges[:, 0])

    def lane_center(self, road, lane, s) -> np.ndarray:
        """t [m] of the middle of ``lane`` at s."""
        return self.lane_edges(road, lane, s).mean(axis=1)

    def reference_pose(self, road, s) -> np.ndarray:
        """(N, 4) [x, y, heading, curvature] of the reference line (curvature 1/m, left +)."""
        s = np.ascontiguousarray(np.atleast_1d(np.asarray(s, dtype=np.float64)))
        idx = np.broadcast_to(self.road_index(road), s.shape).copy()
        out = np.zeros((len(s), 4))
        K._reference_poses(self.geo, idx, s, out)
        return out

    # ---------------------------------------------------------------- topology
    def junction_connections(self, junction_id: str) -> list[LaneConnection]:
        """Every laneLink of a junction: incoming road's lane -> connecting road's lane."""
        junction = next(j for j in self.odr.junctions if j.id == junction_id)
        out = []
        for c in junction.connections:
            incoming = self.odr.road(c.incoming_road)
            from_end = _end_towards(incoming, "junction", junction_id)
            for a, b in c.lane_links:
                out.append(
                    LaneConnection(
                        c.incoming_road,
                        a,
                        from_end,
                        c.connecting_road,
                        b,
                        c.contact_point,
                        junction_id,
                    )
                )
        return out

    def lane_successors(self, road_id: str, lane_id: int) -> list[LaneConnection]:
        """Where a lane leads in its driving direction (right lanes towards +s under RHT,
        left lanes towards -s): through road links and junction laneLinks."""
        road = self.odr.road(road_id)
        forward = (lane_id < 0) == (road.rule != "LHT")
        end = "end" if forward else "start"
        section = road.lane_sections[-1] if forward else road.lane_sections[0]
        lane = section.lane(lane_id)
        if lane is None:
            return []
        link = road.successor if forward else road.predecessor
        ids = lane.successors if forward else lane.predecessors
        if link is None:
            return []
        if link.element_type == "road":
            return [
                LaneConnection(
                    road_id, lane_id, end, link.element_id, b, link.contact_point or "start"
                )
                for b in ids
            ]
        return [c for c in self.junction_connections(link.element_id)
                if c.from_road == road_id and c.from_lane == lane_id]  # fmt: skip

    # ---------------------------------------------------------------- furniture
    def signals(self) -> list[tuple[str, Signal, np.ndarray]]:
        """(road id, signal, [x, y, z, heading]) of every signal (references included)."""
        out = []
        for road in self.odr.roads:
            for sig in road.signals:
                pose = self.to_world(road.id, [sig.s], [sig.t])[0]
                pose[2] += sig.z_offset
                out.append((road.id, sig, pose))
        return out

    def traffic_lights(self) -> list[tuple[str, Signal, np.ndarray]]:
        return [item for item in self.signals() if item[1].is_traffic_light]


def _end_towards(road: Road, element_type: str, element_id: str) -> str:
    if road.successor and (road.successor.element_type, road.successor.element_id) == (
        element_type, element_id,
    ):  # fmt: skip
        return "end"
    return "start"


def load_opendrive(path: str | Path) -> OpenDriveNetwork:
    """Read an .xodr file into an :class:`OpenDriveNetwork`."""
    return OpenDriveNetwork(read_opendrive(path))
