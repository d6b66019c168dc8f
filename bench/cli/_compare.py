"""``pfcbench compare BASE NEW``: two run directories compared, markdown on stdout (``reports``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bench.cli._args import UsageError


def register(sub: Any) -> None:
    p = sub.add_parser("compare", help="compare two run directories (markdown on stdout)")
    p.add_argument("base", type=Path)
    p.add_argument("new", type=Path)
    p.set_defaults(handler=handle)


def handle(ns: argparse.Namespace) -> int:
    from reports import SchemaError, compare_runs

    for d in (ns.base, ns.new):
        if not (d / "results.jsonl").is_file():
            raise UsageError(f"{d}: no results.jsonl here")
    try:
        print(compare_runs(ns.base, ns.new))
    except (SchemaError, ValueError) as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    return 0
