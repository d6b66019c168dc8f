"""Per-tool figures (``tools.csv`` and the report's tools section): each tool's call durations per scenario
× executor, and how much slower it runs under an executor than alone (under ``sequential``, same run).

A turn's makespan hides a tool that slows down when it is not on the critical path: a pure-Python tool
that takes 43 ms alone and 74 ms beside three others (the GIL) barely moves an executor's median. Locust
shows a per-endpoint table for the same reason.

Intervals are distribution-free (order statistics): a median's needs 6 calls, a p95's 59; the ratio's
is the union bound of both medians' (``quantile_ratio_ci``), valid however the two samples are related.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reports import _fmt as f
from reports._intervals import CI, NO_CI, median_ci, p95_ci, quantile_ratio_ci
from reports._schema import TrialRecord

#: a tool whose median call is this many times its median alone is named in a finding
SLOWER_THAN_ALONE = 1.2

TOOL_COLUMNS = (
    "scenario", "executor", "tool", "source", "n",
    "p50_ms", "p50_ci_low", "p50_ci_high", "p95_ms", "p95_ci_low", "p95_ci_high",
    "ratio_vs_alone", "ratio_ci_low", "ratio_ci_high", "expected_ms",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ToolRow:
    """One tool's calls under one executor in one scenario (ok calls only: a failure's time is not the
    tool's work), in document ms; ``ratio`` is its p50 over the same tool's p50 under the baseline."""

    scenario: str
    executor: str
    tool: str
    source: str
    durations: tuple[float, ...]
    ratio: float = math.nan
    ratio_ci: CI = NO_CI
    #: median of the tool's declared latency over these calls (real tools only: what the user expected)
    expected_ms: float = math.nan

    @property
    def n(self) -> int:
        return len(self.durations)

    @property
    def p50(self) -> float:
        return float(np.median(self.durations)) if self.durations else math.nan

    @property
    def p95(self) -> float:
        return float(np.quantile(self.durations, 0.95)) if self.durations else math.nan


def tool_rows(records: Iterable[TrialRecord], baseline: str = "sequential") -> list[ToolRow]:
    """Every (scenario, executor, tool) of ``records``, in the order first seen."""
    spans: dict[tuple[str, str, str], list[float]] = {}
    expected: dict[tuple[str, str, str], list[float]] = {}
    sources: dict[tuple[str, str, str], str] = {}
    for r in records:
        scale = 1000.0 / r.time_scale
        for c in r.calls:
            if c.status != "ok":
                continue
            key = (r.scenario, r.executor, c.tool)
            spans.setdefault(key, []).append((c.end_s - c.start_s) * scale)
            sources[key] = c.source
            if c.expected_latency_s is not None:
                expected.setdefault(key, []).append(c.expected_latency_s * scale)
    rows = []
    for key, d in spans.items():
        alone = spans.get((key[0], baseline, key[2]))
        a = np.asarray(d, dtype=np.float64)
        ratio, ci = math.nan, NO_CI
        if alone is not None:
            b = np.asarray(alone, dtype=np.float64)
            ratio = float(np.median(a) / np.median(b)) if np.median(b) > 0 else math.nan
            ci = quantile_ratio_ci(a, b, 0.5)
        exp = expected.get(key)
        rows.append(
            ToolRow(*key, sources[key], tuple(d), ratio, ci, float(np.median(exp)) if exp else math.nan)
        )
    return rows


def tools_frame(rows: Sequence[ToolRow]) -> pd.DataFrame:
    """``tools.csv``: one row per scenario × executor × tool."""
    out = []
    for t in rows:
        a = np.asarray(t.durations, dtype=np.float64)
        m, p = median_ci(a), p95_ci(a)
        out.append(
            (t.scenario, t.executor, t.tool, t.source, t.n, t.p50, m.low, m.high, t.p95, p.low, p.high,
             t.ratio, t.ratio_ci.low, t.ratio_ci.high, t.expected_ms)
        )  # fmt: skip
    return pd.DataFrame(out, columns=list(TOOL_COLUMNS))


def _why(source: str) -> str:
    if source == "python":
        return (
            "CPU-bound Python holds the GIL, so calls beside it wait their turn; a shared lock or connection "
            "pool in the function does the same"
        )
    if source == "http":
        return "a client connection pool too small for the concurrency, or a server that slows under load"
    return "a simulated tool only sleeps its plan: the machine's timers or scheduler under load"


def slow_tool_findings(rows: Sequence[ToolRow], baseline: str = "sequential") -> list[str]:
    """One line per tool that runs at least ``SLOWER_THAN_ALONE`` times slower under an executor than alone."""
    out = []
    for t in rows:
        if t.executor == baseline or not (t.ratio >= SLOWER_THAN_ALONE):
            continue
        sure = "its CI excludes 1" if t.ratio_ci.excludes(1.0) else "its CI still includes 1"
        out.append(
            f"`{t.scenario}`: tool `{t.tool}` runs {t.ratio:.2f}× {f.ci(t.ratio_ci, 'x')} slower under "
            f"`{t.executor}` than alone under `{baseline}` (median {f.ms(t.p50)} ms; {sure}). It may be: "
            f"{_why(t.source)}."
        )
    return out


def _expected(t: ToolRow) -> str:
    if not math.isfinite(t.expected_ms):
        return "–"
    return f"you expected {f.ms(t.expected_ms)} ms, it took {f.ms(t.p50)}"


def tools_section(
    rows: Sequence[ToolRow], scenarios: Sequence[str], baseline: str = "sequential"
) -> list[str]:
    """The report's tools section for ``scenarios`` (those with real tools: a simulated tool's duration is
    its plan), or nothing."""
    mine = [t for t in rows if t.scenario in scenarios]
    if not mine:
        return []
    md = [
        "## Tools: each call's duration, alone and under each executor",
        "",
        f"Per tool, the calls that succeeded (document ms). *× alone* is the tool's median under the executor "
        f"over its median under `{baseline}` in the same run, with a distribution-free 95% CI; a tool "
        f"{SLOWER_THAN_ALONE:.1f}× or more slower than alone is named below. All tools: `tools.csv`.",
        "",
    ]
    md += f.table_head(
        "Scenario | Executor | Tool | n | p50 [95% CI] | p95 [95% CI] | × alone [95% CI] | Expected"
    )
    for t in mine:
        a = np.asarray(t.durations, dtype=np.float64)
        md.append(
            f"| `{t.scenario}` | `{t.executor}` | `{t.tool}` ({t.source}) | {t.n} | {f.ms(t.p50)} "
            f"{f.ci(median_ci(a))} | {f.ms(t.p95)} {f.ci(p95_ci(a))} | {f.x(t.ratio)} {f.ci(t.ratio_ci, 'x')} | "
            f"{_expected(t)} |"
        )
    slow = slow_tool_findings(mine, baseline)
    md += [
        "",
        *(f"- {s}" for s in slow or [f"No tool runs {SLOWER_THAN_ALONE:.1f}× or more slower than alone."]),
        "",
    ]
    return md
