"""Trial plans (paired draws, lower bounds) and the simulated APIs' server side (sleeps, faults, 429)."""

from __future__ import annotations

import pytest

from scenarios import (
    QuotaState,
    RateLimit,
    RateLimited,
    ToolError,
    build_toolbox,
    load_catalog,
    make_plan,
    parse_scenarios,
    quota_bound_ms,
    quota_grace_ms,
    quota_slots_ms,
)
from tests.conftest import FakeClock


def test_same_seed_and_trial_give_the_same_draws() -> None:
    """Plans are a pure function of (scenario, seed, trial): every executor in a trial sees the same draws."""
    s = load_catalog()["doc-10apis"]
    assert make_plan(s, 7, 3) == make_plan(s, 7, 3)
    assert make_plan(s, 7, 3).first_latencies_ms != make_plan(s, 7, 4).first_latencies_ms


def test_quota_slots_match_the_issue_example() -> None:
    """30 calls at 5 per 200 ms: the quota lets the last call start at 1.0 s."""
    slots = quota_slots_ms(30, [(5, 200.0)])
    assert slots == [200.0 * (k // 5) for k in range(30)]
    assert slots[-1] == 1000.0


def test_burst_window_spreads_starts() -> None:
    """10 per second with burst 2: two starts every 200 ms, the last two at 800 ms."""
    q = RateLimit("q", 10, 1000, 2, ("a",))
    assert quota_slots_ms(10, q.windows_ms()) == [0, 0, 200, 200, 400, 400, 600, 600, 800, 800]


def test_quota_bound_puts_longest_calls_first() -> None:
    """The bound pairs the longest latencies with the earliest slots."""
    q = RateLimit("q", 1, 100, 1, ("a",))
    assert quota_bound_ms([10, 300, 50], q) == max(0 + 300, 100 + 50, 200 + 10)


def test_lower_bound_is_the_slowest_call_without_quota() -> None:
    """Without quota or dependencies the lower bound is the max planned latency."""
    p = make_plan(load_catalog()["doc-5apis"], 1, 0)
    assert p.lower_bound_ms() == max(p.first_latencies_ms)


def test_quota_state_admits_count_per_window_and_says_when_to_retry() -> None:
    """The server admits N starts per window and answers the next with retry_after until the window moves."""
    clock = FakeClock()
    quota = RateLimit("q", 2, 1000, 2, ("a",))
    state = QuotaState(quota, time_scale=0.1, clock=clock)  # 2 per 100 ms wall
    grace_s = quota_grace_ms(quota) / 1000 * 0.1
    state.admit("a")
    clock.sleep(0.01)
    state.admit("a")
    with pytest.raises(RateLimited) as exc:
        state.admit("a")
    assert exc.value.retry_after == pytest.approx(0.09)
    clock.sleep(0.09 - 1.5 * grace_s)
    with pytest.raises(RateLimited):
        state.admit("a")  # still inside the window, beyond the server's grace
    clock.sleep(1.5 * grace_s)
    state.admit("a")
    assert (state.admitted, state.rejected) == (3, 2)


def test_simulated_api_sleeps_its_planned_latency_and_fails_as_planned() -> None:
    """A call sleeps its planned latency (scaled) and raises when its draw says error."""
    doc = {
        "name": "f",
        "tools": [
            {"name": "a", "latency": {"dist": "constant", "ms": 200}, "error_rate": 1.0},
            {"name": "b", "latency": {"dist": "constant", "ms": 300}},
        ],
    }
    (s,) = parse_scenarios(doc, "f.toml")
    plan = make_plan(s, 0, 0)
    clock = FakeClock()
    box = build_toolbox(plan, 0.5, clock=clock, sleep=clock.sleep, asleep=clock.asleep)
    assert box["b"](request_id="c1")["request_id"] == "c1"
    assert clock.now == pytest.approx(0.15)
    with pytest.raises(ToolError):
        box["a"](request_id="c0")
    assert clock.now == pytest.approx(0.25)
    assert [log.outcome for log in box["a"].log] == ["error"]


def test_each_toolbox_has_fresh_quota_state() -> None:
    """Quota state never leaks from one executor's run to the next."""
    plan = make_plan(load_catalog()["doc-10apis-ratelimited"], 0, 0)
    clock = FakeClock()
    for _ in range(2):
        box = build_toolbox(plan, 1.0, clock=clock, sleep=lambda s: None)  # time stands still
        box["api_0"](request_id="c0")
        box["api_1"](request_id="c1")
        with pytest.raises(RateLimited):
            box["api_2"](request_id="c2")
