"""``python -m sim edge-cases``: one short episode per catalogue entry, to look at.

Each case runs on its demo scenario (``Perturbation.demo``) at rate 1 with a small camera,
and the frames where it shows most are drawn with their labels: one row per case in
``overview.png`` (4 frames, captioned), plus the case's episode folder.
For a road-user case those are the frame where the actors it inserted cover the most pixels
(from the labels) and the frames leading up to it (at most 1 s apart); for the others,
frames evenly spread over the episode.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from sim.dataset.episode import run_episode
from sim.dataset.io import write_png
from sim.perturb.catalog import CATALOG
from sim.pipeline import resolve_scenario
from sim.scenario import load_scenario
from sim.scenario.schema import PerturbationSpec
from sim.studies.preview import annotated_frame, contact_sheet, sheet_indices

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
TILES = 4
"""Frames per case in the overview."""
TILE_WIDTH = 360  # [px]
CAPTION_HEIGHT = 26  # [px]


@dataclass(frozen=True)
class CaseResult:
    name: str
    demo: str
    episode: Path
    camera: str
    frames: list[int]
    inserted: list[str]  # names of the actors the case inserted
    inserted_pixels: int  # their visible pixels summed over the chosen frames
    params: dict


def _overrides(
    path: Path, width: int, height: int, rate: float, duration: float | None
) -> list[str]:
    """``--set`` values (KEY=VALUE) for a small, slow camera and an optional shorter episode."""
    spec = load_scenario(path).spec
    out = []
    for i, _cam in enumerate(spec.sensors.cameras):
        out += [
            f"sensors.cameras.{i}.width={width}",
            f"sensors.cameras.{i}.height={height}",
            f"sensors.cameras.{i}.rate={rate:g}",
        ]
    if duration is not None and duration < float(spec.duration):
        out.append(f"duration={duration:g}")
    return out


def run_case(
    name: str,
    out: Path,
    seed: int,
    width: int,
    height: int,
    rate: float,
    duration: float | None,
    catalog,
) -> CaseResult:
    """Run ``name`` on its demo scenario into ``out/<name>/episode`` and pick its frames."""
    pert = CATALOG[name]
    path = SCENARIOS / f"{pert.demo}.yaml"
    loaded = load_scenario(
        path, [*_overrides(path, width, height, rate, duration), *pert.demo_overrides]
    )
    base_names = {a.name for a in resolve_scenario(loaded, catalog, seed).actors}
    spec = loaded.spec.model_copy(update={"perturbations": [PerturbationSpec(name=name, rate=1.0)]})
    loaded = dataclasses.replace(loaded, spec=spec)
    resolved = resolve_scenario(loaded, catalog, seed)
    new = [a for a in resolved.actors if a.name not in base_names]
    inserted = [a.name for a in new]
    # what the case is about: the inserted actors that move (not a van parked as cover)
    movers = [
        a.name for a in new if a.speed > 0 or any(m.type not in ("stalled",) for m in a.maneuvers)
    ]
    episode = out / name / "episode"
    run_episode(loaded, resolved, catalog, episode, overwrite=True, progress=False)
    meta = json.loads((episode / "meta.json").read_text())
    ids = {a["id"] for a in meta["agents"] if a["name"] in (movers or inserted)}
    # the camera that sees the inserted actors most (a tailgater: the rear one), else the first
    best = None
    for cam_meta in meta["cameras"]:
        n = int(cam_meta["frames"])
        seen = np.zeros(n, dtype=np.int64)
        for k in range(n):
            labels = json.loads(
                (episode / "labels" / cam_meta["name"] / f"{k:06d}.json").read_text()
            )
            seen[k] = sum(o["pixels"] for o in labels["objects"] if o["id"] in ids)
        if best is None or seen.sum() > best[2].sum():
            best = (cam_meta, n, seen)
    cam_meta, n, pixels = best
    cam = cam_meta["name"]
    if ids and pixels.any():
        # the second before the inserted actors show most, and that frame: the approach
        # and the event itself (TILES frames, at most 1 s apart, from their first sight on)
        first = int(np.flatnonzero(pixels > 0)[0])
        peak = int(np.argmax(pixels))
        per_second = max(1, round(float(cam_meta.get("rate", rate))))
        spacing = min(max(1, (peak - first) // (TILES - 1)), per_second)
        frames = sorted({max(first, peak - spacing * j) for j in range(TILES)})
        # in view from the start (e.g. a tailgater): the frames after the peak instead
        after = peak + max(spacing, per_second // 2)
        while len(frames) < TILES and after < n:
            frames.append(after)
            after += max(spacing, per_second // 2)
    else:
        frames = sheet_indices(n, TILES)
    params = resolved.perturbations[0].params if resolved.perturbations else {}
    return CaseResult(
        name, pert.demo, episode, cam, frames, inserted, int(pixels[frames].sum()), dict(params)
    )


def _caption(text: str, width: int) -> np.ndarray:
    strip = np.full((CAPTION_HEIGHT, width, 3), 24, dtype=np.uint8)
    cv2.putText(
        strip,
        text,
        (6, CAPTION_HEIGHT - 8),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.5,
        (235, 235, 235),
        1,
        cv2.LINE_AA,
    )
    return strip


def case_row(result: CaseResult) -> np.ndarray:
    """The case's frames side by side (labels drawn) under a caption naming it."""
    cam = result.camera
    tiles = []
    for k in result.frames:
        frame = annotated_frame(result.episode, cam, k)
        h = max(1, round(frame.shape[0] * TILE_WIDTH / frame.shape[1]))
        tiles.append(cv2.resize(frame, (TILE_WIDTH, h), interpolation=cv2.INTER_AREA))
    while len(tiles) < TILES:
        tiles.append(np.zeros_like(tiles[0]))
    row = contact_sheet(tiles, TILES)
    what = f"{result.name} on {result.demo} ({result.camera}): {CATALOG[result.name].doc}"
    return np.concatenate([_caption(what[:150], row.shape[1]), row], axis=0)


def write_overview(out: Path, results: list[CaseResult]) -> Path:
    rows = [case_row(r) for r in results]
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0))) for r in rows]
    path = out / "overview.png"
    write_png(path, np.concatenate(rows, axis=0))
    lines = [
        "# Edge cases",
        "",
        "| case | demo scenario | inserted actors | frames | parameters |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        params = ", ".join(f"{k}={v:g}" for k, v in r.params.items())
        lines.append(
            f"| {r.name} | {r.demo} | {', '.join(r.inserted) or '-'} | {r.frames} | {params} |"
        )
    (out / "index.md").write_text("\n".join(lines) + "\n")
    return path
