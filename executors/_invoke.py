"""Running one call: check its dependencies, wait for the limiter, call the tool under the turn's guards,
and turn any outcome into a CallResult; and running a turn's calls on a pool or as tasks (``Dispatch``).

Shared by every executor so that statuses, timing points, error text and guards mean the same everywhere.
A plain turn (no guard, no dependency) without a limiter takes the fast path: ``call_tool``/``acall_tool``,
two clock reads and one result record between the executor and the tool. Otherwise one retry loop
(``_steps``), written once, is driven by a sync and an async driver. Without guards a call runs once, inline
on the caller's thread. With a timeout, a deadline or a hedge, each attempt runs on a daemon thread that the
caller watches: a thread cannot be killed, so a sync attempt that overruns is *abandoned* (left sleeping; it
holds no pool worker and does not delay shutdown or interpreter exit). A native ``acall`` is cancelled
instead (``timeout``). On a pool under a deadline the turn does not wait for each call's threads to notice
it: it wakes once, at the deadline, and ends the calls still going with the result their threads would give
them (``Progress``), which wake a little later (``_BEHIND_COLLECTOR_S``) so as not to delay it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
import time
from collections.abc import Callable, Coroutine, Generator, Mapping, Sequence
from functools import partial
from typing import Any, Protocol

from executors._deps import check_graph, resolve_args
from executors._group import all_of, gc_paused
from executors._guards import Guards, Turn
from executors._limiter import DeadlinePassed
from executors._outcome import (
    CANCELLED,
    Admission,
    Outcome,
    Progress,
    call_async,
    call_sync,
    ended,
    failure,
    overran,
    settle,
)
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


def _feedback(lim: Limiter | None, status: str, retry_after: float | None) -> None:
    done = getattr(lim, "done", None)
    if done is not None:
        done(status, retry_after)


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
        return ended(call, failure(exc), t0, clock(), 1, 0.0)
    return _new(CallResult, (call, "ok", value, None, t0, clock(), 1, 0.0, None, ()))


async def acall_tool(call: ToolCall, tool: Any, clock: Clock) -> CallResult:
    """``call_tool`` for a native ``acall``: the one coroutine frame between the task and the tool's own.
    It takes the tool, not its bound ``acall``, so that no bound method stays alive while the call runs."""
    t0 = clock()
    try:
        value = await tool.acall(**call.args)
    except Exception as exc:
        return ended(call, failure(exc), t0, clock(), 1, 0.0)
    return _new(CallResult, (call, "ok", value, None, t0, clock(), 1, 0.0, None, ()))


def _precheck(call: ToolCall, tools: Tools, clock: Clock, turn: Turn | None) -> CallResult | dict[str, Any]:
    """The call's resolved arguments, or the result it ends with before any attempt."""
    if call.name not in tools:
        return _unknown(call, clock)
    if turn is None:
        return dict(call.args)
    problem = turn.blocked(call)
    if problem is not None:
        now = clock()
        return settle(CallResult(call, problem[0], None, problem[1], now, now, 0), turn.guards)
    if turn.expired():
        now = clock()
        return CallResult(
            call, "cancelled", None, "turn deadline passed before the call started", now, now, 0
        )
    return resolve_args(call.args, turn.values()) if call.after else dict(call.args)


_Steps = Generator[float | None, Any, CallResult]


def _steps(
    call: ToolCall, turn: Turn | None, clock: Clock, lim: Limiter | None, prog: Progress | None = None
) -> _Steps:
    """One call's attempts under the turn's guards, for both drivers. It yields None for "admit and try
    once" and is sent (admission, outcome, copies started), or yields a backoff delay and is sent None."""
    prog = Progress() if prog is None else prog
    tries = 0
    while turn is None or not turn.expired():
        if prog.since is None:
            prog.since = clock()
        adm, got, copies = yield None
        with prog.lock:
            prog.running = None
            prog.first_wait = adm.wait if prog.first_wait is None else prog.first_wait
            if adm.start is None:  # the deadline passed while queued for quota: the last failure stands
                break
            prog.start = adm.start if prog.start is None else prog.start
            prog.out = out = got
            prog.attempts += copies
            if copies:
                prog.tries.append((adm.start, out.status))
        tries += 1
        _feedback(lim, out.status, out.retry_after)
        if out.status == "ok" or turn is None or not _retry(turn, tries, out):
            break
        delay = turn.backoff(tries, out.retry_after)
        left = turn.remaining()
        if left is not None and delay >= left:
            break  # sleeping past the deadline only to be cancelled would hide the real failure
        yield delay
    with prog.lock:
        r = prog.result(call, clock())
    return r if turn is None else settle(past_deadline(r, turn.deadline), turn.guards)


