"""Frames and statistics: unit conversion, paired speedups, bootstrap edge cases, warnings."""

from __future__ import annotations

import math
import statistics
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports import (
    check_warnings,
    load_run,
    median_ci,
    paired_speedups,
    ratio_of_quantiles_ci,
    summarize,
    trials_frame,
)
from reports._frames import quota_violations, representative_trials, split_label
from reports._intervals import bootstrap_ci, make_rng, p95_ci
from reports._theory import Quota


def test_frames_convert_to_document_ms(fixed_run: Path, gen: Any) -> None:
    """makespan_ms is seconds / time_scale * 1000, i.e. the hand-chosen document numbers come back."""
    data = load_run(fixed_run)
    t = data.trials
    row = t[(t["executor"] == "threaded") & (t["trial"] == 2)].iloc[0]
    lat = gen.FIXED_LAT[2]
    assert math.isclose(row["makespan_ms"], max(lat) + gen.FIXED_OVERHEAD["threaded"] + 2)
    assert math.isclose(row["lower_bound_ms"], max(lat))
    assert math.isclose(row["efficiency"], max(lat) / row["makespan_ms"])
    assert math.isclose(row["overhead_ms"], gen.FIXED_OVERHEAD["threaded"] + 2)
    assert len(data.calls) == 5 * 3 * 3
    assert data.calls["rel_start_ms"].min() == pytest.approx(0.0)


def test_summary_matches_independent_computation(fixed_run: Path, gen: Any) -> None:
    """Medians, paired speedups and efficiencies equal what the standard library computes."""
    t = load_run(fixed_run).trials
    stats = {s.executor: s for s in summarize(t)}
    mk: dict[str, list[float]] = {}
    for trial, lat in gen.FIXED_LAT.items():
        mk.setdefault("sequential", []).append(sum(lat) + gen.FIXED_OVERHEAD["sequential"] + trial)
        for ex in ("threaded", "asyncio"):
            mk.setdefault(ex, []).append(max(lat) + gen.FIXED_OVERHEAD[ex] + trial)
    for ex, values in mk.items():
        assert stats[ex].median == pytest.approx(statistics.median(values))
        assert stats[ex].mean == pytest.approx(statistics.fmean(values))
        speed = [b / v for b, v in zip(mk["sequential"], values, strict=True)]
        assert stats[ex].speedup_median == pytest.approx(statistics.median(speed))
        eff = [max(lat) / v for lat, v in zip(gen.FIXED_LAT.values(), values, strict=True)]
        assert stats[ex].efficiency == pytest.approx(statistics.median(eff))
        # 5 trials: too few for a distribution-free 95% interval of the median (6 needed), so none
        assert not stats[ex].median_ci.defined and stats[ex].median_ci.needed == 6


def test_paired_speedup_uses_same_trial(gen: Any) -> None:
    """Speedup pairs the baseline and executor of the same trial, not medians of different trials."""
    recs = [
        gen.make_record("s", "sequential", 0, [100, 100], [0, 100]),
        gen.make_record("s", "threaded", 0, [100, 100], [0, 0]),
        gen.make_record("s", "sequential", 1, [300, 300], [0, 300]),
        gen.make_record("s", "threaded", 1, [300, 300], [0, 0]),
    ]
    sp = paired_speedups(trials_frame(recs))
    assert sorted(sp.loc[sp["executor"] == "threaded", "speedup"]) == pytest.approx([2.0, 2.0])


def test_ci_degenerate_cases_do_not_crash() -> None:
    """n=1, constant data, near-constant data and NaNs give an interval or none, never an exception."""
    rng = make_rng(0, "t")
    one = median_ci(np.array([5.0]))
    assert one.method == "n/a" and math.isnan(one.low) and one.needed == 6
    const = median_ci(np.full(20, 3.0))
    assert (const.low, const.high, const.method) == (3.0, 3.0, "degenerate")
    near = p95_ci(np.array([5.0] * 69 + [6.0]))
    assert near.low <= near.high
    assert p95_ci(np.array([5.0] * 9 + [6.0])).needed == 59
    assert median_ci(np.array([])).method == "n/a"
    assert median_ci(np.array([1.0, math.nan, 2.0, 3.0, 4.0, 5.0, 6.0])).low >= 1.0
    ratio = ratio_of_quantiles_ci(np.full(5, 2.0), np.full(4, 1.0), rng)
    assert ratio.low == ratio.high == 2.0
    assert bootstrap_ci([np.array([1.0, 2.0]), np.array([3.0])], lambda a, b, axis=-1: a, rng).method == "n/a"


