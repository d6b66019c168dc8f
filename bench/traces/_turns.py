"""Tool spans grouped into model turns, and what the reading found out about the trace.

A model turn is a model-call span (``bench.traces._conventions.is_model``). A tool span belongs to the turn
whose model span ended last before it started, among model spans that are siblings of the tool or of one of
its ancestors (a concurrent sub-agent's model spans hang elsewhere); a model span *enclosing* the tool that
started later wins (google-genai's automatic function calling wraps a whole query in one span). With no model
span at all, one parent is one turn.

Ambiguity: when no model span ended before a turn's calls (they are grouped by an enclosing span or only by
their parent) and the calls never overlap, the trace cannot tell one model answer asking several calls, run
one after another, from one answer per call. ``per-parent`` (the default) reads one turn, ``per-call`` one
turn per call; the reading says which turns were ambiguous so the report can state both readings."""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.traces._conventions import BOOKKEEPING_TOOLS, is_model
from bench.traces._diagnose import blocking_notes, serial
from bench.traces._model import Span, ToolSpan, tool_span
from bench.traces._otlp import TraceError, read_spans
from bench.traces._writer import printable

PER_PARENT, PER_CALL = "per-parent", "per-call"
TURN_READINGS = (PER_PARENT, PER_CALL)
#: ancestors walked per span: a parent cycle in a broken trace must not loop forever
_MAX_DEPTH = 256


@dataclass(frozen=True, slots=True)
class Turn:
    """The tool calls of one model turn, in start order."""

    trace_id: str
    parent_id: str
    calls: tuple[ToolSpan, ...]
    #: no model span bounds these calls and they never overlap: the grouping is one reading of two
    ambiguous: bool = False

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


@dataclass(frozen=True, slots=True)
class Reading:
    """A trace's turns and, one line each, what reading it found (skipped spans, ids, ambiguity)."""

    turns: tuple[Turn, ...]
    notes: tuple[str, ...]
    conventions: tuple[str, ...]
    reading: str = PER_PARENT

    @property
    def ambiguous(self) -> tuple[Turn, ...]:
        return tuple(t for t in self.turns if t.ambiguous)

    def ambiguity(self) -> str | None:
        """Both readings of the ambiguous turns in words, or None when every turn is bounded."""
        amb = self.ambiguous
        if not amb:
            return None
        if self.reading == PER_CALL:
            calls, groups = len(amb), len({(t.trace_id, t.parent_id) for t in amb})
            return (
                f"ambiguous turns: {calls} calls in {groups} groups have no model span between them and never "
                "overlap; read here as one turn per call (--turns per-call: each call waited for a model "
                "answer, so no executor saves anything on them); read as one turn per group "
                "(--turns per-parent), their calls could have run at once"
            )
        calls = sum(len(t.calls) for t in amb)
        total = sum(sum(c.duration_ms for c in t.calls) for t in amb)
        longest = sum(max(c.duration_ms for c in t.calls) for t in amb)
        return (
            f"ambiguous turns: in {len(amb)} of {len(self.turns)} turns ({calls} calls) no model span lies "
            "between the calls and they never overlap. Read as one turn each (--turns per-parent, used here), "
            f"running their calls at once could save up to {total / longest:.2f}x of their tool time "
            f"({total:,.0f} ms summed, {longest:,.0f} ms longest); read as one turn per call (--turns "
            "per-call: each call waited for a model answer), no executor saves anything on them (1.00x)"
        )

    def lines(self) -> list[str]:
        """Every note, the ambiguity last, and the convention(s) read."""
        amb = self.ambiguity()
        return [*self.notes, *([amb] if amb else []), f"convention(s) read: {', '.join(self.conventions)}"]


def read_tool_spans(paths: Sequence[str | Path], notes: list[str] | None = None) -> list[Span]:
    """All spans of the files; TraceError when a file holds no tool execution spans at all."""
    spans: list[Span] = []
    for p in paths:
        got = read_spans(p, notes)
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
                f"{p}: no tool spans (none has gen_ai.operation.name = execute_tool or "
                f"openinference.span.kind = TOOL); {len(got)} spans read"
            )
        spans.extend(got)
    return spans


def read_trace(paths: Sequence[str | Path], reading: str = PER_PARENT) -> Reading:
    """The turns of the trace files under ``reading`` (raises TraceError for bad input)."""
    notes: list[str] = []
    spans = read_tool_spans(paths, notes)
    turns = group_turns(spans, reading, notes)
    notes += blocking_notes(turns)
    conventions = tuple(sorted({c.convention for t in turns for c in t.calls}))
    return Reading(tuple(turns), tuple(notes), conventions, reading)


