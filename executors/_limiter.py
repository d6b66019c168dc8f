"""Client-side rate limiting that never over-admits, from threads and coroutines alike.

Admission is one atomic step under a lock: read the clock, check every window against the starts already
recorded, and record this start, or learn how long to wait. Check and record cannot be split by another
thread or coroutine, so no interleaving admits more than ``count`` starts in any window — unlike the source
document's limiter, which checks, later records, and sleeps a fixed 100 ms past the window (see
``_doc_limiter.py``). A waiter sleeps exactly until the window frees, then tries again: a caller that wakes
late records its late start, so the next window is measured from when calls really started, as the
server sees them.

``reserve`` is the same rule on a simulated clock, used by ``predict``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from executors._types import ASleep, Clock, Quota, Sleep


@dataclass(frozen=True, slots=True)
class LimiterStatistics:
    admitted: int
    total_wait: float
    max_wait: float


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
        self._admitted = 0
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
            for (count, length), recent in zip(self.windows, self._recent, strict=True):
                if len(recent) == count:
                    t = max(t, recent[0] + length)
            for recent in self._recent:
                recent.append(t)
            self._last = t
            self._admitted += 1
            return t

    def try_acquire(self) -> float:
        """Admit now and return 0.0, or admit nothing and return the seconds until a window frees."""
        with self._lock:
            now = self._clock()
            wait = 0.0
            for (count, length), recent in zip(self.windows, self._recent, strict=True):
                if len(recent) == count:
                    wait = max(wait, recent[0] + length - now)
            if wait > 0:
                return wait
            for recent in self._recent:
                recent.append(now)
            self._last = now
            self._admitted += 1
            self.admitted_at.append(now)
            return 0.0

    def acquire(self, sleep: Sleep) -> float:
        """Block until admitted; returns the seconds waited."""
        t0 = self._clock()
        while (wait := self.try_acquire()) > 0:
            sleep(wait)
        return self._account(t0)

    async def aacquire(self, asleep: ASleep) -> float:
        t0 = self._clock()
        while (wait := self.try_acquire()) > 0:
            await asleep(wait)
        return self._account(t0)

    def _account(self, since: float) -> float:
        waited = max(0.0, self._clock() - since)
        with self._lock:
            self._total_wait += waited
            self._max_wait = max(self._max_wait, waited)
        return waited

    def statistics(self) -> LimiterStatistics:
        with self._lock:
            return LimiterStatistics(self._admitted, self._total_wait, self._max_wait)


def limiters_for(quotas: Sequence[Quota], clock: Clock) -> Mapping[str, SlidingWindowLimiter]:
    """tool name -> its (possibly shared) limiter, fresh for one run."""
    out: dict[str, SlidingWindowLimiter] = {}
    for q in quotas:
        lim = SlidingWindowLimiter(q.windows, clock)
        for tool in q.tools:
            out[tool] = lim
    return out
