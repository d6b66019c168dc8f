"""Running one call: check its dependencies, wait for the limiter, call the tool under the turn's guards,
and turn any outcome into a CallResult; and running a turn's calls on a pool or as tasks (``Dispatch``).

Shared by every executor so that statuses, timing points, error text and guards mean the same everywhere.
A plain turn (no guard, no dependency) without a limiter takes the fast path: ``call_tool``/``acall_tool``,
two clock reads and one result record between the executor and the tool. Otherwise one retry loop
(``_steps``), written once, is driven by a sync and an async driver. Without guards a call runs once, inline
on the caller's thread. With a timeout, a deadline or a hedge, each attempt runs on a daemon thread that the
caller watches: a thread cannot be killed, so a sync attempt that overruns is *abandoned* (left sleeping; it
holds no pool worker and does not delay shutdown or interpreter exit). A native ``acall`` is cancelled
instead (``timeout``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
import time
from collections.abc import Callable, Coroutine, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from executors._deps import check_graph, resolve_args
from executors._group import all_of, gc_paused
from executors._guards import Guards, Turn
from executors._limiter import DeadlinePassed
from executors._types import (
    ASleep,
    CallResult,
    Clock,
    Sleep,
    SyncTool,
    ToolCall,
    Tools,
)

#: builds a CallResult from a ready tuple: no keyword handling or defaults on the hot path
_new = tuple.__new__


class Limiter(Protocol):
    """What an executor needs of a client-side limiter: block (or await) until a start is allowed, or, given
    a ``deadline`` (a clock reading), raise ``DeadlinePassed`` when it passes first. A limiter may also
    define ``done(status, retry_after)``, called after every attempt it admitted."""

    def acquire(self, sleep: Sleep, deadline: float | None = None) -> float: ...
    async def aacquire(self, asleep: ASleep, deadline: float | None = None) -> float: ...


def classify(exc: BaseException) -> str:
    """An exception's call status. Tools may say it themselves (``call_status``: e.g. a 429 is
    ``rate_limited``), so executors need not know the tools' exception classes."""
    status = getattr(exc, "call_status", None)
    return status if isinstance(status, str) else "error"


def describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@dataclass(frozen=True, slots=True)
class _Outcome:
    status: str
    value: Any = None
    error: str | None = None
    retry_after: float | None = None


#: the outcome of a call whose turn's deadline passed before it started
_CANCELLED = _Outcome("cancelled", error="turn deadline passed before the call started")


def _failure(exc: Exception) -> _Outcome:
    ra = getattr(exc, "retry_after", None)
    return _Outcome(classify(exc), None, describe(exc), float(ra) if isinstance(ra, int | float) else None)


def _call_sync(tool: SyncTool, args: Mapping[str, Any]) -> _Outcome:
    try:
        return _Outcome("ok", tool(**args))
    except Exception as exc:  # a tool's failure is data, not a crash of the turn
        return _failure(exc)


async def _call_async(acall: Any, args: Mapping[str, Any]) -> _Outcome:
    try:
        return _Outcome("ok", await acall(**args))
    except Exception as exc:
        return _failure(exc)


def _feedback(lim: Limiter | None, status: str, retry_after: float | None) -> None:
    done = getattr(lim, "done", None)
    if done is not None:
        done(status, retry_after)


def _ended(call: ToolCall, out: _Outcome, start: float, end: float, attempts: int, wait: float) -> CallResult:
    return CallResult(call, out.status, out.value, out.error, start, end, attempts, wait, out.retry_after)


def _unknown(call: ToolCall, clock: Clock) -> CallResult:
    now = clock()
    return CallResult(call, "error", None, f"unknown tool {call.name!r}", now, now)


def call_tool(call: ToolCall, tool: SyncTool | None, clock: Clock) -> CallResult:
    """One call of a plain turn without a limiter, on this thread: the fewest steps between the executor
    and the tool, since this is what the micro-benchmarks compare with a raw thread pool."""
    if tool is None:
        return _unknown(call, clock)
    t0 = clock()
    try:
        value = tool(**call.args)
    except Exception as exc:  # a tool's failure is data, not a crash of the turn
        return _ended(call, _failure(exc), t0, clock(), 1, 0.0)
    return _new(CallResult, (call, "ok", value, None, t0, clock(), 1, 0.0, None))


