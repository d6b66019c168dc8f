"""What every framework executor shares: the tools wrapped so that each call records its own span (the
framework, not pfcbench, decides when and where they run), the results put back in call order, and the
``Executor`` face the runner and sessions drive.

An adapter (one module per framework) only turns a turn's calls into that framework's own dispatch: a
scripted model or a message carrying the calls, the framework's tool objects around the wrapped functions,
its concurrency and timeout knobs. The wrapper counts every invocation, so a test can prove each planned
call ran exactly once, and sees the peak of calls in flight (what the framework's cap really allowed).
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from executors import CallResult, PlannedWork, Quota, ToolCall, Tools, classify, describe, simulate

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Knobs:
    """The framework's own settings an executor runs with: ``limit`` its concurrency knob (``@K``),
    ``timeout_s`` its per-tool timeout (conformance's hung-tool check), ``pool`` its thread-pool mode."""

    limit: int | None = None
    timeout_s: float | None = None
    pool: bool = False
    sequential: bool = False


@dataclass(frozen=True, slots=True)
class Delivered:
    """One function result as the framework hands it back to the model: the call id it carries (None
    when the framework's message has none) and its text."""

    call_id: str | None
    text: str


@dataclass
class Turn:
    """What the last turn showed of the framework (read by conformance and the tests)."""

    delivered: list[Delivered] = field(default_factory=list)
    #: the framework's own exception, when the turn ended in one (a tool's error that failed the run)
    error: str | None = None
    invocations: dict[str, int] = field(default_factory=dict)
    peak: int = 0
    wall_s: float = 0.0
    #: calls still running when the framework returned the turn (a timed-out sync tool's thread)
    in_flight_at_return: int = 0


class Adapter(Protocol):
    """One framework's dispatch of a turn's calls through its own code. ``prepare`` builds the framework's
    objects (agent, tool node, runner) once per tool set, as an application would at start-up; ``dispatch``
    runs one turn through them, its scripted model answering with ``calls``."""

    #: the distribution whose version run.json records
    dist: str

    def prepare(self, tools: Mapping[str, WrappedTool]) -> Any: ...

    def dispatch(self, prepared: Any, calls: Sequence[ToolCall]) -> list[Delivered]: ...

    def close(self) -> None: ...


class _Spans:
    """Every invocation's span, keyed by the call id the framework passed (``request_id``)."""

    def __init__(self, calls: Sequence[ToolCall], clock: Clock) -> None:
        self.clock = clock
        self.by_id = {c.id: c for c in calls}
        self.lock = threading.Lock()
        self.results: dict[str, CallResult] = {}
        self.invocations: dict[str, int] = {}
        self.in_flight = 0
        self.peak = 0

    def enter(self, args: Mapping[str, Any]) -> str:
        rid = str(args.get("request_id", ""))
        with self.lock:
            self.invocations[rid] = self.invocations.get(rid, 0) + 1
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        return rid

    def leave(self, rid: str, start: float, status: str, value: Any, error: str | None) -> None:
        end = self.clock()
        with self.lock:
            self.in_flight -= 1
            call = self.by_id.get(rid)
            if call is not None and rid not in self.results:  # a second invocation never hides the first
                self.results[rid] = CallResult(call, status, value, error, start, end, 1)

    def ordered(self, calls: Sequence[ToolCall]) -> list[CallResult]:
        """One result per call, in call order; a call the framework never ran says so."""
        now = self.clock()
        with self.lock:
            return [
                self.results.get(c.id)
                or CallResult(c, "error", None, "the framework never invoked this call", now, now, 0)
                for c in calls
            ]


@dataclass(frozen=True, slots=True)
class WrappedTool:
    """A tool as a framework sees it: a plain function (and a coroutine function when the tool has a native
    ``acall``) with a name, a docstring and a signature of the call's arguments."""

    name: str
    sync: Callable[..., Any]
    coro: Callable[..., Any] | None
    params: tuple[tuple[str, type], ...]


def _signature(params: Sequence[tuple[str, type]]) -> inspect.Signature:
    kind = inspect.Parameter.KEYWORD_ONLY
    return inspect.Signature(
        [inspect.Parameter(n, kind, annotation=t) for n, t in params], return_annotation=dict
    )


def _dress(fn: Callable[..., Any], name: str, params: Sequence[tuple[str, type]]) -> None:
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"The {name} API."
    fn.__signature__ = _signature(params)  # type: ignore[attr-defined]
    fn.__annotations__ = dict(params) | {"return": dict}


def _params(calls: Sequence[ToolCall], name: str) -> tuple[tuple[str, type], ...]:
    """The arguments the calls of ``name`` carry, typed by their first value (JSON scalars, else dict)."""
    seen: dict[str, type] = {}
    for c in calls:
        if c.name == name:
            for k, v in c.args.items():
                seen.setdefault(k, type(v) if isinstance(v, str | bool | int | float) else dict)
    return tuple(seen.items())


class _Live:
    """What the wrapped functions read when called: this turn's spans and tools (a run's tools are fresh
    each turn, while the framework's objects around the functions are built once)."""

    def __init__(self, clock: Clock) -> None:
        self.spans = _Spans((), clock)
        self.tools: Tools = {}


def wrap(name: str, live: _Live, params: tuple[tuple[str, type], ...], native_async: bool) -> WrappedTool:
    """The turn's tool ``name`` as a framework function that records its span; exceptions go on to the
    framework. ``native_async`` adds a coroutine function calling the tool's ``acall``."""

    def sync(**args: Any) -> Any:
        spans, tool = live.spans, live.tools[name]
        rid, start = spans.enter(args), spans.clock()
        try:
            value = tool(**args)
        except BaseException as exc:
            spans.leave(
                rid, start, classify(exc) if isinstance(exc, Exception) else "cancelled", None, describe(exc)
            )
            raise
        spans.leave(rid, start, "ok", value, None)
        return value

    _dress(sync, name, params)
    if not native_async:
        return WrappedTool(name, sync, None, params)

    async def coro(**args: Any) -> Any:
        spans, tool = live.spans, live.tools[name]
        rid, start = spans.enter(args), spans.clock()
        try:
            value = await cast(Any, tool).acall(**args)
        except asyncio.CancelledError:
            spans.leave(rid, start, "cancelled", None, "cancelled by the framework")
            raise
        except Exception as exc:
            spans.leave(rid, start, classify(exc), None, describe(exc))
            raise
        spans.leave(rid, start, "ok", value, None)
        return value

    _dress(coro, name, params)
    return WrappedTool(name, sync, coro, params)


class FrameworkExecutor:
    """An ``Executor`` whose turn is one dispatch through a framework (``adapter``). ``workers`` is the
    concurrency its zero-overhead ``predict`` assumes (1: one call after another; None: all at once)."""

    def __init__(
        self, name: str, adapter: Adapter, *, workers: int | None, clock: Clock = time.perf_counter
    ) -> None:
        self.name = name
        self.adapter = adapter
        self.workers = workers
        self.clock = clock
        self.last = Turn()
        self._lock = threading.Lock()
        self._live = _Live(clock)
        #: the framework's objects per tool set (names, argument types, sync or async)
        self._prepared: dict[tuple[Any, ...], Any] = {}

    def _objects(self, calls: Sequence[ToolCall], tools: Tools) -> Any:
        names = [n for n in dict.fromkeys(c.name for c in calls) if n in tools]
        shape = tuple((n, _params(calls, n), hasattr(tools[n], "acall")) for n in names)
        prepared = self._prepared.get(shape)
        if prepared is None:
            wrapped = {n: wrap(n, self._live, params, native) for n, params, native in shape}
            prepared = self._prepared[shape] = self.adapter.prepare(wrapped)
        return prepared

    def run(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        """The framework runs the turn; ``quotas`` are not given to it (a framework knows none)."""
        del quotas
        with self._lock:
            turn = Turn()
            try:
                prepared = self._objects(calls, tools)
            except Exception as exc:  # the framework refused the tools (e.g. a knob it allows on async only)
                turn.error = describe(exc)
                self.last = turn
                return _Spans(calls, self.clock).ordered(calls)
            spans = self._live.spans = _Spans(calls, self.clock)
            self._live.tools = tools
            t0 = self.clock()
            try:
                turn.delivered = self.adapter.dispatch(prepared, calls)
            except Exception as exc:  # the framework failed the turn: what ran is recorded, the rest says so
                turn.error = describe(exc)
            turn.wall_s = self.clock() - t0
            turn.in_flight_at_return = spans.in_flight
            turn.invocations, turn.peak = dict(spans.invocations), spans.peak
            self.last = turn
            return spans.ordered(calls)

    async def arun(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        # the framework keeps its own loop or pool; a caller's loop only waits for it
        return await asyncio.to_thread(self.run, calls, tools, quotas=quotas)

    def predict(self, work: Sequence[PlannedWork], *, quotas: Sequence[Quota] = ()) -> float:
        """Its zero-overhead makespan: a framework knows no quota, so none paces it (as ``-naive``)."""
        del quotas
        if not work:
            return 0.0
        workers = self.workers or len(work)
        return simulate(work, workers=workers, quotas=(), respect_after=False)

    def close(self) -> None:
        self.adapter.close()
