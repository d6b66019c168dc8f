"""Numbers that mislead, fixed: one verdict band (the figure ±10%), no ``ok`` after the deadline, no floor
split of failed turns, wall ms named as such, the Locust user's real path in the docs."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pandas as pd
import pytest

from bench.cli import main
from reports import CI, floor_split, http_compare_markdown
from reports._verdicts import HOLDS, Check
from scenarios import Stall

ROOT = Path(__file__).resolve().parents[2]


def test_the_verdict_band_is_the_figure_plus_minus_ten_percent() -> None:
    """Claim 1000 ms, measured CI [905, 1095]: inside 900..1100, so it holds (the old claim/1.1..claim/0.9
    band, 909..1111, called it inconclusive); [895, 1000] reaches outside and does not hold."""
    assert Check("parallel", 1000.0, 1000.0, "measured", CI(905.0, 1095.0, "order")).band == (900.0, 1100.0)
    assert Check("parallel", 1000.0, 1000.0, "measured", CI(905.0, 1095.0, "order")).status == HOLDS
    assert Check("parallel", 1000.0, 1000.0, "measured", CI(895.0, 1000.0, "order")).status != HOLDS
    assert "0.9× to 1.1×" in (ROOT / "docs" / "reports.md").read_text(encoding="utf-8")


def test_turns_with_failed_calls_get_no_floor_split() -> None:
    """An executor whose calls failed in every trial gets no row (its turns end early: a negative 'cost');
    one with a failed trial of two is split on the other only."""
    rows = []
    for ex, errors in (("threaded", [3, 3]), ("batched", [0, 2])):
        for trial, n in enumerate(errors):
            rows.append({"scenario": "s", "executor": ex, "trial": trial, "makespan_ms": 100.0 if n else 500.0,
                         "ideal_ms": 400.0, "n_errors": n})  # fmt: skip
    raw = pd.DataFrame(
        [{"scenario": "s", "executor": "raw-threads", "trial": t, "makespan_ms": 410.0, "ideal_ms": 400.0}
         for t in range(2)]
    )  # fmt: skip
    split = floor_split(pd.DataFrame(rows), raw)
    assert [(r.executor, r.n) for r in split] == [("batched", 1)]
    assert math.isclose(split[0].implementation_cost.median, 90.0)


def test_http_compare_names_wall_ms() -> None:
    """http-compare's columns say their unit: wall milliseconds, not document ms."""
    rows = [{"trial": 0, "executor": "threaded", "transport": t, "makespan_s": 0.1, "rate_limited": 0}
            for t in ("inprocess", "http")]  # fmt: skip
    md, _ = http_compare_markdown(rows, ["threaded"], "t")
    assert "in-process median (wall ms)" in md and "wall milliseconds" in md


def test_docs_name_the_locust_user_where_it_is() -> None:
    """The docs and locustfile name bench/load/locust_user.py, the file that exists."""
    assert (ROOT / "bench" / "load" / "locust_user.py").exists()
    for p in (ROOT / "docs" / "load.md", ROOT / "locustfile.py"):
        text = p.read_text(encoding="utf-8")
        assert "bench/locust_user.py" not in text and "bench/load/locust_user.py" in text


def test_stall_at_counts_from_the_measured_phase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`load --stall-at 0.5` after a baseline that takes 0.4 s: the stall starts 0.5 s after the measured
    phase's start (the baseline's end + the lead), not 0.5 s after the run began."""
    import bench.load._runs as runs

    ends: list[float] = []
    stalls: list[Stall] = []

    def slow_baseline(session: object, n: int) -> list[float]:
        time.sleep(0.4)
        ends.append(time.perf_counter())
        return []

    def stall(start: float, end: float) -> Stall:
        stalls.append(Stall(start, end))
        return stalls[-1]

    monkeypatch.setattr(runs, "_unloaded", slow_baseline)
    monkeypatch.setattr(runs, "Stall", stall)
    argv = ["load", "--scenario", "doc-3apis", "--rate", "2", "--duration", "1", "--time-scale", "0.01"]
    code = main([*argv, "--stall-at", "0.5", "--stall-for", "0.1", "--out", str(tmp_path / "o")])
    assert code == 0, capsys.readouterr().err
    (s,) = stalls
    assert s.start - ends[0] >= 0.5
