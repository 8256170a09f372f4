"""What every part of one import shares: the documents, parameters, catalogs, notes and the
actors as they are built, and the road frame the positions are put on.

The road frame is OpenDRIVE's lane coordinates on one road: ``s`` along its reference line,
``t`` to its left, lanes of one width beside the centre lane at ``lane_offset``; negative
lane ids to the right (driving towards +s, -1 by the centre lane), positive ids to the left
(oncoming). The road is the .xodr's road of the ego's start when the bridge can make it a
sim road (``road``, see :mod:`.road`), else a straight stand-in along +x.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.scenario.xosc.catalogs import Catalogs
from sim.scenario.xosc.params import Params
from sim.scenario.xosc.xmldoc import Documents


@dataclass
class Actor:
    """One entity while it is imported (lateral position as OpenDRIVE ``t``)."""

    entity: str  # its name in the .xosc
    ident: str  # its name in the scenario ('ego' for the ego)
    asset: str
    kind: str = "vehicle"  # vehicle, pedestrian or static
    s: float | None = None
    t: float = 0.0
    backward: bool = False  # drives towards -s
    speed: float = 0.0  # initial [m/s]
    v: float = 0.0  # speed after the actions read so far (an estimate for later ones)
    lane_id: int | None = None  # lane after the actions read so far
    maneuvers: list[dict] = field(default_factory=list)
    length: float = 4.7  # [m] the file's bounding box (else a car's), for distances


@dataclass
class Ctx:
    path: Path
    docs: Documents
    params: Params
    catalogs: Catalogs
    lane_width: float
    notes: list[str] = field(default_factory=list)
    actors: dict[str, Actor] = field(default_factory=dict)
    lane_ids: set[int] = field(default_factory=set)  # every lane id named (for the road)
    road_ids: set[str] = field(default_factory=set)  # OpenDRIVE roads positions name
    events: dict[str, tuple[str, list[dict]]] = field(default_factory=dict)
    environment: dict = field(default_factory=dict)
    background: dict = field(default_factory=dict)
    signal_states: list[dict] = field(default_factory=list)  # TrafficSignalStateActions
    road: Any = None  # the .xodr road (an XodrRoad), None on the straight stand-in
    lane_offset: float = 0.0  # [m] t of the centre lane (a constant laneOffset)

    def note(self, el: ET.Element | None, text: str) -> None:
        where = f" ({self.docs.where(el)})" if el is not None else ""
        line = f"{text}{where}"
        if line not in self.notes:
            self.notes.append(line)

    def num(self, el, key, default=None):
        return self.params.num(el, key, default)

    def text(self, el, key, default=None):
        return self.params.text(el, key, default)

    def name(self, el: ET.Element, default: str = "") -> str:
        """An element's ``name`` with parameters; as written if it does not evaluate (some
        tools write string concatenations there, which the standard does not have)."""
        try:
            return self.text(el, "name", default) or default
        except ScenarioError:
            return el.get("name", default)

    def actor(self, el: ET.Element, key: str = "entityRef") -> Actor:
        name = self.text(el, key)
        if name not in self.actors:
            raise self.docs.error(el, f"<{el.tag} {key}={name!r}>: no such entity")
        return self.actors[name]

    # lanes of the road frame
    def lane_of(self, t: float) -> int:
        """OpenDRIVE lane id at lateral position t [m] (t <= 0: right of the reference line)."""
        w = self.lane_width
        t = t - self.lane_offset
        return -(int(math.floor(-t / w)) + 1) if t <= 0.0 else int(math.floor(t / w)) + 1

    def lane_centre(self, lane_id: int) -> float:
        w = self.lane_width
        centre = (lane_id + 0.5) * w if lane_id < 0 else (lane_id - 0.5) * w
        return centre + self.lane_offset
