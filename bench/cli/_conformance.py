"""``pfcbench conformance [--framework NAME ...] --out DIR``: how each installed agent framework runs a
model's parallel calls, measured (conformance.json, conformance.md, conformance_overhead.png)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    c = sub.add_parser(
        "conformance", help="measure how each installed agent framework dispatches parallel calls"
    )
    c.add_argument(
        "--framework", action="append", default=None, metavar="NAME",
        help="a framework executor (repeatable; default: every installed one; see `pfcbench list`)",
    )  # fmt: skip
    c.add_argument("--out", type=Path, required=True, help="directory for conformance.json/.md/.png")
    # HelpFormatter appends each default
    c.add_argument(
        "--reps", type=int, default=7, help="repetitions of each timed probe (6 or more give a CI)"
    )
    c.add_argument("--rounds", type=int, default=11, help="alternating rounds of the overhead probe")
    c.add_argument("--overhead-only", action="store_true", help="only the overhead per call (nox -s peers)")
    c.set_defaults(handler=handle)


def handle(ns: argparse.Namespace) -> int:
    from bench.cli._args import UsageError
    from bench.conformance import ConformanceConfig, ConformanceError, run_conformance

    for flag, value in (("--reps", ns.reps), ("--rounds", ns.rounds)):
        if value < 1:
            raise UsageError(f"{flag}: must be a whole number >= 1, got {value}")
    config = ConformanceConfig(
        out=ns.out,
        frameworks=tuple(ns.framework) if ns.framework else None,
        reps=ns.reps,
        rounds=ns.rounds,
        overhead_only=ns.overhead_only,
    )
    try:
        path = run_conformance(config, progress=lambda label: print(f"measuring {label}", file=sys.stderr))
    except ConformanceError as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote {path}")
    return 0
