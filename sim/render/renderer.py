"""One frame of one camera: the lit colour image (pyrender) and the label buffers (our
rasterizer), from the same geometry, camera and pixel convention."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.render.camera import CameraModel, invert_rigid
from sim.render.kernels import _compose_over_sky
from sim.render.raster import LabelBuffers, rasterize
from sim.render.scene import MeshArrays, assemble_frame, sky_image


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
    """Renders frames of a scene: static meshes once, agents posed per frame."""

    def __init__(self, static_parts: tuple[MeshArrays, ...], lighting: Lighting) -> None:
        from sim.render.backend import ColorRenderer  # the only pyrender import

        self.color = ColorRenderer(ambient=lighting.ambient)
        for part in static_parts:
            self.color.add_static(part.vertices, part.faces, part.face_colors)
        self.color.set_sun(np.asarray(lighting.sun_direction), lighting.sun_color, lighting.sun_intensity)
        self.static = MeshArrays.concat(list(static_parts))
        self.lighting = lighting
        self._sky: dict[tuple, np.ndarray] = {}

    def close(self) -> None:
        self.color.close()

    @property
    def gl_renderer(self) -> str:
        return self.color.gl_renderer

    def _sky_for(self, camera: CameraModel, R_world_cam: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8 sky of a camera view, cached."""
        # The ego stays level, so the sky depends only on the camera and its mount.
        key = (camera.name, camera.width, camera.height, np.round(R_world_cam[2], 6).tobytes())
        if key not in self._sky:
            sky = sky_image(camera, R_world_cam, self.lighting.sky_top, self.lighting.sky_horizon)
            self._sky[key] = np.clip(sky * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return self._sky[key]

    def visible_agents(self, camera: CameraModel, T_cam_world: np.ndarray, agents: list[AgentView]) -> list[AgentView]:
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
            if x * math.cos(half_w) - z * math.sin(half_w) > r or -x * math.cos(half_w) - z * math.sin(half_w) > r:
                continue
            if y * math.cos(half_h) - z * math.sin(half_h) > r or -y * math.cos(half_h) - z * math.sin(half_h) > r:
                continue
            out.append(a)
        return out

    def render(
        self, camera: CameraModel, T_world_ego: np.ndarray, agents: list[AgentView], want_rgb: bool = True
    ) -> tuple[np.ndarray | None, LabelBuffers]:
        """rgb (H, W, 3) uint8 (None if not wanted) and the label buffers of one camera."""
        T_world_cam = T_world_ego @ camera.T_ego_cam
        T_cam_world = invert_rigid(T_world_cam)
        shown = self.visible_agents(camera, T_cam_world, agents)
        rgb = None
        if want_rgb:
            for a in shown:
                if not self.color.has_agent_mesh(a.mesh_key):
                    self.color.add_agent_mesh(a.mesh_key, a.mesh.vertices, a.mesh.faces, a.mesh.face_colors)
            self.color.set_agents([(a.id, a.mesh_key, a.T_world_obj) for a in shown])
            rgba = self.color.render_rgba(camera, T_world_cam)
            rgb = compose_over_sky(rgba, self._sky_for(camera, T_world_cam[:3, :3]))
        verts, faces, face_inst, face_sem = assemble_frame(
            self.static, [(a.mesh, a.T_world_obj, a.id) for a in shown], T_cam_world
        )
        buffers = rasterize(verts, faces, face_inst, face_sem, camera)
        return rgb, buffers