async def acall_tool(call: ToolCall, tool: Any, clock: Clock) -> CallResult:
    """``call_tool`` for a native ``acall``: the one coroutine frame between the task and the tool's own.
    It takes the tool, not its bound ``acall``, so that no bound method stays alive while the call runs."""
    t0 = clock()
    try:
        value = await tool.acall(**call.args)
    except Exception as exc:
        return _ended(call, _failure(exc), t0, clock(), 1, 0.0)
    return _new(CallResult, (call, "ok", value, None, t0, clock(), 1, 0.0, None))


def _precheck(call: ToolCall, tools: Tools, clock: Clock, turn: Turn | None) -> CallResult | dict[str, Any]:
    """The call's resolved arguments, or the result it ends with before any attempt."""
    if call.name not in tools:
        return _unknown(call, clock)
    if turn is None:
        return dict(call.args)
    problem = turn.blocked(call)
    if problem is not None:
        now = clock()
        return _settle(CallResult(call, problem[0], None, problem[1], now, now, 0), turn.guards)
    if turn.expired():
        now = clock()
        return CallResult(
            call, "cancelled", None, "turn deadline passed before the call started", now, now, 0
        )
    return resolve_args(call.args, turn.values()) if call.after else dict(call.args)


def _settle(r: CallResult, guards: Guards) -> CallResult:
    """A failed call of a tool with a fallback reports the fallback value (the error text says why)."""
    if r.status in ("ok", "skipped") or r.call.name not in guards.fallbacks:
        return r
    return r._replace(status="fallback", value=guards.fallbacks[r.call.name], retry_after=None)


_Steps = Generator[float | None, Any, CallResult]


def _steps(call: ToolCall, turn: Turn | None, clock: Clock, lim: Limiter | None) -> _Steps:
    """One call's attempts under the turn's guards, for both drivers. It yields None for "admit and try
    once" and is sent (admission, outcome, copies started), or yields a backoff delay and is sent None."""
    attempts = tries = 0
    first_wait: float | None = None
    start: float | None = None
    out = _CANCELLED
    while turn is None or not turn.expired():
        adm, got, copies = yield None
        first_wait = adm.wait if first_wait is None else first_wait
        if adm.start is None:  # the deadline passed while queued for quota: the last failure stands
            break
        start = adm.start if start is None else start
        out = got
        attempts += copies
        tries += 1
        _feedback(lim, out.status, out.retry_after)
        if out.status == "ok" or turn is None or not _retry(turn, tries, out):
            break
        delay = turn.backoff(tries, out.retry_after)
        left = turn.remaining()
        if left is not None and delay >= left:
            break  # sleeping past the deadline only to be cancelled would hide the real failure
        yield delay
    now = clock()
    r = _ended(call, out, now if start is None else start, now, attempts, first_wait or 0.0)
    return r if turn is None else _settle(r, turn.guards)


@dataclass(frozen=True, slots=True)
class _Admission:
    """How a call got past its limiter. ``start`` None: never admitted (the turn's deadline passed first)."""

    wait: float
    start: float | None = None
    #: the attempt's time limit from its start: the timeout, cut to what is left of the deadline
    timeout: float | None = None
    #: a real-time reading at the start, from which a watcher times the attempt (threads sleep in real time)
    real: float = 0.0


