"""The agent loop of the document, generalised: model turn -> calls -> executor -> function responses -> model
turn ... until a text answer, a stop (finish reason), a model error or ``max_turns``, with every model turn
and every call recorded as spans and the session's ``status`` recorded.

No hidden coupling: the model is shown the tools' own declarations and a user's prompt, and its calls are
matched to the trial plan by tool name and order of appearance (:class:`CallMapper`), never by an argument
the model had to copy. A failed call goes back to the model as the document's ``good_handler`` shape
(``{"function", "status": "failed", "error"}``), never as a crash of the query.

With ``stream=True`` (a driver that streams) each call is started the moment its chunk arrives; the record
keeps when it arrived, and ``stream_saved_s`` is what that saved against starting the turn's calls only when
the whole turn had arrived (the executor's own ``predict`` of the calls as measured, from the turn's end).
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bench.models import (
    FunctionCallSpec,
    FunctionResult,
    ModelDriver,
    ModelError,
    Opening,
    PriceTable,
    QueryContext,
    ScriptedCall,
    Turn,
)
from bench.run._convert import planned_work, quotas_of
from bench.run._measured import measured_plan
from bench.run._records import call_records, delivered_bound_s, trial_record
from executors import (
    CallResult,
    Executor,
    PlannedWork,
    Quota,
    ToolCall,
    Tools,
    fine_timer_loop,
    references,
    resolve_args,
)
from reports import ModelSession, TrialRecord, TurnSpan
from scenarios import PlannedCall, Scenario, TrialPlan, build_toolbox

Clock = Callable[[], float]

DEFAULT_MAX_TURNS = 12
#: the user's question of the source document, the default prompt of every session
DOC_QUERY = (
    "Dame información completa sobre:\n1. El clima en Madrid y Londres\n2. La hora en Tokyo (JST)\n"
    "3. El precio de las acciones de Google y Apple"
)
#: errors that are the run's configuration, not one query's bad luck: they stop the run at once
FATAL_KINDS = frozenset({"missing_key", "invalid_key", "unreachable", "unsupported"})


def tool_decls(scenario: Scenario) -> list[dict[str, Any]]:
    """What the model is told of the scenario's tools: their own declarations (name, description and a
    JSON-Schema ``parameters`` object), nothing the harness needs for itself."""
    return [d.as_dict() for d in scenario.declarations()]


def query_text(plan: TrialPlan, prompt: str | None = None) -> str:
    """The user's question: the given prompt, else the source document's query."""
    return prompt or DOC_QUERY


def script_of(plan: TrialPlan) -> list[ScriptedCall]:
    return [ScriptedCall(c.id, c.tool, dict(c.args), c.after) for c in plan.calls]


@dataclass
class CallMapper:
    """Maps the model's function calls to the plan's calls by tool name and order of appearance: the k-th
    call of a tool is the plan's k-th call of that tool. A call matching nothing (an unknown tool, or more
    calls of a tool than planned) keeps an id of its own and fails as data."""

    plan_calls: Mapping[str, PlannedCall]
    used: set[str]
    unmapped: int = 0

    @classmethod
    def for_plan(cls, plan: TrialPlan) -> CallMapper:
        return cls({c.id: c for c in plan.calls}, set())

    def one(self, spec: FunctionCallSpec) -> ToolCall:
        hit = next(
            (c for c in self.plan_calls.values() if c.tool == spec.name and c.id not in self.used), None
        )
        if hit is None:
            self.unmapped += 1
            return ToolCall(f"x{self.unmapped}", spec.name, dict(spec.args))
        self.used.add(hit.id)
        # request_id is how the simulated API finds its planned draw: added here, never shown to the model
        return ToolCall(hit.id, hit.tool, {**spec.args, "request_id": hit.id}, hit.after)

    def map(self, specs: Sequence[FunctionCallSpec], earlier: Sequence[CallResult] = ()) -> list[ToolCall]:
        """The turn's calls; ``earlier``: the results of earlier turns' calls."""
        out = [self.one(s) for s in specs]
        # within one turn, only wait for calls of the same turn: earlier turns' calls have returned, and
        # their values stand where the arguments name them (a model writes what it was answered)
        ids = {c.id for c in out}
        return [
            ToolCall(c.id, c.name, _answered(c.args, ids, earlier), tuple(a for a in c.after if a in ids))
            for c in out
        ]


def _answered(args: Mapping[str, Any], turn: set[str], earlier: Sequence[CallResult]) -> Mapping[str, Any]:
    """``args`` with placeholders naming earlier turns' calls replaced by their values (None for a call
    that gave none); those naming this turn's calls stay for the executor to fill."""
    named = references(args) - turn
    if not named:
        return args  # the usual turn: no earlier value is looked up
    values = dict.fromkeys(named) | {r.call.id: r.value for r in earlier if r.call.id in named}
    return resolve_args(args, values, keep=turn)


