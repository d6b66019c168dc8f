"""A real tool's ideal is what it measured: the plan of a trial with every real (Python or HTTP) call's
latency replaced by its own measured span, so the record's lower bound and zero-overhead ideal describe the
work that was actually done. A real tool's declared ``latency`` is a guess: it may feed predictions and
advice, never the yardstick a measurement is judged by (a too-high guess read as "faster than possible")."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from executors import CallResult
from reports import SIMULATED
from scenarios import TrialPlan


def call_sources(plan: TrialPlan) -> dict[str, str]:
    """Tool name -> its kind (``simulated``, ``python``, ``http``) for the plan's scenario."""
    return {t.name: t.kind for t in plan.scenario.tools}


def has_real_calls(plan: TrialPlan) -> bool:
    sources = call_sources(plan)
    return any(sources.get(c.tool, SIMULATED) != SIMULATED for c in plan.calls)


def measured_plan(plan: TrialPlan, results: Iterable[CallResult], time_scale: float) -> TrialPlan:
    """``plan`` with each real call's latency (every attempt) set to its measured span in document ms;
    simulated calls keep their plan. A plan without real calls is returned as it is."""
    if not has_real_calls(plan):
        return plan
    spans = {r.call.id: max(0.0, r.end - r.start) for r in results}
    return with_durations(plan, spans, time_scale)


def with_durations(plan: TrialPlan, spans_s: Mapping[str, float], time_scale: float) -> TrialPlan:
    """``plan`` with its real calls' latencies taken from ``spans_s`` (call id -> wall seconds); a real call
    that never ran (absent) took no time."""
    sources = call_sources(plan)
    calls = tuple(
        c
        if sources.get(c.tool, SIMULATED) == SIMULATED
        else dataclasses.replace(c, latency_ms=(spans_s.get(c.id, 0.0) / time_scale * 1000.0,))
        for c in plan.calls
    )
    return dataclasses.replace(plan, calls=calls)
