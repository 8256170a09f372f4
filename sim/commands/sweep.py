"""``python -m sim sweep SCENARIO --n N [--vary KEY=LAW ...] [--search cem]``
(sim.studies.sweep)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> dict:
    from sim.commands.args import add_overrides, seed_arg

    p = sub.add_parser(
        "sweep",
        help="many draws of a scenario (traffic only), with an optional criticality search",
        description="Simulate N draws of SCENARIO without rendering, write sweep.csv and plots; "
        "--search cem steers the varied values toward critical episodes (low time to collision) "
        "and compares with random sampling on the same budget. See docs/perturbations.md.",
    )
    p.add_argument("scenario", type=Path)
    p.add_argument("--n", type=int, default=100, help="episodes per sampler (default 100)")
    p.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="KEY=LAW",
        help="vary a value, e.g. --vary 'params.cut_in_gap={uniform: [2, 14]}' "
        "(default: the scenario's sweep.vary)",
    )
    p.add_argument(
        "--search",
        choices=("random", "cem"),
        default="random",
        help="cem: cross-entropy search for critical episodes (also runs random for comparison)",
    )
    p.add_argument("--generations", type=int, default=5, help="CEM generations (default 5)")
    p.add_argument("--seed", type=seed_arg, default=0, help="sweep seed (default 0)")
    p.add_argument("--out", type=Path, help="output folder (default runs/sweep-<scenario>-<seed>)")
    p.add_argument(
        "--render", type=int, default=0, metavar="K", help="render the K most critical episodes"
    )
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--quiet", action="store_true")
    add_overrides(p)
    return {"sweep": cmd_sweep}


def cmd_sweep(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sim.dataset.io import staged_dir
    from sim.errors import SimError
    from sim.scenario import load_scenario
    from sim.studies import sweep as S

    if args.n < 1:
        raise SimError("--n must be at least 1")
    loaded = load_scenario(args.scenario, args.overrides)
    spec = loaded.spec
    varied = [S.parse_vary(t) for t in args.vary]
    if not varied and spec.sweep is not None:
        varied = [S.make_varied(k, law) for k, law in spec.sweep.vary.items()]
    if args.search == "cem" and not varied:
        raise SimError(
            "--search cem needs values to vary: give --vary KEY=LAW or a sweep.vary block"
        )
    S.check_varied(args.scenario, args.overrides, varied, args.search == "cem")
    requested = S.requested_perturbations(args.scenario, args.overrides)
    out = args.out or Path("runs") / f"sweep-{spec.name}-{args.seed}"
    with staged_dir(out, args.overwrite, "sweep") as partial:
        evaluate = S.Evaluator(args.scenario, args.overrides)
        phases = ["random"] + (["cem"] if args.search == "cem" else [])
        results = []
        with tqdm(
            total=args.n * len(phases),
            unit="episode",
            disable=args.quiet,
            desc="sweep",
            leave=False,
        ) as bar:
            for ph in phases:
                results += S.run_phase(
                    ph,
                    args.n,
                    varied,
                    evaluate,
                    args.seed,
                    requested,
                    ph == "cem",
                    args.generations,
                    bar,
                )
        S.write_csv(partial / "sweep.csv", results, varied)
        pngs = S.plots(partial, results, varied)
        lines = [S.summary_line([r for r in results if r.phase == ph]) for ph in phases]
        if args.render > 0:
            _render_top(args, results, partial / "episodes")
        (partial / "summary.txt").write_text("\n".join(lines) + "\n")
    for line in lines:
        print(line)
    if args.search == "cem":
        r = [x.criticality for x in results if x.phase == "random"]
        c = [x.criticality for x in results if x.phase == "cem"]
        k_r, k_c = sum(x < S.CRITICAL_TTC for x in r), sum(x < S.CRITICAL_TTC for x in c)
        print(
            f"cem vs random on {args.n} episodes each: "
            f"lowest TTC {min(c):.2f} s vs {min(r):.2f} s, "
            f"critical episodes {k_c} vs {k_r}"
        )
    print(f"wrote {out / 'sweep.csv'} and {len(pngs)} plots")
    return 0


def _render_top(args, results, folder: Path) -> None:
    from sim.assets import load_catalog
    from sim.dataset.episode import run_episode
    from sim.pipeline import resolve_scenario
    from sim.scenario import load_scenario

    catalog = load_catalog()
    top = sorted(results, key=lambda r: (*r.rank_key, r.phase, r.index))[: args.render]
    folder.mkdir(parents=True, exist_ok=True)
    for r in top:
        loaded = load_scenario(args.scenario, [*args.overrides, *r.overrides])
        resolved = resolve_scenario(loaded, catalog, r.seed)
        run_episode(loaded, resolved, catalog, folder / f"{r.phase}-{r.index:04d}", progress=False)
