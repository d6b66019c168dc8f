"""Pages of the load commands, rendered from plain data: the open-loop summary (load.md), the sweep of
rates (sweep.md) and the in-process vs HTTP comparison (http-compare.md)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


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


def saturation_qps(points: Sequence[Mapping[str, Any]]) -> float | None:
    """The first rate whose p99 is over twice the lowest rate's, or with more than 5% errors."""
    base = points[0]["latency_s"]["p99"] or 0.0
    for p in points:
        if (p["latency_s"]["p99"] or math.inf) > 2 * base or p["error_rate"] > 0.05:
            return float(p["offered_rate_qps"])
    return None


def sweep_markdown(points: Sequence[Mapping[str, Any]], knee: float | None) -> str:
    lines = [
        "## Sweep: latency vs offered load",
        "",
        "| offered q/s | throughput q/s | p50 ms | p99 ms | max ms | queueing p99 ms | errors | 429 calls | trend ms/s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in points:
        lat, qu = p["latency_s"], p["queueing_s"]
        trend = p["latency_trend_s_per_s"]
        lines.append(
            f"| {p['offered_rate_qps']:.3g} | {p['throughput_qps']:.3g} | {(lat['p50'] or 0) * 1000:.1f} "
            f"| {(lat['p99'] or 0) * 1000:.1f} | {(lat['max'] or 0) * 1000:.1f} | {(qu['p99'] or 0) * 1000:.1f} "
            f"| {p['error_rate']:.1%} | {p['rate_429']:.1%} | {'—' if trend is None else f'{trend * 1000:+.1f}'} |"
        )
    lines.append("")
    lines.append(
        f"Saturation (first rate where p99 > 2x the lowest rate's p99, or > 5% errors): "
        f"{'not reached' if knee is None else f'{knee:.3g} q/s'}."
    )
    return "\n".join(lines) + "\n"


def http_compare_markdown(
    rows: Sequence[Mapping[str, Any]], executors: Sequence[str], title: str
) -> tuple[str, list[dict[str, Any]]]:
    """http-compare.md under ``title``, and its summary table (medians and the paired difference per
    executor): ``rows`` hold one makespan per (trial, executor, transport)."""
    lines = [
        f"## {title}",
        "",
        "Same plans (seed, trial) on both sides; the difference is what the network stack costs. Times are "
        "wall milliseconds, as measured (divide by the time scale for document ms).",
        "",
        "| executor | in-process median (wall ms) | HTTP median (wall ms) | paired diff median (wall ms) "
        "| calls 429 (in-proc / HTTP) |",
        "|---|---:|---:|---:|---:|",
    ]
    table = []
    for label in executors:
        mine = [r for r in rows if r["executor"] == label]
        ip = {r["trial"]: r for r in mine if r["transport"] == "inprocess"}
        hp = {r["trial"]: r for r in mine if r["transport"] == "http"}
        diffs = [hp[t]["makespan_s"] - ip[t]["makespan_s"] for t in ip]
        m_ip = float(np.median([r["makespan_s"] for r in ip.values()]))
        m_hp = float(np.median([r["makespan_s"] for r in hp.values()]))
        d = float(np.median(diffs))
        q_ip = sum(r["rate_limited"] for r in ip.values())
        q_hp = sum(r["rate_limited"] for r in hp.values())
        table.append(
            {"executor": label, "inprocess_median_s": m_ip, "http_median_s": m_hp, "diff_median_s": d}
        )
        lines.append(
            f"| {label} | {m_ip * 1000:.1f} | {m_hp * 1000:.1f} | {d * 1000:+.2f} | {q_ip} / {q_hp} |"
        )
    return "\n".join(lines) + "\n", table
