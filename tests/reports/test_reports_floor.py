"""The floor split (raw references), ties between executors, the invalid-run banner and percent digits."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from reports import floor_split, is_raw, raw_partner, render_report, summarize, trials_frame
from reports._fmt import pct
from reports._ranking import rank

LAT = [100.0, 200.0, 300.0]


def split_raw(trials: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(executor rows, raw reference rows), as load_run splits them."""
    raw = trials["executor"].map(is_raw).astype(bool)
    return trials[~raw], trials[raw]


def _trial(gen: Any, t: int, overheads: dict[str, float]) -> list[Any]:
    """One trial of three parallel calls: each executor's makespan is the ideal (300) plus its overhead."""
    return [
        gen.make_record("s", ex, t, LAT, [0.0] * 3, makespan_ms=300.0 + ovh, ideal_ms=300.0)
        for ex, ovh in overheads.items()
    ]


def test_raw_partner() -> None:
    """asyncio executors pair with the bare gather, every other executor with the bare thread pool."""
    assert raw_partner("asyncio") == raw_partner("asyncio@4") == "raw-asyncio"
    assert raw_partner("threaded") == raw_partner("sequential") == "raw-threads"


def test_a_trace_replays_recorded_turns_have_no_floor_split(gen: Any) -> None:
    """`recorded` is production's time in a trace replay: nothing of it ran here, so it gets no split row."""
    recs = [
        r for t in range(8) for r in _trial(gen, t, {"threaded": 5.0, "recorded": 400.0, "raw-threads": 3.0})
    ]
    assert [r.executor for r in floor_split(*split_raw(trials_frame(recs)))] == ["threaded"]


def test_floor_split_is_paired_per_trial(gen: Any) -> None:
    """Machine cost = raw − ideal; implementation cost = executor − raw, per trial, median with a CI."""
    recs = [
        r
        for t in range(8)
        for r in _trial(
            gen, t, {"threaded": 20.0 + t, "asyncio": 10.0, "raw-threads": 3.0, "raw-asyncio": 2.0}
        )
    ]
    rows = {r.executor: r for r in floor_split(*split_raw(trials_frame(recs)))}
    assert set(rows) == {"threaded", "asyncio"}
    thr, aio = rows["threaded"], rows["asyncio"]
    assert (thr.raw, aio.raw, thr.n) == ("raw-threads", "raw-asyncio", 8)
    assert thr.ideal.median == pytest.approx(300.0)
    assert thr.machine_cost.median == pytest.approx(3.0) and aio.machine_cost.median == pytest.approx(2.0)
    assert thr.implementation_cost.median == pytest.approx(17.0 + 3.5)  # 17 + t, t = 0..7
    ci = thr.implementation_cost.ci
    assert ci.defined and ci.low <= 20.5 <= ci.high
    assert aio.implementation_cost.median == pytest.approx(8.0)
    assert floor_split(*split_raw(trials_frame([r for r in recs if not r.executor.startswith("raw")]))) == []


def test_raw_rows_stay_out_of_rankings_and_tables(synthetic_report: tuple[Path, str]) -> None:
    """Raw references appear only in the floor split: not in the tables, findings or summary.csv."""
    path, md = synthetic_report
    with (path.parent / "summary.csv").open(encoding="utf-8") as fh:
        assert not [r for r in csv.DictReader(fh) if r["executor"].startswith("raw")]
    assert md.count("Floor split (document ms") == 5  # every scenario of the synthetic run
    assert "| `asyncio` | `raw-asyncio` |" in md and "| `threaded` | `raw-threads` |" in md
    outside = [
        line
        for line in md.splitlines()
        if "raw-" in line and not line.startswith("| `") and "Raw references" not in line
    ]
    assert not outside, outside
    findings = md.split("### Findings")[1].split("## Scenario")[0]
    assert "raw-" not in findings


