"""The conformance suite's tools: plain Python callables that sleep (sync, ``time.sleep``) or await
(``acall``) for a set time per request id, and may raise; each returns its request id so that a result the
framework hands back can be traced to its call even when the framework drops the id."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from executors import ToolCall


class Failing(RuntimeError):
    """What the conformance suite's failing call raises."""


class Timed:
    """A tool whose call ``request_id`` takes ``delays[request_id]`` seconds; ids in ``fail`` raise at once.
    ``native_async`` gives it an ``acall`` (a coroutine on the framework's loop)."""

    def __init__(
        self, delays: Mapping[str, float], *, native_async: bool = True, fail: frozenset[str] = frozenset()
    ) -> None:
        self.delays = dict(delays)
        self.fail = fail
        #: when each request id's call returned (a timed-out thread's end shows how long it ran on)
        self.ends: dict[str, float] = {}
        if native_async:
            self.acall = self._acall

    def __call__(self, *, request_id: str) -> dict[str, Any]:
        if request_id in self.fail:
            raise Failing(f"{request_id} failed")
        delay = self.delays.get(request_id, 0.0)
        if delay:
            time.sleep(delay)
        self.ends[request_id] = time.perf_counter()
        return {"id": request_id}

    async def _acall(self, *, request_id: str) -> dict[str, Any]:
        if request_id in self.fail:
            raise Failing(f"{request_id} failed")
        delay = self.delays.get(request_id, 0.0)
        if delay:
            await asyncio.sleep(delay)
        self.ends[request_id] = time.perf_counter()
        return {"id": request_id}


def calls_of(ids: list[str], tool: str = "api") -> list[ToolCall]:
    return [ToolCall(i, tool, {"request_id": i}) for i in ids]
