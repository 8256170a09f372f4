"""The only module that imports pyrender: a colour renderer for one process (its helpers
gl_patches.py, the pyrender internals it replaces, and egl_device.py, the EGL device
policy, take pyrender's objects from here).

Headless through EGL: ``PYOPENGL_PLATFORM=egl`` is set before the first OpenGL import
unless the user set it (``osmesa`` works as a software fallback; see docs/rendering.md).
One ``OffscreenRenderer`` per process, reused for every frame, camera and episode (creating
one costs ~0.25 s, and compiling its shaders more); static geometry lives in a few merged
meshes, each agent is one node with a primitive per material (cost is per draw, not pixel).
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
from OpenGL import GL  # noqa: E402
from OpenGL.GL import GL_CLAMP_TO_BORDER, GL_FLOAT  # noqa: E402

from sim.render.camera import CameraModel, gl_pose  # noqa: E402
from sim.render.egl_device import (  # noqa: E402
    _EGL_EXTENSIONS,
    SOFTWARE_EXTENSION,
    EglDevice,
    choose_device,
    policy_from_env,
)
from sim.render.gl_patches import (  # noqa: E402
    _OVERRIDES,
    _lighter_shadow_filter,
    _lighting_once,
    _main_framebuffer,
    _make_sorter,
    _max_n_lights,
    _shadow_viewport,
    cache_uniform_locations,
    colour_reader,
    free_casters,
    make_caster_pass,
)
from sim.render.lights import (  # noqa: E402
    MAX_POINTS,
    MAX_SPOTS,
    SHADOW_MAP_SIZE,
    PointSpec,
    SpotSpec,
    light_frame,
    shadow_box,
)
from sim.render.textures import MATERIALS, Appearance, texture  # noqa: E402
from sim.render.textures.uv import material_groups  # noqa: E402

_forget_uniforms = cache_uniform_locations(pyrender.shader_program)
"""Empties the uniform-location cache (a new GL context numbers its programs afresh)."""
_read_colour = colour_reader(pyrender.RenderFlags.RGBA, pyrender.RenderFlags.DEPTH_ONLY)

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


MAX_ANISOTROPY = 1.0
"""Anisotropic filtering of the textures (where the GL has it; 1: off): the road seen at a
grazing angle would keep its grain along the view instead of blurring to its mean, but on
llvmpipe 8x costs ~5x the frame, so plain trilinear mipmapping it is."""
_GL_TEXTURE_MAX_ANISOTROPY = 0x84FE


class _Texture(pyrender.Texture):
    """pyrender's Texture (uploaded with generated mipmaps, sampled LINEAR_MIPMAP_LINEAR)
    plus anisotropic filtering."""

    def _add_to_context(self):
        super()._add_to_context()
        if MAX_ANISOTROPY <= 1.0:
            return
        try:
            GL.glBindTexture(self.tex_type, self._texid)
            GL.glTexParameterf(self.tex_type, _GL_TEXTURE_MAX_ANISOTROPY, MAX_ANISOTROPY)
        except Exception:  # noqa: BLE001 -- no anisotropic filtering: trilinear alone
            pass
        finally:
            GL.glBindTexture(self.tex_type, 0)


def _bank_texture(bank: dict, kind: str, appearance: Appearance):
    """(pyrender texture, linear normalising factor) of ``kind`` for this scene (cached)."""
    if kind not in bank:
        image, factor = texture(kind, appearance.variant(kind))
        sampler = pyrender.Sampler(
            magFilter=GL.GL_LINEAR,
            minFilter=GL.GL_LINEAR_MIPMAP_LINEAR,
            wrapS=GL.GL_REPEAT,
            wrapT=GL.GL_REPEAT,
        )
        bank[kind] = (_Texture(source=image, source_channels="RGB", sampler=sampler), factor)
    return bank[kind]


def _textured_primitives(
    bank: dict, appearance: Appearance, vertices, faces, face_colors, uvs, face_material, look
) -> list[pyrender.Primitive]:
    """One primitive per material (:func:`sim.render.textures.uv.material_groups`): vertex
    colour x texture (normalised to a linear mean of 1) x the group's tint, with the
    material's metallic and roughness factors."""
    prims = []
    for g in material_groups(vertices, faces, face_colors, uvs, face_material, appearance, look):
        mat = MATERIALS[g.material]
        factor = [g.tint[0], g.tint[1], g.tint[2], 1.0]
        tex = None
        if mat.kind is not None and g.uv is not None:
            tex, norm = _bank_texture(bank, mat.kind, appearance)
            if mat.normalise:
                factor = [factor[k] * norm[k] for k in range(3)] + [1.0]
        material = pyrender.MetallicRoughnessMaterial(
            baseColorFactor=factor,
            baseColorTexture=tex,
            metallicFactor=g.metallic,
            roughnessFactor=g.roughness,
            alphaMode="OPAQUE",
        )
        prims.append(
            pyrender.Primitive(
                positions=g.corners,
                normals=g.normals,
                color_0=g.colors,
                texcoord_0=g.uv if tex is not None else None,
                material=material,
                mode=4,
            )
        )
    return prims


