"""Turn rules on hand-made spans: each model-span convention splits turns, a concurrent sub-agent's model
spans do not split another agent's turn, and an id that is neither hex nor base64 is one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.traces import TraceError, read_trace

MS = 1_000_000


def _span(sid: int, parent: int, name: str, t0: int, t1: int, **attrs: str) -> dict[str, Any]:
    return {
        "traceId": "a" * 32,
        "spanId": f"{sid:016x}",
        **({"parentSpanId": f"{parent:016x}"} if parent else {}),
        "name": name,
        "startTimeUnixNano": str(t0 * MS),
        "endTimeUnixNano": str(t1 * MS),
        "attributes": [{"key": k.replace("_", "."), "value": {"stringValue": v}} for k, v in attrs.items()],
    }


def _tool(sid: int, parent: int, name: str, t0: int, t1: int) -> dict[str, Any]:
    s = _span(sid, parent, f"execute_tool {name}", t0, t1)
    s["attributes"] = [
        {"key": "gen_ai.operation.name", "value": {"stringValue": "execute_tool"}},
        {"key": "gen_ai.tool.name", "value": {"stringValue": name}},
    ]
    return s


def _read(tmp_path: Path, *spans: dict[str, Any], reading: str = "per-parent") -> list[list[str]]:
    p = tmp_path / "t.json"
    p.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": list(spans)}]}]}), encoding="utf-8")
    return [[c.tool for c in t.calls] for t in read_trace([p], reading).turns]


def test_call_llm_spans_split_turns(tmp_path: Path) -> None:
    """ADK's call_llm (no operation name) is a model span: one call after each is its own turn."""
    spans = [
        _span(1, 0, "agent", 0, 100),
        _span(2, 1, "call_llm", 0, 10),
        _tool(3, 1, "a", 11, 20),
        _span(4, 1, "call_llm", 21, 30),
        _tool(5, 1, "b", 31, 40),
    ]
    assert _read(tmp_path, *spans) == [["a"], ["b"]]


def test_concurrent_sub_agents_keep_their_own_turns(tmp_path: Path) -> None:
    """Two sub-agents under one root: each tool belongs to its own agent's model span, not the other's."""
    spans = [
        _span(1, 0, "root", 0, 100),
        _span(2, 1, "agent A", 0, 100),
        _span(3, 1, "agent B", 0, 100),
        _span(4, 2, "chat", 0, 10, gen_ai_operation_name="chat"),
        _span(5, 3, "chat", 0, 12, gen_ai_operation_name="chat"),
        _tool(6, 2, "a1", 11, 40),
        _tool(7, 2, "a2", 15, 40),
        _tool(8, 3, "b1", 13, 30),
    ]
    assert sorted(_read(tmp_path, *spans)) == [["a1", "a2"], ["b1"]]


def test_bookkeeping_and_nested_duplicates(tmp_path: Path) -> None:
    """'(merged tools)' is not a call; a tool span inside a span of the same tool is counted once."""
    merged = _tool(4, 1, "(merged tools)", 30, 31)
    spans = [_span(1, 0, "agent", 0, 100), _tool(2, 1, "a", 10, 30), _tool(3, 2, "a", 11, 29), merged]
    assert _read(tmp_path, *spans) == [["a"]]


@pytest.mark.parametrize("reading", ["per-parent", "per-call"])
def test_serial_calls_without_model_spans_are_ambiguous(tmp_path: Path, reading: str) -> None:
    """Non-overlapping calls under one parent and no model span: one turn or one turn per call, as asked."""
    spans = [_span(1, 0, "agent", 0, 100), _tool(2, 1, "a", 0, 10), _tool(3, 1, "b", 11, 20)]
    want = [["a", "b"]] if reading == "per-parent" else [["a"], ["b"]]
    assert _read(tmp_path, *spans, reading=reading) == want


def test_bad_id_is_one_line(tmp_path: Path) -> None:
    """An id that is neither 16 hex digits nor base64 of 8 bytes is refused naming the field."""
    bad = _tool(2, 1, "a", 0, 10)
    bad["spanId"] = "not-an-id"
    with pytest.raises(TraceError, match="spanId 'not-an-id' is neither 16 hex digits"):
        _read(tmp_path, bad)
