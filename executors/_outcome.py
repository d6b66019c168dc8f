"""What one attempt of a call ends with (``Outcome``), and what the call ends with (``ended``, ``settle``),
built from how far it got (``Progress``): shared by the sync and async drivers of ``_invoke``, and by a turn
that ends its calls at the deadline without waiting for their threads."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from executors._types import CallResult, SyncTool, ToolCall

if TYPE_CHECKING:
    from executors._guards import Guards, Turn


def classify(exc: BaseException) -> str:
    """An exception's call status. Tools may say it themselves (``call_status``: e.g. a 429 is
    ``rate_limited``), so executors need not know the tools' exception classes."""
    status = getattr(exc, "call_status", None)
    return status if isinstance(status, str) else "error"


def describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str
    value: Any = None
    error: str | None = None
    retry_after: float | None = None


#: the outcome of a call whose turn's deadline passed before it started
CANCELLED = Outcome("cancelled", error="turn deadline passed before the call started")


def overran(timeout: float | None, *, cancelled: bool) -> Outcome:
    """An attempt past its time limit: a task is cancelled (``timeout``), a thread left running
    (``abandoned``: it cannot be killed)."""
    if cancelled:
        return Outcome("timeout", error=f"no answer after {timeout:.3f}s; cancelled")
    return Outcome("abandoned", error=f"no answer after {timeout:.3f}s; the tool's thread was abandoned")


def failure(exc: Exception) -> Outcome:
    ra = getattr(exc, "retry_after", None)
    return Outcome(classify(exc), None, describe(exc), float(ra) if isinstance(ra, int | float) else None)


def call_sync(tool: SyncTool, args: Mapping[str, Any]) -> Outcome:
    try:
        return Outcome("ok", tool(**args))
    except Exception as exc:  # a tool's failure is data, not a crash of the turn
        return failure(exc)


async def call_async(acall: Any, args: Mapping[str, Any]) -> Outcome:
    try:
        return Outcome("ok", await acall(**args))
    except Exception as exc:
        return failure(exc)


def ended(
    call: ToolCall, out: Outcome, start: float, end: float, attempts: int, wait: float, *,
    tries: tuple[tuple[float, str], ...] = (),
) -> CallResult:  # fmt: skip
    """``tries``: (start, status) of each attempt, kept only when there was more than one."""
    kept = tries if len(tries) > 1 else ()
    return CallResult(
        call, out.status, out.value, out.error, start, end, attempts, wait, out.retry_after, kept
    )


def settle(r: CallResult, guards: Guards) -> CallResult:
    """A failed call of a tool with a fallback reports the fallback value (the error text says why)."""
    if r.status in ("ok", "skipped") or r.call.name not in guards.fallbacks:
        return r
    return r._replace(status="fallback", value=guards.fallbacks[r.call.name], retry_after=None)


@dataclass(frozen=True, slots=True)
class Admission:
    """How a call got past its limiter. ``start`` None: never admitted (the turn's deadline passed first)."""

    wait: float
    start: float | None = None
    #: the attempt's time limit from its start: the timeout, cut to what is left of the deadline
    timeout: float | None = None
    #: a real-time reading at the start, from which a watcher times the attempt (threads sleep in real time)
    real: float = 0.0


class Progress:
    """What one call has done so far: its attempts, first start, first wait, last outcome and the attempt
    running now. ``_steps`` keeps its state here, so the result it would end with is written once
    (``result``), and a turn that must return at its deadline (``Dispatch.run_all``) can end a call whose
    thread has not noticed yet with exactly that result (``claim``), instead of waiting for the thread."""

    __slots__ = (
        "attempts", "collected", "copies", "final", "first_wait", "lock", "out", "running", "since", "start",
        "tries",
    )  # fmt: skip

    def __init__(self, collected: bool = False) -> None:
        self.lock = threading.Lock()
        #: a collector ends the call at the deadline (``Dispatch._by_deadline``)
        self.collected = collected
        self.attempts = 0
        self.first_wait: float | None = None
        self.start: float | None = None
        self.out = CANCELLED
        #: the admission of the attempt running now (None between attempts) and the copies it started
        self.running: Admission | None = None
        self.copies = 0
        #: when the wait for the first admission began (None before it)
        self.since: float | None = None
        self.final: CallResult | None = None
        #: (start, status) of each attempt that ended, in turn
        self.tries: list[tuple[float, str]] = []

    def result(self, call: ToolCall, now: float) -> CallResult:
        """The call's result were it to end ``now`` (the lock held); a running attempt ends abandoned."""
        out, attempts, start, tries = self.out, self.attempts, self.start, tuple(self.tries)
        adm = self.running
        if adm is not None and adm.start is not None:  # its time limit is the deadline's, passing now
            out = overran(adm.timeout, cancelled=False)
            attempts += self.copies
            start = adm.start if start is None else start
            tries += ((adm.start, out.status),)
        wait = self.first_wait
        if wait is None:
            wait = 0.0 if self.since is None else now - self.since
        return ended(call, out, now if start is None else start, now, attempts, wait, tries=tries)

    def settle(self, r: CallResult) -> CallResult:
        """The call's thread is done: ``r`` stands unless the turn already ended the call (``claim``)."""
        with self.lock:
            if self.final is None:
                self.final = r
            return self.final

    def claim(
        self, call: ToolCall, turn: Turn, unstarted: Callable[[], CallResult]
    ) -> tuple[CallResult, bool]:
        """At the deadline: the call's result, ended now if its thread has not finished (then True);
        ``unstarted`` ends a call whose attempts have not begun, as its own precheck would."""
        with self.lock:
            if self.final is not None:
                return self.final, False
            if self.since is None:
                self.final = unstarted()
            else:
                self.final = settle(self.result(call, turn.clock()), turn.guards)
            return self.final, True
