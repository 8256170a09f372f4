"""Image statistics of an episode or dataset (``python -m sim stats DIR``): how much of a
frame is flat, how its edges are distributed, its luminance and saturation, and what its
pixels show, so that datasets can be compared with each other and with real footage.

Every image statistic is taken on the frame resized to :data:`STATS_SIZE` (640x360) with
``cv2.INTER_AREA`` and converted to grey levels (``cv2.COLOR_RGB2GRAY``, uint8), so that
frames of any size compare:

- **flat-block fraction**: the share of the 8x8 blocks whose grey-level standard deviation
  is below 1 (issue 15: ~0.15 in real dashcam frames);
- **horizontal-gradient kurtosis**: Pearson kurtosis (a normal distribution gives 3) of the
  differences of horizontally adjacent grey levels (real frames: ~28);
- **luminance / saturation histograms**: grey level and HSV saturation (0..255);
- **class pixel shares** from the semantic buffer (full size), and where the flat blocks
  are: by the semantic class holding most of a block's pixels, and by the block's median
  depth.

Reads only the files of the output contract (manifest.json, meta.json, frames/<cam>/...),
found through the manifests; writes nothing into the folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from sim.classes import BY_ID
from sim.dataset.io import read_png
from sim.errors import OutputError

STATS_SIZE = (640, 360)
"""(width, height) every frame is resized to before its statistics are taken."""
BLOCK = 8
"""Side of the square blocks of the flat-block fraction [px at STATS_SIZE]."""
FLAT_STD = 1.0
"""A block is flat when its grey-level standard deviation is below this."""
DEPTH_BANDS = (("sky/none", 0.0), ("<10 m", 10.0), ("10-30 m", 30.0), ("30-60 m", 60.0))
"""Depth bands of the blocks (label, upper bound [m]); blocks beyond the last are ">=60 m";
a block whose median depth is 0 (nothing hit: sky) is "sky/none"."""
DEPTH_LABELS = (*(name for name, _ in DEPTH_BANDS), ">=60 m")

_RGB_PATH = re.compile(r"^frames/([^/]+)/rgb/(\d+)\.png$")


# ---------------------------------------------------------------- metrics (one image)


def grey_levels(rgb: np.ndarray, size: tuple[int, int] = STATS_SIZE) -> np.ndarray:
    """(H, W) uint8 grey levels of an RGB (or grey) uint8 image resized to ``size`` (W, H)
    with ``cv2.INTER_AREA``."""
    image = np.ascontiguousarray(rgb)
    if image.shape[1] != size[0] or image.shape[0] != size[1]:
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return image


def block_std(grey: np.ndarray, block: int = BLOCK) -> np.ndarray:
    """(rows, cols) standard deviation of each ``block`` x ``block`` block of ``grey``
    (a partial block at the right or bottom edge is left out)."""
    rows, cols = grey.shape[0] // block, grey.shape[1] // block
    blocks = grey[: rows * block, : cols * block].astype(np.float64)
    blocks = blocks.reshape(rows, block, cols, block).swapaxes(1, 2)
    return blocks.reshape(rows, cols, block * block).std(axis=-1)


def flat_block_map(rgb: np.ndarray) -> np.ndarray:
    """(45, 80) bool: which 8x8 blocks of the frame at 640x360 are flat (std < 1)."""
    return block_std(grey_levels(rgb)) < FLAT_STD


def flat_block_fraction(rgb: np.ndarray) -> float:
    """Share of the 8x8 blocks of the frame (resized to 640x360, grey) with std < 1."""
    return float(flat_block_map(rgb).mean())


def kurtosis(values: np.ndarray) -> float:
    """Pearson kurtosis E[(x - mean)^4] / var^2 (normal: 3, uniform: 1.8, Laplace: 6);
    NaN when the values are constant."""
    x = np.asarray(values, dtype=np.float64).ravel()
    d = x - x.mean()
    var = float(np.mean(d * d))
    if var == 0.0:
        return float("nan")
    return float(np.mean(d**4) / (var * var))


def horizontal_gradient_kurtosis(rgb: np.ndarray) -> float:
    """Kurtosis of the horizontal differences of grey levels of the frame at 640x360."""
    grey = grey_levels(rgb).astype(np.int16)
    return kurtosis(np.diff(grey, axis=1))


def luminance_histogram(rgb: np.ndarray) -> np.ndarray:
    """(256,) int64 counts of grey levels of the frame at 640x360."""
    return np.bincount(grey_levels(rgb).ravel(), minlength=256).astype(np.int64)


def saturation_histogram(rgb: np.ndarray) -> np.ndarray:
    """(256,) int64 counts of HSV saturation (OpenCV, 0..255) of the frame at 640x360."""
    small = cv2.resize(np.ascontiguousarray(rgb), STATS_SIZE, interpolation=cv2.INTER_AREA)
    sat = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)[..., 1]
    return np.bincount(sat.ravel(), minlength=256).astype(np.int64)


def _blocks_of(image: np.ndarray, block: int = BLOCK) -> np.ndarray:
    """(rows, cols, block*block) pixels of each block of an image at STATS_SIZE."""
    if image.shape[1] != STATS_SIZE[0] or image.shape[0] != STATS_SIZE[1]:
        image = cv2.resize(image, STATS_SIZE, interpolation=cv2.INTER_NEAREST)
    rows, cols = image.shape[0] // block, image.shape[1] // block
    b = image[: rows * block, : cols * block].reshape(rows, block, cols, block).swapaxes(1, 2)
    return b.reshape(rows, cols, block * block)


def block_majority_class(semantic: np.ndarray) -> np.ndarray:
    """(45, 80) uint8: the class id holding most pixels of each 8x8 block (semantic buffer
    resized to 640x360 with nearest neighbour; ties go to the lower id)."""
    blocks = _blocks_of(semantic).astype(np.int64)
    ids = np.unique(blocks)
    counts = np.stack([(blocks == i).sum(axis=-1) for i in ids], axis=-1)
    return ids[np.argmax(counts, axis=-1)].astype(np.uint8)


def block_depth_band(depth_mm: np.ndarray) -> np.ndarray:
    """(45, 80) int: index into :data:`DEPTH_LABELS` of each block's median depth."""
    median_m = np.median(_blocks_of(depth_mm).astype(np.float64), axis=-1) / 1000.0
    band = np.full(median_m.shape, len(DEPTH_BANDS), dtype=np.int64)
    for k in range(len(DEPTH_BANDS) - 1, 0, -1):
        band[median_m < DEPTH_BANDS[k][1]] = k
    band[median_m <= 0.0] = 0
    return band


