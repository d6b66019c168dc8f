"""The scenario's simulated APIs served over HTTP on loopback (aiohttp): the same latency, quota and fault
model as in process, because every request is answered by a ``SimulatedAPI`` of the plan it names.

``POST /call/{tool}`` with ``{"seed", "trial", "session", "request_id", "args"}``: 200 with the result,
429 with ``Retry-After`` (whole seconds, as HTTP says) and ``Retry-After-Ms`` (exact), 503 for a simulated
failure, 504 for a hang. One quota state per quota for the server's life, shared by all clients: 429s
appear under load. ``POST /reset`` clears quota state and attempt counters; ``POST /stall {"for_s": X}``
holds every call arriving in the next X seconds; ``GET /health`` says what is served.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from aiohttp import web

from scenarios import (
    QuotaState,
    RateLimited,
    Scenario,
    SimulatedAPI,
    Stall,
    ToolError,
    build_toolbox,
    make_plan,
)
from scenarios import quota_states as make_states

Clock = Callable[[], float]

#: toolboxes kept per (session, seed, trial): enough for every query in flight, bounded in memory
_MAX_SESSIONS = 4096


class ApiServer:
    def __init__(self, scenario: Scenario, time_scale: float, *, clock: Clock = time.perf_counter) -> None:
        self.scenario = scenario
        self.time_scale = time_scale
        self._clock = clock
        self._states: dict[str, QuotaState] = make_states(scenario, time_scale, clock)
        self._boxes: OrderedDict[tuple[str, int, int], dict[str, SimulatedAPI]] = OrderedDict()
        self._stall: Stall | None = None
        self.requests = 0

    def _box(self, session: str, seed: int, trial: int) -> dict[str, SimulatedAPI]:
        key = (session, seed, trial)
        box = self._boxes.get(key)
        if box is None:
            plan = make_plan(self.scenario, seed, trial)
            tools = build_toolbox(plan, self.time_scale, clock=self._clock, quota_states=self._states)
            box = {n: t for n, t in tools.items() if isinstance(t, SimulatedAPI)}  # only these are served
            self._boxes[key] = box
            while len(self._boxes) > _MAX_SESSIONS:
                self._boxes.popitem(last=False)
        else:
            self._boxes.move_to_end(key)
        return box

    async def call(self, request: web.Request) -> web.Response:
        self.requests += 1
        try:
            body = await request.json()
            session, seed, trial = str(body["session"]), int(body["seed"]), int(body["trial"])
            request_id = str(body["request_id"])
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": "need JSON with session, seed, trial, request_id"}, status=400)
        api = self._box(session, seed, trial).get(request.match_info["tool"])
        if api is None:
            return web.json_response({"error": f"no tool {request.match_info['tool']!r}"}, status=404)
        if self._stall is not None and (held := self._stall.remaining(self._clock())) > 0:
            await asyncio.sleep(held)
        try:
            value = await api.acall(request_id=request_id, **body.get("args", {}))
        except RateLimited as exc:
            headers = {
                "Retry-After": str(max(1, math.ceil(exc.retry_after))),
                "Retry-After-Ms": f"{exc.retry_after * 1000:.3f}",
            }
            return web.json_response({"error": str(exc)}, status=429, headers=headers)
        except ToolError as exc:
            status = 504 if "hung" in str(exc) else 503
            return web.json_response({"error": str(exc)}, status=status)
        return web.json_response(value)

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "scenario": self.scenario.name,
                "scenario_hash": self.scenario.fingerprint(),
                "time_scale": self.time_scale,
                "requests": self.requests,
            }
        )

    async def reset(self, request: web.Request) -> web.Response:
        self._states = make_states(self.scenario, self.time_scale, self._clock)
        self._boxes.clear()
        self._stall = None
        return web.json_response({"ok": True})

    async def stall(self, request: web.Request) -> web.Response:
        try:
            seconds = float((await request.json())["for_s"])
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": "need JSON with for_s"}, status=400)
        now = self._clock()
        self._stall = Stall(now, now + seconds)
        return web.json_response({"ok": True, "until": self._stall.end})

    def app(self) -> web.Application:
        app = web.Application()
        app.add_routes(
            [
                web.post("/call/{tool}", self.call),
                web.get("/health", self.health),
                web.post("/reset", self.reset),
                web.post("/stall", self.stall),
            ]
        )
        return app


def serve_forever(scenario: Scenario, time_scale: float, host: str, port: int) -> None:
    """Serve until interrupted (``pfcbench serve-apis``). aiohttp sets TCP_NODELAY on every connection and
    keeps connections alive between requests."""
    web.run_app(ApiServer(scenario, time_scale).app(), host=host, port=port, print=None, access_log=None)


class ServerThread:
    """The server on its own event loop in a background thread (tests, and ``--transport http`` without
    ``--url``). ``port=0`` picks a free port; ``url`` says which."""

    def __init__(self, scenario: Scenario, time_scale: float, *, host: str = "127.0.0.1", port: int = 0):
        self.server = ApiServer(scenario, time_scale)
        self._host, self._port = host, port
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="pfc-serve-apis", daemon=True)
        self.url = ""

    def start(self) -> ServerThread:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self.url = fut.result(timeout=10)
        return self

    async def _start(self) -> str:
        self._runner = web.AppRunner(self.server.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        port: int = self._runner.addresses[0][1]
        return f"http://{self._host}:{port}"

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
            self._runner = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
