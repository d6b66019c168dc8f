"""What every kind of tool shares (simulated, a user's Python callable, an HTTP endpoint): the clock and
sleep types, the two failures a tool reports (5xx, 429), the server-side log of attempts and the
``Retry-After`` reading. Each tool module builds on this one; none imports another for these."""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

Clock = Callable[[], float]
Sleep = Callable[[float], None]
ASleep = Callable[[float], Awaitable[None]]


class ToolError(RuntimeError):
    """The simulated API failed (an HTTP 5xx)."""

    call_status = "error"


class RateLimited(RuntimeError):
    """Over quota (an HTTP 429): ``retry_after`` seconds until the quota admits another call."""

    call_status = "rate_limited"

    def __init__(self, tool: str, retry_after: float) -> None:
        super().__init__(f"{tool}: 429 rate limited, retry after {retry_after:.4f}s")
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class CallLog:
    """What the server saw of one attempt (for tests and the quota figure)."""

    request_id: str
    attempt: int
    start: float
    end: float
    outcome: str


class ToolLog:
    """The request-id handling and the server-side log the three real tools share."""

    def __init__(self, clock: Clock, passes_request_id: bool) -> None:
        self.log: list[CallLog] = []
        self._clock = clock
        self._keep_id = passes_request_id
        self._lock = threading.Lock()

    def split(self, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        rid = str(args.get("request_id", ""))
        if not self._keep_id:
            args.pop("request_id", None)
        return rid, args

    def record(self, request_id: str, start: float, outcome: str) -> None:
        entry = CallLog(request_id, 0, start, self._clock(), outcome)
        with self._lock:
            self.log.append(entry)


def retry_after_s(value: str | None, now: Callable[[], float] = time.time) -> float:
    """A ``Retry-After`` header in seconds: delay-seconds or an HTTP date; 0 when absent or unreadable."""
    if not value:
        return 0.0
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    return max(0.0, when.timestamp() - now())