# ---------------------------------------------------------------- frames of a folder


@dataclass(frozen=True)
class FrameRef:
    """One camera frame of an episode: its RGB file and, where written, its label buffers."""

    episode: Path
    scenario: str
    camera: str
    index: int
    rgb: Path
    semantic: Path | None
    depth: Path | None


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise OutputError(f"{path}: unreadable ({err})") from None
    if not isinstance(data, dict):
        raise OutputError(f"{path}: not a manifest sim wrote")
    return data


def _episode_frames(root: Path, manifest: dict) -> list[FrameRef]:
    listed = {f.get("path") for f in manifest.get("files", []) if isinstance(f, dict)}
    scenario = str(manifest.get("episode", root.name))
    meta_path = root / "meta.json"
    if meta_path.is_file():
        meta = _read_json(meta_path)
        scenario = str(meta.get("scenario", {}).get("name", scenario))
    frames = []
    for rel in sorted(p for p in listed if isinstance(p, str)):
        m = _RGB_PATH.match(rel)
        if m is None:
            continue
        cam, stem = m.group(1), m.group(2)
        sem = f"frames/{cam}/semantic/{stem}.png"
        dep = f"frames/{cam}/depth/{stem}.png"
        frames.append(
            FrameRef(
                root,
                scenario,
                cam,
                int(stem),
                root / rel,
                root / sem if sem in listed else None,
                root / dep if dep in listed else None,
            )
        )
    return frames


