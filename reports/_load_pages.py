"""Pages of the load commands: the open-loop summary (load.md), rendered from plain data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _ms(v: float | None) -> str:
    return "—" if v is None else f"{v * 1000:.1f}"


def load_summary_markdown(s: Mapping[str, Any], title: str = "Load run") -> str:
    """An open-loop load summary (the mapping ``bench.load.summarize`` returns) as a short markdown block
    (stdout and load.md)."""
    lines = [
        f"## {title}",
        "",
        f"- offered {s['offered_rate_qps']:.3g} q/s for {s['duration_s']:g} s: {s['queries']} queries, "
        f"{s['completed']} completed, {s['ok']} ok; statuses {s['statuses']}",
        f"- throughput {s['throughput_qps']:.3g} q/s (goodput {s['goodput_qps']:.3g} q/s) over "
        f"{s['elapsed_s']:.2f} s",
        f"- errors {s['error_rate']:.1%} of queries; 429s {s['calls_429']} of {s['calls']} calls "
        f"({s['rate_429']:.1%}), in {s['queries_with_429']} queries",
        f"- late starts (queueing > {s['late_threshold_s'] * 1000:g} ms): {s['late_starts']}",
    ]
    trend = s.get("latency_trend_s_per_s")
    if trend is not None:
        verdict = "latency grows over the run: saturated" if trend > 0.05 else "flat"
        lines.append(f"- latency trend {trend * 1000:+.1f} ms per second of run ({verdict})")
    if (base := s.get("unloaded_latency_s")) is not None:
        lines.append(
            f"- unloaded (one query at a time): p50 {_ms(base['p50'])} ms, p99 {_ms(base['p99'])} ms"
        )
    lines += [
        "",
        "| ms | p50 | p90 | p99 | p99.9 | max |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, label in (
        ("latency_s", "latency (from intended start)"),
        ("queueing_s", "queueing (start − intended)"),
        ("service_s", "service (end − start)"),
    ):
        q = s[key]
        lines.append(
            f"| {label} | {_ms(q['p50'])} | {_ms(q['p90'])} | {_ms(q['p99'])} | {_ms(q['p99.9'])} "
            f"| {_ms(q['max'])} |"
        )
    return "\n".join(lines) + "\n"