def function_response(result: CallResult) -> dict[str, Any]:
    """The document's ``good_handler``: every call answers, successes with data, failures as data."""
    if result.ok:
        return {"function": result.call.name, "status": "success", "data": result.value}
    return {"function": result.call.name, "status": "failed", "error": result.error or result.status}


_DISPATCH: list[ThreadPoolExecutor] = []
_DISPATCH_LOCK = threading.Lock()


def _dispatch_pool() -> ThreadPoolExecutor:
    """Threads that hand a streamed call to a sync executor the moment it arrives (the stream keeps reading)."""
    with _DISPATCH_LOCK:
        if not _DISPATCH:
            _DISPATCH.append(ThreadPoolExecutor(64, thread_name_prefix="pfc-dispatch"))
        return _DISPATCH[0]


@dataclass
class _Loop:
    """The state of one session, shared by its sync and async drivers."""

    plan: TrialPlan
    executor: Executor
    tools: Tools
    quotas: Sequence[Quota]
    clock: Clock
    stream: bool
    mapper: CallMapper
    time_scale: float
    turns: list[dict[str, Any]] = field(default_factory=list)
    results: list[CallResult] = field(default_factory=list)
    arrived: dict[str, float] = field(default_factory=dict)
    #: plan id -> the id the model gave the call on the wire (none invented for a model that gives none)
    wire_ids: dict[str, str] = field(default_factory=dict)
    pending: list[tuple[ToolCall, Any]] = field(default_factory=list)
    status: str = "answered"
    error: str | None = None
    model_s: float = 0.0
    tool_s: float = 0.0
    ideal_tools: float = 0.0
    saved_s: float = 0.0
    t0: float = 0.0

    def on_call(self, submit: Callable[[ToolCall], Any]) -> Callable[[FunctionCallSpec], None] | None:
        """The driver's callback when streaming: map the call and start it at once."""
        if not self.stream:
            return None

        def arrived(spec: FunctionCallSpec) -> None:
            call = self.mapper.one(spec)
            call = ToolCall(call.id, call.name, call.args)  # a model cannot make a call wait on a sibling
            self.arrived[call.id] = self.clock() - self.t0
            self.pending.append((call, submit(call)))

        return arrived

    def turn_done(self, turn: Turn, start: float) -> Turn:
        end = self.clock()
        self.model_s += end - start
        self.turns.append(
            {
                "turn": len(self.turns),
                "start_s": start - self.t0,
                "end_s": end - self.t0,
                "model_s": end - start,
                "latency_s": turn.latency_s,
                "tokens_in": turn.input_tokens,
                "tokens_out": turn.output_tokens,
                "tokens_thoughts": turn.thoughts_tokens,
                "tokens_cached": turn.cached_tokens,
                "tokens_tool_prompt": turn.tool_prompt_tokens,
                "finish_reason": turn.finish_reason,
                "attempts": turn.attempts,
                "waited_s": turn.waited_s,
                "calls": [],
                "tool_s": 0.0,
                "text": turn.text is not None,
            }
        )
        return turn

    def to_run(self, turn: Turn) -> list[ToolCall]:
        """The turn's calls not already started on arrival."""
        return self.mapper.map(turn.calls[len(self.pending) :], self.results)

    def tools_done(self, calls: Sequence[ToolCall], got: Sequence[CallResult], start: float) -> None:
        spent = self.clock() - start
        self.tool_s += spent
        self.turns[-1]["calls"] = [c.id for c in calls]
        self.turns[-1]["tool_s"] = spent
        # a real call's work is its measured span (bench.run._measured), a simulated one's its plan
        work = {
            w.id: w for w in planned_work(measured_plan(self.plan, got, self.time_scale), self.time_scale)
        }
        # the turn's own view of dependencies: calls answered in earlier turns are already done
        self.ideal_tools += self.executor.predict(
            [
                dataclasses.replace(work[c.id], after=c.after)
                if c.id in work
                else PlannedWork(c.id, c.name, 0.0)
                for c in calls
            ],
            quotas=self.quotas,
        )
        self.results.extend(got)
        if self.pending:
            # what starting on arrival saved: the calls as measured, predicted from the turn's end
            turn_end = self.t0 + float(self.turns[-1]["end_s"])
            batch = self.executor.predict(
                [PlannedWork(r.call.id, r.call.name, r.end - r.start) for r in got], quotas=self.quotas
            )
            self.saved_s += max(0.0, turn_end + batch - max(r.end for r in got))
        self.pending = []

    def answers(self, turn: Turn, got: Sequence[CallResult]) -> list[FunctionResult]:
        # the wire id recorded is the one echoed back: the turn as finally read, not a retried stream's
        # first chunks
        self.wire_ids.update((r.call.id, spec.id) for spec, r in zip(turn.calls, got, strict=True) if spec.id)
        return [
            FunctionResult(name=spec.name, response=function_response(r), id=spec.id)
            for spec, r in zip(turn.calls, got, strict=True)
        ]

    def ended(self, turn: Turn | None, max_turns: int) -> None:
        """The session's status once the loop has stopped."""
        if self.error is not None or turn is None:
            self.status = "model_error"
        elif turn.stop is not None:
            self.status = turn.stop
        elif turn.calls:
            self.status = "max_turns"
        elif turn.text is None:
            self.status = "model_error"
            self.error = f"empty answer (finish reason {turn.finish_reason})"

    def failed(self, exc: ModelError) -> None:
        if exc.kind in FATAL_KINDS:
            raise exc
        self.error = str(exc)