def _admit_sync(lim: Limiter | None, sleep: Sleep, turn: Turn | None, clock: Clock) -> _Admission:
    """Wait for quota on this thread; the caller runs the tool right after, on this same thread."""
    if turn is None:  # a plain turn behind a limiter: no deadline, no timeout
        return _Admission(0.0 if lim is None else lim.acquire(sleep), clock())
    if lim is None:
        return _Admission(0.0, clock(), turn.attempt_timeout(), time.perf_counter())
    t0 = clock()
    try:
        wait = lim.acquire(sleep, turn.deadline)
    except DeadlinePassed:
        return _Admission(clock() - t0)
    if turn.expired():  # admitted on the deadline's edge: too late to start
        _feedback(lim, "cancelled", None)
        return _Admission(wait)
    return _Admission(wait, clock(), turn.attempt_timeout(), time.perf_counter())


class _Handoff:
    """What the thread that waits for quota and runs the first copy tells the thread watching it.

    Its start is *not* signalled: waking the watcher between the admission and the tool's first line would
    delay the start the server sees behind the one the limiter recorded (measured: 18 µs against 5 µs at
    the median), and the next window is measured from the recorded one. The watcher reads ``admission``
    when its own timer fires instead; only outcomes, errors and a wait that ended unadmitted wake it.
    At the deadline the watcher withdraws a call not yet started, without waiting for that thread."""

    def __init__(self) -> None:
        self.box: queue.SimpleQueue[_Outcome | _Admission | BaseException] = queue.SimpleQueue()
        self.admission: _Admission | None = None
        self._lock = threading.Lock()
        self._withdrawn = False

    def started(self, adm: _Admission) -> bool:
        """Note the start; False when the watcher has withdrawn (the call must not start)."""
        with self._lock:
            if not self._withdrawn:
                self.admission = adm
            return not self._withdrawn

    def withdraw(self) -> bool:
        """Withdraw the call unless it has started."""
        with self._lock:
            self._withdrawn = self.admission is None
            return self._withdrawn


def _try_sync(
    tool: SyncTool, args: Mapping[str, Any], turn: Turn | None, name: str, lim: Limiter | None, sleep: Sleep,
    clock: Clock,
) -> tuple[_Admission, _Outcome, int]:  # fmt: skip
    """Admission and one attempt (plus its hedge copy, if due): (admission, outcome, copies started).

    Under a timeout, deadline or hedge, the first copy waits for quota *and* runs on one daemon thread, so
    nothing comes between its admission and its start; this thread only watches it."""
    if turn is None or not turn.guards.threaded:
        adm = _admit_sync(lim, sleep, turn, clock)
        if adm.start is None:
            return adm, _CANCELLED, 0
        return adm, _call_sync(tool, args), 1
    handoff = _Handoff()

    def first() -> None:
        try:
            adm = _admit_sync(lim, sleep, turn, clock)
        except BaseException as exc:  # the watcher must hear of it, or it would wait forever
            handoff.box.put(exc)
            raise
        if adm.start is None:
            handoff.box.put(adm)
        elif handoff.started(adm):
            handoff.box.put(_call_sync(tool, args))
        else:  # the watcher already reported the call cancelled at the deadline
            _feedback(lim, "cancelled", None)

    def copy() -> None:
        handoff.box.put(_call_sync(tool, args))

    t0 = clock()
    _spawn(first)
    return _watch_sync(handoff, copy, turn.guards.hedge_for(name), turn, clock, t0)


def _next_wake(handoff: _Handoff, hedge_at: float | None, turn: Turn, hedge: float | None) -> float | None:
    """Seconds the watcher may sleep: until the attempt's end or hedge time once it has started; before,
    until the deadline or the soonest the attempt could need its watcher were it starting now."""
    adm = handoff.admission
    if adm is None:
        spans = [x for x in (turn.remaining(), turn.guards.timeout_s, hedge) if x is not None]
        return max(0.0, min(spans)) if spans else None
    marks = [x for x in (None if adm.timeout is None else adm.real + adm.timeout, hedge_at) if x is not None]
    return max(0.0, min(marks) - time.perf_counter()) if marks else None


