"""The agent loop of the document, generalised: model turn -> calls -> executor -> function responses -> model
turn ... until a text answer or ``max_turns``, with every model turn and every call recorded as spans.

A failed call goes back to the model as the document's ``good_handler`` shape
(``{"function", "status": "failed", "error"}``), never as a crash of the query.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bench.models import (
    FunctionCallSpec,
    FunctionResult,
    ModelDriver,
    PriceTable,
    QueryContext,
    ScriptedCall,
    Turn,
)
from bench.run._convert import planned_work, quotas_of
from bench.run._records import call_records, trial_record
from executors import CallResult, Executor, PlannedWork, Quota, ToolCall, Tools
from reports import ModelSession, TrialRecord, TurnSpan
from scenarios import PlannedCall, Scenario, TrialPlan, build_toolbox

Clock = Callable[[], float]

DEFAULT_MAX_TURNS = 12


def tool_decls(scenario: Scenario) -> list[dict[str, Any]]:
    """What Gemini is told of the scenario's tools: name, description and the one ``request_id`` argument
    the simulated APIs look their planned draw up by."""
    return [
        {
            "name": t.name,
            "description": t.description or f"Simulated API {t.name}",
            "parameters": {
                "type": "object",
                "properties": {
                    "request_id": {"type": "string", "description": "the request id given in the question"}
                },
                "required": ["request_id"],
            },
        }
        for t in scenario.tools
    ]


def query_text(plan: TrialPlan) -> str:
    """The user's question: names every call and its request id, so a live model can be mapped exactly."""
    asks = "; ".join(f"{c.tool}(request_id={c.args.get('request_id', c.id)!r})" for c in plan.calls)
    return (
        "Call each of these functions exactly once with the request_id shown, calling independent ones "
        f"together in one turn, then answer 'done': {asks}."
    )


def script_of(plan: TrialPlan) -> list[ScriptedCall]:
    return [ScriptedCall(c.id, c.tool, dict(c.args), c.after) for c in plan.calls]


@dataclass
class CallMapper:
    """Maps the model's function calls to the plan's calls: by tool name and ``request_id`` first; a live
    model that omits or changes the request id is mapped to the next unused call of that tool, in plan
    order (counted in ``remapped``); a call matching nothing keeps an id of its own and fails as data."""

    plan_calls: Mapping[str, PlannedCall]
    used: set[str]
    remapped: int = 0
    unmapped: int = 0

    @classmethod
    def for_plan(cls, plan: TrialPlan) -> CallMapper:
        return cls({c.id: c for c in plan.calls}, set())

    def map(self, specs: Sequence[FunctionCallSpec]) -> list[ToolCall]:
        out: list[ToolCall] = []
        for spec in specs:
            rid = spec.args.get("request_id")
            hit = self.plan_calls.get(str(rid)) if rid is not None else None
            if hit is None or hit.tool != spec.name or hit.id in self.used:
                hit = next(
                    (c for c in self.plan_calls.values() if c.tool == spec.name and c.id not in self.used),
                    None,
                )
                if hit is not None:
                    self.remapped += 1
            if hit is None:
                self.unmapped += 1
                out.append(ToolCall(f"x{self.unmapped}", spec.name, dict(spec.args)))
                continue
            self.used.add(hit.id)
            out.append(ToolCall(hit.id, hit.tool, {**spec.args, "request_id": hit.id}, hit.after))
        # within one turn, only wait for calls of the same turn: earlier turns' calls have returned
        ids = {c.id for c in out}
        return [ToolCall(c.id, c.name, c.args, tuple(a for a in c.after if a in ids)) for c in out]


def function_response(result: CallResult) -> dict[str, Any]:
    """The document's ``good_handler``: every call answers, successes with data, failures as data."""
    if result.ok:
        return {"function": result.call.name, "status": "success", "data": result.value}
    return {"function": result.call.name, "status": "failed", "error": result.error or result.status}


def run_session(  # noqa: PLR0913  # kept while issue 12 reworks the session: see docs/architecture.md
    plan: TrialPlan,
    model: ModelDriver,
    executor: Executor,
    time_scale: float,
    *,
    mode: str,
    prices: PriceTable,
    price_model: str,
    run_id: str = "",
    order: int = 0,
    max_turns: int = DEFAULT_MAX_TURNS,
    clock: Clock = time.perf_counter,
    sleep: Callable[[float], None] = time.sleep,
    asleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    tools: Tools | None = None,
    quotas: Sequence[Quota] | None = None,
    collect_garbage: bool = True,
) -> TrialRecord:
    """One query of one trial through the whole loop; ``makespan_s`` is the query from question to answer.
    ``clock``/``sleep``/``asleep`` drive the simulated APIs (the model and executor bring their own).

    A load test passes its own ``tools`` (quota state shared by every query in flight) and ``quotas`` (what
    the executor paces itself by), and ``collect_garbage=False``: a full collection holds the GIL for tens
    of milliseconds and would stall every other query in flight."""
    if tools is None:
        tools = build_toolbox(plan, time_scale, clock=clock, sleep=sleep, asleep=asleep)
    if quotas is None:
        quotas = quotas_of(plan.scenario, time_scale)
    ctx = QueryContext(plan.scenario.name, plan.trial, plan.seed, executor.name, mode, time_scale)
    mapper = CallMapper.for_plan(plan)
    loop = _Loop(clock, {w.id: w for w in planned_work(plan, time_scale)})
    decls, query = tool_decls(plan.scenario), query_text(plan)
    if collect_garbage:
        gc.collect()  # as in measure(): a collection inside the timed region would be charged to the unlucky
    loop.t0 = clock()
    turn = loop.timed_turn(lambda: model.first_turn(query, decls, script_of(plan), ctx))
    turn = loop.converse(turn, model, executor, mapper, (tools, quotas), max_turns)
    makespan = clock() - loop.t0
    session = loop.session(
        mode, makespan, mapper, plan, (prices, price_model), max_turns_hit=bool(turn.calls)
    )
    return trial_record(
        plan,
        time_scale,
        executor=executor.name,
        makespan_s=makespan,
        # the plan's bound plus the model time this query could not avoid (the turns it actually took)
        lower_bound_s=plan.lower_bound_ms() / 1000 * time_scale + session.model_latency_s,
        ideal_s=loop.ideal_tools + session.model_latency_s,
        calls=call_records(loop.results, plan, time_scale, loop.t0),
        run_id=run_id,
        order=order,
        model=model.name,
        session=session,
    )


