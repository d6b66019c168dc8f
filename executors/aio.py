"""asyncio: one task per call in a TaskGroup, native ``acall`` where a tool has one, a thread otherwise.

Structured: when ``arun`` returns (or is cancelled) no task of the turn is left running. Sync-only tools
run in this executor's own pool sized to the fan-out, not the loop's default pool, which has only
min(32, cpus + 4) threads — six on a two-core machine — and would quietly serialise a wide turn.

``run`` keeps one event loop per executor (an ``asyncio.Runner``) instead of building one per turn, and that
loop uses ``select()``: asyncio's default epoll selector rounds every timer up to the next millisecond,
which adds up to 1 ms to each simulated ``asyncio.sleep`` — an artifact of simulating latency with timers
(real network I/O wakes the loop at once), worth 2% of a 50 ms turn.

``after`` is ignored, as in ``threaded`` (a too-early dependent reports "dependency not ready").
"""

from __future__ import annotations

import asyncio
import selectors
import threading
from collections.abc import Sequence
from typing import Unpack

from executors._invoke import Dispatch
from executors._predict import simulate
from executors._strategy import Calls, Kit, Options, Quotas, Results, check_positive
from executors._types import CallResult, PlannedWork, ToolCall, Tools


class AsyncioExecutor:
    """``max_concurrency``: None, every call at once; k, at most k calls in flight (a semaphore).
    ``sync_threads``: threads for tools without ``acall``. Keywords: ``Options``."""

    def __init__(
        self, max_concurrency: int | None = None, sync_threads: int = 256, **options: Unpack[Options]
    ) -> None:
        check_positive("max_concurrency", max_concurrency, none_ok=True)
        self.max_concurrency = max_concurrency
        self.kit = Kit("asyncio", options, threads=sync_threads)
        self.name = self.kit.settings.name
        self._runner: asyncio.Runner | None = None
        self._lock = threading.Lock()

    def run(self, calls: Calls, tools: Tools, *, quotas: Quotas = ()) -> Results:
        start = self.kit.settings.clock()  # a deadline counts from here: entering the loop is ours to pay
        with self._lock:  # one loop, one turn at a time
            if self._runner is None:
                self._runner = asyncio.Runner(loop_factory=fine_timer_loop)
            return self._runner.run(self._boxed(calls, tools, quotas, start)).results

    async def _boxed(self, calls: Calls, tools: Tools, quotas: Quotas, start: float) -> _Box:
        # Runner.run ends with signal.getsignal(SIGINT), whose failed enum lookup formats repr() of the
        # finished main task and so of its result: six CallResult reprs per turn, a third of the
        # dispatch cost of a 10-call turn. A box with a constant repr takes that out of every run().
        return _Box(await self._arun(calls, tools, quotas, start))

    async def arun(self, calls: Calls, tools: Tools, *, quotas: Quotas = ()) -> Results:
        return await self._arun(calls, tools, quotas, None)

    async def _arun(self, calls: Calls, tools: Tools, quotas: Quotas, start: float | None) -> Results:
        needs_threads = any(not hasattr(tools.get(c.name), "acall") for c in calls)
        d = self.kit.open(calls, tools, quotas, threads=needs_threads, start=start)
        if not self.max_concurrency:
            return await d.gather(calls)  # no wrapper coroutine per call when nothing is bounded
        return await _bounded(d, calls, asyncio.Semaphore(self.max_concurrency))

    def predict(self, work: Sequence[PlannedWork], *, quotas: Quotas = ()) -> float:
        return simulate(work, workers=self.max_concurrency, quotas=quotas, respect_after=False)

    def close(self) -> None:
        with self._lock:
            runner, self._runner = self._runner, None
            if runner is not None:
                runner.close()
        self.kit.close()


async def _bounded(d: Dispatch, calls: Calls, sem: asyncio.Semaphore) -> Results:
    async def one(call: ToolCall) -> CallResult:
        async with sem:
            return await d.aone(call)

    return await d.gather(calls, one)


class _Box:
    __slots__ = ("results",)

    def __init__(self, results: Results) -> None:
        self.results = results

    def __repr__(self) -> str:
        return f"<{len(self.results)} call results>"


def fine_timer_loop() -> asyncio.AbstractEventLoop:
    """An event loop whose timers have microsecond resolution (select) instead of epoll's millisecond."""
    return asyncio.SelectorEventLoop(selectors.SelectSelector())
