"""Tools that call the simulated APIs over real HTTP (``pfcbench serve-apis``) through pooled httpx clients.

A tool is a callable like ``SimulatedAPI``: ``__call__(**args)`` on a shared ``httpx.Client`` and
``acall(**args)`` on a shared ``httpx.AsyncClient``; a 429 raises ``RateLimited`` (``call_status``
"rate_limited", ``retry_after`` from the ``Retry-After-Ms``/``Retry-After`` headers) and a 5xx raises
``ToolError`` (``call_status`` "error"), so executors see the same outcomes as in process.

Every request names (seed, trial, request_id) and the server draws the SAME plan with ``make_plan``, so an
in-process run and an HTTP run of one trial are paired exactly. Sockets set TCP_NODELAY: a small request
written in two segments would otherwise wait for the peer's delayed ACK (Nagle + delayed ACK, ~40 ms).
"""

from __future__ import annotations

import asyncio
import functools
import socket
import ssl
import threading
import time
import typing
import uuid
import weakref
from typing import Any

import httpx

from scenarios._plan import TrialPlan
from scenarios._realtools import retry_after_s
from scenarios._spec import Scenario
from scenarios._toolbox import RateLimited, ToolError

_NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


class HttpSetupError(RuntimeError):
    """The server is unreachable or serves another scenario or time scale; one line for the user."""


def _retry_after(resp: httpx.Response) -> float:
    ms = resp.headers.get("Retry-After-Ms")  # serve-apis' own header: sub-second delays at small time scales
    try:
        if ms is not None:
            return float(ms) / 1000
    except ValueError:
        pass
    return retry_after_s(resp.headers.get("Retry-After"))


