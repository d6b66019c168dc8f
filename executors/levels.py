"""The document's ``SmartFunctionGrouper``: calls grouped into dependency levels, each level run in parallel,
a barrier between levels.

Two differences from the document, both on purpose: a cycle or an unknown dependency is refused with an
error naming it (the document's grouper runs a cycle's calls together, in parallel), and dependencies are
per call id, not per function name (two calls of one tool may have different dependencies). The barrier
is the strategy's cost: a short branch's next call waits for the level's slowest call (``dag`` does not).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from executors._deps import levels
from executors._guards import Guards, Turn
from executors._invoke import ainvoke, pool_run
from executors._limiter import limiters_for
from executors._pool import LazyPool
from executors._predict import simulate
from executors._types import (
    DEFAULT_ASLEEP,
    DEFAULT_CLOCK,
    DEFAULT_SLEEP,
    ASleep,
    CallResult,
    Clock,
    PlannedWork,
    Quota,
    Sleep,
    ToolCall,
    Tools,
)


@dataclass(frozen=True, slots=True)
class Levels:
    name: str = "levels"
    clock: Clock = DEFAULT_CLOCK
    sleep: Sleep = DEFAULT_SLEEP
    asleep: ASleep = DEFAULT_ASLEEP
    max_workers: int = 256
    guards: Guards | None = None
    _pool: LazyPool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pool", LazyPool(self.max_workers, f"pfc-{self.name}"))

    def run(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        turn = Turn(calls, self.guards, self.clock)
        limiters = limiters_for(quotas, self.clock)
        pool = self._pool.get()
        out: list[CallResult | None] = [None] * len(calls)
        for level in levels(calls):
            done = pool_run(pool, [calls[i] for i in level], tools, self.clock, self.sleep, limiters, turn)
            for i, r in zip(
                level, done, strict=True
            ):  # the barrier: the next level starts after all of these
                out[i] = r
        return [r for r in out if r is not None]

    async def arun(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        turn = Turn(calls, self.guards, self.clock)
        limiters = limiters_for(quotas, self.clock)
        pool = self._pool.get()
        out: list[CallResult | None] = [None] * len(calls)
        for level in levels(calls):
            async with asyncio.TaskGroup() as tg:
                tasks = [
                    tg.create_task(ainvoke(calls[i], tools, self.clock, self.asleep, limiters, pool, turn))
                    for i in level
                ]
            for i, t in zip(level, tasks, strict=True):
                out[i] = t.result()
        return [r for r in out if r is not None]

    def predict(self, work: Sequence[PlannedWork], *, quotas: Sequence[Quota] = ()) -> float:
        calls = [ToolCall(w.id, w.tool, {}, w.after) for w in work]
        Turn(calls, None, lambda: 0.0)  # the same refusal as run(): a cycle is named, not simulated
        return simulate(work, quotas=quotas, groups=levels(calls))

    def close(self) -> None:
        self._pool.close()
