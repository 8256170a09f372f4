"""pyrender internals a :class:`~sim.render.backend.ColorRenderer` replaces on the shared
renderer: the shadow filter of the mesh shader, the shadow viewport, the MSAA main framebuffer,
the colour read-back, the shader's light counts, the lights' binding, the shadow pass's draws
and the draw order; and the uniform locations and values pyrender's programs look up and set
again: plain OpenGL on pyrender's objects, handed in by sim/render/backend.py (the one module
that imports pyrender, and sets ``PYOPENGL_PLATFORM`` first)."""

from __future__ import annotations

import functools
import os

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

import numpy as np  # noqa: E402
from OpenGL import GL  # noqa: E402

from sim.render.lights import MAX_POINTS, MAX_SPOTS  # noqa: E402

_OVERRIDES = (
    "_sorted_mesh_nodes",
    "_get_light_cam_matrices",
    "_configure_shadow_mapping_viewport",
    "_compute_max_n_lights",
    "_configure_main_framebuffer",
    "_read_main_framebuffer",
    "_bind_lighting",
    "_shadow_mapping_pass",
)
"""pyrender ``Renderer`` methods a ColorRenderer replaces on the shared renderer instance."""


_BIAS = "float bias = max(0.001 * (1.0 - nl), 0.0001) / proj_coords.w;"
_BIAS_PER_TEXEL = (
    "float bias = (max(0.001 * (1.0 - nl), 0.0001) / proj_coords.w)"
    " * (2048.0 / float(textureSize(shadow_map, 0).x));"
)
_PCF_CALL = "PCF(shadow_map, textureSize(shadow_map, 0), light_coords.xy, compare)"
_BILINEAR_CALL = (
    "texture2DShadowLerp(shadow_map, textureSize(shadow_map, 0), light_coords.xy, compare)"
)


def _lighter_shadow_filter(cache) -> None:
    """Make pyrender's mesh shader filter its shadow lookups with one bilinear 2x2 comparison
    (4 depth fetches) instead of a 3x3 grid of them (36): on llvmpipe those fetches were most
    of the cost of sun shadows. The edge stays soft over one texel (~5 cm near the camera).
    And the depth bias of the shadow test grows with the texel (``2048 / size`` times
    pyrender's: exactly pyrender's at the default 2048), so that a camera's coarser
    ``shadow_map`` does not speckle surfaces the sun meets at a slant with false shadow.
    Done by editing the shader's text as pyrender loads it (nothing is written to disk);
    if pyrender's shader no longer has those lines, it is left as it is."""
    get_program = cache.get_program

    def patched(vertex_shader, fragment_shader, geometry_shader=None, defines=None):
        program = get_program(vertex_shader, fragment_shader, geometry_shader, defines)
        if fragment_shader == "mesh.frag" and "_load" not in program.__dict__:
            load = program._load

            def _load(filename):
                text = load(filename)
                if not filename.endswith("mesh.frag"):
                    return text
                return text.replace(_PCF_CALL, _BILINEAR_CALL).replace(_BIAS, _BIAS_PER_TEXEL)

            program._load = _load
        return program

    cache.get_program = patched


def _shadow_viewport(inner, light, flags) -> None:
    """pyrender's ``_configure_shadow_mapping_viewport`` with the light's own map size (its
    viewport is pyrender's constant 2048 whatever the texture's size)."""
    inner._configure_shadow_framebuffer()
    GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, inner._shadow_fb)
    light.shadow_texture._bind()
    light.shadow_texture._bind_as_depth_attachment()
    GL.glActiveTexture(GL.GL_TEXTURE0)
    light.shadow_texture._bind()
    GL.glDrawBuffer(GL.GL_NONE)
    GL.glReadBuffer(GL.GL_NONE)
    GL.glClear(GL.GL_DEPTH_BUFFER_BIT)
    GL.glViewport(0, 0, light.shadow_texture.width, light.shadow_texture.height)
    GL.glEnable(GL.GL_DEPTH_TEST)
    GL.glDepthMask(GL.GL_TRUE)
    GL.glDepthFunc(GL.GL_LESS)
    GL.glDepthRange(0.0, 1.0)
    GL.glDisable(GL.GL_CULL_FACE)
    GL.glDisable(GL.GL_BLEND)


