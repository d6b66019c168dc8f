"""The query of a load run: one executor run of a fresh plan (trial = query index) against tools whose
server-side quota is shared by every query in flight, in process or over HTTP — or, with a model, a whole
agent session (model turns + parallel calls, ``bench.run._session``) against the same shared tools.
"""

from __future__ import annotations

import asyncio
import selectors
import threading
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from bench.load._open_loop import QueryOutcome
from bench.models import DEFAULT_MODEL, ModelDriver, load_prices
from bench.run import (
    Ask,
    Assembly,
    RunConfig,
    World,
    assemble,
    quotas_of,
    run_session,
    tool_calls,
    turn_record,
)
from executors import AsyncioExecutor, Executor, Quota, SlidingWindowLimiter, Tools
from reports import LoadQuery, ModelSession, TrialRecord
from scenarios import Scenario, Stall, TrialPlan, build_toolbox, make_plan, quota_states

T = TypeVar("T")
ToolSource = Callable[[TrialPlan], Tools]
LIMITERS = ("per-query", "shared", "none")


class AsyncLane:
    """One event loop in a background thread where every async executor's turn runs, as in an async
    server: coroutines of all queries share the loop and the HTTP AsyncClient. Uses select(), like the
    asyncio executor, because epoll rounds timers up to the next millisecond."""

    def __init__(self) -> None:
        self.loop = asyncio.SelectorEventLoop(selectors.SelectSelector())
        self._thread = threading.Thread(target=self.loop.run_forever, name="pfc-lane", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self.loop.close()


class GatedTool:
    """A tool behind a client-side limiter shared by all queries (a quota-aware gateway in front of one
    API key): the wait happens inside the call, so it is service time, not queueing."""

    def __init__(self, tool: Any, limiter: SlidingWindowLimiter) -> None:
        self._tool, self._limiter = tool, limiter

    def __call__(self, **args: Any) -> Any:
        self._limiter.acquire(time.sleep)
        return self._tool(**args)

    async def acall(self, **args: Any) -> Any:
        await self._limiter.aacquire(asyncio.sleep)
        acall = getattr(self._tool, "acall", None)
        if acall is None:
            return await asyncio.to_thread(self._tool, **args)
        return await acall(**args)


def inprocess_tools(scenario: Scenario, time_scale: float, stall: Stall | None = None) -> ToolSource:
    """Simulated APIs per query, with ONE quota state per quota for the whole load run."""
    states = quota_states(scenario, time_scale)
    return lambda plan: build_toolbox(plan, time_scale, quota_states=states, stall=stall)


class _Ended(Protocol):
    """A call as it ended: an executor's CallResult or a session's CallRecord."""

    @property
    def status(self) -> str: ...
    @property
    def error(self) -> str | None: ...


def outcome_of(results: Sequence[_Ended], turns: int = 1, record: TrialRecord | None = None) -> QueryOutcome:
    n429 = sum(r.status == "rate_limited" for r in results)
    bad = [r for r in results if r.status not in ("ok", "rate_limited")]
    status = "error" if bad else "rate_limited" if n429 else "ok"
    first = next((r.error for r in results if r.status != "ok"), None)
    return QueryOutcome(status, turns, len(results), n429, len(bad), first, record)


#: A fresh model for one query: a model driver keeps one conversation's state.
ModelFactory = Callable[[], ModelDriver]


@dataclass
class LoadSession:
    """Query i = one executor run of ``make_plan(scenario, seed, i)``; a fresh executor per query for
    thread-based strategies (as each agent session owns its pool), one shared executor on the lane for
    ``asyncio``. ``limiter``: ``per-query`` (each query's executor paces itself: concurrent queries
    collide at the server and get 429s), ``shared`` (one client limiter for all), ``none``.

    With ``model`` (a factory), query i is a whole session in ``mode``: model turns, the calls of each turn
    through the executor, function responses, until the answer; latency then includes the model's turns."""

    scenario: Scenario
    executor: str
    seed: int
    time_scale: float
    tools: ToolSource
    limiter: str = "per-query"
    model: ModelFactory | None = None
    mode: str = "parallel"
    _lane: AsyncLane | None = field(default=None, init=False)
    _shared: Executor | None = field(default=None, init=False)
    _gates: Mapping[str, SlidingWindowLimiter] = field(default_factory=dict, init=False)
    _parts: Assembly | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.model is not None and self.executor == "asyncio":
            raise ValueError("`model` with `executor` asyncio: sessions are synchronous; use threaded")
        if self.limiter not in LIMITERS:
            raise ValueError(f"`limiter`: {self.limiter!r} is not one of {', '.join(LIMITERS)}")
        config = RunConfig((self.scenario,), (self.executor,), seed=self.seed, time_scale=self.time_scale)
        self._parts = parts = assemble(config)  # RunError (a ValueError) for an unknown label
        probe = parts.executors[self.executor]
        if isinstance(probe, AsyncioExecutor):
            self._lane, self._shared = AsyncLane(), probe
        if self.limiter == "shared":
            self._gates = parts.shared_limiters(self.scenario)

    def __call__(self, index: int) -> QueryOutcome:
        plan = make_plan(self.scenario, self.seed, index)
        tools: Tools = self.tools(plan)
        if self._gates:
            tools = {n: GatedTool(t, self._gates[n]) if n in self._gates else t for n, t in tools.items()}
        quotas = quotas_of(self.scenario, self.time_scale) if self.limiter == "per-query" else ()
        if self.model is not None:
            return self._session(plan, tools, quotas)
        return self._turn(index, plan, tools, quotas)

    def _turn(self, index: int, plan: TrialPlan, tools: Tools, quotas: Sequence[Quota]) -> QueryOutcome:
        calls = tool_calls(plan)
        t0 = time.perf_counter()
        if self._lane is not None and self._shared is not None:
            ex = self._shared
            results = self._lane.run(ex.arun(calls, tools, quotas=quotas))
            makespan = time.perf_counter() - t0
        else:
            ex = self._fresh()
            try:
                results = ex.run(calls, tools, quotas=quotas)
                makespan = time.perf_counter() - t0
            finally:
                ex.close()
        rec = turn_record(
            plan, results, self.time_scale, executor=ex.name, t0=t0, makespan_s=makespan,
            ideal_s=float("nan"),  # a prediction (0.1-0.2 ms) would be charged to the query's service time
            session=LoadQuery(index, self.limiter),
        )  # fmt: skip
        return outcome_of(rec.calls, record=rec)

    def _session(self, plan: TrialPlan, tools: Tools, quotas: Sequence[Quota]) -> QueryOutcome:
        assert self.model is not None
        ex = self._fresh()
        try:
            ask = Ask(self.mode, load_prices(), DEFAULT_MODEL)
            world = World(tools=tools, quotas=quotas, collect_garbage=False)
            rec = run_session(plan, self.model(), ex, self.time_scale, ask, world)
        finally:
            ex.close()
        turns = rec.session.n_turns if isinstance(rec.session, ModelSession) else 1
        return outcome_of(rec.calls, turns=turns, record=rec)

    def _fresh(self) -> Executor:
        """The query's own executor (each agent session owns its pool)."""
        assert self._parts is not None
        return self._parts.fresh(self.executor)

    def close(self) -> None:
        if self._parts is not None:
            self._parts.close()  # the shared executor with it
        if self._lane is not None:
            self._lane.close()
