"""Native format: four PNG buffers and one label JSON per camera and frame."""

from __future__ import annotations

from pathlib import Path

from sim.dataset.io import depth_to_png, write_json, write_png
from sim.dataset.writers.base import FrameData, Writer


class NativeWriter(Writer):
    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, frame: FrameData) -> None:
        base = self.root / "frames" / frame.camera.name
        write_png(base / "rgb" / f"{frame.stem}.png", frame.rgb)
        write_png(base / "depth" / f"{frame.stem}.png", depth_to_png(frame.buffers.depth))
        write_png(base / "semantic" / f"{frame.stem}.png", frame.buffers.semantic)
        write_png(base / "instance" / f"{frame.stem}.png", frame.buffers.instance)
        write_json(
            self.root / "labels" / frame.camera.name / f"{frame.stem}.json",
            {
                "camera": frame.camera.name,
                "frame": frame.index,
                "step": frame.step,
                "t": round(frame.t, 9),
                "image": frame.rgb_path,
                "T_world_ego": frame.T_world_ego.round(9).tolist(),
                "objects": [label.to_json() for label in frame.labels],
            },
        )
