"""Tool spans grouped into model turns.

The calls of one turn are the tool spans under the same parent that start between the end of one ``chat``
span (a sibling under that parent) and the start of the next; with no chat spans, one parent is one turn.
Tool spans that start before the parent's first chat ends form a turn of their own."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.traces._model import CHAT, Span, ToolSpan, tool_span
from bench.traces._otlp import TraceError, read_spans
from bench.traces._writer import printable


@dataclass(frozen=True, slots=True)
class Turn:
    """The tool calls of one model turn, in start order."""

    trace_id: str
    parent_id: str
    calls: tuple[ToolSpan, ...]

    @property
    def shape(self) -> tuple[str, ...]:
        """The turn's tools as a sorted multiset: turns of one shape make the same calls."""
        return tuple(sorted(c.tool for c in self.calls))

    @property
    def start_ns(self) -> int:
        return min(c.span.start_ns for c in self.calls)

    @property
    def recorded_ms(self) -> float:
        """What production took: the first tool start to the last tool end, document ms."""
        end = max(c.span.end_ns for c in self.calls)
        return (end - self.start_ns) / 1e6 / self.calls[0].span.time_scale


def read_tool_spans(paths: Sequence[str | Path]) -> list[Span]:
    """All spans of the files; TraceError when a file holds no tool execution spans at all."""
    spans: list[Span] = []
    for p in paths:
        got = read_spans(p)
        for s in got:
            t = tool_span(s)
            if t is not None and not t.tool:
                raise TraceError(f"{p}: span {s.name!r} ({s.span_id}): execute_tool without gen_ai.tool.name")
            if t is not None and printable(t.tool) != t.tool:
                raise TraceError(
                    f"{p}: span {s.span_id}: tool name {printable(t.tool)!r} holds a control character; "
                    "a tool name must be printable text"
                )
        if not any(tool_span(s) is not None for s in got):
            raise TraceError(
                f"{p}: no tool spans (none has gen_ai.operation.name = execute_tool); {len(got)} spans read"
            )
        spans.extend(got)
    return spans


def group_turns(spans: Sequence[Span]) -> list[Turn]:
    """Turns in order of their first call's start."""
    tools: dict[tuple[str, str], list[ToolSpan]] = defaultdict(list)
    chats: dict[tuple[str, str], list[Span]] = defaultdict(list)
    for s in spans:
        t = tool_span(s)
        if t is not None:
            tools[(s.trace_id, s.parent_id)].append(t)
        elif s.operation == CHAT:
            chats[(s.trace_id, s.parent_id)].append(s)
    turns: list[Turn] = []
    for key, calls in tools.items():
        ends = sorted(c.end_ns for c in chats.get(key, ()))
        by_turn: dict[int, list[ToolSpan]] = defaultdict(list)
        for c in calls:
            # how many chat spans had ended when this call started: the turn it answers
            by_turn[bisect.bisect_right(ends, c.span.start_ns)].append(c)
        for k in sorted(by_turn):
            group = sorted(by_turn[k], key=lambda c: (c.span.start_ns, c.call_id))
            turns.append(Turn(key[0], key[1], tuple(group)))
    turns.sort(key=lambda t: (t.start_ns, t.trace_id))
    return turns