def test_summarize_single_trial_and_constant(gen: Any) -> None:
    """One trial, or identical trials, summarise without warnings-as-errors; too few trials is flagged."""
    recs = [
        gen.make_record("s", "sequential", 0, [100.0], [0.0]),
        gen.make_record("s", "threaded", 0, [100.0], [0.0]),
    ]
    stats = summarize(trials_frame(recs))
    assert all(s.n == 1 and math.isnan(s.std) for s in stats)
    kinds = {w.kind for w in check_warnings(stats)}
    assert "few-trials" in kinds
    const = [gen.make_record("s", ex, t, [100.0], [0.0]) for t in range(12) for ex in ("sequential", "x")]
    stats = summarize(trials_frame(const))
    assert all(s.median_ci.method == "degenerate" for s in stats)
    assert not [w for w in check_warnings(stats) if w.kind in ("unstable", "few-trials")]


def test_intervals_are_reproducible(fixed_run: Path) -> None:
    """Same data, same intervals: a report rendered twice prints the same numbers."""
    t = load_run(fixed_run).trials
    assert [s.median_ci for s in summarize(t)] == [s.median_ci for s in summarize(t)]
    x = np.arange(30.0)
    assert ratio_of_quantiles_ci(x, x + 1, make_rng(3, "k"), 499) == ratio_of_quantiles_ci(
        x, x + 1, make_rng(3, "k"), 499
    )


def test_warnings_flag_failures_spread_and_timer(gen: Any) -> None:
    """Failed calls, wide spread and sub-millisecond wall makespans each raise their warning."""
    recs = []
    for t in range(10):
        lat = [100.0 if t < 9 else 900.0]
        recs.append(
            gen.make_record("s", "x", t, lat, [0.0], statuses=["error"] if t == 0 else None, time_scale=0.001)
        )
    kinds = {w.kind for w in check_warnings(summarize(trials_frame(recs)))}
    assert {"failed-calls", "outlier", "timer-resolution"} <= kinds


def test_quota_violations_and_bound() -> None:
    """Starts faster than 2 per 200 ms break a 10/s burst-2 quota; the paced schedule does not."""
    q = {"calls": 10, "period_ms": 1000.0, "burst": 2}
    paced = [200.0 * (i // 2) for i in range(10)]
    assert quota_violations(paced, q) == 0
    assert quota_violations([0.0] * 10, q) == 8
    assert quota_violations([0.0] * 10, None) == 0
    quota = Quota(10, 1000.0, 2)
    assert quota.window_ms == 200.0
    assert quota.earliest_start_ms(10) == 800.0
    assert [quota.max_starts(t) for t in (0, 199, 200, 999, 1000)] == [2, 2, 4, 10, 12]


def test_representative_trial_is_closest_to_median(gen: Any) -> None:
    """The timeline shows the trial whose makespan is nearest the executor's median."""
    values = [100.0, 300.0, 205.0, 900.0, 210.0]  # median 210: trial 4
    recs = [gen.make_record("s", "x", t, [v], [0.0]) for t, v in enumerate(values)]
    assert representative_trials(trials_frame(recs)) == {("s", "x"): 4}


def test_split_label() -> None:
    """``name@K`` labels carry max_workers; plain names do not."""
    assert split_label("threaded@4") == ("threaded", 4)
    assert split_label("asyncio") == ("asyncio", None)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=1e6, allow_nan=False), min_size=0, max_size=12))
def test_intervals_never_raise(values: list[float]) -> None:
    """Any sample, however small or repetitive, yields an ordered interval holding the median, or none."""
    ci = median_ci(np.array(values))
    assert ci.method in {"order statistics", "degenerate", "n/a"}
    if ci.method != "n/a":
        assert ci.low <= float(np.median(values)) <= ci.high
    boot = ratio_of_quantiles_ci(np.array(values) + 1, np.array(values) + 1, make_rng(0, "prop"), 99)
    assert boot.method in {"percentile bootstrap", "degenerate", "n/a"}
