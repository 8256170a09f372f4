"""Light beyond the sun: where the sun's shadow map lies, lamps (headlights, street lamps)
and the soft contact darkening under agents. Plain numpy: the pyrender side is backend.py.

- **Sun shadows.** pyrender fits a directional light's orthographic shadow camera to the
  whole scene (``scene.scale``: a 1 km road gives ~0.5 m texels). :func:`shadow_box` fits
  it instead to the part of the camera's view frustum nearer than :data:`SHADOW_DISTANCE`,
  extended :data:`SHADOW_REACH` towards the sun so that tall casters outside the view
  (buildings, trees) still cast into it. Its extents are rounded up to :data:`SHADOW_SNAP`
  and its centre to whole texels, so that the map does not swim as the camera moves.
  Beyond the box nothing is shadowed (the map's border reads as "lit").
- **Bias.** pyrender's shader subtracts ``max(0.001 (1 - n.l), 0.0001)`` of the shadow
  camera's depth range; the range here is the box's depth (~100-250 m), i.e. 2-25 cm,
  more than the depth step of one texel on a surface facing the sun at 10 degrees or more
  (no acne), and little enough that a shadow starts within ~15 cm of its caster's foot,
  which the contact darkening covers (no visible peter-panning).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SHADOW_MAP_SIZE = 2048
"""Texels per side of the sun's shadow map."""
SHADOW_DISTANCE = 70.0
"""[m] along the optical axis: the part of the view that receives sun shadows."""
SHADOW_REACH = 60.0
"""[m] the shadow camera reaches beyond that part towards the sun (tall casters)."""
SHADOW_SNAP = 4.0
"""[m] the shadow box's extents are rounded up to a multiple of this."""

MAX_SPOTS = 4
"""Spot lights per frame (headlights): the ego's two and one per nearest other vehicle."""
MAX_POINTS = 4
"""Point lights per frame (street lamps): the nearest ones in front of the camera."""


@dataclass(frozen=True)
class SpotSpec:
    position: tuple[float, float, float]  # world [m]
    direction: tuple[float, float, float]  # world, unit: where the beam points
    color: tuple[float, float, float]
    intensity: float  # pyrender's: radiance = intensity / distance**2 inside the inner cone
    inner: float  # [rad] cone half-angles
    outer: float


@dataclass(frozen=True)
class PointSpec:
    position: tuple[float, float, float]
    color: tuple[float, float, float]
    intensity: float


def light_frame(towards_light) -> np.ndarray:
    """3x3 rotation whose z axis is ``towards_light`` (world, normalised here): the pose of a
    pyrender light that shines along -z, i.e. away from that direction."""
    z = np.asarray(towards_light, dtype=np.float64)
    z = z / np.linalg.norm(z)
    x = np.cross([0.0, 0.0, 1.0], z)
    if np.linalg.norm(x) < 1e-6:
        x = np.array([1.0, 0.0, 0.0])
    x /= np.linalg.norm(x)
    return np.stack([x, np.cross(z, x), z], axis=1)


def frustum_corners(camera, T_world_cam: np.ndarray, distance: float) -> np.ndarray:
    """(8, 3) world corners of ``camera``'s view between its near plane and ``distance`` [m]
    along the optical axis (pinhole rays through the image corners)."""
    u = np.array([-0.5, camera.width - 0.5])
    v = np.array([-0.5, camera.height - 0.5])
    far = min(float(distance), float(camera.zfar))
    pts = []
    for z in (float(camera.znear), far):
        for uu in u:
            for vv in v:
                pts.append(((uu - camera.cx) / camera.fx * z, (vv - camera.cy) / camera.fy * z, z))
    p = np.asarray(pts)
    return p @ T_world_cam[:3, :3].T + T_world_cam[:3, 3]


