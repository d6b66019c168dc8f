"""Adaptive concurrency: one thread per call, gated by an AIMD limit per tool that learns the server's quota
from its 429s (``_aimd.py``) instead of being told it.

It never uses the quotas it is given (that is the point: a client that does not know them), and a 429 is
retried after the server's ``retry_after`` (up to 20 attempts, outside the turn's retry budget, which
applies to the guards' own retries). Compare with ``ratelimited`` (told the quota) and a ``-naive`` burst.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Unpack

from executors._aimd import AimdLimiter
from executors._guards import Guards, RetryPolicy
from executors._invoke import Dispatch
from executors._predict import simulate
from executors._strategy import Calls, Kit, Options, Quotas, Results
from executors._types import Executor, PlannedWork, Tools

#: how a rejected call comes back: after the server's retry_after, no extra jitter
RETRY_429 = RetryPolicy(attempts=20, base_s=0.0, cap_s=0.0, on=("rate_limited",))


class Adaptive:
    """``initial``: each tool's starting concurrency limit; up to ``max_workers`` threads for sync tools.
    Keywords: ``Options``. ``last`` keeps the limiters of the last run, for statistics."""

    def __init__(self, initial: float = 4.0, max_workers: int = 256, **options: Unpack[Options]) -> None:
        self.initial = initial
        self.kit = Kit("adaptive", options, threads=max_workers)
        self.name = self.kit.settings.name
        self.last: dict[str, AimdLimiter] = {}

    def _open(self, calls: Calls, tools: Tools) -> Dispatch:
        g = self.kit.settings.guards or Guards()
        if g.retry is None:
            # retries of 429s are part of the strategy, so they do not draw on a budget meant for faults
            g = replace(g, retry=RETRY_429, retry_budget=None)
        self.last.clear()
        for c in calls:
            if c.name not in self.last:
                self.last[c.name] = AimdLimiter(self.kit.settings.clock, initial=self.initial)
        return self.kit.open(calls, tools, limiters=dict(self.last), guards=g)

    def run(self, calls: Calls, tools: Tools, *, quotas: Quotas = ()) -> Results:
        return self._open(calls, tools).run_all(calls)

    async def arun(self, calls: Calls, tools: Tools, *, quotas: Quotas = ()) -> Results:
        return await self._open(calls, tools).gather(calls)

    def predict(self, work: Sequence[PlannedWork], *, quotas: Quotas = ()) -> float:
        # Its ideal is the informed limiter's: AIMD can at best learn the quota exactly.
        return simulate(work, quotas=quotas, respect_after=False)

    def close(self) -> None:
        self.kit.close()


@dataclass(frozen=True, slots=True)
class Naive:
    """Any executor without client-side knowledge of the quotas: it bursts and the server answers 429.
    Its label ends in ``-naive`` so its records are never mixed with the informed executor's."""

    inner: Executor
    name: str

    def run(self, calls: Calls, tools: Tools, *, quotas: Quotas = ()) -> Results:
        return self.inner.run(calls, tools, quotas=())

    async def arun(self, calls: Calls, tools: Tools, *, quotas: Quotas = ()) -> Results:
        return await self.inner.arun(calls, tools, quotas=())

    def predict(self, work: Sequence[PlannedWork], *, quotas: Quotas = ()) -> float:
        return self.inner.predict(work, quotas=())

    def close(self) -> None:
        self.inner.close()
