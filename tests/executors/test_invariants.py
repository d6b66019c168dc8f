"""Invariants of every strategy, fast path or guarded path, sync or async: exactly one result per call, in
call order; a dependency-aware strategy starts a call only after its dependencies ended, and skips it
when one failed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from executors import EXECUTORS, CallResult, Executor, Guards, RetryPolicy, ToolCall, make_executor

#: strategies that wait for ``after``; the others ignore it (a too-early dependent says so in its error)
AWARE = ("sequential", "dag", "levels")
GUARDS = [None, Guards(), Guards(retry=RetryPolicy(2, base_s=0.0)), Guards(fallbacks={"boom": "fb"})]


class Boom(Exception):
    pass


def ok(**args: Any) -> Any:
    return args.get("x")


def boom(**_: Any) -> Any:
    raise Boom("boom")


class Async:
    """ok with a native ``acall`` twin."""

    def __call__(self, **args: Any) -> Any:
        return args.get("x")

    async def acall(self, **args: Any) -> Any:
        await asyncio.sleep(0)
        return args.get("x")


TOOLS = {"ok": ok, "boom": boom, "aok": Async()}


@st.composite
def turns(draw: st.DrawFn, *, with_after: bool) -> list[ToolCall]:
    n = draw(st.integers(0, 9))
    names = st.sampled_from(["ok", "boom", "aok", "missing"])
    calls = []
    for i in range(n):
        after = draw(st.sets(st.integers(0, max(i - 1, 0)), max_size=2)) if with_after and i else set()
        calls.append(ToolCall(f"c{i}", draw(names), {"x": i}, tuple(f"c{j}" for j in sorted(after))))
    return draw(st.permutations(calls))


def _one_per_call_in_order(calls: list[ToolCall], rs: list[CallResult]) -> None:
    assert [r.call for r in rs] == calls
    for r in rs:
        assert r.end >= r.start
        if r.call.name in ("ok", "aok") and not r.call.after:
            assert (r.status, r.value) == ("ok", r.call.args["x"])
        if r.call.name == "missing":
            assert r.status == "error" and "unknown tool" in (r.error or "")


def _dependencies_respected(rs: list[CallResult]) -> None:
    by = {r.call.id: r for r in rs}
    for r in rs:
        deps = [by[a] for a in r.call.after]
        if all(d.status in ("ok", "fallback") for d in deps):
            assert all(d.end <= r.start for d in deps)
            assert r.status != "skipped"
        elif r.call.name != "missing":  # an unknown tool is refused before its dependencies are looked at
            assert r.status == "skipped"


Built = dict[tuple[str, int], Executor]


@pytest.fixture(scope="module")
def built() -> Iterator[Built]:
    out = {(lb, i): make_executor(lb, guards=g) for lb in EXECUTORS for i, g in enumerate(GUARDS)}
    yield out
    for ex in out.values():
        ex.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls=turns(with_after=False), guards=st.integers(0, len(GUARDS) - 1), via_arun=st.booleans())
def test_every_strategy_one_result_per_call_in_order(
    built: Built, calls: list[ToolCall], guards: int, via_arun: bool
) -> None:
    """Independent calls, failing and unknown tools, any guards: every strategy returns one result per call
    in call order, and a working tool's value."""
    for lb in EXECUTORS:
        ex = built[(lb, guards)]
        rs = asyncio.run(ex.arun(calls, TOOLS)) if via_arun else ex.run(calls, TOOLS)
        _one_per_call_in_order(calls, rs)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls=turns(with_after=True), guards=st.integers(0, len(GUARDS) - 1), via_arun=st.booleans())
def test_aware_strategies_respect_dependencies(
    built: Built, calls: list[ToolCall], guards: int, via_arun: bool
) -> None:
    """With dependencies in any list order, the dependency-aware strategies keep order and never start a call
    before its dependencies ended; a call whose dependency failed is skipped."""
    for lb in AWARE:
        ex = built[(lb, guards)]
        rs = asyncio.run(ex.arun(calls, TOOLS)) if via_arun else ex.run(calls, TOOLS)
        _one_per_call_in_order(calls, rs)
        _dependencies_respected(rs)
