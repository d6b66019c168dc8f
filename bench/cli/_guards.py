"""The guards' command-line flags, in document milliseconds scaled by ``--time-scale`` (shared by ``run``
and ``experiments``)."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from bench.cli._args import checked
from executors import Guards, RetryPolicy


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
    g = p.add_argument_group("guards (document ms, scaled by --time-scale; apply to every executor)")
    g.add_argument("--timeout-ms", type=_ms, help="per-attempt timeout (sync tools past it: 'abandoned')")
    g.add_argument("--deadline-ms", type=_ms, help="deadline for the whole turn; finished results are kept")
    g.add_argument("--retries", type=_count, default=0, help="extra attempts per call (default 0)")
    g.add_argument("--retry-budget", type=_count, help="extra attempts (retries + hedges) per turn")
    g.add_argument("--backoff-ms", type=_ms, default=50.0, help="base of the full-jitter backoff (50)")
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


def guard_settings(ns: argparse.Namespace) -> dict[str, Any] | None:
    """The flags as given (document ms), for run.json; None when no guard is set."""
    hedges = ns.hedge_ms or []
    d = {
        "timeout_ms": ns.timeout_ms,
        "deadline_ms": ns.deadline_ms,
        "retries": ns.retries,
        "retry_budget": ns.retry_budget,
        "backoff_ms": ns.backoff_ms,
        "hedge_ms": {(t or "*"): ms for t, ms in hedges},
        "fallbacks": dict(ns.fallback or []),
    }
    active = d["timeout_ms"] or d["deadline_ms"] or d["retries"] or d["hedge_ms"] or d["fallbacks"]
    if d["retry_budget"] is not None:
        active = True
    return d if active else None


def guards_from(settings: dict[str, Any] | None, time_scale: float, *, seed: int = 0) -> Guards | None:
    if settings is None:
        return None

    def wall(ms: float | None) -> float | None:
        return None if ms is None else ms / 1000 * time_scale

    hedge = dict(settings["hedge_ms"])
    default = hedge.pop("*", None)
    retry = None
    if settings["retries"]:
        base = wall(settings["backoff_ms"]) or 0.0
        retry = RetryPolicy(attempts=settings["retries"] + 1, base_s=base, cap_s=base * 32)
    return Guards(
        timeout_s=wall(settings["timeout_ms"]),
        deadline_s=wall(settings["deadline_ms"]),
        retry=retry,
        retry_budget=settings["retry_budget"],
        fallbacks=dict(settings["fallbacks"]),
        hedge_s={t: ms / 1000 * time_scale for t, ms in hedge.items()},
        hedge_default_s=wall(default),
        seed=seed,
    )


def check_guard_tools(settings: dict[str, Any] | None, tools: set[str]) -> None:
    """Refuse a per-tool guard naming a tool no scenario of the run has (a typo would silently do nothing)."""
    from bench.cli._args import UsageError

    if settings is None:
        return
    for flag, key in (("--hedge-ms", "hedge_ms"), ("--fallback", "fallbacks")):
        for tool in settings[key]:
            if tool != "*" and tool not in tools:
                known = ", ".join(sorted(tools)[:12]) + (", ..." if len(tools) > 12 else "")
                from bench.cli._help import name_hint

                raise UsageError(
                    f"{flag} {tool}=...: no scenario of this run has a tool {tool!r}{name_hint(tool, tools)} "
                    f"(tools: {known})"
                )
