"""An adaptive concurrency limit for quotas the client does not know: additive increase, multiplicative
decrease (AIMD, as TCP does for bandwidth).

Each success raises the limit by ``increase / limit`` (about +1 per limit's worth of successes); a 429 halves
it and pauses every start until the server's ``retry_after``. 429s that arrive while that pause is on are
echoes of the same congestion (calls started before we knew) and do not cut the limit again.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from executors._limiter import DeadlinePassed
from executors._types import ASleep, Clock, Sleep


@dataclass(frozen=True, slots=True)
class AimdStatistics:
    limit: float
    in_flight: int
    cuts: int
    admitted: int


class AimdLimiter:
    def __init__(
        self,
        clock: Clock,
        *,
        initial: float = 4.0,
        minimum: float = 1.0,
        maximum: float = 256.0,
        increase: float = 1.0,
        decrease: float = 0.5,
    ) -> None:
        if not 1 <= minimum <= initial <= maximum:
            raise ValueError("AIMD limits must satisfy 1 <= minimum <= initial <= maximum")
        if not 0 < decrease < 1 or increase <= 0:
            raise ValueError("AIMD needs 0 < decrease < 1 and increase > 0")
        self._clock = clock
        self.limit = float(initial)
        self._min, self._max = float(minimum), float(maximum)
        self._inc, self._dec = increase, decrease
        self._in_flight = 0
        self._paused_until = -math.inf
        self._cond = threading.Condition()
        self._cuts = 0
        self._admitted = 0
        #: (time, limit) after every change, for tests and figures
        self.history: list[tuple[float, float]] = []

    def _try(self) -> float | None:
        """0.0: admitted; > 0: paused for that long; None: the limit is full, wait for a ``done``."""
        now = self._clock()
        if now < self._paused_until:
            return self._paused_until - now
        if self._in_flight < max(1, math.floor(self.limit)):
            self._in_flight += 1
            self._admitted += 1
            return 0.0
        return None

    def _left(self, deadline: float | None) -> float:
        """Seconds until ``deadline`` (inf for none); raises DeadlinePassed once it has passed."""
        if deadline is None:
            return math.inf
        left = deadline - self._clock()
        if left <= 0:
            raise DeadlinePassed
        return left

    def acquire(self, sleep: Sleep, deadline: float | None = None) -> float:
        """Block until admitted (seconds waited); raise DeadlinePassed at ``deadline`` (a clock reading)."""
        t0 = self._clock()
        while True:
            with self._cond:
                left = self._left(deadline)
                w = self._try()
                if w is None:
                    # real-time wait for a release; the timeout re-checks a pause that may have ended
                    self._cond.wait(timeout=min(0.05, left))
                    continue
            if w == 0.0:
                return self._clock() - t0
            sleep(min(w, left))

    async def aacquire(self, asleep: ASleep, deadline: float | None = None) -> float:
        t0 = self._clock()
        while True:
            with self._cond:
                left = self._left(deadline)
                w = self._try()
            if w == 0.0:
                return self._clock() - t0
            # a full limit is polled: the loop must not block on a thread condition
            await asleep(min(0.0005 if w is None else w, left))

    def done(self, status: str, retry_after: float | None) -> None:
        """Feedback after an attempt this limiter admitted."""
        with self._cond:
            self._in_flight = max(0, self._in_flight - 1)
            now = self._clock()
            if status == "rate_limited":
                if now >= self._paused_until:  # a new congestion event, not an echo of the last one
                    self.limit = max(self._min, self.limit * self._dec)
                    self._cuts += 1
                    self.history.append((now, self.limit))
                self._paused_until = max(self._paused_until, now + (retry_after or 0.0))
            elif status == "ok":
                self.limit = min(self._max, self.limit + self._inc / self.limit)
                self.history.append((now, self.limit))
            self._cond.notify_all()

    def statistics(self) -> AimdStatistics:
        with self._cond:
            return AimdStatistics(self.limit, self._in_flight, self._cuts, self._admitted)
