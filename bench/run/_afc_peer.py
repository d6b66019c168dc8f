"""The peer baseline ``--executor sdk-afc``: the same query through google-genai's own automatic function
calling, with the scenario's simulated APIs wrapped as real Python callables that declare what the tools
themselves declare, timed like our sessions.

Calls are matched to the plan as in our sessions, by tool name and order of appearance, so the baseline
works against any server that speaks the Gemini API. AFC hides its loop: per-turn spans and intermediate
token counts are not observable. ``tool_s`` is the sum of the call spans (AFC runs them one after another),
``model_s`` the rest of the wall time (model round-trips plus the SDK's own overhead, which cannot be told
apart), tokens those of the final response. AFC's function responses carry no call id.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from bench.models import (
    GenerationSettings,
    ModelError,
    PriceTable,
    RetryPolicy,
    classify,
    resolve_api_key,
    setup_afc,
    signature_from_schema,
    stop_status,
)
from bench.run._convert import planned_work, quotas_of
from bench.run._records import delivered_bound_s, span_record, trial_record
from bench.run._session import DEFAULT_MAX_TURNS, FATAL_KINDS, query_text, tool_decls
from executors import Sequential
from reports import AfcSession, CallRecord, TrialRecord
from scenarios import ToolApi, TrialPlan, build_toolbox

NAME = "sdk-afc"
AFC = NAME  # the name bench.run's face gives it
#: the framework executor's label for the same path (``bench.run.frameworks``), and the old one
AFC_LABELS = (NAME, "genai-afc")


class _Spans:
    def __init__(self, plan: TrialPlan) -> None:
        self.lock = threading.Lock()
        self.rows: list[tuple[str, str, float, float, str, str | None]] = []
        # the k-th call of a tool is the plan's k-th call of that tool
        self.queue: dict[str, deque[str]] = {}
        for c in plan.calls:
            self.queue.setdefault(c.tool, deque()).append(c.id)
        self.extra = 0

    def next_id(self, tool: str) -> str | None:
        with self.lock:
            q = self.queue.get(tool)
            if q:
                return q.popleft()
            self.extra += 1
            return None


def _wrap(api: ToolApi, decl: dict[str, Any], spans: _Spans) -> Callable[..., dict[str, Any]]:
    def tool(**args: Any) -> dict[str, Any]:
        start = time.perf_counter()
        rid = spans.next_id(api.name)
        try:
            if rid is None:
                raise LookupError(f"{api.name}: more calls than the plan has")
            value = api(request_id=rid, **args)
        except Exception as exc:  # the document's good_handler: a failure is data for the model
            end = time.perf_counter()
            err = f"{type(exc).__name__}: {exc}"
            with spans.lock:
                spans.rows.append(
                    (rid or "", api.name, start, end, str(getattr(exc, "call_status", "error")), err)
                )
            return {"function": api.name, "status": "failed", "error": err}
        end = time.perf_counter()
        with spans.lock:
            spans.rows.append((rid, api.name, start, end, "ok", None))
        return {"function": api.name, "status": "success", "data": value}

    sig = signature_from_schema(decl.get("parameters"))
    tool.__name__ = tool.__qualname__ = api.name
    tool.__doc__ = str(decl.get("description") or api.description or api.name)
    tool.__signature__ = sig  # type: ignore[attr-defined]
    tool.__annotations__ = {p.name: p.annotation for p in sig.parameters.values()} | {"return": dict}
    return tool


def _model_error(exc: Exception, base_url: str | None) -> ModelError:
    """The drivers' classification (key, quota, unreachable), key-free, for AFC's own exceptions."""
    out = classify(exc, base_url or "the Gemini API", resolve_api_key(), RetryPolicy(max_attempts=1))
    return out if isinstance(out, ModelError) else out.error


def _converse(
    plan: TrialPlan, funcs: list[Any], model: str, base_url: str | None, settings: GenerationSettings | None,
    prompt: str | None, *, max_turns: int,
) -> tuple[Any, Any, float, str, str | None]:  # fmt: skip
    """(response, chat, wall, sdk version, error) of one AFC conversation."""
    # AFC's maximum_remote_calls counts model requests, as --max-turns counts our sessions' model turns: at
    # the last one it returns the model's calls unrun
    client, config, _rec, sdk_version = setup_afc(funcs, None, base_url, None, max_turns, settings)
    t0 = time.perf_counter()
    chat = client.chats.create(model=model, config=config)
    try:
        response = chat.send_message(query_text(plan, prompt))
        return response, chat, time.perf_counter() - t0, sdk_version, None
    except Exception as exc:
        err = _model_error(exc, base_url)  # the SDK's exception may carry request details
        if err.kind in FATAL_KINDS:
            raise err from None
        return None, chat, time.perf_counter() - t0, sdk_version, str(err)
    finally:
        client.close()


def afc_session(  # noqa: PLR0913  # the run's settings as keywords, as run_session takes them
    plan: TrialPlan,
    time_scale: float,
    *,
    model: str,
    base_url: str | None,
    prices: PriceTable,
    mode: str,
    run_id: str = "",
    order: int = 0,
    settings: GenerationSettings | None = None,
    prompt: str | None = None,
    max_turns: int = DEFAULT_MAX_TURNS,
    executor: str = NAME,
) -> TrialRecord:
    """One query through google-genai's AFC (sync client), recorded like :func:`run_session`."""
    box = build_toolbox(plan, time_scale)
    spans = _Spans(plan)
    decls = {d["name"]: d for d in tool_decls(plan.scenario)}
    funcs = [_wrap(api, decls.get(api.name, {}), spans) for api in box.values()]
    t0 = time.perf_counter()
    response, chat, makespan, sdk_version, error = _converse(
        plan, funcs, model, base_url, settings, prompt, max_turns=max_turns
    )
    # a chat's response carries no AFC history; the chat keeps every model turn of the loop
    n_turns = sum(1 for c in chat.get_history() if getattr(c, "role", None) == "model")
    tokens = _tokens(response)
    status = "model_error" if error else _status(response)
    calls = _call_records(spans, plan, time_scale, t0)
    tool_s = sum(c.end_s - c.start_s for c in calls)
    session = _session(
        plan, calls, spans, prices.bill(model, [tokens]), tokens, model,
        mode=mode, n_turns=n_turns, model_s=makespan - tool_s, tool_s=tool_s,
        sdk=f"google-genai {sdk_version}", status=status, error=error,
    )  # fmt: skip
    return trial_record(
        plan,
        time_scale,
        executor=executor,
        makespan_s=makespan,
        lower_bound_s=delivered_bound_s(
            plan, {c.id: c.attempts for c in calls if c.status == "ok"}, time_scale
        ),
        ideal_s=_sequential_ideal(plan, time_scale),
        calls=calls,
        run_id=run_id,
        order=order,
        model="gemini",
        session=session,
    )


