"""The limiter's queue: first come first admitted, one wake-up per waiter per admission (no polling), and a
waiter whose deadline passes leaves at the deadline and gives its place to the next — on a virtual clock
(exact times) for coroutines, and in real time for threads."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from executors import AimdLimiter, DeadlinePassed, DocWindowLimiter, SlidingWindowLimiter
from tests.conftest import FakeClock
from tests.executors.conftest import run_virtual
from tests.executors.test_limiter import over_admitted

Waiter = tuple[int, float | None]
#: scheduling slack on a busy two-core machine; only ever used as an upper-bound margin
SLACK = 0.1  # (arrival, deadline or None), in virtual seconds


def expected(windows: Sequence[tuple[int, int]], order: Sequence[Waiter]) -> list[tuple[str, float]]:
    """The reference schedule, waiter by waiter in queue order: a waiter is admitted at the first moment
    every window has room and everyone ahead of it has left; it leaves unadmitted at its deadline."""
    starts: list[float] = []
    front = -math.inf  # when the last waiter ahead left the queue
    out: list[tuple[str, float]] = []
    for arrival, deadline in order:
        t = max(float(arrival), front)
        for count, length in windows:
            if len(starts) >= count:
                t = max(t, starts[-count] + length)
        if deadline is not None and t >= deadline:
            out.append(("cancelled", deadline))
            front = max(front, deadline)
        else:
            out.append(("admitted", t))
            starts.append(t)
            front = t
    return out


def run_waiters(
    windows: Sequence[tuple[int, int]], waiters: Sequence[Waiter]
) -> tuple[list[int], dict[int, tuple[str, float]], SlidingWindowLimiter]:
    """Each waiter sleeps until its arrival, then queues; returns (queue order, outcome per waiter, limiter)."""
    clock = FakeClock()
    lim = SlidingWindowLimiter(windows, clock)
    order: list[int] = []
    got: dict[int, tuple[str, float]] = {}

    async def one(i: int, arrival: int, deadline: float | None) -> None:
        await asyncio.sleep(arrival)
        order.append(i)  # aacquire queues before its first await: this is the queue order
        try:
            await lim.aacquire(asyncio.sleep, deadline)
            got[i] = ("admitted", clock())
        except DeadlinePassed:
            got[i] = ("cancelled", clock())

    async def main() -> None:
        async with asyncio.TaskGroup() as tg:
            for i, (arrival, deadline) in enumerate(waiters):
                tg.create_task(one(i, arrival, deadline))

    run_virtual(main, clock)
    return order, got, lim


windows_st = st.lists(st.tuples(st.integers(1, 4), st.integers(1, 6)), min_size=1, max_size=3)
# Integer arrivals and window lengths, deadlines half-way between: exact in floating point, never a tie.
waiter_st = st.tuples(st.integers(0, 12), st.one_of(st.none(), st.integers(0, 15))).map(
    lambda w: (w[0], None if w[1] is None else w[0] + w[1] + 0.5)
)


@settings(max_examples=300, deadline=None)
@given(windows_st, st.lists(waiter_st, min_size=1, max_size=30))
def test_coroutines_follow_the_fifo_schedule_exactly(
    windows: list[tuple[int, int]], waiters: list[Waiter]
) -> None:
    """Virtual clock: every waiter is admitted exactly when the FIFO reference says (or cancelled exactly at
    its deadline), so no window is over-admitted, order is kept, and a deadline gives back the place."""
    order, got, lim = run_waiters(windows, waiters)
    want = expected(windows, [waiters[i] for i in order])
    assert [got[i][0] for i in order] == [s for s, _ in want]
    assert [got[i][1] for i in order] == pytest.approx([t for _, t in want])
    assert not over_admitted(lim.admitted_at, windows)
    admitted = [i for i in order if got[i][0] == "admitted"]
    assert [got[i][1] for i in admitted] == sorted(got[i][1] for i in admitted)
    stats = lim.statistics()
    assert (stats.admitted, stats.cancelled, stats.waiting) == (len(admitted), len(order) - len(admitted), 0)


def test_only_the_head_wakes_per_admission() -> None:
    """500 coroutines, 1 start per second: each admission costs about one wake-up, never a poll per waiter."""
    _, got, lim = run_waiters([(1, 1)], [(0, None)] * 500)
    assert sorted(t for _, t in got.values()) == [float(k) for k in range(500)]
    stats = lim.statistics()
    assert stats.admitted == 500
    assert stats.wakeups <= 2 * stats.admitted
    assert stats.max_waiting == 499


def test_deadline_passing_at_the_head_hands_the_slot_to_the_next() -> None:
    """The head leaves at its deadline (2.5); the next waiter, with none, starts at the freed slot (3)."""
    _, got, _ = run_waiters([(1, 3)], [(0, None), (0, 2.5), (0, None)])
    assert got == {0: ("admitted", 0.0), 1: ("cancelled", 2.5), 2: ("admitted", 3.0)}


def test_a_cancelled_task_gives_back_its_place() -> None:
    """A queued task cancelled from outside leaves the queue; the one behind it is admitted at the slot."""
    clock = FakeClock()
    lim = SlidingWindowLimiter([(1, 1.0)], clock)
    starts: list[float] = []

    async def take() -> None:
        await lim.aacquire(asyncio.sleep)
        starts.append(clock())

    async def main() -> None:
        await take()
        doomed = asyncio.create_task(take())
        behind = asyncio.create_task(take())
        await asyncio.sleep(0.25)
        doomed.cancel()
        await behind
        assert doomed.cancelled()

    run_virtual(main, clock)
    assert starts == [0.0, 1.0]
    assert lim.statistics().waiting == 0


def test_threads_are_admitted_in_arrival_order() -> None:
    """Real threads queued one by one (each seen waiting before the next starts) start in that order."""
    lim = SlidingWindowLimiter([(1, 0.004)], time.perf_counter)
    lim.acquire(time.sleep)
    admitted: list[int] = []

    def worker(i: int) -> None:
        lim.acquire(time.sleep)
        admitted.append(i)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(12)]
    for k, t in enumerate(threads):
        t.start()
        while lim.statistics().waiting + len(admitted) < k + 1:  # thread k queued (or through) first
            time.sleep(0.0001)
    for t in threads:
        t.join()
    assert admitted == sorted(admitted)
    stats = lim.statistics()
    assert stats.wakeups <= 3 * stats.admitted


@pytest.mark.realtime
def test_threads_give_back_their_place_at_the_deadline() -> None:
    """Real time: waiters still queued at their deadline raise DeadlinePassed at it (plus slack, an upper
    bound); one without a deadline behind them starts at the next free slot, not after their slots."""
    lim = SlidingWindowLimiter([(1, 0.1)], time.perf_counter)
    lim.acquire(time.sleep)
    deadline = time.perf_counter() + 0.03
    ended: list[float] = []
    late: list[float] = []

    def doomed() -> None:
        with pytest.raises(DeadlinePassed):
            lim.acquire(time.sleep, deadline)
        ended.append(time.perf_counter())

    def patient() -> None:
        lim.acquire(time.sleep)
        late.append(time.perf_counter())

    threads = [threading.Thread(target=doomed) for _ in range(5)] + [threading.Thread(target=patient)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ended) == 5
    assert all(deadline <= e < deadline + SLACK for e in ended)
    assert 0.1 <= lim.admitted_at[1] - lim.admitted_at[0] < 0.1 + SLACK  # not 0.6: their slots were freed
    assert lim.statistics().cancelled == 5


def test_thread_waiter_past_its_deadline_is_refused_on_a_fake_clock(clock: FakeClock) -> None:
    """FakeClock, one thread: a waiter whose deadline comes before the slot sleeps to the deadline only."""
    lim = SlidingWindowLimiter([(1, 1.0)], clock)
    lim.acquire(clock.sleep)
    with pytest.raises(DeadlinePassed):
        lim.acquire(clock.sleep, deadline=0.4)
    assert clock() == pytest.approx(0.4)
    assert lim.acquire(clock.sleep, deadline=2.0) == pytest.approx(0.6)  # the slot at 1.0 was kept free


def test_aimd_and_document_limiters_honour_the_deadline(clock: FakeClock) -> None:
    """The other limiters give up a wait at the deadline too (FakeClock)."""
    doc = DocWindowLimiter([(1, 1.0)], clock, pad=0.1)
    doc.acquire(clock.sleep)
    with pytest.raises(DeadlinePassed):
        doc.acquire(clock.sleep, deadline=0.5)
    assert clock() == pytest.approx(0.5)

    aimd = AimdLimiter(clock, initial=1)
    aimd.acquire(clock.sleep)
    aimd.done("rate_limited", 5.0)  # paused until 5.5
    with pytest.raises(DeadlinePassed):
        aimd.acquire(clock.sleep, deadline=1.0)
    assert clock() == pytest.approx(1.0)

    async def main() -> None:
        with pytest.raises(DeadlinePassed):
            await aimd.aacquire(clock.asleep, deadline=2.0)

    asyncio.run(main())
    assert clock() == pytest.approx(2.0)
