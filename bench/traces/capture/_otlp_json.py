"""Finished OpenTelemetry SDK spans -> an OTLP JSON ``ExportTraceServiceRequest`` with hex ids, as the
OTLP/JSON encoding asks (protobuf's own ``MessageToJson`` writes base64 ids, which OTLP/JSON receivers and
``check_otel.py`` refuse). ``ids="base64"`` writes protobuf's mapping instead, for tests of readers."""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from bench.traces._otlp import encode_attrs


def _id(n: int, width: int, ids: str) -> str:
    if ids == "base64":
        return base64.b64encode(n.to_bytes(width, "big")).decode("ascii")
    return f"{n:0{width * 2}x}"


def span_json(span: Any, ids: str = "hex") -> dict[str, Any]:
    """One ``ReadableSpan`` as an OTLP JSON span object."""
    ctx = span.context
    parent = span.parent.span_id if span.parent is not None else 0
    status = span.status
    code = {"UNSET": 0, "OK": 1, "ERROR": 2}.get(status.status_code.name, 0)
    out: dict[str, Any] = {
        "traceId": _id(ctx.trace_id, 16, ids),
        "spanId": _id(ctx.span_id, 8, ids),
        "name": span.name,
        "kind": int(span.kind.value) + 1,  # the SDK's SpanKind counts from INTERNAL = 0; OTLP from 1
        "startTimeUnixNano": str(span.start_time),
        "endTimeUnixNano": str(span.end_time),
        "attributes": encode_attrs(dict(span.attributes or {})),
        "status": {"code": code, **({"message": status.description} if status.description else {})},
    }
    if parent:
        out["parentSpanId"] = _id(parent, 8, ids)
    return out


def otlp_document(spans: Iterable[Any], ids: str = "hex") -> dict[str, Any]:
    """Spans grouped by resource and instrumentation scope, as an OTLP exporter sends them."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    resources: dict[tuple[Any, ...], dict[str, Any]] = {}
    for s in spans:
        res = dict(s.resource.attributes) if s.resource is not None else {}
        scope = s.instrumentation_scope
        key = (
            tuple(sorted((k, str(v)) for k, v in res.items())),
            scope.name if scope else "",
            scope.version if scope else "",
        )
        resources[key] = res
        groups[key].append(span_json(s, ids))
    by_resource: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for key, spans_ in groups.items():
        scope = {"name": key[1], **({"version": key[2]} if key[2] else {})}
        by_resource[key[0]].append({"scope": scope, "spans": spans_})
    return {
        "resourceSpans": [
            {"resource": {"attributes": encode_attrs(dict(res_key))}, "scopeSpans": scopes}
            for res_key, scopes in by_resource.items()
        ]
    }
