"""A real HTTP tool (``http = { url, method, timeout_ms }``): the call's arguments as the query (GET) or JSON
body (POST), through the executor run's one ``ClientPair``; 429 raises ``RateLimited`` with the
``Retry-After`` delay, any other status >= 400 ``ToolError``. Imported only for scenarios with HTTP tools,
since httpx is an optional extra."""

from __future__ import annotations

import asyncio
import json
import time
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
        # redirects followed, at most the client's max_redirects (a loop is an error, not a success)
        common: dict[str, Any] = {"timeout": self._timeout, "follow_redirects": True}
        if self._ep.method == "POST":
            return {"json": args, **common}
        query = {k: v if isinstance(v, str | int | float | bool) else json.dumps(v) for k, v in args.items()}
        # httpx's params replace the URL's own query (an API key in it was silently dropped): merge them
        return {"params": httpx.URL(self._ep.url).params.merge(query), **common}

    def _fetch(self, args: dict[str, Any]) -> tuple[httpx.Response, bytes]:
        """The answer, read in full within ``timeout_ms`` from the request's start: httpx's timeout bounds
        each read, so a body trickling a byte at a time ran 18 s under a 1 s timeout. The check comes after
        each chunk, so the overshoot is at most one read (itself bounded by the timeout)."""
        deadline = time.monotonic() + self._timeout
        chunks: list[bytes] = []
        with self.clients.client.stream(self._ep.method, self._ep.url, **self._request(args)) as resp:
            for chunk in resp.iter_bytes():
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("the whole answer took longer than timeout_ms")
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("the whole answer took longer than timeout_ms")
        return resp, b"".join(chunks)

    def __call__(self, **args: Any) -> Any:
        rid, args = self._meta.split(args)
        start = self._clock()
        try:
            resp, body = self._fetch(args)
        except httpx.HTTPError as exc:
            return self._failed(rid, start, exc)
        return self._answer(rid, start, resp, body)

    async def acall(self, **args: Any) -> Any:
        aclient = self.clients.aclient()
        if aclient is None:  # another loop owns the async client: the sync one in a worker thread
            return await asyncio.to_thread(lambda: self(**args))
        rid, args = self._meta.split(args)
        start = self._clock()
        try:
            async with asyncio.timeout(self._timeout):  # the whole answer, not each read
                resp = await aclient.request(self._ep.method, self._ep.url, **self._request(args))
        except TimeoutError:
            return self._failed(rid, start, httpx.ReadTimeout("the whole answer took longer than timeout_ms"))
        except httpx.HTTPError as exc:
            return self._failed(rid, start, exc)
        return self._answer(rid, start, resp, resp.content)

    def _failed(self, rid: str, start: float, exc: httpx.HTTPError) -> Any:
        self._meta.record(rid, start, "error")
        if isinstance(exc, httpx.TimeoutException):
            raise ToolError(f"{self.name}: no answer within {self._ep.timeout_ms:g} ms (http.timeout_ms)")
        text = str(exc).replace(self._ep.url, redact_url(self._ep.url))  # the query may carry a key
        raise ToolError(f"{self.name}: {type(exc).__name__}: {text}")

    def _answer(self, rid: str, start: float, resp: httpx.Response, body: bytes) -> Any:
        if resp.status_code == 429:
            self._meta.record(rid, start, "rate_limited")
            raise RateLimited(self.name, retry_after_s(resp.headers.get("Retry-After")))
        text = body.decode(resp.encoding or "utf-8", errors="replace")
        if resp.status_code >= 300:  # a 3xx left after following redirects is no answer either
            self._meta.record(rid, start, "error")
            raise ToolError(f"{self.name}: HTTP {resp.status_code} {text[:80]}")
        self._meta.record(rid, start, "ok")
        try:
            return json.loads(body)
        except ValueError:
            return text

    def close(self) -> None:
        self.clients.close()
