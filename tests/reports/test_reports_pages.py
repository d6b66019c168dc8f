"""Pages rendered from plain data: the open-loop load summary (load.md)."""

from __future__ import annotations

from typing import Any

from reports import load_summary_markdown


def _q(ms: float) -> dict[str, float]:
    return dict.fromkeys(("p50", "p90", "p99", "p99.9", "max"), ms / 1000)


SUMMARY: dict[str, Any] = {
    "offered_rate_qps": 5.0,
    "duration_s": 10.0,
    "queries": 50,
    "completed": 50,
    "ok": 49,
    "statuses": {"ok": 49, "error": 1},
    "throughput_qps": 4.9,
    "goodput_qps": 4.8,
    "elapsed_s": 10.2,
    "error_rate": 0.02,
    "calls_429": 3,
    "calls": 150,
    "rate_429": 0.02,
    "queries_with_429": 2,
    "late_threshold_s": 0.01,
    "late_starts": 1,
    "latency_trend_s_per_s": 0.1,
    "unloaded_latency_s": {"p50": 0.2, "p99": 0.3},
    "latency_s": _q(250.0),
    "queueing_s": _q(5.0),
    "service_s": _q(245.0),
}


def test_load_summary_markdown_from_a_plain_mapping() -> None:
    """The load page needs only the summary mapping: rates, errors, saturation and the quantile table."""
    md = load_summary_markdown(SUMMARY, "Load: x")
    assert md.startswith("## Load: x\n")
    assert "offered 5 q/s for 10 s: 50 queries" in md and "429s 3 of 150 calls (2.0%)" in md
    assert "latency grows over the run: saturated" in md
    assert "| latency (from intended start) | 250.0 | 250.0 | 250.0 | 250.0 | 250.0 |" in md
    quiet = load_summary_markdown({**SUMMARY, "latency_trend_s_per_s": None, "unloaded_latency_s": None})
    assert "trend" not in quiet and "unloaded" not in quiet