def _watch_sync(
    handoff: _Handoff, copy: Any, hedge: float | None, turn: Turn, clock: Clock, t0: float
) -> tuple[_Admission, _Outcome, int]:
    """Wait for the first success among the copies, starting a hedge copy when due, until the timeout;
    withdraw the call at the deadline if it has not started."""
    copies = pending = 1
    hedged = hedge is None
    while True:
        adm = handoff.admission
        hedge_at = None if hedged or adm is None or hedge is None else adm.real + hedge
        try:
            got = handoff.box.get(timeout=_next_wake(handoff, hedge_at, turn, hedge))
        except queue.Empty:
            adm = handoff.admission
            if adm is None:
                if turn.expired() and handoff.withdraw():
                    return _Admission(clock() - t0), _CANCELLED, 0
                continue
            now = time.perf_counter()
            end_at = None if adm.timeout is None else adm.real + adm.timeout
            if hedge_at is not None and now >= hedge_at and (end_at is None or hedge_at < end_at):
                hedged = True
                if turn.take_extra():
                    _spawn(copy)
                    copies += 1
                    pending += 1
            elif end_at is not None and now >= end_at:
                text = f"no answer after {adm.timeout:.3f}s; the tool's thread was abandoned"
                return adm, _Outcome("abandoned", error=text), copies
            continue
        if isinstance(got, BaseException):
            raise got
        if isinstance(got, _Admission):  # the deadline passed while it was queued for quota
            return got, _CANCELLED, 0
        pending -= 1
        if got.status == "ok" or pending == 0:  # pending 0: every copy failed (unhedged if before its time)
            started = handoff.admission
            assert started is not None  # an outcome comes from a copy that started
            return started, got, copies


def _finish(turn: Turn | None, r: CallResult) -> CallResult:
    if turn is not None:
        turn.finish(r)
    return r


def _retry(turn: Turn, tries: int, out: _Outcome) -> bool:
    pol = turn.guards.retry
    if pol is None or tries >= pol.attempts or out.status not in pol.on:
        return False
    return turn.take_extra()


def _spawn(fn: Any) -> None:
    # Daemon: an abandoned attempt must not keep the interpreter alive or hold a pool worker.
    threading.Thread(target=fn, daemon=True, name="pfc-guarded").start()


async def _once(
    tool: SyncTool, args: Mapping[str, Any], pool: concurrent.futures.Executor | None
) -> _Outcome:
    acall = getattr(tool, "acall", None)
    if acall is not None:
        return await _call_async(acall, args)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(pool, _call_sync, tool, args)


def _daemon_future(tool: SyncTool, args: Mapping[str, Any]) -> concurrent.futures.Future[_Outcome]:
    fut: concurrent.futures.Future[_Outcome] = concurrent.futures.Future()
    fut.set_running_or_notify_cancel()  # running: a cancel from the awaiting side cannot fail set_result

    def run() -> None:
        fut.set_result(_call_sync(tool, args))

    _spawn(run)
    return fut


async def _admit_async(lim: Limiter | None, asleep: ASleep, turn: Turn | None, clock: Clock) -> _Admission:
    """Wait for quota in this task; the caller starts the tool right after, in this same task."""
    if turn is None:
        return _Admission(0.0 if lim is None else await lim.aacquire(asleep), clock())
    real = asyncio.get_running_loop().time
    if lim is None:
        return _Admission(0.0, clock(), turn.attempt_timeout(), real())
    t0 = clock()
    try:
        wait = await lim.aacquire(asleep, turn.deadline)
    except DeadlinePassed:
        return _Admission(clock() - t0)
    if turn.expired():
        _feedback(lim, "cancelled", None)
        return _Admission(wait)
    return _Admission(wait, clock(), turn.attempt_timeout(), real())


