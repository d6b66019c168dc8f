"""Timeouts, deadlines, hedges and hung sync tools, in real time; tolerances are generous upper bounds."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from executors import AsyncioExecutor, Dag, Guards, Threaded, ToolCall

pytestmark = pytest.mark.realtime

#: scheduling slack on a busy two-core machine; only ever used as an upper-bound margin
SLACK = 0.25


def hang(**_: Any) -> str:
    time.sleep(30)
    return "never"


class Sleeper:
    """A tool whose n-th attempt (per request) sleeps ``delays[n]`` seconds (sync and async twins)."""

    def __init__(self, delays: list[float]) -> None:
        self.delays = delays
        self.n: dict[str, int] = {}

    def _next(self, rid: str) -> float:
        k = self.n.get(rid, 0)
        self.n[rid] = k + 1
        return self.delays[min(k, len(self.delays) - 1)]

    def __call__(self, request_id: str = "x", **_: Any) -> str:
        time.sleep(self._next(request_id))
        return "ok"

    async def acall(self, request_id: str = "x", **_: Any) -> str:
        await asyncio.sleep(self._next(request_id))
        return "ok"


def test_hung_sync_tool_is_abandoned_and_others_kept() -> None:
    """A hung sync tool ends ``abandoned`` within its timeout plus slack; the other call's result is kept."""
    ex = Threaded(guards=Guards(timeout_s=0.1))
    t0 = time.perf_counter()
    rs = ex.run([ToolCall("a", "hang"), ToolCall("b", "fine")], {"hang": hang, "fine": lambda **_: 1})
    ex.close()  # must not wait for the sleeping thread
    elapsed = time.perf_counter() - t0
    assert [r.status for r in rs] == ["abandoned", "ok"]
    assert 0.1 <= elapsed < 0.1 + SLACK


def test_interpreter_exits_with_a_hung_tool() -> None:
    """A process whose run abandoned a hung tool exits promptly (the thread is a daemon, the pool is free)."""
    code = textwrap.dedent(
        """
        import time
        from executors import Guards, Threaded, ToolCall
        def hang(**_):
            time.sleep(60)
        ex = Threaded(guards=Guards(timeout_s=0.05))
        print(ex.run([ToolCall("a", "hang")], {"hang": hang})[0].status)
        ex.close()
        """
    )
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True)
    assert out.stdout.strip() == "abandoned"
    assert time.perf_counter() - t0 < 20  # far below the 60 s hang: the process did not wait for it


@settings(max_examples=8, deadline=None)
@given(timeout=st.floats(0.02, 0.08), slow=st.floats(0.15, 0.3))
def test_timed_out_call_ends_within_timeout(timeout: float, slow: float) -> None:
    """Sync or async, a call slower than its timeout ends within the timeout plus slack (never before it)."""
    tools = {"s": Sleeper([slow])}
    for ex in (Threaded(guards=Guards(timeout_s=timeout)), AsyncioExecutor(guards=Guards(timeout_s=timeout))):
        [r] = ex.run([ToolCall("a", "s")], tools)
        ex.close()
        assert r.status in ("timeout", "abandoned")
        assert timeout - 0.002 <= r.end - r.start < timeout + SLACK


def test_async_timeout_cancels_native_tool() -> None:
    """A native async tool is cancelled on timeout: status ``timeout``, not ``abandoned``."""
    ex = AsyncioExecutor(guards=Guards(timeout_s=0.05))
    [r] = ex.run([ToolCall("a", "s")], {"s": Sleeper([1.0])})
    ex.close()
    assert r.status == "timeout"


def test_deadline_keeps_partial_results() -> None:
    """At the turn deadline finished results are kept, running calls time out, unstarted ones are cancelled."""
    tools = {"s": Sleeper([0.02]), "slow": Sleeper([1.0])}
    calls = [ToolCall("a", "s"), ToolCall("b", "slow"), ToolCall("c", "s", {}, ("b",))]
    ex = Dag(guards=Guards(deadline_s=0.15))
    t0 = time.perf_counter()
    rs = ex.run(calls, tools)
    ex.close()
    assert time.perf_counter() - t0 < 0.15 + SLACK
    assert rs[0].status == "ok"
    assert rs[1].status == "abandoned"
    assert rs[2].status in ("skipped", "cancelled")


def test_hedge_wins_against_a_straggler() -> None:
    """A straggler's hedged copy answers first: ``ok`` with 2 attempts, well before the straggler would."""
    tools = {"s": Sleeper([1.0, 0.02])}
    for ex in (
        Threaded(guards=Guards(hedge_s={"s": 0.05})),
        AsyncioExecutor(guards=Guards(hedge_s={"s": 0.05})),
    ):
        tools["s"].n.clear()
        [r] = ex.run([ToolCall("a", "s")], tools)
        ex.close()
        assert (r.status, r.attempts) == ("ok", 2)
        assert 0.07 - 0.002 <= r.end - r.start < 0.07 + SLACK


def test_hedge_respects_the_budget() -> None:
    """With no extra attempts left in the budget, no hedge copy is started."""
    ex = Threaded(guards=Guards(hedge_s={"s": 0.02}, retry_budget=0))
    [r] = ex.run([ToolCall("a", "s")], {"s": Sleeper([0.1, 0.01])})
    ex.close()
    assert (r.status, r.attempts) == ("ok", 1)