def shadow_box(
    camera,
    T_world_cam: np.ndarray,
    R_world_light: np.ndarray,
    distance: float = SHADOW_DISTANCE,
    reach: float = SHADOW_REACH,
    size: int = SHADOW_MAP_SIZE,
) -> tuple[np.ndarray, float, float, float, float]:
    """The sun's shadow camera for one view: (4x4 world pose of the orthographic camera, with
    ``R_world_light`` as its rotation, looking along -z; xmag, ymag, znear, zfar) covering
    the view up to ``distance`` and ``reach`` beyond it towards the light."""
    corners = frustum_corners(camera, T_world_cam, distance) @ R_world_light  # light frame
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    half = np.ceil((hi[:2] - lo[:2]) / (2.0 * SHADOW_SNAP) + 1e-9) * SHADOW_SNAP
    texel = 2.0 * half / size
    centre = np.floor((lo[:2] + hi[:2]) / 2.0 / texel) * texel + texel / 2.0
    top = math.ceil(hi[2] + reach)
    pose = np.eye(4)
    pose[:3, :3] = R_world_light
    pose[:3, 3] = R_world_light @ np.array([centre[0], centre[1], top])
    zfar = top - math.floor(lo[2] - 1.0)
    return pose, float(half[0]), float(half[1]), 0.05, float(zfar)


HEADLIGHT_INTENSITY = 250.0
"""pyrender spot intensity of one headlight: the road 10-20 m ahead gets about a tenth
of a clear day's ambient light (radiance falls as 1 / distance**2)."""
HEADLIGHT_COLOR = (1.0, 0.95, 0.85)
HEADLIGHT_HEIGHT = 0.65  # [m]
HEADLIGHT_DIP = math.radians(1.0)  # low beam: the axis points this much below level
HEADLIGHT_CONE = (math.radians(12.0), math.radians(28.0))  # (inner, outer) half-angles


def _beam(T_world_body: np.ndarray, x: float, y: float, intensity: float) -> SpotSpec:
    R, t = T_world_body[:3, :3], T_world_body[:3, 3]
    pos = R @ np.array([x, y, HEADLIGHT_HEIGHT]) + t
    axis = R @ np.array([math.cos(HEADLIGHT_DIP), 0.0, -math.sin(HEADLIGHT_DIP)])
    return SpotSpec(
        tuple(float(v) for v in pos),
        tuple(float(v) for v in axis),
        HEADLIGHT_COLOR,
        intensity,
        *HEADLIGHT_CONE,
    )


def headlights(
    T_world_ego: np.ndarray, ego_size, others: list[tuple[np.ndarray, float]], camera_pos
) -> list[SpotSpec]:
    """This frame's headlight beams: the ego's two (from its size (length, width, height)),
    then one per other vehicle (4x4 pose, length), nearest the camera first, up to
    :data:`MAX_SPOTS` in all (each of those stands for the vehicle's pair)."""
    length, width = float(ego_size[0]), float(ego_size[1])
    spots = [
        _beam(T_world_ego, length / 2.0, side * (width / 2.0 - 0.3), HEADLIGHT_INTENSITY)
        for side in (1.0, -1.0)
    ]
    cam = np.asarray(camera_pos, dtype=np.float64)
    ranked = sorted(others, key=lambda o: float(np.linalg.norm(o[0][:3, 3] - cam)))
    for T, body_length in ranked[: MAX_SPOTS - len(spots)]:
        spots.append(_beam(T, body_length / 2.0, 0.0, 2.0 * HEADLIGHT_INTENSITY))
    return spots


STREET_LAMP_INTENSITY = 60.0
"""pyrender point intensity of a street lamp: ~0.3 of a clear day's ambient light on the
road below a lamp 8 m up, a tenth of that 10 m away."""
STREET_LAMP_COLOR = (1.0, 0.86, 0.62)  # warm white
STREET_LAMP_REACH = 80.0  # [m] lamps further from the camera light nothing it sees


def street_lights(positions: np.ndarray, T_world_cam: np.ndarray) -> list[PointSpec]:
    """Point lights of the :data:`MAX_POINTS` street lamps nearest the camera among those
    no more than 15 m behind it and within :data:`STREET_LAMP_REACH`."""
    if len(positions) == 0:
        return []
    rel = positions - T_world_cam[:3, 3]
    ahead = rel @ T_world_cam[:3, 2]  # along the optical axis
    dist = np.linalg.norm(rel, axis=1)
    ok = np.flatnonzero((ahead > -15.0) & (dist < STREET_LAMP_REACH))
    nearest = ok[np.argsort(dist[ok], kind="stable")][:MAX_POINTS]
    return [
        PointSpec(tuple(float(v) for v in positions[i]), STREET_LAMP_COLOR, STREET_LAMP_INTENSITY)
        for i in nearest
    ]


