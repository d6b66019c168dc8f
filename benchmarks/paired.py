"""Ours beside the raw primitive, in alternating rounds of one process: what ``nox -s micro`` measures.

A shared machine drifts (another process starts, the CPU clocks down); measured one after the other, all of
ours before all of raw, one noisy stretch lands on one side only and gives ratios no rerun reproduces. Here
every round times raw then ours back to back, and the figure is the median of the per-round ratios, shown
with their min and max.

The raw counterparts: ``asyncio.gather`` on a persistent loop of the same kind as ours; a
``submit`` + ``result`` on the executor's own ``ThreadPoolExecutor``, started outside the timed region; a plain loop for
``sequential``; for the limiter, one timer admitting a FIFO of ``asyncio.Future`` waiters.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from executors import Executor, SlidingWindowLimiter, ToolCall, fine_timer_loop


class Zero:
    """A tool that returns at once, sync and async: what is left is the executor's own cost."""

    def __call__(self, **_: Any) -> int:
        return 0

    async def acall(self, **_: Any) -> int:
        return 0


class Sleeper:
    """A tool that takes ``delay`` seconds on the event loop (``asyncio.sleep``), or in a thread."""

    def __init__(self, delay: float) -> None:
        self.delay = delay

    def __call__(self, **_: Any) -> int:
        time.sleep(self.delay)
        return 0

    async def acall(self, **_: Any) -> int:
        await asyncio.sleep(self.delay)
        return 0


def calls(n: int, tool: str = "t") -> list[ToolCall]:
    return [ToolCall(f"c{i}", tool, {}) for i in range(n)]


@dataclass(frozen=True, slots=True)
class Paired:
    """Seconds per turn of each side, round by round."""

    ours: list[float]
    raw: list[float]

    @property
    def ratios(self) -> list[float]:
        return [o / r for o, r in zip(self.ours, self.raw, strict=True)]

    def summary(self) -> dict[str, float]:
        rs = self.ratios
        return {
            "ratio_median": statistics.median(rs),
            "ratio_min": min(rs),
            "ratio_max": max(rs),
            "ours_s": statistics.median(self.ours),
            "raw_s": statistics.median(self.raw),
            "rounds": len(rs),
        }


def timed(fn: Callable[[], object], inner: int) -> float:
    """Seconds per call of ``fn``, over ``inner`` calls."""
    t0 = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - t0) / inner


def interleave(ours: Callable[[], object], raw: Callable[[], object], rounds: int, inner: int = 1) -> Paired:
    """Raw then ours, ``rounds`` times, each side ``inner`` times a round (after one untimed warm-up each)."""
    raw()
    ours()
    got = Paired([], [])
    for _ in range(rounds):
        got.raw.append(timed(raw, inner))
        got.ours.append(timed(ours, inner))
    return got


Side = tuple[Callable[[], object], Callable[[], None]]


def raw_gather(tool: Zero | Sleeper, n: int) -> Side:
    """``asyncio.gather`` of n calls of ``tool.acall`` on a persistent loop of our kind, and its release."""
    runner = asyncio.Runner(loop_factory=fine_timer_loop)

    async def gather() -> list[int]:
        return list(await asyncio.gather(*(tool.acall() for _ in range(n))))

    return (lambda: runner.run(gather())), runner.close


def raw_side(label: str, n: int, tool: Zero, pool: concurrent.futures.Executor | None) -> Side:
    """The raw primitive under executor ``label`` for n calls, and how to release it. ``pool`` is the
    executor's own: two pools of one size can differ by 3x on a shared machine (by where their threads
    sleep), which would swamp the difference measured here."""
    if label == "asyncio":
        return raw_gather(tool, n)
    if pool is not None:

        def submit_all() -> list[int]:
            futures = [pool.submit(tool) for _ in range(n)]
            return [f.result() for f in futures]

        return submit_all, lambda: None
    return (lambda: [tool() for _ in range(n)]), lambda: None


