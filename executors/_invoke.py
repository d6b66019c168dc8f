"""Running one call: wait for the limiter, call the tool, turn any outcome into a CallResult.

Shared by every executor so that statuses, timing points and error text mean the same everywhere.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from executors._types import ASleep, CallResult, Clock, Sleep, ToolCall, Tools


class Limiter(Protocol):
    """What an executor needs of a client-side limiter: block (or await) until a start is allowed."""

    def acquire(self, sleep: Sleep) -> float: ...
    async def aacquire(self, asleep: ASleep) -> float: ...


def classify(exc: BaseException) -> str:
    """An exception's call status. Tools may say it themselves (``call_status``: e.g. a 429 is
    ``rate_limited``), so executors need not know the tools' exception classes."""
    status = getattr(exc, "call_status", None)
    return status if isinstance(status, str) else "error"


def describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _missing(call: ToolCall, tools: Tools, clock: Clock) -> CallResult | None:
    if call.name in tools:
        return None
    now = clock()
    return CallResult(call, "error", None, f"unknown tool {call.name!r}", now, now)


def invoke(
    call: ToolCall,
    tools: Tools,
    clock: Clock,
    sleep: Sleep,
    limiters: Mapping[str, Limiter],
) -> CallResult:
    """Run one call on this thread; never raises for a tool's failure."""
    if (missing := _missing(call, tools, clock)) is not None:
        return missing
    lim = limiters.get(call.name)
    wait = lim.acquire(sleep) if lim is not None else 0.0
    start = clock()
    try:
        value = tools[call.name](**call.args)
    except Exception as exc:  # a tool's failure is data, not a crash of the turn
        return CallResult(call, classify(exc), None, describe(exc), start, clock(), 1, wait)
    return CallResult(call, "ok", value, None, start, clock(), 1, wait)


async def ainvoke(
    call: ToolCall,
    tools: Tools,
    clock: Clock,
    asleep: ASleep,
    limiters: Mapping[str, Limiter],
    pool: concurrent.futures.Executor | None,
) -> CallResult:
    """Run one call on the event loop: native ``acall`` when the tool has one, else in ``pool``'s thread."""
    if (missing := _missing(call, tools, clock)) is not None:
        return missing
    lim = limiters.get(call.name)
    wait = await lim.aacquire(asleep) if lim is not None else 0.0
    start = clock()
    tool = tools[call.name]
    try:
        acall = getattr(tool, "acall", None)
        if acall is not None:
            value: Any = await acall(**call.args)
        else:
            loop = asyncio.get_running_loop()
            value = await loop.run_in_executor(pool, lambda: tool(**call.args))
    except Exception as exc:
        return CallResult(call, classify(exc), None, describe(exc), start, clock(), 1, wait)
    return CallResult(call, "ok", value, None, start, clock(), 1, wait)


def pool_run(
    pool: concurrent.futures.Executor,
    calls: Sequence[ToolCall],
    tools: Tools,
    clock: Clock,
    sleep: Sleep,
    limiters: Mapping[str, Limiter],
) -> list[CallResult]:
    """Submit every call to ``pool`` and collect in submission order, so results keep call order."""
    futures = [pool.submit(invoke, c, tools, clock, sleep, limiters) for c in calls]
    return [f.result() for f in futures]


async def pool_arun(
    pool: concurrent.futures.Executor,
    calls: Sequence[ToolCall],
    tools: Tools,
    clock: Clock,
    sleep: Sleep,
    limiters: Mapping[str, Limiter],
) -> list[CallResult]:
    """``pool_run`` awaited from an event loop without blocking it."""
    futures = [asyncio.wrap_future(pool.submit(invoke, c, tools, clock, sleep, limiters)) for c in calls]
    return list(await asyncio.gather(*futures))