_SHARED: dict = {
    "renderer": None,
    "pid": None,
    "gl": "",
    "gl_vendor": "",
    "gl_version": "",
    "egl_device": "",
}
"""The process's one OffscreenRenderer (an OpenGL context with pyrender's compiled shaders),
shared by every ColorRenderer in turn: one per episode would cost ~0.3 s each. A forked
child makes its own."""


def _egl_module():
    """pyrender's EGL platform module, or None where EGL cannot be loaded."""
    try:
        from pyrender.platforms import egl  # only where EGL is asked for: not every platform has it
    except Exception:  # noqa: BLE001 -- no EGL: nothing to enumerate
        return None
    return egl


def list_devices() -> list[EglDevice]:
    """The EGL devices of this machine (empty where EGL cannot enumerate them)."""
    egl = _egl_module()
    if egl is None or egl._eglQueryDevicesEXT is None:
        return []
    out = []
    for i, dev in enumerate(egl.query_devices()):
        ext = b""
        if egl._eglQueryDeviceStringEXT is not None:
            ext = egl._eglQueryDeviceStringEXT(dev._display, _EGL_EXTENSIONS) or b""
        out.append(EglDevice(i, dev.name, ext.decode("ascii", "replace"), dev))
    return out


def probe_renderer(device: EglDevice) -> str:
    """``GL_RENDERER`` of a device, from a throw-away 1x1 context (software devices are
    named by their extension, no context made)."""
    if device.software:
        return f"software ({SOFTWARE_EXTENSION})"
    egl = _egl_module()
    if egl is None:
        return "unusable (no EGL) softpipe"
    platform = egl.EGLPlatform(1, 1, device=device.handle)
    try:
        platform.init_context()
        return GL.glGetString(GL.GL_RENDERER).decode("ascii", "replace")
    except Exception as err:  # noqa: BLE001 -- a device that cannot make a context
        return f"unusable ({type(err).__name__}) softpipe"  # never chosen by auto
    finally:
        platform.delete_context()


def select(policy: str | int | None = None) -> tuple[EglDevice | None, list[EglDevice]]:
    """(the chosen device or None for EGL's default display, every device listed)."""
    devices = list_devices()
    policy = policy_from_env() if policy is None else policy
    index = choose_device(lambda i: probe_renderer(devices[i]), len(devices), policy)
    return (None if index is None else devices[index]), devices


def _gl_string(name) -> str:
    value = GL.glGetString(name)
    return value.decode("ascii", "replace") if value else ""


def _egl_choice():
    """The EGL device of this process's context (:mod:`sim.render.egl_device`:
    ``SIM_EGL_DEVICE`` auto | cpu | index); None: not EGL, or EGL's default display."""
    if os.environ.get("PYOPENGL_PLATFORM", "") != "egl":
        return None
    device, _ = select()
    return device


def _device_text(device) -> str:
    """meta.json's ``egl_device``: ``"<index>"`` plus the DRM file where there is one,
    ``default`` (EGL's default display) or the platform (e.g. ``osmesa``)."""
    platform = os.environ.get("PYOPENGL_PLATFORM", "")
    if platform != "egl":
        return platform or "default"
    if device is None:
        return "default"
    return f"{device.index}" + (f" ({device.drm_file})" if device.drm_file else "")


class _Offscreen(pyrender.OffscreenRenderer):
    """pyrender's OffscreenRenderer on a chosen EGL device (pyrender's own takes the device
    of ``EGL_DEVICE_ID``, default 0); ``device`` None: pyrender's own choice."""

    def __init__(self, width: int, height: int, device=None) -> None:
        self._sim_device = device
        super().__init__(width, height)

    def _create(self) -> None:
        device = self._sim_device
        if device is None or os.environ.get("PYOPENGL_PLATFORM", "") != "egl":
            return super()._create()
        from pyrender.platforms.egl import EGLPlatform
        from pyrender.renderer import Renderer

        self._platform = EGLPlatform(
            self.viewport_width, self.viewport_height, device=device.handle
        )
        self._platform.init_context()
        self._platform.make_current()
        self._renderer = Renderer(self.viewport_width, self.viewport_height)


