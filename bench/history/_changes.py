"""Change points in one cell's series: where a step began, how large it is (with an interval), and drifts
made of steps each within the tolerance.

Detection is PELT (Killick et al. 2012) with an L1 cost on the per-commit values: the cost of a segment is
the sum of absolute deviations from its median, i.e. a Laplace likelihood with one scale for the series.
That scale comes from the series itself (the median absolute second difference), so the noise between
commits — different seeds, a busier runner — sets how large a step must be, not the much smaller spread of
trials within one run. The penalty per change is :data:`PENALTY_PER_LOG_N` x BIC's 2 ln n (a level and a
position per step) in -2 log-likelihood units, and a level holds for at least :data:`MIN_SEGMENT` commits.

Each change point is then given an interval: the segments' levels (medians of their commits' values) are
bootstrapped by resampling commits (a segment of fewer than :data:`OWN_SPREAD` commits: its trials too).
One whose interval includes no change is dropped, the least clear first, and the segments re-joined. A step
is a regression when the interval lies above 0 and the step exceeds the tolerance — the gate's rule — and a
run of smaller steps in one direction whose total does is a drift. docs/history.md gives the figures that
chose these settings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.history._series import FloatArray, Series, statistic

PENALTY_PER_LOG_N = 2.0
RESAMPLES = 2000
#: of a step's interval: the gate's default
CONFIDENCE = 0.99
#: segments of at least this many commits are resampled by commit only
OWN_SPREAD = 3
#: a level holds for at least this many commits: one slow commit alone is an outlier to the history (a
#: busy runner), and the candidate's own commit is what ``check --against`` judges
MIN_SEGMENT = 2


def _sad(x: FloatArray) -> float:
    return float(np.abs(x - np.median(x)).sum()) if x.size else 0.0


def noise_scale(values: FloatArray) -> float:
    """The Laplace scale of the series' noise, robust to steps and ramps: from second differences (a
    step spoils two of them, a median ignores them; a steady drift has none, so it does not pass for
    noise). Never 0, so identical values do not divide by zero."""
    floor = max(float(np.median(np.abs(values))) * 1e-4, 1e-9)  # timer resolution, not a real zero spread
    if values.size < 4:
        return floor
    d2 = np.abs(np.diff(values, n=2))
    sigma = 1.4826 * float(np.median(d2)) / math.sqrt(6)
    return max(sigma, floor) / math.sqrt(2)


def pelt(values: FloatArray, penalty: float, scale: float, min_size: int = 1) -> list[int]:
    """Indices where a new segment starts: optimal under the penalized L1 cost with segments of at least
    ``min_size`` values (PELT's pruning keeps it near linear)."""
    n = values.size
    best = np.full(n + 1, np.inf)
    best[0] = -penalty
    last = np.zeros(n + 1, dtype=int)
    candidates = [0]
    for t in range(1, n + 1):
        ready = [s for s in candidates if t - s >= min_size]
        if ready:
            costs = [best[s] + 2 * _sad(values[s:t]) / scale + penalty for s in ready]
            i = int(np.argmin(costs))
            best[t], last[t] = costs[i], ready[i]
            # a start that cannot beat the best even before the penalty never will later (PELT)
            dropped = {s for s, c in zip(ready, costs, strict=True) if c - penalty > best[t]}
            candidates = [s for s in candidates if s not in dropped]
            candidates.append(t)
    if not math.isfinite(best[n]):
        return []
    cps, t = [], n
    while t > 0:
        t = int(last[t])
        if t > 0:
            cps.append(t)
    return sorted(cps)


@dataclass(frozen=True, slots=True)
class Step:
    """A change of level starting at commit ``index`` (0-based position in the series)."""

    index: int
    commit: str
    before: float
    after: float
    #: relative (after/before − 1) for makespans; document ms for implementation cost
    size: float
    low: float
    high: float
    #: the step as a fraction of the makespan before it (what the tolerance is compared with)
    fraction: float
    kind: str  # "regression", "improvement", "small"


@dataclass(frozen=True, slots=True)
class Drift:
    start: int
    end: int
    first_commit: str
    last_commit: str
    steps: int
    size: float
    low: float
    high: float
    fraction: float


@dataclass(frozen=True, slots=True)
class Changes:
    series: Series
    steps: tuple[Step, ...]
    drifts: tuple[Drift, ...]
    tolerance: float

    @property
    def regressed(self) -> bool:
        return any(s.kind == "regression" for s in self.steps) or any(d.size > 0 for d in self.drifts)


def _commit_stats(series: Series, idx: Sequence[int], rng: np.random.Generator, b: int) -> FloatArray:
    """(b, len(idx)): each commit's metric over its trials resampled with replacement."""
    cols = []
    for i in idx:
        x = np.asarray(series.points[i].trials, dtype=np.float64)
        cols.append(statistic(series.metric, x[rng.integers(0, x.size, (b, x.size))]))
    return np.stack(cols, axis=1)


def _level_draws(series: Series, lo: int, hi: int, rng: np.random.Generator, b: int) -> FloatArray:
    """Bootstrap draws of a segment's level (the median of its commits' values). Commits are resampled as
    they are: each value already carries its run's own noise, and resampling trials too would count that
    noise twice (Davison & Hinkley 1997, sec. 3.8). A segment of fewer than :data:`OWN_SPREAD` commits has
    too few to show their spread, so its commits' trials are resampled as well."""
    if hi - lo >= OWN_SPREAD:
        stats = np.array([[p.value for p in series.points[lo:hi]]], dtype=np.float64).repeat(b, axis=0)
    else:
        stats = _commit_stats(series, range(lo, hi), rng, b)
    pick = rng.integers(0, hi - lo, (b, hi - lo))
    return np.asarray(np.median(np.take_along_axis(stats, pick, axis=1), axis=1), dtype=np.float64)


def _level(series: Series, lo: int, hi: int) -> float:
    return float(np.median([p.value for p in series.points[lo:hi]]))


def _compare(
    series: Series, a: tuple[int, int], c: tuple[int, int], conf: float, seed: int
) -> tuple[float, ...]:
    """(before, after, size, low, high, fraction) between segments ``a`` and ``c`` (index ranges)."""
    rng = np.random.default_rng([seed, a[0], c[0], c[1]])
    before, after = _level(series, *a), _level(series, *c)
    da, dc = _level_draws(series, *a, rng, RESAMPLES), _level_draws(series, *c, rng, RESAMPLES)
    ref = float(np.median([p.makespan for p in series.points[a[0] : a[1]]]))
    if series.relative:
        size, draws = after / before - 1 if before else math.nan, dc / da - 1
        fraction = size
    else:
        size, draws = after - before, dc - da
        fraction = size / ref if ref else math.nan
    alpha = (1 - conf) / 2
    low, high = (float(v) for v in np.quantile(draws, [alpha, 1 - alpha]))
    return before, after, size, low, high, fraction


def _steps(series: Series, cps: list[int], tol: float, conf: float, seed: int) -> list[Step]:
    bounds = [0, *cps, len(series.points)]
    out = []
    for j, cp in enumerate(cps):
        before, after, size, low, high, frac = _compare(
            series, (bounds[j], cp), (cp, bounds[j + 2]), conf, seed
        )
        significant = low > 0 or high < 0
        kind = (
            ""
            if not significant
            else "regression"
            if frac > tol and low > 0
            else ("improvement" if frac < -tol and high < 0 else "small")
        )
        out.append(Step(cp, series.points[cp].commit, before, after, size, low, high, frac, kind))
    return out


def detect(series: Series, *, tolerance: float, confidence: float = CONFIDENCE, seed: int = 0) -> Changes:
    """Steps and drifts of one series; change points without a significant step are dropped, one at a
    time (the least clear first), and the neighbours re-measured."""
    values = np.array([p.value for p in series.points], dtype=np.float64)
    n = values.size
    penalty = PENALTY_PER_LOG_N * 2 * math.log(max(n, 2))
    cps = pelt(values, penalty, noise_scale(values), MIN_SEGMENT) if n >= 2 * MIN_SEGMENT else []
    steps = _steps(series, cps, tolerance, confidence, seed)
    while any(not s.kind for s in steps):
        weakest = min((s for s in steps if not s.kind), key=lambda s: min(abs(s.low), abs(s.high)))
        cps.remove(weakest.index)
        steps = _steps(series, cps, tolerance, confidence, seed)
    return Changes(
        series, tuple(steps), tuple(_drifts(series, steps, tolerance, confidence, seed)), tolerance
    )


def _drifts(series: Series, steps: list[Step], tol: float, conf: float, seed: int) -> list[Drift]:
    """Runs of at least two consecutive small steps in one direction whose total exceeds the tolerance."""
    out: list[Drift] = []
    bounds = [0, *(s.index for s in steps), len(series.points)]
    j = 0
    while j < len(steps):
        k = j
        while (
            k + 1 < len(steps)
            and steps[k + 1].kind == "small"
            and np.sign(steps[k + 1].size) == np.sign(steps[j].size)
        ):
            k += 1
        if steps[j].kind == "small" and k > j:
            _, _, size, low, high, frac = _compare(
                series, (bounds[j], bounds[j + 1]), (bounds[k + 1], bounds[k + 2]), conf, seed
            )
            if abs(frac) > tol and (low > 0 or high < 0):
                out.append(
                    Drift(
                        steps[j].index,
                        steps[k].index,
                        steps[j].commit,
                        steps[k].commit,
                        k - j + 1,
                        size,
                        low,
                        high,
                        frac,
                    )
                )
        j = k + 1
    return out
