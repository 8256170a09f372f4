"""Traffic lights (:func:`build_signals`): a ``traffic_light`` asset at every signal head of
a signalised network, split into a static housing and lamps the renderer lights by aspect."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.classes import BY_NAME
from sim.render.scene.common import MeshArrays, posed_mesh
from sim.road import Road
from sim.road.network import Network

ASPECTS = ("red", "amber", "green")
"""Lamp order; ``Network.signal_state`` names the lit one."""
_LAMP_PARTS = ("lamp_red", "lamp_amber", "lamp_green")
_POLE_PARTS = ("metal", "concrete")


@dataclass(frozen=True)
class SignalLamps:
    """The traffic lights of a network, world frame.

    housing : poles (class ``pole``) and signal heads (``traffic_light``), static;
    lamps : every lamp face (``traffic_light``) in its lit colour; the renderer shows, per
        signal group, the lamps of the current aspect lit and the others dark;
    lamp_group : (F,) index into ``groups`` per lamp face; lamp_aspect : (F,) index into
        ``ASPECTS``.
    """

    housing: MeshArrays
    lamps: MeshArrays
    lamp_group: np.ndarray
    lamp_aspect: np.ndarray
    groups: tuple[str, ...]


def build_signals(scene: Road | Network, catalog) -> SignalLamps | None:
    """A ``traffic_light`` asset at every ``SignalHead`` of a signalised network, facing the
    approaching drivers: the mast variant (head on an arm over the lanes) on the main road,
    the post variant on the cross street. None for a plain road or a junction without lights."""
    if not isinstance(scene, Network) or not scene.signal_heads:
        return None
    from sim.assets.parts import PART_INDEX

    info = catalog.info("traffic_light")
    sizes = [v.size for v in info.variants]
    mast = max(range(len(sizes)), key=lambda k: sizes[k][1])  # widest: the arm
    post = min(range(len(sizes)), key=lambda k: sizes[k][2])  # shortest
    groups = tuple(sorted({h.group for h in scene.signal_heads}))
    lamp_codes = [PART_INDEX[p] for p in _LAMP_PARTS]
    pole_codes = [PART_INDEX[p] for p in _POLE_PARTS]
    housing, lamps, lamp_group, lamp_aspect = [], [], [], []
    for head in scene.signal_heads:
        mesh = catalog.mesh("traffic_light", mast if head.group == "main" else post)
        posed = posed_mesh(mesh, head.x, head.y, head.yaw, "traffic_light")
        sem = posed.face_semantic.copy()
        sem[np.isin(mesh.face_parts, pole_codes)] = BY_NAME["pole"].id
        aspect = np.full(len(mesh.faces), -1)
        for k, code in enumerate(lamp_codes):
            aspect[mesh.face_parts == code] = k
        is_lamp = aspect >= 0
        for sel, out in ((~is_lamp, housing), (is_lamp, lamps)):
            used = np.unique(posed.faces[sel])
            remap = np.full(len(posed.vertices), -1, dtype=np.int32)
            remap[used] = np.arange(len(used), dtype=np.int32)
            out.append(
                MeshArrays(
                    posed.vertices[used], remap[posed.faces[sel]], posed.face_colors[sel], sem[sel]
                )
            )
        lamp_group.append(np.full(int(is_lamp.sum()), groups.index(head.group), dtype=np.int8))
        lamp_aspect.append(aspect[is_lamp].astype(np.int8))
    return SignalLamps(
        MeshArrays.concat(housing),
        MeshArrays.concat(lamps),
        np.concatenate(lamp_group),
        np.concatenate(lamp_aspect),
        groups,
    )
