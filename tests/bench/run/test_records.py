"""The one record builder: planned latencies in wall seconds, calls matched to the plan by id."""

from __future__ import annotations

import pytest

from bench.run import measure, turn_record
from executors import CallResult, ToolCall, make_executor
from reports import NO_SESSION, LoadQuery
from scenarios import load_catalog, make_plan


def test_turn_record_matches_calls_to_the_plan_and_scales_times() -> None:
    """Each call gets its plan's first latency x time_scale and its ``after``; an unplanned call gets 0."""
    plan = make_plan(load_catalog()["doc-3apis"], 3, 0)
    scale, t0 = 0.01, 100.0
    results = [
        CallResult(ToolCall(c.id, c.tool, dict(c.args), c.after), "ok", None, None, t0 + 0.1, t0 + 0.2, 1)
        for c in reversed(plan.calls)
    ] + [CallResult(ToolCall("x1", "nope", {}), "error", None, "boom", t0, t0 + 0.1, 1)]
    rec = turn_record(plan, results, scale, executor="e", t0=t0, makespan_s=0.3, ideal_s=0.2)
    by_id = {c.id: c for c in rec.calls}
    for c in plan.calls:
        assert by_id[c.id].planned_latency_s == pytest.approx(c.latency_ms[0] / 1000 * scale)
        assert by_id[c.id].after == c.after and by_id[c.id].start_s == pytest.approx(0.1)
    assert by_id["x1"].planned_latency_s == 0.0 and by_id["x1"].after == ()
    assert rec.planned_sum_s == pytest.approx(sum(c.latency_ms[0] for c in plan.calls) / 1000 * scale)
    assert rec.session is NO_SESSION


def test_measure_and_a_load_query_build_the_same_record() -> None:
    """A plain trial and a load query differ only in their session part."""
    plan = make_plan(load_catalog()["doc-3apis"], 3, 0)
    ex = make_executor("sequential")
    rec = measure(plan, ex, 0.001)
    again = turn_record(
        plan, [], 0.001, executor=rec.executor, t0=0.0, makespan_s=rec.makespan_s, ideal_s=rec.ideal_s,
        session=LoadQuery(0, "none"),
    )  # fmt: skip
    assert (again.planned_sum_s, again.planned_max_s) == (rec.planned_sum_s, rec.planned_max_s)
    assert isinstance(again.session, LoadQuery)


def test_a_calls_attempts_are_recorded_relative_to_t0() -> None:
    """A result with more than one attempt records each attempt's start (relative to t0) and status."""
    plan = make_plan(load_catalog()["doc-3apis"], 3, 0)
    t0, c = 100.0, plan.calls[0]
    tries = ((t0 + 0.1, "rate_limited"), (t0 + 0.3, "ok"))
    r = CallResult(ToolCall(c.id, c.tool, dict(c.args)), "ok", None, None, t0 + 0.1, t0 + 0.4, 2, tries=tries)
    rec = turn_record(plan, [r], 1.0, executor="adaptive", t0=t0, makespan_s=0.5, ideal_s=0.2)
    got = next(x for x in rec.calls if x.id == c.id)
    assert got.attempt_starts_s == pytest.approx((0.1, 0.3)) and got.attempt_statuses == (
        "rate_limited",
        "ok",
    )