def _decode(name: str, resp: httpx.Response) -> dict[str, Any]:
    if resp.status_code == 429:
        raise RateLimited(name, _retry_after(resp))
    if resp.status_code >= 500:
        raise ToolError(f"{name}: HTTP {resp.status_code} {resp.text[:80]}")
    if resp.status_code != 200:
        raise ToolError(f"{name}: HTTP {resp.status_code} {resp.text[:80]}")
    out: dict[str, Any] = resp.json()
    return out


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context per process: loading the CA bundle takes tens of milliseconds, and a client is built
    per executor run."""
    return httpx.create_ssl_context()


class ClientPair:
    """A pooled keep-alive ``httpx.Client`` and its ``httpx.AsyncClient`` twin, configured alike.

    The AsyncClient belongs to the event loop that first uses it (httpx connections cannot move between
    loops): ``aclient()`` returns None on any other loop, and the caller falls back to the sync client in a
    worker thread. ``close()`` closes both; a pair that is dropped unclosed is closed when it is collected
    (at the end of the executor run that built it), without waiting for a loop in another thread."""

    def __init__(self, base_url: str = "", *, timeout_s: float = 120.0, max_connections: int = 512) -> None:
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections, keepalive_expiry=30
        )
        timeout = httpx.Timeout(timeout_s, connect=min(5.0, timeout_s))
        self.client = httpx.Client(
            base_url=base_url,
            transport=httpx.HTTPTransport(limits=limits, socket_options=_NODELAY, verify=_tls()),
            timeout=timeout,
        )
        aclient = httpx.AsyncClient(
            base_url=base_url,
            transport=httpx.AsyncHTTPTransport(limits=limits, socket_options=_NODELAY, verify=_tls()),
            timeout=timeout,
        )
        #: [the AsyncClient, the loop that owns it (None until first use)]
        self._async: list[Any] = [aclient, None]
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _close_pair, self.client, self._async, False)

    def aclient(self) -> httpx.AsyncClient | None:
        """The AsyncClient if the running loop owns it (the first loop to ask does), else None."""
        loop = asyncio.get_running_loop()
        with self._lock:
            aclient, owner = self._async
            if aclient is None:
                return None
            if owner is None:
                self._async[1] = owner = loop
            return typing.cast(httpx.AsyncClient, aclient) if owner is loop else None

    def close(self) -> None:
        """Close both clients; the async one on its own loop when that loop is still usable."""
        if self._finalizer.detach() is not None:
            _close_pair(self.client, self._async, True)


def _close_pair(client: httpx.Client, holder: list[Any], wait: bool) -> None:
    client.close()
    aclient, loop = holder
    holder[:] = [None, None]
    if aclient is None or loop is None or loop.is_closed():
        return  # never used on a loop (no connection to close), or its loop is gone with its sockets
    if not loop.is_running():
        loop.run_until_complete(aclient.aclose())
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is not None and running is loop:
        running.create_task(aclient.aclose())  # the loop keeps the task; nothing here may wait for it
    else:
        done = asyncio.run_coroutine_threadsafe(aclient.aclose(), loop)
        if wait:
            done.result(timeout=10)


class HttpApis:
    """Pooled keep-alive clients (a ``ClientPair``) for one ``serve-apis`` server, shared by every tool and
    every query."""

    def __init__(self, base_url: str, *, timeout_s: float = 120.0, max_connections: int = 512) -> None:
        self.base_url = base_url.rstrip("/")
        self._pair = ClientPair(self.base_url, timeout_s=timeout_s, max_connections=max_connections)
        self.client = self._pair.client

    def aclient(self) -> httpx.AsyncClient | None:
        """The shared AsyncClient if the running loop owns it, else None."""
        return self._pair.aclient()

    def health(self, wait_s: float = 5.0) -> dict[str, Any]:
        """The server's /health answer. A refused connection is retried for ``wait_s``: a server started a
        moment ago prints its URL before it listens."""
        deadline = time.monotonic() + wait_s
        while True:
            try:
                resp = self.client.get("/health", timeout=5.0)
                break
            except httpx.ConnectError as exc:
                if time.monotonic() >= deadline:
                    raise HttpSetupError(
                        f"{self.base_url}: cannot reach serve-apis ({type(exc).__name__})"
                    ) from None
                time.sleep(0.05)
            except httpx.HTTPError as exc:
                raise HttpSetupError(
                    f"{self.base_url}: cannot reach serve-apis ({type(exc).__name__})"
                ) from None
        out: dict[str, Any] = resp.json()
        return out

    def check(self, scenario: Scenario, time_scale: float) -> None:
        """Refuse a server that would draw different plans than this client expects."""
        h = self.health()
        if h.get("scenario_hash") != scenario.fingerprint():
            raise HttpSetupError(
                f"{self.base_url}: serves scenario {h.get('scenario')!r}, not {scenario.name!r} (hash differs)"
            )
        if h.get("time_scale") != time_scale:
            raise HttpSetupError(
                f"{self.base_url}: serves time scale {h.get('time_scale')}, not {time_scale}"
            )

    def reset(self) -> None:
        """Fresh server-side quota state (between the paired runs of a comparison)."""
        self.client.post("/reset").raise_for_status()

    def stall(self, seconds: float) -> None:
        """Ask the server to hold every call arriving in the next ``seconds``."""
        self.client.post("/stall", json={"for_s": seconds}).raise_for_status()

    def tools_for(self, plan: TrialPlan, session: str | None = None) -> dict[str, HttpTool]:
        """One tool per API of the plan; ``session`` keys the server's attempt counters (fresh per run)."""
        sid = session or uuid.uuid4().hex
        return {t.name: HttpTool(self, t.name, plan.seed, plan.trial, sid) for t in plan.scenario.tools}

    def close(self) -> None:
        self._pair.close()

    def __enter__(self) -> HttpApis:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class HttpTool:
    """One simulated API over HTTP: the same signature and outcomes as ``SimulatedAPI``."""

    def __init__(self, apis: HttpApis, name: str, seed: int, trial: int, session: str) -> None:
        self.name = name
        self._apis = apis
        self._base = {"seed": seed, "trial": trial, "session": session}

    def _payload(self, request_id: str, args: dict[str, Any]) -> dict[str, Any]:
        return {**self._base, "request_id": request_id, "args": args}

    def __call__(self, *, request_id: str, **args: Any) -> dict[str, Any]:
        try:
            resp = self._apis.client.post(f"/call/{self.name}", json=self._payload(request_id, args))
        except httpx.HTTPError as exc:
            raise ToolError(f"{self.name}: {type(exc).__name__}: {exc}") from None
        return _decode(self.name, resp)

    async def acall(self, *, request_id: str, **args: Any) -> dict[str, Any]:
        aclient = self._apis.aclient()
        if aclient is None:
            return await asyncio.to_thread(self.__call__, request_id=request_id, **args)
        try:
            resp = await aclient.post(f"/call/{self.name}", json=self._payload(request_id, args))
        except httpx.HTTPError as exc:
            raise ToolError(f"{self.name}: {type(exc).__name__}: {exc}") from None
        return _decode(self.name, resp)
