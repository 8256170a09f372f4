"""The only module that imports pyrender: a colour renderer for one process.

Headless through EGL: ``PYOPENGL_PLATFORM=egl`` is set before the first OpenGL import
unless the user set it (``osmesa`` works as a software fallback; see docs/rendering.md).
One ``OffscreenRenderer`` per process, reused for every frame, camera and episode (creating
one costs ~0.25 s, and compiling its shaders more); static geometry lives in a few merged
meshes, each agent is one node with one primitive (cost is per node, not per pixel).
"""

from __future__ import annotations

import atexit
import os
import types

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

import numpy as np  # noqa: E402

from sim.errors import RenderError  # noqa: E402

try:
    import pyrender  # noqa: E402
except ImportError as err:  # PyOpenGL cannot load the platform's library (e.g. no libOSMesa)
    _platform = os.environ.get("PYOPENGL_PLATFORM", "")
    raise RenderError(
        f"cannot load OpenGL for PYOPENGL_PLATFORM={_platform or '(unset)'} ({err}). "
        "For EGL install libegl1 libgl1 libegl-mesa0 libgl1-mesa-dri; "
        "for osmesa install libosmesa6 (see docs/rendering.md)"
    ) from None
from sim.render.camera import CameraModel, gl_pose  # noqa: E402

GLOW = 0.8
"""Emission of glowing parts; pyrender adds GLOW**2 times the vertex colour to the lit colour."""


def _face_normals(tris: np.ndarray) -> np.ndarray:
    n = np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0])
    length = np.linalg.norm(n, axis=1, keepdims=True)
    return n / np.maximum(length, 1e-12)


def make_mesh(vertices: np.ndarray, faces: np.ndarray, face_colors: np.ndarray) -> pyrender.Mesh:
    """A flat-shaded, vertex-coloured, opaque pyrender mesh with a single primitive.

    vertices : (V, 3) float [m]; faces : (F, 3) int; face_colors : (F, 4) uint8 RGBA.
    """
    return pyrender.Mesh(primitives=[_primitive(vertices, faces, face_colors)])


def _primitive(vertices, faces, face_colors, emissive: bool = False) -> pyrender.Primitive:
    """One flat-shaded, vertex-coloured, opaque primitive; ``emissive``: it glows in its own
    colour (pyrender multiplies the emission by the vertex colour), whatever the light."""
    tris = np.asarray(vertices, dtype=np.float64)[np.asarray(faces)]
    positions = tris.reshape(-1, 3).astype(np.float32)
    normals = np.repeat(_face_normals(tris), 3, axis=0).astype(np.float32)
    colors = np.repeat(np.asarray(face_colors, dtype=np.float32) / 255.0, 3, axis=0)
    material = pyrender.MetallicRoughnessMaterial(
        baseColorFactor=[1.0, 1.0, 1.0, 1.0],
        metallicFactor=0.0,
        roughnessFactor=0.85,
        alphaMode="OPAQUE",
        emissiveFactor=[GLOW] * 3 if emissive else None,
    )
    return pyrender.Primitive(
        positions=positions, normals=normals, color_0=colors, material=material, mode=4
    )


_SHARED: dict = {"renderer": None, "pid": None, "gl": ""}
"""The process's one OffscreenRenderer (an OpenGL context with pyrender's compiled shaders),
shared by every ColorRenderer in turn: one per episode would cost ~0.3 s each. A forked
child makes its own."""


def _shared_offscreen(width: int, height: int) -> pyrender.OffscreenRenderer:
    renderer = _SHARED["renderer"]
    if renderer is None or _SHARED["pid"] != os.getpid():
        try:
            renderer = pyrender.OffscreenRenderer(width, height)
        except Exception as err:  # pyrender raises bare exceptions from the GL loaders
            platform = os.environ.get("PYOPENGL_PLATFORM", "")
            raise RenderError(
                f"cannot create an OpenGL context through {platform or 'the default platform'} "
                f"({type(err).__name__}: {err}). Install Mesa's EGL libraries "
                "(apt-get install libegl1 libgl1 libegl-mesa0 libgl1-mesa-dri) or set "
                "PYOPENGL_PLATFORM=osmesa (see docs/rendering.md)"
            ) from None
        from OpenGL import GL

        first = _SHARED["renderer"] is None
        _SHARED.update(
            renderer=renderer,
            pid=os.getpid(),
            gl=GL.glGetString(GL.GL_RENDERER).decode("ascii", "replace"),
        )
        if first:
            atexit.register(_close_shared)
    elif (renderer.viewport_width, renderer.viewport_height) != (width, height):
        renderer.viewport_width = width
        renderer.viewport_height = height
    return renderer


