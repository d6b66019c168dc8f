"""The timed probes: a hung tool under the framework's own timeout knob, and the dispatch overhead per call
against the raw primitive of the framework's kind (a bare ``asyncio.gather`` or a bare thread pool),
the two measured in alternating rounds of one process so that drift of a shared machine hits both alike."""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.metadata
import time
from typing import Any

from bench.conformance._probes import Measure, delivered_ids, estimate
from bench.conformance._tools import Timed, calls_of
from bench.run.frameworks import FRAMEWORKS, make_framework_executor
from executors import ToolCall, fine_timer_loop


def hung(label: str, budget_s: float = 0.2) -> Measure:
    """One sync tool at 10x ``budget_s`` beside two quick ones, the framework's timeout set to the budget:
    does the turn return near the budget with the error in the model's hands, and does the thread run on?"""
    info = FRAMEWORKS[label]
    knob = info.timeout
    if knob is None:
        try:
            version = importlib.metadata.version(info.dist)
        except importlib.metadata.PackageNotFoundError:
            version = "(not installed)"
        na = {"value": None, "reason": f"no timeout knob in {info.dist} {version}: {info.no_timeout}"}
        return {"hung_contained": na, "thread_leak_after_timeout": na}
    out = _hung_once(label, budget_s, native_async=False)
    if out["refused"] is not None:  # e.g. a timeout the framework allows only on async tools
        out = _hung_once(label, budget_s, native_async=True) | {"sync_refused": out["refused"]}
    contained = out["returned_s"] < 3 * budget_s and out["error_reached_model"]
    return {
        "hung_contained": {"value": contained, "knob": knob, "budget_s": budget_s} | out,
        "thread_leak_after_timeout": {
            "value": out["in_flight_at_return"] > 0 and not out["tool_async"],
            "ran_on_s": out["ran_on_s"],
        },
    }


def _hung_once(label: str, budget_s: float, *, native_async: bool) -> dict[str, Any]:
    ids = ["h0", "q1", "q2"]
    hang = 10 * budget_s
    tool = Timed({"h0": hang, "q1": 0.01, "q2": 0.01}, native_async=native_async)
    ex = make_framework_executor(label, timeout_s=budget_s)
    try:
        # one quick turn first: a framework's first run (imports, schemas) is not the hung tool's time, and
        # a whole-run timeout (LlamaIndex's) would otherwise fire in the framework's own start-up
        ex.run(calls_of(ids), {"api": Timed({}, native_async=native_async)})
        t0 = time.perf_counter()
        results = ex.run(calls_of(ids), {"api": tool})  # what ran before the framework returned
        returned = time.perf_counter() - t0
        turn = ex.last
        refused = turn.error if turn.error and not any(r.attempts for r in results) else None
        hung_result = next(
            (d.text for d, i in zip(turn.delivered, delivered_ids(ex), strict=True) if i == "h0"), None
        )
        # wait for an abandoned thread (it cannot be stopped), to say how long it ran on and to leave
        # no sleeping thread behind the probe; a tool still running past twice its time is said
        deadline = t0 + 2 * hang + 1.0
        while turn.in_flight_at_return and "h0" not in tool.ends and time.perf_counter() < deadline:
            time.sleep(0.01)
        end = tool.ends.get("h0")
        ran_on = max(0.0, end - (t0 + returned)) if end is not None else 0.0
    finally:
        ex.close()
    return {
        "returned_s": returned,
        "error_reached_model": hung_result is not None,
        "error_text": hung_result,
        "turn_error": turn.error,
        "in_flight_at_return": turn.in_flight_at_return,
        "ran_on_s": ran_on,
        "still_running_after_wait": bool(turn.in_flight_at_return) and end is None,
        "tool_async": native_async,
        "refused": refused,
    }


class _Raw:
    """The raw primitive of a kind: a bare ``asyncio.gather`` of the tools' coroutines on one persistent
    loop, or a bare thread pool's ``map`` of the sync tools."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.runner = asyncio.Runner(loop_factory=fine_timer_loop) if kind == "loop" else None
        self.pool = concurrent.futures.ThreadPoolExecutor(100) if kind != "loop" else None

    def run(self, calls: list[ToolCall], tool: Timed) -> None:
        if self.runner is not None:

            async def gather() -> None:
                await asyncio.gather(*(tool.acall(**c.args) for c in calls))

            self.runner.run(gather())
        else:
            assert self.pool is not None
            list(self.pool.map(lambda c: tool(**c.args), calls))

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()
        if self.pool is not None:
            self.pool.shutdown()


def overhead(label: str, fan_outs: tuple[int, ...] = (1, 10, 100), rounds: int = 11) -> Measure:
    """Per fan-out, the median over rounds of (framework - raw) / calls, in microseconds, with zero-latency
    tools; framework and raw alternate within each round."""
    kind = FRAMEWORKS[label].kind
    ex = make_framework_executor(label)
    raw = _Raw(kind)
    out: Measure = {"raw": "asyncio.gather" if kind == "loop" else "ThreadPoolExecutor.map"}
    try:
        for n in fan_outs:
            calls = calls_of([f"c{i}" for i in range(n)])
            tool = Timed({}, native_async=kind == "loop")
            ex.run(calls, {"api": tool})
            raw.run(calls, tool)
            diffs, fw_us, raw_us = [], [], []
            for _ in range(rounds):
                t0 = time.perf_counter()
                ex.run(calls, {"api": tool})
                t1 = time.perf_counter()
                raw.run(calls, tool)
                t2 = time.perf_counter()
                diffs.append(((t1 - t0) - (t2 - t1)) / n * 1e6)
                fw_us.append((t1 - t0) * 1e6)
                raw_us.append((t2 - t1) * 1e6)
            out[str(n)] = estimate(diffs) | {
                "framework_turn_us": estimate(fw_us)["median"],
                "raw_turn_us": estimate(raw_us)["median"],
            }
    finally:
        ex.close()
        raw.close()
    return out


__all__ = ["FRAMEWORKS", "hung", "overhead"]
