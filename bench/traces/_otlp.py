"""OTLP JSON files in: one ``ExportTraceServiceRequest`` per file, or one per line (the Collector's file
exporter). Anything else is refused with one line naming the file and what is wrong (``TraceError``).

Also the attribute encoding both ways (``{key, value: {stringValue | intValue | ...}}``)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from bench.traces._model import Span
from bench.traces._size import check_trace_size, too_big
from reports import parse_json


class TraceError(ValueError):
    """A trace file that cannot be used; the message is one line naming the file."""


def decode_value(v: Any) -> Any:
    """An OTLP ``AnyValue`` -> a Python value (ints arrive as strings in OTLP JSON)."""
    if not isinstance(v, dict) or not v:
        return None
    kind, x = next(iter(v.items()))
    if kind == "intValue":
        try:
            return int(x)
        except (TypeError, ValueError):
            return None
    if kind == "doubleValue":
        return float(x) if isinstance(x, int | float | str) else None
    if kind == "arrayValue" and isinstance(x, dict):
        return [decode_value(e) for e in x.get("values") or []]
    if kind == "kvlistValue" and isinstance(x, dict):
        return decode_attrs(x.get("values"))
    return x


def decode_attrs(items: Any) -> dict[str, Any]:
    if not isinstance(items, list):
        return {}
    return {str(a["key"]): decode_value(a.get("value")) for a in items if isinstance(a, dict) and "key" in a}


def encode_value(v: Any) -> dict[str, Any]:
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, list | tuple):
        return {"arrayValue": {"values": [encode_value(e) for e in v]}}
    return {"stringValue": str(v)}


def encode_attrs(attrs: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": encode_value(v)} for k, v in attrs.items() if v is not None]


#: bytes of a trace id and a span id: OTLP/JSON writes them as 32 and 16 hex digits
_ID_BYTES = {"traceId": 16, "spanId": 8, "parentSpanId": 8}


def _trace_id(where: str, name: str, key: str, v: Any, decoded: list[str]) -> str:
    """An id as lowercase hex. OTLP/JSON writes hex; protobuf's own JSON mapping (``MessageToJson``, the usual
    route from the SDK's encoder) writes base64, which is decoded and noted in ``decoded``."""
    n = _ID_BYTES[key]
    if isinstance(v, str) and re.fullmatch(f"[0-9a-fA-F]{{{2 * n}}}", v):
        return v.lower()
    if isinstance(v, str):
        try:
            raw = base64.b64decode(v, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) == n:
            decoded.append(key)
            return raw.hex()
    raise TraceError(
        f"{where}: span {name!r}: {key} {str(v)[:40]!r} is neither {2 * n} hex digits (OTLP/JSON) "
        f"nor base64 of {n} bytes (protobuf JSON)"
    )


def read_spans(path: str | Path, notes: list[str] | None = None) -> list[Span]:
    """Every span of one OTLP JSON file; raises TraceError (one line) for anything unusable. A line about
    how the file was read (base64 ids decoded) is appended to ``notes``."""
    p = Path(path)
    try:
        check_trace_size(p)
    except ValueError as exc:
        raise TraceError(str(exc)) from None
    try:
        return _read_spans(p, notes)
    except MemoryError:
        raise TraceError(too_big(p)) from None


def _read_spans(p: Path, notes: list[str] | None) -> list[Span]:
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise TraceError(f"{p}: not UTF-8 text; expected OTLP JSON") from None
    except OSError as exc:
        raise TraceError(f"{p}: cannot read: {exc.strerror or exc}") from None
    spans: list[Span] = []
    decoded: list[str] = []
    for where, obj in _documents(p, text):
        if not isinstance(obj, dict) or not isinstance(obj.get("resourceSpans"), list):
            raise TraceError(f"{where}: not OTLP JSON: expected an object with a 'resourceSpans' list")
        for rs in obj["resourceSpans"]:
            resource = decode_attrs(((rs or {}).get("resource") or {}).get("attributes"))
            for ss in (rs or {}).get("scopeSpans") or []:
                for raw in (ss or {}).get("spans") or []:
                    spans.append(_span(where, raw, resource, decoded))
    if decoded and notes is not None:
        notes.append(
            f"{p.name}: ids are base64 (protobuf's JSON mapping, e.g. MessageToJson); decoded to hex as "
            "OTLP/JSON writes them"
        )
    return spans


def _documents(p: Path, text: str) -> Iterator[tuple[str, Any]]:
    if not text.strip():
        raise TraceError(f"{p}: empty file; expected OTLP JSON")
    try:
        yield str(p), json.loads(text)
        return
    except json.JSONDecodeError:
        pass
    for i, line in enumerate(text.splitlines(), 1):
        if line.strip():
            hint = "; expected OTLP JSON, one object per line"
            yield f"{p}:{i}", parse_json(line, f"{p}:{i}", TraceError, hint=hint)


def _span(where: str, raw: Any, resource: Mapping[str, Any], decoded: list[str]) -> Span:
    if not isinstance(raw, dict):
        raise TraceError(f"{where}: a span must be an object, got {type(raw).__name__}")
    name = str(raw.get("name", "?"))
    for k in ("traceId", "spanId"):
        if not isinstance(raw.get(k), str) or not raw[k]:
            raise TraceError(f"{where}: span {name!r}: {k} missing or not a string")
    ids = {
        k: _trace_id(where, name, k, raw[k], decoded) if raw.get(k) else ""
        for k in ("traceId", "spanId", "parentSpanId")
    }
    start, end = _nanos(where, name, raw, "startTimeUnixNano"), _nanos(where, name, raw, "endTimeUnixNano")
    if end < start:
        raise TraceError(
            f"{where}: span {name!r} ({ids['spanId']}): negative duration (ends before it starts)"
        )
    status = raw.get("status") or {}
    code = status.get("code", 0) if isinstance(status, dict) else 0
    return Span(
        trace_id=ids["traceId"],
        span_id=ids["spanId"],
        parent_id=ids["parentSpanId"],
        name=name,
        start_ns=start,
        end_ns=end,
        attrs=decode_attrs(raw.get("attributes")),
        status_code=2 if code in (2, "STATUS_CODE_ERROR") else (1 if code in (1, "STATUS_CODE_OK") else 0),
        resource=resource,
    )


def _nanos(where: str, name: str, raw: dict[str, Any], key: str) -> int:
    v = raw.get(key)
    if isinstance(v, bool) or not isinstance(v, int | str):
        raise TraceError(f"{where}: span {name!r}: {key} missing or not integer nanoseconds")
    try:
        n = int(v)
    except ValueError:
        raise TraceError(f"{where}: span {name!r}: {key} {v!r} is not integer nanoseconds") from None
    if n < 0:
        raise TraceError(f"{where}: span {name!r}: {key} is negative")
    return n