def test_no_raw_records_says_so_in_one_line(run_factory: Callable[..., Path], gen: Any) -> None:
    """Without raw references the floor split is one n/a line per scenario; the run is valid."""
    recs = [r for t in range(6) for r in _trial(gen, t, {"sequential": 310.0, "threaded": 20.0})]
    md = render_report(run_factory(recs, {})).read_text(encoding="utf-8")
    assert md.count("Floor split: n/a") == 1 and "Floor split (document ms" not in md
    assert "INVALID" not in md


def test_fastest_only_where_intervals_separate(gen: Any) -> None:
    """Two executors within noise of each other are tied; one 10% slower in every trial is not."""
    recs = [
        r
        for t in range(12)
        for r in _trial(
            gen, t, {"sequential": 600.0, "a": 10.0 + (t % 3), "b": 10.0 + ((t + 1) % 3), "c": 45.0 + t % 2}
        )
    ]
    trials = trials_frame(recs)
    rk = rank(trials, summarize(trials), "sequential")["s"]
    assert rk.best.executor in {"a", "b"} and set(rk.tied) == {"a", "b"} - {rk.best.executor}
    assert not rk.separated
    alone = trials[trials["executor"] != "b"]
    rk2 = rank(alone, summarize(alone), "sequential")["s"]
    assert rk2.best.executor == "a" and rk2.separated


def test_fastest_names_its_closest_rivals_paired_interval(run_factory: Callable[..., Path], gen: Any) -> None:
    """A "fastest" finding quotes the closest rival's paired ratio and its CI, which lies above 1."""
    recs = [r for t in range(12) for r in _trial(gen, t, {"sequential": 600.0, "a": 10.0 + t % 3, "c": 45.0})]
    md = render_report(run_factory(recs, {})).read_text(encoding="utf-8")
    line = next(ln for ln in md.splitlines() if "fastest is `a`" in ln)
    assert "; `c` is +" in line and "slower, paired per trial" in line


def test_efficiency_above_one_beyond_its_ci_invalidates_the_run(
    run_factory: Callable[..., Path], gen: Any
) -> None:
    """Makespans shorter than the lower bound in every trial put a bold INVALID banner at the top."""
    recs = [
        gen.make_record("s", ex, t, LAT, [0.0] * 3, makespan_ms=mk, ideal_ms=300.0)
        for t in range(10)
        for ex, mk in (("sequential", 620.0), ("threaded", 280.0 + t))
    ]
    md = render_report(run_factory(recs, {})).read_text(encoding="utf-8")
    head = md.split("## The document's table")[0]
    assert "**⚠️ THIS RUN IS INVALID" in head and "`s` / `threaded`" in head


def test_a_calibrated_run_is_flagged_at_the_top(run_factory: Callable[..., Path], gen: Any) -> None:
    """An older run.json with timer calibration gets a banner saying its sleeps were shortened; a run
    without one says every tool slept its planned time and has no banner."""
    recs = [
        gen.make_record("s", ex, t, LAT, [0.0] * 3, makespan_ms=mk, ideal_ms=300.0)
        for t in range(6)
        for ex, mk in (("sequential", 620.0), ("threaded", 310.0))
    ]
    run = run_factory(recs, {})
    plain = render_report(run).read_text(encoding="utf-8")
    assert "Timer calibration was on" not in plain and "every tool slept its planned time" in plain
    meta = json.loads((run / "run.json").read_text())
    meta["calibration"] = {"sleep_bias_s": 6.6e-3, "asleep_bias_s": 3e-5, "probe_s": 1e-3}
    (run / "run.json").write_text(json.dumps(meta))
    head = render_report(run).read_text(encoding="utf-8").split("## The document's table")[0]
    assert "**⚠️ Timer calibration was on in this run" in head and "6600 µs" in head


def test_efficiency_prints_one_decimal() -> None:
    """0.9951 prints 99.5%, not 100%: the report can show an executor within half a percent of the limit."""
    assert pct(0.9951) == "99.5%" and pct(1.0) == "100.0%"
