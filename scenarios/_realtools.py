"""Real tools in a toolbox: a user's Python function or HTTP endpoint, called the way executors call the
simulated APIs (``tool(**args)``, and ``await tool.acall(**args)`` where there is a native async path).

* A sync function runs in the caller's thread and has no ``acall``: the event-loop executors then run it in
  their own worker threads, as they run any sync tool.
* An ``async def`` function is awaited by ``acall``. Its sync path (``tool(**args)``, used by the thread
  executors) runs it to completion on a private event loop of the calling thread, kept for that thread's
  later calls (one ``asyncio.Runner`` per thread, closed with the toolbox): a fresh loop per call would
  charge loop creation to every call.
* An HTTP endpoint sends the call's arguments as the query (GET) or JSON body (POST) through the toolbox's
  one ``ClientPair``; 429 raises ``RateLimited`` with the ``Retry-After`` delay, 5xx ``ToolError``.

Whatever a tool raises becomes the call's ``error`` with its message (a ``call_status`` attribute on the
exception, as ``RateLimited`` has, picks another status). The arguments' ``request_id`` (the plan's call id,
which the simulated APIs look their draw up by) is kept out of the user's function unless it declares one.
Each wrapper logs what it saw (``CallLog``), like the simulated servers do.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from scenarios._pycall import is_async
from scenarios._spec import ToolSpec
from scenarios._toolbase import Clock, ToolLog

if TYPE_CHECKING:
    from scenarios._clients import ClientPair
    from scenarios._httptool import HttpTool


def _outcome(exc: BaseException) -> str:
    status = getattr(exc, "call_status", None)
    return status if isinstance(status, str) else "error"


def _takes_request_id(func: Callable[..., Any]) -> bool:
    try:
        return "request_id" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


class NotJsonValue(TypeError):
    """A tool returned what no model can be sent (a set, bytes, a datetime, an object): that call's error."""


def json_value(value: Any) -> Any:
    """``value`` when JSON can carry it, else raise ``NotJsonValue`` naming the type (``set``): the call fails,
    not the run, and the message says what the tool returned. Every answer goes back to the model as JSON."""
    try:
        json.dumps(value)
    except (TypeError, ValueError, RecursionError) as exc:
        m = re.search(r"Object of type (\S+) ", str(exc))
        what = m.group(1) if m else (str(exc).splitlines() or ["?"])[0]
        raise NotJsonValue(f"not JSON-serialisable: {what}") from None
    return value


class PythonTool:
    """A sync Python function: runs in the caller's thread."""

    def __init__(self, spec: ToolSpec, func: Callable[..., Any], clock: Clock) -> None:
        self._meta = ToolLog(clock, _takes_request_id(func))
        self.name, self.description, self.log = spec.name, spec.description, self._meta.log
        self._func, self._clock = func, clock

    def __call__(self, **args: Any) -> Any:
        rid, args = self._meta.split(args)
        start = self._clock()
        try:
            value = json_value(self._func(**args))
        except Exception as exc:
            self._meta.record(rid, start, _outcome(exc))
            raise
        self._meta.record(rid, start, "ok")
        return value

    def close(self) -> None:
        """Nothing to release (for symmetry with the other real tools)."""


class AsyncPythonTool:
    """An ``async def`` Python function: awaited by ``acall``; run on a per-thread private loop by ``__call__``."""

    def __init__(self, spec: ToolSpec, func: Callable[..., Any], clock: Clock) -> None:
        self._meta = ToolLog(clock, _takes_request_id(func))
        self.name, self.description, self.log = spec.name, spec.description, self._meta.log
        self._func, self._clock = func, clock
        self._local = threading.local()
        self._runners: list[asyncio.Runner] = []
        self._lock = threading.Lock()
        # a toolbox dropped without close_toolbox (the end of a measured run) still closes its loops
        self._finalizer = weakref.finalize(self, _close_runners, self._runners, self._lock)

    async def acall(self, **args: Any) -> Any:
        rid, args = self._meta.split(args)
        start = self._clock()
        try:
            value = json_value(await self._func(**args))
        except Exception as exc:
            self._meta.record(rid, start, _outcome(exc))
            raise
        self._meta.record(rid, start, "ok")
        return value

    def __call__(self, **args: Any) -> Any:
        runner = getattr(self._local, "runner", None)
        if runner is None:
            runner = self._local.runner = asyncio.Runner()
            with self._lock:
                self._runners.append(runner)
        return runner.run(self.acall(**args))

    def close(self) -> None:
        """Close the private loops (each is idle: a sync call returns only when its loop has finished)."""
        self._finalizer()


def _close_runners(runners: list[asyncio.Runner], lock: threading.Lock) -> None:
    with lock:
        closing, runners[:] = list(runners), []
    for r in closing:
        r.close()


#: a toolbox entry that does real work. A string, so that httpx (an optional extra) is imported only by a
#: scenario that has HTTP tools.
RealTool: TypeAlias = "PythonTool | AsyncPythonTool | HttpTool"


def real_tool(spec: ToolSpec, clock: Clock, clients: Callable[[], ClientPair]) -> RealTool:
    """The toolbox entry of a Python or HTTP tool; ``clients`` gives the run's shared pair (built on first
    need, so a toolbox without HTTP tools builds none)."""
    if spec.http is not None:
        from scenarios._httptool import HttpTool  # needs httpx (the 'load' extra)

        return HttpTool(spec, spec.http, clients(), clock)
    if spec.func is None:
        raise ValueError(f"{spec.name}: not a real tool")
    if is_async(spec.func):
        return AsyncPythonTool(spec, spec.func, clock)
    return PythonTool(spec, spec.func, clock)
