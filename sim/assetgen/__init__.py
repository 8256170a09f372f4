"""Build-time asset generation: the procedural families behind ``assets/`` (tools only).

Nothing in the simulator imports this package at run time: episodes read the GLB files and
``catalog.yaml`` through :mod:`sim.assets`. ``python tools/make_assets.py`` calls
:func:`sim.assetgen.build.write_assets`, which builds every variant of :data:`ASSETS
<sim.assetgen.registry.ASSETS>` and writes the files byte-for-byte deterministically.

Conventions (see docs/assets.md):

* Units are metres, angles radians. Every builder works in the asset frame: x forward,
  y left, z up, ground at z = 0, roughly centred in x and y.
  :func:`~sim.assetgen.registry.finalize` then scales by at most a millimetre per side and
  translates so that the axis-aligned bounds are exactly ``[[-l/2, -w/2, 0], [l/2, w/2, h]]``
  with ``l, w, h`` multiples of 1/512 m (exact in float32, so the GLB round trip keeps them
  exact).
* A builder takes explicit keyword parameters (proportions, colours), or one frozen dataclass
  of them where there are many (:class:`~sim.assetgen.cars.CarShape`, ...), and returns
  ``dict[str, trimesh.Trimesh]``: part name -> all faces of that part, each part made of
  closed, outward-wound components with per-face RGBA colours. ``paint`` faces get a neutral
  default colour; the runtime recolours them.
* Anything random takes an explicit ``seed``; nothing here reads global state or time.

Modules:

============== =============================================================================
geometry       closed-mesh primitives (prisms, lofts, boxes, cylinders, ...) and mesh checks
parts          :class:`~sim.assetgen.parts.Parts`, the accumulator builders fill; colours
bodywork       wheels, wheel arches, side windows and panes shared by the vehicle builders
cars           :class:`~sim.assetgen.cars.CarShape` and ``build_car`` (sedan, hatchback,
               SUV, van, pickup); their variant tables in ``car_variants``
trucks, buses  rigid lorries; buses and coaches
humanoid       body proportions, walk cycle and rider poses
pedestrians    adults and children with a walk cycle
two_wheelers   motorcycles and bicycles with riders
street         traffic cones, barriers, traffic lights, signs, street lamps
scenery        trees and buildings
edge           edge cases: road debris (tyres, boxes, pallets, balls) and animals
registry       ``AssetSpec``, ``ASSETS`` (the catalog's table, in catalog order), ``finalize``
build          ``write_assets``: every variant to GLB (:mod:`sim.assets.glb`) + catalog.yaml
============== =============================================================================
"""
