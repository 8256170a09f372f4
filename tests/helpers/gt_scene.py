"""Small scenes for the ground-truth tests (tests/groundtruth/): a road's static meshes, box
agents, a camera on the ego, and the label buffers of a frame from our rasterizer."""

from __future__ import annotations

import math

import numpy as np
import trimesh

from sim.classes import BY_NAME
from sim.labels import SceneObject
from sim.render.camera import CameraModel, invert_rigid, mount_transform, pose_matrix
from sim.render.raster import LabelBuffers, rasterize
from sim.render.scene import MeshArrays, assemble_frame, build_static
from sim.road import Road


def box_mesh(size: tuple[float, float, float], cls: str = "car") -> MeshArrays:
    """A closed box of ``size`` (l, w, h) [m] in its own frame, bottom-centre origin,
    faces counter-clockwise seen from outside."""
    length, w, h = size
    m = trimesh.creation.box(extents=(length, w, h))
    verts = np.asarray(m.vertices, dtype=np.float64) + (0.0, 0.0, h / 2)
    faces = np.asarray(m.faces, dtype=np.int32)
    f = len(faces)
    return MeshArrays(
        verts,
        faces,
        np.tile(np.array([200, 30, 30, 255], np.uint8), (f, 1)),
        np.full(f, BY_NAME[cls].id, dtype=np.uint8),
    )


def front_camera(width: int = 320, height: int = 192, hfov_deg: float = 90.0, **kw) -> CameraModel:
    """A forward camera 1.5 m up on the ego, looking along its x axis."""
    return CameraModel.from_fov(
        "front",
        width,
        height,
        math.radians(hfov_deg),
        mount_transform(1.0, 0.0, 1.5, 0.0, kw.pop("pitch", 0.0), 0.0),
        **kw,
    )


def straight_road(length: float = 400.0, lanes: int = 3, **kw) -> Road:
    return Road.straight(length, lanes=lanes, lane_width=3.5, **kw)


def static_mesh(road) -> MeshArrays:
    return MeshArrays.concat(list(build_static(road, np.random.default_rng(0))))


def render_buffers(
    camera: CameraModel,
    T_world_ego: np.ndarray,
    static: MeshArrays | None,
    agents: list[tuple[int, MeshArrays, np.ndarray]],
) -> LabelBuffers:
    """Label buffers of one frame: ``agents`` as (id, mesh, 4x4 world pose)."""
    T_cam_world = invert_rigid(T_world_ego @ camera.T_ego_cam)
    if static is None:
        static = MeshArrays(
            np.zeros((0, 3)),
            np.zeros((0, 3), np.int32),
            np.zeros((0, 4), np.uint8),
            np.zeros(0, np.uint8),
        )
    verts, faces, inst, sem = assemble_frame(
        static, [(mesh, T, agent_id) for agent_id, mesh, T in agents], T_cam_world
    )
    return rasterize(verts, faces, inst, sem, camera)


def scene_object(agent_id: int, size, T: np.ndarray, cls: str = "car") -> SceneObject:
    return SceneObject(agent_id, cls, tuple(size), T)


__all__ = [
    "box_mesh",
    "front_camera",
    "pose_matrix",
    "render_buffers",
    "scene_object",
    "static_mesh",
    "straight_road",
]
