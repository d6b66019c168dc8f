"""The machine's floor: each trial's plan run by a bare ``asyncio.gather`` and a bare thread pool, with no
executor, no toolbox, no limiter object and no result bookkeeping, recorded like an executor under the
labels ``raw-asyncio`` and ``raw-threads``.

raw − ideal is what the machine costs (timer slack, wake-up latency, the GIL); executor − raw is what the
executor costs. Each call reads the clock before and after its sleep — two ``perf_counter`` reads, ~0.1 µs —
so the record has the same shape as an executor's and the contract checker can hold it to the plan.

What a reference runs is the plan's zero-overhead schedule (``executors.schedule``: unlimited concurrency,
dependencies respected, list-order admission by the quotas' limiters): a call with no dependency and no
quota starts at once; a quota-bound call sleeps until the time a list-order limiter would admit it (then
its latency), so on a quota-bound scenario the reference's ideal is the list-order limiter's, not the
clairvoyant lower bound; a dependent call waits for its dependencies' actual ends. Faults are not
replayed: every call sleeps its first attempt's planned latency and is reported ``ok``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.run._convert import planned_work, quotas_of
from bench.run._records import span_record, trial_record
from executors import fine_timer_loop, schedule
from reports import RAW_ASYNCIO, RAW_THREADS, CallRecord, TrialRecord
from scenarios import TrialPlan

Clock = Callable[[], float]

#: threads of the bare pool: every call of a turn must be able to sleep at once (a dependent call blocks
#: its thread until its dependencies end)
_THREADS = 512


@dataclass(frozen=True, slots=True)
class _Shape:
    """One plan, in wall seconds: each call's latency, scheduled start and dependency indices."""

    delays: tuple[float, ...]
    starts: tuple[float, ...]
    deps: tuple[tuple[int, ...], ...]
    ideal: float


def _shape(plan: TrialPlan, time_scale: float) -> _Shape:
    work = planned_work(plan, time_scale)
    spans = schedule(work, quotas=quotas_of(plan.scenario, time_scale))
    index = {c.id: i for i, c in enumerate(plan.calls)}
    return _Shape(
        delays=tuple(w.duration for w in work),
        # a start within a microsecond of 0 is "at once": no pre-sleep, as in a bare gather
        starts=tuple(s if s > 1e-6 else 0.0 for s, _ in spans),
        deps=tuple(tuple(index[a] for a in c.after) for c in plan.calls),
        ideal=max((e for _, e in spans), default=0.0),
    )


class RawReferences:
    """Keeps one event loop (the asyncio executor's kind) and one thread pool for the whole run, as the
    executors keep theirs, so neither is built inside a timed region."""

    def __init__(self, clock: Clock = time.perf_counter) -> None:
        self._clock = clock
        self._runner: asyncio.Runner | None = None
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None

    def measure(
        self, label: str, plan: TrialPlan, time_scale: float, *, run_id: str = "", order: int = 0
    ) -> TrialRecord:
        """Run ``plan`` with the bare reference ``label`` and record it like an executor's run."""
        shape = _shape(plan, time_scale)
        clock = self._clock
        if label == RAW_ASYNCIO:
            if self._runner is None:
                self._runner = asyncio.Runner(loop_factory=fine_timer_loop)
            spans: list[tuple[float, float]] = [(0.0, 0.0)] * len(shape.delays)
            t0 = clock()
            self._runner.run(_gather(shape, spans, t0, clock))
        elif label == RAW_THREADS:
            if self._pool is None:
                self._pool = concurrent.futures.ThreadPoolExecutor(_THREADS, thread_name_prefix="pfc-raw")
            t0 = clock()
            spans = _pool_map(self._pool, shape, t0, clock)
        else:
            raise ValueError(f"unknown raw reference {label!r}")
        makespan = clock() - t0
        return trial_record(
            plan,
            time_scale,
            executor=label,
            makespan_s=makespan,
            ideal_s=shape.ideal,
            calls=_calls(plan, time_scale, shape, spans, t0),
            run_id=run_id,
            order=order,
        )

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()
            self._runner = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


async def _gather(shape: _Shape, spans: list[tuple[float, float]], t0: float, clock: Clock) -> None:
    tasks: list[asyncio.Future[None]] = []

    async def one(i: int) -> None:
        for j in shape.deps[i]:
            await tasks[j]
        if shape.starts[i] and (wait := t0 + shape.starts[i] - clock()) > 0:
            await asyncio.sleep(wait)
        s = clock()
        await asyncio.sleep(shape.delays[i])
        spans[i] = (s, clock())

    tasks.extend(asyncio.ensure_future(one(i)) for i in range(len(shape.delays)))
    await asyncio.gather(*tasks)


def _pool_map(
    pool: concurrent.futures.ThreadPoolExecutor, shape: _Shape, t0: float, clock: Clock
) -> list[tuple[float, float]]:
    done = [threading.Event() for _ in shape.delays] if any(shape.deps) else []

    def one(i: int) -> tuple[float, float]:
        for j in shape.deps[i]:
            done[j].wait()
        if shape.starts[i] and (wait := t0 + shape.starts[i] - clock()) > 0:
            time.sleep(wait)
        s = clock()
        time.sleep(shape.delays[i])
        e = clock()
        if done:
            done[i].set()
        return s, e

    return list(pool.map(one, range(len(shape.delays))))


def _calls(
    plan: TrialPlan, time_scale: float, shape: _Shape, spans: Sequence[tuple[float, float]], t0: float
) -> list[CallRecord]:
    return [
        # a call that waited for its admission time reports that wait, as a limiter's wait would be
        span_record(c.id, c.tool, c, time_scale, (s - t0, e - t0), "ok", wait_s=s - t0 if start else 0.0)
        for c, start, (s, e) in zip(plan.calls, shape.starts, spans, strict=True)
    ]