def find_frames(folder: Path) -> tuple[str, int, list[FrameRef]]:
    """(kind, episodes, frames) of an episode folder, a dataset folder (``generate``), or a
    folder whose subfolders are episodes; :class:`OutputError` for anything else."""
    root = Path(folder)
    if not root.exists():
        raise OutputError(f"{root}: no such folder")
    if not root.is_dir():
        raise OutputError(f"{root}: not a folder (give an episode or dataset folder)")
    manifest_path = root / "manifest.json"
    if manifest_path.is_file():
        manifest = _read_json(manifest_path)
        if "episode" in manifest and "files" in manifest:
            frames = _episode_frames(root, manifest)
            kind, n = "episode", 1
        elif {"episodes", "files"} <= set(manifest):
            frames, n = [], 0
            for ep in manifest["episodes"]:
                path = root / str(ep.get("path", ""))
                ep_manifest = path / "manifest.json"
                if not ep_manifest.is_file():
                    raise OutputError(f"{path}: episode listed in {manifest_path} is missing")
                frames += _episode_frames(path, _read_json(ep_manifest))
                n += 1
            kind = "dataset"
        else:
            raise OutputError(f"{manifest_path}: not a manifest sim wrote (episode or dataset)")
    else:
        subs = sorted(p for p in root.iterdir() if (p / "manifest.json").is_file())
        episodes = [(p, _read_json(p / "manifest.json")) for p in subs]
        episodes = [(p, m) for p, m in episodes if "episode" in m and "files" in m]
        if not episodes and (root / "plan.json").is_file():
            raise OutputError(f"{root}: a dataset still being made (no manifest.json yet)")
        if not episodes:
            raise OutputError(
                f"{root}: not an episode or dataset folder (no manifest.json; is the run complete?)"
            )
        frames = [f for p, m in episodes for f in _episode_frames(p, m)]
        kind, n = "folder of episodes", len(episodes)
    if not frames:
        raise OutputError(f"{root}: the {kind} holds no RGB frames")
    return kind, n, frames


def subsample(frames: list[FrameRef], max_frames: int | None) -> list[FrameRef]:
    """At most ``max_frames`` frames per (episode, camera), evenly spaced, first included."""
    if max_frames is None:
        return frames
    groups: dict[tuple[Path, str], list[FrameRef]] = {}
    for f in frames:
        groups.setdefault((f.episode, f.camera), []).append(f)
    out = []
    for group in groups.values():
        n = len(group)
        keep = sorted({int(k * n / max_frames) for k in range(min(n, max_frames))})
        out += [group[k] for k in keep]
    return out


# ---------------------------------------------------------------- statistics of many frames


@dataclass
class FrameStats:
    ref: FrameRef
    flat: float
    kurtosis: float


