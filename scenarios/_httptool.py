"""A real HTTP tool (``http = { url, method, timeout_ms }``): the call's arguments as the query (GET) or JSON
body (POST), through the executor run's one ``ClientPair``; 429 raises ``RateLimited`` with the
``Retry-After`` delay, any other status >= 400 ``ToolError``. Imported only for scenarios with HTTP tools,
since httpx is an optional extra."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from scenarios._clients import ClientPair
from scenarios._spec import HttpEndpoint, ToolSpec, redact_url
from scenarios._toolbase import Clock, RateLimited, ToolError, ToolLog, retry_after_s


class HttpTool:
    """A real HTTP endpoint; ``clients`` is the toolbox's pooled pair, shared by all its HTTP tools."""

    def __init__(self, spec: ToolSpec, endpoint: HttpEndpoint, clients: ClientPair, clock: Clock) -> None:
        self._meta = ToolLog(clock, False)
        self.name, self.description, self.log = spec.name, spec.description, self._meta.log
        self._ep, self.clients, self._clock = endpoint, clients, clock
        self._timeout = endpoint.timeout_ms / 1000

    def _request(self, args: dict[str, Any]) -> dict[str, Any]:
        if self._ep.method == "POST":
            return {"json": args, "timeout": self._timeout}
        query = {k: v if isinstance(v, str | int | float | bool) else json.dumps(v) for k, v in args.items()}
        return {"params": query, "timeout": self._timeout}

    def __call__(self, **args: Any) -> Any:
        rid, args = self._meta.split(args)
        start = self._clock()
        try:
            resp = self.clients.client.request(self._ep.method, self._ep.url, **self._request(args))
        except httpx.HTTPError as exc:
            return self._failed(rid, start, exc)
        return self._answer(rid, start, resp)

    async def acall(self, **args: Any) -> Any:
        aclient = self.clients.aclient()
        if aclient is None:  # another loop owns the async client: the sync one in a worker thread
            return await asyncio.to_thread(lambda: self(**args))
        rid, args = self._meta.split(args)
        start = self._clock()
        try:
            resp = await aclient.request(self._ep.method, self._ep.url, **self._request(args))
        except httpx.HTTPError as exc:
            return self._failed(rid, start, exc)
        return self._answer(rid, start, resp)

    def _failed(self, rid: str, start: float, exc: httpx.HTTPError) -> Any:
        self._meta.record(rid, start, "error")
        if isinstance(exc, httpx.TimeoutException):
            raise ToolError(f"{self.name}: no answer within {self._ep.timeout_ms:g} ms (http.timeout_ms)")
        text = str(exc).replace(self._ep.url, redact_url(self._ep.url))  # the query may carry a key
        raise ToolError(f"{self.name}: {type(exc).__name__}: {text}")

    def _answer(self, rid: str, start: float, resp: httpx.Response) -> Any:
        if resp.status_code == 429:
            self._meta.record(rid, start, "rate_limited")
            raise RateLimited(self.name, retry_after_s(resp.headers.get("Retry-After")))
        if resp.status_code >= 400:
            self._meta.record(rid, start, "error")
            raise ToolError(f"{self.name}: HTTP {resp.status_code} {resp.text[:80]}")
        self._meta.record(rid, start, "ok")
        try:
            return resp.json()
        except ValueError:
            return resp.text

    def close(self) -> None:
        self.clients.close()
