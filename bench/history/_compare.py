"""Candidate vs baseline trials of one cell through the one comparison function of compare and gate.

The ONE adapter between the store and ``reports``' comparison: makespans go through the gate's own
``reports.find_regressions`` over ``reports.compare_cells``, the function ``pfcbench compare`` and
``pfcbench gate --baseline`` judge with (the paired per-trial ratio bootstrap, or the unpaired ratio of
medians when the trials do not pair; each cell's resamples from its own seeded stream; a regression when
the whole CI lies above 1 + tolerance); nothing else in this wing compares two commits. Implementation cost
across machines is near 0, so it is compared as a difference of medians (document ms) with reports'
distribution-free interval, never as a ratio."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from reports import MIN_TEST_TRIALS, RegressionPolicy, TrialRecord, find_regressions, quantile_difference_ci


@dataclass(frozen=True, slots=True)
class StoredTrial:
    """One stored trial, as much of a record as a comparison needs."""

    run_key: str
    scenario: str
    executor: str
    trial: int
    seed: int
    time_scale: float
    makespan_ms: float
    impl_cost_ms: float | None


@dataclass(frozen=True, slots=True)
class Comparison:
    scenario: str
    executor: str
    #: "paired"/"unpaired" ratio of makespans, or "difference" of implementation cost (document ms)
    mode: str
    n_base: int
    n_cand: int
    value: float
    low: float
    high: float
    #: the change as a fraction of the baseline's makespan (what the tolerance is compared with)
    fraction: float
    regressed: bool
    tested: bool


def _records(trials: Sequence[StoredTrial]) -> list[Any]:
    """TrialRecords for the gate; trials of several runs are numbered apart, so they never pair."""
    runs = {k: i for i, k in enumerate(dict.fromkeys(t.run_key for t in trials))}
    several = len(runs) > 1
    return [
        TrialRecord(
            run_id=t.run_key,
            scenario=t.scenario,
            executor=t.executor,
            trial=runs[t.run_key] * 1_000_000 + t.trial if several else t.trial,
            seed=t.seed,
            time_scale=t.time_scale,
            makespan_s=t.makespan_ms * t.time_scale / 1000,
            lower_bound_s=0.0,
            ideal_s=0.0,
            calls=(),
        )
        for t in trials
    ]


def compare_makespans(
    base: Sequence[StoredTrial], cand: Sequence[StoredTrial], policy: RegressionPolicy
) -> list[Comparison]:
    """Per cell in both: the gate's comparison of makespans (its function, its rule). Stored trials carry
    no calls, so no real tool gets a cell of its own here."""
    return [
        Comparison(
            r.scenario,
            r.executor,
            r.mode,
            r.n_base,
            r.n_cand,
            r.ratio,
            r.ci_low,
            r.ci_high,
            r.ratio - 1,
            r.regressed,
            r.tested,
        )
        for r in find_regressions(_records(base), _records(cand), policy)
        if not r.tool
    ]


def compare_floor(
    base: Sequence[StoredTrial], cand: Sequence[StoredTrial], *, tolerance: float, confidence: float
) -> list[Comparison]:
    """Per cell in both: median implementation cost, candidate − baseline, in document ms; a regression
    when its interval lies above 0 and it exceeds ``tolerance`` x the baseline's median makespan."""
    out = []
    cells = dict.fromkeys((t.scenario, t.executor) for t in cand if t.impl_cost_ms is not None)
    for sc, ex in cells:
        b = [t for t in base if (t.scenario, t.executor) == (sc, ex) and t.impl_cost_ms is not None]
        c = [t for t in cand if (t.scenario, t.executor) == (sc, ex) and t.impl_cost_ms is not None]
        if not b:
            continue
        bi = np.array([t.impl_cost_ms for t in b], dtype=np.float64)
        ci_ = np.array([t.impl_cost_ms for t in c], dtype=np.float64)
        diff = float(np.median(ci_) - np.median(bi))
        ci = quantile_difference_ci(ci_, bi, 0.5, confidence)
        ref = float(np.median([t.makespan_ms for t in b]))
        fraction = diff / ref if ref else math.nan
        # the gate's minimum: below it nothing is declared significant
        tested = ci.defined and min(len(b), len(c)) >= MIN_TEST_TRIALS
        out.append(
            Comparison(
                sc,
                ex,
                "difference",
                len(b),
                len(c),
                diff,
                ci.low,
                ci.high,
                fraction,
                tested and ci.low > 0 and fraction > tolerance,
                tested,
            )
        )
    return out
