"""One frame of one camera: the lit colour image (pyrender) and the label buffers (our
rasterizer), from the same geometry, camera and pixel convention."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.render.aa import fxaa
from sim.render.camera import CameraModel, invert_rigid
from sim.render.kernels import _compose_over_sky
from sim.render.lights import contact_darkening, headlights, street_lights
from sim.render.raster import LabelBuffers, rasterize
from sim.render.scene import ASPECTS, CloudSky, MeshArrays, SignalLamps, assemble_frame
from sim.render.textures import Appearance

LAMP_LIT = {"red": (255, 8, 0), "amber": (255, 105, 0), "green": (0, 255, 70)}
"""A lit lamp's colour (it also glows: it stays bright in shade and at night)."""
LAMP_DARK = 0.2
"""An unlit lamp's colour: the asset's lamp colour times this, no glow."""


@dataclass(frozen=True)
class AgentView:
    """An agent to draw: its id, mesh (own frame, bottom-centre origin) and world pose."""

    id: int
    mesh_key: object
    mesh: MeshArrays
    T_world_obj: np.ndarray
    radius: float  # [m] bounding-sphere radius around the bottom centre (the pose origin)


@dataclass(frozen=True)
class Lighting:
    sun_direction: tuple[float, float, float]  # unit vector towards the sun, world frame
    sun_color: tuple[float, float, float]
    sun_intensity: float
    ambient: float
    sky_top: tuple[int, int, int]
    sky_horizon: tuple[int, int, int]
    shadows: bool = True  # the sun casts shadows (environment.shadows)
    cloud_cover: float = 0.0  # 0..1: clouds in the sky (the light is already overcast's)
    lamps: bool = False  # headlights and street lamps on (environment.lamps)
    sky_seed: int = 0  # the clouds' pattern

    @staticmethod
    def from_angles(elevation_deg, azimuth_deg, **kwargs) -> Lighting:
        el, az = math.radians(elevation_deg), math.radians(azimuth_deg)
        direction = (math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el))
        return Lighting(sun_direction=direction, **kwargs)