def _close_shared() -> None:
    renderer = _SHARED["renderer"]
    if renderer is not None and _SHARED["pid"] == os.getpid():
        _SHARED["renderer"] = None
        renderer.delete()


def _make_sorter(rank: dict):
    """A replacement for pyrender's ``Renderer._sorted_mesh_nodes`` with the same order --
    opaque meshes, then transparent ones, each far to near by their node's position -- and
    ties broken by ``rank`` (the order the nodes were added).

    pyrender keeps mesh nodes in a set, whose iteration order follows memory addresses and
    so changes from process to process; static meshes all sit at the same (identity) pose,
    so their draw order was that set's order, and a pixel where two surfaces tie in depth
    took the colour of whichever was drawn first: the same episode differed by a pixel or
    two between runs."""

    def sorted_mesh_nodes(renderer, scene):
        cam = scene.get_pose(scene.main_camera_node)[:3, 3]

        def key(node):
            distance = float(np.linalg.norm(scene.get_pose(node)[:3, 3] - cam))
            return -distance, rank.get(node, len(rank))

        nodes = list(scene.mesh_nodes)
        solid = sorted((n for n in nodes if not n.mesh.is_transparent), key=key)
        transparent = sorted((n for n in nodes if n.mesh.is_transparent), key=key)
        return solid + transparent

    return sorted_mesh_nodes


