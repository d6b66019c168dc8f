"""The conformance probes: each runs a framework executor over a small designed turn and returns what it
measured, never what a framework is known to do. Times are repeated and given as medians with their
order-statistic 95% intervals; ``None`` is "not applicable" (no knob, no async tools), said with a reason."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from bench.conformance._tools import Timed, calls_of
from bench.run.frameworks import FRAMEWORKS, FrameworkExecutor, make_framework_executor
from executors import CallResult
from reports import median_ci

Measure = dict[str, Any]
_ID = re.compile(r"""['"]id['"]:\s*['"]([^'"]+)['"]""")


def estimate(xs: list[float]) -> Measure:
    a = np.asarray(xs, dtype=np.float64)
    ci = median_ci(a)
    return {"median": float(np.median(a)), "low": ci.low, "high": ci.high, "n": int(a.size)}


def _phase(results: list[CallResult]) -> float:
    ran = [r for r in results if r.attempts]
    return max(r.end for r in ran) - min(r.start for r in ran) if ran else float("nan")


def _with(label: str, body: Callable[[FrameworkExecutor], Measure], **kw: Any) -> Measure:
    ex = make_framework_executor(label, **kw)
    try:
        return body(ex)
    finally:
        ex.close()


def parallel(label: str, reps: int, delay: float = 0.05, n: int = 10) -> Measure:
    """Ten calls of ``delay``: is the tool phase near the longest call (parallel) or their sum?"""
    ids = [f"c{i}" for i in range(n)]
    native = FRAMEWORKS[label].kind == "loop"

    def body(ex: FrameworkExecutor) -> Measure:
        tool, ratios, peaks = Timed(dict.fromkeys(ids, delay), native_async=native), [], []
        ex.run(calls_of(ids), {"api": tool})  # warm: imports, pools, loops
        for _ in range(reps):
            ratios.append(_phase(ex.run(calls_of(ids), {"api": tool})) / delay)
            peaks.append(ex.last.peak)
        over_max = estimate(ratios)
        return {
            "value": over_max["median"] < 0.5 * n,
            "phase_over_max": over_max,
            "phase_over_sum": {k: v / n if k != "n" else v for k, v in over_max.items()},
            "peak": max(peaks),
            "calls": n,
            "tools": "async" if native else "sync",
        }

    return _with(label, body)


def cap_honoured(label: str, cap: int = 3, n: int = 10, delay: float = 0.03) -> Measure:
    """``label@cap``: is the peak of calls in flight at most the knob's value?"""
    info = FRAMEWORKS[label]
    if info.knob is None:
        return {"value": None, "reason": "no per-turn concurrency knob"}
    ids = [f"c{i}" for i in range(n)]
    # ADK's knob is the thread pool of sync tools; every other knob is meant for any tool
    native = info.kind == "loop" and label != "adk-pool"
    ex = make_framework_executor(f"{label}@{cap}")
    try:
        ex.run(calls_of(ids), {"api": Timed(dict.fromkeys(ids, delay), native_async=native)})
        peak = ex.last.peak
    finally:
        ex.close()
    return {"value": peak <= cap, "knob": info.knob, "cap": cap, "peak": peak, "calls": n}


def sync_blocks_loop(label: str, reps: int, delay: float = 0.1) -> Measure:
    """One sync tool called first among three async ones, all ``delay``: does the phase reach ~2x delay?
    Four calls in all: LlamaIndex's step runs four at a time, and a fifth call's second wave would read as
    a blocked loop (2x) where its sync tool in fact runs on a thread (1.02x measured with four)."""
    info = FRAMEWORKS[label]
    if info.kind != "loop":
        return {"value": None, "reason": "its tools are sync functions on threads: no event loop to block"}
    if info.workers(None) == 1:
        return {"value": None, "reason": "it runs the calls one after another by design"}
    ids = ["s0", "a1", "a2", "a3"]
    sync_tool = Timed({"s0": delay}, native_async=False)
    async_tool = Timed(dict.fromkeys(ids[1:], delay))
    calls = [*calls_of(ids[:1], "blocking"), *calls_of(ids[1:], "api")]

    def body(ex: FrameworkExecutor) -> Measure:
        ratios = []
        ex.run(calls, {"blocking": sync_tool, "api": async_tool})
        for _ in range(reps):
            ratios.append(_phase(ex.run(calls, {"blocking": sync_tool, "api": async_tool})) / delay)
        est = estimate(ratios)
        return {"value": est["median"] > 1.5, "phase_over_call": est}

    return _with(label, body)


def delivered_ids(ex: FrameworkExecutor) -> list[str | None]:
    """The call each result handed back to the model belongs to: its id, else the id in its text."""
    out: list[str | None] = []
    for d in ex.last.delivered:
        m = _ID.search(d.text)
        out.append(d.call_id or (m.group(1) if m else None))
    return out


def order_and_ids(label: str, seed: int = 7) -> Measure:
    """Ids whose string order differs from the request order, random latencies (so completion order
    differs too): are results handed back in request order, each with its call's id?"""
    ids = ["c10", "c9", "c2", "c1", "c30", "c3", "c20", "c11"]
    rng = np.random.default_rng(seed)
    delays = dict(zip(ids, rng.uniform(0.005, 0.06, len(ids)).tolist(), strict=True))
    native = FRAMEWORKS[label].kind == "loop"

    def body(ex: FrameworkExecutor) -> Measure:
        tool = Timed(delays, native_async=native)
        ex.run(calls_of(ids), {"api": tool})
        got = delivered_ids(ex)
        carried = [d.call_id for d in ex.last.delivered]
        orders = {
            "request": ids,
            "completion": sorted(tool.ends, key=tool.ends.__getitem__),
            "call-id string": sorted(ids),
        }
        seen = next((name for name, order in orders.items() if order == got), "other")
        return {
            "order_kept": {"value": got == ids, "requested": ids, "delivered": got, "order": seen},
            "ids_kept": {
                "value": len(carried) == len(ids)
                and all(c is not None for c in carried)
                and set(carried) == set(ids),
                "carried": carried,
            },
        }

    return _with(label, body)


def siblings_on_error(label: str, n: int = 5, delay: float = 0.02) -> Measure:
    """The first call raises at once, its siblings take ``delay``: do the siblings' results reach the model?"""
    ids = [f"c{i}" for i in range(n)]
    native = FRAMEWORKS[label].kind == "loop"

    def body(ex: FrameworkExecutor) -> Measure:
        tool = Timed(dict.fromkeys(ids, delay), native_async=native, fail=frozenset({"c0"}))
        ex.run(calls_of(ids), {"api": tool})
        got = [i for i in delivered_ids(ex) if i in ids[1:]]
        error_text = next((d.text for d in ex.last.delivered if "failed" in d.text), None)
        return {
            "value": sorted(got) == ids[1:],
            "delivered": len(got),
            "of": n - 1,
            "error_reached_model": error_text is not None,
            "turn_error": ex.last.error,
        }

    return _with(label, body)