def _session(
    plan: TrialPlan,
    calls: list[CallRecord],
    spans: _Spans,
    bill: Any,
    tokens: dict[str, int],
    model: str,
    **timed: Any,
) -> AfcSession:
    """The session's tokens, bill and call counts; ``timed`` brings its timings, turns and status."""
    return AfcSession(
        **timed,
        tokens_in=tokens["tokens_in"],
        tokens_out=tokens["tokens_out"],
        cost_usd=bill.usd,
        price_model=bill.row or model,
        prices_read_on=bill.read_on,
        failed_calls=sum(1 for c in calls if c.status != "ok"),
        missing_calls=len(plan.calls) - len({c.id for c in calls} & {c.id for c in plan.calls}),
        tokens_thoughts=tokens["tokens_thoughts"],
        tokens_cached=tokens["tokens_cached"],
        tokens_tool_prompt=tokens["tokens_tool_prompt"],
        price_note=bill.note,
        unmapped_calls=spans.extra,
    )


def _call_records(spans: _Spans, plan: TrialPlan, time_scale: float, t0: float) -> list[CallRecord]:
    """The calls AFC made, in start order, matched to the plan's calls by request id (``x<k>`` when none)."""
    planned = {c.id: c for c in plan.calls}
    return [
        span_record(
            rid or f"x{k}", tool, planned.get(rid), time_scale, (start - t0, end - t0), cstatus, error=err
        )
        for k, (rid, tool, start, end, cstatus, err) in enumerate(sorted(spans.rows, key=lambda r: r[2]))
    ]


def _sequential_ideal(plan: TrialPlan, time_scale: float) -> float:
    """AFC runs the calls one after another: its ideal tool time is the sequential one."""
    return Sequential().predict(planned_work(plan, time_scale), quotas=quotas_of(plan.scenario, time_scale))


def _tokens(response: Any) -> dict[str, int]:
    """The final response's usage (AFC shows no other), every Gemini 2.5 / 3 field."""
    usage = getattr(response, "usage_metadata", None)
    fields = {
        "tokens_in": "prompt_token_count",
        "tokens_out": "candidates_token_count",
        "tokens_thoughts": "thoughts_token_count",
        "tokens_cached": "cached_content_token_count",
        "tokens_tool_prompt": "tool_use_prompt_token_count",
    }
    return {k: int(getattr(usage, attr, 0) or 0) for k, attr in fields.items()}


def _status(response: Any) -> str:
    cands = getattr(response, "candidates", None) or []
    finish = getattr(cands[0], "finish_reason", None) if cands else None
    block = getattr(getattr(response, "prompt_feedback", None), "block_reason", None)
    name = getattr(finish, "name", None) or (str(finish) if finish else None)
    stop = stop_status(name, getattr(block, "name", None) if block else None)
    if stop:
        return stop
    if getattr(response, "function_calls", None):
        return "max_turns"  # AFC ran out of remote calls and handed the model's calls back unrun
    return "answered" if getattr(response, "text", None) else "model_error"
