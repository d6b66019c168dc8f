"""A fixed pool of worker threads, like the document's ``ParallelFunctionExecutor`` (10 workers by default).

With more calls than workers, calls queue for a worker: ``predict`` is list scheduling on k workers.
It ignores ``after`` (as the document's executor does): a call that starts before its dependency ended
reports ``error`` "dependency not ready" — the document's Error 2, made visible. Use ``dag`` or ``levels``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Unpack

from executors._predict import simulate
from executors._strategy import Calls, Kit, Options, Quotas, Results, check_positive
from executors._types import PlannedWork, Tools


class Threaded:
    """``max_workers`` threads; keywords as every strategy's (``Options``)."""

    def __init__(self, max_workers: int = 10, **options: Unpack[Options]) -> None:
        check_positive("max_workers", max_workers)
        self.max_workers = max_workers
        self.kit = Kit("threaded", options, threads=max_workers)
        self.name = self.kit.settings.name

    def run(self, calls: Calls, tools: Tools, *, quotas: Quotas = ()) -> Results:
        return self.kit.open(calls, tools, quotas).run_all(calls)

    async def arun(self, calls: Calls, tools: Tools, *, quotas: Quotas = ()) -> Results:
        return await self.kit.open(calls, tools, quotas).arun_all(calls)

    def predict(self, work: Sequence[PlannedWork], *, quotas: Quotas = ()) -> float:
        return simulate(work, workers=self.max_workers, quotas=quotas, respect_after=False)

    def close(self) -> None:
        self.kit.close()