async def _try_async(
    tool: SyncTool, args: Mapping[str, Any], turn: Turn | None, name: str, pool: concurrent.futures.Executor | None,
    lim: Limiter | None, asleep: ASleep, clock: Clock,
) -> tuple[_Admission, _Outcome, int]:  # fmt: skip
    """``_try_sync`` for the event loop. A native ``acall`` runs in the task its limiter admitted, under
    ``asyncio.timeout``; a sync tool still crosses to a thread after admission, as it does unguarded."""
    hedge = None if turn is None else turn.guards.hedge_for(name)
    acall = getattr(tool, "acall", None)
    if turn is None or (hedge is None and (acall is not None or not turn.guards.threaded)):
        adm = await _admit_async(lim, asleep, turn, clock)
        if adm.start is None:
            return adm, _CANCELLED, 0
        if acall is None:
            return adm, await _once(tool, args, pool), 1
        try:
            async with asyncio.timeout(adm.timeout):
                return adm, await _call_async(acall, args), 1
        except TimeoutError:
            return adm, _Outcome("timeout", error=f"no answer after {adm.timeout:.3f}s; cancelled"), 1

    def copy() -> asyncio.Future[_Outcome]:
        if acall is not None:
            return asyncio.ensure_future(_call_async(acall, args))
        return asyncio.wrap_future(_daemon_future(tool, args))

    admitted: asyncio.Future[_Admission] = asyncio.get_running_loop().create_future()

    async def first() -> _Outcome:
        admitted.set_result(adm := await _admit_async(lim, asleep, turn, clock))
        if adm.start is None:
            return _CANCELLED
        return await (_call_async(acall, args) if acall is not None else copy())

    pending: set[asyncio.Future[_Outcome]] = {asyncio.ensure_future(first())}
    try:
        either: list[asyncio.Future[Any]] = [admitted, *pending]
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if not admitted.done():  # first() failed before its admission: let that out
            exc = pending.pop().exception()
            raise exc if exc is not None else RuntimeError("the limiter answered nothing")
        adm = admitted.result()
        if adm.start is None:
            return adm, _CANCELLED, 0
        out, copies = await _watch_async(pending, copy, adm, hedge, turn, acall is not None)
        return adm, out, copies
    finally:
        for p in pending:  # losers of a hedge race and timed-out copies: nothing of the turn left running
            p.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


