"""The client-side limiter never over-admits (exact clock, real threads, real coroutines), reaches the quota
bound, and the document's limiter is shown to over-admit under the same interleaving."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from executors import DocWindowLimiter, SlidingWindowLimiter
from tests.conftest import FakeClock


def over_admitted(starts: Sequence[float], windows: Sequence[tuple[int, float]], slack: float = 1e-9) -> bool:
    """True when some window of some rule holds more than its count of starts (slack: float rounding only)."""
    s = sorted(starts)
    for count, length in windows:
        for i in range(len(s) - count):
            if s[i + count] - s[i] < length - slack:
                return True
    return False


def test_thirty_calls_at_five_per_200ms_last_start_at_one_second(clock: FakeClock) -> None:
    """Exact clock: 5 starts at 0, 0.2, 0.4, 0.6, 0.8 and 1.0 s — the quota bound, with no padding."""
    lim = SlidingWindowLimiter([(5, 0.2)], clock)
    for _ in range(30):
        lim.acquire(clock.sleep)
    assert lim.admitted_at == pytest.approx([0.2 * (k // 5) for k in range(30)])


windows_st = st.lists(st.tuples(st.integers(1, 6), st.floats(0.01, 2.0)), min_size=1, max_size=3)


@settings(max_examples=200, deadline=None)
@given(windows_st, st.lists(st.floats(0, 3.0), min_size=1, max_size=60))
def test_limiter_never_over_admits_for_any_arrivals(
    windows: list[tuple[int, float]], gaps: list[float]
) -> None:
    """For any windows and any arrival pattern, no window ever holds more than its count."""
    clock = FakeClock()
    lim = SlidingWindowLimiter(windows, clock)
    for g in gaps:
        clock.sleep(g / 10)
        lim.acquire(clock.sleep)
    assert not over_admitted(lim.admitted_at, windows)


@settings(max_examples=100, deadline=None)
@given(windows_st, st.integers(1, 40))
def test_reserve_schedules_the_same_slots_as_acquire(windows: list[tuple[int, float]], n: int) -> None:
    """The simulated reservation (used by predict) equals what acquire does with an exact clock."""
    clock = FakeClock()
    a = SlidingWindowLimiter(windows, clock)
    for _ in range(n):
        a.acquire(clock.sleep)
    b = SlidingWindowLimiter(windows, lambda: 0.0)
    assert [b.reserve(0.0) for _ in range(n)] == pytest.approx(a.admitted_at)


def test_limiter_never_over_admits_under_real_threads() -> None:
    """40 threads hammering one limiter: the admitted starts (recorded under its lock) respect every window."""
    windows = [(5, 0.02), (2, 0.008)]
    lim = SlidingWindowLimiter(windows, time.perf_counter)
    go = threading.Barrier(40)

    def worker() -> None:
        go.wait()
        lim.acquire(time.sleep)

    threads = [threading.Thread(target=worker) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(lim.admitted_at) == 40
    assert not over_admitted(lim.admitted_at, windows)


def test_limiter_never_over_admits_under_coroutines() -> None:
    """40 tasks on one loop: same property with asyncio.sleep."""
    windows = [(4, 0.02)]
    lim = SlidingWindowLimiter(windows, time.perf_counter)

    async def main() -> None:
        await asyncio.gather(*(lim.aacquire(asyncio.sleep) for _ in range(40)))

    asyncio.run(main())
    assert len(lim.admitted_at) == 40
    assert not over_admitted(lim.admitted_at, windows)


def test_document_limiter_over_admits_when_threads_interleave() -> None:
    """The document's check-then-record limiter admits 3 starts into a window of 2 when three threads check
    before any records (forced here with a barrier between check and record); ours admits 2 and makes the
    third wait."""
    windows = [(2, 10.0)]
    clock = FakeClock()
    between = threading.Barrier(3)
    doc = DocWindowLimiter(windows, clock, pad=0.1, checkpoint=between.wait)
    threads = [threading.Thread(target=doc.acquire, args=(clock.sleep,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(doc.admitted_at) == 3
    assert over_admitted(doc.admitted_at, windows)

    ours = SlidingWindowLimiter(windows, clock)
    threads = [threading.Thread(target=ours.acquire, args=(clock.sleep,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not over_admitted(ours.admitted_at, windows)


def test_document_limiter_pads_each_full_window(clock: FakeClock) -> None:
    """Sequentially the document's limiter is correct but late: 30 calls at 5 per 200 ms with its 100 ms pad
    start the last call at 1.5 s instead of 1.0 s."""
    doc = DocWindowLimiter([(5, 0.2)], clock, pad=0.1)
    for _ in range(30):
        doc.acquire(clock.sleep)
    assert doc.admitted_at[-1] == pytest.approx(1.5)
