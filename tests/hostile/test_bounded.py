"""Bounded work stays bounded: a pool beyond the turn's calls costs what one of the calls does (and is said),
advise on 1,000 calls per turn is refused up front with its estimate, a huge trace is refused by its size."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

import bench.traces._size as size
from bench.advise import AdviseError
from bench.advise._budget import MAX_SEARCH_S, check_search_budget
from bench.cli._clamp import clamp_note
from bench.run._convert import planned_work
from executors import make_executor
from scenarios import load_catalog, make_plan, parse_scenarios
from tests.hostile._cli import assert_one_line, pfcbench

THREE = load_catalog()["doc-3apis"]


def test_a_million_workers_predict_what_three_do() -> None:
    """threaded@1000000 and asyncio@1000000 predict exactly what @3 does on 3 calls (the simulation keeps
    one worker per call, not a heap of 10**6 per plan)."""
    for i in range(5):
        work = planned_work(make_plan(THREE, 7, i), 1.0)
        for name in ("threaded", "asyncio", "dag"):
            assert make_executor(f"{name}@1000000").predict(work) == make_executor(f"{name}@3").predict(work)


def test_a_pool_beyond_every_turn_is_said_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """The note names the oversized labels and the most calls a turn has; a pool within it gets none."""
    note = clamp_note(["threaded@1000000", "asyncio@2", "batched@50", "dag@4"], [THREE])
    assert note is not None and "threaded@1000000, dag@4" in note and "3 calls" in note
    assert clamp_note(["threaded@3", "sequential"], [THREE]) is None


def test_a_run_with_a_million_workers_starts_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's row: `run --executor threaded@1000000` on 3 calls completes, with the note."""
    argv = ["run", "--scenario", "doc-3apis", "--executor", "threaded@1000000", "--trials", "2"]
    code, _, err = pfcbench([*argv, "--time-scale", "0.01", "--out", tmp_path / "o"], capsys)
    assert code == 0, err
    assert "threaded@1000000: no turn has more than 3 calls" in err


def test_advise_on_1000_calls_is_refused_up_front_with_its_estimate() -> None:
    """With predictions timed at 10 s each (an injected clock), the search is refused, naming the estimate,
    the limit and a --plans that fits; a quick clock lets the same search start."""
    (big,) = parse_scenarios(
        {
            "name": "fanout-1000",
            "tools": [{"name": "api_{i}", "count": 1000, "latency": {"dist": "constant", "ms": 100}}],
        },
        "big.toml",
    )
    ticks = itertools.count(step=80.0)
    with pytest.raises(
        AdviseError, match=rf"1000 calls would take about \d+ s here \(limit {MAX_SEARCH_S:.0f} s\)"
    ):
        check_search_budget(big, None, None, 7, clock=lambda: next(ticks))
    quick = itertools.count(step=1e-9)
    check_search_budget(big, None, None, 7, clock=lambda: next(quick))


def test_a_trace_over_the_limit_is_refused_by_its_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`fit` on a trace over the size limit (lowered to 1 kB here): one line with its size and the limit."""
    monkeypatch.setattr(size, "MAX_TRACE_BYTES", 1024)
    monkeypatch.setattr(size.check_trace_size, "__defaults__", (1024,))
    trace = tmp_path / "big.json"
    trace.write_text('{"resourceSpans": []}' + " " * 4096, encoding="utf-8")
    code, _, err = pfcbench(["fit", trace, "--out", tmp_path / "s.toml"], capsys)
    assert_one_line(code, err, "over the 0.0 MB a trace file may be")
    assert "big.json: 0.0 MB" in err
