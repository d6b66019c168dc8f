"""Retries, backoff, budget and fallbacks on the FakeClock: exact schedules, and properties on random faults."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from executors import Guards, RetryPolicy, Sequential, ToolCall
from tests.conftest import FakeClock


class Flaky:
    """Fails the first ``fails[request_id]`` attempts of each call (a 429 with retry_after if ``ra``)."""

    def __init__(self, clock: FakeClock, fails: dict[str, int], ra: float | None = None) -> None:
        self.clock, self.fails, self.ra = clock, dict(fails), ra
        self.seen: dict[str, int] = {}

    def __call__(self, request_id: str, **_: Any) -> str:
        n = self.seen.get(request_id, 0)
        self.seen[request_id] = n + 1
        self.clock.sleep(0.1)
        if n < self.fails.get(request_id, 0):
            err = RuntimeError("429" if self.ra else "503")
            if self.ra is not None:
                err.call_status = "rate_limited"  # type: ignore[attr-defined]
                err.retry_after = self.ra  # type: ignore[attr-defined]
            raise err
        return "ok"


def _calls(n: int) -> list[ToolCall]:
    return [ToolCall(f"c{i}", "t", {"request_id": f"c{i}"}) for i in range(n)]


def test_backoff_is_full_jitter_from_the_injected_seed() -> None:
    """The waits between attempts are exactly the seeded full-jitter draws, on the FakeClock."""
    clock = FakeClock()
    tool = Flaky(clock, {"c0": 2})
    pol = RetryPolicy(attempts=3, base_s=1.0, cap_s=10.0)
    ex = Sequential(clock=clock, sleep=clock.sleep, guards=Guards(retry=pol, seed=42))
    [r] = ex.run(_calls(1), {"t": tool})
    rng = random.Random(42)
    expected = 0.3 + rng.uniform(0, 1.0) + rng.uniform(0, 2.0)
    assert (r.status, r.attempts) == ("ok", 3)
    assert clock() == pytest.approx(expected)
    assert r.end - r.start == pytest.approx(expected)


def test_retry_after_is_honoured() -> None:
    """A 429's retry_after is a floor on the backoff, however small the jitter."""
    clock = FakeClock()
    tool = Flaky(clock, {"c0": 1}, ra=5.0)
    ex = Sequential(clock=clock, sleep=clock.sleep, guards=Guards(retry=RetryPolicy(2, base_s=0.01)))
    [r] = ex.run(_calls(1), {"t": tool})
    assert (r.status, r.attempts) == ("ok", 2)
    assert clock() == pytest.approx(5.2)


def test_fallback_replaces_a_failure_and_keeps_the_reason() -> None:
    """A failed call of a tool with a fallback reports ``fallback``, its value, and the error that caused it."""
    clock = FakeClock()
    ex = Sequential(clock=clock, sleep=clock.sleep, guards=Guards(fallbacks={"t": {"temp": "N/A"}}))
    [r] = ex.run(_calls(1), {"t": Flaky(clock, {"c0": 1})})
    assert (r.status, r.value) == ("fallback", {"temp": "N/A"})
    assert "503" in (r.error or "")


@settings(max_examples=60, deadline=None)
@given(
    fails=st.lists(st.integers(0, 4), min_size=1, max_size=8),
    attempts=st.integers(1, 4),
    budget=st.one_of(st.none(), st.integers(0, 6)),
    with_fallback=st.booleans(),
)
def test_budget_fallback_and_order_properties(
    fails: list[int], attempts: int, budget: int | None, with_fallback: bool
) -> None:
    """Extra attempts never exceed the budget; a fallback is used exactly when the call failed; one result
    per call, in call order."""
    clock = FakeClock()
    calls = _calls(len(fails))
    tool = Flaky(clock, {c.id: f for c, f in zip(calls, fails, strict=True)})
    guards = Guards(
        retry=RetryPolicy(attempts, base_s=0.01),
        retry_budget=budget,
        fallbacks={"t": "fb"} if with_fallback else {},
    )
    rs = Sequential(clock=clock, sleep=clock.sleep, guards=guards).run(calls, {"t": tool})
    assert [r.call.id for r in rs] == [c.id for c in calls]
    extra = sum(r.attempts - 1 for r in rs)
    assert extra <= (budget if budget is not None else extra)
    assert all(r.attempts <= attempts for r in rs)
    for r, f in zip(rs, fails, strict=True):
        succeeded = r.attempts > f
        assert r.status == ("ok" if succeeded else ("fallback" if with_fallback else "error"))
        assert (r.value == "fb") == (not succeeded and with_fallback)


def test_guards_refuse_nonsense() -> None:
    """Nonsensical guard values are refused with a message saying what is allowed."""
    with pytest.raises(ValueError, match="timeout_s must be > 0"):
        Guards(timeout_s=0)
    with pytest.raises(ValueError, match="attempts must be >= 1"):
        RetryPolicy(attempts=0)
