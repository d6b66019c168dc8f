"""Which executor is fastest in a scenario — and where the intervals cannot tell, which are tied.

The comparison is paired: every executor of a trial ran the same plan, so the per-trial ratio
other / best cancels the plan's variation, and its median gets an order-statistic interval. An executor
is slower than the best only when that whole interval lies above 1; otherwise the two are tied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reports._intervals import CI, median_ci
from reports._stats import ExecutorStats


@dataclass(frozen=True, slots=True)
class Ranking:
    """The fastest executor of a scenario and those the intervals cannot separate from it."""

    scenario: str
    best: ExecutorStats
    #: executors tied with the best: the CI of their paired median ratio to it includes 1 (or is undefined)
    tied: tuple[str, ...]
    #: paired median ratio executor / best with its CI, for every other candidate
    ratios: tuple[tuple[str, float, CI], ...]

    @property
    def separated(self) -> bool:
        return not self.tied


#: the share of an executor's trials that may hold a failed call or an over-quota start while it still
#: counts as clean: on a loaded machine an exact limiter's admitted call can be paused long enough for the
#: server to see it inside the window (a rare 429), which says nothing about the strategy
CLEAN_TRIAL_SHARE = 0.02


def is_clean(s: ExecutorStats) -> bool:
    """No failed calls and no over-quota starts in more than :data:`CLEAN_TRIAL_SHARE` of the trials."""
    limit = CLEAN_TRIAL_SHARE * s.n
    return s.n_trials_with_errors <= limit and s.quota_violations <= limit


def best_of(stats: Sequence[ExecutorStats], baseline: str) -> ExecutorStats | None:
    """The fastest non-baseline executor by median, preferring clean ones (:func:`is_clean`): an executor
    that is fast because it breaks the quota or drops calls is not the document's "parallel"."""
    cands = [s for s in stats if s.executor != baseline]
    clean = [s for s in cands if is_clean(s)]
    pool = clean or cands
    return min(pool, key=lambda s: s.median) if pool else None


def _paired_ratio(g: pd.DataFrame, ex: str, best: str) -> tuple[float, CI]:
    a = g.loc[g["executor"] == ex, ["trial", "makespan_ms"]]
    b = g.loc[g["executor"] == best, ["trial", "makespan_ms"]]
    m = a.merge(b, on="trial", suffixes=("", "_best"))
    m = m[m["makespan_ms_best"] > 0]
    r = (m["makespan_ms"] / m["makespan_ms_best"]).to_numpy(dtype=np.float64)
    return (float(np.median(r)) if r.size else float("nan")), median_ci(r)


def rank(trials: pd.DataFrame, stats: Sequence[ExecutorStats], baseline: str) -> dict[str, Ranking]:
    """Per scenario: the fastest clean executor and the clean executors tied with it."""
    out: dict[str, Ranking] = {}
    for sc in dict.fromkeys(s.scenario for s in stats):
        mine = [s for s in stats if s.scenario == sc]
        best = best_of(mine, baseline)
        if best is None:
            continue
        g = trials[trials["scenario"] == sc]
        clean = is_clean(best)
        others = [s for s in mine if s is not best and s.executor != baseline and (not clean or is_clean(s))]
        ratios = tuple((s.executor, *_paired_ratio(g, s.executor, best.executor)) for s in others)
        tied = tuple(ex for ex, _, ci in ratios if not (ci.defined and ci.low > 1.0))
        out[sc] = Ranking(sc, best, tied, ratios)
    return out
