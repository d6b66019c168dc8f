"""Recorded call starts checked against a quota: real over-admission is flagged, timer jitter is not."""

from __future__ import annotations

from reports._frames import quota_violations

QUOTA = {"calls": 10, "period_ms": 1000.0, "burst": 2}  # at most 2 starts in any 200 ms


def test_a_third_start_inside_the_burst_window_is_flagged() -> None:
    """Three starts at once break 'burst 2 per 200 ms': one violation."""
    assert quota_violations([0.0, 0.0, 0.0], QUOTA) == 1


def test_a_start_late_by_less_than_the_jitter_allowance_is_not_flagged() -> None:
    """A start 0.3 ms early at a 200 ms edge (jitter 0.5 ms) is forgiven; 50 ms early is not."""
    assert quota_violations([0.0, 0.0, 199.7], QUOTA, jitter_ms=0.5) == 0
    assert quota_violations([0.0, 0.0, 150.0], QUOTA, jitter_ms=0.5) == 1


def test_no_quota_means_no_violation() -> None:
    """Scenarios without a quota never report violations."""
    assert quota_violations([0.0] * 10, None) == 0
