"""Summary statistics with distribution-free confidence intervals, paired speedups and pyperf-style warnings.

Every interval comes from ``reports._intervals``: medians, p95s, the median paired speedup and the median
efficiency get order-statistic intervals, which need no random numbers, so a report rendered twice prints
the same figures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reports._intervals import CI, FloatArray, median_ci, p95_ci

BASELINE = "sequential"

#: thresholds of the warnings (pyperf-like): named so the report can print them
CI_REL_HALF_WIDTH = 0.05
MIN_TRIALS = 10
TIMER_RESOLUTION_MS = 1.0
IQR_OVER_MEDIAN = 0.5
MAX_OVER_MEDIAN = 3.0


def paired_speedups(trials: pd.DataFrame, baseline: str = BASELINE) -> pd.DataFrame:
    """Per (scenario, trial, executor): baseline makespan / executor makespan in the SAME trial.

    Pairing removes the trial-to-trial variation of the planned latencies, which both executors share.
    Columns: scenario, trial, executor, speedup. Empty when the baseline is absent.
    """
    cols = ["scenario", "trial", "executor", "speedup"]
    if trials.empty or baseline not in set(trials["executor"]):
        return pd.DataFrame(columns=cols)
    base = trials.loc[trials["executor"] == baseline, ["scenario", "trial", "makespan_ms"]]
    base = base.rename(columns={"makespan_ms": "base_ms"})
    merged = trials[["scenario", "trial", "executor", "makespan_ms"]].merge(base, on=["scenario", "trial"])
    merged = merged[merged["makespan_ms"] > 0]
    merged = merged.assign(speedup=merged["base_ms"] / merged["makespan_ms"])
    return merged[cols].reset_index(drop=True)


@dataclass(frozen=True)
class ExecutorStats:
    """Makespan statistics (document ms) of one executor in one scenario."""

    scenario: str
    executor: str
    n: int
    median: float
    mean: float
    p90: float
    p95: float
    p99: float
    max: float
    std: float
    iqr: float
    median_ci: CI
    p95_ci: CI
    #: medians over trials of lower_bound/measured (with its CI), measured-ideal, measured/ideal
    efficiency: float
    efficiency_ci: CI
    overhead_ms: float
    overhead_ratio: float
    ideal_median: float
    #: paired speedup vs the baseline in the same trial; NaN when there is no baseline
    speedup_median: float
    speedup_ci: CI
    n_errors: int
    n_trials_with_errors: int
    min_wall_ms: float
    #: call starts over the scenario's quota, summed over trials
    quota_violations: int = 0
    #: attempts the server refused with a 429, summed over trials (an adaptive executor's retried ones too)
    n_429: int = 0


SUMMARY_COLUMNS = [
    "scenario",
    "executor",
    "n",
    "median_ms",
    "median_ci_low",
    "median_ci_high",
    "p95_ms",
    "p95_ci_low",
    "p95_ci_high",
    "p90_ms",
    "p99_ms",
    "mean_ms",
    "max_ms",
    "std_ms",
    "iqr_ms",
    "ideal_median_ms",
    "efficiency",
    "efficiency_ci_low",
    "efficiency_ci_high",
    "overhead_ms",
    "overhead_ratio",
    "speedup_median",
    "speedup_ci_low",
    "speedup_ci_high",
    "ci_method",
    "n_errors",
    "quota_violations",
    "n_429",
]


@dataclass(frozen=True)
class StatWarning:
    """One reason not to trust a number too much."""

    scenario: str
    executor: str
    kind: str
    message: str


def _q(x: FloatArray, q: float) -> float:
    return float(np.percentile(x, q)) if x.size else math.nan


def summarize(trials: pd.DataFrame, *, baseline: str = BASELINE) -> list[ExecutorStats]:
    """Statistics per (scenario, executor), in the order they first appear in the data.

    Pass executor rows only (``RunData.trials``): raw references have no place in a speedup table."""
    if trials.empty:
        return []
    speed = paired_speedups(trials, baseline)
    # one grouping instead of a boolean mask over the string columns per executor (the masks cost more)
    speeds = {k: g.to_numpy(dtype=np.float64) for k, g in speed.groupby(["scenario", "executor"])["speedup"]}
    out: list[ExecutorStats] = []
    for (scenario, executor), g in trials.groupby(["scenario", "executor"], sort=False):
        sc, ex = str(scenario), str(executor)
        x = g["makespan_ms"].to_numpy(dtype=np.float64)
        spx = speeds.get((scenario, executor), np.empty(0))
        out.append(
            ExecutorStats(
                scenario=sc,
                executor=ex,
                n=int(x.size),
                median=_q(x, 50),
                mean=float(np.mean(x)),
                p90=_q(x, 90),
                p95=_q(x, 95),
                p99=_q(x, 99),
                max=float(np.max(x)),
                std=float(np.std(x, ddof=1)) if x.size > 1 else math.nan,
                iqr=_q(x, 75) - _q(x, 25),
                median_ci=median_ci(x),
                p95_ci=p95_ci(x),
                efficiency=float(g["efficiency"].median()),
                efficiency_ci=median_ci(g["efficiency"].to_numpy(dtype=np.float64)),
                overhead_ms=float(g["overhead_ms"].median()),
                overhead_ratio=float(g["overhead_ratio"].median()),
                ideal_median=float(g["ideal_ms"].median()),
                speedup_median=_q(spx, 50),
                speedup_ci=median_ci(spx),
                n_errors=int(g["n_errors"].sum()),
                n_trials_with_errors=int((g["n_errors"] > 0).sum()),
                min_wall_ms=float(g["makespan_wall_ms"].min()),
                quota_violations=int(g["quota_violations"].sum()) if "quota_violations" in g else 0,
                n_429=int(g["n_429"].sum()) if "n_429" in g else 0,
            )
        )
    return out


def stats_frame(summary: Sequence[ExecutorStats]) -> pd.DataFrame:
    """The summary as a flat frame (one row per scenario x executor), the shape of summary.csv."""
    rows: list[dict[str, object]] = []
    for s in summary:
        rows.append(
            {
                "scenario": s.scenario,
                "executor": s.executor,
                "n": s.n,
                "median_ms": s.median,
                "median_ci_low": s.median_ci.low,
                "median_ci_high": s.median_ci.high,
                "p95_ms": s.p95,
                "p95_ci_low": s.p95_ci.low,
                "p95_ci_high": s.p95_ci.high,
                "p90_ms": s.p90,
                "p99_ms": s.p99,
                "mean_ms": s.mean,
                "max_ms": s.max,
                "std_ms": s.std,
                "iqr_ms": s.iqr,
                "ideal_median_ms": s.ideal_median,
                "efficiency": s.efficiency,
                "efficiency_ci_low": s.efficiency_ci.low,
                "efficiency_ci_high": s.efficiency_ci.high,
                "overhead_ms": s.overhead_ms,
                "overhead_ratio": s.overhead_ratio,
                "speedup_median": s.speedup_median,
                "speedup_ci_low": s.speedup_ci.low,
                "speedup_ci_high": s.speedup_ci.high,
                "ci_method": s.median_ci.method,
                "n_errors": s.n_errors,
                "quota_violations": s.quota_violations,
                "n_429": s.n_429,
            }
        )
    # Fixed columns: an empty run still gets a CSV header, and the rows cannot drift from it.
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def check_warnings(summary: Sequence[ExecutorStats]) -> list[StatWarning]:
    """pyperf-style reasons for doubt: unstable, too few, too fast to time, too spread, failing."""
    out: list[StatWarning] = []

    def warn(s: ExecutorStats, kind: str, msg: str) -> None:
        out.append(StatWarning(s.scenario, s.executor, kind, msg))

    for s in summary:
        if s.n < MIN_TRIALS:
            warn(
                s,
                "few-trials",
                f"only {s.n} trial(s); at least {MIN_TRIALS} are needed for stable percentiles and intervals",
            )
        if s.median > 0 and math.isfinite(s.median_ci.half_width):
            rel = s.median_ci.half_width / s.median
            if rel > CI_REL_HALF_WIDTH:
                warn(
                    s,
                    "unstable",
                    f"95% CI half-width of the median is {rel:.1%} of the median "
                    f"(> {CI_REL_HALF_WIDTH:.0%}); run more trials or a quieter machine",
                )
        if s.min_wall_ms < TIMER_RESOLUTION_MS:
            warn(
                s,
                "timer-resolution",
                f"fastest makespan is {s.min_wall_ms:.3f} ms wall, near timer and "
                "scheduler resolution; raise time_scale",
            )
        if s.median > 0:
            if s.iqr / s.median > IQR_OVER_MEDIAN:
                warn(s, "spread", f"IQR is {s.iqr / s.median:.0%} of the median (> {IQR_OVER_MEDIAN:.0%})")
            if s.max > MAX_OVER_MEDIAN * s.median:
                warn(s, "outlier", f"max is {s.max / s.median:.1f}x the median (> {MAX_OVER_MEDIAN:g}x)")
        if s.n_errors:
            warn(
                s,
                "failed-calls",
                f"{s.n_errors} failed call(s) in {s.n_trials_with_errors} of {s.n} "
                "trial(s); makespans of failing trials are not comparable",
            )
        if s.quota_violations:
            warn(
                s,
                "quota-exceeded",
                f"{s.quota_violations} call start(s) broke the scenario's quota; "
                "a real provider would have rejected them",
            )
    return out