def colour_reader(rgba: int, depth_only: int):
    """A replacement for pyrender's ``_read_main_framebuffer``: of an RGBA render, the same
    colour bytes, but not the depth nobody reads (resolved, read, linearised); returns
    (colour (H, W, 4) uint8, None). ``rgba``, ``depth_only``: pyrender's ``RenderFlags`` of
    those names (handed in by backend.py); other renders are pyrender's own."""

    def read_colour(inner, scene, flags):
        if not flags & rgba or flags & depth_only:
            return type(inner)._read_main_framebuffer(inner, scene, flags)
        width, height = inner._main_fb_dims
        if inner._main_fb_ms != inner._main_fb:
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, inner._main_fb_ms)
            GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, inner._main_fb)
            GL.glBlitFramebuffer(
                0, 0, width, height, 0, 0, width, height, GL.GL_COLOR_BUFFER_BIT, GL.GL_LINEAR
            )
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, inner._main_fb)
        buf = GL.glReadPixels(0, 0, width, height, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE)
        color = np.frombuffer(buf, dtype=np.uint8).reshape((height, width, 4))
        return np.flip(color, axis=0), None

    return read_colour


def _framebuffer(samples: int, width: int, height: int) -> tuple[int, int, int]:
    """(framebuffer, colour, depth renderbuffer) names of a new RGBA + 24-bit depth target
    with ``samples`` samples (0: single-sample), as pyrender makes its own."""
    colour, depth = GL.glGenRenderbuffers(2)
    for buffer, fmt in ((colour, GL.GL_RGBA), (depth, GL.GL_DEPTH_COMPONENT24)):
        GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, buffer)
        if samples:
            GL.glRenderbufferStorageMultisample(GL.GL_RENDERBUFFER, samples, fmt, width, height)
        else:
            GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, fmt, width, height)
    fb = GL.glGenFramebuffers(1)
    GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, fb)
    for point, buffer in ((GL.GL_COLOR_ATTACHMENT0, colour), (GL.GL_DEPTH_ATTACHMENT, depth)):
        GL.glFramebufferRenderbuffer(GL.GL_DRAW_FRAMEBUFFER, point, GL.GL_RENDERBUFFER, buffer)
    return fb, colour, depth


def _main_framebuffer(inner) -> None:
    """pyrender's ``_configure_main_framebuffer`` with ``inner._sim_msaa`` samples (the
    camera's ``msaa``; pyrender hard-codes 4): a multisampled target resolved into a
    single-sample one; with 0 the single-sample one is drawn into directly (no resolve). A
    GL that lacks a count rounds it up (llvmpipe has only 4: docs/throughput.md)."""
    samples = getattr(inner, "_sim_msaa", 4)
    dims = (inner.viewport_width, inner.viewport_height)
    if inner._main_fb is not None and (
        inner._main_fb_dims != dims or getattr(inner, "_sim_fb_samples", 4) != samples
    ):
        inner._delete_main_framebuffer()  # (a name deleted twice is ignored by GL)
    if inner._main_fb is not None:
        return
    if samples == 4:
        type(inner)._configure_main_framebuffer(inner)  # pyrender's own, byte for byte
    else:
        inner._main_fb, inner._main_cb, inner._main_db = _framebuffer(0, *dims)
        if samples == 0:  # the "multisampled" names are the same: drawn into, never resolved
            inner._main_fb_ms, inner._main_cb_ms, inner._main_db_ms = (
                inner._main_fb,
                inner._main_cb,
                inner._main_db,
            )
        else:
            inner._main_fb_ms, inner._main_cb_ms, inner._main_db_ms = _framebuffer(samples, *dims)
        inner._main_fb_dims = dims
    inner._sim_fb_samples = samples


