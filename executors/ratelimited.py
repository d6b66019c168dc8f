"""The limiter without the barrier: every call starts the moment the quota admits it.

This is the improvement over the document's batching: for 30 calls at 5 per 200 ms the last call starts at
1.0 s, exactly where the quota first allows it, instead of after six batch barriers plus fixed sleeps.
Concurrency is unbounded (one thread or task per call); the limiter is the only gate. ``after`` is ignored
(a dependent that starts too early reports "dependency not ready"); retries go through the limiter again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Unpack

from executors._predict import simulate
from executors._strategy import Calls, Kit, Options, Quotas, Results
from executors._types import PlannedWork, Tools


class RateLimited:
    """Up to ``max_workers`` threads for sync tools, a task per call on a loop; keywords: ``Options``."""

    def __init__(self, max_workers: int = 256, **options: Unpack[Options]) -> None:
        self.kit = Kit("ratelimited", options, threads=max_workers)
        self.name = self.kit.settings.name

    def predict(self, work: Sequence[PlannedWork], *, quotas: Quotas = ()) -> float:
        return simulate(work, quotas=quotas, respect_after=False)

    def run(self, calls: Calls, tools: Tools, *, quotas: Quotas = ()) -> Results:
        return self.kit.open(calls, tools, quotas).run_all(calls)

    async def arun(self, calls: Calls, tools: Tools, *, quotas: Quotas = ()) -> Results:
        return await self.kit.open(calls, tools, quotas).gather(calls)

    def close(self) -> None:
        self.kit.close()
