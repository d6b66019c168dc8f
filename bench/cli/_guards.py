"""The guards' command-line flags, in document milliseconds scaled by ``--time-scale`` (shared by ``run``
and ``experiments``)."""

from __future__ import annotations

import argparse
import json
import math
from typing import TYPE_CHECKING, Any

from bench.cli._args import checked

if TYPE_CHECKING:
    from bench.run import GuardSpec


def _ms(text: str) -> float:
    return checked(text, float, lambda v: math.isfinite(v) and v > 0, "milliseconds > 0")


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}")
    return int(text)


def _hedge(text: str) -> tuple[str | None, float]:
    tool, sep, ms = text.rpartition("=")
    return (tool if sep else None), _ms(ms)


def _fallback(text: str) -> tuple[str, Any]:
    tool, sep, raw = text.partition("=")
    if not sep or not tool:
        raise argparse.ArgumentTypeError(f"must be TOOL=JSON, got {text!r}")
    try:
        return tool, json.loads(raw)
    except json.JSONDecodeError:
        return tool, raw  # a bare word is a string fallback


def add_guard_arguments(p: argparse.ArgumentParser) -> None:
    from bench.run import BACKOFF_MS  # GuardSpec's default, shown by the help formatter

    g = p.add_argument_group("guards (document ms, scaled by --time-scale; apply to every executor)")
    g.add_argument("--timeout-ms", type=_ms, help="per-attempt timeout (sync tools past it: 'abandoned')")
    g.add_argument("--deadline-ms", type=_ms, help="deadline for the whole turn; finished results are kept")
    g.add_argument("--retries", type=_count, default=0, help="extra attempts per call (default 0)")
    g.add_argument("--retry-budget", type=_count, help="extra attempts (retries + hedges) per turn")
    g.add_argument("--backoff-ms", type=_ms, default=BACKOFF_MS, help="base of the full-jitter backoff")
    g.add_argument(
        "--hedge-ms",
        type=_hedge,
        action="append",
        metavar="[TOOL=]MS",
        help="second copy after MS (a tool's p95); repeatable per tool",
    )
    g.add_argument(
        "--fallback", type=_fallback, action="append", metavar="TOOL=JSON", help="value for a failed call"
    )


def guard_spec(ns: argparse.Namespace) -> GuardSpec | None:
    """The flags as one ``GuardSpec`` (document ms) for every executor; None when no guard is set."""
    from bench.run import EVERY_TOOL, GuardSpec

    spec = GuardSpec(
        timeout_ms=ns.timeout_ms,
        deadline_ms=ns.deadline_ms,
        retries=ns.retries,
        retry_budget=ns.retry_budget,
        backoff_ms=ns.backoff_ms,
        hedge_ms=tuple({(t or EVERY_TOOL): ms for t, ms in ns.hedge_ms or []}.items()),
        fallbacks=tuple(dict(ns.fallback or []).items()),
    )
    return spec if spec.active else None
