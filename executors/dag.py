"""Dependency-aware scheduling: every call starts the moment its own dependencies have finished.

No levels and no barriers: in a diamond where one branch is long and the other short-then-long, the short
branch's second call does not wait for the long sibling (as ``levels`` makes it). The makespan reaches the
critical path. A call whose dependency failed is ``skipped`` at once, so a failure never hangs the turn.

The sync ``run`` hands each ready call to the pool; the worker that finishes a call runs the first newly
ready dependent itself (no hand-off to another thread on the critical path) and submits the others; without
a worker bound, the caller's thread runs the first root the same way. Under a deadline the caller runs no
call: it wakes once, at the deadline, and ends the calls still going (``Dispatch.claim_all``), as a pool
turn does, instead of waiting for every call's thread to notice the deadline one wake-up after another.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence
from typing import Unpack

from executors._deps import topological_order
from executors._invoke import Dispatch
from executors._outcome import Progress
from executors._predict import simulate
from executors._strategy import Calls, Kit, Options, Quotas, Results, check_positive
from executors._types import CallResult, PlannedWork, ToolCall, Tools


class Dag:
    """``max_workers``: None, a thread (or task) per ready call; k, at most k calls in flight.
    Keywords: ``Options``."""

    def __init__(self, max_workers: int | None = None, **options: Unpack[Options]) -> None:
        check_positive("max_workers", max_workers, none_ok=True)
        self.max_workers = max_workers
        self.kit = Kit("dag", options, threads=max_workers or 256)
        self.name = self.kit.settings.name

    def run(self, calls: Calls, tools: Tools, *, quotas: Quotas = ()) -> Results:
        d = self.kit.open(calls, tools, quotas)  # refuses cycles and unknown ids, naming them
        return _Walk(calls, d, inline_root=self.max_workers is None).run() if calls else []

    async def arun(self, calls: Calls, tools: Tools, *, quotas: Quotas = ()) -> Results:
        d = self.kit.open(calls, tools, quotas)
        finished = {c.id: asyncio.Event() for c in calls}
        sem = asyncio.Semaphore(self.max_workers) if self.max_workers else contextlib.nullcontext()

        async def one(call: ToolCall) -> CallResult:
            for a in call.after:
                await finished[a].wait()
            try:
                async with sem:
                    return await d.aone(call)
            finally:
                finished[call.id].set()

        return await d.gather(calls, one)

    def predict(self, work: Sequence[PlannedWork], *, quotas: Quotas = ()) -> float:
        return simulate(work, workers=self.max_workers, quotas=quotas)

    def close(self) -> None:
        self.kit.close()


class _Walk:
    """One sync turn through the graph: who waits for whom, the results so far, when the last one ended."""

    def __init__(self, calls: Calls, d: Dispatch, *, inline_root: bool) -> None:
        self.calls, self.d, self.inline_root = calls, d, inline_root
        index = {c.id: i for i, c in enumerate(calls)}
        self.waiting = [len(set(c.after)) for c in calls]
        self.dependents: list[list[int]] = [[] for _ in calls]
        for i, c in enumerate(calls):
            for a in set(c.after):
                self.dependents[index[a]].append(i)
        self.results: list[CallResult | None] = [None] * len(calls)
        self.left = len(calls)
        self.lock = threading.Lock()
        self.all_done = threading.Event()
        self.failures: list[BaseException] = []
        turn = d.turn
        #: under a deadline, how far each call got, for ending it there (None: no deadline)
        self.progs = None
        if turn is not None and turn.deadline is not None:
            self.progs = [Progress(collected=True) for _ in calls]

    def run(self) -> Results:
        roots = [i for i, n in enumerate(self.waiting) if n == 0]
        assert self.d.pool is not None
        # Unbounded, the caller runs the first root itself: one thread wake-up less on the critical path.
        # Bounded to k workers, it must not: the caller would be a k+1-th call in flight. Under a deadline
        # it must not either: it is the one that returns at the deadline.
        inline = roots[0] if self.inline_root and self.progs is None else None
        for i in roots:
            if i != inline:
                self.d.pool.submit(self.work, i)
        if inline is not None:
            with contextlib.suppress(BaseException):
                self.work(inline)
        if self.progs is not None:
            return self._at_deadline(self.progs)
        self.all_done.wait()
        if self.failures:
            raise self.failures[0]
        return [r for r in self.results if r is not None]

    def _at_deadline(self, progs: list[Progress]) -> Results:
        """Wait for the calls until the deadline, then end those still going (``Dispatch.claim_all``)."""
        turn = self.d.turn
        assert turn is not None
        while not self.all_done.wait(timeout=max(0.0, turn.remaining() or 0.0)):
            if turn.expired():
                break
        if self.failures:
            raise self.failures[0]
        # ended dependencies first, so a dependent not begun reads skipped, as its thread would (as sequential)
        return self.d.claim_all(self.calls, progs, turn, topological_order(self.calls))

    def work(self, i: int) -> None:
        try:
            while True:
                ready = self._record(
                    i, self.d.one(self.calls[i], None if self.progs is None else self.progs[i])
                )
                if not ready:
                    return
                for j in ready[1:]:
                    assert self.d.pool is not None
                    self.d.pool.submit(self.work, j)
                i = ready[0]  # this thread continues down the graph
        except BaseException as exc:  # a bug must end the turn, not leave run() waiting forever
            self.failures.append(exc)
            self.all_done.set()
            raise

    def _record(self, i: int, r: CallResult) -> list[int]:
        """Keep call i's result; return its dependents that are now ready."""
        ready = []
        with self.lock:
            self.results[i] = r
            self.left -= 1
            for j in self.dependents[i]:
                self.waiting[j] -= 1
                if self.waiting[j] == 0:
                    ready.append(j)
            if self.left == 0:
                self.all_done.set()
        return ready
