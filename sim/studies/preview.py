"""Preview of an episode folder for people: an MP4 per camera and a contact sheet per camera,
with masks, visible boxes, amodal boxes and ``id cls visible%`` tags drawn by
:func:`sim.viz.draw_labels`; with a LiDAR, its points coloured by class over the picture
(:class:`LidarOverlay`), and with ``outputs.ground_truth.bev`` a bird's-eye-view panel in
the top-right corner (:func:`sim.groundtruth.panel.with_bev_panel`).

Reads only the files of the output contract (meta.json, frames/<cam>/{rgb,instance}/,
labels/<cam>/), as any user tool would; writes nothing into the episode folder (its
manifest lists exactly what the episode wrote).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from sim.classes import palette
from sim.dataset.io import read_png, staged_dir, write_png
from sim.errors import OutputError
from sim.groundtruth.panel import with_bev_panel
from sim.viz import draw_labels

SHEET_FRAMES = 12
"""Frames on a contact sheet (evenly spaced over the episode)."""
SHEET_COLUMNS = 4
SHEET_TILE_WIDTH = 480  # [px] width of one frame on the sheet
VIDEO_CODEC = "mp4v"


@dataclass(frozen=True)
class PreviewFiles:
    camera: str
    video: Path
    sheet: Path
    frames: int


def default_out_dir(episode: Path) -> Path:
    """``<episode>_preview`` next to the episode folder."""
    episode = Path(episode).resolve()
    return episode.parent / f"{episode.name}_preview"


def _load_meta(episode: Path) -> dict:
    path = episode / "meta.json"
    if not episode.is_dir():
        raise OutputError(f"{episode}: no such episode folder")
    if not path.is_file():
        raise OutputError(f"{episode}: not an episode folder (no meta.json); is the run complete?")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise OutputError(f"{path}: not valid JSON ({err})") from None


def annotated_frame(episode: Path, camera: str, index: int) -> np.ndarray:
    """(H, W, 3) uint8 RGB of one frame with its labels drawn."""
    stem = f"{index:06d}"
    try:
        rgb = read_png(episode / "frames" / camera / "rgb" / f"{stem}.png")
        instance = read_png(episode / "frames" / camera / "instance" / f"{stem}.png")
        labels = json.loads((episode / "labels" / camera / f"{stem}.json").read_text())
    except OSError as err:
        raise OutputError(
            f"{episode}: frame {stem} of camera {camera!r} is missing or unreadable ({err})"
        ) from None
    return draw_labels(rgb, labels["objects"], instance)


LIDAR_DOT = 2  # [px] side of a LiDAR point drawn over a frame


class LidarOverlay:
    """The first LiDAR's points, coloured by class, over one camera's frames: for frame k
    the sweep nearest its time, moved into the camera by the poses the episode wrote
    (``T_world_lidar`` of the sweep, ``T_world_ego`` of the frame, the camera's
    ``T_ego_cam`` and ``K``; pinhole projection, so a distorting lens is not followed)."""

    def __init__(self, episode: Path, cam: dict) -> None:
        self.files = sorted((episode / "lidar").glob("*/[0-9]*.npz"))
        if self.files:
            first = self.files[0].parent
            self.files = [f for f in self.files if f.parent == first]
        self.times = []
        for f in self.files:
            with np.load(f) as data:
                self.times.append(float(data["t"]))
        self.K = np.asarray(cam["K"], dtype=np.float64)
        self.T_ego_cam = np.asarray(cam["T_ego_cam"], dtype=np.float64)
        self.size = (int(cam["width"]), int(cam["height"]))
        self.colors = np.asarray(palette(), dtype=np.uint8)

    def draw(self, frame: np.ndarray, labels: dict) -> np.ndarray:
        if not self.files:
            return frame
        k = int(np.argmin(np.abs(np.asarray(self.times) - float(labels["t"]))))
        with np.load(self.files[k]) as data:
            xyz = data["xyz"].astype(np.float64)
            sem = data["semantic"]
            T_world_lidar = data["T_world_lidar"]
        T_world_cam = np.asarray(labels["T_world_ego"]) @ self.T_ego_cam
        T = np.linalg.inv(T_world_cam) @ T_world_lidar
        pc = xyz @ T[:3, :3].T + T[:3, 3]
        ahead = pc[:, 2] > 0.3
        pc, sem = pc[ahead], sem[ahead]
        uv = pc @ self.K.T
        u = np.floor(uv[:, 0] / uv[:, 2] + 0.5).astype(np.int64)
        v = np.floor(uv[:, 1] / uv[:, 2] + 0.5).astype(np.int64)
        w, h = self.size
        out = frame.copy()
        order = np.argsort(-pc[:, 2])  # far first: near points are drawn over them
        u, v, sem = u[order], v[order], sem[order]
        for du in range(LIDAR_DOT):
            for dv in range(LIDAR_DOT):
                uu, vv = u + du, v + dv
                ok = (uu >= 0) & (uu < w) & (vv >= 0) & (vv < h)
                out[vv[ok], uu[ok]] = self.colors[sem[ok]]
        return out


def _caption(image: np.ndarray, text: str) -> None:
    scale = max(0.4, image.shape[1] / 1000)
    thick = max(1, round(image.shape[1] / 500))
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    cv2.rectangle(image, (0, 0), (tw + 8, th + base + 8), (0, 0, 0), -1)
    cv2.putText(
        image,
        text,
        (4, th + 4),
        cv2.FONT_HERSHEY_SIMPLEX,
        scale,
        (255, 255, 255),
        thick,
        cv2.LINE_AA,
    )


def sheet_indices(n_frames: int, n_tiles: int) -> list[int]:
    """Up to ``n_tiles`` frame indices evenly spread over [0, n_frames), first and last included."""
    if n_frames <= n_tiles:
        return list(range(n_frames))
    return sorted({round(k * (n_frames - 1) / (n_tiles - 1)) for k in range(n_tiles)})


def write_preview(
    episode: Path,
    out_dir: Path | None = None,
    cameras: list[str] | None = None,
    fps: float | None = None,
    sheet_frames: int = SHEET_FRAMES,
    columns: int = SHEET_COLUMNS,
    tile_width: int = SHEET_TILE_WIDTH,
    overwrite: bool = False,
) -> list[PreviewFiles]:
    """Write ``<out_dir>/<camera>.mp4`` and ``<out_dir>/<camera>_sheet.png`` for each camera.

    fps defaults to the camera's rate, so the video plays in real time. The folder is
    written whole or not at all; an earlier preview is replaced only with ``overwrite``,
    and only if sim wrote it (its ``.sim-output.json`` marker lists every file).
    """
    episode = Path(episode)
    meta = _load_meta(episode)
    known = {c["name"]: c for c in meta["cameras"]}
    names = list(known) if not cameras else cameras
    for name in names:
        if name not in known:
            raise OutputError(f"{episode}: no camera {name!r}; cameras: {', '.join(known)}")
    if sheet_frames < 1 or columns < 1 or tile_width < 16:
        raise ValueError("sheet_frames and columns must be >= 1, tile_width >= 16")
    final = Path(out_dir) if out_dir is not None else default_out_dir(episode)
    with staged_dir(final, overwrite, "preview") as partial:
        written = [
            _camera_preview(
                episode, partial, name, known[name], fps, sheet_frames, columns, tile_width
            )
            for name in names
        ]
    return [
        PreviewFiles(f.camera, final / f.video.name, final / f.sheet.name, f.frames)
        for f in written
    ]


def _camera_preview(
    episode: Path,
    out_dir: Path,
    name: str,
    cam: dict,
    fps: float | None,
    sheet_frames: int,
    columns: int,
    tile_width: int,
) -> PreviewFiles:
    """One camera's video and contact sheet, written into ``out_dir``."""
    n = int(cam["frames"])
    if n == 0:
        raise OutputError(f"{episode}: camera {name!r} has no frames")
    rate = float(fps if fps is not None else cam.get("rate", 10.0))
    if rate <= 0:
        raise ValueError("fps must be positive")
    chosen = set(sheet_indices(n, sheet_frames))
    lidar = LidarOverlay(episode, cam)
    tiles: dict[int, np.ndarray] = {}
    video = out_dir / f"{name}.mp4"
    # VideoWriter picks the container from the extension: keep .mp4 on the temporary name
    tmp = out_dir / f".{name}.tmp-{os.getpid()}.mp4"
    size = (cam["width"], cam["height"])
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*VIDEO_CODEC), rate, size)
    if not writer.isOpened():
        raise OutputError(f"cannot open a {VIDEO_CODEC} video writer for {video}")
    try:
        for k in range(n):
            frame = annotated_frame(episode, name, k)
            if lidar.files:
                labels = json.loads((episode / "labels" / name / f"{k:06d}.json").read_text())
                frame = lidar.draw(frame, labels)
            frame = with_bev_panel(frame, episode, name, k)
            _caption(frame, f"{name} {k:06d}")
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
            if k in chosen:
                h = max(1, round(frame.shape[0] * tile_width / frame.shape[1]))
                tiles[k] = cv2.resize(frame, (tile_width, h), interpolation=cv2.INTER_AREA)
    except BaseException:
        writer.release()
        tmp.unlink(missing_ok=True)
        raise
    writer.release()
    os.replace(tmp, video)
    sheet = out_dir / f"{name}_sheet.png"
    write_png(sheet, contact_sheet([tiles[k] for k in sorted(tiles)], columns))
    return PreviewFiles(name, video, sheet, n)


def contact_sheet(tiles: list[np.ndarray], columns: int, gap: int = 4) -> np.ndarray:
    """Equal-sized (h, w, 3) uint8 tiles on a grid, ``gap`` px of dark grey between them."""
    if not tiles:
        raise ValueError("no tiles")
    h, w = tiles[0].shape[:2]
    columns = min(columns, len(tiles))
    rows = math.ceil(len(tiles) / columns)
    sheet = np.full(
        (rows * h + (rows + 1) * gap, columns * w + (columns + 1) * gap, 3), 40, dtype=np.uint8
    )
    for k, tile in enumerate(tiles):
        r, c = divmod(k, columns)
        y, x = gap + r * (h + gap), gap + c * (w + gap)
        sheet[y : y + h, x : x + w] = tile
    return sheet