def past_deadline(r: CallResult, deadline: float | None) -> CallResult:
    """An answer that came after the turn's deadline is no answer in time: ``timeout``, saying by how much
    (9 of 1,600 calls under --deadline-ms 300 ended ``ok`` 2-27 doc-ms after it)."""
    if deadline is None or r.status != "ok" or r.end <= deadline:
        return r
    late_ms = (r.end - deadline) * 1000
    return r._replace(
        status="timeout", value=None, error=f"answered {late_ms:.2f} ms (wall) after the turn's deadline"
    )


def _admit_sync(
    lim: Limiter | None, sleep: Sleep, turn: Turn | None, clock: Clock, behind: float = 0.0
) -> Admission:
    """Wait for quota on this thread; the caller runs the tool right after, on this same thread. ``behind``:
    leave the queue that long after the deadline, when the turn's collector has ended the call at it (the
    call still cannot start after the deadline; a slot that comes in between is given back as cancelled)."""
    if turn is None:  # a plain turn behind a limiter: no deadline, no timeout
        return Admission(0.0 if lim is None else lim.acquire(sleep), clock())
    if lim is None:
        return Admission(0.0, clock(), turn.attempt_timeout(), time.perf_counter())
    t0 = clock()
    try:
        wait = lim.acquire(sleep, None if turn.deadline is None else turn.deadline + behind)
    except DeadlinePassed:
        return Admission(clock() - t0)
    if turn.expired():  # admitted on the deadline's edge: too late to start
        _feedback(lim, "cancelled", None)
        return Admission(wait)
    return Admission(wait, clock(), turn.attempt_timeout(), time.perf_counter())


class _Handoff:
    """What the thread that waits for quota and runs the first copy tells the thread watching it.

    Its start is *not* signalled: waking the watcher between the admission and the tool's first line would
    delay the start the server sees behind the one the limiter recorded (measured: 18 µs against 5 µs at
    the median), and the next window is measured from the recorded one. The watcher reads ``admission``
    when its own timer fires instead; only outcomes, errors and a wait that ended unadmitted wake it.
    At the deadline the watcher withdraws a call not yet started, without waiting for that thread."""

    def __init__(self) -> None:
        self.box: queue.SimpleQueue[Outcome | Admission | BaseException] = queue.SimpleQueue()
        self.admission: Admission | None = None
        self._lock = threading.Lock()
        self._withdrawn = False

    def started(self, adm: Admission) -> bool:
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
    clock: Clock, prog: Progress,
) -> tuple[Admission, Outcome, int]:  # fmt: skip
    """Admission and one attempt (plus its hedge copy, if due): (admission, outcome, copies started).

    Under a timeout, deadline or hedge, the first copy waits for quota *and* runs on one daemon thread, so
    nothing comes between its admission and its start; this thread only watches it."""
    if turn is None or not turn.guards.threaded:
        adm = _admit_sync(lim, sleep, turn, clock)
        if adm.start is None:
            return adm, CANCELLED, 0
        return adm, call_sync(tool, args), 1
    handoff = _Handoff()

    def first() -> None:
        try:
            adm = _admit_sync(lim, sleep, turn, clock, _BEHIND_COLLECTOR_S if prog.collected else 0.0)
        except BaseException as exc:  # the watcher must hear of it, or it would wait forever
            handoff.box.put(exc)
            raise
        if adm.start is None:
            handoff.box.put(adm)
        elif handoff.started(adm):
            with prog.lock:
                prog.running, prog.copies = adm, 1
            handoff.box.put(call_sync(tool, args))
        else:  # the watcher already reported the call cancelled at the deadline
            _feedback(lim, "cancelled", None)

    def copy() -> None:
        handoff.box.put(call_sync(tool, args))

    t0 = clock()
    _spawn(first)
    return _watch_sync(handoff, copy, turn.guards.hedge_for(name), turn, clock, t0, prog)


