"""Measure the regression gate's false-positive rate (A/A: the same code run twice) and its power (the
candidate's tools 10% slower, injected at run time) with the default gate settings.

    python3 tools/gate_power.py            # 20 pairs, doc-3apis + doc-10apis, 10 trials, time scale 0.02
    nox -s gate-power -- --pairs 40

Each pair runs a baseline, an identical candidate and a slowed candidate (in a shuffled order, against
drift) with one seed, then gates both candidates against the baseline exactly as ``pfcbench gate
--baseline`` does. Prints both rates with a Wilson 95% interval; exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import RunConfig, run
from reports import GateSpec, load_spec, run_gate
from scenarios import load_catalog

ROOT = Path(__file__).resolve().parent.parent


def one_run(out: Path, args: argparse.Namespace, seed: int, slowdown: float) -> None:
    catalog = load_catalog()
    config = RunConfig(
        scenarios=tuple(catalog[s] for s in args.scenario),
        executors=tuple(args.executor),
        trials=args.trials,
        seed=seed,
        time_scale=args.time_scale,
        out=out,
        inject_slowdown=slowdown,
    )
    run(config)


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, c - h), min(1.0, c + h)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pairs", type=int, default=20)
    p.add_argument("--trials", type=int, default=10)
    p.add_argument("--time-scale", type=float, default=0.02)
    p.add_argument("--slowdown", type=float, default=1.10)
    p.add_argument("--scenario", action="append", default=None)
    p.add_argument("--executor", action="append", default=None)
    p.add_argument("--spec", type=Path, default=ROOT / "gates" / "default.toml")
    args = p.parse_args()
    args.scenario = args.scenario or ["doc-3apis", "doc-10apis"]
    args.executor = args.executor or ["sequential", "threaded", "asyncio", "batched", "ratelimited"]
    # Thresholds are not what is measured here: only the [regression] policy of the gate file.
    spec = GateSpec(path=str(args.spec), regression=load_spec(args.spec).regression)
    rng = np.random.default_rng(2026)
    false_pos = detected = 0
    worst_aa: list[float] = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gate-power-") as tmp:
        for i in range(args.pairs):
            seed = 1000 + i
            dirs = {role: Path(tmp) / f"{i}-{role}" for role in ("base", "aa", "slow")}
            for role in rng.permutation(list(dirs)):
                one_run(dirs[role], args, seed, args.slowdown if role == "slow" else 1.0)
            aa = run_gate(dirs["aa"], spec, dirs["base"])
            slow = run_gate(dirs["slow"], spec, dirs["base"])
            false_pos += not aa.passed
            detected += not slow.passed
            worst_aa.append(max(r.ratio for r in aa.regressions))
            print(
                f"pair {i:2d}: A/A {'FAIL' if not aa.passed else 'pass'} (max ratio {worst_aa[-1]:.3f})  "
                f"x{args.slowdown:g} {'caught' if not slow.passed else 'MISSED'} "
                f"({sum(r.regressed for r in slow.regressions)}/{len(slow.regressions)} comparisons)",
                flush=True,
            )
    n = args.pairs
    fl, fh = wilson(false_pos, n)
    dl, dh = wilson(detected, n)
    pol = spec.regression
    print(
        f"\nsettings: tolerance {pol.tolerance:g}, confidence {pol.confidence:g}, {args.trials} trials, "
        f"time scale {args.time_scale:g}, {', '.join(args.scenario)} x {', '.join(args.executor)}; "
        f"{time.perf_counter() - t0:.0f} s"
    )
    print(
        f"A/A false-positive rate: {false_pos}/{n} = {false_pos / n:.0%} (95% CI {fl:.0%}-{fh:.0%}); target <= 5%"
    )
    print(
        f"x{args.slowdown:g} slowdown detected: {detected}/{n} = {detected / n:.0%} "
        f"(95% CI {dl:.0%}-{dh:.0%}); target >= 95%"
    )
    return 0 if false_pos / n <= 0.05 and detected / n >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())