@dataclass
class Stats:
    """Everything ``sim stats`` measures over a set of frames (see :func:`measure`)."""

    root: Path
    kind: str
    episodes: int
    size: tuple[int, int] = (0, 0)
    frames: list[FrameStats] = field(default_factory=list)
    luminance: np.ndarray = field(default_factory=lambda: np.zeros(256, np.int64))
    saturation: np.ndarray = field(default_factory=lambda: np.zeros(256, np.int64))
    class_pixels: np.ndarray = field(default_factory=lambda: np.zeros(256, np.int64))
    class_blocks: np.ndarray = field(default_factory=lambda: np.zeros(256, np.int64))
    class_flat: np.ndarray = field(default_factory=lambda: np.zeros(256, np.int64))
    depth_blocks: np.ndarray = field(default_factory=lambda: np.zeros(len(DEPTH_LABELS), np.int64))
    depth_flat: np.ndarray = field(default_factory=lambda: np.zeros(len(DEPTH_LABELS), np.int64))

    def add(self, ref: FrameRef) -> None:
        try:
            rgb = read_png(ref.rgb)
            semantic = read_png(ref.semantic) if ref.semantic is not None else None
            depth = read_png(ref.depth) if ref.depth is not None else None
        except OSError as err:
            raise OutputError(
                f"{ref.episode}: frame {ref.index:06d} of {ref.camera!r}: {err}"
            ) from None
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise OutputError(f"{ref.rgb}: not an 8-bit RGB image")
        self.size = (rgb.shape[1], rgb.shape[0])
        flat = flat_block_map(rgb)
        self.frames.append(FrameStats(ref, float(flat.mean()), horizontal_gradient_kurtosis(rgb)))
        self.luminance += luminance_histogram(rgb)
        self.saturation += saturation_histogram(rgb)
        if semantic is not None and semantic.shape == rgb.shape[:2]:
            self.class_pixels += np.bincount(semantic.ravel(), minlength=256)[:256]
            major = block_majority_class(semantic)
            self.class_blocks += np.bincount(major.ravel(), minlength=256)[:256]
            self.class_flat += np.bincount(major[flat].ravel(), minlength=256)[:256]
        if depth is not None and depth.shape == rgb.shape[:2]:
            band = block_depth_band(depth)
            self.depth_blocks += np.bincount(band.ravel(), minlength=len(DEPTH_LABELS))
            self.depth_flat += np.bincount(band[flat].ravel(), minlength=len(DEPTH_LABELS))

    # ---- summaries

    def cameras(self) -> list[str]:
        return sorted({f.ref.camera for f in self.frames})

    def scenarios(self) -> list[str]:
        return sorted({f.ref.scenario for f in self.frames})

    def _values(self, what: str, camera=None, scenario=None) -> np.ndarray:
        return np.array(
            [
                getattr(f, what)
                for f in self.frames
                if (camera is None or f.ref.camera == camera)
                and (scenario is None or f.ref.scenario == scenario)
            ],
            dtype=np.float64,
        )

    def summary(self, what: str, camera=None, scenario=None) -> dict:
        v = self._values(what, camera, scenario)
        v = v[np.isfinite(v)]
        if v.size == 0:
            return {"median": None, "p10": None, "p90": None, "frames": 0}
        p10, p50, p90 = np.percentile(v, [10, 50, 90])
        return {"median": float(p50), "p10": float(p10), "p90": float(p90), "frames": int(v.size)}

    def class_shares(self) -> dict[str, float]:
        total = self.class_pixels.sum()
        if total == 0:
            return {}
        order = np.argsort(-self.class_pixels, kind="stable")
        return {_cls(i): float(self.class_pixels[i] / total) for i in order if self.class_pixels[i]}

    def flat_by_class(self) -> dict[str, dict]:
        """Per majority class of a block: its share of all blocks, the fraction of its blocks
        that are flat, and its share of all flat blocks (largest share first)."""
        return _breakdown([_cls(i) for i in range(256)], self.class_blocks, self.class_flat)

    def flat_by_depth(self) -> dict[str, dict]:
        return _breakdown(list(DEPTH_LABELS), self.depth_blocks, self.depth_flat)

    def to_dict(self) -> dict:
        def hist_stats(h: np.ndarray) -> dict:
            total = max(int(h.sum()), 1)
            cdf = np.cumsum(h) / total
            pct = {f"p{p}": int(np.searchsorted(cdf, p / 100)) for p in (5, 50, 95)}
            return {"mean": float((np.arange(256) * h).sum() / total), **pct}

        return {
            "root": str(self.root),
            "kind": self.kind,
            "episodes": self.episodes,
            "frames": len(self.frames),
            "frame_size": list(self.size),
            "stats_size": list(STATS_SIZE),
            "definitions": {
                "flat_block_fraction": "share of 8x8 blocks with grey std < 1, frame resized "
                "to 640x360 (cv2.INTER_AREA), grey = cv2.COLOR_RGB2GRAY uint8",
                "kurtosis": "Pearson kurtosis (normal = 3) of horizontal grey differences "
                "at 640x360",
            },
            "flat_block_fraction": self.summary("flat"),
            "kurtosis": self.summary("kurtosis"),
            "cameras": {
                c: {"flat_block_fraction": self.summary("flat", c),
                    "kurtosis": self.summary("kurtosis", c)}
                for c in self.cameras()
            },
            "scenarios": {
                s: {"flat_block_fraction": self.summary("flat", scenario=s),
                    "kurtosis": self.summary("kurtosis", scenario=s)}
                for s in self.scenarios()
            },
            "luminance": {**hist_stats(self.luminance), "histogram": self.luminance.tolist()},
            "saturation": {**hist_stats(self.saturation), "histogram": self.saturation.tolist()},
            "class_pixel_shares": self.class_shares(),
            "flat_blocks_by_class": self.flat_by_class(),
            "flat_blocks_by_depth": self.flat_by_depth(),
            "per_frame": [
                {"episode": str(f.ref.episode), "scenario": f.ref.scenario,
                 "camera": f.ref.camera, "frame": f.ref.index,
                 "flat_block_fraction": f.flat,
                 "kurtosis": f.kurtosis if np.isfinite(f.kurtosis) else None}
                for f in self.frames
            ],
        }  # fmt: skip

    def table(self) -> list[str]:
        """The printed summary: one line per metric."""
        d = self.to_dict()
        cams = ", ".join(
            f"{c} {d['cameras'][c]['flat_block_fraction']['frames']}" for c in d["cameras"]
        )
        lines = [
            f"stats of {self.root} ({self.kind}, {self.episodes} episode"
            f"{'s' * (self.episodes != 1)}): {len(self.frames)} frames ({cams}), "
            f"{self.size[0]}x{self.size[1]} measured at {STATS_SIZE[0]}x{STATS_SIZE[1]}"
        ]
        for key, label, fmt in (
            ("flat_block_fraction", "flat-block fraction (8x8, std<1)", "{:.3f}"),
            ("kurtosis", "horizontal-gradient kurtosis", "{:.1f}"),
        ):
            s = d[key]
            if s["median"] is None:
                lines.append(f"{label:34s} n/a")
                continue
            per_cam = "  ".join(
                f"{c} {fmt.format(d['cameras'][c][key]['median'])}" for c in d["cameras"]
            )
            lines.append(
                f"{label:34s} median {fmt.format(s['median'])} "
                f"(p10 {fmt.format(s['p10'])}, p90 {fmt.format(s['p90'])});  {per_cam}"
            )
        for key, label in (("luminance", "luminance (grey 0..255)"),
                           ("saturation", "saturation (HSV 0..255)")):  # fmt: skip
            h = d[key]
            lines.append(
                f"{label:34s} mean {h['mean']:.1f}  p5 {h['p5']}  p50 {h['p50']}  p95 {h['p95']}"
            )
        shares = d["class_pixel_shares"]
        if shares:
            top = ", ".join(f"{k} {v:.1%}" for k, v in list(shares.items())[:8])
            lines.append(f"{'class pixel shares':34s} {top}")
            flat = d["flat_blocks_by_class"]
            lines.append(f"{'flat blocks by class':34s} {_breakdown_text(flat)}")
        if any(v["blocks"] for v in d["flat_blocks_by_depth"].values()):
            lines.append(
                f"{'flat blocks by depth':34s} {_breakdown_text(d['flat_blocks_by_depth'])}"
            )
        if len(d["scenarios"]) > 1:
            for s, v in d["scenarios"].items():
                f, k = v["flat_block_fraction"], v["kurtosis"]
                kt = "n/a" if k["median"] is None else f"{k['median']:.1f}"
                lines.append(f"  scenario {s:24s} flat {f['median']:.3f}  kurtosis {kt}")
        return lines


