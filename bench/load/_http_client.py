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
import socket
import threading
import uuid
from typing import Any

import httpx

from scenarios import RateLimited, Scenario, ToolError, TrialPlan

_NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


class HttpSetupError(RuntimeError):
    """The server is unreachable or serves another scenario or time scale; one line for the user."""


def _retry_after(resp: httpx.Response) -> float:
    ms = resp.headers.get("Retry-After-Ms")
    try:
        if ms is not None:
            return float(ms) / 1000
        return float(resp.headers.get("Retry-After", "0"))
    except ValueError:
        return 0.0


def _decode(name: str, resp: httpx.Response) -> dict[str, Any]:
    if resp.status_code == 429:
        raise RateLimited(name, _retry_after(resp))
    if resp.status_code >= 500:
        raise ToolError(f"{name}: HTTP {resp.status_code} {resp.text[:80]}")
    if resp.status_code != 200:
        raise ToolError(f"{name}: HTTP {resp.status_code} {resp.text[:80]}")
    out: dict[str, Any] = resp.json()
    return out


class HttpApis:
    """Pooled keep-alive clients for one ``serve-apis`` server, shared by every tool and every query.

    The AsyncClient belongs to the event loop that first uses it (httpx connections cannot move between
    loops); a coroutine on another loop falls back to the sync client in a worker thread."""

    def __init__(self, base_url: str, *, timeout_s: float = 120.0, max_connections: int = 512) -> None:
        self.base_url = base_url.rstrip("/")
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections, keepalive_expiry=30
        )
        self._timeout = httpx.Timeout(timeout_s, connect=5.0)
        self._limits = limits
        self.client = httpx.Client(
            base_url=self.base_url,
            transport=httpx.HTTPTransport(limits=limits, socket_options=_NODELAY),
            timeout=self._timeout,
        )
        self._aclient: httpx.AsyncClient | None = None
        self._aloop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def aclient(self) -> httpx.AsyncClient | None:
        """The shared AsyncClient if the running loop owns it (creating it on first use), else None."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._aclient is None:
                self._aloop = loop
                self._aclient = httpx.AsyncClient(
                    base_url=self.base_url,
                    transport=httpx.AsyncHTTPTransport(limits=self._limits, socket_options=_NODELAY),
                    timeout=self._timeout,
                )
            return self._aclient if self._aloop is loop else None

    def health(self) -> dict[str, Any]:
        try:
            resp = self.client.get("/health", timeout=5.0)
        except httpx.HTTPError as exc:
            raise HttpSetupError(f"{self.base_url}: cannot reach serve-apis ({type(exc).__name__})") from None
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
        """Close both clients; the async one on its own loop when that loop is still usable."""
        self.client.close()
        with self._lock:
            aclient, loop, self._aclient, self._aloop = self._aclient, self._aloop, None, None
        if aclient is None or loop is None or loop.is_closed():
            return
        if loop.is_running():
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is not loop:
                asyncio.run_coroutine_threadsafe(aclient.aclose(), loop).result(timeout=10)
        else:
            loop.run_until_complete(aclient.aclose())

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
