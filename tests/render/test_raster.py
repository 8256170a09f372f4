"""The label rasterizer against a ray caster, and golden geometry by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.render.camera import CameraModel
from sim.render.raster import rasterize

from naive import raycast_buffers

_HFOV = math.radians(70)


def _camera(width=64, height=48, hfov=_HFOV, znear=0.3):
    return CameraModel.from_fov("test", width, height, hfov, np.eye(4), znear=znear)


def _box(center, size, yaw=0.0):
    """Closed box, outward CCW faces, in the camera frame (y down)."""
    cx, cy, cz = center
    length, w, h = size
    v = np.array(
        [
            [x, y, z]
            for x in (-length / 2, length / 2)
            for y in (-h / 2, h / 2)
            for z in (-w / 2, w / 2)
        ],
        float,
    )
    c, s = math.cos(yaw), math.sin(yaw)
    R = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    v = v @ R.T + (cx, cy, cz)
    # vertex index = 4*ix + 2*iy + iz
    quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    faces = []
    for a, b, c_, d in quads:
        faces += [(a, b, c_), (a, c_, d)]
    faces = np.array(faces)
    # make every face point outward from the centre
    centre = v.mean(axis=0)
    for k, (a, b, c_) in enumerate(faces):
        n = np.cross(v[b] - v[a], v[c_] - v[a])
        if np.dot(n, v[a] - centre) < 0:
            faces[k] = (a, c_, b)
    return v, faces


def _scene(parts):
    verts, faces, inst, sem = [], [], [], []
    offset = 0
    for (v, f), oid, cls in parts:
        verts.append(v)
        faces.append(f + offset)
        inst.append(np.full(len(f), oid))
        sem.append(np.full(len(f), cls))
        offset += len(v)
    return np.concatenate(verts), np.concatenate(faces), np.concatenate(inst), np.concatenate(sem)


@pytest.mark.slow  # long: runs in .ci/run's slow pass
def test_matches_ray_caster_on_random_boxes():
    rng = np.random.default_rng(3)
    cam = _camera()
    for _trial in range(4):
        parts = []
        for k in range(4):
            center = (rng.uniform(-3, 3), rng.uniform(-2, 2), rng.uniform(2, 12))
            size = tuple(rng.uniform(0.5, 3, 3))
            parts.append((_box(center, size, rng.uniform(-1, 1)), k + 1, 10 + k))
        # a box straddling the near plane exercises clipping
        parts.append((_box((0.3, 0.2, 0.5), (1.0, 1.0, 1.2), 0.3), 5, 20))
        verts, faces, inst, sem = _scene(parts)
        got = rasterize(verts, faces, inst, sem, cam)
        depth, want_inst, want_sem, amodal = raycast_buffers(
            verts,
            faces,
            inst,
            sem,
            cam.fx,
            cam.fy,
            cam.cx,
            cam.cy,
            cam.znear,
            cam.width,
            cam.height,
        )
        np.testing.assert_array_equal(got.instance, want_inst)
        np.testing.assert_array_equal(got.semantic, want_sem)
        want_depth = np.where(np.isfinite(depth), depth, 0.0)
        np.testing.assert_allclose(got.depth, want_depth, rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(got.amodal_pixels, amodal)


def test_golden_box_pixel_extent_and_depth():
    """A 4 m wide, 2 m tall box face-on 20 m ahead with f = 100 px covers exactly the pixel
    centres with |u - cx| <= 100 * 2 / 20 = 10 and |v - cy| <= 5."""
    cam = CameraModel("g", 101, 81, 100.0, 100.0, 50.0, 40.0, np.eye(4))
    # front face at z = 20, the box extends back to z = 22
    v, f = _box((0.0, 0.0, 21.0), (4.0 + 1e-9, 2.0 + 1e-9, 2.0))
    buf = rasterize(v, f, np.ones(len(f)), np.full(len(f), 11), cam)
    ys, xs = np.nonzero(buf.instance == 1)
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (40, 60, 35, 45)
    assert buf.amodal_pixels[1] == 21 * 11
    np.testing.assert_allclose(buf.depth[40, 50], 20.0, rtol=1e-6)
    assert np.all(buf.semantic[buf.instance == 1] == 11)
    assert buf.depth[0, 0] == 0.0 and buf.instance[0, 0] == 0


def test_occluder_splits_visible_and_amodal_counts():
    """A near box hiding the left half of a far box: visible < amodal for the far one only."""
    cam = CameraModel("g", 101, 81, 100.0, 100.0, 50.0, 40.0, np.eye(4))
    far = _box((0.0, 0.0, 21.0), (4.0 + 1e-9, 2.0 + 1e-9, 2.0))
    near = _box((-1.0, 0.0, 10.5), (2.0 + 1e-9, 2.0 + 1e-9, 1.0))
    verts, faces, inst, sem = _scene([(far, 1, 11), (near, 2, 12)])
    buf = rasterize(verts, faces, inst, sem, cam)
    assert buf.amodal_pixels[1] == 21 * 11  # as if alone
    visible_far = int((buf.instance == 1).sum())
    assert 0 < visible_far < buf.amodal_pixels[1]
    assert buf.amodal_pixels[2] == int((buf.instance == 2).sum())


def test_back_faces_and_geometry_behind_the_camera_are_not_drawn():
    cam = _camera()
    v, f = _box((0.0, 0.0, -5.0), (2.0, 2.0, 2.0))
    buf = rasterize(v, f, np.ones(len(f)), np.ones(len(f)), cam)
    assert not buf.instance.any()
    # a single triangle wound the wrong way (facing away) is culled
    tri = np.array([[0, 0, 5.0], [1, 0, 5.0], [0, 1, 5.0]])
    buf = rasterize(tri, np.array([[0, 1, 2]]), [1], [1], cam)  # normal +z: away from camera
    assert not buf.instance.any()
    buf = rasterize(tri, np.array([[0, 2, 1]]), [1], [1], cam)
    assert buf.instance.any()


def test_shared_edges_leave_no_gaps_or_overlaps():
    """A quad split into two triangles covers each pixel centre exactly once."""
    cam = CameraModel("g", 40, 40, 40.0, 40.0, 19.5, 19.5, np.eye(4))
    quad = np.array([[-5.0, -5.0, 10.0], [-5.0, 5.0, 10.0], [5.0, 5.0, 10.0], [5.0, -5.0, 10.0]])
    faces = np.array([[0, 1, 2], [0, 2, 3]])
    # orient towards the camera
    n = np.cross(quad[1] - quad[0], quad[2] - quad[0])
    if n[2] > 0:
        faces = faces[:, ::-1]
    buf = rasterize(quad, faces, [1, 2], [1, 1], cam)
    assert int((buf.instance > 0).sum()) == buf.amodal_pixels[1] + buf.amodal_pixels[2]


@pytest.mark.parametrize("bad", ["faces", "ids"])
def test_rejects_malformed_input(bad):
    cam = _camera()
    v = np.zeros((3, 3))
    f = np.array([[0, 1, 2]])
    with pytest.raises(ValueError):
        if bad == "faces":
            rasterize(v, np.array([[0, 1, 5]]), [1], [1], cam)
        else:
            rasterize(v, f, [70000], [1], cam)
