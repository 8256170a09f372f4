#!/usr/bin/env python
"""Build the procedural asset library: ``python tools/make_assets.py [--out assets]``.

Writes ``<out>/<asset>/<variant>.glb`` (pedestrians: one file per walk-cycle pose) and
``<out>/catalog.yaml``. Deterministic: two runs give byte-identical files, and the test suite
checks that the committed ``assets/`` equals a fresh build. See docs/assets.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.assetgen.build import write_assets  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--out", type=Path, default=ROOT / "assets", help="output folder (default: <repo>/assets)"
    )
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    s = write_assets(args.out)
    dt = time.perf_counter() - t0
    print(
        f"make_assets: {s['assets']} assets, {s['variants']} variants, {s['files']} files, "
        f"{s['bytes'] / 1e6:.2f} MB in {args.out} ({dt:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
