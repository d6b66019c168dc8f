"""Simulated APIs that really sleep: a sync ``__call__`` (``time.sleep``) and its async twin ``acall``
(``asyncio.sleep``), with the plan's latencies and faults and a server-side quota that answers 429.

A toolbox is built fresh for every executor run, so quota state never leaks from one executor to the next;
a load test passes ``quota_states`` shared by all its concurrent queries, so 429s appear under load as they
do in production. A ``Stall`` holds every call that arrives inside its window (a server hiccup), which is
how the coordinated-omission test freezes the APIs.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from scenarios._plan import PlannedCall, TrialPlan
from scenarios._quota_time import quota_grace_ms
from scenarios._spec import RateLimit, Scenario, ToolSpec
from scenarios._toolbase import ASleep, CallLog, Clock, RateLimited, Sleep, ToolError

if TYPE_CHECKING:
    from scenarios._realtools import RealTool

#: what a toolbox holds: every entry has ``name``, ``description``, ``log`` and is called with the arguments.
#: A string, so that httpx (an optional extra) is imported only by a scenario that has HTTP tools.
ToolApi: TypeAlias = "SimulatedAPI | RealTool"


class QuotaState:
    """Server-side sliding-window admission, shared by the tools of one quota. Thread-safe; also safe from
    coroutines because the lock is never held across an await."""

    def __init__(self, quota: RateLimit, time_scale: float, clock: Clock) -> None:
        self.windows = [(count, length_ms / 1000 * time_scale) for count, length_ms in quota.windows_ms()]
        # forgiven at a window's edge: the thread that reaches us may have been paused after its limiter
        # admitted it (see _quota_time); theory.json states it and reports judge starts by it
        self.grace = quota_grace_ms(quota) / 1000 * time_scale
        self._starts: list[deque[float]] = [deque() for _ in self.windows]
        self._clock = clock
        self._lock = threading.Lock()
        self.admitted = 0
        self.rejected = 0

    def admit(self, tool: str) -> None:
        """Record a start now, or raise RateLimited without recording it."""
        with self._lock:
            now = self._clock()
            retry = 0.0
            for (count, length), starts in zip(self.windows, self._starts, strict=True):
                while starts and starts[0] <= now - length + self.grace:
                    starts.popleft()
                if len(starts) >= count:
                    retry = max(retry, starts[0] + length - now)
            if retry > 0:
                self.rejected += 1
                raise RateLimited(tool, retry)
            for starts in self._starts:
                starts.append(now)
            self.admitted += 1


@dataclass(frozen=True, slots=True)
class Stall:
    """The server stops serving from ``start`` until ``end`` (clock readings): a call arriving inside the
    window waits for its end before it is admitted. Calls already being served are not affected."""

    start: float
    end: float

    def remaining(self, now: float) -> float:
        return self.end - now if self.start <= now < self.end else 0.0


def quota_states(
    scenario: Scenario, time_scale: float, clock: Clock = time.perf_counter
) -> dict[str, QuotaState]:
    """One server-side state per quota of ``scenario``, to share across toolboxes (a load test)."""
    return {q.name: QuotaState(q, time_scale, clock) for q in scenario.quotas}


class SimulatedAPI:
    """One tool of the plan. Looks up its planned draw by the call's ``request_id`` argument."""

    def __init__(
        self,
        name: str,
        calls: Mapping[str, PlannedCall],
        time_scale: float,
        quota: QuotaState | None,
        *,
        clock: Clock = time.perf_counter,
        sleep: Sleep = time.sleep,
        asleep: ASleep = asyncio.sleep,
        description: str = "",
        stall: Stall | None = None,
    ) -> None:
        self.name = name
        self._stall = stall
        self.description = description
        self._calls = calls
        self._scale = time_scale
        self._quota = quota
        self._clock, self._sleep, self._asleep = clock, sleep, asleep
        self._attempts: dict[str, int] = {}
        self._lock = threading.Lock()
        self.log: list[CallLog] = []

    def _begin(self, request_id: str) -> tuple[int, float, bool, bool, float]:
        call = self._calls.get(request_id)
        if call is None:
            raise ToolError(f"{self.name}: unknown request_id {request_id!r}")
        with self._lock:
            attempt = self._attempts.get(request_id, 0)
            self._attempts[request_id] = attempt + 1
        if self._quota is not None:
            start = self._clock()
            try:
                self._quota.admit(self.name)
            except RateLimited:
                self._record(request_id, attempt, start, "rate_limited")
                raise
        latency_ms, errors, hangs = call.attempt(attempt)
        return attempt, latency_ms / 1000 * self._scale, errors, hangs, call.hang_ms / 1000 * self._scale

    def _record(self, request_id: str, attempt: int, start: float, outcome: str) -> None:
        with self._lock:
            self.log.append(CallLog(request_id, attempt, start, self._clock(), outcome))

    def __call__(self, *, request_id: str, **args: Any) -> dict[str, Any]:
        _check_resolved(self.name, args)
        start = self._clock()
        if self._stall is not None and (held := self._stall.remaining(start)) > 0:
            self._sleep(held)
        attempt, delay, errors, hangs, hang_s = self._begin(request_id)
        self._sleep(hang_s if hangs else delay)
        return self._finish(request_id, attempt, start, errors, hangs, args)

    async def acall(self, *, request_id: str, **args: Any) -> dict[str, Any]:
        _check_resolved(self.name, args)
        start = self._clock()
        if self._stall is not None and (held := self._stall.remaining(start)) > 0:
            await self._asleep(held)
        attempt, delay, errors, hangs, hang_s = self._begin(request_id)
        await self._asleep(hang_s if hangs else delay)
        return self._finish(request_id, attempt, start, errors, hangs, args)

    def _finish(
        self, request_id: str, attempt: int, start: float, errors: bool, hangs: bool, args: dict[str, Any]
    ) -> dict[str, Any]:
        if hangs:
            self._record(request_id, attempt, start, "hang")
            raise ToolError(f"{self.name}: hung for {self._clock() - start:.3f}s")
        if errors:
            self._record(request_id, attempt, start, "error")
            raise ToolError(f"{self.name}: 503 simulated failure")
        self._record(request_id, attempt, start, "ok")
        # ``ref`` is what a dependent call's ``{"$from": id, "key": "ref"}`` argument picks up (an airport code,
        # a user id); ``args`` echoes what this call received, so tests can see the reference was resolved.
        return {
            "tool": self.name,
            "request_id": request_id,
            "attempt": attempt + 1,
            "value": f"{self.name}:ok",
            "ref": f"{self.name}/{request_id}",
            "args": args,
        }