class ColorRenderer:
    """Renders the lit colour image of a scene of static meshes and posed agent meshes."""

    def __init__(self, ambient: float = 0.35) -> None:
        self._renderer: pyrender.OffscreenRenderer | None = None
        self.scene = pyrender.Scene(bg_color=[0.0, 0.0, 0.0, 0.0], ambient_light=[ambient] * 3)
        self._agent_meshes: dict[object, pyrender.Mesh] = {}
        self._agent_nodes: dict[int, tuple[object, pyrender.Node]] = {}
        self._camera_node: pyrender.Node | None = None
        self._sun_node: pyrender.Node | None = None
        self._switchable: dict[object, pyrender.Mesh] = {}
        self._rank: dict[pyrender.Node, int] = {}  # mesh node -> when it was added (draw order)
        self._added = 0
        self._sorter = _make_sorter(self._rank)
        self.gl_renderer = ""

    # -- lifetime --------------------------------------------------------------------
    def _ensure(self, width: int, height: int) -> pyrender.OffscreenRenderer:
        renderer = _shared_offscreen(width, height)
        self._renderer = renderer
        self.gl_renderer = _SHARED["gl"]
        # pyrender's per-instance renderer draws in this scene's deterministic order
        renderer._renderer._sorted_mesh_nodes = types.MethodType(self._sorter, renderer._renderer)
        return renderer

    def close(self) -> None:
        """Free this scene's meshes on the GPU; the process's OpenGL context stays for the
        next renderer (creating one costs ~0.25 s and compiling its shaders more)."""
        renderer, self._renderer = self._renderer, None
        shared = renderer is _SHARED["renderer"] and _SHARED["pid"] == os.getpid()
        if renderer is not None and shared:
            renderer._platform.make_current()
            renderer._renderer._update_context(pyrender.Scene(), pyrender.RenderFlags.NONE)
            renderer._renderer.__dict__.pop("_sorted_mesh_nodes", None)  # it holds this scene

    def __enter__(self) -> ColorRenderer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- scene -----------------------------------------------------------------------
    def _add_mesh(self, mesh: pyrender.Mesh, pose: np.ndarray | None = None) -> pyrender.Node:
        node = self.scene.add(mesh, pose=pose)
        self._rank[node] = self._added
        self._added += 1
        return node

    def _remove_mesh(self, node: pyrender.Node) -> None:
        self.scene.remove_node(node)
        self._rank.pop(node, None)

    def add_static(self, vertices, faces, face_colors) -> None:
        self._add_mesh(make_mesh(vertices, faces, face_colors))

    def add_switchable(
        self, key: object, parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, bool]]
    ) -> None:
        """A static mesh shown only when :meth:`show_switchable` names ``key`` (hidden until
        then): one primitive per (vertices, faces, face_colors, emissive) part. Switching is
        a flag on the mesh; nothing is uploaded again."""
        prims = [_primitive(v, f, c, emissive) for v, f, c, emissive in parts if len(f)]
        mesh = pyrender.Mesh(primitives=prims, is_visible=False)
        self._add_mesh(mesh)
        self._switchable[key] = mesh

    def show_switchable(self, keys) -> None:
        """Show exactly the switchable meshes in ``keys``."""
        keys = set(keys)
        for key, mesh in self._switchable.items():
            mesh.is_visible = key in keys

    def set_sun(self, direction_to_sun: np.ndarray, color, intensity: float) -> None:
        """Directional light shining from ``direction_to_sun`` (world, unit) towards the scene."""
        if self._sun_node is not None:
            self.scene.remove_node(self._sun_node)
        z = np.asarray(direction_to_sun, dtype=np.float64)
        z = z / np.linalg.norm(z)  # pyrender lights shine along their -z axis
        x = np.cross([0.0, 0.0, 1.0], z)
        if np.linalg.norm(x) < 1e-6:
            x = np.array([1.0, 0.0, 0.0])
        x /= np.linalg.norm(x)
        pose = np.eye(4)
        pose[:3, :3] = np.stack([x, np.cross(z, x), z], axis=1)
        light = pyrender.DirectionalLight(color=list(color), intensity=float(intensity))
        self._sun_node = self.scene.add(light, pose=pose)

    def has_agent_mesh(self, key: object) -> bool:
        return key in self._agent_meshes

    def add_agent_mesh(self, key: object, vertices, faces, face_colors) -> None:
        self._agent_meshes[key] = make_mesh(vertices, faces, face_colors)

    def set_agents(self, agents: list[tuple[int, object, np.ndarray]]) -> None:
        """Show exactly these agents: (id, mesh key, 4x4 world pose); others are removed."""
        wanted = {agent_id for agent_id, _, _ in agents}
        for agent_id in list(self._agent_nodes):
            if agent_id not in wanted:
                self._remove_mesh(self._agent_nodes.pop(agent_id)[1])
        for agent_id, key, pose in agents:
            current = self._agent_nodes.get(agent_id)
            if current is not None and current[0] != key:
                self._remove_mesh(current[1])
                current = None
            if current is None:
                node = self._add_mesh(self._agent_meshes[key], pose=pose)
                self._agent_nodes[agent_id] = (key, node)
            else:
                self.scene.set_pose(current[1], pose)

    # -- rendering -------------------------------------------------------------------
    def render_rgba(self, camera: CameraModel, T_world_cam: np.ndarray) -> np.ndarray:
        """The raw colour render of one camera view: (H, W, 4) uint8 RGBA as OpenGL resolved
        it (4x MSAA), colour premultiplied by coverage, alpha 0 where only sky was hit."""
        renderer = self._ensure(camera.width, camera.height)
        fx, fy, cx, cy = camera.gl_intrinsics()
        cam = pyrender.IntrinsicsCamera(fx, fy, cx, cy, znear=camera.znear, zfar=camera.zfar)
        if self._camera_node is not None:
            self.scene.remove_node(self._camera_node)
        self._camera_node = self.scene.add(cam, pose=gl_pose(T_world_cam))
        color, _ = renderer.render(self.scene, flags=pyrender.RenderFlags.RGBA)
        return color

    def render(self, camera: CameraModel, T_world_cam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Colour and coverage of one camera view.

        Returns rgb (H, W, 3) float32 premultiplied by coverage, in [0, 1], and alpha
        (H, W) float32: 0 where only background (sky) was hit, fractional at anti-aliased
        edges. Compose over a background with ``rgb + (1 - alpha) * background``.
        """
        rgba = self.render_rgba(camera, T_world_cam).astype(np.float32) / 255.0
        return rgba[..., :3], rgba[..., 3]
