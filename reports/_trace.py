"""Chrome trace-event JSON of the representative trials, for Perfetto or chrome://tracing.

One process per scenario, one thread (track) per executor, one complete event ("ph": "X") per call and
one per limiter wait. Timestamps are document time in microseconds, relative to each record's origin, so
tracks of one scenario line up at 0 and compare directly.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import pandas as pd


def trace_events(
    calls: pd.DataFrame,
    reps: Mapping[tuple[str, str], int],
    scenarios: Sequence[str],
    executors: Sequence[str],
) -> dict[str, Any]:
    """The trace document: ``{"traceEvents": [...], "displayTimeUnit": "ms", "otherData": {...}}``."""
    events: list[dict[str, Any]] = []
    for pid, sc in enumerate(scenarios, 1):
        events.append({"name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": {"name": sc}})
        for tid, ex in enumerate(executors, 1):
            trial = reps.get((sc, ex))
            if trial is None:
                continue
            g = calls[(calls["scenario"] == sc) & (calls["executor"] == ex) & (calls["trial"] == trial)]
            if g.empty:
                continue
            track = {"pid": pid, "tid": tid}
            events.append(
                {"name": "thread_name", "ph": "M", **track, "args": {"name": f"{ex} (trial {trial})"}}
            )
            events.append({"name": "thread_sort_index", "ph": "M", **track, "args": {"sort_index": tid}})
            for c in g.to_dict("records"):
                events += _call_events(c, track)
    return {
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {
            "unit": "document time (wall seconds / time_scale)",
            "content": "representative trial (makespan closest to the median) per executor",
        },
    }


def _call_events(c: Mapping[Hashable, Any], track: Mapping[str, int]) -> list[dict[str, Any]]:
    """One call's complete events: its limiter wait (if any), then the call itself."""
    out: list[dict[str, Any]] = []
    start_us = float(c["rel_start_ms"]) * 1000.0
    wait_us = float(c["wait_ms"]) * 1000.0
    cid, tool, failed = str(c["call_id"]), str(c["tool"]), bool(c["failed"])
    if wait_us > 0:
        out.append(
            {"name": f"wait {cid}", "cat": "limiter", "ph": "X", **track, "ts": start_us - wait_us}
            | {"dur": wait_us, "cname": "grey"}
        )
    args: dict[str, Any] = {
        "tool": tool,
        "status": str(c["status"]),
        "attempts": int(c["attempts"]),
        "planned_ms": float(c["planned_ms"]),
    }
    if isinstance(c["error"], str):
        args["error"] = c["error"]
    event: dict[str, Any] = {
        "name": f"{cid} {tool}",
        "cat": "failed" if failed else "call",
        "ph": "X",
        **track,
        "ts": start_us,
        "dur": max(float(c["duration_ms"]) * 1000.0, 0.0),
        "args": args,
    }
    if failed:
        # a reserved trace-viewer colour name: failed calls stand out in red
        event["cname"] = "terrible"
    out.append(event)
    return out