def _next_wake(handoff: _Handoff, hedge_at: float | None, turn: Turn, hedge: float | None) -> float | None:
    """Seconds the watcher may sleep: until the attempt's end or hedge time once it has started; before,
    until the deadline or the soonest the attempt could need its watcher were it starting now."""
    adm = handoff.admission
    if adm is None:
        spans = [x for x in (turn.remaining(), turn.guards.timeout_s, hedge) if x is not None]
        return max(0.0, min(spans)) if spans else None
    marks = [x for x in (None if adm.timeout is None else adm.real + adm.timeout, hedge_at) if x is not None]
    return max(0.0, min(marks) - time.perf_counter()) if marks else None


#: how long after the deadline a call's own watcher wakes when the turn's collector ends it at the deadline
#: (``Dispatch._by_deadline``): the collector must not queue for the GIL behind a wake-up per call
_BEHIND_COLLECTOR_S = 0.002


def _after_collector(wait: float | None, turn: Turn, prog: Progress) -> float | None:
    """``wait``, pushed past the collector when it would wake this watcher at the deadline."""
    left = turn.remaining()
    if wait is None or not prog.collected or left is None or wait < left:
        return wait
    return wait + _BEHIND_COLLECTOR_S


def _watch_sync(
    handoff: _Handoff, copy: Any, hedge: float | None, turn: Turn, clock: Clock, t0: float, prog: Progress
) -> tuple[Admission, Outcome, int]:
    """Wait for the first success among the copies, starting a hedge copy when due, until the timeout;
    withdraw the call at the deadline if it has not started."""
    copies = pending = 1
    hedged = hedge is None
    while True:
        adm = handoff.admission
        hedge_at = None if hedged or adm is None or hedge is None else adm.real + hedge
        try:
            got = handoff.box.get(
                timeout=_after_collector(_next_wake(handoff, hedge_at, turn, hedge), turn, prog)
            )
        except queue.Empty:
            adm = handoff.admission
            if adm is None:
                if turn.expired() and handoff.withdraw():
                    return Admission(clock() - t0), CANCELLED, 0
                continue
            now = time.perf_counter()
            end_at = None if adm.timeout is None else adm.real + adm.timeout
            if hedge_at is not None and now >= hedge_at and (end_at is None or hedge_at < end_at):
                hedged = True
                if turn.take_extra():
                    _spawn(copy)
                    copies += 1
                    pending += 1
                    with prog.lock:
                        prog.copies = copies
            elif end_at is not None and now >= end_at:
                return adm, overran(adm.timeout, cancelled=False), copies
            continue
        if isinstance(got, BaseException):
            raise got
        if isinstance(got, Admission):  # the deadline passed while it was queued for quota
            return got, CANCELLED, 0
        pending -= 1
        if got.status == "ok" or pending == 0:  # pending 0: every copy failed (unhedged if before its time)
            started = handoff.admission
            assert started is not None  # an outcome comes from a copy that started
            return started, got, copies


def _finish(turn: Turn | None, r: CallResult) -> CallResult:
    if turn is not None:
        turn.finish(r)
    return r


def _retry(turn: Turn, tries: int, out: Outcome) -> bool:
    pol = turn.guards.retry
    if pol is None or tries >= pol.attempts or out.status not in pol.on:
        return False
    return turn.take_extra()


def _spawn(fn: Any) -> None:
    # Daemon: an abandoned attempt must not keep the interpreter alive or hold a pool worker.
    threading.Thread(target=fn, daemon=True, name="pfc-guarded").start()