def _cls(i: int) -> str:
    c = BY_ID.get(int(i))
    return c.name if c is not None else f"id{int(i)}"


def _breakdown(names: list[str], blocks: np.ndarray, flat: np.ndarray) -> dict[str, dict]:
    total, total_flat = int(blocks.sum()), int(flat.sum())
    out = {}
    for i in np.argsort(-flat, kind="stable"):
        if not blocks[i]:
            continue
        out[names[i]] = {
            "blocks": float(blocks[i] / max(total, 1)),
            "flat": float(flat[i] / blocks[i]),
            "share_of_flat": float(flat[i] / max(total_flat, 1)),
        }
    return out


def _breakdown_text(b: dict[str, dict]) -> str:
    """``sky 41% of flat (98% of its blocks flat), ...`` for the largest shares."""
    parts = [
        f"{k} {v['share_of_flat']:.0%} ({v['flat']:.0%} of its blocks)"
        for k, v in list(b.items())[:6]
        if v["share_of_flat"] > 0
    ]
    return "; ".join(parts) if parts else "no flat blocks"


def measure(
    folder: Path, frames: Iterable[FrameRef], kind: str, episodes: int, progress=None
) -> Stats:
    """Statistics of ``frames``; ``progress`` wraps the iterable (e.g. tqdm) if given."""
    stats = Stats(Path(folder), kind, episodes)
    for ref in progress(frames) if progress is not None else frames:
        stats.add(ref)
    return stats


