"""World geometry for both renderers: static meshes built from the road model, posed agent
meshes, and the per-frame triangle soup the label rasterizer draws.

By concern:

- :mod:`~sim.render.scene.common` -- :class:`MeshArrays` and what the builders share (ribbon
  primitives along a road, each lane's extent as drawn);
- :mod:`~sim.render.scene.layout` -- one road's lanes sampled along s, and what the roads of
  a junction leave out where they cross;
- :mod:`~sim.render.scene.surface` -- :func:`build_static`: asphalt, shoulders, sidewalks and
  kerbs, terrain; :mod:`~sim.render.scene.markings` -- lane lines, zebras, stop lines;
- :mod:`~sim.render.scene.roadside` -- :func:`build_roadside`: lamps, trees, buildings;
- :mod:`~sim.render.scene.signals` -- :func:`build_signals`: traffic lights;
- :mod:`~sim.render.scene.frame` -- :func:`assemble_frame` and :func:`sky_image`, per frame.

The names below are the package's public interface (``from sim.render.scene import ...``).
"""

from sim.render.scene.common import GROUND_BELOW, ROAD_SAMPLE, MeshArrays
from sim.render.scene.frame import CloudSky, assemble_frame, sky_image
from sim.render.scene.layout import TAPER_SAMPLE
from sim.render.scene.markings import (
    CENTRE_GAP,
    DASH_GAP,
    DASH_LENGTH,
    MARKING_LIFT,
    MARKING_WIDTH,
    PAINT,
    STOP_LINE_WIDTH,
    ZEBRA_BAR,
    ZEBRA_LENGTH,
)
from sim.render.scene.roadside import ROADSIDE_CLEARANCE, build_roadside
from sim.render.scene.signals import ASPECTS, SignalLamps, build_signals
from sim.render.scene.surface import (
    ASPHALT,
    FAR_PLANE_BELOW,
    GORE_NOSE,
    GRASS,
    GROUND_WIDTH,
    KERB,
    KERB_HEIGHT,
    ROAD_MARGIN,
    SHOULDER,
    SIDEWALK,
    build_static,
)

__all__ = [
    "ASPECTS",
    "ASPHALT",
    "CENTRE_GAP",
    "DASH_GAP",
    "DASH_LENGTH",
    "FAR_PLANE_BELOW",
    "GORE_NOSE",
    "GRASS",
    "GROUND_BELOW",
    "GROUND_WIDTH",
    "KERB",
    "KERB_HEIGHT",
    "MARKING_LIFT",
    "MARKING_WIDTH",
    "PAINT",
    "ROAD_MARGIN",
    "ROAD_SAMPLE",
    "ROADSIDE_CLEARANCE",
    "SHOULDER",
    "SIDEWALK",
    "STOP_LINE_WIDTH",
    "TAPER_SAMPLE",
    "ZEBRA_BAR",
    "ZEBRA_LENGTH",
    "CloudSky",
    "MeshArrays",
    "SignalLamps",
    "assemble_frame",
    "build_roadside",
    "build_signals",
    "build_static",
    "sky_image",
]
