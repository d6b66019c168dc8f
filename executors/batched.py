"""The document's batching pattern: batches of k calls, all of a batch in parallel, a barrier between
batches, each start gated by the client-side limiter.

The barrier is its weakness: a batch waits for its slowest call even when the quota would already admit
the next calls. ``ratelimited`` keeps the limiter and drops the barrier. Batches are list chunks: ``after`` is
ignored (a dependent that starts too early reports "dependency not ready"); ``levels`` batches by dependency.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from executors._doc_limiter import DocWindowLimiter
from executors._guards import Guards, Turn
from executors._invoke import Limiter, ainvoke, pool_run
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

#: the document's default batch size, used when no quota suggests one
DEFAULT_BATCH = 5


def batch_size_for(quotas: Sequence[Quota], batch_size: int | None) -> int:
    """The configured size, else the tightest quota's burst (the document: "batch_size=10 # the API's limit")."""
    if batch_size is not None:
        return batch_size
    counts = [count for q in quotas for count, _ in q.windows]
    return min(counts) if counts else DEFAULT_BATCH


@dataclass(frozen=True, slots=True)
class Batched:
    batch_size: int | None = None
    name: str = "batched"
    clock: Clock = DEFAULT_CLOCK
    sleep: Sleep = DEFAULT_SLEEP
    asleep: ASleep = DEFAULT_ASLEEP
    max_workers: int = 256
    #: "exact": our sliding-window limiter; "doc": the document's (racy, fixed pad) for comparison
    limiter: str = "exact"
    #: the document's fixed sleep past a full window, in wall seconds (0.1 s times the time scale)
    doc_pad: float = 0.1
    guards: Guards | None = None
    _pool: LazyPool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.limiter not in ("exact", "doc"):
            raise ValueError(f"limiter must be 'exact' or 'doc', got {self.limiter!r}")
        object.__setattr__(self, "_pool", LazyPool(self.max_workers, f"pfc-{self.name}"))

    def _limiters(self, quotas: Sequence[Quota]) -> Mapping[str, Limiter]:
        if self.limiter == "exact":
            return limiters_for(quotas, self.clock)
        out: dict[str, Limiter] = {}
        for q in quotas:
            lim = DocWindowLimiter(q.windows, self.clock, pad=self.doc_pad)
            out.update(dict.fromkeys(q.tools, lim))
        return out

    def run(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        turn = Turn(calls, self.guards, self.clock)
        limiters = self._limiters(quotas)
        k = batch_size_for(quotas, self.batch_size)
        pool = self._pool.get()
        out: list[CallResult] = []
        for i in range(0, len(calls), k):
            out.extend(
                pool_run(pool, calls[i : i + k], tools, self.clock, self.sleep, limiters, turn)
            )  # the barrier
        return out

    async def arun(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        turn = Turn(calls, self.guards, self.clock)
        limiters = self._limiters(quotas)
        k = batch_size_for(quotas, self.batch_size)
        pool = self._pool.get()
        out: list[CallResult] = []
        for i in range(0, len(calls), k):
            async with asyncio.TaskGroup() as tg:
                tasks = [
                    tg.create_task(ainvoke(c, tools, self.clock, self.asleep, limiters, pool, turn))
                    for c in calls[i : i + k]
                ]
            out.extend(t.result() for t in tasks)
        return out

    def predict(self, work: Sequence[PlannedWork], *, quotas: Sequence[Quota] = ()) -> float:
        # The document's limiter is not simulated: its ideal is ours; its extra time shows as overhead.
        return simulate(
            work, batch_size=batch_size_for(quotas, self.batch_size), quotas=quotas, respect_after=False
        )

    def close(self) -> None:
        self._pool.close()