def _check_resolved(tool: str, args: dict[str, Any]) -> None:
    """A ``{"$from": id}`` argument reaching the API means the client sent the call before the value it
    needs existed (the document's Error 2: ``get_user_preferences(user_id=???)``)."""
    for k, v in args.items():
        if isinstance(v, dict) and "$from" in v:
            raise ToolError(f"{tool}: argument {k!r} is an unresolved reference to {v['$from']!r}")


def build_toolbox(
    plan: TrialPlan,
    time_scale: float,
    *,
    clock: Clock = time.perf_counter,
    sleep: Sleep = time.sleep,
    asleep: ASleep = asyncio.sleep,
    quota_states: Mapping[str, QuotaState] | None = None,
    stall: Stall | None = None,
) -> dict[str, ToolApi]:
    """The tools of one executor run of ``plan``: simulated APIs with fresh quota state, or with
    ``quota_states`` (quota name -> state, from ``quota_states()``) shared with other runs in flight at the
    same time; Python and HTTP tools as ``scenarios._realtools`` wraps them (one HTTP client pair for the
    run, closed by ``close_toolbox`` or when the toolbox is dropped). Real tools run only at time scale 1."""
    by_tool: dict[str, dict[str, PlannedCall]] = {t.name: {} for t in plan.scenario.tools}
    for c in plan.calls:
        by_tool[c.tool][c.id] = c
    states = dict(quota_states) if quota_states is not None else {}
    for rl in plan.scenario.quotas:
        if rl.name not in states:
            states[rl.name] = QuotaState(rl, time_scale, clock)
    box: dict[str, ToolApi] = {}
    for t in plan.scenario.tools:
        if t.kind != "simulated":
            box[t.name] = _real(plan, t, time_scale, clock, box)
            continue
        q = plan.scenario.quota_of(t.name)
        box[t.name] = SimulatedAPI(
            t.name,
            by_tool[t.name],
            time_scale,
            states[q.name] if q else None,
            clock=clock,
            sleep=sleep,
            asleep=asleep,
            description=t.description,
            stall=stall,
        )
    return box


def _real(
    plan: TrialPlan, spec: ToolSpec, time_scale: float, clock: Clock, box: Mapping[str, Any]
) -> ToolApi:
    """A Python or HTTP tool of the toolbox being built; its HTTP tools share one client pair."""
    from scenarios._realtools import real_tool  # imported by scenarios that have real tools only

    if time_scale != 1:
        raise ValueError(f"{plan.scenario.name}: tool {spec.name!r} does real work; run it at time scale 1")

    def clients() -> Any:
        from scenarios._clients import ClientPair  # httpx, only for HTTP tools

        shared = next((t.clients for t in box.values() if hasattr(t, "clients")), None)
        return shared if shared is not None else ClientPair()

    return real_tool(spec, clock, clients)


def close_toolbox(box: Mapping[str, Any]) -> None:
    """Release what a toolbox holds (HTTP clients, private event loops); simulated APIs hold nothing."""
    for tool in box.values():
        close = getattr(tool, "close", None)
        if close is not None:
            close()
