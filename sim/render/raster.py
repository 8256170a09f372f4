"""Label buffers by rasterization: depth, instance ids, semantic ids and amodal pixel counts.

Why our own rasterizer and not pyrender's segmentation pass: pyrender resolves a
multisampled framebuffer even for ``RenderFlags.SEG``, so ids blend where meshes meet, and
knowing how many pixels an object would cover *without* occluders would take one extra
render per object. A z-buffer over pixel centres (kernels.py) gives exactly one id per
pixel and every object's unoccluded pixel count in the same pass. It uses the same
intrinsics and pixel-centre convention as the colour render (see camera.py), and
tests/render/test_render.py checks that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from sim.render.camera import CameraModel
from sim.render.kernels import _raster_bands, _setup_triangles

MAX_INSTANCE_ID = 65535
"""Instance PNGs are uint16."""


@dataclass(frozen=True)
class LabelBuffers:
    """Per-pixel truth of one camera frame.

    depth : (H, W) float32 [m] along the optical axis, 0 where nothing (sky)
    instance : (H, W) uint16 object id, 0 = background
    semantic : (H, W) uint8 class id (sim.classes)
    amodal_pixels : (max_id + 1,) int64, pixels each id would cover inside the image with
        nothing in front of it
    """

    depth: np.ndarray
    instance: np.ndarray
    semantic: np.ndarray
    amodal_pixels: np.ndarray


def rasterize(
    verts_cam: np.ndarray,
    faces: np.ndarray,
    face_instance: np.ndarray,
    face_semantic: np.ndarray,
    camera: CameraModel,
    n_bands: int | None = None,
) -> LabelBuffers:
    """Draw triangles given in the camera frame into the label buffers.

    verts_cam : (V, 3) float64 [m] camera frame (OpenCV: x right, y down, z forward)
    faces : (F, 3) int, counter-clockwise seen from outside (back faces are culled)
    face_instance : (F,) int, object id per face (0 for background); faces of one object
        must be contiguous
    face_semantic : (F,) uint8 class id per face
    """
    verts_cam = np.ascontiguousarray(verts_cam, dtype=np.float64)
    faces = np.ascontiguousarray(faces, dtype=np.int32)
    face_instance = np.asarray(face_instance, dtype=np.int32)
    face_semantic = np.asarray(face_semantic, dtype=np.uint8)
    if verts_cam.ndim != 2 or verts_cam.shape[1] != 3:
        raise ValueError(f"verts_cam must be (V, 3), got {verts_cam.shape}")
    if faces.ndim != 2 or faces.shape[1] != 3:
        raise ValueError(f"faces must be (F, 3), got {faces.shape}")
    if face_instance.shape != (faces.shape[0],) or face_semantic.shape != (faces.shape[0],):
        raise ValueError("face_instance and face_semantic must have one entry per face")
    if faces.size and (faces.min() < 0 or faces.max() >= verts_cam.shape[0]):
        raise ValueError("faces index vertices that do not exist")
    max_id = int(face_instance.max()) if face_instance.size else 0
    if face_instance.size and face_instance.min() < 0 or max_id > MAX_INSTANCE_ID:
        raise ValueError(f"instance ids must be in [0, {MAX_INSTANCE_ID}]")

    W, H = camera.width, camera.height
    tri_u, tri_v, tri_iz, tri_face = _setup_triangles(
        verts_cam, faces, camera.fx, camera.fy, camera.cx, camera.cy, camera.znear, W, H
    )
    if n_bands is None:
        n_bands = max(1, min(H, 4 * numba.get_num_threads()))
    depth = np.full((H, W), np.inf, dtype=np.float64)
    instance = np.zeros((H, W), dtype=np.int32)
    semantic = np.zeros((H, W), dtype=np.uint8)
    amodal_bands = np.zeros((n_bands, max_id + 1), dtype=np.int64)
    _raster_bands(
        tri_u,
        tri_v,
        tri_iz,
        face_instance[tri_face],
        face_semantic[tri_face],
        W,
        H,
        n_bands,
        depth,
        instance,
        semantic,
        amodal_bands,
    )
    depth[~np.isfinite(depth)] = 0.0
    return LabelBuffers(
        depth=depth.astype(np.float32),
        instance=instance.astype(np.uint16),
        semantic=semantic,
        amodal_pixels=amodal_bands.sum(axis=0),
    )
