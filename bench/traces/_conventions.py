"""The one table of names: how each tracing convention marks a tool span, its call id, a model turn and an
error, and which spans are a framework's bookkeeping. Every name says where it comes from.

| pfcbench       | OpenTelemetry GenAI                              | OpenInference                                  |
|----------------|--------------------------------------------------|------------------------------------------------|
| tool span      | ``gen_ai.operation.name = execute_tool``         | ``openinference.span.kind = TOOL``             |
| tool name      | ``gen_ai.tool.name``                             | ``tool.name`` (else the span's name)           |
| call id        | ``gen_ai.tool.call.id``                          | ``tool_call.id``, else ``id``/``call_id`` in   |
|                |                                                  | ``output.value`` or ``input.value`` (JSON)     |
| model turn     | an operation in ``MODEL_OPERATIONS``, or a span  | ``openinference.span.kind = LLM``              |
|                | name in ``MODEL_SPAN_NAMES``                     |                                                |
| error          | status ERROR, or ``error.type`` (``429``)        | status ERROR                                   |

A tool span without a call id stands in with its span id (one note says so)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

GENAI = "OpenTelemetry GenAI"
OPENINFERENCE = "OpenInference"

#: ``gen_ai.operation.name`` values that are one model call (a model turn), and where each is defined
MODEL_OPERATIONS: Mapping[str, str] = {
    "chat": "GenAI semantic conventions (chat completion APIs; pfcbench's own otel.json)",
    "generate_content": "GenAI semantic conventions (Gemini; Google ADK's and google-genai's model spans)",
    "text_completion": "GenAI semantic conventions (legacy completion APIs)",
}
#: span names that are a framework's model call where no operation name is set
MODEL_SPAN_NAMES: Mapping[str, str] = {
    "call_llm": "Google ADK (its model span under its newer span schema, without gen_ai.operation.name)",
}
#: tool names a framework writes for spans that are not a tool call
BOOKKEEPING_TOOLS: Mapping[str, str] = {
    "(merged tools)": "Google ADK: one extra execute_tool span per parallel turn that merges the results",
}

OI_KIND = "openinference.span.kind"
OI_TOOL_NAME = "tool.name"
OI_CALL_ID = "tool_call.id"
_OI_PAYLOADS = ("output.value", "input.value")
_PAYLOAD_ID_KEYS = ("tool_call_id", "call_id", "id")


def convention(attrs: Mapping[str, Any]) -> str:
    return OPENINFERENCE if OI_KIND in attrs else GENAI


def is_model(name: str, attrs: Mapping[str, Any]) -> bool:
    """A span that is one model call: the turn boundary."""
    if str(attrs.get(OI_KIND, "")).upper() == "LLM":
        return True
    op = attrs.get("gen_ai.operation.name")
    return str(op) in MODEL_OPERATIONS if op else name in MODEL_SPAN_NAMES


def tool_identity(name: str, attrs: Mapping[str, Any]) -> tuple[str, str] | None:
    """(tool name, call id or "") of a tool span under either convention; None for any other span."""
    if str(attrs.get(OI_KIND, "")).upper() == "TOOL":
        tool = str(attrs.get(OI_TOOL_NAME) or name)
        return tool, str(attrs.get(OI_CALL_ID) or _payload_id(attrs))
    if attrs.get("gen_ai.operation.name") == "execute_tool":
        return str(attrs.get("gen_ai.tool.name", "")), str(attrs.get("gen_ai.tool.call.id") or "")
    return None


def _payload_id(attrs: Mapping[str, Any]) -> str:
    """The call id a tool's output or input carries (OpenInference records them as JSON text)."""
    for key in _OI_PAYLOADS:
        text = attrs.get(key)
        if not isinstance(text, str) or not text.lstrip().startswith("{"):
            continue
        try:
            obj = json.loads(text)
        except ValueError:
            continue
        if isinstance(obj, dict):
            for k in _PAYLOAD_ID_KEYS:
                if isinstance(obj.get(k), str) and obj[k]:
                    return str(obj[k])
    return ""
