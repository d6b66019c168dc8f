"""The peer baseline ``--executor sdk-afc``: the same query through google-genai's own automatic function
calling, with the scenario's simulated APIs wrapped as real Python callables, timed like our sessions.

AFC hides its loop: per-turn spans and intermediate token counts are not observable. ``tool_s`` is the sum
of the call spans (AFC runs them one after another), ``model_s`` the rest of the wall time (model
round-trips plus the SDK's own overhead, which cannot be told apart), tokens those of the final response.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

from bench.models import ModelError, PriceTable, Retrier, RetryPolicy, resolve_api_key, setup_afc
from bench.run._convert import planned_work, quotas_of
from bench.run._records import span_record, trial_record
from bench.run._session import query_text
from executors import Sequential
from reports import AfcSession, CallRecord, TrialRecord
from scenarios import ToolApi, TrialPlan, build_toolbox

NAME = "sdk-afc"


class _Spans:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: list[tuple[str, str, float, float, str, str | None]] = []
        self.t0 = 0.0


def _wrap(api: ToolApi, spans: _Spans) -> Callable[..., dict[str, Any]]:
    def tool(request_id: str) -> dict[str, Any]:
        start = time.perf_counter()
        try:
            value = api(request_id=request_id)
        except Exception as exc:  # the document's good_handler: a failure is data for the model
            end = time.perf_counter()
            status = getattr(exc, "call_status", "error")
            err = f"{type(exc).__name__}: {exc}"
            with spans.lock:
                spans.rows.append((request_id, api.name, start, end, str(status), err))
            return {"function": api.name, "status": "failed", "error": err}
        end = time.perf_counter()
        with spans.lock:
            spans.rows.append((request_id, api.name, start, end, "ok", None))
        return {"function": api.name, "status": "success", "data": value}

    tool.__name__ = tool.__qualname__ = api.name
    tool.__doc__ = api.description or f"Simulated API {api.name}"
    return tool


def _model_error(exc: Exception, base_url: str | None) -> ModelError:
    """The drivers' classification (key, quota, unreachable), key-free, for AFC's own exceptions."""
    retrier = Retrier(
        RetryPolicy(), time.sleep, asyncio.sleep, base_url or "the Gemini API", resolve_api_key()
    )
    out = retrier._translate(exc)
    return out if isinstance(out, ModelError) else out.error


def _span_calls(spans: _Spans, plan: TrialPlan, time_scale: float, t0: float) -> tuple[list[CallRecord], int]:
    """The calls AFC made, in start order, matched to the plan by request id (a repeat or an unknown id gets
    an ``x<k>`` id of its own); and how many planned calls AFC never made."""
    planned = {c.id: c for c in plan.calls}
    calls = []
    seen: set[str] = set()
    for k, (rid, tool, start, end, status, err) in enumerate(sorted(spans.rows, key=lambda r: r[2])):
        pc = planned.get(rid)
        cid = rid if pc is not None and rid not in seen else f"x{k}"
        seen.add(cid)
        calls.append(span_record(cid, tool, pc, time_scale, (start - t0, end - t0), status, error=err))
    return calls, len(plan.calls) - len(seen & set(planned))


def _converse(
    plan: TrialPlan, time_scale: float, model: str, base_url: str | None, spans: _Spans
) -> tuple[Any, Any, float, float, str]:
    """The query through AFC, timed: (chat, response, start, makespan, SDK version)."""
    box = build_toolbox(plan, time_scale)
    funcs = [_wrap(api, spans) for api in box.values()]
    # every call of a 10-call plan may come in its own turn; leave AFC room for that and the answer
    client, config, _recorder, sdk_version = setup_afc(funcs, None, base_url, None, len(plan.calls) + 2)
    try:
        t0 = time.perf_counter()
        chat = client.chats.create(model=model, config=config)
        response = chat.send_message(query_text(plan))
        makespan = time.perf_counter() - t0
    except Exception as exc:
        raise _model_error(exc, base_url) from None  # the SDK's exception may carry request details
    finally:
        client.close()
    return chat, response, t0, makespan, sdk_version


def afc_session(
    plan: TrialPlan,
    time_scale: float,
    *,
    model: str,
    base_url: str | None,
    prices: PriceTable,
    mode: str,
    run_id: str = "",
    order: int = 0,
) -> TrialRecord:
    """One query through google-genai's AFC (sync client), recorded like :func:`run_session`."""
    spans = _Spans()
    chat, response, t0, makespan, sdk_version = _converse(plan, time_scale, model, base_url, spans)
    # a chat's response carries no AFC history; the chat keeps every model turn of the loop
    n_turns = sum(1 for c in chat.get_history() if getattr(c, "role", None) == "model")
    usage = response.usage_metadata
    tokens_in = int(getattr(usage, "prompt_token_count", 0) or 0)
    tokens_out = int(getattr(usage, "candidates_token_count", 0) or 0)
    calls, missing = _span_calls(spans, plan, time_scale, t0)
    tool_s = sum(c.end_s - c.start_s for c in calls)
    quotas = quotas_of(plan.scenario, time_scale)
    session = AfcSession(
        mode=mode,
        n_turns=n_turns,
        model_s=makespan - tool_s,
        tool_s=tool_s,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        cost_usd=prices.cost(model, tokens_in, tokens_out),
        price_model=model,
        prices_read_on=prices.read_on,
        sdk=f"google-genai {sdk_version}",
        failed_calls=sum(1 for c in calls if c.status != "ok"),
        missing_calls=missing,
    )
    return trial_record(
        plan,
        time_scale,
        executor=NAME,
        makespan_s=makespan,
        lower_bound_s=plan.lower_bound_ms() / 1000 * time_scale,
        # AFC runs the calls one after another: its ideal tool time is the sequential one
        ideal_s=Sequential().predict(planned_work(plan, time_scale), quotas=quotas),
        calls=calls,
        run_id=run_id,
        order=order,
        model="gemini",
        session=session,
    )