def _lighting_once(inner, scene, program, node, flags) -> None:
    """pyrender's ``_bind_lighting`` once per shader program per render instead of before
    every primitive (~90 per cut_in frame, each setting every light's uniforms again).

    A program keeps its uniforms between draws, and every primitive of a render is lit by the
    same lights -- unless a light type outnumbers the shader's array (pyrender then picks the
    lights nearest each mesh node, so that case is bound every time, as pyrender does). Later
    primitives of the same program only take the shadow maps into the same texture units again
    (the material's textures are bound after them, from the next unit on). ``inner._sim_lit``
    ({program id: its shadow-map bindings}) is emptied by ``ColorRenderer.render_rgba`` before
    each render: the frames are the same, byte for byte (tests/render/test_lighting_once.py)."""
    done = inner.__dict__.setdefault("_sim_lit", {})
    bindings = done.get(id(program))
    if bindings is not None:
        for texture, name in bindings:
            inner._bind_texture(texture, name, program)
        return
    bindings = []
    bind = inner._bind_texture

    def recorded(texture, name, prog) -> None:
        bindings.append((texture, name))
        bind(texture, name, prog)

    inner._bind_texture = recorded
    try:
        type(inner)._bind_lighting(inner, scene, program, node, flags)
    finally:
        del inner._bind_texture
    most = inner._compute_max_n_lights(flags)
    counts = (
        len(scene.directional_light_nodes),
        len(scene.spot_light_nodes),
        len(scene.point_light_nodes),
    )
    if all(n <= m for n, m in zip(counts, most, strict=True)):
        done[id(program)] = bindings


def _caster(mesh):
    """One positions-only primitive (of the class of the mesh's own) holding every triangle of
    ``mesh``, its parts drawn in one call of the sun's depth pass; None if a part is not a
    plain triangle list (points, lines, strips, instanced poses): then the parts are drawn one
    by one, as pyrender does."""
    positions, indices, start = [], [], 0
    for p in mesh.primitives:
        if p.mode != 4 or p.poses is not None:
            return None
        corners = np.asarray(p.positions, dtype=np.float32)
        order = np.arange(len(corners)) if p.indices is None else np.asarray(p.indices).ravel()
        positions.append(corners)
        indices.append(order.astype(np.uint32) + start)
        start += len(corners)
    if not positions:
        return None
    points, make_primitive = np.concatenate(positions), type(mesh.primitives[0])
    if all(p.indices is None for p in mesh.primitives):
        return make_primitive(positions=points, mode=4)
    return make_primitive(positions=points, indices=np.concatenate(indices).reshape(-1, 3), mode=4)


def free_casters(casters: dict) -> None:
    """Free the casters' GL buffers (the context current); they are uploaded again if used."""
    for caster in casters.values():
        if caster is not None:
            caster.delete()


def make_caster_pass(casters: dict, depth_only: int, no_program: int):
    """A replacement for pyrender's ``Renderer._shadow_mapping_pass`` that draws each visible
    mesh node as one primitive (:func:`_caster`, made once per mesh and kept in ``casters``,
    {mesh: primitive or None}) instead of one draw per part: a car's seven material parts
    (paint, glass, tyres, ...) are one depth-only draw, 98 draws of a cut_in frame become 16.

    The depth map is the same, byte for byte: every triangle is drawn with the same vertices,
    pose, matrices, back faces culled as before, and a depth buffer keeps the nearest depth
    whatever the order its triangles come in (tests/render/test_shadow_casters.py).
    ``depth_only`` and ``no_program`` (pyrender's ``RenderFlags.DEPTH_ONLY`` and
    ``ProgramFlags.NONE``) come from backend.py; ``ColorRenderer.close`` frees the casters
    (:func:`free_casters`)."""

    def draw(inner, primitive, pose, V, P, cam_pos, flags):
        program = inner._get_primitive_program(primitive, flags, no_program)
        program._bind()
        program.set_uniform("V", V)
        program.set_uniform("P", P)
        program.set_uniform("cam_pos", cam_pos)
        inner._bind_and_draw_primitive(
            primitive=primitive, pose=pose, program=program, flags=depth_only
        )
        inner._reset_active_textures()
        return program

    def shadow_mapping_pass(inner, scene, light_node, flags) -> None:
        inner._configure_shadow_mapping_viewport(light_node.light, flags)
        V, P = inner._get_light_cam_matrices(scene, light_node, flags)
        cam_pos = scene.get_pose(scene.main_camera_node)[:3, 3]
        program = None
        for node in inner._sorted_mesh_nodes(scene):
            mesh = node.mesh
            if not mesh.is_visible:
                continue
            if mesh not in casters:
                casters[mesh] = _caster(mesh)
            caster = casters[mesh]
            if caster is not None and not caster._in_context():
                caster._add_to_context()
            pose = scene.get_pose(node)
            for primitive in mesh.primitives if caster is None else (caster,):
                program = draw(inner, primitive, pose, V, P, cam_pos, flags)
        if program is not None:
            program._unbind()
        GL.glFlush()

    return shadow_mapping_pass


