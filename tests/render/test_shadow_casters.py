"""The sun's depth pass draws each mesh once (sim.render.gl_patches.make_caster_pass): pyrender
draws every primitive of every mesh into the shadow map; sim draws one positions-only caster
per mesh holding all its parts' triangles. The shadow map, and so every frame, must be the
same byte for byte as with pyrender's own pass: for flat, textured, indexed and blended parts,
posed agents, and an agent that leaves the scene and comes back (pyrender frees its mesh's
buffers; the caster keeps its own)."""

from __future__ import annotations

import hashlib

import numpy as np
import pyrender
import pytest

import sim.render.backend as backend
from sim.render.backend import ColorRenderer
from sim.render.camera import CameraModel, mount_transform
from sim.render.gl_patches import _caster

from helpers.gl_scene import BOX_F, GROUND_F, GROUND_V

CAM = CameraModel("c", 96, 64, 60.0, 60.0, 47.5, 31.5, mount_transform(0, 0, 1.6, 0, 0, 0))


def _box(x0: float, y0: float, z0: float, size) -> np.ndarray:
    dx, dy, dz = size
    return np.array(
        [[x, y, z] for x in (x0, x0 + dx) for y in (y0, y0 + dy) for z in (z0, z0 + dz)], float
    )


def _part(corners: np.ndarray, material, indexed: bool = False, uv: bool = False):
    tri = corners[BOX_F]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    if indexed:  # shared corners, per-corner normals (the mesh's shading does not matter here)
        return pyrender.Primitive(
            positions=corners, normals=corners - corners.mean(axis=0), indices=BOX_F,
            material=material, mode=4,
        )  # fmt: skip
    texcoords = np.tile([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]], (len(tri), 1)) if uv else None
    return pyrender.Primitive(
        positions=tri.reshape(-1, 3), normals=np.repeat(normals, 3, axis=0),
        texcoord_0=texcoords, material=material, mode=4,
    )  # fmt: skip


def _car() -> pyrender.Mesh:
    """A four-part "car" about its own origin: a flat body, a textured cabin, an indexed
    roof box and a blended (glass) windscreen, each its own primitive, as a car's materials."""
    checker = np.kron((np.indices((4, 4)).sum(axis=0) % 2) * 40 + 200, np.ones((8, 8)))
    image = np.repeat(checker[:, :, None], 3, axis=2).astype(np.uint8)
    flat = pyrender.MetallicRoughnessMaterial(baseColorFactor=[0.7, 0.2, 0.2, 1.0])
    textured = pyrender.MetallicRoughnessMaterial(
        baseColorTexture=pyrender.Texture(source=image, source_channels="RGB")
    )
    glass = pyrender.MetallicRoughnessMaterial(
        baseColorFactor=[0.3, 0.4, 0.5, 0.4], alphaMode="BLEND"
    )
    return pyrender.Mesh(
        primitives=[
            _part(_box(-2.0, -0.9, 0.2, (4.0, 1.8, 0.7)), flat),
            _part(_box(-1.2, -0.8, 0.9, (2.0, 1.6, 0.5)), textured, uv=True),
            _part(_box(-0.8, -0.5, 1.4, (1.2, 1.0, 0.3)), flat, indexed=True),
            _part(_box(0.8, -0.8, 0.9, (0.1, 1.6, 0.5)), glass),
        ]
    )


def _pose(x: float, y: float, yaw: float) -> np.ndarray:
    pose = np.eye(4)
    pose[:2, :2] = [[np.cos(yaw), -np.sin(yaw)], [np.sin(yaw), np.cos(yaw)]]
    pose[:3, 3] = (x, y, 0.0)
    return pose


def _frames(shadows: bool = True) -> tuple[list[str], int, int]:
    """Four renders of a sunlit scene (ground, two static boxes, two posed cars; between the
    second and third render one car leaves and comes back): their sha256, the draws of the
    sun's depth pass, and the mesh nodes drawn in it."""
    draws = [0]
    own = pyrender.renderer.Renderer._bind_and_draw_primitive

    def counted(self, primitive, pose, program, flags):
        draws[0] += flags == pyrender.RenderFlags.DEPTH_ONLY
        return own(self, primitive, pose, program, flags)

    out, nodes = [], 0
    with ColorRenderer(ambient=0.3) as r, pytest.MonkeyPatch.context() as mp:
        mp.setattr(pyrender.renderer.Renderer, "_bind_and_draw_primitive", counted)
        r.add_static(GROUND_V, GROUND_F, np.array([[120, 120, 120, 255]] * 2, np.uint8))
        for x, y in [(9.0, 3.0), (15.0, -4.0)]:
            r.add_static(_box(x, y, 0.0, (2, 2, 3)), BOX_F, np.array([[90, 90, 160, 255]] * 12))
        r.set_sun(np.array([0.3, 0.5, 0.8]), (1.0, 1.0, 1.0), 3.0, shadows=shadows)
        r._agent_meshes["car"] = _car()
        views = [
            [(1, (8.0, -1.5, 0.2)), (2, (13.0, 1.5, -0.3))],
            [(1, (8.5, -1.5, 0.2)), (2, (13.0, 1.8, -0.3))],
            [(1, (9.0, -1.5, 0.2))],  # car 2 left: pyrender frees its mesh's buffers
            [(1, (9.5, -1.4, 0.2)), (2, (12.0, 2.0, 0.1))],  # and uploads them again
        ]
        for view in views:
            r.set_agents([(i, "car", _pose(*at)) for i, at in view])
            nodes += 3 + len(view)
            rgba = r.render_rgba(CAM, CAM.T_ego_cam)
            out.append(hashlib.sha256(rgba.tobytes()).hexdigest())
    return out, draws[0], nodes


def test_the_sun_draws_each_mesh_once_and_the_frames_do_not_change(monkeypatch):
    merged, merged_draws, nodes = _frames()
    monkeypatch.setattr(  # pyrender's own pass: every primitive of every mesh
        backend,
        "make_caster_pass",
        lambda *a: lambda inner, *args: type(inner)._shadow_mapping_pass(inner, *args),
    )
    own, own_draws, _ = _frames()
    assert merged == own
    assert len(set(merged)) == 4  # the cars moved every time
    assert merged_draws == nodes == 3 * 4 + 7  # one draw per mesh node a render
    assert own_draws == 3 * 4 + 7 * 4  # the cars' four parts each
    unshadowed, no_draws, _ = _frames(shadows=False)
    assert no_draws == 0
    assert all(a != b for a, b in zip(unshadowed, merged, strict=True))  # the shadows show


def test_a_caster_holds_every_triangle_of_its_parts():
    car = _car()
    caster = _caster(car)
    assert caster.mode == 4 and caster.poses is None
    triangles = caster.positions[caster.indices.reshape(-1).astype(int)].reshape(-1, 3, 3)
    parts = []
    for p in car.primitives:
        corners = p.positions if p.indices is None else p.positions[p.indices.astype(int).ravel()]
        parts.append(np.asarray(corners).reshape(-1, 3, 3))
    np.testing.assert_array_equal(triangles, np.concatenate(parts))  # same corners, winding, order
    plain = pyrender.Mesh(primitives=[car.primitives[0], car.primitives[1]])
    assert _caster(plain).indices is None  # no part indexed: a plain triangle list
    points = pyrender.Primitive(positions=np.zeros((3, 3), np.float32), mode=0)
    assert _caster(pyrender.Mesh(primitives=[car.primitives[0], points])) is None  # drawn as is