def _go_on(turn: Turn, loop: _Loop, max_turns: int) -> bool:
    return bool(turn.calls) and turn.stop is None and len(loop.turns) < max_turns


def _sync_loop(loop: _Loop, model: ModelDriver, first: Callable[..., Turn], max_turns: int) -> Turn | None:
    pool = _dispatch_pool()

    def submit(call: ToolCall) -> Future[list[CallResult]]:
        return pool.submit(loop.executor.run, [call], loop.tools, quotas=loop.quotas)

    turn: Turn | None = None
    try:
        start = loop.clock()
        turn = loop.turn_done(first(loop.on_call(submit)), start)
        while _go_on(turn, loop, max_turns):
            streamed = list(loop.pending)
            start = loop.clock()
            rest = loop.to_run(turn)
            got = [f.result()[0] for _, f in streamed]
            got += loop.executor.run(rest, loop.tools, quotas=loop.quotas) if rest else []
            loop.tools_done([c for c, _ in streamed] + rest, got, start)
            answers = loop.answers(turn, got)
            start = loop.clock()
            turn = loop.turn_done(model.next_turn(answers, on_call=loop.on_call(submit)), start)
    except ModelError as exc:
        loop.failed(exc)
    return turn


async def _async_loop(
    loop: _Loop, model: Any, first: Callable[..., Awaitable[Turn]], max_turns: int
) -> Turn | None:
    def submit(call: ToolCall) -> asyncio.Task[list[CallResult]]:
        return asyncio.get_running_loop().create_task(
            loop.executor.arun([call], loop.tools, quotas=loop.quotas)
        )

    turn: Turn | None = None
    try:
        start = loop.clock()
        turn = loop.turn_done(await first(loop.on_call(submit)), start)
        while _go_on(turn, loop, max_turns):
            streamed = list(loop.pending)
            start = loop.clock()
            rest = loop.to_run(turn)
            got = [(await t)[0] for _, t in streamed]
            got += await loop.executor.arun(rest, loop.tools, quotas=loop.quotas) if rest else []
            loop.tools_done([c for c, _ in streamed] + rest, got, start)
            answers = loop.answers(turn, got)
            start = loop.clock()
            turn = loop.turn_done(await model.anext_turn(answers, on_call=loop.on_call(submit)), start)
    except ModelError as exc:
        loop.failed(exc)
    return turn


