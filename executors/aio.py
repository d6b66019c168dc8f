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
from dataclasses import dataclass, field

from executors._guards import Guards, Turn
from executors._invoke import ainvoke
from executors._limiter import limiters_for
from executors._pool import LazyPool
from executors._predict import simulate
from executors._types import (
    DEFAULT_ASLEEP,
    DEFAULT_CLOCK,
    ASleep,
    CallResult,
    Clock,
    PlannedWork,
    Quota,
    ToolCall,
    Tools,
)


@dataclass(frozen=True, slots=True)
class AsyncioExecutor:
    #: None: every call at once; k: at most k calls in flight (a semaphore)
    max_concurrency: int | None = None
    name: str = "asyncio"
    clock: Clock = DEFAULT_CLOCK
    asleep: ASleep = DEFAULT_ASLEEP
    #: threads for tools without ``acall``
    sync_threads: int = 256
    guards: Guards | None = None
    _pool: LazyPool = field(init=False, repr=False, compare=False)
    _runner: list[asyncio.Runner] = field(init=False, repr=False, compare=False)
    _lock: threading.Lock = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_concurrency is not None and self.max_concurrency < 1:
            raise ValueError(f"max_concurrency must be >= 1 or None, got {self.max_concurrency}")
        object.__setattr__(self, "_pool", LazyPool(self.sync_threads, f"pfc-{self.name}"))
        object.__setattr__(self, "_runner", [])
        object.__setattr__(self, "_lock", threading.Lock())

    def run(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        with self._lock:  # one loop, one turn at a time
            if not self._runner:
                self._runner.append(asyncio.Runner(loop_factory=fine_timer_loop))
            return self._runner[0].run(self._boxed(calls, tools, quotas)).results

    async def _boxed(self, calls: Sequence[ToolCall], tools: Tools, quotas: Sequence[Quota]) -> _Box:
        # Runner.run ends with signal.getsignal(SIGINT), whose failed enum lookup formats repr() of the
        # finished main task and so of its result: six CallResult reprs per turn, a third of the
        # dispatch cost of a 10-call turn. A box with a constant repr takes that out of every run().
        return _Box(await self.arun(calls, tools, quotas=quotas))

    async def arun(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        turn = Turn(calls, self.guards, self.clock)
        limiters = limiters_for(quotas, self.clock)
        needs_threads = any(not hasattr(tools.get(c.name), "acall") for c in calls)
        pool = self._pool.get() if needs_threads else None
        sem = asyncio.Semaphore(self.max_concurrency) if self.max_concurrency else None

        clock, asleep = self.clock, self.asleep
        if sem is None:
            # No wrapper coroutine per call when nothing is bounded: one coroutine frame less per call.
            async with asyncio.TaskGroup() as tg:
                tasks = [
                    tg.create_task(ainvoke(c, tools, clock, asleep, limiters, pool, turn)) for c in calls
                ]
            return [t.result() for t in tasks]

        async def bounded(call: ToolCall) -> CallResult:
            async with sem:
                return await ainvoke(call, tools, clock, asleep, limiters, pool, turn)

        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(bounded(c)) for c in calls]
        return [t.result() for t in tasks]

    def predict(self, work: Sequence[PlannedWork], *, quotas: Sequence[Quota] = ()) -> float:
        return simulate(work, workers=self.max_concurrency, quotas=quotas, respect_after=False)

    def close(self) -> None:
        with self._lock:
            while self._runner:
                self._runner.pop().close()
        self._pool.close()


class _Box:
    __slots__ = ("results",)

    def __init__(self, results: list[CallResult]) -> None:
        self.results = results

    def __repr__(self) -> str:
        return f"<{len(self.results)} call results>"


def fine_timer_loop() -> asyncio.AbstractEventLoop:
    """An event loop whose timers have microsecond resolution (select) instead of epoll's millisecond."""
    return asyncio.SelectorEventLoop(selectors.SelectSelector())
