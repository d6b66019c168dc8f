"""Client-side rate limiting that never over-admits, from threads and coroutines alike.

Admission is one atomic step under a lock: read the clock, check every window against the starts already
recorded, and record this start, or learn how long to wait. Check and record cannot be split by another
thread or coroutine, so no interleaving admits more than ``count`` starts in any window — unlike the source
document's limiter, which checks, later records, and sleeps a fixed 100 ms past the window (see
``_doc_limiter.py``).

Waiters queue in arrival order (FIFO). Only the head of the queue has a timer: it sleeps exactly until the
window frees, admits itself and hands the head to the next waiter; the others block without polling, so a
thousand waiters cost about two wake-ups per admission, not one poll each per slot. The admitted caller
records its own start on its own thread or task, right before it runs: a head that wakes late records its
late start, so the next window is measured from when calls really started, as the server sees them.
A waiter given a ``deadline`` (a clock reading) leaves the queue when it passes and raises
``DeadlinePassed``; the waiters behind it move up.

``reserve`` is the same rule on a simulated clock, used by ``predict``.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from executors._types import ASleep, Clock, Quota, Sleep


class DeadlinePassed(Exception):
    """The caller's deadline passed while it waited for quota; its place in the queue was given back."""


@dataclass(frozen=True, slots=True)
class LimiterStatistics:
    admitted: int
    total_wait: float
    max_wait: float
    #: times a queued caller resumed (slept out, was handed the head, or timed out): ÷ admitted = cost
    wakeups: int = 0
    #: callers that left the queue at their deadline without being admitted
    cancelled: int = 0
    #: callers queued right now, and the most ever queued at once
    waiting: int = 0
    max_waiting: int = 0


class _Ticket:
    """One queued caller. ``event`` wakes a thread; ``future`` (on the loop of thread ``thread``) a task."""

    __slots__ = ("deadline", "event", "future", "gone", "thread")

    def __init__(
        self,
        deadline: float | None,
        event: threading.Event | None = None,
        future: asyncio.Future[None] | None = None,
    ) -> None:
        self.deadline = deadline
        self.event = event
        self.future = future
        self.thread = threading.get_ident()
        self.gone = False


_ADMITTED, _HEAD, _BEHIND = range(3)


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


