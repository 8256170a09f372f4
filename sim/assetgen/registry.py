"""The catalog's table of assets (:data:`ASSETS`) and :func:`finalize` (build time).

:class:`AssetSpec` says how to build each variant of one catalog entry: its builder, its
variant table (in catalog order) and its class, kind, paint colours and number of poses.
:func:`finalize` puts one built variant into the asset frame of the catalog's contract.
:mod:`sim.assetgen.build` turns the table into GLB files and ``catalog.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import trimesh

from sim.assetgen.buses import BUS_PAINT, BUS_VARIANTS, build_bus
from sim.assetgen.car_variants import (
    CAR_PAINT,
    HATCH_VARIANTS,
    PICKUP_VARIANTS,
    SEDAN_VARIANTS,
    SUV_VARIANTS,
    VAN_PAINT,
    VAN_VARIANTS,
)
from sim.assetgen.cars import build_car
from sim.assetgen.edge import (
    BALL_PAINT,
    BALL_VARIANTS,
    BOX_VARIANTS,
    DEER_VARIANTS,
    DOG_VARIANTS,
    PALLET_VARIANTS,
    TIRE_VARIANTS,
    build_ball,
    build_cardboard_box,
    build_pallet,
    build_quadruped,
    build_tire,
)
from sim.assetgen.pedestrians import ADULT_VARIANTS, CHILD_VARIANTS, WALK_POSES, build_pedestrian
from sim.assetgen.scenery import BUILDING_VARIANTS, TREE_VARIANTS, build_building, build_tree
from sim.assetgen.street import (
    BARRIER_VARIANTS,
    CONE_VARIANTS,
    SIGN_VARIANTS,
    STREET_LAMP_VARIANTS,
    TRAFFIC_LIGHT_VARIANTS,
    build_barrier,
    build_sign,
    build_street_lamp,
    build_traffic_cone,
    build_traffic_light,
)
from sim.assetgen.trucks import TRUCK_PAINT, TRUCK_VARIANTS, build_truck
from sim.assetgen.two_wheelers import (
    BICYCLE_VARIANTS,
    MOTORCYCLE_VARIANTS,
    TWO_WHEEL_PAINT,
    build_bicycle,
    build_motorcycle,
)

GRID = 1.0 / 512.0
"""Asset sizes are snapped to multiples of this [m]."""


def finalize(
    poses: Sequence[dict[str, trimesh.Trimesh]],
) -> tuple[list[dict[str, trimesh.Trimesh]], tuple[float, float, float], np.ndarray]:
    """Put one variant (all its poses) into the asset frame convention.

    Scales each axis by at most half a grid step so the extents ``(l, w, h)`` of the union of
    all poses become multiples of :data:`GRID`, translates so that union bounds are exactly
    ``[[-l/2, -w/2, 0], [l/2, w/2, h]]`` and rounds every coordinate to float32 (what the GLB
    stores). Returns (poses, size, per-axis scale).
    """
    allv = np.concatenate([m.vertices for pose in poses for m in pose.values()])
    lo, hi = allv.min(axis=0), allv.max(axis=0)
    ext = hi - lo
    snapped = np.maximum(GRID, np.round(ext / GRID) * GRID)
    scale = snapped / ext
    origin = np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2]])
    bmin = np.array([-snapped[0] / 2, -snapped[1] / 2, 0.0])
    bmax = np.array([snapped[0] / 2, snapped[1] / 2, snapped[2]])
    out = []
    for pose in poses:
        new = {}
        for part, m in pose.items():
            v = (np.asarray(m.vertices) - origin) * scale
            v = np.clip(v, bmin, bmax).astype(np.float32).astype(np.float64)
            nm = trimesh.Trimesh(v, np.asarray(m.faces), process=False, validate=False)
            nm.visual.face_colors = np.asarray(m.visual.face_colors)
            new[part] = nm
        out.append(new)
    size = (float(snapped[0]), float(snapped[1]), float(snapped[2]))
    return out, size, scale


Variant = Any
"""One variant: the builder's keyword arguments, or the one frozen dataclass it takes
(:class:`~sim.assetgen.cars.CarShape`, :class:`~sim.assetgen.trucks.TruckShape`, ...)."""

_MISSING = object()


def _param(variant: Variant, key: str, default: Any = _MISSING) -> Any:
    """Field ``key`` of a variant (a keyword dict or a dataclass), else ``default``."""
    if isinstance(variant, Mapping):
        return variant[key] if default is _MISSING else variant.get(key, default)
    return getattr(variant, key) if default is _MISSING else getattr(variant, key, default)


@dataclass(frozen=True)
class AssetSpec:
    """One catalog entry: how to build each of its variants."""

    name: str
    cls: str  # class name of sim.classes
    kind: str  # vehicle | two_wheeler | pedestrian | static
    builder: Callable[..., dict[str, trimesh.Trimesh]]
    variants: Sequence[Variant]
    prefix: str
    paint_colors: Sequence[Sequence[int]] | None = None
    poses: int = 1

    def wheelbase(self, params: Variant) -> float | None:
        """Front axle to the centre of the rear axle group [m] (before finalize's scaling)."""
        if self.kind not in ("vehicle", "two_wheeler"):
            return None
        wb = float(_param(params, "wheelbase"))
        n = int(_param(params, "rear_axles", 1))
        # a vehicle with rear_axles > 1 (TruckShape, BusShape) carries its own axle_spacing
        return wb + (n - 1) * float(_param(params, "axle_spacing", 0.0)) / 2

    def build(self, index: int) -> list[dict[str, trimesh.Trimesh]]:
        """Raw (not finalized) poses of variant ``index``.

        A dict variant is passed as keyword arguments, a dataclass variant as the one
        positional argument; walkers (kind ``pedestrian``) also get ``phase=k / poses``.
        """
        variant = self.variants[index]
        if isinstance(variant, Mapping):
            params = dict(variant)
            if self.kind == "pedestrian":
                return [self.builder(phase=k / self.poses, **params) for k in range(self.poses)]
            return [self.builder(**params)]
        if self.kind == "pedestrian":
            return [self.builder(variant, phase=k / self.poses) for k in range(self.poses)]
        return [self.builder(variant)]


def _spec(name, cls, kind, builder, variants, prefix=None, paint=None, poses=1) -> AssetSpec:
    return AssetSpec(name, cls, kind, builder, variants, prefix or name, paint, poses)


ASSETS: dict[str, AssetSpec] = {
    s.name: s
    for s in (
        _spec("sedan", "car", "vehicle", build_car, SEDAN_VARIANTS, paint=CAR_PAINT),
        _spec("hatchback", "car", "vehicle", build_car, HATCH_VARIANTS, paint=CAR_PAINT),
        _spec("suv", "car", "vehicle", build_car, SUV_VARIANTS, paint=CAR_PAINT),
        _spec("pickup", "car", "vehicle", build_car, PICKUP_VARIANTS, paint=CAR_PAINT),
        _spec("van", "van", "vehicle", build_car, VAN_VARIANTS, paint=VAN_PAINT),
        _spec("truck", "truck", "vehicle", build_truck, TRUCK_VARIANTS, paint=TRUCK_PAINT),
        _spec("bus", "bus", "vehicle", build_bus, BUS_VARIANTS, paint=BUS_PAINT),
        _spec(
            "motorcycle_with_rider",
            "motorcycle",
            "two_wheeler",
            build_motorcycle,
            MOTORCYCLE_VARIANTS,
            prefix="motorcycle",
            paint=TWO_WHEEL_PAINT,
        ),
        _spec(
            "bicycle_with_rider",
            "bicycle",
            "two_wheeler",
            build_bicycle,
            BICYCLE_VARIANTS,
            prefix="bicycle",
            paint=TWO_WHEEL_PAINT,
        ),
        _spec(
            "pedestrian_adult",
            "pedestrian",
            "pedestrian",
            build_pedestrian,
            ADULT_VARIANTS,
            prefix="adult",
            poses=WALK_POSES,
        ),
        _spec(
            "pedestrian_child",
            "pedestrian",
            "pedestrian",
            build_pedestrian,
            CHILD_VARIANTS,
            prefix="child",
            poses=WALK_POSES,
        ),
        _spec("traffic_cone", "traffic_cone", "static", build_traffic_cone, CONE_VARIANTS),
        _spec("barrier", "barrier", "static", build_barrier, BARRIER_VARIANTS),
        _spec(
            "traffic_light", "traffic_light", "static", build_traffic_light, TRAFFIC_LIGHT_VARIANTS
        ),
        _spec("sign", "traffic_sign", "static", build_sign, SIGN_VARIANTS),
        _spec("street_lamp", "pole", "static", build_street_lamp, STREET_LAMP_VARIANTS),
        _spec("tree", "vegetation", "static", build_tree, TREE_VARIANTS),
        _spec("building", "building", "static", build_building, BUILDING_VARIANTS),
        # edge cases (sim/assetgen/edge.py): road debris and animals (walkers, like pedestrians)
        _spec("tire", "debris", "static", build_tire, TIRE_VARIANTS),
        _spec("cardboard_box", "debris", "static", build_cardboard_box, BOX_VARIANTS, prefix="box"),
        _spec("pallet", "debris", "static", build_pallet, PALLET_VARIANTS),
        _spec("ball", "debris", "static", build_ball, BALL_VARIANTS, paint=BALL_PAINT),
        _spec("deer", "animal", "pedestrian", build_quadruped, DEER_VARIANTS, poses=WALK_POSES),
        _spec("dog", "animal", "pedestrian", build_quadruped, DOG_VARIANTS, poses=WALK_POSES),
    )
}
"""Every asset of the catalog, in catalog order."""
