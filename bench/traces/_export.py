"""results.jsonl -> otel.json: an OTLP JSON ``ExportTraceServiceRequest`` under the OpenTelemetry GenAI
conventions. One trace per record (a trial or a query): a root span, a ``chat`` span per model turn when a
model was in the loop, an ``execute_tool`` span per call (siblings of the chat spans, as the conventions
have them), with error status and ``error.type`` for failures (``429`` for rate limits) and pfcbench's own
attributes under ``pfcbench.*``.

Times are absolute unix nanoseconds: each record's ``origin_unix_s`` plus its offsets. Records written
before that field existed are laid one after another from run.json's ``started_at`` (1 ms apart)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.traces._model import CHAT, EXECUTE_TOOL, STATUS_ERROR
from bench.traces._otlp import encode_attrs
from reports import CallRecord, ModelSession, TrialRecord, TurnSpan, read_records, write_text_atomic

#: executors that are references, not strategies: their spans are marked ``pfcbench.reference = true``
REFERENCE_PREFIX = "raw-"
SCOPE = "pfcbench"
#: ``gen_ai.provider.name`` (required on model spans) per ``--model``: the Gemini API's well-known value;
#: pfcbench's own simulated model under its own name
PROVIDERS = {
    "gemini": "gcp.gemini",
    "gemini-legacy": "gcp.gemini",
    "replay": "gcp.gemini",
    "simulated": SCOPE,
}
#: thinking tokens, as the GenAI conventions name them (``GEN_AI_USAGE_REASONING_OUTPUT_TOKENS`` in
#: opentelemetry-semantic-conventions 0.65b0)
REASONING_TOKENS = "gen_ai.usage.reasoning.output_tokens"


def _id(n_bytes: int, *key: object) -> str:
    return hashlib.blake2b(repr(key).encode(), digest_size=n_bytes).hexdigest()


def _ns(origin_ns: int, seconds: float) -> str:
    return str(origin_ns + round(seconds * 1e9))


def record_origins(records: Sequence[TrialRecord], started_at: str | None) -> list[int]:
    """Each record's time origin in unix nanoseconds."""
    cursor = _parse_iso(started_at)
    out = []
    for r in records:
        origin = getattr(r, "origin_unix_s", 0.0) or 0.0
        if origin > 0:
            out.append(round(origin * 1e9))
            continue
        out.append(cursor)
        cursor += round((r.makespan_s + 0.001) * 1e9)
    return out


def _parse_iso(text: str | None) -> int:
    try:
        return round(dt.datetime.fromisoformat(str(text)).timestamp() * 1e9)
    except ValueError:
        return 0


@dataclass(frozen=True, slots=True)
class _Parent:
    """Where a child span hangs: its trace, its root span, the record's time origin and shared attributes."""

    trace_id: str
    root_id: str
    origin_ns: int
    key: tuple[Any, ...]
    common: Mapping[str, Any]

    def child(
        self,
        name: str,
        span_key: tuple[Any, ...],
        kind: int,
        span: tuple[float, float],
        attrs: Mapping[str, Any],
        status: dict[str, Any],
    ) -> dict[str, Any]:
        """A span under the root, ``span`` its (start, end) in seconds from the record's origin."""
        start, end = span
        return {
            "traceId": self.trace_id,
            "spanId": _id(8, *self.key, *span_key),
            "parentSpanId": self.root_id,
            "name": name,
            "kind": kind,
            "startTimeUnixNano": _ns(self.origin_ns, start),
            "endTimeUnixNano": _ns(self.origin_ns, max(end, start)),
            "attributes": encode_attrs(attrs),
            "status": status,
        }


