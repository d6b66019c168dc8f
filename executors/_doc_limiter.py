"""The source document's rate limiter, rebuilt to be measured against ours (never used by default).

Its two weak spots, kept on purpose: (1) check and record are separate steps with no lock, so threads that
check at the same moment are all admitted before any records its start (time-of-check to time-of-use);
(2) when the window is full it sleeps until the oldest start leaves the window *plus a fixed pad*
(100 ms in the document), which, together with batch barriers, wastes time the quota would allow.
``checkpoint`` is a test hook called between check and record, where a thread switch exposes the race.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

from executors._limiter import DeadlinePassed
from executors._types import ASleep, Clock, Sleep


class DocWindowLimiter:
    def __init__(
        self,
        windows: Sequence[tuple[int, float]],
        clock: Clock,
        *,
        pad: float = 0.1,
        checkpoint: Callable[[], None] | None = None,
    ) -> None:
        self.windows = tuple(windows)
        self._clock = clock
        self._pad = pad
        self._history: list[deque[float]] = [deque() for _ in self.windows]
        self._checkpoint = checkpoint
        self.admitted_at: list[float] = []

    def _full_window(self) -> int | None:
        now = self._clock()
        for i, ((count, length), hist) in enumerate(zip(self.windows, self._history, strict=True)):
            while hist and now - hist[0] > length:
                hist.popleft()
            if len(hist) >= count:
                return i
        return None

    def _record(self) -> None:
        now = self._clock()
        for hist in self._history:
            hist.append(now)
        self.admitted_at.append(now)

    def _pause(self, i: int, deadline: float | None) -> float:
        """How long the document sleeps for full window ``i``, cut at the turn's ``deadline`` (a guard of
        ours, not the document's); raises DeadlinePassed once it has passed."""
        now = self._clock()
        if deadline is not None and now >= deadline:
            raise DeadlinePassed
        oldest = self._history[i][0] if self._history[i] else now
        pause = max(0.0, self.windows[i][1] - (now - oldest) + self._pad)
        return pause if deadline is None else min(pause, deadline - now)

    def acquire(self, sleep: Sleep, deadline: float | None = None) -> float:
        t0 = self._clock()
        while (i := self._full_window()) is not None:
            sleep(self._pause(i, deadline))
        if self._checkpoint is not None:
            self._checkpoint()
        self._record()
        return self._clock() - t0

    async def aacquire(self, asleep: ASleep, deadline: float | None = None) -> float:
        t0 = self._clock()
        while (i := self._full_window()) is not None:
            await asleep(self._pause(i, deadline))
        self._record()
        return self._clock() - t0
