"""``pfcbench fit TRACE... --out scenario.toml``: a scenario fitted to OTLP JSON trace files. Bad trace
input: one line, exit 2."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from bench.cli._args import UsageError


def register(sub: Any) -> None:
    f = sub.add_parser("fit", help="fit a scenario file to OTLP JSON trace files (gen_ai execute_tool spans)")
    f.add_argument("trace", nargs="+", type=Path, metavar="TRACE", help="OTLP JSON file(s)")
    f.add_argument("--out", type=Path, required=True, help="scenario file to write (.toml)")
    f.add_argument("--name", default=None, help="scenario name (default: from --out)")
    add_turns_argument(f)
    f.set_defaults(handler=handle)


def add_turns_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--turns",
        choices=("per-parent", "per-call"),
        default="per-parent",
        help="where a trace shows no model span between a parent's non-overlapping tool calls: one turn "
        "per parent (default) or one turn per call; the output states both readings",
    )


def _name(ns: argparse.Namespace) -> str:
    name = ns.name or re.sub(r"[^A-Za-z0-9_.-]+", "-", ns.out.stem).strip("-.") or "fitted"
    if not re.fullmatch(r"[A-Za-z0-9][\w.-]*", name):
        raise UsageError(f"--name: must be letters, digits, '-', '_' or '.', got {name!r}")
    return name


def handle(ns: argparse.Namespace) -> int:
    from bench.traces import TraceError, fit_trace, write_scenario

    name = _name(ns)
    try:
        fitted = fit_trace(ns.trace, name, ns.turns)
    except TraceError as exc:
        raise UsageError(str(exc)) from None
    try:
        # checked as data before it replaces --out (nothing imported); a refusal keeps the old file
        written = write_scenario(fitted, ns.out)
    except TraceError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"--out {ns.out}: cannot write: {exc.strerror or exc}") from None
    for line in fitted.notes:
        print(f"note: {line}")
    for t in fitted.tools:
        f = t.fit
        print(
            f"{t.name}: n={f.n} {_short(f)} ({f.family}); p50 {f.p50_ms:.1f} ms, "
            f"p95 {f.p95_ms:.1f} ms; errors {t.error_rate:.1%}; 429s {t.rate_limited}"
        )
    print(f"wrote {', '.join(str(p) for p in written)}")
    return 0


def _short(f: Any) -> str:
    """The fitted distribution in a few words (a kernel fit's 16 bins by their range)."""
    if f.family == "kernel":
        lo, hi = f.latency.components[0].low_ms, f.latency.components[-1].high_ms
        return f"kernel fit, {len(f.latency.components)} bins over [{lo:.6g}, {hi:.6g}] ms"
    return str(f.latency.describe())
