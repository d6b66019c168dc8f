"""Admission is the start: under every guard a call runs on the thread or task its limiter admitted; and a
call still queued for quota when the turn's deadline passes ends ``cancelled`` at the deadline."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from executors import (
    AsyncioExecutor,
    Dag,
    Dispatch,
    Guards,
    Levels,
    Quota,
    RateLimited,
    RetryPolicy,
    Sequential,
    SlidingWindowLimiter,
    Threaded,
    ToolCall,
    Turn,
)
from tests.conftest import FakeClock


def _whoami() -> object:
    """The running task on a loop, else the thread."""
    try:
        task = asyncio.current_task()
    except RuntimeError:
        task = None
    return task if task is not None else threading.get_ident()


class SpyLimiter:
    """A real limiter that notes who each admission went to."""

    def __init__(self) -> None:
        self.inner = SlidingWindowLimiter([(100, 1.0)], time.perf_counter)
        self.admitted_to: list[object] = []

    def acquire(self, sleep: Callable[[float], None], deadline: float | None = None) -> float:
        w = self.inner.acquire(sleep, deadline)
        self.admitted_to.append(_whoami())
        return w

    async def aacquire(
        self, asleep: Callable[[float], Awaitable[None]], deadline: float | None = None
    ) -> float:
        w = await self.inner.aacquire(asleep, deadline)
        self.admitted_to.append(_whoami())
        return w


class Spot:
    """A tool that notes who runs its first line (sync and async twins)."""

    def __init__(self) -> None:
        self.ran_on: list[object] = []

    def __call__(self, **_: Any) -> str:
        self.ran_on.append(_whoami())
        return "ok"

    async def acall(self, **_: Any) -> str:
        self.ran_on.append(_whoami())
        return "ok"


GUARDS = [
    Guards(timeout_s=5.0),
    Guards(deadline_s=5.0),
    Guards(hedge_default_s=5.0),
    Guards(timeout_s=5.0, retry=RetryPolicy(2)),
]


@pytest.mark.parametrize("guards", GUARDS, ids=["timeout", "deadline", "hedge", "timeout+retry"])
def test_sync_call_starts_on_the_thread_that_was_admitted(guards: Guards) -> None:
    """Dispatch.one under a timeout/deadline/hedge: the tool's first line runs on the admitted thread."""
    lim, tool = SpyLimiter(), Spot()
    call = ToolCall("c", "t")
    turn = Turn([call], guards, time.perf_counter)
    d = Dispatch({"t": tool}, time.perf_counter, time.sleep, asyncio.sleep, {"t": lim}, None, turn)
    r = d.one(call)
    assert r.status == "ok"
    assert lim.admitted_to == tool.ran_on


@pytest.mark.parametrize("guards", GUARDS, ids=["timeout", "deadline", "hedge", "timeout+retry"])
def test_native_async_call_starts_in_the_task_that_was_admitted(guards: Guards) -> None:
    """Dispatch.aone of a native ``acall`` under the same guards: the admitted task runs the tool's first line."""
    lim, tool = SpyLimiter(), Spot()
    call = ToolCall("c", "t")

    async def main() -> str:
        turn = Turn([call], guards, time.perf_counter)
        d = Dispatch({"t": tool}, time.perf_counter, time.sleep, asyncio.sleep, {"t": lim}, None, turn)
        r = await d.aone(call)
        return r.status

    assert asyncio.run(main()) == "ok"
    assert lim.admitted_to == tool.ran_on


def test_call_queued_past_the_deadline_is_cancelled_at_the_deadline(clock: FakeClock) -> None:
    """FakeClock, 1 start per second, deadline 0.5 s: the second call leaves the queue at exactly 0.5 s."""
    quota = Quota("q", ((1, 1.0),), ("t",))
    ex = Sequential(clock=clock, sleep=clock.sleep, guards=Guards(deadline_s=0.5))
    rs = ex.run([ToolCall("a", "t"), ToolCall("b", "t")], {"t": lambda **_: 1}, quotas=[quota])
    assert [r.status for r in rs] == ["ok", "cancelled"]
    assert rs[1].end == pytest.approx(0.5)
    assert rs[1].wait == pytest.approx(0.5)
    assert clock() == pytest.approx(0.5)


