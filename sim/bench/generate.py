"""``python -m sim bench generate``: dataset generation throughput with 1 and 2 workers.

The same work (``--episodes`` cut-in episodes at ``--width`` x ``--height``, ``--duration``
seconds, 10 frames/s) is generated twice into temporary folders, once per worker count, by
the real ``generate`` (local process pool). A one-episode warm-up run before each measured run
fills the Numba cache, so no measured run pays compilation. Throughput is frames per hour of wall
time for the whole run (worker start-up and the dataset merge included, as a user sees it);
the scaling ratio is (2 workers) / (1 worker) in the same process. Peak memory per worker is
the largest resident set any worker reached, with its first- and last-episode values to show
growth. Both runs must give the same bytes (the dataset manifests are compared).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from sim.bench import CUT_IN

DESCRIPTION = (
    "dataset generation: frames/hour with 1 and 2 workers on the same work, scaling ratio, "
    "peak memory per worker"
)


def add_arguments(parser) -> None:
    parser.add_argument("--episodes", type=int, default=8, help="episodes per run (default 8)")
    parser.add_argument(
        "--duration", type=float, default=2.0, help="[s] per episode (default 2.0: 20 frames)"
    )
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=180)
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1, 2],
        help="worker counts to compare (default 1 2)",
    )
    parser.add_argument("--scenario", type=Path, default=CUT_IN)
    parser.add_argument("--keep", type=Path, help="keep the datasets under this folder")


def _config(folder: Path, args, episodes: int) -> Path:
    path = folder / f"bench_{episodes}.yaml"
    path.write_text(
        f"name: bench\nseed: 1\nepisodes: {episodes}\nformats: [native, coco, kitti]\n"
        f"set: [duration={args.duration}, sensors.cameras.0.width={args.width}, "
        f"sensors.cameras.0.height={args.height}]\n"
        f"scenarios:\n  - path: {args.scenario.resolve()}\n"
    )
    return path


def run(args) -> int:
    from sim.dataset.config import load_config
    from sim.dataset.generate import generate

    with tempfile.TemporaryDirectory(prefix="sim-bench-gen-") as tmp:
        base = Path(args.keep) if args.keep else Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        warmup = load_config(_config(base, args, 1))
        loaded = load_config(_config(base, args, args.episodes))
        rates, hashes = {}, {}
        for workers in args.workers:
            # before each run: Numba recompiles when a kernel source changed since the last run
            generate(warmup, base / f"warmup_{workers}", workers=1, progress=False)
            result = generate(loaded, base / f"workers_{workers}", workers=workers, progress=False)
            if result.failed:
                print(
                    f"{workers} workers: {len(result.failed)} episodes failed; "
                    f"see {result.root}/generate.log"
                )
                return 1
            rates[workers] = result.frames / result.seconds * 3600.0
            manifest = json.loads((result.root / "manifest.json").read_text())
            hashes[workers] = [(f["path"], f["sha256"]) for f in manifest["files"]]
            rss = result.worker_rss_mb
            peak = max(max(v) for v in rss.values())
            growth = ", ".join(f"{v[0]:.0f}->{v[-1]:.0f}" for v in rss.values())
            print(
                f"{workers} worker{'s' if workers > 1 else ''}: {result.frames} frames in "
                f"{result.seconds:.1f} s = "
                f"{rates[workers]:,.0f} frames/hour; peak memory per worker {peak:.0f} MiB "
                f"(first->last episode, per worker: {growth} MiB)"
            )
        same = len({tuple(h) for h in hashes.values()}) == 1
        lo, hi = min(args.workers), max(args.workers)
        ratio = rates[hi] / rates[lo]
        print(
            f"generate: {rates[lo]:,.0f} frames/hour with {lo} worker(s), "
            f"{rates[hi]:,.0f} with {hi}; "
            f"scaling {ratio:.2f}x (target >= 1.8 for 2 on 2 cores); "
            f"same bytes: {'yes' if same else 'NO'}"
        )
        return 0 if same else 1
