"""A fixed pool of worker threads, like the document's ``ParallelFunctionExecutor`` (10 workers by default).

With more calls than workers, calls queue for a worker: ``predict`` is list scheduling on k workers.
It ignores ``after`` (as the document's executor does): a call that starts before its dependency ended
reports ``error`` "dependency not ready" — the document's Error 2, made visible. Use ``dag`` or ``levels``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from executors._guards import Guards, Turn
from executors._invoke import pool_arun, pool_run
from executors._limiter import limiters_for
from executors._pool import LazyPool
from executors._predict import simulate
from executors._types import (
    DEFAULT_CLOCK,
    DEFAULT_SLEEP,
    CallResult,
    Clock,
    PlannedWork,
    Quota,
    Sleep,
    ToolCall,
    Tools,
)


@dataclass(frozen=True, slots=True)
class Threaded:
    max_workers: int = 10
    name: str = "threaded"
    clock: Clock = DEFAULT_CLOCK
    sleep: Sleep = DEFAULT_SLEEP
    guards: Guards | None = None
    _pool: LazyPool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_workers < 1:
            raise ValueError(f"max_workers must be >= 1, got {self.max_workers}")
        object.__setattr__(self, "_pool", LazyPool(self.max_workers, f"pfc-{self.name}"))

    def run(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        turn = Turn(calls, self.guards, self.clock)
        limiters = limiters_for(quotas, self.clock)
        return pool_run(self._pool.get(), calls, tools, self.clock, self.sleep, limiters, turn)

    async def arun(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        turn = Turn(calls, self.guards, self.clock)
        limiters = limiters_for(quotas, self.clock)
        return await pool_arun(self._pool.get(), calls, tools, self.clock, self.sleep, limiters, turn)

    def predict(self, work: Sequence[PlannedWork], *, quotas: Sequence[Quota] = ()) -> float:
        return simulate(work, workers=self.max_workers, quotas=quotas, respect_after=False)

    def close(self) -> None:
        self._pool.close()
