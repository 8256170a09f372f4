"""Per-frame pieces: the frame's triangle soup in the camera frame for the label rasterizer
(:func:`assemble_frame`), and the sky behind the colour render: the gradient
(:func:`sky_image`) with clouds (:class:`CloudSky`)."""

from __future__ import annotations

import cv2
import numpy as np

from sim.render.scene.common import MeshArrays

CLOUD_TEXELS = 2048
"""Texels per side of the cloud layer."""
CLOUD_SPAN = 20.0
"""Dome units the layer spans (the horizon is at 1 / CLOUD_DOME from the zenith)."""
CLOUD_DOME = 0.12
"""A view direction d looks at the layer at d.xy / (d.z + CLOUD_DOME): a flattened dome,
so the clouds crowd towards the horizon without the plane's infinite stretch."""
HAZE = 0.08
"""Brightness variation of the clear sky between clouds (thin haze, high cirrus)."""
DETAIL = 0.011
"""Brightness variation (std) of the fine wisps in the haze and the clouds."""
DETAIL_TEXELS = 500.0
"""Texels of the detail layer per unit of stereographic view coordinate (~1 texel per
0.2 degree)."""


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


def _smooth(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    u = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def cloud_layer(seed: int, texels: int = CLOUD_TEXELS) -> np.ndarray:
    """(texels, texels) float32 fBm in [0, 1], tileable, from ``seed`` alone: octaves of value
    noise (random grids of 4 to texels/2 cells, bicubic, wrapped), each half the amplitude
    of the one below; the same seed gives the same bytes."""
    rng = np.random.default_rng(seed)
    out = np.zeros((texels, texels), np.float32)
    cells, amp, total = 4, 1.0, 0.0
    while cells <= texels // 2:
        grid = rng.random((cells, cells), dtype=np.float32)
        pad = np.pad(grid, 2, mode="wrap")  # tileable: the wrapped border feeds the cubic
        scale = texels / cells
        big = cv2.resize(pad, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        k = int(round(2 * scale))
        out += amp * big[k : k + texels, k : k + texels]
        total += amp
        cells, amp = cells * 2, amp * 0.6
    out /= total
    lo, hi = np.percentile(out, (0.5, 99.5))
    return np.clip((out - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)


class CloudSky:
    """The sky of one episode: the gradient of :func:`sky_image` under a cloud layer fixed
    in the world (a function of the view direction, not of the camera), deterministic from
    ``seed``.

    ``cover`` (0..1) is the share of the layer that is cloud; the clear sky turns grey as it
    grows; clouds are lit like the horizon (dark at night) and darker where thick; between
    them a faint haze keeps a clear sky from being one flat gradient. Computed per frame, at
    half the resolution of an image wider than 960 pixels and scaled up (the clouds are soft)."""

    def __init__(self, seed: int, cover: float, top, horizon) -> None:
        self.cover = float(min(max(cover, 0.0), 1.0))
        self.top = np.asarray(top, dtype=np.float32) / 255.0
        self.horizon = np.asarray(horizon, dtype=np.float32) / 255.0
        self.layer = cloud_layer(int(seed))
        pad = np.pad(self.layer, 12, mode="wrap")  # a tileable blur
        fine = self.layer - cv2.GaussianBlur(pad, (0, 0), 5.0)[12:-12, 12:-12]
        self.detail = (fine / max(float(fine.std()), 1e-6)).astype(np.float32)
        self.threshold = float(np.quantile(self.layer[::8, ::8], 1.0 - self.cover))
        grey = float(self.horizon @ np.array([0.3, 0.59, 0.11], np.float32))
        self.grey = np.full(3, 0.85 * grey, np.float32)
        self._rays: dict[tuple, np.ndarray] = {}

    @staticmethod
    def _step(camera) -> int:
        """2: computed at half resolution (images wider than 960 pixels), else 1."""
        return 2 if camera.width > 960 else 1

    def _camera_rays(self, camera) -> np.ndarray:
        """(h, w, 3) unit rays, camera frame, at the sky's resolution (pixel centres)."""
        key = (camera.width, camera.height, camera.fx, camera.fy, camera.cx, camera.cy)
        if key not in self._rays:
            k = self._step(camera)
            w, h = (camera.width + k - 1) // k, (camera.height + k - 1) // k
            off = (k - 1) / 2.0
            u = (np.arange(w, dtype=np.float64) * k + off - camera.cx) / camera.fx
            v = (np.arange(h, dtype=np.float64) * k + off - camera.cy) / camera.fy
            uu, vv = np.meshgrid(u, v)
            rays = np.stack((uu, vv, np.ones_like(uu)), axis=-1)
            rays /= np.linalg.norm(rays, axis=-1, keepdims=True)
            self._rays[key] = rays.astype(np.float32)
        return self._rays[key]

    def image(self, camera, R_world_cam: np.ndarray, rows: int | None = None) -> np.ndarray:
        """(H, W, 3) uint8 sky of one camera view. ``rows``: only the top ``rows`` image rows
        are needed (the render hides the rest); those come out as they would in the whole
        image (every step is per pixel, the 2x upscale reads the two source rows about a
        pixel), the rows below are left 0."""
        rays = self._camera_rays(camera)
        k = self._step(camera)
        full_h = rays.shape[0]
        if rows is not None:  # the sky's own rows that the image's top ``rows`` read
            rays = rays[: min(full_h, max(0, rows) // k + 2)]
        world = rays @ np.asarray(R_world_cam, np.float32).T  # one product per row of rays
        dz = world[..., 2]
        t = np.clip(dz / 0.5, 0.0, 1.0)[..., None] ** 0.7
        base = self.horizon * (1.0 - t) + self.top * t
        c = self.cover
        base = base * (1.0 - 0.8 * c) + self.grey * (0.8 * c)
        lift = 1.0 / (np.maximum(dz, 0.0) + CLOUD_DOME)
        scale = CLOUD_TEXELS / CLOUD_SPAN
        mx = (world[..., 0] * lift * scale + CLOUD_TEXELS / 2).astype(np.float32)
        my = (world[..., 1] * lift * scale + CLOUD_TEXELS / 2).astype(np.float32)
        density = cv2.remap(self.layer, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
        # wisps within the clouds and in the haze: the same layer, in stereographic
        # coordinates of the view direction (about the same texels per degree everywhere)
        stereo = DETAIL_TEXELS / (1.0 + np.maximum(dz, -0.5))
        detail = cv2.remap(
            self.detail,
            (world[..., 0] * stereo).astype(np.float32),
            (world[..., 1] * stereo).astype(np.float32),
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_WRAP,
        )
        fade = _smooth(dz, -0.02, 0.15)  # haze at the horizon hides the layer's edge
        thr = self.threshold
        if self.cover > 0.0:
            alpha = (_smooth(density, thr - 0.08, thr + 0.1) * fade)[..., None]
        else:
            alpha = np.zeros(density.shape + (1,), np.float32)
        thick = _smooth(density + 0.05 * detail, thr, thr + 0.2 + 0.5 * (1.0 - thr))
        lit = np.clip(self.horizon * 1.12 + 0.04, 0.0, 1.0)
        cloud = lit * (1.0 - 0.45 * thick + DETAIL * 1.5 * detail)[..., None]
        haze = 1.0 + (HAZE * (density - 0.5) + DETAIL * detail)[..., None]
        sky = (base * haze) * (1.0 - alpha) + cloud * alpha
        small = np.clip(sky * 255.0 + 0.5, 0.0, 255.0).astype(np.uint8)
        if small.shape[0] < full_h:
            small = np.concatenate(
                (small, np.zeros((full_h - small.shape[0],) + small.shape[1:], np.uint8))
            )
        if k == 1:
            return small
        size = (2 * small.shape[1], 2 * small.shape[0])
        big = cv2.resize(small, size, interpolation=cv2.INTER_LINEAR)
        return np.ascontiguousarray(big[: camera.height, : camera.width])


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
