"""The virtual-clock evaluation: guards per call, the quota's 429s, and the executors' predictors."""

from __future__ import annotations

from bench.advise import Candidate
from bench.advise._fast import Evaluator, server_rejections, settle
from bench.advise._space import BACKOFF_MS, GuardChoice
from executors import Quota
from scenarios import PlannedCall, make_plan
from tests.bench.advise.conftest import CHAIN, QUOTA, scenario


def _call(lat: tuple[float, ...], err: tuple[bool, ...] = (), hang: tuple[bool, ...] = ()) -> PlannedCall:
    n = len(lat)
    return PlannedCall("c", "t", {}, (), lat, err or (False,) * n, hang or (False,) * n, 60_000.0)


def test_hedge_wins_when_the_copy_is_faster() -> None:
    """A 1000 ms attempt hedged at 200 ms by a 100 ms copy ends at 300 ms with two copies."""
    s = settle(_call((1000.0, 100.0)), GuardChoice(hedge_ms=(("t", 200.0),)))
    assert (s.duration_ms, s.copies, s.failed) == (300.0, 2, False)


def test_no_hedge_before_its_delay() -> None:
    """An attempt that ends before the hedge delay starts no copy."""
    s = settle(_call((150.0, 10.0)), GuardChoice(hedge_ms=(("t", 200.0),)))
    assert (s.duration_ms, s.copies) == (150.0, 1)


def test_timeout_then_retry_reads_the_next_attempt() -> None:
    """A timed-out attempt costs the timeout and the mean backoff, then the retry's own latency."""
    s = settle(_call((1000.0, 50.0)), GuardChoice(timeout_ms=300.0, retries=1))
    assert s.duration_ms == 300.0 + BACKOFF_MS / 2 + 50.0 and s.copies == 2 and not s.failed


def test_error_without_retry_fails() -> None:
    """A failing attempt with no retry left ends the call as failed."""
    assert settle(_call((40.0,), err=(True,)), GuardChoice()).failed


def test_server_rejections_count_a_burst() -> None:
    """Four starts at once against 2 per window: the server rejects two."""
    q = Quota("q", ((2, 100.0),), ("t",))
    assert sum(server_rejections([("t", 0.0)] * 4, [q])) == 2


def test_informed_executor_gets_no_429_and_a_naive_burst_does() -> None:
    """Told the quota, ratelimited predicts 0 429s; a naive pool of 6 predicts the server's rejections."""
    s = scenario(QUOTA)
    ev = Evaluator(s, [make_plan(s, 7, i) for i in range(4)])
    assert ev.predict(Candidate("ratelimited")).rate_limited == 0
    naive = ev.predict(Candidate("threaded-naive", 6))
    assert naive.rate_limited == 4 and naive.extra_calls == 4


def test_sequential_prediction_is_the_sum() -> None:
    """Sequential on a 10 ms + 10 ms chain predicts 20 ms on every plan; a blind pool fails the dependent."""
    s = scenario(CHAIN)
    ev = Evaluator(s, [make_plan(s, 7, i) for i in range(3)])
    p = ev.predict(Candidate("sequential"))
    assert p.makespans_ms == (20.0, 20.0, 20.0) and p.failed == 0
    assert ev.predict(Candidate("threaded", 2)).failed == 1