def _max_n_lights(inner, flags) -> list[int]:
    """Shader array sizes (directional, spot, point): one sun, :data:`MAX_SPOTS` headlights,
    :data:`MAX_POINTS` street lamps, whatever the flags (pyrender's own spreads the texture
    units over the shadowed types; one fixed set keeps one compiled program per flag set)."""
    return [1, MAX_SPOTS, MAX_POINTS]


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


def _remember_values(program_class, values: dict) -> None:
    """Make ``program_class.set_uniform`` (pyrender's ``ShaderProgram``) skip a call that
    would give a uniform the value it already holds: ``values`` is {(program, name): the
    last value set}, emptied with the location cache."""
    set_uniform = program_class.set_uniform

    @functools.wraps(set_uniform)
    def remembered(self, name, value, unsigned=False):
        if isinstance(value, np.ndarray):
            held = (value.dtype.str, value.shape, value.tobytes(), unsigned)
        elif isinstance(value, (bool, int, float)):
            held = (type(value), repr(value), unsigned)  # (repr: -0.0 is not 0.0)
        else:  # pyrender refuses it: no value to remember
            return set_uniform(self, name, value, unsigned)
        key = (int(self._program_id), name)
        if values.get(key) == held:
            return None
        values[key] = held
        return set_uniform(self, name, value, unsigned)

    program_class.set_uniform = remembered


def cache_uniform_locations(module):
    """Make pyrender's ``ShaderProgram.set_uniform`` look each uniform's location up once per
    program instead of on every call (~950 calls per cut_in frame, each a round trip through
    PyOpenGL and the driver), and skip a call that would set the value a uniform already
    holds: ``module`` is ``pyrender.shader_program``, whose ``glGetUniformLocation`` is
    replaced by a cached one, whose ``ShaderProgram`` (where the module has one) remembers
    the last value set per program and name (:func:`_remember_values`), and whose
    ``glDeleteProgram`` forgets a deleted program's entries (GL reuses program names).

    Both are exact: locations are fixed once a program is linked, and a program keeps its
    uniforms' values until they are set again (pyrender sets them only through
    ``set_uniform``, with the program bound). The camera's V, P and position are the same for
    every primitive of a pass, M for every part of a mesh, and the materials repeat: ~270 of
    a cut_in frame's ~950 calls reach GL (tests/render/test_uniform_cache.py).

    Returns the function that empties both caches: a new GL context (the process's renderer
    made again, or made in a forked worker) numbers its programs afresh. Done once per
    module; a second call returns the first call's function."""
    done = getattr(module, "_sim_forget_uniforms", None)
    if done is not None:
        return done
    locate = module.glGetUniformLocation
    delete = module.glDeleteProgram
    cache: dict[tuple[int, object], int] = {}
    values: dict[tuple[int, object], tuple] = {}

    def glGetUniformLocation(program, name):
        key = (int(program), name)
        location = cache.get(key)
        if location is None:
            location = cache[key] = locate(program, name)
        return location

    def glDeleteProgram(program):
        for table in (cache, values):
            for key in [key for key in table if key[0] == int(program)]:
                del table[key]
        delete(program)

    def forget() -> None:
        cache.clear()
        values.clear()

    module.glGetUniformLocation = glGetUniformLocation
    module.glDeleteProgram = glDeleteProgram
    if hasattr(module, "ShaderProgram"):
        _remember_values(module.ShaderProgram, values)
    module._sim_forget_uniforms = forget
    return forget
