"""Adaptive concurrency: one thread per call, gated by an AIMD limit per tool that learns the server's quota
from its 429s (``_aimd.py``) instead of being told it.

It never uses the quotas it is given (that is the point: a client that does not know them), and a 429 is
retried after the server's ``retry_after`` (up to 20 attempts, outside the turn's retry budget, which
applies to the guards' own retries). Compare with ``ratelimited`` (told the quota) and a ``-naive`` burst.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from executors._aimd import AimdLimiter
from executors._guards import Guards, RetryPolicy, Turn
from executors._invoke import Limiter, ainvoke, pool_run
from executors._pool import LazyPool
from executors._predict import simulate
from executors._types import (
    DEFAULT_ASLEEP,
    DEFAULT_CLOCK,
    DEFAULT_SLEEP,
    ASleep,
    CallResult,
    Clock,
    Executor,
    PlannedWork,
    Quota,
    Sleep,
    ToolCall,
    Tools,
)

#: how a rejected call comes back: after the server's retry_after, no extra jitter
RETRY_429 = RetryPolicy(attempts=20, base_s=0.0, cap_s=0.0, on=("rate_limited",))


@dataclass(frozen=True, slots=True)
class Adaptive:
    initial: float = 4.0
    name: str = "adaptive"
    clock: Clock = DEFAULT_CLOCK
    sleep: Sleep = DEFAULT_SLEEP
    asleep: ASleep = DEFAULT_ASLEEP
    max_workers: int = 256
    guards: Guards | None = None
    _pool: LazyPool = field(init=False, repr=False, compare=False)
    #: the limiters of the last run, for statistics
    last: dict[str, AimdLimiter] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pool", LazyPool(self.max_workers, f"pfc-{self.name}"))

    def _guards(self) -> Guards:
        g = self.guards or Guards()
        if g.retry is None:
            # retries of 429s are part of the strategy, so they do not draw on a budget meant for faults
            return replace(g, retry=RETRY_429, retry_budget=None)
        return g

    def _limiters(self, calls: Sequence[ToolCall]) -> Mapping[str, Limiter]:
        self.last.clear()
        for c in calls:
            if c.name not in self.last:
                self.last[c.name] = AimdLimiter(self.clock, initial=self.initial)
        return dict(self.last)

    def run(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        turn = Turn(calls, self._guards(), self.clock)
        limiters = self._limiters(calls)
        return pool_run(self._pool.get(), calls, tools, self.clock, self.sleep, limiters, turn)

    async def arun(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        turn = Turn(calls, self._guards(), self.clock)
        limiters = self._limiters(calls)
        pool = self._pool.get()
        async with asyncio.TaskGroup() as tg:
            tasks = [
                tg.create_task(ainvoke(c, tools, self.clock, self.asleep, limiters, pool, turn))
                for c in calls
            ]
        return [t.result() for t in tasks]

    def predict(self, work: Sequence[PlannedWork], *, quotas: Sequence[Quota] = ()) -> float:
        # Its ideal is the informed limiter's: AIMD can at best learn the quota exactly.
        return simulate(work, quotas=quotas, respect_after=False)

    def close(self) -> None:
        self._pool.close()


@dataclass(frozen=True, slots=True)
class Naive:
    """Any executor without client-side knowledge of the quotas: it bursts and the server answers 429.
    Its label ends in ``-naive`` so its records are never mixed with the informed executor's."""

    inner: Executor
    name: str

    def run(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        return self.inner.run(calls, tools, quotas=())

    async def arun(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        return await self.inner.arun(calls, tools, quotas=())

    def predict(self, work: Sequence[PlannedWork], *, quotas: Sequence[Quota] = ()) -> float:
        return self.inner.predict(work, quotas=())

    def close(self) -> None:
        self.inner.close()
