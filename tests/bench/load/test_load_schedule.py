"""Arrival schedules and the load summary: pure functions, exact with hand-made records."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.load import MAX_QUERIES, LoadError, LoadRecord, arrival_times, summarize


def test_constant_schedule_is_evenly_spaced() -> None:
    """Constant arrivals are exactly i / rate, for every i with i / rate < duration."""
    t = arrival_times("constant", 4.0, 2.0, np.random.default_rng(0))
    assert t == tuple(i / 4 for i in range(8))


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(["constant", "poisson", "gamma"]),
    rate=st.floats(0.5, 200),
    duration=st.floats(0.1, 20),
    cv=st.floats(0.2, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_schedules_are_sorted_inside_the_run_and_seeded(
    kind: str, rate: float, duration: float, cv: float, seed: int
) -> None:
    """Every schedule starts at 0, is non-decreasing, ends before the duration, and replays from its seed."""
    a = arrival_times(kind, rate, duration, np.random.default_rng(seed), burstiness=cv)
    b = arrival_times(kind, rate, duration, np.random.default_rng(seed), burstiness=cv)
    assert a == b
    assert a[0] == 0.0
    assert all(x <= y for x, y in itertools.pairwise(a))
    assert a[-1] < duration


@pytest.mark.parametrize(("kind", "cv"), [("poisson", 1.0), ("gamma", 0.5), ("gamma", 3.0)])
def test_random_schedules_have_the_asked_rate_and_burstiness(kind: str, cv: float) -> None:
    """Over many arrivals the mean gap is 1/rate and its coefficient of variation is the burstiness."""
    t = np.array(arrival_times(kind, 50.0, 400.0, np.random.default_rng(1), burstiness=cv))
    gaps = np.diff(t)
    assert abs(gaps.mean() * 50 - 1) < 0.05
    assert abs(gaps.std() / gaps.mean() - cv) < 0.1 * cv


def test_bad_schedules_are_refused() -> None:
    """Unknown kinds and schedules beyond the query bound raise LoadError (one line for the CLI)."""
    rng = np.random.default_rng(0)
    with pytest.raises(LoadError, match="arrival"):
        arrival_times("bursty", 1, 1, rng)
    with pytest.raises(LoadError, match="at most"):
        arrival_times("constant", MAX_QUERIES, 2, rng)


def test_summary_separates_queueing_from_service_and_counts_late_and_censored() -> None:
    """Latency = queueing + service per query; late starts and unfinished queries are counted, and an
    unfinished query enters the latency percentiles censored at the hard stop."""
    recs = [
        LoadRecord(0, 0.0, 0.0, 0.1, "ok", 1, 3),
        LoadRecord(1, 1.0, 1.5, 1.6, "ok", 1, 3),
        LoadRecord(2, 2.0, 2.0, 2.2, "rate_limited", 1, 3, n_429=2),
        LoadRecord(3, 3.0, None, None, "unfinished"),
    ]
    s = summarize(recs, offered_rate=1.0, duration_s=4.0, stopped_at_s=13.0, late_threshold_s=0.01)
    assert s["late_starts"] == 1
    assert s["queueing_s"]["max"] == pytest.approx(0.5)
    assert s["service_s"]["max"] == pytest.approx(0.2)
    assert s["latency_s"]["max"] == pytest.approx(10.0)  # 13.0 - 3.0, censored
    assert s["calls_429"] == 2 and s["rate_429"] == pytest.approx(2 / 9)
    assert s["error_rate"] == pytest.approx(0.5)
    assert s["statuses"] == {"ok": 2, "rate_limited": 1, "unfinished": 1}
    assert s["throughput_qps"] == pytest.approx(3 / 2.2)


def test_summary_trend_is_positive_when_latency_grows() -> None:
    """Latency growing with the intended start (saturation) gives a positive trend, in seconds per second."""
    recs = [LoadRecord(i, float(i), float(i), float(i) + 0.1 + 0.5 * i, "ok") for i in range(10)]
    s = summarize(recs, offered_rate=1.0, duration_s=10.0, stopped_at_s=20.0)
    assert s["latency_trend_s_per_s"] == pytest.approx(0.5)
