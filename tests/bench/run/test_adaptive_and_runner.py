"""AIMD arithmetic, naive labels, honest lower bounds for runs that gave up on calls, guards in run.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.cli import main
from bench.run import measure
from executors import AimdLimiter, make_executor
from scenarios import load_catalog, make_plan
from tests.conftest import FakeClock


def test_aimd_grows_on_success_and_halves_once_per_congestion() -> None:
    """+1/limit per success; a 429 halves the limit and pauses; 429 echoes during the pause do not cut again."""
    clock = FakeClock()
    lim = AimdLimiter(clock, initial=4)
    for _ in range(4):
        assert lim.acquire(clock.sleep) == 0.0
        lim.done("ok", None)
    expected = 4.0
    for _ in range(4):
        expected += 1 / expected
    assert lim.limit == pytest.approx(expected)
    before = lim.limit
    lim.acquire(clock.sleep)
    lim.acquire(clock.sleep)
    lim.done("rate_limited", 1.0)
    lim.done("rate_limited", 1.0)  # an echo of the same burst
    assert lim.limit == pytest.approx(before / 2)
    assert lim.acquire(clock.sleep) == pytest.approx(1.0)  # paused until retry_after
    assert lim.statistics().cuts == 1


def test_naive_label_withholds_the_quota() -> None:
    """``threaded-naive@100`` is threaded with 100 workers, filed under its own label, told no quota."""
    ex = make_executor("threaded-naive@100")
    assert ex.name == "threaded-naive@100"
    ex.close()


@pytest.mark.realtime
def test_naive_burst_gets_429s_and_an_honest_lower_bound() -> None:
    """A naive burst on burst-429 gets ~90 rate-limited calls; its lower bound covers only the calls it
    completed, so the makespan is never below it."""
    plan = make_plan(load_catalog()["burst-429"], 7, 0)
    ex = make_executor("threaded-naive@100")
    measure(plan, ex, 0.1)  # warm-up: 100 threads started before the timed burst
    rec = measure(plan, ex, 0.1)
    ex.close()
    statuses = [c.status for c in rec.calls]
    # exactly 90 unless a busy machine spreads the burst's starts over more than the 100 ms window
    assert statuses.count("rate_limited") >= 80
    assert statuses.count("ok") + statuses.count("rate_limited") == 100
    assert rec.makespan_s + 0.002 >= rec.lower_bound_s
    assert rec.lower_bound_s < plan.lower_bound_ms() / 1000 * 0.1


@pytest.mark.realtime
def test_adaptive_learns_the_quota() -> None:
    """adaptive completes every call of burst-429 with far fewer 429s than the naive burst's 90."""
    plan = make_plan(load_catalog()["burst-429"], 7, 0)
    ex = make_executor("adaptive")
    rec = measure(plan, ex, 0.01)
    ex.close()
    assert all(c.status == "ok" for c in rec.calls)
    assert sum(c.attempts - 1 for c in rec.calls) < 60


@pytest.mark.realtime
def test_run_records_guards_and_dependencies(tmp_path: Path) -> None:
    """``run`` with guard flags records them in run.json args, and ``after`` per call in results.jsonl."""
    out = tmp_path / "r"
    argv = ["run", "--scenario", "deps-chain", "--executor", "dag", "--trials", "1", "--warmup", "0",
            "--time-scale", "0.01", "--out", str(out), "--timeout-ms", "2000", "--retries", "2",
            "--retry-budget", "3", "--hedge-ms", "get_time=250", "--fallback", "get_weather={\"t\": 1}"]  # fmt: skip
    assert main(argv) == 0
    meta = json.loads((out / "run.json").read_text())
    g = meta["args"]["guards"]
    assert (g["timeout_ms"], g["retries"], g["retry_budget"]) == (2000, 2, 3)
    assert g["hedge_ms"] == {"get_time": 250} and g["fallbacks"] == {"get_weather": {"t": 1}}
    rec = json.loads((out / "results.jsonl").read_text().splitlines()[0])
    assert rec["calls"][1]["after"] == ["c0"]
    assert all(c["status"] == "ok" for c in rec["calls"])


@pytest.mark.realtime
def test_adaptive_records_every_attempt_and_the_servers_429s() -> None:
    """adaptive on burst-429: each retried call records its attempts' starts and statuses in turn (the 429s
    first, then its one admitted start), and the 429s the records hold are the ones the server gave."""
    plan = make_plan(load_catalog()["burst-429"], 7, 0)
    apis: dict[str, Any] = {}
    ex = make_executor("adaptive")
    try:
        rec = measure(plan, ex, 0.01, on_tools=apis.update)
    finally:
        ex.close()
    retried = [c for c in rec.calls if c.attempts > 1]
    assert retried and all(c.status == "ok" for c in rec.calls)
    for c in retried:
        assert len(c.attempt_starts_s) == c.attempts and c.attempt_starts_s[0] == c.start_s
        assert c.attempt_statuses == ("rate_limited",) * (c.attempts - 1) + ("ok",)
        assert list(c.attempt_starts_s) == sorted(c.attempt_starts_s)
    refused = sum(c.attempt_statuses.count("rate_limited") for c in rec.calls)
    servers = {id(api._quota): api._quota for api in apis.values() if api._quota is not None}
    assert refused == sum(q.rejected for q in servers.values()) > 0
