"""The uniform-location cache (sim.render.gl_patches.cache_uniform_locations): pyrender asks
the driver for a uniform's location on every ``set_uniform``; sim asks once per program.
The frames must not change, a deleted program's names must be forgotten (GL reuses them),
and a new context must start from an empty cache."""

from __future__ import annotations

import json
import subprocess
import sys
import types

from sim.render.gl_patches import cache_uniform_locations

from helpers.paths import REPO


def _fake_gl():
    """A stand-in for pyrender.shader_program's two GL names: locations that change when a
    program name is deleted and made again (as a relinked program's may)."""
    calls: list[tuple[int, str]] = []
    generation = {3: 0, 4: 0}

    def locate(program, name):
        calls.append((program, name))
        return 10 * generation[program] + len(name)

    def delete(program):
        generation[program] += 1

    return types.SimpleNamespace(glGetUniformLocation=locate, glDeleteProgram=delete), calls


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
        for _ in range(3):
            before = len(asked)
            rgba = r.render_rgba(cam, cam.T_ego_cam)
            out.append((hashlib.sha256(rgba.tobytes()).hexdigest(), len(asked) - before))
    return out

cached = frames()
sp.glGetUniformLocation = counted  # the cache taken away: pyrender asks every time again
uncached = frames()
print(json.dumps({"cached": cached, "uncached": uncached}))
"""


def test_cached_locations_draw_the_same_frames_and_ask_the_driver_once():
    """A shadowed, lamp-lit scene drawn three times with the cache and three times without:
    identical frames; with it, the second and third frames ask the driver for no location
    (without it, every frame asks again). In a child process, so that the
    driver's function can be wrapped before sim's cache goes on top of it."""
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, cwd=REPO, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    cached, uncached = result["cached"], result["uncached"]
    assert [sha for sha, _ in cached] == [sha for sha, _ in uncached]
    assert cached[0][1] > 0  # the first frame links the programs and looks their names up
    assert cached[1][1] == 0 and cached[2][1] == 0
    assert all(asked >= cached[0][1] for _, asked in uncached)
