"""Per-frame pieces: the frame's triangle soup in the camera frame for the label rasterizer
(:func:`assemble_frame`), and the sky gradient behind the colour render (:func:`sky_image`)."""

from __future__ import annotations

import numpy as np

from sim.render.scene.common import MeshArrays


def sky_image(camera, R_world_cam: np.ndarray, top, horizon) -> np.ndarray:
    """(H, W, 3) float32 sky in [0, 1]: ``horizon`` colour at elevation 0 blending to ``top``."""
    H, W = camera.height, camera.width
    u, v = np.meshgrid(np.arange(W, dtype=np.float64), np.arange(H, dtype=np.float64))
    rays = np.stack(
        ((u - camera.cx) / camera.fx, (v - camera.cy) / camera.fy, np.ones_like(u)), axis=-1
    )
    world = rays @ R_world_cam.T
    elevation = world[..., 2] / np.linalg.norm(world, axis=-1)
    t = np.clip(elevation / 0.5, 0.0, 1.0)[..., None] ** 0.7
    top = np.asarray(top, dtype=np.float32) / 255.0
    horizon = np.asarray(horizon, dtype=np.float32) / 255.0
    return (horizon * (1.0 - t) + top * t).astype(np.float32)


def assemble_frame(
    static: MeshArrays,
    agents: list[tuple[MeshArrays, np.ndarray, int]],
    T_cam_world: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Triangles of the frame in the camera frame, agents' faces grouped by id.

    agents : (mesh in its own frame, 4x4 world pose, instance id) each.
    Returns verts_cam (V, 3), faces (F, 3), face_instance (F,), face_semantic (F,).
    """
    R, t = T_cam_world[:3, :3], T_cam_world[:3, 3]
    verts = [static.vertices @ R.T + t]
    faces = [static.faces]
    inst = [np.zeros(len(static.faces), dtype=np.int32)]
    sem = [static.face_semantic]
    offset = len(static.vertices)
    for mesh, T_world_obj, agent_id in agents:
        T = T_cam_world @ T_world_obj
        verts.append(mesh.vertices @ T[:3, :3].T + T[:3, 3])
        faces.append(mesh.faces + offset)
        inst.append(np.full(len(mesh.faces), agent_id, dtype=np.int32))
        sem.append(mesh.face_semantic)
        offset += len(mesh.vertices)
    return (
        np.concatenate(verts),
        np.concatenate(faces).astype(np.int32),
        np.concatenate(inst),
        np.concatenate(sem),
    )
