"""The quota's grace and time-scale floor keep the fake strict: a client one call early per window is refused."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import pytest

from bench.run import measure
from executors import CallResult, Executor, PlannedWork, Quota, ToolCall, Tools, make_executor
from reports import evaluate, parse_spec
from scenarios import (
    QuotaState,
    RateLimit,
    RateLimited,
    load_catalog,
    make_plan,
    quota_grace_ms,
    quota_time_scale,
)
from tests.conftest import FakeClock

GATE = Path(__file__).parents[3] / "gates" / "default.toml"
ROW4 = load_catalog()["doc-10apis-ratelimited"]


class EarlyLimiter:
    """``ratelimited`` whose limiter believes every window is one token interval shorter than the quota's:
    it admits one call a token interval too early in each window."""

    def __init__(self) -> None:
        self.inner = make_executor("ratelimited")
        self.name = self.inner.name

    def run(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        early = tuple(
            dataclasses.replace(q, windows=tuple((c, length - length / c) for c, length in q.windows))
            for q in quotas
        )
        return self.inner.run(calls, tools, quotas=early)

    def predict(self, work: Sequence[PlannedWork], *, quotas: Sequence[Quota] = ()) -> float:
        return self.inner.predict(work, quotas=quotas)

    def close(self) -> None:
        self.inner.close()


def test_row4_runs_where_its_grace_is_wall_milliseconds() -> None:
    """At the gate's 0.05 row 4 runs at 0.5: its 10 doc-ms grace is 5 ms of wall time; a faster quota
    never runs slower than real time, a scenario without one keeps the requested scale."""
    assert quota_grace_ms(ROW4.quotas[0]) == pytest.approx(10.0)
    assert quota_time_scale(ROW4, 0.05) == pytest.approx(0.5)
    assert quota_time_scale(ROW4, 0.8) == 0.8
    assert quota_time_scale(load_catalog()["doc-3apis"], 0.05) == 0.05
    fast = dataclasses.replace(ROW4, quotas=(RateLimit("q", 1000, 1000, 1000, ("api_0",)),))
    assert quota_time_scale(fast, 0.05) == 1.0


def test_server_refuses_a_start_one_token_interval_early() -> None:
    """The grace is a tenth of a token interval: a start 100 doc-ms early at a 200 ms burst edge is a 429."""
    clock = FakeClock()
    state = QuotaState(ROW4.quotas[0], time_scale=0.5, clock=clock)
    state.admit("api_0")
    state.admit("api_1")
    clock.sleep(0.1 * 0.5)  # 100 doc-ms later: the burst window (200 ms) still holds two starts
    with pytest.raises(RateLimited):
        state.admit("api_2")


def test_a_limiter_one_call_early_per_window_draws_429s_and_fails_the_gate() -> None:
    """Real threads at the scale the gate runs row 4: the early limiter draws 429s and the gate's own
    ``error_rate == 0`` fails on it (failed calls stay visible)."""
    scale = quota_time_scale(ROW4, 0.05)
    ex: Executor = EarlyLimiter()  # type: ignore[assignment]
    try:
        records = [measure(make_plan(ROW4, 7, t), ex, scale) for t in range(3)]
    finally:
        ex.close()
    assert sum(c.status == "rate_limited" for r in records for c in r.calls) > 0
    rules = [r for r in parse_spec(GATE.read_text(encoding="utf-8")).rules if r.key == "*/*"]
    checks = evaluate(records, rules)
    assert [c.metric for c in checks] == ["error_rate"]
    assert not checks[0].passed