def test_retry_cut_by_the_deadline_while_queued_keeps_the_real_failure(clock: FakeClock) -> None:
    """A retry still waiting for quota at the deadline ends with the first attempt's error, not cancelled."""

    def broken(**_: Any) -> str:
        clock.sleep(0.1)
        raise RuntimeError("503")

    quota = Quota("q", ((1, 1.0),), ("t",))
    guards = Guards(deadline_s=0.5, retry=RetryPolicy(3, base_s=0.0))
    ex = Sequential(clock=clock, sleep=clock.sleep, guards=guards)
    (r,) = ex.run([ToolCall("a", "t")], {"t": broken}, quotas=[quota])
    assert (r.status, r.error, r.attempts) == ("error", "RuntimeError: 503", 1)
    assert r.end == pytest.approx(0.5)


class Quick:
    """A 1 ms tool (sync and async twins)."""

    def __call__(self, **_: Any) -> int:
        time.sleep(0.001)
        return 1

    async def acall(self, **_: Any) -> int:
        await asyncio.sleep(0.001)
        return 1


@pytest.mark.realtime
@pytest.mark.parametrize("make", [Threaded, AsyncioExecutor, RateLimited], ids=lambda m: m.__name__)
def test_turn_under_a_tight_quota_returns_at_its_deadline(make: Any) -> None:
    """Real time, 1 start per 10 s, 8 calls, deadline 50 ms: the turn returns at the deadline (plus
    scheduling slack, an upper bound), one call ok, the others cancelled at the deadline."""
    quota = Quota("q", ((1, 10.0),), ("t",))
    ex = make(guards=Guards(deadline_s=0.05))
    t0 = time.perf_counter()
    rs = ex.run([ToolCall(f"c{i}", "t") for i in range(8)], {"t": Quick()}, quotas=[quota])
    elapsed = time.perf_counter() - t0
    ex.close()
    assert sorted(r.status for r in rs) == ["cancelled"] * 7 + ["ok"]
    assert 0.05 <= elapsed < 0.05 + 0.25  # slack: an upper bound on a busy machine; the quota alone is 10 s
    assert all(r.end - t0 >= 0.05 for r in rs if r.status == "cancelled")


class Blocked:
    """A tool that does not answer until the test lets it go."""

    def __init__(self) -> None:
        self.go = threading.Event()

    def __call__(self, **_: Any) -> int:
        self.go.wait(10.0)
        return 1


def _broken(**_: Any) -> int:
    raise RuntimeError("503")


@pytest.mark.realtime
@pytest.mark.parametrize("make", [Threaded, RateLimited], ids=lambda m: m.__name__)
def test_turn_ends_calls_in_every_state_at_its_deadline(make: Any) -> None:
    """Deadline 100 ms: a done call keeps its result, a running one ends abandoned, one queued for quota
    (whichever of two reached the limiter second) cancelled, one queued for a retry with its real failure,
    each ended at the deadline by the turn."""
    blocked = Blocked()
    quotas = [Quota("q", ((1, 10.0),), ("q",)), Quota("b", ((1, 10.0),), ("b",))]
    guards = Guards(deadline_s=0.1, retry=RetryPolicy(3, base_s=0.0))
    ex = make(guards=guards)
    calls = [
        ToolCall("ok", "f"),
        ToolCall("slow", "s"),
        ToolCall("q1", "q"),
        ToolCall("q2", "q"),
        ToolCall("r", "b"),
    ]
    tools = {"f": lambda **_: 1, "s": blocked, "q": Quick(), "b": _broken}
    t0 = time.perf_counter()
    try:
        rs = {r.call.id: r for r in ex.run(calls, tools, quotas=quotas)}
        elapsed = time.perf_counter() - t0
    finally:
        blocked.go.set()
        ex.close()
    queued = max((rs["q1"], rs["q2"]), key=lambda r: r.status == "cancelled")  # whichever came second
    assert sorted((r.status, r.attempts) for r in (rs["q1"], rs["q2"])) == [("cancelled", 0), ("ok", 1)]
    got = {k: (rs[k].status, rs[k].attempts) for k in ("ok", "slow", "r")}
    assert got == {"ok": ("ok", 1), "slow": ("abandoned", 1), "r": ("error", 1)}
    assert rs["slow"].error is not None and rs["slow"].error.endswith("the tool's thread was abandoned")
    assert (
        queued.error == "turn deadline passed before the call started"
        and rs["r"].error == "RuntimeError: 503"
    )
    assert all(r.end - t0 >= 0.1 for r in (rs["slow"], queued, rs["r"]))
    assert 0.1 <= elapsed < 0.1 + 0.25  # slack: an upper bound on a busy machine; the quota alone is 10 s