_ASYNC: list[asyncio.Runner] = []


def _async_runner() -> asyncio.Runner:
    """One event loop for every async session of the process: an SDK's async client (aiohttp) is bound to
    the loop it was first used on."""
    with _DISPATCH_LOCK:
        if not _ASYNC:
            _ASYNC.append(asyncio.Runner(loop_factory=fine_timer_loop))
        return _ASYNC[0]


def close_shared_loop() -> None:
    """Close the process-wide loop of async sessions, joining its default executor's threads (an SDK's
    async client runs blocking work there): left idle, they read as threads a tool left behind at exit."""
    with _DISPATCH_LOCK:
        while _ASYNC:
            _ASYNC.pop().close()


def uses_async(model: ModelDriver, executor: Executor) -> bool:
    """Asyncio executors drive a model that has an async client through it (``client.aio``)."""
    return executor.name.startswith("asyncio") and bool(getattr(model, "has_async", False))


@dataclass(frozen=True, slots=True)
class Ask:
    """How one query is asked and accounted: the conversation's mode and prompt, its price row, and where
    its record stands in the run."""

    mode: str
    prices: PriceTable
    price_model: str
    prompt: str | None = None
    stream: bool = False
    max_turns: int = DEFAULT_MAX_TURNS
    run_id: str = ""
    order: int = 0


@dataclass(frozen=True, slots=True)
class World:
    """What the simulated APIs run on: the injected clock and sleepers (the model and executor bring their
    own), and for a load test its own ``tools`` (quota state shared by every query in flight), the
    ``quotas`` the executor paces itself by, and ``collect_garbage=False``: a full collection holds the GIL
    for tens of milliseconds and would stall every other query in flight."""

    clock: Clock = time.perf_counter
    sleep: Callable[[float], None] = time.sleep
    asleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    tools: Tools | None = None
    quotas: Sequence[Quota] | None = None
    collect_garbage: bool = True


def run_session(
    plan: TrialPlan,
    model: ModelDriver,
    executor: Executor,
    time_scale: float,
    ask: Ask,
    world: World = World(),
) -> TrialRecord:
    """One query of one trial through the whole loop; ``makespan_s`` is the query from question to answer.

    A model error the retries could not overcome ends this query with status ``model_error``; errors of
    the run's configuration (key, endpoint, an unsupported model) are raised."""
    clock = world.clock
    tools = world.tools
    if tools is None:
        tools = build_toolbox(plan, time_scale, clock=clock, sleep=world.sleep, asleep=world.asleep)
    quotas = world.quotas
    if quotas is None:
        quotas = quotas_of(plan.scenario, time_scale)
    decls = tool_decls(plan.scenario)
    query = query_text(plan, ask.prompt)
    ctx = QueryContext(
        plan.scenario.name,
        plan.trial,
        plan.seed,
        executor.name,
        ask.mode,
        time_scale,
        plan.scenario.fingerprint(),
    )
    loop = _Loop(plan, executor, tools, quotas, clock, ask.stream, CallMapper.for_plan(plan), time_scale)
    if world.collect_garbage:
        gc.collect()  # as in measure(): a collection inside the timed region would be charged to the unlucky
    loop.t0 = clock()
    last = _converse(loop, model, Opening(query, decls, script_of(plan), ctx), ask.max_turns)
    makespan = clock() - loop.t0
    loop.ended(last, ask.max_turns)
    return _record(loop, model.name, ask, makespan, time_scale)


