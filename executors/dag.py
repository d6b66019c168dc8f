"""Dependency-aware scheduling: every call starts the moment its own dependencies have finished.

No levels and no barriers: in a diamond where one branch is long and the other short-then-long, the short
branch's second call does not wait for the long sibling (as ``levels`` makes it). The makespan reaches the
critical path. A call whose dependency failed is ``skipped`` at once, so a failure never hangs the turn.

The sync ``run`` hands each ready call to the pool; the worker that finishes a call runs the first newly
ready dependent itself (no hand-off to another thread on the critical path) and submits the others; the
caller's thread runs the first root the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from executors._guards import Guards, Turn
from executors._invoke import ainvoke, invoke
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
class Dag:
    #: None: a thread (or task) per ready call; k: at most k calls in flight
    max_workers: int | None = None
    name: str = "dag"
    clock: Clock = DEFAULT_CLOCK
    sleep: Sleep = DEFAULT_SLEEP
    asleep: ASleep = DEFAULT_ASLEEP
    guards: Guards | None = None
    _pool: LazyPool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_workers is not None and self.max_workers < 1:
            raise ValueError(f"max_workers must be >= 1 or None, got {self.max_workers}")
        object.__setattr__(self, "_pool", LazyPool(self.max_workers or 256, f"pfc-{self.name}"))

    def run(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        turn = Turn(calls, self.guards, self.clock)  # refuses cycles and unknown ids, naming them
        if not calls:
            return []
        limiters = limiters_for(quotas, self.clock)
        pool = self._pool.get()
        index = {c.id: i for i, c in enumerate(calls)}
        waiting = [len(set(c.after)) for c in calls]
        dependents: list[list[int]] = [[] for _ in calls]
        for i, c in enumerate(calls):
            for a in set(c.after):
                dependents[index[a]].append(i)
        results: list[CallResult | None] = [None] * len(calls)
        lock = threading.Lock()
        left = [len(calls)]
        all_done = threading.Event()
        failures: list[BaseException] = []

        def work(i: int) -> None:
            try:
                while True:
                    r = invoke(calls[i], tools, self.clock, self.sleep, limiters, turn)
                    ready = []
                    with lock:
                        results[i] = r
                        left[0] -= 1
                        for j in dependents[i]:
                            waiting[j] -= 1
                            if waiting[j] == 0:
                                ready.append(j)
                        if left[0] == 0:
                            all_done.set()
                    if not ready:
                        return
                    for j in ready[1:]:
                        pool.submit(work, j)
                    i = ready[0]  # this thread continues down the graph
            except BaseException as exc:  # a bug must end the turn, not leave run() waiting forever
                failures.append(exc)
                all_done.set()
                raise

        roots = [i for i, n in enumerate(waiting) if n == 0]
        for i in roots[1:]:
            pool.submit(work, i)
        # The caller runs the first root itself: one thread wake-up less on the critical path.
        with contextlib.suppress(BaseException):
            work(roots[0])
        all_done.wait()
        if failures:
            raise failures[0]
        return [r for r in results if r is not None]

    async def arun(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        turn = Turn(calls, self.guards, self.clock)
        limiters = limiters_for(quotas, self.clock)
        pool = self._pool.get()
        finished = {c.id: asyncio.Event() for c in calls}
        sem = asyncio.Semaphore(self.max_workers) if self.max_workers else None

        async def one(call: ToolCall) -> CallResult:
            for a in call.after:
                await finished[a].wait()
            try:
                if sem is None:
                    return await ainvoke(call, tools, self.clock, self.asleep, limiters, pool, turn)
                async with sem:
                    return await ainvoke(call, tools, self.clock, self.asleep, limiters, pool, turn)
            finally:
                finished[call.id].set()

        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(one(c)) for c in calls]
        return [t.result() for t in tasks]

    def predict(self, work: Sequence[PlannedWork], *, quotas: Sequence[Quota] = ()) -> float:
        return simulate(work, workers=self.max_workers, quotas=quotas)

    def close(self) -> None:
        self._pool.close()
