"""Synthetic OTLP JSON traces drawn from known distributions, shaped like an agent framework's: one trace
per session, a root ``invoke_agent`` span, ``chat`` spans for model turns and ``execute_tool`` siblings."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

Draw = Callable[[np.random.Generator], float]

T0_NS = 1_767_225_600 * 10**9  # 2026-01-01


@dataclass(frozen=True)
class GenTool:
    name: str
    draw: Draw  # one latency, ms
    median_ms: float
    p95_ms: float


def lognormal(name: str, median_ms: float, sigma: float) -> GenTool:
    from scipy import stats

    d = stats.lognorm(s=sigma, scale=median_ms)
    return GenTool(
        name, lambda r: float(r.lognormal(np.log(median_ms), sigma)), median_ms, float(d.ppf(0.95))
    )


def gamma(name: str, shape: float, scale_ms: float) -> GenTool:
    from scipy import stats

    d = stats.gamma(a=shape, scale=scale_ms)
    return GenTool(name, lambda r: float(r.gamma(shape, scale_ms)), float(d.median()), float(d.ppf(0.95)))


def _attr(k: str, v: Any) -> dict[str, Any]:
    if isinstance(v, bool):
        return {"key": k, "value": {"boolValue": v}}
    if isinstance(v, int):
        return {"key": k, "value": {"intValue": str(v)}}
    return {"key": k, "value": {"stringValue": str(v)}}


def _span(
    trace: str, sid: str, parent: str, name: str, t0: int, t1: int, attrs: dict[str, Any], err: bool = False
) -> dict[str, Any]:
    return {
        "traceId": trace,
        "spanId": sid,
        "parentSpanId": parent,
        "name": name,
        "startTimeUnixNano": str(t0),
        "endTimeUnixNano": str(t1),
        "attributes": [_attr(k, v) for k, v in attrs.items()],
        "status": {"code": 2 if err else 0},
    }


def make_trace(
    tools: Sequence[GenTool],
    turns: int,
    *,
    seed: int = 1,
    error_rate: float = 0.0,
    sequential: bool = False,
    chat: bool = True,
    turns_per_trace: int = 4,
    shape: Callable[[np.random.Generator], list[int]] | None = None,
) -> tuple[dict[str, Any], list[list[float]]]:
    """An ExportTraceServiceRequest and, per turn, the drawn durations (ms). ``shape`` picks the indices
    of ``tools`` a turn calls (default: every tool once)."""
    rng = np.random.default_rng(seed)
    spans: list[dict[str, Any]] = []
    drawn: list[list[float]] = []
    t = T0_NS
    n = 0
    for k in range(turns):
        if k % turns_per_trace == 0:
            trace, root = f"{k:032x}", f"{k + 1:016x}"
            spans.append(
                _span(trace, root, "", "invoke_agent agent", t, t, {"gen_ai.operation.name": "invoke_agent"})
            )
            root_span = spans[-1]
        if chat:
            n += 1
            spans.append(
                _span(
                    trace, f"c{n:015x}", root, "chat m", t, t + 5_000_000, {"gen_ai.operation.name": "chat"}
                )
            )
            t += 6_000_000
        idx = shape(rng) if shape else list(range(len(tools)))
        durs, start = [], t
        for j, i in enumerate(idx):
            d_ns = round(tools[i].draw(rng) * 1e6)
            err = bool(rng.random() < error_rate)
            n += 1
            attrs = {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": tools[i].name,
                "gen_ai.tool.call.id": f"call_{k}_{j}",
            }
            if err:
                attrs["error.type"] = "ToolError"
            spans.append(
                _span(
                    trace,
                    f"a{n:015x}",
                    root,
                    f"execute_tool {tools[i].name}",
                    start,
                    start + d_ns,
                    attrs,
                    err,
                )
            )
            durs.append(d_ns / 1e6)
            if sequential:
                start += d_ns
            t = max(t, start + d_ns)
        drawn.append(durs)
        t += 1_000_000
        root_span["endTimeUnixNano"] = str(t)
        if chat and (k % turns_per_trace == turns_per_trace - 1 or k == turns - 1):
            n += 1
            spans.append(
                _span(
                    trace, f"c{n:015x}", root, "chat m", t, t + 5_000_000, {"gen_ai.operation.name": "chat"}
                )
            )
            t += 6_000_000
            root_span["endTimeUnixNano"] = str(t)
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_attr("service.name", "agent")]},
                "scopeSpans": [{"scope": {"name": "gen"}, "spans": spans}],
            }
        ]
    }
    return doc, drawn


def write(doc: dict[str, Any], path: Path, *, lines: bool = False) -> Path:
    """One object per file, or (``lines``) each resourceSpans entry as its own line, as the Collector writes."""
    if lines:
        path.write_text("".join(json.dumps({"resourceSpans": [rs]}) + "\n" for rs in doc["resourceSpans"]))
    else:
        path.write_text(json.dumps(doc))
    return path
