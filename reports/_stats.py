"""Summary statistics with bootstrap confidence intervals, paired speedups and pyperf-style warnings.

Reproducibility: every bootstrap draws from a ``numpy.random.Generator`` seeded from the caller's seed and
the (scenario, executor, statistic) it describes, so one report rendered twice prints the same intervals
and adding a scenario does not shift the intervals of the others.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats as sps

BASELINE = "sequential"
CONFIDENCE = 0.95
DEFAULT_RESAMPLES = 4999

#: thresholds of the warnings (pyperf-like): named so the report can print them
CI_REL_HALF_WIDTH = 0.05
MIN_TRIALS = 10
TIMER_RESOLUTION_MS = 1.0
IQR_OVER_MEDIAN = 0.5
MAX_OVER_MEDIAN = 3.0

FloatArray = npt.NDArray[np.float64]
Statistic = Callable[..., FloatArray]


@dataclass(frozen=True)
class CI:
    """A confidence interval. ``method`` says how it was obtained: BCa, percentile, degenerate, n/a."""

    low: float
    high: float
    method: str

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2.0

    def excludes(self, value: float) -> bool:
        return not math.isnan(self.low) and (value < self.low or value > self.high)


def _median(x: FloatArray, axis: int = -1) -> FloatArray:
    return np.asarray(np.median(x, axis=axis), dtype=np.float64)


def _p95(x: FloatArray, axis: int = -1) -> FloatArray:
    return np.asarray(np.percentile(x, 95, axis=axis), dtype=np.float64)


def _ratio_of_medians(a: FloatArray, b: FloatArray, axis: int = -1) -> FloatArray:
    return np.asarray(np.median(a, axis=axis) / np.median(b, axis=axis), dtype=np.float64)


def make_rng(seed: int, *key: object) -> np.random.Generator:
    """A generator seeded from the run seed and a key, stable across Python processes (no ``hash()``)."""
    digest = hashlib.sha256(repr((seed, *key)).encode()).digest()
    return np.random.default_rng([seed & 0xFFFFFFFF, int.from_bytes(digest[:8], "little")])


def bootstrap_ci(
    samples: Sequence[FloatArray],
    statistic: Statistic,
    rng: np.random.Generator,
    n_resamples: int = DEFAULT_RESAMPLES,
    confidence: float = CONFIDENCE,
) -> CI:
    """BCa bootstrap CI of ``statistic`` over one or more independent samples; never raises on odd data.

    BCa needs a jackknife with some spread: with constant data it warns (DegenerateDataWarning) and
    returns NaN, so that case is caught and retried with the percentile method. One observation per
    sample has no sampling distribution at all: the interval is NaN and says ``n/a``.
    """
    arrays = [np.asarray(s, dtype=np.float64) for s in samples]
    arrays = [a[np.isfinite(a)] for a in arrays]
    if any(a.size < 2 for a in arrays):
        return CI(math.nan, math.nan, "n/a")
    if all(np.ptp(a) == 0 for a in arrays):
        # Every resample gives the same value: the interval is that point, no need to ask scipy.
        point = float(statistic(*arrays))
        return CI(point, point, "degenerate")
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", sps.DegenerateDataWarning)
            # BCa's bias correction divides by zero on near-constant jackknife values; that is the
            # same failure as the degenerate warning and gets the same fallback.
            warnings.simplefilter("error", RuntimeWarning)
            try:
                res = sps.bootstrap(
                    tuple(arrays),
                    statistic,
                    n_resamples=n_resamples,
                    vectorized=True,
                    confidence_level=confidence,
                    method=method,
                    rng=rng,
                )
            except (sps.DegenerateDataWarning, RuntimeWarning, ValueError):
                continue
        low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
        if math.isfinite(low) and math.isfinite(high):
            return CI(low, high, method)
    return CI(math.nan, math.nan, "n/a")


def median_ci(x: FloatArray, rng: np.random.Generator, n_resamples: int = DEFAULT_RESAMPLES) -> CI:
    return bootstrap_ci([x], _median, rng, n_resamples)


def p95_ci(x: FloatArray, rng: np.random.Generator, n_resamples: int = DEFAULT_RESAMPLES) -> CI:
    return bootstrap_ci([x], _p95, rng, n_resamples)


def ratio_of_medians_ci(
    new: FloatArray, base: FloatArray, rng: np.random.Generator, n_resamples: int = DEFAULT_RESAMPLES
) -> CI:
    """CI of median(new) / median(base) for two independent samples (two-sample bootstrap)."""
    return bootstrap_ci([new, base], _ratio_of_medians, rng, n_resamples)


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
    #: medians over trials of lower_bound/measured, measured-ideal, measured/ideal
    efficiency: float
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
    "overhead_ms",
    "overhead_ratio",
    "speedup_median",
    "speedup_ci_low",
    "speedup_ci_high",
    "ci_method",
    "n_errors",
    "quota_violations",
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


def summarize(
    trials: pd.DataFrame, *, seed: int = 0, n_resamples: int = DEFAULT_RESAMPLES, baseline: str = BASELINE
) -> list[ExecutorStats]:
    """Statistics per (scenario, executor), in the order they first appear in the data."""
    if trials.empty:
        return []
    speed = paired_speedups(trials, baseline)
    out: list[ExecutorStats] = []
    for (scenario, executor), g in trials.groupby(["scenario", "executor"], sort=False):
        sc, ex = str(scenario), str(executor)
        x = g["makespan_ms"].to_numpy(dtype=np.float64)
        sp = speed.loc[(speed["scenario"] == sc) & (speed["executor"] == ex), "speedup"]
        spx = sp.to_numpy(dtype=np.float64)
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
                median_ci=median_ci(x, make_rng(seed, sc, ex, "median"), n_resamples),
                p95_ci=p95_ci(x, make_rng(seed, sc, ex, "p95"), n_resamples),
                efficiency=float(g["efficiency"].median()),
                overhead_ms=float(g["overhead_ms"].median()),
                overhead_ratio=float(g["overhead_ratio"].median()),
                ideal_median=float(g["ideal_ms"].median()),
                speedup_median=_q(spx, 50),
                speedup_ci=median_ci(spx, make_rng(seed, sc, ex, "speedup"), n_resamples),
                n_errors=int(g["n_errors"].sum()),
                n_trials_with_errors=int((g["n_errors"] > 0).sum()),
                min_wall_ms=float(g["makespan_wall_ms"].min()),
                quota_violations=int(g["quota_violations"].sum()) if "quota_violations" in g else 0,
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
                "overhead_ms": s.overhead_ms,
                "overhead_ratio": s.overhead_ratio,
                "speedup_median": s.speedup_median,
                "speedup_ci_low": s.speedup_ci.low,
                "speedup_ci_high": s.speedup_ci.high,
                "ci_method": s.median_ci.method,
                "n_errors": s.n_errors,
                "quota_violations": s.quota_violations,
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
