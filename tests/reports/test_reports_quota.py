"""Recorded call starts checked against a quota by the simulated server's own rule and grace."""

from __future__ import annotations

from reports import CallRecord, TrialRecord, parse_record, trials_frame
from reports._frames import admitted_starts, n_429, quota_violations
from scenarios import QuotaState, RateLimit, RateLimited, quota_grace_ms

QUOTA = {"calls": 10, "period_ms": 1000.0, "burst": 2}  # at most 2 starts in any 200 ms
GRACE_MS = quota_grace_ms(RateLimit("q", 10, 1000, 2, ("a",)))  # a tenth of the 100 ms token interval


def test_a_third_start_inside_the_burst_window_is_flagged() -> None:
    """Three starts at once break 'burst 2 per 200 ms': one violation."""
    assert quota_violations([0.0, 0.0, 0.0], QUOTA) == 1


def test_only_the_servers_grace_is_forgiven() -> None:
    """A start inside the quota's grace_ms at a 200 ms edge is forgiven; one just beyond it, or any start
    early by 7.5% of the window (15 ms), is flagged: the report forgives exactly what the server does."""
    graced = {**QUOTA, "grace_ms": GRACE_MS}
    assert quota_violations([0.0, 0.0, 200.0 - 0.9 * GRACE_MS], graced) == 0
    assert quota_violations([0.0, 0.0, 200.0 - 1.1 * GRACE_MS], graced) == 1
    assert quota_violations([0.0, 0.0, 185.0], graced) == 1
    assert quota_violations([0.0, 0.0, 199.99], QUOTA) == 1  # no grace_ms: nothing forgiven


def test_report_rule_matches_the_server() -> None:
    """Starts the simulated server admits (fake clock, time scale 0.015) are never flagged; the first it
    refuses is exactly the first the report flags."""
    scale = 0.015
    clock = [0.0]
    state = QuotaState(RateLimit("q", 10, 1000, 2, ("a",)), time_scale=scale, clock=lambda: clock[0])
    graced = {**QUOTA, "grace_ms": GRACE_MS}
    admitted: list[float] = []
    for t_ms in [0.0, 0.0, 150.0, 189.5, 190.5, 191.0, 390.0, 391.0, 580.5, 581.5, 582.0, 799.0]:
        clock[0] = t_ms / 1000 * scale
        try:
            state.admit("a")
        except RateLimited:
            assert quota_violations([*admitted, t_ms], graced) == 1
            continue
        admitted.append(t_ms)
        assert quota_violations(admitted, graced) == 0
    assert state.rejected == 3


def test_no_quota_means_no_violation() -> None:
    """Scenarios without a quota never report violations."""
    assert quota_violations([0.0] * 10, None) == 0


def test_refused_attempts_are_429s_not_starts_over_quota() -> None:
    """Three calls whose first attempts met a 429 at once, then paced 200 ms apart: no start over quota,
    three 429s in the trials frame; the attempt lists survive a write and a read, and a line without them
    reads as one attempt at start_s."""
    retried = tuple(
        CallRecord(f"c{i}", "a", 0.01, 0.0, 0.2 * i + 0.01, "ok", 2, attempt_starts_s=(0.0, 0.2 * i),
                   attempt_statuses=("rate_limited", "ok"))
        for i in range(3)
    )  # fmt: skip
    rec = TrialRecord("r", "s", "adaptive", 0, 1, 1.0, 0.5, 0.4, 0.4, retried)
    assert parse_record(rec.to_json()) == rec
    theory = {"s": {"quota": {**QUOTA, "burst": 1}}}  # one start per 100 ms
    row = trials_frame([rec], theory).iloc[0]
    assert (row["quota_violations"], row["n_429"]) == (0, 3)
    old = parse_record(TrialRecord("r", "s", "e", 0, 1, 1.0, 0.5, 0.4, 0.4, (retried[0],)).to_json()
                       .replace(',"attempt_starts_s":[0.0,0.0],"attempt_statuses":["rate_limited","ok"]', ""))  # fmt: skip
    assert old.calls[0].attempt_starts_s == () and old.calls[0].status == "ok"


def test_a_single_refused_attempt_is_a_429_not_a_start() -> None:
    """A call of one attempt answered 429 started nothing; one answered ok started at start_s."""
    refused = CallRecord("c0", "a", 0.01, 0.5, 0.5, "rate_limited", 1)
    answered = CallRecord("c1", "a", 0.01, 0.5, 0.6, "ok", 1)
    assert (admitted_starts(refused), n_429(refused)) == ([], 1)
    assert (admitted_starts(answered), n_429(answered)) == ([0.5], 0)