class _Tree:
    """Parent links of one file set: ancestors of a span, model spans by parent (sorted by end)."""

    def __init__(self, spans: Sequence[Span]) -> None:
        self.by_id = {(s.trace_id, s.span_id): s for s in spans}
        models: dict[tuple[str, str], list[Span]] = defaultdict(list)
        for s in spans:
            if is_model(s.name, s.attrs):
                models[(s.trace_id, s.parent_id)].append(s)
        self.models = {k: sorted(v, key=lambda s: s.end_ns) for k, v in models.items()}
        self.ends = {k: [s.end_ns for s in v] for k, v in self.models.items()}

    def ancestors(self, s: Span) -> list[Span]:
        out: list[Span] = []
        cur = self.by_id.get((s.trace_id, s.parent_id))
        while cur is not None and len(out) < _MAX_DEPTH:
            out.append(cur)
            cur = self.by_id.get((cur.trace_id, cur.parent_id))
        return out

    def turn_key(self, s: Span, ancestors: Sequence[Span]) -> tuple[str, str, bool]:
        """(trace, the turn's anchor, bounded): bounded when a model span ended before ``s`` started."""
        best: Span | None = None
        for pid in [s.parent_id, *(a.parent_id for a in ancestors)]:
            ends = self.ends.get((s.trace_id, pid))
            if not ends:
                continue
            i = bisect.bisect_right(ends, s.start_ns)
            if i and (best is None or ends[i - 1] > best.end_ns):
                best = self.models[(s.trace_id, pid)][i - 1]
        enclosing = next((a for a in ancestors if is_model(a.name, a.attrs)), None)
        if enclosing is not None and (best is None or enclosing.start_ns > best.end_ns):
            return s.trace_id, "in:" + enclosing.span_id, False
        if best is not None:
            return s.trace_id, "after:" + best.span_id, True
        return s.trace_id, "parent:" + s.parent_id, False


def _duplicate(t: ToolSpan, ancestors: Sequence[Span]) -> bool:
    """A tool span nested inside a span of the same tool and call (an instrumentation wrapping it twice)."""
    for a in ancestors:
        outer = tool_span(a)
        if outer is not None and outer.tool == t.tool and outer.call_id == t.call_id:
            return True
        if outer is not None and outer.tool == t.tool and not (outer.has_call_id or t.has_call_id):
            return True
    return False


def group_turns(
    spans: Sequence[Span], reading: str = PER_PARENT, notes: list[str] | None = None
) -> list[Turn]:
    """Turns in order of their first call's start; lines about skipped spans go to ``notes``."""
    tree = _Tree(spans)
    groups: dict[tuple[str, str, bool], list[ToolSpan]] = defaultdict(list)
    skipped: Counter[str] = Counter()
    nested: Counter[str] = Counter()
    for s in spans:
        t = tool_span(s)
        if t is None:
            continue
        if t.tool in BOOKKEEPING_TOOLS:
            skipped[t.tool] += 1
            continue
        ancestors = tree.ancestors(s)
        if _duplicate(t, ancestors):
            nested[t.tool] += 1
            continue
        groups[tree.turn_key(s, ancestors)].append(t)
    turns: list[Turn] = []
    for (trace, _anchor, bounded), calls in groups.items():
        calls.sort(key=lambda c: (c.span.start_ns, c.call_id))
        parent = calls[0].span.parent_id
        ambiguous = not bounded and len(calls) > 1 and serial(calls)
        if ambiguous and reading == PER_CALL:
            turns += [Turn(trace, parent, (c,), True) for c in calls]
        else:
            turns.append(Turn(trace, parent, tuple(calls), ambiguous))
    turns.sort(key=lambda t: (t.start_ns, t.trace_id))
    if notes is not None:
        notes += _notes(turns, skipped, nested)
    return turns


def _notes(turns: Sequence[Turn], skipped: Counter[str], nested: Counter[str]) -> list[str]:
    out = [
        f"skipped {n} '{tool}' span(s): {BOOKKEEPING_TOOLS[tool]}, not a tool call"
        for tool, n in skipped.items()
    ]
    if nested:
        shown = ", ".join(f"{tool} {n}" for tool, n in nested.most_common())
        out.append(
            f"warning: {sum(nested.values())} tool span(s) nested inside a span of the same tool and call were "
            f"counted once ({shown}): the instrumentation wraps each tool more than once (instrumented twice, or "
            "a reused tracer or config)"
        )
    no_id = sum(1 for t in turns for c in t.calls if not c.has_call_id)
    if no_id:
        out.append(f"{no_id} tool span(s) carry no call id; their span id stands in for it")
    return out
