"""Dependencies: graph refusals, levels, the DAG-aware simulation, and executors that never violate ``after``."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from executors import (
    Dag,
    DependencyError,
    Levels,
    PlannedWork,
    Sequential,
    Threaded,
    ToolCall,
    check_graph,
    dependency_levels,
    simulate,
)
from tests.conftest import FakeClock


def test_cycle_is_refused_naming_it() -> None:
    """An executor given a cyclic call list refuses it and names the cycle (the document's grouper runs it)."""
    calls = [ToolCall("a", "t", {}, ("b",)), ToolCall("b", "t", {}, ("a",))]
    for ex in (Dag(), Levels(), Sequential(), Threaded()):
        with pytest.raises(DependencyError, match="cycle a -> b -> a"):
            ex.run(calls, {"t": lambda **_: 1})
        ex.close()


def test_unknown_dependency_and_unlisted_reference_are_refused() -> None:
    """``after`` naming no call, and a ``$from`` argument not listed in ``after``, are refused clearly."""
    with pytest.raises(DependencyError, match="'zz', which is not a call"):
        check_graph([ToolCall("a", "t", {}, ("zz",))])
    with pytest.raises(DependencyError, match="does not list it in 'after'"):
        check_graph([ToolCall("a", "t"), ToolCall("b", "t", {"x": {"$from": "a"}})])


def test_levels_follow_dependencies_not_list_order() -> None:
    """A dependency on a later call in the list puts the dependent in a later level."""
    calls = [ToolCall("a", "t", {}, ("c",)), ToolCall("b", "t"), ToolCall("c", "t")]
    assert dependency_levels(calls) == [[1, 2], [0]]


def test_simulate_waits_for_a_later_dependency() -> None:
    """The simulation no longer ignores a dependency on a call later in the list."""
    work = [PlannedWork("a", "t", 1.0, ("b",)), PlannedWork("b", "t", 2.0)]
    assert simulate(work) == 3.0
    assert simulate(work, respect_after=False) == 2.0


def test_dag_beats_levels_on_a_diamond_in_prediction() -> None:
    """On an unequal diamond the dag ideal is the critical path and levels pays for its barrier."""
    w = [
        PlannedWork("u", "t", 1.0),
        PlannedWork("o", "t", 4.0, ("u",)),
        PlannedWork("p", "t", 1.0, ("u",)),
        PlannedWork("r", "t", 3.0, ("p",)),
        PlannedWork("s", "t", 1.0, ("o", "r")),
    ]
    assert Dag().predict(w) == 6.0
    assert Levels().predict(w) == 9.0


def test_reference_is_resolved_from_the_earlier_result() -> None:
    """A ``$from`` argument receives the earlier call's value (here one key of it) before the call starts."""
    seen: dict[str, Any] = {}

    def code(**_: Any) -> dict[str, str]:
        return {"ref": "MAD"}

    def flight(airport: str, **_: Any) -> str:
        seen["airport"] = airport
        return "on time"

    calls = [
        ToolCall("c0", "code"),
        ToolCall("c1", "flight", {"airport": {"$from": "c0", "key": "ref"}}, ("c0",)),
    ]
    for ex in (Dag(), Levels(), Sequential()):
        seen.clear()
        rs = ex.run(calls, {"code": code, "flight": flight})
        assert [r.status for r in rs] == ["ok", "ok"]
        assert seen["airport"] == "MAD"
        ex.close()


def test_ignoring_executor_makes_error_2_visible() -> None:
    """threaded ignores ``after``: the dependent starts too early and reports 'dependency not ready'."""

    def slow(**_: Any) -> str:
        time.sleep(0.02)
        return "x"

    calls = [ToolCall("c0", "slow"), ToolCall("c1", "slow", {"v": {"$from": "c0"}}, ("c0",))]
    ex = Threaded()
    rs = ex.run(calls, {"slow": slow})
    ex.close()
    assert rs[0].status == "ok"
    assert rs[1].status == "error" and "dependency not ready" in (rs[1].error or "")


def test_failed_dependency_skips_dependents_without_hanging() -> None:
    """A failed call's dependents (and theirs) end ``skipped`` at once; independent calls still run."""

    def boom(**_: Any) -> None:
        raise RuntimeError("503")

    calls = [
        ToolCall("a", "boom"),
        ToolCall("b", "ok", {}, ("a",)),
        ToolCall("c", "ok", {}, ("b",)),
        ToolCall("d", "ok"),
    ]
    for ex in (Dag(), Levels(), Sequential()):
        rs = ex.run(calls, {"boom": boom, "ok": lambda **_: 1})
        assert [r.status for r in rs] == ["error", "skipped", "skipped", "ok"]
        ex.close()


@st.composite
def dags(draw: st.DrawFn) -> list[ToolCall]:
    n = draw(st.integers(1, 8))
    order = draw(st.permutations(range(n)))  # list order differs from dependency order
    calls = []
    for i in range(n):
        after = draw(st.sets(st.integers(0, n - 1).filter(lambda j, i=i: j < i), max_size=3))
        calls.append(
            ToolCall(f"c{i}", "t", {"ms": draw(st.integers(0, 3))}, tuple(f"c{j}" for j in sorted(after)))
        )
    return [calls[k] for k in order]


def _check_order(calls: list[ToolCall], rs: list[Any]) -> None:
    assert [r.call.id for r in rs] == [c.id for c in calls]
    by = {r.call.id: r for r in rs}
    for r in rs:
        assert r.status == "ok"
        for a in r.call.after:
            assert by[a].end <= r.start


@settings(max_examples=40, deadline=None)
@given(dags())
def test_dependencies_never_violated_fake_clock(calls: list[ToolCall]) -> None:
    """On random DAGs in any list order, sequential on the FakeClock starts every call after its dependencies."""
    clock = FakeClock()

    def tool(ms: int, **_: Any) -> int:
        clock.sleep(ms / 1000)
        return ms

    rs = Sequential(clock=clock, sleep=clock.sleep).run(calls, {"t": tool})
    _check_order(calls, rs)
    assert clock() == pytest.approx(sum(c.args["ms"] for c in calls) / 1000)


@settings(max_examples=25, deadline=None)
@given(dags())
def test_dependencies_never_violated_real_executors(calls: list[ToolCall]) -> None:
    """On random DAGs, dag, levels and sequential (threads, real clock) never start a call before its deps end."""

    def tool(ms: int, **_: Any) -> int:
        time.sleep(ms / 10_000)
        return ms

    for ex in (DAG, LEVELS, Sequential()):
        _check_order(calls, ex.run(calls, {"t": tool}))


DAG = Dag()
LEVELS = Levels()


@settings(max_examples=15, deadline=None)
@given(dags())
def test_dependencies_never_violated_async(calls: list[ToolCall]) -> None:
    """The async twins (``arun``) keep the same order on random DAGs."""
    import asyncio

    def tool(ms: int, **_: Any) -> int:
        return ms

    for ex in (DAG, LEVELS, Sequential()):
        _check_order(calls, asyncio.run(ex.arun(calls, {"t": tool})))
