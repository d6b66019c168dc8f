"""The span model trace files are read into and written from: a frozen span, and the view of a tool
execution span that fitting and replay need (tool, call id, outcome, duration in document ms)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bench.traces._conventions import GENAI, convention, tool_identity

#: OTLP span status code of an error (``STATUS_CODE_ERROR``)
STATUS_ERROR = 2

EXECUTE_TOOL = "execute_tool"
CHAT = "chat"
OPERATION = "gen_ai.operation.name"
TOOL_NAME = "gen_ai.tool.name"
CALL_ID = "gen_ai.tool.call.id"
ERROR_TYPE = "error.type"
HTTP_STATUS = "http.response.status_code"

#: outcomes of a tool span: the tool answered, failed, or answered 429
OK, ERROR, RATE_LIMITED = "ok", "error", "rate_limited"


@dataclass(frozen=True, slots=True)
class Span:
    """One OTLP span with its attributes decoded; ``resource`` holds its resource's attributes."""

    trace_id: str
    span_id: str
    parent_id: str
    name: str
    start_ns: int
    end_ns: int
    attrs: Mapping[str, Any]
    status_code: int = 0
    resource: Mapping[str, Any] | None = None

    @property
    def operation(self) -> str:
        return str(self.attrs.get(OPERATION, ""))

    @property
    def time_scale(self) -> float:
        """Wall seconds per document second: pfcbench's own traces ran scaled; anyone else's ran at 1."""
        scale = (self.resource or {}).get("pfcbench.time_scale", 1.0)
        return float(scale) if isinstance(scale, int | float) and scale > 0 else 1.0


@dataclass(frozen=True, slots=True)
class ToolSpan:
    """A tool execution: what fitting and replay read of an ``execute_tool`` span."""

    span: Span
    tool: str
    call_id: str
    outcome: str
    #: pfcbench's own spans say how the call ended; a timeout or a retried call is not one latency draw
    usable_latency: bool
    #: the convention the span was read under (``bench.traces._conventions``)
    convention: str = GENAI
    #: False when the span carried no call id and ``call_id`` is its span id
    has_call_id: bool = True

    @property
    def duration_ms(self) -> float:
        """Document milliseconds: wall duration divided by the run's time scale."""
        return (self.span.end_ns - self.span.start_ns) / 1e6 / self.span.time_scale


def tool_span(span: Span) -> ToolSpan | None:
    """The tool view of ``span``, or None when it is not a tool span (GenAI ``execute_tool`` or an
    OpenInference ``TOOL`` span)."""
    ident = tool_identity(span.name, span.attrs)
    if ident is None:
        return None
    a = span.attrs
    if a.get("pfcbench.reference") is True:
        return None  # raw reference runs repeat the same plans outside any executor
    status = a.get("pfcbench.status")
    attempts = a.get("pfcbench.attempts", 1)
    outcome = _outcome(span)
    usable = outcome != RATE_LIMITED and (status is None or status in (OK, ERROR))
    if isinstance(attempts, int) and attempts > 1:
        usable = False
    tool, call_id = ident
    return ToolSpan(
        span, tool, call_id or span.span_id, outcome, usable, convention(span.attrs), bool(call_id)
    )


def _outcome(span: Span) -> str:
    a = span.attrs
    if str(a.get(ERROR_TYPE, "")) == "429" or str(a.get(HTTP_STATUS, "")) == "429":
        return RATE_LIMITED
    if a.get("pfcbench.status") == RATE_LIMITED:
        return RATE_LIMITED
    if span.status_code == STATUS_ERROR or a.get(ERROR_TYPE) not in (None, ""):
        return ERROR
    return OK