async def _watch_async(
    pending: set[asyncio.Future[_Outcome]], copy: Any, adm: _Admission, hedge: float | None, turn: Turn,
    native: bool,
) -> tuple[_Outcome, int]:  # fmt: skip
    """Await the first success among the copies, starting a hedge copy when due, until the timeout. Leaves
    in ``pending`` what is still running, for the caller to cancel."""
    loop = asyncio.get_running_loop()
    timeout = adm.timeout
    end_at = None if timeout is None else adm.real + timeout
    hedge_at = None if hedge is None else adm.real + hedge
    copies = 1
    last = _Outcome("error", error="no attempt finished")
    while pending:
        marks = [x for x in (end_at, hedge_at) if x is not None]
        wait = max(0.0, min(marks) - loop.time()) if marks else None
        done, _ = await asyncio.wait(pending, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
        pending -= done
        for d in done:
            got = d.result()
            if got.status == "ok":
                return got, copies
            last = got
        if done:
            continue
        now = loop.time()
        if hedge_at is not None and now >= hedge_at and (end_at is None or hedge_at < end_at):
            hedge_at = None
            if turn.take_extra():
                pending.add(copy())
                copies += 1
            continue
        if end_at is not None and now >= end_at:
            if native:
                return _Outcome("timeout", error=f"no answer after {timeout:.3f}s; cancelled"), copies
            text = f"no answer after {timeout:.3f}s; the tool's thread was abandoned"
            return _Outcome("abandoned", error=text), copies
    return last, copies


class Dispatch:
    """One turn's means to run a call: its tools, injected time, limiters, thread pool and guard state
    (``turn`` is None for a plain turn: no guard, no dependency). Each strategy opens one per turn
    (``open_turn``) and schedules calls through it; it never raises for a tool's failure."""

    __slots__ = ("asleep", "clock", "limiters", "pool", "sleep", "tools", "turn")

    def __init__(
        self,
        tools: Tools,
        clock: Clock,
        sleep: Sleep,
        asleep: ASleep,
        limiters: Mapping[str, Limiter],
        pool: concurrent.futures.Executor | None,
        turn: Turn | None,
    ) -> None:
        self.tools, self.clock, self.sleep, self.asleep = tools, clock, sleep, asleep
        self.limiters, self.pool, self.turn = limiters, pool, turn

    def one(self, call: ToolCall) -> CallResult:
        """Run one call on this thread."""
        if self.turn is None and call.name not in self.limiters:
            return call_tool(call, self.tools.get(call.name), self.clock)
        pre = _precheck(call, self.tools, self.clock, self.turn)
        if isinstance(pre, CallResult):
            return _finish(self.turn, pre)
        tool, turn, lim = self.tools[call.name], self.turn, self.limiters.get(call.name)
        steps, got = _steps(call, turn, self.clock, lim), None
        try:
            while True:
                delay = steps.send(got)
                if delay is None:
                    got = _try_sync(tool, pre, turn, call.name, lim, self.sleep, self.clock)
                else:
                    self.sleep(delay)
                    got = None
        except StopIteration as stop:
            return _finish(turn, stop.value)

    def aone(self, call: ToolCall) -> Coroutine[Any, Any, CallResult]:
        """``one`` on the event loop: the tool's native ``acall`` when it has one, else in ``pool``'s thread
        (or, under timeout/deadline/hedge guards, a daemon thread that may be abandoned)."""
        if self.turn is None and call.name not in self.limiters:
            tool = self.tools.get(call.name)
            if hasattr(tool, "acall"):  # not isinstance(AsyncTool): a runtime Protocol check costs µs
                return acall_tool(call, tool, self.clock)
        return self._aone(call)

    async def _aone(self, call: ToolCall) -> CallResult:
        pre = _precheck(call, self.tools, self.clock, self.turn)
        if isinstance(pre, CallResult):
            return _finish(self.turn, pre)
        tool, turn, lim, pool = self.tools[call.name], self.turn, self.limiters.get(call.name), self.pool
        steps, got = _steps(call, turn, self.clock, lim), None
        try:
            while True:
                delay = steps.send(got)
                if delay is not None:
                    await self.asleep(delay)
                    got = None
                    continue
                got = await _try_async(tool, pre, turn, call.name, pool, lim, self.asleep, self.clock)
        except StopIteration as stop:
            return _finish(turn, stop.value)

    def _submit(self, calls: Sequence[ToolCall]) -> list[concurrent.futures.Future[CallResult]]:
        pool = self.pool
        assert pool is not None
        if self.turn is None and not self.limiters:
            tools, clock = self.tools, self.clock
            return [pool.submit(call_tool, c, tools.get(c.name), clock) for c in calls]
        return [pool.submit(self.one, c) for c in calls]

    def run_all(self, calls: Sequence[ToolCall]) -> list[CallResult]:
        """Submit every call to the pool and collect in submission order, so results keep call order."""
        with gc_paused(len(calls)):
            return [f.result() for f in self._submit(calls)]

    async def arun_all(self, calls: Sequence[ToolCall]) -> list[CallResult]:
        """``run_all`` awaited from an event loop without blocking it."""
        with gc_paused(len(calls)):
            return list(await asyncio.gather(*map(asyncio.wrap_future, self._submit(calls))))

    async def gather(
        self,
        calls: Sequence[ToolCall],
        start: Callable[[ToolCall], Coroutine[Any, Any, CallResult]] | None = None,
    ) -> list[CallResult]:
        """Every call as a task of one TaskGroup (``start(call)``, by default ``aone``): when this returns
        (or is cancelled) none is left running."""
        one = self.aone if start is None else start
        with gc_paused(len(calls)):
            return await all_of(one(c) for c in calls)


def open_turn(calls: Sequence[ToolCall], guards: Guards | None, clock: Clock) -> Turn | None:
    """The turn's guard state, or None for a plain turn (no active guard, no ``after``): no lock, no RNG, no
    kept results, and its calls take the fast path. Either way the call graph is checked."""
    if check_graph(calls) or (guards is not None and guards.active):
        return Turn(calls, guards, clock)  # checks the graph again: cheap next to what guards cost
    return None