def _converse(loop: _Loop, model: ModelDriver, opening: Opening, max_turns: int) -> Turn | None:
    """The conversation on the async path (an asyncio executor and a model with an async client) or the
    sync one; returns the last turn (None when the first one failed)."""
    if uses_async(model, executor=loop.executor):
        amodel: Any = model

        def afirst(on_call: Any) -> Awaitable[Turn]:
            turn: Awaitable[Turn] = amodel.afirst_turn(opening, on_call=on_call)
            return turn

        return _async_runner().run(_async_loop(loop, model, afirst, max_turns))

    def first(on_call: Any) -> Turn:
        return model.first_turn(opening, on_call=on_call)

    return _sync_loop(loop, model, first, max_turns)


def _sum(turns: Sequence[Mapping[str, Any]], key: str) -> int:
    return sum(int(t.get(key) or 0) for t in turns)


def _lower_bound(tools_s: float, model_s: float, turns: Sequence[Mapping[str, Any]], stream: bool) -> float:
    """The plan's bound plus the model time this query could not avoid (the turns it actually took).

    Streamed, a turn's calls start while it still streams, so only the turns that asked for no call (the
    answer, which waits for every tool) add to the tools' bound; and no query beats its model's own time
    (``model_s``, the turns' latencies summed)."""
    if not stream:
        return tools_s + model_s
    after_tools = sum(float(t["latency_s"]) for t in turns if not t.get("calls"))
    return max(model_s, tools_s + after_tools)


def _record(loop: _Loop, model_name: str, ask: Ask, makespan: float, time_scale: float) -> TrialRecord:
    plan, turns = loop.plan, loop.turns
    mode, price_model = ask.mode, ask.price_model
    bill = ask.prices.bill(price_model, turns)
    model_latency = sum(float(t["latency_s"]) for t in turns)
    session = ModelSession(
        mode=mode,
        turns=tuple(TurnSpan.from_json(t) for t in turns),
        n_turns=len(turns),
        model_s=loop.model_s,
        tool_s=loop.tool_s,
        overhead_s=makespan - loop.model_s - loop.tool_s,
        model_latency_s=model_latency,
        tokens_in=_sum(turns, "tokens_in"),
        tokens_out=_sum(turns, "tokens_out"),
        cost_usd=bill.usd,
        price_model=bill.row or price_model,
        prices_read_on=bill.read_on,
        answered=loop.status == "answered",
        max_turns_hit=loop.status == "max_turns",
        remapped_calls=0,  # calls are matched by tool name and order: nothing to remap
        unmapped_calls=loop.mapper.unmapped,
        failed_calls=sum(1 for r in loop.results if not r.ok),
        missing_calls=len(plan.calls) - len(loop.mapper.used),
        status=loop.status,
        tokens_thoughts=_sum(turns, "tokens_thoughts"),
        tokens_cached=_sum(turns, "tokens_cached"),
        tokens_tool_prompt=_sum(turns, "tokens_tool_prompt"),
        price_note=bill.note,
        error=loop.error,
        stream_saved_s=loop.saved_s if loop.stream else None,
    )
    done = {r.call.id: r.attempts for r in loop.results if r.ok}
    tools = delivered_bound_s(measured_plan(plan, loop.results, time_scale), done, time_scale)
    bound = _lower_bound(tools, model_latency, turns, loop.stream)
    return trial_record(
        plan,
        time_scale,
        executor=loop.executor.name,
        makespan_s=makespan,
        lower_bound_s=bound,
        # streamed, the whole-turn ideal less what dispatch on arrival saves by the same prediction
        ideal_s=max(bound, loop.ideal_tools + model_latency - (loop.saved_s if loop.stream else 0.0)),
        calls=call_records(loop.results, plan, time_scale, loop.t0, loop.arrived, loop.wire_ids),
        run_id=ask.run_id,
        order=ask.order,
        model=model_name,
        session=session,
    )
