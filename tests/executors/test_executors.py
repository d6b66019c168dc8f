"""Executors: exactly one result per call in call order whatever the tools do; predict's ideal sits between
the plan's lower bound and the measured wall time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.run import planned_work, quotas_of, tool_calls
from executors import EXECUTORS, Executor, PlannedWork, Quota, ToolCall, make_executor, simulate
from scenarios import build_toolbox, make_plan, parse_scenarios

LABELS = [*EXECUTORS, "threaded@2", "asyncio@2", "batched@3"]


class Limited(Exception):
    call_status = "rate_limited"


class Tool:
    """A zero-latency tool that returns, raises, or reports a 429; optionally with an async twin."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour

    def __call__(self, **args: Any) -> Any:
        if self.behaviour == "boom":
            raise ValueError("boom")
        if self.behaviour == "limited":
            raise Limited("429")
        return args.get("x")


class AsyncTool(Tool):
    async def acall(self, **args: Any) -> Any:
        await asyncio.sleep(0)
        return self(**args)


EXPECTED = {"ok": "ok", "boom": "error", "limited": "rate_limited", "missing": "error"}


@pytest.fixture(scope="module")
def executors() -> Iterator[dict[str, Executor]]:
    built = {lb: make_executor(lb, time_scale=0.001) for lb in LABELS}
    yield built
    for ex in built.values():
        ex.close()


calls_st = st.lists(st.sampled_from(["ok", "boom", "limited", "missing"]), max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=calls_st, use_async_tools=st.booleans(), via_arun=st.booleans())
def test_one_result_per_call_in_order(
    executors: dict[str, Executor], kinds: list[str], use_async_tools: bool, via_arun: bool
) -> None:
    """Every executor, sync or async entry, returns one result per call in call order; a failing tool never
    hides the others' results and its status says why."""
    cls = AsyncTool if use_async_tools else Tool
    tools = {k: cls(k) for k in ("ok", "boom", "limited")}
    calls = [ToolCall(f"c{i}", k, {"x": i}) for i, k in enumerate(kinds)]
    for ex in executors.values():
        res = asyncio.run(ex.arun(calls, tools)) if via_arun else ex.run(calls, tools)
        assert [r.call for r in res] == calls, ex.name
        assert [r.status for r in res] == [EXPECTED[k] for k in kinds], ex.name
        assert [r.value for r in res if r.ok] == [c.args["x"] for c in calls if c.name == "ok"]
        assert all(r.end >= r.start for r in res)


durations_st = st.lists(st.floats(0.0, 1.0), min_size=1, max_size=25)


@settings(max_examples=150, deadline=None)
@given(
    durations_st,
    st.one_of(st.none(), st.tuples(st.integers(1, 5), st.floats(0.05, 1.0))),
    st.sampled_from(LABELS),
)
def test_lower_bound_le_ideal(durations: list[float], quota: tuple[int, float] | None, label: str) -> None:
    """No strategy's zero-overhead schedule beats the plan's lower bound; sequential's ideal is the sum
    when no quota makes it wait."""
    tools = [
        {
            "name": f"t{i}",
            "latency": {"dist": "constant", "ms": d * 1000},
            **({"quota": "q"} if quota else {}),
        }
        for i, d in enumerate(durations)
    ]
    doc: dict[str, Any] = {"name": "p", "tools": tools}
    if quota:
        doc["quotas"] = {"q": {"calls": quota[0], "period_ms": quota[1] * 1000}}
    (s,) = parse_scenarios(doc, "p.toml")
    plan = make_plan(s, 0, 0)
    ex = make_executor(label)
    ideal = ex.predict(planned_work(plan, 1.0), quotas=quotas_of(s, 1.0))
    assert plan.lower_bound_ms() / 1000 <= ideal + 1e-9
    if label == "sequential" and quota is None:
        assert ideal == pytest.approx(sum(durations))


def test_predict_batches_and_pools_exactly() -> None:
    """Batches of 2 with barriers, and 2 workers by list scheduling, on hand-checked durations."""
    work = [PlannedWork(f"c{i}", "t", d) for i, d in enumerate([3.0, 1.0, 1.0, 1.0, 2.0])]
    assert simulate(work, batch_size=2) == 3 + 1 + 2
    assert simulate(work, workers=2) == 5.0  # w1: c0 [0, 3]; w2: c1, c2, c3 [0, 3]; c4 waits until 3, ends 5
    assert simulate(work) == 3.0
    q = Quota("q", ((1, 1.0),), ("t",))
    assert simulate(work, quotas=[q]) == 4 + 2  # starts 0,1,2,3,4; the last (2 s) ends at 6


REALTIME_DOC: dict[str, Any] = {
    "name": "rt",
    "tools": [{"name": "api_{i}", "count": 6, "latency": {"dist": "uniform", "low_ms": 100, "high_ms": 400}}],
    "quotas": {},
}


@pytest.mark.realtime
@pytest.mark.parametrize("label", LABELS)
def test_measured_is_at_least_ideal_and_close_to_it(executors: dict[str, Executor], label: str) -> None:
    """Real sleeps: lower bound <= ideal <= measured, and measured stays within a tolerance derived from the
    plan (25% of the ideal plus 5 ms per call: loose enough for a busy CI machine)."""
    (s,) = parse_scenarios(REALTIME_DOC, "rt.toml")
    scale = 0.1
    plan = make_plan(s, 3, 0)
    ex = executors[label]
    ex.run(tool_calls(plan), build_toolbox(plan, scale))  # warm the pool
    ideal = ex.predict(planned_work(plan, scale))
    t0 = time.perf_counter()
    res = ex.run(tool_calls(plan), build_toolbox(plan, scale))
    measured = time.perf_counter() - t0
    assert all(r.ok for r in res)
    assert plan.lower_bound_ms() / 1000 * scale <= ideal + 1e-12
    assert measured >= ideal - 0.0005  # sleeps never return early; 0.5 ms for clock granularity
    assert measured <= ideal * 1.25 + 0.005 * len(res)
