"""How much memory an episode will need, checked before any work starts.

An 8192x8192 camera renders (one frame takes ~12 GB) and a 1e-9 s step allocates
trajectories of hundreds of GiB: the kernel then kills the process mid-episode, after
minutes of work and with no useful message. :func:`estimate` adds up the two big terms,

* trajectories: steps x road users x bytes per agent-step (the recorded arrays of
  ``sim.traffic.world.simulate``, twice: tracks.csv and the labels read copies), and
* frames: per camera, pixels x bytes per pixel at the peak of one frame (renderer, label
  buffers, effects), plus the frames queued for the writer threads,

and :func:`check_resources` compares the sum with the memory the machine has available
(``MemAvailable`` of /proc/meminfo; a cgroup limit if lower), refusing with
:class:`~sim.errors.ResourceError` (exit 4) and the estimate. The per-pixel costs were
measured (docs/reliability.md, "What sim reads, and its limits"). ``SIM_SKIP_RESOURCE_CHECK=1``
skips the check (you know better: swap, a machine about to free memory).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sim.errors import ResourceError

GIB = 1 << 30
TRAJ_BYTES_PER_AGENT_STEP = 86
"""x, y, yaw, v, a, steer, s, d, gap float64; lane, road, leader int32; collided, active bool."""
TRAJ_COPIES = 2.0
"""The recorded arrays, plus the per-frame and tracks.csv copies made from them."""
PEAK_BYTES_PER_PIXEL = 180.0
"""One frame at its peak: the GL framebuffers, float depth, the label passes' temporaries.
Measured (``sim run scenarios/cut_in.yaml``, peak RSS by /usr/bin/time -v): 640x360 412 MiB,
1280x720 528 MiB, 2560x1440 1007 MiB, 3840x2160 1743 MiB: 168-181 bytes per pixel; the
issue's 8192x8192 frame took 11.7 GB (174 bytes/px)."""
QUEUED_BYTES_PER_PIXEL = 10.0
"""A frame waiting for its writer: rgb (3) + depth uint16 (2) + semantic (1) + instance (2)
+ slack. (Measured: 20 frames peak within 1 MiB of 1 frame at every size, the writers keep
up; the term is there for slow disks.)"""
PENDING_FRAMES = 6 + 2
"""``sim.dataset.episode.MAX_PENDING_FRAMES`` queued + the writer threads' frames in hand."""
BASE_BYTES = 400 << 20
"""Python, numba, the renderer and the asset meshes: the measurements' intercept, ~380 MiB."""
SKIP_ENV = "SIM_SKIP_RESOURCE_CHECK"


@dataclass(frozen=True)
class Estimate:
    """Bytes an episode needs, by term; ``largest_camera`` names the camera that costs most."""

    trajectories: float
    frames: float
    base: float
    largest_camera: str
    largest_size: tuple[int, int]

    @property
    def total(self) -> float:
        return self.trajectories + self.frames + self.base


def estimate(resolved, workers: int = 1) -> Estimate:
    """The memory one episode of the resolved scenario needs (times ``workers`` running at
    once, as ``generate`` does). Works on a resolved spec: every number fixed."""
    steps = int(round(float(resolved.duration) / float(resolved.step))) + 1
    agents = 1 + len(resolved.actors)
    traj = steps * agents * TRAJ_BYTES_PER_AGENT_STEP * TRAJ_COPIES
    largest, size, biggest = "", (0, 0), 0
    for cam in resolved.sensors.cameras:
        pixels = int(cam.width) * int(cam.height)
        if pixels > biggest:
            biggest, largest, size = pixels, cam.name, (int(cam.width), int(cam.height))
    # cameras render one at a time; the queue may hold frames of the largest only
    frames = biggest * (PEAK_BYTES_PER_PIXEL + QUEUED_BYTES_PER_PIXEL * PENDING_FRAMES)
    n = max(1, int(workers))
    return Estimate(traj * n, frames * n, float(BASE_BYTES) * n, largest, size)


def available_bytes() -> float | None:
    """Memory the machine can give now: MemAvailable, or the cgroup's headroom if lower;
    None where neither can be read (then nothing is refused)."""
    found: list[float] = []
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    found.append(float(line.split()[1]) * 1024)
                    break
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as fh:
            limit = fh.read().strip()
        if limit != "max":
            with open("/sys/fs/cgroup/memory.current", encoding="ascii") as fh:
                used = float(fh.read().strip())
            found.append(max(0.0, float(limit) - used))
    except (OSError, ValueError):
        pass
    return min(found) if found else None


def address_space_left() -> float | None:
    """Bytes this process may still map under ``ulimit -v`` (RLIMIT_AS), None if unlimited.
    Each worker process has its own limit, so this is compared with one episode's need."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY:
            return None
        with open("/proc/self/status", encoding="ascii") as fh:
            size = next(
                (float(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:")), 0.0
            )
        return max(0.0, float(soft) - size)
    except (ImportError, OSError, ValueError):
        return None


def _gib(n: float) -> str:
    return f"{n / GIB:.1f} GiB"


def check_resources(resolved, workers: int = 1, available: float | None = None) -> Estimate:
    """Refuse (ResourceError, exit 4) when the estimate exceeds the available memory.

    ``available`` [bytes] defaults to :func:`available_bytes`. Returns the estimate.
    """
    est = estimate(resolved, workers)
    if os.environ.get(SKIP_ENV, "").strip().lower() in ("1", "true", "yes"):
        return est
    free = available_bytes() if available is None else available
    if free is not None and est.total > free:
        _refuse(resolved, est, workers, free, "available")
    if available is None:
        left = address_space_left()  # what is mapped already includes the base
        one = estimate(resolved, 1)
        if left is not None and one.total - one.base > left:
            _refuse(resolved, one, 1, left + one.base, "under this process's ulimit -v")
    return est


def _refuse(resolved, est: Estimate, workers: int, free: float, what: str) -> None:
    w, h = est.largest_size
    per = f" for {workers} workers at once" if workers > 1 else ""
    raise ResourceError(
        f"{resolved.name}: needs about {_gib(est.total)}{per} (trajectories "
        f"{_gib(est.trajectories)}, frames {_gib(est.frames)} for camera {est.largest_camera} "
        f"{w}x{h}, base {_gib(est.base)}), {_gib(free)} {what}; lower the resolution or the "
        f"duration, use a larger step or fewer workers (or set {SKIP_ENV}=1)"
    )


__all__ = ["Estimate", "address_space_left", "available_bytes", "check_resources", "estimate"]
