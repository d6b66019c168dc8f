"""``pfcbench gate CANDIDATE [--spec gates.toml] [--baseline BASE]``: exit 0 when every gate passes, 1 when
one fails, 2 for bad input or a gate that checked nothing; markdown on stdout (and appended to
``$GITHUB_STEP_SUMMARY``), JSON in CANDIDATE/gate.json. Without ``--spec``, every scenario x executor cell the
two runs share is compared at the default policy."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

EXIT_PASS, EXIT_FAIL = 0, 1


def register(sub: Any) -> None:
    from reports import DEFAULT_CONFIDENCE, DEFAULT_TOLERANCE  # constants only: --help stays light

    g = sub.add_parser(
        "gate",
        help="check a run against thresholds and/or a baseline run (exit 1 on a failure)",
        description="Judge a candidate run: thresholds from --spec, and a regression test against "
        "--baseline. Without --spec every scenario x executor cell the two runs share is compared: a cell "
        f"fails when the {DEFAULT_CONFIDENCE:.0%} bootstrap CI of its makespan ratio candidate/baseline "
        f"lies wholly above 1 + {DEFAULT_TOLERANCE:g} (a {DEFAULT_TOLERANCE:.0%} tolerance); paired per trial "
        "when the runs share seed and plans, unpaired otherwise (real tools, different seeds), and the "
        "output says which and the smallest slowdown it could detect. Exit 0 pass, 1 fail, 2 bad input or "
        "nothing checked.",
    )
    g.add_argument("dir", type=Path, metavar="CANDIDATE", help="the candidate run directory")
    g.add_argument(
        "--spec",
        type=Path,
        default=None,
        help="gate file of thresholds and a [regression] policy, e.g. gates/default.toml "
        "(default: none; then --baseline is needed and every shared cell is compared)",
    )
    g.add_argument(
        "--baseline", type=Path, default=None, help="baseline run directory (same machine, same job)"
    )
    g.add_argument("--json", type=Path, default=None, help="verdict file (default: CANDIDATE/gate.json)")
    g.set_defaults(handler=handle)


def handle(ns: argparse.Namespace) -> int:
    from bench.cli._args import UsageError
    from reports import NO_SPEC, GateError, load_spec, run_gate, write_verdict

    if ns.spec is None and ns.baseline is None:
        raise UsageError("gate: give --baseline BASE (compare every shared cell), --spec FILE, or both")
    try:
        verdict = run_gate(ns.dir, NO_SPEC if ns.spec is None else load_spec(ns.spec), ns.baseline)
    except GateError as exc:
        raise UsageError(str(exc)) from None
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    sys.stdout.write(write_verdict(verdict, ns.json or ns.dir / "gate.json", summary))
    return EXIT_PASS if verdict.passed else EXIT_FAIL
