"""Which EGL device the process's OpenGL context is made on (headless rendering).

``SIM_EGL_DEVICE`` (environment, read when the context is made; worker processes inherit
it) chooses:

- ``auto`` (unset): the first device that is a real GPU -- one whose ``GL_RENDERER`` is not
  a software rasterizer (llvmpipe, softpipe, swrast) -- else the first device (on a machine
  without a GPU: Mesa's llvmpipe);
- ``cpu``: the first software device (Mesa's llvmpipe), even where a GPU is present;
- ``<index>``: that device of ``eglQueryDevicesEXT``'s list (0-based; an index past the end
  is refused).

pyrender's own ``EGL_DEVICE_ID`` is taken as ``<index>`` when ``SIM_EGL_DEVICE`` is unset.
Devices are listed through ``EGL_EXT_device_enumeration``; a device that names
``EGL_MESA_device_software`` among its extensions is software without a look at its
renderer, any other is opened (a throw-away context, ~0.1-0.8 s) to read its
``GL_RENDERER`` -- only when there is more than one device and the policy needs it.

:func:`choose_device` is the policy itself, a pure function of the renderer strings; the
listing and probing of devices (``list_devices``, ``probe_renderer``, ``select``) live in
sim/render/backend.py, the one module that imports pyrender.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sim.errors import RenderError

ENV = "SIM_EGL_DEVICE"
SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast", "software rasterizer")
"""Substrings of a ``GL_RENDERER`` that mean a CPU rasterizer (case-insensitive)."""
_EGL_EXTENSIONS = 0x3055
SOFTWARE_EXTENSION = "EGL_MESA_device_software"


def is_software(renderer: str) -> bool:
    """Whether ``renderer`` (a ``GL_RENDERER`` string) is a CPU rasterizer."""
    text = renderer.lower()
    return any(name in text for name in SOFTWARE_RENDERERS)


def parse_policy(text: str | None) -> str | int:
    """``auto`` | ``cpu`` | a device index from the text of ``SIM_EGL_DEVICE``."""
    value = (text or "auto").strip().lower()
    if value in ("auto", "cpu", ""):
        return value or "auto"
    try:
        index = int(value)
    except ValueError:
        index = -1
    if index < 0:
        raise RenderError(
            f"{ENV}={text!r}: expected auto, cpu or a device index (0, 1, ...); see "
            "docs/throughput.md"
        )
    return index


def policy_from_env() -> str | int:
    """The policy of this process: ``SIM_EGL_DEVICE``, else pyrender's ``EGL_DEVICE_ID``,
    else ``auto``."""
    if os.environ.get(ENV, "").strip():
        return parse_policy(os.environ[ENV])
    if os.environ.get("EGL_DEVICE_ID", "").strip():
        return parse_policy(os.environ["EGL_DEVICE_ID"])
    return "auto"


def choose_device(
    renderers: Sequence[str] | Callable[[int], str], count: int | None = None, policy="auto"
) -> int | None:
    """Index of the device to render on, or None (no devices: EGL's default display).

    ``renderers``: each device's ``GL_RENDERER`` in enumeration order, or a function of the
    index giving it (called lazily, in order, only as far as the policy needs; ``count``
    devices). ``policy``: ``auto`` (first non-software device, else 0), ``cpu`` (first
    software device, else 0) or an index (RenderError past the end)."""
    if callable(renderers):
        if count is None:
            raise ValueError("count is needed with a renderer function")
        get = renderers
    else:
        count = len(renderers)
        get = renderers.__getitem__
    if isinstance(policy, int):
        if policy >= count:
            raise RenderError(
                f"{ENV}={policy}: there {'is' if count == 1 else 'are'} only {count} EGL "
                f"device{'' if count == 1 else 's'} (0..{count - 1})"
            )
        return policy
    if count == 0:
        return None
    if count == 1:
        return 0
    want_software = policy == "cpu"
    for i in range(count):
        if is_software(get(i)) == want_software:
            return i
    return 0


@dataclass(frozen=True)
class EglDevice:
    """One device of ``eglQueryDevicesEXT``: its index, DRM device file (None for Mesa's
    software device), extension string and the pyrender handle."""

    index: int
    drm_file: str | None
    extensions: str
    handle: object

    @property
    def software(self) -> bool:
        return SOFTWARE_EXTENSION in self.extensions.split()
