"""What a trace shows about the framework that wrote it: a call that blocked an event loop.

A framework that runs a turn's calls concurrently shows overlapping calls in its turns. When, in such a
trace, a turn's first call runs alone and every other call of the turn starts only once it has ended (a
staircase), that call did not yield: a sync tool on an event loop (``time.sleep`` in an ``async`` framework).
A framework that runs calls one after another by design (google-genai's automatic function calling) shows no
overlap anywhere and is not flagged. What production took on such turns includes the block; the replay runs
the calls as their executor would, so the stall is part of the saving it reports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from bench.traces._model import ToolSpan


class Turn(Protocol):
    """A model turn's calls (``bench.traces._turns.Turn``, which calls this module while reading)."""

    @property
    def calls(self) -> tuple[ToolSpan, ...]: ...


#: a later call "could not start" when it starts no earlier than this before the first call's end
_SLACK_NS = 2_000_000


def serial(calls: Sequence[ToolSpan], slack_ns: int = 0) -> bool:
    """No two calls (in start order) overlap by more than ``slack_ns``: each starts no earlier than that
    before every earlier one ended."""
    end = calls[0].span.end_ns
    for c in calls[1:]:
        if c.span.start_ns < end - slack_ns:
            return False
        end = max(end, c.span.end_ns)
    return True


def _overlaps(t: Turn) -> bool:
    return not serial(sorted(t.calls, key=lambda c: c.span.start_ns), _SLACK_NS)


def _blocker(t: Turn) -> int | None:
    """The index of the call every other call of ``t`` waited for, or None."""
    if len(t.calls) < 2:
        return None
    first = min(range(len(t.calls)), key=lambda i: t.calls[i].span.start_ns)
    f = t.calls[first].span
    later = [c.span for i, c in enumerate(t.calls) if i != first]
    if all(s.start_ns >= f.end_ns - _SLACK_NS for s in later) and f.end_ns - f.start_ns > _SLACK_NS:
        return first
    return None


def blocking_notes(turns: Sequence[Turn]) -> list[str]:
    """One line per tool that blocked the loop at the start of turns of a concurrent framework."""
    multi = [t for t in turns if len(t.calls) > 1]
    if not any(_overlaps(t) for t in multi):
        return []  # calls never overlap: one after another by design, not a block
    blocked: Counter[str] = Counter()
    durations: dict[str, list[float]] = {}
    for t in multi:
        i = _blocker(t)
        if i is not None:
            c = t.calls[i]
            blocked[c.tool] += 1
            durations.setdefault(c.tool, []).append(c.duration_ms)
    return [
        f"{tool} blocked the event loop for ~{float(np.median(durations[tool])):,.0f} ms at the start of {n} "
        f"of {len(multi)} turns; the other calls could not start (a sync tool in a framework whose turns "
        "otherwise overlap: make it async or run it in a thread)"
        for tool, n in blocked.most_common()
        if n >= max(2, len(multi) // 4)
    ]
