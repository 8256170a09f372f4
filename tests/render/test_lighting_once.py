"""Lights bound once per shader program per render (sim.render.gl_patches._lighting_once):
pyrender sets every light's uniforms again before each primitive; sim sets them for the first
primitive of each program and only re-binds the shadow maps for the others. The frames must
be the same byte for byte as with pyrender's own binding, and a scene with more lights of one
type than the shader holds (pyrender then picks the nearest per mesh) is bound every time."""

from __future__ import annotations

import hashlib

import numpy as np
import pyrender
import pytest

import sim.render.backend as backend
from sim.render.backend import ColorRenderer
from sim.render.camera import CameraModel, mount_transform
from sim.render.lights import MAX_POINTS, PointSpec, SpotSpec

from helpers.gl_scene import BOX_F, GROUND_F, GROUND_V

CAM = CameraModel("c", 96, 64, 60.0, 60.0, 47.5, 31.5, mount_transform(0, 0, 1.2, 0, 0, 0))


def _box(x0: float, y0: float, tall: float = 1.5) -> np.ndarray:
    return np.array(
        [[x, y, z] for x in (x0, x0 + 3) for y in (y0, y0 + 2) for z in (0, tall)], float
    )


def _textured_box(x0: float, y0: float) -> pyrender.Mesh:
    """A box with a light checker texture: its material's texture takes the unit after the
    shadow map's, so the shadow map must still be bound there where the lights were not bound
    again (read as a shadow map, the light texture would leave the box unshadowed)."""
    corners = _box(x0, y0)[BOX_F].reshape(-1, 3)
    tri = corners.reshape(-1, 3, 3)
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals = np.repeat(normals / np.linalg.norm(normals, axis=1, keepdims=True), 3, axis=0)
    checker = np.kron((np.indices((4, 4)).sum(axis=0) % 2) * 40 + 215, np.ones((8, 8)))
    image = np.repeat(checker[:, :, None], 3, axis=2).astype(np.uint8)
    material = pyrender.MetallicRoughnessMaterial(
        baseColorTexture=pyrender.Texture(source=image, source_channels="RGB"),
        metallicFactor=0.0,
        roughnessFactor=0.8,
    )
    uv = np.tile([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]], (len(tri), 1))
    primitive = pyrender.Primitive(
        positions=corners, normals=normals, texcoord_0=uv, material=material, mode=4
    )
    return pyrender.Mesh(primitives=[primitive])


def _frames(extra_points: int = 0) -> tuple[list[str], int]:
    """Three renders of a shadowed, lamp-lit scene of eight meshes (two textured): their
    sha256 and how many times pyrender's own ``_bind_lighting`` ran."""
    calls = [0]
    own = pyrender.renderer.Renderer._bind_lighting

    def counted(self, *args):
        calls[0] += 1
        return own(self, *args)

    out = []
    with ColorRenderer(ambient=0.3) as r, pytest.MonkeyPatch.context() as mp:
        mp.setattr(pyrender.renderer.Renderer, "_bind_lighting", counted)
        r.add_static(GROUND_V, GROUND_F, np.array([[120, 120, 120, 255]] * 2, np.uint8))
        for k, (x, y) in enumerate([(8, -1), (14, 2), (20, -3), (11, 4)]):
            colour = np.array([[200 - 30 * k, 50 + 40 * k, 40, 255]] * 12, np.uint8)
            r.add_static(_box(x, y), BOX_F, colour)
        for x, y in [(9, -5), (16, -2)]:  # the second in the shadow of a tall box beside it
            r._add_mesh(_textured_box(x, y))
        r.add_static(_box(16, 1, tall=5.0), BOX_F, np.array([[90, 90, 160, 255]] * 12, np.uint8))
        r.set_sun(np.array([0.0, 0.6, 0.8]), (1.0, 1.0, 1.0), 3.0, shadows=True)
        r.set_lights(
            [SpotSpec((5.0, 1.0, 0.8), (1.0, 0.0, 0.0), (1.0, 1.0, 0.9), 40.0, 0.2, 0.4)],
            [PointSpec((10.0, -4.0, 6.0), (1.0, 0.8, 0.6), 60.0)],
        )
        for k in range(extra_points):  # past the shader's array: pyrender sorts per mesh
            pose = np.eye(4)
            pose[:3, 3] = (6.0 + 4 * k, 5.0 - 3 * k, 4.0)
            r.scene.add(pyrender.PointLight(color=[1.0, 0.6, 0.3], intensity=80.0), pose=pose)
        for _ in range(3):
            rgba = r.render_rgba(CAM, CAM.T_ego_cam)
            out.append(hashlib.sha256(rgba.tobytes()).hexdigest())
    return out, calls[0]


def _pyrender_binding(monkeypatch) -> None:
    monkeypatch.setattr(
        backend, "_lighting_once", lambda inner, *args: type(inner)._bind_lighting(inner, *args)
    )


def test_lights_are_bound_once_per_program_and_the_frames_do_not_change(monkeypatch):
    once, bound_once = _frames()
    _pyrender_binding(monkeypatch)
    every, bound_every = _frames()
    assert once == every
    assert len(set(once)) == 1  # the same view three times
    assert bound_every == 3 * 8  # eight one-primitive meshes, three renders
    assert 3 * 2 <= bound_once <= 3 * 3  # per render: a textured and a flat-colour program


def test_more_lights_than_the_shader_holds_are_bound_before_every_primitive(monkeypatch):
    extra = MAX_POINTS  # with the scene's own lamp: one point light more than the array
    once, bound_once = _frames(extra)
    _pyrender_binding(monkeypatch)
    every, bound_every = _frames(extra)
    assert once == every
    assert bound_once == bound_every == 3 * 8
    plain, _ = _frames()
    assert plain[0] != once[0]  # the extra lamps do light the scene