async def _once(tool: SyncTool, args: Mapping[str, Any], pool: concurrent.futures.Executor | None) -> Outcome:
    acall = getattr(tool, "acall", None)
    if acall is not None:
        return await call_async(acall, args)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(pool, call_sync, tool, args)


def _daemon_future(tool: SyncTool, args: Mapping[str, Any]) -> concurrent.futures.Future[Outcome]:
    fut: concurrent.futures.Future[Outcome] = concurrent.futures.Future()
    fut.set_running_or_notify_cancel()  # running: a cancel from the awaiting side cannot fail set_result

    def run() -> None:
        fut.set_result(call_sync(tool, args))

    _spawn(run)
    return fut


async def _admit_async(lim: Limiter | None, asleep: ASleep, turn: Turn | None, clock: Clock) -> Admission:
    """Wait for quota in this task; the caller starts the tool right after, in this same task."""
    if turn is None:
        return Admission(0.0 if lim is None else await lim.aacquire(asleep), clock())
    real = asyncio.get_running_loop().time
    if lim is None:
        return Admission(0.0, clock(), turn.attempt_timeout(), real())
    t0 = clock()
    try:
        wait = await lim.aacquire(asleep, turn.deadline)
    except DeadlinePassed:
        return Admission(clock() - t0)
    if turn.expired():
        _feedback(lim, "cancelled", None)
        return Admission(wait)
    return Admission(wait, clock(), turn.attempt_timeout(), real())


async def _try_async(
    tool: SyncTool, args: Mapping[str, Any], turn: Turn | None, name: str, pool: concurrent.futures.Executor | None,
    lim: Limiter | None, asleep: ASleep, clock: Clock,
) -> tuple[Admission, Outcome, int]:  # fmt: skip
    """``_try_sync`` for the event loop. A native ``acall`` runs in the task its limiter admitted, under
    ``asyncio.timeout``; a sync tool still crosses to a thread after admission, as it does unguarded."""
    hedge = None if turn is None else turn.guards.hedge_for(name)
    acall = getattr(tool, "acall", None)
    if turn is None or (hedge is None and (acall is not None or not turn.guards.threaded)):
        adm = await _admit_async(lim, asleep, turn, clock)
        if adm.start is None:
            return adm, CANCELLED, 0
        if acall is None:
            return adm, await _once(tool, args, pool), 1
        try:
            async with asyncio.timeout(adm.timeout):
                return adm, await call_async(acall, args), 1
        except TimeoutError:
            return adm, overran(adm.timeout, cancelled=True), 1

    def copy() -> asyncio.Future[Outcome]:
        if acall is not None:
            return asyncio.ensure_future(call_async(acall, args))
        return asyncio.wrap_future(_daemon_future(tool, args))

    admitted: asyncio.Future[Admission] = asyncio.get_running_loop().create_future()

    async def first() -> Outcome:
        admitted.set_result(adm := await _admit_async(lim, asleep, turn, clock))
        if adm.start is None:
            return CANCELLED
        return await (call_async(acall, args) if acall is not None else copy())

    pending: set[asyncio.Future[Outcome]] = {asyncio.ensure_future(first())}
    try:
        either: list[asyncio.Future[Any]] = [admitted, *pending]
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if not admitted.done():  # first() failed before its admission: let that out
            exc = pending.pop().exception()
            raise exc if exc is not None else RuntimeError("the limiter answered nothing")
        adm = admitted.result()
        if adm.start is None:
            return adm, CANCELLED, 0
        out, copies = await _watch_async(pending, copy, adm, hedge, turn, acall is not None)
        return adm, out, copies
    finally:
        for p in pending:  # losers of a hedge race and timed-out copies: nothing of the turn left running
            p.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


