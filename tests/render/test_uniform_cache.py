"""The uniform caches (sim.render.gl_patches.cache_uniform_locations): pyrender asks the
driver for a uniform's location on every ``set_uniform``; sim asks once per program. And
pyrender sets every uniform again for each primitive; sim skips a call that would set the
value the uniform already holds. The frames must not change, a deleted program's names must
be forgotten (GL reuses them), and a new context must start from empty caches."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import numpy as np

from sim.render.gl_patches import cache_uniform_locations

from helpers.paths import REPO


def _fake_gl(with_programs: bool = False):
    """A stand-in for pyrender.shader_program's two GL names: locations that change when a
    program name is deleted and made again (as a relinked program's may); with
    ``with_programs``, also its ShaderProgram, whose ``set_uniform`` calls are recorded."""
    calls: list[tuple] = []
    generation = {3: 0, 4: 0}

    def locate(program, name):
        calls.append((program, name))
        return 10 * generation[program] + len(name)

    def delete(program):
        generation[program] += 1

    module = types.SimpleNamespace(glGetUniformLocation=locate, glDeleteProgram=delete)
    if with_programs:

        class ShaderProgram:
            def __init__(self, program_id):
                self._program_id = program_id

            def set_uniform(self, name, value, unsigned=False):
                calls.append(("set", self._program_id, name, value, unsigned))

        module.ShaderProgram = ShaderProgram
    return module, calls


def test_locations_are_asked_once_per_program_and_forgotten_when_it_is_deleted():
    module, calls = _fake_gl()
    forget = cache_uniform_locations(module)
    assert module.glGetUniformLocation(3, "abc") == 3
    assert module.glGetUniformLocation(3, "abc") == 3
    assert module.glGetUniformLocation(4, "abc") == 3
    assert calls == [(3, "abc"), (4, "abc")]
    module.glDeleteProgram(3)  # program 3 is gone: its name may come back with new locations
    assert module.glGetUniformLocation(3, "abc") == 13
    assert module.glGetUniformLocation(4, "abc") == 3  # program 4 is untouched
    assert calls == [(3, "abc"), (4, "abc"), (3, "abc")]
    forget()  # a new context: every location is asked again
    module.glGetUniformLocation(4, "abc")
    assert calls[-1] == (4, "abc") and len(calls) == 4
    assert cache_uniform_locations(module) == forget  # patched once, whatever the calls


def test_a_value_a_uniform_holds_is_not_set_again_until_the_program_is_deleted():
    module, calls = _fake_gl(with_programs=True)
    forget = cache_uniform_locations(module)
    a, b = module.ShaderProgram(3), module.ShaderProgram(4)
    M = np.eye(4)

    def sets():
        return [c[1:] for c in calls if c[0] == "set"]

    a.set_uniform("M", M)
    a.set_uniform("M", M.copy())  # the same value: skipped
    b.set_uniform("M", M)  # another program holds its own
    a.set_uniform("M", 2 * M)
    a.set_uniform("M", M)  # changed back: set again
    assert [(p, n) for p, n, *_ in sets()] == [(3, "M"), (4, "M"), (3, "M"), (3, "M")]
    calls.clear()
    a.set_uniform("f", 0.0)
    a.set_uniform("f", -0.0)  # equal as numbers, not as bits: set
    a.set_uniform("f", 0)  # an int is another GL call (glUniform1i): set
    a.set_uniform("f", 0)
    a.set_uniform("u", 1)
    a.set_uniform("u", 1, unsigned=True)  # glUniform1ui: set
    a.set_uniform("v", np.array([1.0, 2.0], np.float32))
    a.set_uniform("v", np.array([1.0, 2.0], np.float64))  # another dtype: set
    a.set_uniform("bad", [1.0, 2.0])  # a list (pyrender refuses it): passed on, not remembered
    a.set_uniform("bad", [1.0, 2.0])
    assert [n for _, n, *_ in sets()] == ["f", "f", "f", "u", "u", "v", "v", "bad", "bad"]
    calls.clear()
    module.glDeleteProgram(3)  # its name may come back as a new program: nothing is held
    a.set_uniform("f", 0)
    b.set_uniform("M", M)  # program 4 still holds M
    forget()  # a new context: nothing is held anywhere
    b.set_uniform("M", M)
    assert [(p, n) for p, n, *_ in sets()] == [(3, "f"), (4, "M")]


_SCRIPT = """
import hashlib, json, sys
import numpy as np
import pyrender.shader_program as sp

driver = sp.glGetUniformLocation
asked = []
def counted(program, name):
    asked.append(name)
    return driver(program, name)
sp.glGetUniformLocation = counted  # under sim's cache, which wraps whatever is there
own_set = sp.ShaderProgram.set_uniform
reached = []
def counted_set(self, name, value, unsigned=False):
    reached.append(name)
    return own_set(self, name, value, unsigned)
sp.ShaderProgram.set_uniform = counted_set  # likewise under sim's remembered values

from sim.render.backend import ColorRenderer
from sim.render.camera import CameraModel, mount_transform
from sim.render.lights import PointSpec, SpotSpec

cam = CameraModel("c", 96, 64, 60.0, 60.0, 47.5, 31.5, mount_transform(0, 0, 1.2, 0, 0, 0))
ground_v = np.array([[-50.0, -50, 0], [50, -50, 0], [50, 50, 0], [-50, 50, 0]])
ground_f = np.array([[0, 1, 2], [0, 2, 3]])
box_v = np.array([[x, y, z] for x in (8, 12) for y in (-1, 1) for z in (0, 1.5)], float)
box_f = np.array([[0,1,3],[0,3,2],[4,6,7],[4,7,5],[0,4,5],[0,5,1],
                  [2,3,7],[2,7,6],[0,2,6],[0,6,4],[1,5,7],[1,7,3]])

def frames():
    out = []
    with ColorRenderer(ambient=0.3) as r:
        r.add_static(ground_v, ground_f, np.array([[120, 120, 120, 255]] * 2, np.uint8))
        r.add_static(box_v, box_f, np.array([[200, 50, 40, 255]] * 12, np.uint8))
        r.set_sun(np.array([-0.5, 0.3, 0.8]), (1.0, 1.0, 1.0), 3.0, shadows=True)
        r.set_lights(
            [SpotSpec((5.0, 1.0, 0.8), (1.0, 0.0, 0.0), (1.0, 1.0, 0.9), 40.0, 0.2, 0.4)],
            [PointSpec((10.0, -4.0, 6.0), (1.0, 0.8, 0.6), 60.0)],
        )
        for k in range(3):
            before, set_before = len(asked), len(reached)
            pose = cam.T_ego_cam.copy()
            pose[0, 3] += 0.5 * (k > 0)  # the last two views: the camera moved (V changes)
            rgba = r.render_rgba(cam, pose)
            sha = hashlib.sha256(rgba.tobytes()).hexdigest()
            out.append((sha, len(asked) - before, len(reached) - set_before))
    return out

cached = frames()
sp.glGetUniformLocation = counted  # the caches taken away: pyrender asks every time again
sp.ShaderProgram.set_uniform = counted_set  # and sets every value again
uncached = frames()
print(json.dumps({"cached": cached, "uncached": uncached}))
"""


def test_cached_locations_draw_the_same_frames_and_ask_the_driver_once():
    """A shadowed, lamp-lit scene drawn three times with the caches and three times without:
    identical frames; with them, the second and third frames ask the driver for no location
    (without, every frame asks again); when the camera has moved, fewer than half the
    uniform values are set again (the new V and camera position once per program and pass),
    and none for the same view again. In a child process, so that the driver's functions can
    be wrapped before sim's caches go on top of them."""
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, cwd=REPO, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    cached, uncached = result["cached"], result["uncached"]
    assert [sha for sha, *_ in cached] == [sha for sha, *_ in uncached]
    assert cached[0][1] > 0  # the first frame links the programs and looks their names up
    assert cached[1][1] == 0 and cached[2][1] == 0
    assert all(asked >= cached[0][1] for _, asked, _ in uncached)
    assert len({n for *_, n in uncached}) == 1  # pyrender sets the same uniforms each frame
    assert cached[0][2] < uncached[0][2]  # within the first frame, the passes repeat values
    assert 0 < cached[1][2] < uncached[1][2] / 2  # the moved camera: V, cam_pos, the sun's box
    assert cached[2][2] == 0  # the same view again: every uniform holds its value already
    assert cached[1][0] != cached[0][0] and cached[2][0] == cached[1][0]
