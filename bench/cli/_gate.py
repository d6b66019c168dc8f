"""``pfcbench gate DIR --spec gates.toml [--baseline BASE]``: exit 0 when every gate passes, 1 when one
fails, 2 for bad input; markdown on stdout (and appended to ``$GITHUB_STEP_SUMMARY``), JSON in DIR/gate.json."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

EXIT_PASS, EXIT_FAIL = 0, 1


def register(sub: Any) -> None:
    g = sub.add_parser("gate", help="check a run against thresholds and, optionally, a baseline run")
    g.add_argument("dir", type=Path, help="the candidate run directory")
    g.add_argument("--spec", type=Path, required=True, help="gate file, e.g. gates/default.toml")
    g.add_argument("--baseline", type=Path, default=None, help="baseline run directory (same CI job)")
    g.add_argument("--json", type=Path, default=None, help="verdict file (default DIR/gate.json)")
    g.set_defaults(handler=handle)


def handle(ns: argparse.Namespace) -> int:
    from bench.cli._args import UsageError
    from reports import GateError, load_spec, run_gate, write_verdict

    try:
        verdict = run_gate(ns.dir, load_spec(ns.spec), ns.baseline)
    except GateError as exc:
        raise UsageError(str(exc)) from None
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    sys.stdout.write(write_verdict(verdict, ns.json or ns.dir / "gate.json", summary))
    return EXIT_PASS if verdict.passed else EXIT_FAIL