def record_spans(rec: TrialRecord, origin_ns: int) -> list[dict[str, Any]]:
    """The spans of one record: root, chat turns, tool calls."""
    mode = rec.session.mode
    key = (rec.run_id, rec.scenario, rec.trial, rec.executor, mode)
    trace_id, root_id = _id(16, *key), _id(8, *key, "root")
    common: dict[str, Any] = {
        "pfcbench.executor": rec.executor,
        "pfcbench.scenario": rec.scenario,
        "pfcbench.trial": rec.trial,
    }
    if rec.executor.startswith(REFERENCE_PREFIX):
        common["pfcbench.reference"] = True
    session = rec.session
    turns = list(session.turns) if isinstance(session, ModelSession) else []
    model = (session.price_model if isinstance(session, ModelSession) else "") or rec.model
    parent = _Parent(trace_id, root_id, origin_ns, key, common)
    provider = PROVIDERS.get(rec.model, rec.model)
    children = [_chat_span(t, model, provider, parent) for t in turns]
    children += [_tool_span(c, rec, parent) for c in rec.calls]
    ends = [int(s["endTimeUnixNano"]) for s in children] + [int(_ns(origin_ns, rec.makespan_s))]
    starts = [int(s["startTimeUnixNano"]) for s in children] + [origin_ns]
    root_attrs = {
        **({"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": SCOPE} if turns else {}),
        **common,
        "pfcbench.model": rec.model,
        "pfcbench.mode": mode or None,
        "pfcbench.seed": rec.seed,
        "pfcbench.makespan_ms": rec.makespan_s / rec.time_scale * 1000,
        "pfcbench.lower_bound_ms": rec.lower_bound_s / rec.time_scale * 1000,
        "pfcbench.ideal_ms": rec.ideal_s / rec.time_scale * 1000,
    }
    root = {
        "traceId": trace_id,
        "spanId": root_id,
        "name": f"invoke_agent {SCOPE}" if turns else f"trial {rec.scenario}",
        "kind": 1,
        "startTimeUnixNano": str(min(starts)),
        "endTimeUnixNano": str(max(ends)),
        "attributes": encode_attrs(root_attrs),
        "status": {"code": 0},
    }
    return [root, *children]


def _chat_span(turn: TurnSpan, model: str, provider: str, parent: _Parent) -> dict[str, Any]:
    attrs = {
        "gen_ai.operation.name": CHAT,
        "gen_ai.provider.name": provider,
        "gen_ai.request.model": model,
        "gen_ai.usage.input_tokens": turn.tokens_in,
        "gen_ai.usage.output_tokens": turn.tokens_out,
        REASONING_TOKENS: turn.tokens_thoughts,
        **parent.common,
        "pfcbench.turn": turn.turn,
        "pfcbench.attempts": turn.attempts,
    }
    span = (turn.start_s, turn.end_s)
    return parent.child(f"{CHAT} {model}", ("chat", turn.turn), 3, span, attrs, {"code": 0})


def _tool_span(c: CallRecord, rec: TrialRecord, parent: _Parent) -> dict[str, Any]:
    failed = c.status != "ok"
    attrs = {
        "gen_ai.operation.name": EXECUTE_TOOL,
        "gen_ai.tool.name": c.tool,
        # the model's own id for the call where it gave one (the id a trace of the client would show);
        # the plan's id always under pfcbench.*
        "gen_ai.tool.call.id": c.wire_id or c.id,
        "pfcbench.call_id": c.id,
        "gen_ai.tool.type": "function",
        "error.type": ("429" if c.status == "rate_limited" else c.status) if failed else None,
        **parent.common,
        "pfcbench.planned_latency_ms": c.planned_latency_s / rec.time_scale * 1000,
        "pfcbench.attempts": c.attempts,
        "pfcbench.status": c.status,
        "pfcbench.wait_ms": c.wait_s / rec.time_scale * 1000,
    }
    status: dict[str, Any] = {"code": STATUS_ERROR, "message": c.error or c.status} if failed else {"code": 0}
    return parent.child(f"{EXECUTE_TOOL} {c.tool}", ("call", c.id), 1, (c.start_s, c.end_s), attrs, status)


def otel_document(records: Sequence[TrialRecord], meta: Mapping[str, Any]) -> dict[str, Any]:
    """The ``ExportTraceServiceRequest`` of a run's records."""
    origins = record_origins(records, meta.get("started_at"))
    spans = [s for r, o in zip(records, origins, strict=True) for s in record_spans(r, o)]
    resource = {
        "service.name": SCOPE,
        "pfcbench.run_id": meta.get("run_id") or (records[0].run_id if records else ""),
        "pfcbench.time_scale": records[0].time_scale if records else 1.0,
    }
    version = (meta.get("versions") or {}).get("pfcbench") if isinstance(meta.get("versions"), dict) else None
    scope = {"name": SCOPE, **({"version": str(version)} if version else {})}
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": encode_attrs(resource)},
                "scopeSpans": [{"scope": scope, "spans": spans}],
            }
        ]
    }


def write_otel(run_dir: str | Path) -> Path:
    """Write ``otel.json`` beside results.jsonl (from results.jsonl and run.json only); returns its path."""
    root = Path(run_dir)
    records = read_records(root / "results.jsonl")
    try:
        meta = json.loads((root / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    path = root / "otel.json"
    doc = otel_document(records, meta if isinstance(meta, dict) else {})
    write_text_atomic(path, json.dumps(doc, separators=(",", ":")) + "\n")
    return path