@pytest.mark.realtime
def test_a_level_begun_after_the_deadline_skips_what_a_failed_dependency_blocks() -> None:
    """Levels, deadline 50 ms: level 1 ends at the deadline (one call abandoned); in level 2 a call whose
    dependency failed is skipped and one whose dependency is ok is cancelled, as their own threads say."""
    blocked = Blocked()
    ex = Levels(guards=Guards(deadline_s=0.05))
    calls = [
        ToolCall("a", "b"), ToolCall("ok", "f"), ToolCall("slow", "s"),
        ToolCall("x", "f", after=("a",)), ToolCall("y", "f", after=("ok",)),
    ]  # fmt: skip
    try:
        rs = {r.call.id: r.status for r in ex.run(calls, {"b": _broken, "f": lambda **_: 1, "s": blocked})}
    finally:
        blocked.go.set()
        ex.close()
    assert rs == {"a": "error", "ok": "ok", "slow": "abandoned", "x": "skipped", "y": "cancelled"}


@pytest.mark.parametrize("make", [Threaded, AsyncioExecutor], ids=lambda m: m.__name__)
def test_a_deadline_counts_from_the_call_to_run(make: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The turn's deadline is 5 s after the first clock reading of ``run``: the executor's own set-up
    (entering its event loop, making limiters) counts against it."""
    import executors._strategy as strategy

    readings: list[float] = []
    turns: list[Turn | None] = []

    def clock() -> float:
        readings.append(time.perf_counter())
        return readings[-1]

    def spy(*args: Any) -> Turn | None:
        turns.append(real_open(*args))
        return turns[-1]

    real_open = strategy.open_turn
    monkeypatch.setattr(strategy, "open_turn", spy)
    ex = make(guards=Guards(deadline_s=5.0), clock=clock)
    try:
        ex.run([ToolCall("a", "t")], {"t": Quick()})
    finally:
        ex.close()
    assert turns[0] is not None and turns[0].deadline == readings[0] + 5.0


@pytest.mark.realtime
@pytest.mark.parametrize("workers", [None, 2], ids=["unbounded", "dag@2"])
def test_dag_returns_at_its_deadline_without_waiting_for_its_calls_threads(
    workers: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dag, deadline 100 ms, its calls' own threads told to wake 0.5 s after it: the turn still returns
    within 0.25 s of the deadline (it ends the calls itself, as a pool turn does; it used to wait for every
    call's thread, one wake-up after another); a running call ends abandoned and its dependent skipped, as
    their own threads would say; calls done in time keep ok."""
    import executors._invoke as invoke

    monkeypatch.setattr(invoke, "_BEHIND_COLLECTOR_S", 0.5)
    blocked = Blocked()
    ex = Dag(workers, guards=Guards(deadline_s=0.1))
    calls = [
        ToolCall("y", "f", after=("ok",)), ToolCall("x", "f", after=("slow",)),
        ToolCall("slow", "s"), ToolCall("ok", "f"),
    ]  # fmt: skip
    t0 = time.perf_counter()
    try:
        got = ex.run(calls, {"f": lambda **_: 1, "s": blocked})
        elapsed = time.perf_counter() - t0
    finally:
        blocked.go.set()
        ex.close()
    assert [r.call.id for r in got] == ["y", "x", "slow", "ok"]
    rs = {r.call.id: r.status for r in got}
    assert rs == {"y": "ok", "x": "skipped", "slow": "abandoned", "ok": "ok"}
    assert 0.1 <= elapsed < 0.1 + 0.25  # slack: an upper bound on a busy machine; the threads wake at 0.6 s
