"""Dispatch overhead of each executor with zero-latency tools, beside the raw primitive it is built on,
in alternating rounds of one process (``paired.py``); then the 10,000-call scale case and the limiter with
1,000 waiting coroutines.

pytest-benchmark times our side (its JSON feeds ``--benchmark-compare``); the raw side runs in the
benchmark's untimed ``setup`` just before each of our rounds, and the per-round ratios go into the
benchmark's ``extra_info``, from which ``benchmarks/ratios.py`` prints median [min, max].
Rounds: ``PFC_MICRO_ROUNDS`` (default 15, at least 11).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from paired import (
    Paired,
    Zero,
    calls,
    limiter_waiters,
    memory_per_call,
    raw_side,
    raw_waiters,
    scale_pair,
    timed,
)

from executors import AsyncioExecutor, Batched, Executor, RateLimited, Sequential, Threaded

SIZES = (1, 10, 100, 1000)
ROUNDS = max(11, int(os.environ.get("PFC_MICRO_ROUNDS", "15")))
TOOLS = {"t": Zero()}

# executor label -> (our executor factory, whether its raw side submits to its thread pool)
OURS: dict[str, tuple[Callable[[], Executor], bool]] = {
    "sequential": (Sequential, False),
    "threaded": (lambda: Threaded(max_workers=10), True),
    "asyncio": (AsyncioExecutor, False),
    "batched": (Batched, True),
    "ratelimited": (RateLimited, True),
}


@pytest.fixture(params=SIZES, ids=lambda n: f"n{n}")
def n(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture(params=list(OURS))
def label(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def ours(label: str) -> Iterator[Any]:
    ex = OURS[label][0]()
    yield ex
    ex.close()


def test_dispatch(benchmark: Any, label: str, ours: Any, n: int) -> None:
    """Ours vs raw for n zero-latency calls, alternating round by round (one CallResult per call, in order)."""
    cs = calls(n)
    inner = max(1, 2000 // n)  # fixed, so that saved runs compare: ~5-100 ms a side per round
    raw, release = raw_side(label, n, TOOLS["t"], ours.kit.pool() if OURS[label][1] else None)
    got = Paired([], [])

    def ours_turns() -> None:
        got.ours.append(timed(lambda: ours.run(cs, TOOLS), inner))

    try:
        results = ours.run(cs, TOOLS)  # pools and loops started outside the timed region on both sides
        assert [r.call.id for r in results] == [c.id for c in cs] and all(r.ok for r in results)
        benchmark.group = f"{label}-n{n}"
        benchmark.pedantic(ours_turns, setup=lambda: got.raw.append(timed(raw, inner)), rounds=ROUNDS)
    finally:
        release()
    benchmark.extra_info.update(side="ours", executor=label, calls=n, inner=inner, **got.summary())
    benchmark.extra_info.update(ratios=got.ratios)


@pytest.mark.parametrize(("n", "delay"), [(10_000, 0.1)], ids=["n10000x100ms"])
def test_scale(benchmark: Any, n: int, delay: float) -> None:
    """10,000 concurrent 100 ms calls on the asyncio executor: makespan vs gather, memory per call vs gather."""
    ex = AsyncioExecutor()
    try:
        got = benchmark.pedantic(lambda: scale_pair(ex, n, delay, ROUNDS), rounds=1)
        no_gc = scale_pair(ex, n, delay, ROUNDS, raw_gc=False)
        mem_ours, mem_raw = memory_per_call(ex, n, delay)
    finally:
        ex.close()
    benchmark.group = "scale"
    benchmark.extra_info.update(case="scale", executor="asyncio", calls=n, delay_s=delay, **got.summary())
    benchmark.extra_info.update(ratios=got.ratios, bytes_per_call_ours=mem_ours, bytes_per_call_raw=mem_raw)
    benchmark.extra_info.update({f"raw_gc_off_{k}": v for k, v in no_gc.summary().items()})


@pytest.mark.parametrize("waiters", [1000])
def test_limiter_waiters(benchmark: Any, waiters: int) -> None:
    """1,000 coroutines queued on the limiter (100 per 10 ms): makespan and wake-ups per admission vs a
    one-timer FIFO."""
    count, window = 100, 0.01
    got = Paired([], [])
    wake: list[float | None] = []
    sleeps: list[float] = []

    def ours() -> None:
        w = limiter_waiters(waiters, count, window)
        got.ours.append(w.seconds)
        wake.append(w.wakeups_per_admission)
        sleeps.append(w.sleeps_per_admission)

    benchmark.pedantic(
        ours, setup=lambda: got.raw.append(raw_waiters(waiters, count, window).seconds), rounds=ROUNDS
    )
    benchmark.group = "limiter"
    benchmark.extra_info.update(case="limiter", executor="limiter", calls=waiters, **got.summary())
    benchmark.extra_info.update(
        ratios=got.ratios,
        wakeups_per_admission=None
        if None in wake
        else sorted(w for w in wake if w is not None)[len(wake) // 2],
        sleeps_per_admission=sorted(sleeps)[len(sleeps) // 2],
    )