class SlidingWindowLimiter:
    """At most ``count`` starts in any half-open window of ``length`` seconds, for every (count, length)."""

    def __init__(self, windows: Sequence[tuple[int, float]], clock: Clock) -> None:
        if not windows or any(c < 1 or length <= 0 for c, length in windows):
            raise ValueError("windows must be (count >= 1, length > 0) pairs")
        self.windows = tuple(windows)
        self._clock = clock
        self._lock = threading.Lock()
        # The last `count` reservations per window are all the state the rule needs.
        self._recent: list[deque[float]] = [deque(maxlen=c) for c, _ in self.windows]
        self._last = float("-inf")
        # FIFO of waiters; gone (cancelled) tickets are skipped lazily. Invariant: empty or head not gone.
        self._queue: deque[_Ticket] = deque()
        self._waiting = self._max_waiting = 0
        self._admitted = self._wakeups = self._cancelled = 0
        self._total_wait = 0.0
        self._max_wait = 0.0
        #: every admitted start, for tests and the quota figure
        self.admitted_at: list[float] = []

    def reserve(self, now: float | None = None) -> float:
        """Claim the earliest allowed start at or after ``now`` and return it (it may lie in the future).

        For simulations that process calls in non-decreasing time; a real caller uses ``acquire``."""
        with self._lock:
            t = self._clock() if now is None else now
            # Monotone reservations: only the trailing window of each rule needs checking.
            t = max(t, self._last)
            t += self._until_free(t)
            for recent in self._recent:
                recent.append(t)
            self._last = t
            self._admitted += 1
            return t

    def _until_free(self, now: float) -> float:
        """Seconds from ``now`` until every window has room for one more start (0.0: room now)."""
        wait = 0.0
        for (count, length), recent in zip(self.windows, self._recent, strict=True):
            if len(recent) == count:
                wait = max(wait, recent[0] + length - now)
        return wait

    def _record(self, now: float, since: float) -> float:
        for recent in self._recent:
            recent.append(now)
        self._last = now
        self._admitted += 1
        self.admitted_at.append(now)
        waited = max(0.0, now - since)
        self._total_wait += waited
        self._max_wait = max(self._max_wait, waited)
        return waited

    def try_acquire(self) -> float:
        """Admit now and return 0.0, or admit nothing and return the seconds until a window frees (a caller
        never jumps the queue: with others waiting it is not admitted, and the answer is at least 1 µs)."""
        with self._lock:
            now = self._clock()
            wait = self._until_free(now)
            if self._queue:
                return max(wait, 1e-6)
            if wait > 0:
                return wait
            self._record(now, now)
            return 0.0

    # -- the queue: every method below is called with the lock held --------------------------------------

    def _enqueue(self, ticket: _Ticket) -> None:
        self._queue.append(ticket)
        self._waiting += 1
        self._max_waiting = max(self._max_waiting, self._waiting)

    def _leave(self, ticket: _Ticket) -> None:
        """Take ``ticket`` out of the queue; when it was the head, hand the head to the next live waiter."""
        if ticket.gone:
            return
        ticket.gone = True
        self._waiting -= 1
        q = self._queue
        if q[0] is not ticket:
            return  # dropped lazily when it reaches the front
        q.popleft()
        while q and q[0].gone:
            q.popleft()
        if q:
            self._wake(q[0])

    def _wake(self, ticket: _Ticket) -> None:
        if ticket.event is not None:
            ticket.event.set()
            return
        fut = ticket.future
        if fut is None or fut.done():
            return
        if threading.get_ident() == ticket.thread:
            fut.set_result(None)
        else:
            with contextlib.suppress(RuntimeError):  # its loop is closed: nobody is waiting any more
                fut.get_loop().call_soon_threadsafe(_resolve, fut)

    def _step(self, ticket: _Ticket, since: float) -> tuple[int, float]:
        """One look at the queue for ``ticket``: (ADMITTED, seconds waited), (HEAD, seconds to sleep) or
        (BEHIND, seconds until its deadline, inf for none). Raises DeadlinePassed, out of the queue, once
        the deadline has passed."""
        now = self._clock()
        left = math.inf if ticket.deadline is None else ticket.deadline - now
        if left <= 0:
            self._leave(ticket)
            self._cancelled += 1
            raise DeadlinePassed
        if self._queue[0] is not ticket:
            return _BEHIND, left
        wait = self._until_free(now)
        if wait <= 0:
            self._leave(ticket)  # wakes the next waiter; it cannot admit itself before we record (the lock)
            # The start is recorded after that wake-up, as close as can be to the tool's first line: what
            # the server sees must not come later than what the limiter measured the next window from.
            return _ADMITTED, self._record(self._clock(), since)
        return _HEAD, min(wait, left)

    # -- threads and coroutines --------------------------------------------------------------------------

    def acquire(self, sleep: Sleep, deadline: float | None = None) -> float:
        """Block until admitted; returns the seconds waited. With a ``deadline`` (a clock reading), raise
        ``DeadlinePassed`` at the deadline instead, having given back the place in the queue."""
        with self._lock:
            now = self._clock()
            if not self._queue and (deadline is None or now < deadline) and self._until_free(now) <= 0:
                return self._record(now, now)
            event = threading.Event()
            ticket = _Ticket(deadline, event=event)
            self._enqueue(ticket)
        try:
            while True:
                with self._lock:
                    state, t = self._step(ticket, now)
                if state == _ADMITTED:
                    return t
                if state == _HEAD:
                    sleep(t)  # the one timer: only the head sleeps toward its slot
                else:
                    event.wait(None if t == math.inf else t)
                with self._lock:
                    self._wakeups += 1
        except BaseException:
            with self._lock:
                self._leave(ticket)  # an interrupted waiter must not keep its place (or the head)
            raise

    async def aacquire(self, asleep: ASleep, deadline: float | None = None) -> float:
        """``acquire`` for coroutines: the head awaits ``asleep``, the others a future (never polled)."""
        with self._lock:
            now = self._clock()
            if not self._queue and (deadline is None or now < deadline) and self._until_free(now) <= 0:
                return self._record(now, now)
            loop = asyncio.get_running_loop()
            fut: asyncio.Future[None] = loop.create_future()
            ticket = _Ticket(deadline, future=fut)
            self._enqueue(ticket)
        try:
            while True:
                with self._lock:
                    state, t = self._step(ticket, now)
                    if state == _BEHIND and fut.done():
                        fut = ticket.future = loop.create_future()  # the last one timed out (cancelled)
                if state == _ADMITTED:
                    return t
                if state == _HEAD:
                    await asleep(t)
                else:
                    try:
                        async with asyncio.timeout(None if t == math.inf else t):  # None: no timer
                            await fut
                    except TimeoutError:
                        pass
                with self._lock:
                    self._wakeups += 1
        except BaseException:
            with self._lock:
                self._leave(ticket)
            raise

    def statistics(self) -> LimiterStatistics:
        with self._lock:
            return LimiterStatistics(
                self._admitted, self._total_wait, self._max_wait, self._wakeups, self._cancelled,
                self._waiting, self._max_waiting,
            )  # fmt: skip


def limiters_for(quotas: Sequence[Quota], clock: Clock) -> Mapping[str, SlidingWindowLimiter]:
    """tool name -> its (possibly shared) limiter, fresh for one run."""
    out: dict[str, SlidingWindowLimiter] = {}
    for q in quotas:
        lim = SlidingWindowLimiter(q.windows, clock)
        for tool in q.tools:
            out[tool] = lim
    return out