def scale_pair(ours: Executor, n: int, delay: float, rounds: int, *, raw_gc: bool = True) -> Paired:
    """Makespan of n concurrent ``delay``-second calls: our asyncio executor vs ``asyncio.gather``.
    ``raw_gc=False`` runs gather with automatic GC off too, as ours runs a turn this wide (what is left is
    dispatch, not collection)."""
    tool = Sleeper(delay)
    tools, cs = {"t": tool}, calls(n)
    raw, release = raw_gather(tool, n)

    def raw_without_gc() -> object:
        gc.disable()
        try:
            return raw()
        finally:
            gc.enable()

    try:
        return interleave(lambda: ours.run(cs, tools), raw if raw_gc else raw_without_gc, rounds)
    finally:
        release()


def peak_bytes(run: Callable[[], object]) -> int:
    """The peak of traced memory while ``run`` runs, above what was allocated before it."""
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - base


def memory_per_call(ours: Executor, n: int, delay: float, repeats: int = 3) -> tuple[float, float]:
    """Median peak bytes per call of one turn of n concurrent calls: ours, raw gather (alternating)."""
    tool = Sleeper(delay)
    tools, cs = {"t": tool}, calls(n)
    raw, release = raw_gather(tool, n)
    try:
        ours.run(cs, tools)
        raw()
        xs, ys = [], []
        for _ in range(repeats):
            ys.append(peak_bytes(raw) / n)
            xs.append(peak_bytes(lambda: ours.run(cs, tools)) / n)
    finally:
        release()
    return statistics.median(xs), statistics.median(ys)


@dataclass(frozen=True, slots=True)
class Waiters:
    """One limiter case: the makespan of admitting every waiter, and wake-ups per admission (None: the
    limiter does not count them)."""

    seconds: float
    wakeups_per_admission: float | None
    #: times a waiter's own sleep ended (the injected ``asleep`` returned), per admission
    sleeps_per_admission: float


def limiter_waiters(waiters: int, count: int, window_s: float) -> Waiters:
    """``waiters`` coroutines queued at once on our limiter (``count`` starts per ``window_s``)."""
    lim = SlidingWindowLimiter([(count, window_s)], time.perf_counter)
    slept = [0]

    async def asleep(seconds: float) -> None:
        await asyncio.sleep(seconds)
        slept[0] += 1

    async def main() -> float:
        t0 = time.perf_counter()
        await asyncio.gather(*(lim.aacquire(asleep) for _ in range(waiters)))
        return time.perf_counter() - t0

    with asyncio.Runner(loop_factory=fine_timer_loop) as runner:
        took = runner.run(main())
    stats = lim.statistics()
    woken = getattr(stats, "wakeups", None)
    per = max(stats.admitted, 1)
    return Waiters(took, None if woken is None else woken / per, slept[0] / per)


def raw_waiters(waiters: int, count: int, window_s: float) -> Waiters:
    """The raw counterpart: a FIFO of futures and one timer that releases ``count`` of them per window, so
    each waiter wakes exactly once."""

    async def main() -> float:
        loop = asyncio.get_running_loop()
        queue: collections.deque[asyncio.Future[None]] = collections.deque()
        woken = [0]

        def release() -> None:
            for _ in range(min(count, len(queue))):
                queue.popleft().set_result(None)
                woken[0] += 1
            if queue:
                loop.call_later(window_s, release)

        async def wait() -> None:
            fut = loop.create_future()
            queue.append(fut)
            await fut

        t0 = time.perf_counter()
        tasks = [asyncio.ensure_future(wait()) for _ in range(waiters)]
        await asyncio.sleep(0)  # every waiter queued, as on our side
        release()
        await asyncio.gather(*tasks)
        assert woken[0] == waiters
        return time.perf_counter() - t0

    with asyncio.Runner(loop_factory=fine_timer_loop) as runner:
        return Waiters(runner.run(main()), 1.0, 0.0)
