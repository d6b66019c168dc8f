"""``pfcbench compare CANDIDATE --baseline BASE`` (or the older ``BASE NEW``): two run directories compared
cell by cell with the gate's judgement, markdown on stdout (``reports``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bench.cli._args import UsageError


def register(sub: Any) -> None:
    p = sub.add_parser("compare", help="compare two run directories (markdown on stdout)")
    p.add_argument(
        "runs", type=Path, nargs="+", metavar="RUN", help="CANDIDATE with --baseline, or BASE NEW without it"
    )
    p.add_argument("--baseline", type=Path, default=None, help="the baseline run directory")
    p.set_defaults(handler=handle)


def handle(ns: argparse.Namespace) -> int:
    from reports import SchemaError, compare_runs

    if ns.baseline is not None and len(ns.runs) == 1:
        base, new = ns.baseline, ns.runs[0]
    elif ns.baseline is None and len(ns.runs) == 2:  # BASE NEW
        base, new = ns.runs
    else:
        raise UsageError("compare: give CANDIDATE --baseline BASE, or BASE NEW")
    for d in (base, new):
        if not (d / "results.jsonl").is_file():
            raise UsageError(f"{d}: no results.jsonl here")
    try:
        print(compare_runs(base, new))
    except (SchemaError, ValueError) as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    return 0