def compose_over_sky(rgba: np.ndarray, sky: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 colour image: the premultiplied ``rgba`` (H, W, 4) uint8 render over
    the ``sky`` (H, W, 3) uint8 background, ``rgb + (1 - alpha) * sky`` rounded to nearest."""
    if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
        raise ValueError(f"rgba must be (H, W, 4) uint8, got {rgba.shape} {rgba.dtype}")
    if sky.shape != rgba.shape[:2] + (3,) or sky.dtype != np.uint8:
        raise ValueError(f"sky must be {rgba.shape[:2] + (3,)} uint8, got {sky.shape} {sky.dtype}")
    out = np.zeros(sky.shape, dtype=np.uint8)
    _compose_over_sky(np.ascontiguousarray(rgba), np.ascontiguousarray(sky), out)
    return out


class FrameRenderer:
    """Renders frames of a scene: static meshes once, agents posed per frame.

    ``signals``: traffic lights whose lamps follow the ``signal_state`` passed to
    :meth:`render`. Their geometry is static (drawn into the label buffers like any static
    part); per frame only which pre-built lamp mesh is visible in the colour render changes.
    """

    def __init__(
        self,
        static_parts: tuple[MeshArrays, ...],
        lighting: Lighting,
        signals: SignalLamps | None = None,
        appearance: Appearance | None = None,
    ) -> None:
        from sim.render.backend import ColorRenderer  # the only pyrender import

        self.color = ColorRenderer(ambient=lighting.ambient)
        if appearance is not None:  # textures and materials (default: on, seed 0)
            self.color.appearance = appearance
        for part in static_parts:
            self.color.add_static(
                part.vertices, part.faces, part.face_colors, part.uvs, part.face_material
            )
        self.signals = signals
        if signals is not None:
            self.color.add_static(
                signals.housing.vertices, signals.housing.faces, signals.housing.face_colors
            )
            self._add_lamps(signals)
            static_parts = (*static_parts, signals.housing, signals.lamps)
        self.color.set_sun(
            np.asarray(lighting.sun_direction),
            lighting.sun_color,
            lighting.sun_intensity,
            shadows=lighting.shadows,
        )
        self.static = MeshArrays.concat(list(static_parts))
        self.lighting = lighting
        self.ego_size: tuple[float, float, float] = (4.5, 1.8, 1.5)  # for its headlights
        self.street_lamps = np.zeros((0, 3))  # (N, 3) world light positions of street lamps
        self._bodies: dict[object, tuple[float, bool]] = {}  # mesh key -> (length, has lamps)
        self._halves: dict[object, tuple[float, float]] = {}  # mesh key -> footprint
        self.sky = CloudSky(
            lighting.sky_seed, lighting.cloud_cover, lighting.sky_top, lighting.sky_horizon
        )

    def _add_lamps(self, signals: SignalLamps) -> None:
        """One switchable mesh per (group, lit aspect): that aspect's lamps glowing, the
        group's other lamps dark; one per group with every lamp dark (lights off)."""
        lamps = signals.lamps
        dark = lamps.face_colors.copy()
        dark[:, :3] = (dark[:, :3] * LAMP_DARK).astype(np.uint8)
        for g, group in enumerate(signals.groups):
            mine = signals.lamp_group == g
            for a, aspect in enumerate((*ASPECTS, None)):
                lit = mine & (signals.lamp_aspect == a)
                off = mine & ~lit
                glow = np.tile(
                    np.array([*LAMP_LIT.get(aspect, (0, 0, 0)), 255], np.uint8), (int(lit.sum()), 1)
                )
                self.color.add_switchable(
                    (group, aspect),
                    [
                        (lamps.vertices, lamps.faces[lit], glow, True),
                        (lamps.vertices, lamps.faces[off], dark[off], False),
                    ],
                )

    def set_signals(self, signal_state) -> None:
        """Light each group's lamp of ``signal_state`` ({group: 'red' | 'amber' | 'green'});
        groups it does not name (or None) are dark."""
        if self.signals is None:
            return
        state = signal_state or {}
        self.color.show_switchable(
            [(g, state.get(g) if state.get(g) in ASPECTS else None) for g in self.signals.groups]
        )

    def close(self) -> None:
        self.color.close()

    @property
    def gl_renderer(self) -> str:
        return self.color.gl_renderer

    def _sky_for(
        self, camera: CameraModel, R_world_cam: np.ndarray, rgba: np.ndarray | None = None
    ) -> np.ndarray:
        """(H, W, 3) uint8 sky of a camera view: the gradient under the world-fixed clouds
        (:class:`~sim.render.scene.CloudSky`), which change with the view's heading. Given
        the render ``rgba``, only down to its lowest row that is not fully covered (below
        it the sky is never seen; :func:`compose_over_sky` ignores it where alpha is 255)."""
        rows = None
        if rgba is not None:
            open_rows = np.flatnonzero((rgba[:, :, 3] < 255).any(axis=1))
            rows = int(open_rows[-1]) + 1 if open_rows.size else 0
        return self.sky.image(camera, R_world_cam, rows)

    def _set_lamps(self, T_world_ego, T_world_cam, shown: list[AgentView]) -> None:
        """Headlights of the ego and of the vehicles nearest the camera (a vehicle: an agent
        at least 2.5 m long and at most 4.5 m tall), and the street lamps nearest the camera
        in front of it."""
        others = []
        for a in shown:
            if a.mesh_key not in self._bodies:
                v = a.mesh.vertices
                length = float(v[:, 0].max() - v[:, 0].min())
                tall = float(v[:, 2].max() - v[:, 2].min())
                self._bodies[a.mesh_key] = (length, 2.5 <= length and tall <= 4.5)
            length, vehicle = self._bodies[a.mesh_key]
            if vehicle:
                others.append((a.T_world_obj, length))
        spots = headlights(T_world_ego, self.ego_size, others, T_world_cam[:3, 3])
        self.color.set_lights(spots, street_lights(self.street_lamps, T_world_cam))

    def visible_agents(
        self, camera: CameraModel, T_cam_world: np.ndarray, agents: list[AgentView]
    ) -> list[AgentView]:
        """Agents whose bounding sphere can reach the image (cheap frustum test)."""
        out = []
        half_w = math.atan2(max(camera.cx + 0.5, camera.width - camera.cx - 0.5), camera.fx)
        half_h = math.atan2(max(camera.cy + 0.5, camera.height - camera.cy - 0.5), camera.fy)
        for a in agents:
            x, y, z = T_cam_world[:3, :3] @ a.T_world_obj[:3, 3] + T_cam_world[:3, 3]
            r = a.radius
            if z < camera.znear - r or z > camera.zfar + r:
                continue
            # distance of the centre outside each side plane of the frustum
            if (
                x * math.cos(half_w) - z * math.sin(half_w) > r
                or -x * math.cos(half_w) - z * math.sin(half_w) > r
            ):
                continue
            if (
                y * math.cos(half_h) - z * math.sin(half_h) > r
                or -y * math.cos(half_h) - z * math.sin(half_h) > r
            ):
                continue
            out.append(a)
        return out

    def render(
        self,
        camera: CameraModel,
        T_world_ego: np.ndarray,
        agents: list[AgentView],
        want_rgb: bool = True,
        signal_state: dict[str, str] | None = None,
    ) -> tuple[np.ndarray | None, LabelBuffers]:
        """rgb (H, W, 3) uint8 (None if not wanted) and the label buffers of one camera.

        ``signal_state``: {group: aspect} of the traffic lights at this frame's time
        (``Network.signal_state(t)``); None: every lamp dark."""
        T_world_cam = T_world_ego @ camera.T_ego_cam
        T_cam_world = invert_rigid(T_world_cam)
        shown = self.visible_agents(camera, T_cam_world, agents)
        rgb = None
        if want_rgb:
            for a in shown:
                if not self.color.has_agent_mesh(a.mesh_key):
                    self.color.add_agent_mesh(
                        a.mesh_key,
                        a.mesh.vertices,
                        a.mesh.faces,
                        a.mesh.face_colors,
                        a.mesh.face_material,
                    )
            self.color.set_agents([(a.id, a.mesh_key, a.T_world_obj) for a in shown])
            self.set_signals(signal_state)
            if self.lighting.lamps:
                self._set_lamps(T_world_ego, T_world_cam, shown)
            rgba = self.color.render_rgba(camera, T_world_cam)
            rgb = compose_over_sky(rgba, self._sky_for(camera, T_world_cam[:3, :3], rgba))
        verts, faces, face_inst, face_sem = assemble_frame(
            self.static, [(a.mesh, a.T_world_obj, a.id) for a in shown], T_cam_world
        )
        buffers = rasterize(verts, faces, face_inst, face_sem, camera)
        if rgb is not None and shown and self.lighting.shadows:  # contact darkening (colour)
            bodies = [(a.id, a.T_world_obj, *self._footprint(a)) for a in shown]
            rgb = contact_darkening(
                rgb, buffers.depth, buffers.instance, camera, T_world_cam, bodies
            )
        if rgb is not None and camera.aa == "fxaa":  # edge-aware post-filter, last on the render
            rgb = fxaa(rgb)
        return rgb, buffers

    def _footprint(self, a: AgentView) -> tuple[float, float]:
        """(half length, half width) [m] of an agent's mesh about its origin, cached."""
        if a.mesh_key not in self._halves:
            v = a.mesh.vertices
            self._halves[a.mesh_key] = (
                float(np.abs(v[:, 0]).max()),
                float(np.abs(v[:, 1]).max()),
            )
        return self._halves[a.mesh_key]