class _Loop:
    """What one session's loop accumulates: its turns (times relative to ``t0``), the model's and the
    tools' time, the executor's ideal tool time per turn, and every call's result."""

    def __init__(self, clock: Clock, work: Mapping[str, PlannedWork]) -> None:
        self.clock, self.work = clock, work
        self.t0 = 0.0
        self.turns: list[dict[str, Any]] = []
        self.results: list[CallResult] = []
        self.model_s = self.tool_s = self.ideal_tools = 0.0

    def timed_turn(self, step: Callable[[], Turn]) -> Turn:
        start = self.clock()
        turn = step()
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
                "attempts": turn.attempts,
                "waited_s": turn.waited_s,
                "calls": [],
                "tool_s": 0.0,
                "text": turn.text is not None,
            }
        )
        return turn

    def converse(
        self,
        turn: Turn,
        model: ModelDriver,
        executor: Executor,
        mapper: CallMapper,
        apis: tuple[Tools, Sequence[Quota]],
        max_turns: int,
    ) -> Turn:
        """Calls -> executor -> function responses -> the model's next turn, until a turn makes no calls
        or ``max_turns`` is reached; returns the last turn."""
        while turn.calls and len(self.turns) < max_turns:
            got = self.run_calls(executor, mapper.map(turn.calls), *apis)
            answers = [
                FunctionResult(name=spec.name, response=function_response(r), id=spec.id)
                for spec, r in zip(turn.calls, got, strict=True)
            ]
            turn = self.timed_turn(_answer(model, answers))
        return turn

    def run_calls(
        self, executor: Executor, calls: list[ToolCall], tools: Tools, quotas: Sequence[Quota]
    ) -> list[CallResult]:
        """One turn's calls through the executor, timed, with the executor's prediction for them."""
        start = self.clock()
        got = executor.run(calls, tools, quotas=quotas)
        spent = self.clock() - start
        self.tool_s += spent
        self.turns[-1]["calls"] = [c.id for c in calls]
        self.turns[-1]["tool_s"] = spent
        # the turn's own view of dependencies: calls answered in earlier turns are already done
        self.ideal_tools += executor.predict(
            [
                dataclasses.replace(self.work[c.id], after=c.after)
                if c.id in self.work
                else PlannedWork(c.id, c.name, 0.0)
                for c in calls
            ],
            quotas=quotas,
        )
        self.results.extend(got)
        return got

    def session(
        self,
        mode: str,
        makespan: float,
        mapper: CallMapper,
        plan: TrialPlan,
        pricing: tuple[PriceTable, str],
        *,
        max_turns_hit: bool,
    ) -> ModelSession:
        """The session part: the turns, the time split, the tokens priced by ``pricing`` (the table and the
        model row), and how the model's calls mapped onto the plan."""
        turns = self.turns
        prices, price_model = pricing
        tokens_in, tokens_out = (
            sum(int(t["tokens_in"]) for t in turns),
            sum(int(t["tokens_out"]) for t in turns),
        )
        return ModelSession(
            mode=mode,
            turns=tuple(TurnSpan.from_json(t) for t in turns),
            n_turns=len(turns),
            model_s=self.model_s,
            tool_s=self.tool_s,
            overhead_s=makespan - self.model_s - self.tool_s,
            model_latency_s=sum(float(t["latency_s"]) for t in turns),
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost_usd=prices.cost(price_model, tokens_in, tokens_out),
            price_model=price_model,
            prices_read_on=prices.read_on,
            answered=bool(turns) and bool(turns[-1]["text"]),
            max_turns_hit=max_turns_hit,
            remapped_calls=mapper.remapped,
            unmapped_calls=mapper.unmapped,
            failed_calls=sum(1 for r in self.results if not r.ok),
            missing_calls=len(plan.calls) - len(mapper.used),
        )


def _answer(model: ModelDriver, answers: Sequence[FunctionResult]) -> Callable[[], Turn]:
    return lambda: model.next_turn(answers)
