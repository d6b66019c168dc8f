"""``pfcbench experiments``: the document's three frequent errors and retries on ``flaky``, measured quickly
into DIR/results.jsonl and DIR/experiments.md."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bench.cli._timescale import SIMULATED_HELP, SIMULATED_TIME_SCALE


def register(sub: Any) -> None:
    p = sub.add_parser(
        "experiments", help="partial results, ignored dependencies, rate limits, flaky retries"
    )
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--trials", type=int, default=5)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--time-scale", type=float, default=SIMULATED_TIME_SCALE, help=SIMULATED_HELP)
    p.set_defaults(handler=handle)


def handle(ns: argparse.Namespace) -> int:
    from bench.cli._args import UsageError
    from bench.run import run_experiments

    if ns.trials < 1 or not ns.time_scale > 0:
        raise UsageError("experiments: --trials must be >= 1 and --time-scale > 0")
    if (ns.out / "results.jsonl").exists():
        raise UsageError(f"--out {ns.out}: already holds results.jsonl; choose another --out")

    tty = sys.stderr.isatty()  # a progress line on a terminal only: CI logs stay clean

    def progress(text: str) -> None:
        if tty:
            print(f"\r\033[K{text}", end="", file=sys.stderr, flush=True)

    path = run_experiments(
        ns.out, trials=ns.trials, seed=ns.seed, time_scale=ns.time_scale, progress=progress
    )
    if tty:
        print(file=sys.stderr)
    print(f"wrote {path}")
    return 0
