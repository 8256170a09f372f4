"""EGL device selection (sim/render/egl_device.py) and the GL strings in meta.json.

- the policy (``SIM_EGL_DEVICE``: auto | cpu | index) on lists of renderer strings: auto
  takes the first real GPU, else the first device; cpu the first software one; an index
  past the end is refused; the renderer of a device is looked up only as far as needed;
- on this machine's real EGL: the enumeration lists the Mesa device(s), and the context
  ``auto`` makes is llvmpipe where no device is a GPU (a GPU's renderer where one is);
- ``bench frame``'s first line names the device and renderer; an episode's meta.json
  records GL_RENDERER, GL_VENDOR, GL_VERSION and the device.
"""

from __future__ import annotations

import json

import pytest

from sim.errors import RenderError
from sim.render.egl_device import choose_device, is_software, parse_policy, policy_from_env

LLVMPIPE = "llvmpipe (LLVM 15.0.6, 256 bits)"
H200 = "NVIDIA H200/PCIe/SSE2"
A100 = "NVIDIA A100-SXM4-80GB/PCIe/SSE2"


def test_software_renderers_are_recognised():
    assert is_software(LLVMPIPE)
    assert is_software("softpipe")
    assert is_software("Mesa X11 swrast")
    assert is_software("Software Rasterizer")
    assert not is_software(H200)
    assert not is_software("AMD Radeon RX 7900 XTX (radeonsi, navi31, LLVM 15.0.6)")
    assert not is_software("Mesa Intel(R) UHD Graphics 630 (CFL GT2)")


@pytest.mark.parametrize(
    ("renderers", "policy", "chosen"),
    [
        ([LLVMPIPE], "auto", 0),
        ([LLVMPIPE, H200], "auto", 1),  # NVIDIA's EGL lists the GPUs, Mesa's llvmpipe too
        ([H200, A100, LLVMPIPE], "auto", 0),
        ([LLVMPIPE, "softpipe", A100, H200], "auto", 2),
        ([LLVMPIPE, "softpipe"], "auto", 0),  # no GPU: the first device
        ([H200, LLVMPIPE], "cpu", 1),
        ([H200, A100], "cpu", 0),  # no software device: the first
        ([H200], "cpu", 0),
        ([LLVMPIPE, H200, A100], 2, 2),
        ([LLVMPIPE, H200], 0, 0),  # an index is taken as it is, GPU or not
        ([], "auto", None),  # nothing enumerated: EGL's default display
        ([], "cpu", None),
    ],
)
def test_choose_device(renderers, policy, chosen):
    assert choose_device(renderers, policy=policy) == chosen


def test_an_index_past_the_end_is_refused():
    with pytest.raises(RenderError, match="only 2 EGL devices"):
        choose_device([LLVMPIPE, H200], policy=2)
    with pytest.raises(RenderError, match="only 0 EGL devices"):
        choose_device([], policy=0)


def test_renderers_are_looked_up_lazily_and_only_where_needed():
    names = [LLVMPIPE, H200, A100]
    asked: list[int] = []

    def renderer(i: int) -> str:
        asked.append(i)
        return names[i]

    assert choose_device(renderer, 3, "auto") == 1 and asked == [0, 1]
    asked.clear()
    assert choose_device(renderer, 1, "auto") == 0 and asked == []  # one device: no probe
    assert choose_device(renderer, 3, 2) == 2 and asked == []
    with pytest.raises(ValueError):
        choose_device(renderer, policy="auto")


def test_policy_text(monkeypatch):
    assert parse_policy(None) == "auto"
    assert parse_policy(" CPU ") == "cpu"
    assert parse_policy("1") == 1
    for bad in ("-1", "gpu", "1.5"):
        with pytest.raises(RenderError, match="SIM_EGL_DEVICE"):
            parse_policy(bad)
    monkeypatch.delenv("SIM_EGL_DEVICE", raising=False)
    monkeypatch.delenv("EGL_DEVICE_ID", raising=False)
    assert policy_from_env() == "auto"
    monkeypatch.setenv("EGL_DEVICE_ID", "3")  # pyrender's own variable, when ours is unset
    assert policy_from_env() == 3
    monkeypatch.setenv("SIM_EGL_DEVICE", "cpu")
    assert policy_from_env() == "cpu"


def test_real_egl_enumerates_and_auto_picks_a_gpu_only_where_there_is_one():
    from sim.render.backend import list_devices, open_context, probe_renderer, select

    devices = list_devices()
    assert devices, "EGL lists no device (Mesa's software device is always there)"
    assert [d.index for d in devices] == list(range(len(devices)))
    chosen, listed = select("auto")
    assert len(listed) == len(devices) and chosen is not None
    gpus = [d for d in devices if not d.software and not is_software(probe_renderer(d))]
    info = open_context()  # the process's context, made through the same policy
    assert info["gl_renderer"] and info["gl_vendor"] and info["gl_version"]
    if gpus:
        assert chosen.index == gpus[0].index and not is_software(info["gl_renderer"])
    else:  # this machine: llvmpipe
        assert chosen.index == 0
        assert is_software(info["gl_renderer"]), info
    assert info["egl_device"].split()[0] == str(chosen.index)


def test_bench_frame_names_its_device_first():
    from sim.bench.frame import device_line
    from sim.render.backend import gl_info

    line = device_line()
    assert line.startswith("GL device: ")
    assert gl_info()["gl_renderer"] in line and "policy auto" in line


def test_meta_json_records_the_gl_context(tmp_path):
    """One short episode; its meta.json holds this machine's GL strings (the episode's
    same-seed-same-bytes check, meta.json included, is tests/dataset/test_episode.py's)."""
    from sim.render.backend import open_context

    from helpers.episodes import run_sim

    out = tmp_path / "ep"
    args = ["--set", "duration=0.2", "--set", "sensors.cameras.0.width=160"]
    args += ["--set", "sensors.cameras.0.height=96", "--set", "outputs.formats=[native]"]
    proc = run_sim("run", "scenarios/cut_in.yaml", "--out", str(out), "--quiet", *args)
    assert proc.returncode == 0, proc.stderr
    renderer = json.loads((out / "meta.json").read_text())["renderer"]
    here = open_context()  # this process chose the same way on the same machine
    for key in ("gl_renderer", "gl_vendor", "gl_version", "egl_device"):
        assert renderer[key] and renderer[key] == here[key], key
