"""``pfcbench report DIR``: report.md, figures and summary.csv (``reports``), and otel.json when the run's
files are newer than it (``bench.traces``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bench.cli._args import UsageError


def register(sub: Any) -> None:
    p = sub.add_parser("report", help="render report.md, figures and summary.csv from a run directory")
    p.add_argument("dir", type=Path)
    p.set_defaults(handler=handle)


def handle(ns: argparse.Namespace) -> int:
    from reports import collector_paused

    # The collector off for the command: a report builds a million objects, nearly none in a cycle, and its
    # 340 collections took 0.15 s on a 10,080-record run (wall 2.04 -> 1.97 s without them; +6 MB peak).
    with collector_paused():
        return _report(ns)


def _report(ns: argparse.Namespace) -> int:
    from reports import SchemaError, render_report

    if not (ns.dir / "results.jsonl").is_file():
        raise UsageError(f"{ns.dir}: no results.jsonl here (run 'pfcbench run --out {ns.dir}' first)")
    results = ns.dir / "results.jsonl"

    def warn(problem: str) -> None:
        print(f"pfcbench: warning: {results}: {problem}", file=sys.stderr)

    try:
        path = render_report(ns.dir, on_problem=warn)
    except (SchemaError, ValueError) as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    print(f"wrote {path}")
    otel = ns.dir / "otel.json"
    if _is_current(otel, ns.dir / "results.jsonl", ns.dir / "run.json"):
        # otel.json is a pure function of those two files and the run wrote it last: rewriting its
        # ~7 spans per call (75 MB for the default run) would cost several times the whole report.
        print(f"kept {otel} (newer than results.jsonl and run.json)")
        return 0
    from bench.traces import write_otel

    print(f"wrote {write_otel(ns.dir)}")
    return 0


def _is_current(target: Path, *sources: Path) -> bool:
    """Whether ``target`` exists and is at least as new as every existing source."""
    try:
        mtime = target.stat().st_mtime_ns
    except OSError:
        return False
    return all(mtime >= s.stat().st_mtime_ns for s in sources if s.exists())