CONTACT_STRENGTH = 0.5
"""Darkening of the ground right under an agent's body (the sky it hides from the ground)."""
CONTACT_HEIGHT = 0.25  # [m] above the agent's base: what counts as ground under it
CONTACT_DISTANCE = 45.0  # [m] from the camera: beyond, a footprint is a few pixels


def contact_darkening(rgb, depth, instance, camera, T_world_cam, bodies) -> np.ndarray:
    """``rgb`` (H, W, 3) uint8 with soft contact darkening under each body: ground pixels
    (from the label depth buffer; the labels are untouched) within an agent's footprint
    darken by up to :data:`CONTACT_STRENGTH` (less for a narrow agent), fading out over
    0.35 m + a quarter of its width beyond it. ``bodies``: (id, 4x4 world pose, half length,
    half width). A pinhole camera's buffers only (others are returned as they are)."""
    lens = getattr(camera, "lens", None)
    if lens is not None and not lens.is_pinhole:
        return rgb
    out = None
    T_cam_world = np.linalg.inv(T_world_cam)
    H, W = depth.shape
    for agent_id, T_obj, hl, hw in bodies:
        reach = 0.35 + 0.5 * hw
        corners = np.array(
            [
                [sx * (hl + reach), sy * (hw + reach), z]
                for sx in (-1, 1)
                for sy in (-1, 1)
                for z in (0.0, CONTACT_HEIGHT)
            ]
        )
        cam = (corners @ T_obj[:3, :3].T + T_obj[:3, 3]) @ T_cam_world[:3, :3].T
        cam += T_cam_world[:3, 3]
        if cam[:, 2].max() <= camera.znear or float(np.linalg.norm(cam.mean(0))) > CONTACT_DISTANCE:
            continue
        z = np.maximum(cam[:, 2], camera.znear)
        u = camera.fx * cam[:, 0] / z + camera.cx
        v = camera.fy * cam[:, 1] / z + camera.cy
        u0, u1 = max(int(u.min()), 0), min(int(np.ceil(u.max())) + 1, W)
        v0, v1 = max(int(v.min()), 0), min(int(np.ceil(v.max())) + 1, H)
        if u0 >= u1 or v0 >= v1:
            continue
        d = depth[v0:v1, u0:u1].astype(np.float64)
        uu, vv = np.meshgrid(
            np.arange(u0, u1, dtype=np.float64), np.arange(v0, v1, dtype=np.float64)
        )
        p = np.stack(((uu - camera.cx) / camera.fx * d, (vv - camera.cy) / camera.fy * d, d), -1)
        world = p @ T_world_cam[:3, :3].T + T_world_cam[:3, 3]
        local = (world - T_obj[:3, 3]) @ T_obj[:3, :3]
        gap = np.hypot(
            np.maximum(np.abs(local[..., 0]) - hl, 0.0), np.maximum(np.abs(local[..., 1]) - hw, 0.0)
        )
        fall = np.clip(1.0 - gap / reach, 0.0, 1.0)
        rise = np.clip(1.0 - local[..., 2] / CONTACT_HEIGHT, 0.0, 1.0)
        ok = (d > 0) & (instance[v0:v1, u0:u1] != agent_id) & (local[..., 2] > -0.2)
        strength = CONTACT_STRENGTH * min(1.0, hw / 0.8)
        occl = np.where(ok, strength * fall * fall * (3.0 - 2.0 * fall) * rise, 0.0)
        if not occl.any():
            continue
        if out is None:
            out = rgb.copy()
        win = out[v0:v1, u0:u1].astype(np.float32) * (1.0 - occl[..., None]).astype(np.float32)
        out[v0:v1, u0:u1] = np.clip(win + 0.5, 0, 255).astype(np.uint8)
    return rgb if out is None else out