async def _watch_async(
    pending: set[asyncio.Future[Outcome]], copy: Any, adm: Admission, hedge: float | None, turn: Turn,
    native: bool,
) -> tuple[Outcome, int]:  # fmt: skip
    """Await the first success among the copies, starting a hedge copy when due, until the timeout. Leaves
    in ``pending`` what is still running, for the caller to cancel."""
    loop = asyncio.get_running_loop()
    timeout = adm.timeout
    end_at = None if timeout is None else adm.real + timeout
    hedge_at = None if hedge is None else adm.real + hedge
    copies = 1
    last = Outcome("error", error="no attempt finished")
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
            return overran(timeout, cancelled=native), copies
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

    def one(self, call: ToolCall, prog: Progress | None = None) -> CallResult:
        """Run one call on this thread (``prog``: where ``run_all`` can see how far it got)."""
        if self.turn is None and call.name not in self.limiters:
            return call_tool(call, self.tools.get(call.name), self.clock)
        pre = _precheck(call, self.tools, self.clock, self.turn)
        prog = Progress() if prog is None else prog
        if isinstance(pre, CallResult):
            return _finish(self.turn, prog.settle(pre))
        tool, turn, lim = self.tools[call.name], self.turn, self.limiters.get(call.name)
        steps, got = _steps(call, turn, self.clock, lim, prog), None
        try:
            while True:
                delay = steps.send(got)
                if delay is None:
                    got = _try_sync(tool, pre, turn, call.name, lim, self.sleep, self.clock, prog)
                else:
                    self.sleep(delay)
                    got = None
        except StopIteration as stop:
            return _finish(turn, prog.settle(stop.value))

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
        """Submit every call to the pool and collect in submission order, so results keep call order.
        Under a deadline, return at the deadline (``_by_deadline``)."""
        with gc_paused(len(calls)):
            turn = self.turn
            if turn is None or turn.deadline is None:
                return [f.result() for f in self._submit(calls)]
            return self._by_deadline(calls, turn)

    def _by_deadline(self, calls: Sequence[ToolCall], turn: Turn) -> list[CallResult]:
        """Wait for the calls until the deadline, then end those still going with the result their own
        thread would give them (``Progress.claim``). Waiting for each call's thread to notice the
        deadline instead cost a wake-up per thread, one after another on the GIL: 0.6-1 ms on two cores
        for ten calls, 20-30% of a 3 ms deadline."""
        pool = self.pool
        assert pool is not None
        progs = [Progress(collected=True) for _ in calls]
        futs = [pool.submit(self.one, c, p) for c, p in zip(calls, progs, strict=True)]
        while True:
            left = turn.remaining()
            assert left is not None
            _, pending = concurrent.futures.wait(futs, timeout=max(0.0, left))
            if not pending or turn.expired():
                break
        return self.claim_all(calls, progs, turn)

    def claim_all(
        self, calls: Sequence[ToolCall], progs: Sequence[Progress], turn: Turn, order: Sequence[int] = ()
    ) -> list[CallResult]:
        """At the deadline: every call's result, those still going ended now with the result their own
        thread would give (``Progress.claim``). ``order``: the indices to end them in, dependencies before
        their dependents (a dependent not begun then reads ``skipped``, as its thread would); call order
        by default."""
        out: dict[int, CallResult] = {}
        for i in order or range(len(calls)):
            r, claimed = progs[i].claim(calls[i], turn, partial(self._unstarted, calls[i]))
            out[i] = _finish(turn, r) if claimed else r
        return [out[i] for i in range(len(calls))]

    def _unstarted(self, call: ToolCall) -> CallResult:
        """What a call not begun by the deadline ends with: its precheck's result (cancelled, or skipped
        when a dependency failed), as when its worker gets to it."""
        pre = _precheck(call, self.tools, self.clock, self.turn)
        assert isinstance(pre, CallResult)  # the deadline has passed, so the precheck ends it
        return pre

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


def open_turn(
    calls: Sequence[ToolCall], guards: Guards | None, clock: Clock, start: float | None = None
) -> Turn | None:
    """The turn's guard state, or None for a plain turn (no active guard, no ``after``): no lock, no RNG, no
    kept results, and its calls take the fast path. Either way the call graph is checked. ``start``: when
    the caller asked for the turn (its deadline counts from there), else now."""
    if check_graph(calls) or (guards is not None and guards.active):
        return Turn(calls, guards, clock, start)  # checks the graph again: cheap next to what guards cost
    return None