# ---------------------------------------------------------------- plot


def plot_stats(stats: Stats, path: Path) -> None:
    """A PNG of the statistics: flat-block fraction and kurtosis per frame (per camera),
    luminance and saturation histograms, class pixel shares and flat blocks per class."""
    from matplotlib.figure import Figure  # Agg canvas, no pyplot state

    fig = Figure(figsize=(13, 8), dpi=90)
    axes = fig.subplots(2, 3)
    for cam in stats.cameras():
        fs = [f for f in stats.frames if f.ref.camera == cam]
        axes[0, 0].plot([f.flat for f in fs], ".-", label=cam, ms=3)
        axes[0, 1].plot([f.kurtosis for f in fs], ".-", label=cam, ms=3)
    axes[0, 0].axhline(0.25, color="g", ls="--", lw=1, label="target 0.25")
    axes[0, 0].axhline(0.15, color="k", ls=":", lw=1, label="real ~0.15")
    axes[0, 0].set(title="flat-block fraction (8x8, std<1, 640x360)", xlabel="frame", ylim=(0, 1))
    axes[0, 1].axhline(28, color="k", ls=":", lw=1, label="real ~28")
    axes[0, 1].set(title="horizontal-gradient kurtosis", xlabel="frame")
    for ax in axes[0, :2]:
        ax.legend(fontsize=7)
    for ax, h, title in (
        (axes[0, 2], stats.luminance, "luminance (grey level)"),
        (axes[1, 0], stats.saturation, "saturation (HSV S)"),
    ):
        ax.bar(np.arange(256), h / max(h.sum(), 1), width=1.0, color="0.3")
        ax.set(title=title, xlim=(0, 255))
    shares = stats.class_shares()
    names = list(shares)[:12]
    axes[1, 1].barh(names[::-1], [shares[n] for n in names[::-1]], color="tab:blue")
    axes[1, 1].set(title="class pixel shares", xlabel="share of pixels")
    flat = stats.flat_by_class()
    names = list(flat)[:12]
    axes[1, 2].barh(
        names[::-1], [flat[n]["share_of_flat"] for n in names[::-1]], color="tab:red",
        label="share of all flat blocks",
    )  # fmt: skip
    axes[1, 2].barh(
        names[::-1], [flat[n]["flat"] for n in names[::-1]], color="none", edgecolor="k",
        label="fraction of its blocks flat",
    )  # fmt: skip
    axes[1, 2].set(title="flat blocks by majority class", xlim=(0, 1))
    axes[1, 2].legend(fontsize=7)
    med = stats.summary("flat")["median"]
    fig.suptitle(
        f"{stats.root.name}: {len(stats.frames)} frames, median flat-block fraction "
        f"{med if med is None else round(med, 3)}"
    )
    fig.tight_layout()
    fig.savefig(path, format="png")
