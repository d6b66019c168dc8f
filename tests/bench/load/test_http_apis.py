"""The simulated APIs over real HTTP: same plan as in process, 429 and 5xx mapped to call statuses,
sync and async clients, and the CLI's load/http-compare commands end to end on loopback."""

from __future__ import annotations

import concurrent.futures
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.cli import main
from bench.load import AsyncLane, HttpApis, HttpSetupError, ServerThread
from bench.run import tool_calls
from executors import Sequential
from scenarios import RateLimited, ToolError, load_catalog, make_plan

pytestmark = pytest.mark.realtime
SCALE = 0.02


@pytest.fixture(scope="module")
def ratelimited() -> Iterator[HttpApis]:
    sc = load_catalog()["doc-10apis-ratelimited"]
    with ServerThread(sc, SCALE) as srv, HttpApis(srv.url) as apis:
        yield apis


def test_server_refuses_a_client_expecting_another_scenario(ratelimited: HttpApis) -> None:
    """A server drawing other plans (scenario hash or time scale) is refused before any call."""
    with pytest.raises(HttpSetupError, match="serves scenario"):
        ratelimited.check(load_catalog()["doc-3apis"], SCALE)
    with pytest.raises(HttpSetupError, match="time scale"):
        ratelimited.check(load_catalog()["doc-10apis-ratelimited"], 1.0)


def test_over_quota_is_a_429_with_retry_after() -> None:
    """Three calls at once against a burst of 2: the third raises RateLimited with a positive retry_after."""
    sc = load_catalog()["doc-10apis-ratelimited"]
    plan = make_plan(sc, 7, 0)
    # a time scale where the burst window (200 ms x 0.5) is far wider than thread and connection start-up
    with ServerThread(sc, 0.5) as srv, HttpApis(srv.url) as apis:
        tools = apis.tools_for(plan)
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            futs = [pool.submit(tools[c.tool], request_id=c.id) for c in plan.calls[:3]]
            errors = [f.exception() for f in futs]
    limited = [e for e in errors if e is not None]
    assert len(limited) == 1 and isinstance(limited[0], RateLimited)
    assert limited[0].retry_after > 0 and limited[0].call_status == "rate_limited"


def test_http_calls_take_the_planned_latency_sync_and_async(ratelimited: HttpApis) -> None:
    """Over HTTP each call lasts at least its planned latency, through the sync client and the AsyncClient."""
    sc = load_catalog()["doc-10apis-ratelimited"]
    plan = make_plan(sc, 7, 3)
    calls = tool_calls(plan)[:2]
    lane = AsyncLane()
    try:
        ratelimited.reset()
        sync = Sequential().run(calls, ratelimited.tools_for(plan))
        ratelimited.reset()
        asy = lane.run(Sequential().arun(calls, ratelimited.tools_for(plan)))
        ratelimited.close()  # closes the AsyncClient on the lane's loop while it still runs
    finally:
        lane.close()
    for results in (sync, asy):
        for r, p in zip(results, plan.calls, strict=False):
            assert r.status == "ok"
            assert r.end - r.start >= p.latency_ms[0] / 1000 * SCALE


def test_simulated_failure_is_a_5xx_error() -> None:
    """A planned failure comes back as HTTP 503 and raises ToolError (call_status 'error')."""
    sc = load_catalog()["flaky"]
    trial, call = next(
        (t, c) for t in range(200) for c in make_plan(sc, 7, t).calls if c.error[0] and not c.hang[0]
    )
    with ServerThread(sc, SCALE) as srv, HttpApis(srv.url) as apis:
        tool = apis.tools_for(make_plan(sc, 7, trial))[call.tool]
        with pytest.raises(ToolError, match="503") as info:
            tool(request_id=call.id)
    assert info.value.call_status == "error"


def test_load_cli_over_http_writes_queries_and_summary(tmp_path: Path) -> None:
    """`pfcbench load --transport http` starts serve-apis, runs an open-loop load and writes its files."""
    out = tmp_path / "load"
    code = main(
        [
            *("load", "--scenario", "doc-3apis", "--executor", "asyncio", "--transport", "http"),
            *("--rate", "10", "--duration", "1", "--arrival", "constant", "--time-scale", "0.02"),
            *("--baseline", "2", "--out", str(out)),
        ]
    )
    assert code == 0
    rows = [json.loads(x) for x in (out / "queries.jsonl").read_text().splitlines()]
    assert len(rows) == 10
    for key in ("intended_start_s", "start_s", "end_s", "status", "turns", "calls", "n_429"):
        assert key in rows[0]
    summary = json.loads((out / "load.json").read_text())["summary"]
    assert summary["completed"] == 10 and summary["transport"] == "http"
    assert (out / "latency_over_time.png").stat().st_size > 0


def test_http_compare_reports_both_transports(tmp_path: Path) -> None:
    """`pfcbench http-compare` runs each executor on the same plans both ways and writes the medians."""
    out = tmp_path / "cmp"
    code = main(
        [
            *("http-compare", "--scenario", "doc-3apis", "--executor", "sequential", "--executor", "asyncio"),
            *("--trials", "2", "--time-scale", "0.02", "--out", str(out)),
        ]
    )
    assert code == 0
    table = json.loads((out / "http-compare.json").read_text())["summary"]
    assert [t["executor"] for t in table] == ["sequential", "asyncio"]
    assert all(t["http_median_s"] > 0 and t["inprocess_median_s"] > 0 for t in table)
    assert "network" in (out / "http-compare.md").read_text()


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--rate", "1", "--arrival", "bursty"], "arrival"),
        (["--sweep", "1,x"], "--sweep"),
        (["--rate", "1", "--transport", "http", "--url", "http://example.com:80"], "loopback"),
    ],
)
def test_bad_load_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    """Bad flags get one line on stderr naming the flag, and exit code 2."""
    code = main(["load", "--scenario", "doc-3apis", "--out", str(tmp_path / "x"), *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert needle in err and len(err.strip().splitlines()) == 1