def gl_info() -> dict[str, str]:
    """The process's GL context as meta.json records it (empty strings before the first
    render): ``gl_renderer``, ``gl_vendor``, ``gl_version``, ``egl_device``."""
    return {
        "gl_renderer": _SHARED["gl"],
        "gl_vendor": _SHARED["gl_vendor"],
        "gl_version": _SHARED["gl_version"],
        "egl_device": _SHARED["egl_device"],
    }


def open_context() -> dict[str, str]:
    """Make the process's GL context now (as the first render would) and return
    :func:`gl_info` (``bench frame`` prints it first)."""
    renderer = _SHARED["renderer"]
    if renderer is None or _SHARED["pid"] != os.getpid():
        _shared_offscreen(64, 64)
    return gl_info()


def _shared_offscreen(width: int, height: int) -> pyrender.OffscreenRenderer:
    renderer = _SHARED["renderer"]
    if renderer is None or _SHARED["pid"] != os.getpid():
        _forget_uniforms()  # the new context's programs are numbered afresh
        try:
            device = _egl_choice()
            renderer = _Offscreen(width, height, device)
        except RenderError:
            raise
        except Exception as err:  # pyrender raises bare exceptions from the GL loaders
            platform = os.environ.get("PYOPENGL_PLATFORM", "")
            raise RenderError(
                f"cannot create an OpenGL context through {platform or 'the default platform'} "
                f"({type(err).__name__}: {err}). Install Mesa's EGL libraries "
                "(apt-get install libegl1 libgl1 libegl-mesa0 libgl1-mesa-dri) or set "
                "PYOPENGL_PLATFORM=osmesa (see docs/rendering.md)"
            ) from None
        _lighter_shadow_filter(renderer._renderer._program_cache)
        first = _SHARED["renderer"] is None
        _SHARED.update(
            renderer=renderer,
            pid=os.getpid(),
            gl=_gl_string(GL.GL_RENDERER),
            gl_vendor=_gl_string(GL.GL_VENDOR),
            gl_version=_gl_string(GL.GL_VERSION),
            egl_device=_device_text(device),
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


class ColorRenderer:
    """Renders the lit colour image of a scene of static meshes and posed agent meshes."""

    def __init__(self, ambient: float = 0.35) -> None:
        self._renderer: pyrender.OffscreenRenderer | None = None
        self.scene = pyrender.Scene(bg_color=[0.0, 0.0, 0.0, 0.0], ambient_light=[ambient] * 3)
        self._agent_meshes: dict[object, pyrender.Mesh] = {}
        self._agent_nodes: dict[int, tuple[object, pyrender.Node]] = {}
        self._camera_node: pyrender.Node | None = None
        self._sun_node: pyrender.Node | None = None
        self._lamp_nodes: list[pyrender.Node] = []
        self.shadows = False
        self._shadow_matrices: tuple[np.ndarray, np.ndarray] | None = None  # (V, P) of the sun
        self._shadow_maps: dict[int, pyrender.Texture] = {}  # texels a side -> the sun's map
        self._switchable: dict[object, pyrender.Mesh] = {}
        self._rank: dict[pyrender.Node, int] = {}  # mesh node -> when it was added (draw order)
        self._added = 0
        self._sorter = _make_sorter(self._rank)
        self._casters: dict = {}  # mesh -> its one draw in the sun's depth pass, or None
        flags = (pyrender.RenderFlags.DEPTH_ONLY, pyrender.constants.ProgramFlags.NONE)
        self._caster_pass = make_caster_pass(self._casters, *flags)
        self.gl_renderer = ""

    # -- lifetime --------------------------------------------------------------------
    def _ensure(self, width: int, height: int) -> pyrender.OffscreenRenderer:
        renderer = _shared_offscreen(width, height)
        self._renderer = renderer
        self.gl_renderer = _SHARED["gl"]
        # pyrender's per-instance renderer draws in this scene's deterministic order
        inner = renderer._renderer
        inner._sorted_mesh_nodes = types.MethodType(self._sorter, inner)
        inner._get_light_cam_matrices = types.MethodType(self._light_matrices, inner)
        inner._configure_shadow_mapping_viewport = types.MethodType(_shadow_viewport, inner)
        inner._compute_max_n_lights = types.MethodType(_max_n_lights, inner)
        inner._configure_main_framebuffer = types.MethodType(_main_framebuffer, inner)
        inner._read_main_framebuffer = types.MethodType(_read_colour, inner)
        inner._bind_lighting = types.MethodType(_lighting_once, inner)
        inner._shadow_mapping_pass = types.MethodType(self._caster_pass, inner)
        return renderer

    @property
    def gl_info(self) -> dict[str, str]:
        """The GL context this renderer drew with (:func:`gl_info`); empty strings before
        its first render."""
        info = gl_info()
        return info if self.gl_renderer else dict.fromkeys(info, "")

    def _light_matrices(self, inner, scene, light_node, flags):
        """pyrender's ``Renderer._get_light_cam_matrices`` for this scene: the sun's fitted
        shadow camera (:meth:`render_rgba`); pyrender's own (the whole scene) otherwise."""
        if light_node is self._sun_node and self._shadow_matrices is not None:
            return self._shadow_matrices
        return type(inner)._get_light_cam_matrices(inner, scene, light_node, flags)

    def close(self) -> None:
        """Free this scene's meshes on the GPU; the process's OpenGL context stays for the
        next renderer (creating one costs ~0.25 s and compiling its shaders more)."""
        renderer, self._renderer = self._renderer, None
        shared = renderer is _SHARED["renderer"] and _SHARED["pid"] == os.getpid()
        if renderer is not None and shared:
            renderer._platform.make_current()
            renderer._renderer._update_context(pyrender.Scene(), pyrender.RenderFlags.NONE)
            free_casters(self._casters)
            for name in _OVERRIDES:  # they hold this scene
                renderer._renderer.__dict__.pop(name, None)

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

    appearance: Appearance = Appearance()
    """The episode's look (textures on by default); :class:`FrameRenderer` sets its own."""

    def _mesh(self, vertices, faces, face_colors, uvs, face_material, look=None) -> pyrender.Mesh:
        """Plain (one flat-coloured primitive, as without textures) unless textures are on
        and the faces name materials."""
        if not self.appearance.textures or face_material is None or not len(faces):
            return make_mesh(vertices, faces, face_colors)
        bank = self.__dict__.setdefault("_texture_bank", {})
        prims = _textured_primitives(
            bank, self.appearance, vertices, faces, face_colors, uvs, face_material, look
        )
        return pyrender.Mesh(primitives=prims)

    def add_static(self, vertices, faces, face_colors, uvs=None, face_material=None) -> None:
        """A static mesh in world coordinates; with ``face_material`` (and optionally
        per-corner ``uvs``, see :class:`sim.render.scene.MeshArrays`) textured."""
        self._add_mesh(self._mesh(vertices, faces, face_colors, uvs, face_material))

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

    def set_sun(
        self, direction_to_sun: np.ndarray, color, intensity: float, shadows: bool = False
    ) -> None:
        """Directional light shining from ``direction_to_sun`` (world, unit) towards the scene;
        ``shadows``: it casts shadows (a shadow map fitted to each view, :meth:`render_rgba`)."""
        if self._sun_node is not None:
            self.scene.remove_node(self._sun_node)
        pose = np.eye(4)
        pose[:3, :3] = light_frame(direction_to_sun)  # pyrender lights shine along their -z
        # floats: pyrender reads an int colour (a YAML `1`) as 0..255
        light = pyrender.DirectionalLight(
            color=[float(c) for c in color], intensity=float(intensity)
        )
        self.shadows = bool(shadows) and intensity > 0.0
        if self.shadows:
            light.shadow_texture = self._shadow_texture(SHADOW_MAP_SIZE)
        self._sun_node = self.scene.add(light, pose=pose)

    def _shadow_texture(self, size: int) -> pyrender.Texture:
        """The sun's depth map, ``size`` texels a side (one kept per size): outside it
        (sampled through a border of depth 1) nothing is shadowed; pyrender's default
        repeats the map over the whole world."""
        if size not in self._shadow_maps:
            clamp = pyrender.Sampler(wrapS=GL_CLAMP_TO_BORDER, wrapT=GL_CLAMP_TO_BORDER)
            self._shadow_maps[size] = pyrender.Texture(
                width=size, height=size, source_channels="D", data_format=GL_FLOAT, sampler=clamp
            )
        return self._shadow_maps[size]

    def set_lights(self, spots: list[SpotSpec], points: list[PointSpec]) -> None:
        """This frame's lamps: spot lights (headlights) and point lights (street lamps), at
        most :data:`MAX_SPOTS` and :data:`MAX_POINTS` (the caller picks the nearest: beyond
        pyrender's per-type limit it would sort the lights per mesh node, by the node's
        position, which is the world origin for every static mesh)."""
        if len(spots) > MAX_SPOTS or len(points) > MAX_POINTS:
            raise ValueError(f"at most {MAX_SPOTS} spot and {MAX_POINTS} point lights")
        for node in self._lamp_nodes:
            self.scene.remove_node(node)
        self._lamp_nodes = []
        for spot in spots:
            pose = np.eye(4)
            pose[:3, :3] = light_frame(-np.asarray(spot.direction, dtype=np.float64))
            pose[:3, 3] = spot.position
            light = pyrender.SpotLight(
                color=[float(c) for c in spot.color],
                intensity=float(spot.intensity),
                innerConeAngle=float(spot.inner),
                outerConeAngle=float(spot.outer),
            )
            self._lamp_nodes.append(self.scene.add(light, pose=pose))
        for point in points:
            pose = np.eye(4)
            pose[:3, 3] = point.position
            light = pyrender.PointLight(
                color=[float(c) for c in point.color], intensity=float(point.intensity)
            )
            self._lamp_nodes.append(self.scene.add(light, pose=pose))

    def has_agent_mesh(self, key: object) -> bool:
        return key in self._agent_meshes

    def add_agent_mesh(self, key: object, vertices, faces, face_colors, face_material=None) -> None:
        """An agent's mesh in its own frame; with ``face_material`` its parts get their
        materials, and paint, glass and dirt the look :meth:`Appearance.agent_look` draws
        for ``key``."""
        look = self.appearance.agent_look(key) if face_material is not None else None
        self._agent_meshes[key] = self._mesh(
            vertices, faces, face_colors, None, face_material, look
        )

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
        it (``camera.msaa`` samples, default 4), colour premultiplied by coverage, alpha 0
        where only sky was hit.

        With sun shadows on, the sun's orthographic shadow camera is fitted to this view
        (:func:`sim.render.lights.shadow_box`) rather than to the whole scene."""
        renderer = self._ensure(camera.width, camera.height)
        renderer._renderer._sim_msaa = camera.msaa  # its framebuffer follows on the next draw
        renderer._renderer._sim_lit = {}  # lights are bound afresh (gl_patches._lighting_once)
        fx, fy, cx, cy = camera.gl_intrinsics()
        cam = pyrender.IntrinsicsCamera(fx, fy, cx, cy, znear=camera.znear, zfar=camera.zfar)
        if self._camera_node is not None:
            self.scene.remove_node(self._camera_node)
        self._camera_node = self.scene.add(cam, pose=gl_pose(T_world_cam))
        flags = pyrender.RenderFlags.RGBA
        if self.shadows and self._sun_node is not None:
            sun, depth_map = self._sun_node.light, self._shadow_texture(camera.shadow_map)
            if sun.shadow_texture is not depth_map:  # (pyrender's setter frees the old one)
                sun.shadow_texture = depth_map
            R_light = self.scene.get_pose(self._sun_node)[:3, :3]
            pose, xmag, ymag, znear, zfar = shadow_box(
                camera, T_world_cam, R_light, size=camera.shadow_map
            )
            P = pyrender.OrthographicCamera(xmag, ymag, znear, zfar).get_projection_matrix()
            self._shadow_matrices = (np.linalg.inv(pose), P)
            flags |= pyrender.RenderFlags.SHADOWS_DIRECTIONAL
        color, _ = renderer.render(self.scene, flags=flags)
        return color

    def render(self, camera: CameraModel, T_world_cam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Colour and coverage of one camera view.

        Returns rgb (H, W, 3) float32 premultiplied by coverage, in [0, 1], and alpha
        (H, W) float32: 0 where only background (sky) was hit, fractional at anti-aliased
        edges. Compose over a background with ``rgb + (1 - alpha) * background``.
        """
        rgba = self.render_rgba(camera, T_world_cam).astype(np.float32) / 255.0
        return rgba[..., :3], rgba[..., 3]
