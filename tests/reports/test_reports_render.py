"""render_report and compare_runs end to end, from synthetic run directories."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from matplotlib.image import imread

from reports import IncomparableRunsError, ResultsWriter, compare_runs, render_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _linked_images(md: str) -> list[str]:
    return re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)


def test_fixed_report_numbers(fixed_run: Path, gen: Any) -> None:
    """summary.csv and report.md carry the medians and paired speedups the test computes itself."""
    report = render_report(fixed_run)
    with (fixed_run / "summary.csv").open(encoding="utf-8") as fh:
        rows = {r["executor"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {"sequential", "threaded", "asyncio"}
    seq = [sum(lat) + gen.FIXED_OVERHEAD["sequential"] + t for t, lat in gen.FIXED_LAT.items()]
    thr = [max(lat) + gen.FIXED_OVERHEAD["threaded"] + t for t, lat in gen.FIXED_LAT.items()]
    assert float(rows["sequential"]["median_ms"]) == pytest.approx(statistics.median(seq), rel=1e-5)
    assert float(rows["threaded"]["median_ms"]) == pytest.approx(statistics.median(thr), rel=1e-5)
    speed = statistics.median(s / t for s, t in zip(seq, thr, strict=True))
    assert float(rows["threaded"]["speedup_median"]) == pytest.approx(speed, rel=1e-5)
    eff = statistics.median(max(lat) / t for lat, t in zip(gen.FIXED_LAT.values(), thr, strict=True))
    assert float(rows["threaded"]["efficiency"]) == pytest.approx(eff, rel=1e-5)
    md = report.read_text(encoding="utf-8")
    assert f"{statistics.median(thr):,.0f}" in md
    assert f"{speed:.2f}×" in md
    # 3 APIs at exactly 500 ms: the document's 1500 / 500 / 3x hold against theory; 5 trials are too
    # few for a median interval, so the measured checks are n/a and the row is n/a, never "holds".
    assert "| `doc-3apis` | parallel | ~500 | E[max] | 500 | 450–550 | ✅ holds |" in md
    assert "[no CI: needs 6 trials]" in md
    row = next(line for line in md.splitlines() if line.startswith("| 3 APIs"))
    assert row.endswith(
        "| n/a: nothing to judge parallel (measured median (asyncio)), sequential (measured median), "
        "speedup (measured paired speedup) against |"
    )
    order = [
        md.index(h)
        for h in (
            "# pfcbench report",
            "## The document's table",
            "## Scenario `doc-3apis`",
            "## Method",
            "## Warnings",
        )
    ]
    assert order == sorted(order)
    assert "few-trials" in md  # 5 trials < 10


def test_report_links_real_pngs(synthetic_report: tuple[Path, str]) -> None:
    """Every image the report links exists, is a PNG, is not trivially small and can be decoded."""
    path, md = synthetic_report
    links = _linked_images(md)
    kinds = {"doc_table", "_ecdf", "_timeline", "_quota", "_workers", "family_fanout"}
    assert all(any(k in link for link in links) for k in kinds), links
    for link in links:
        png = path.parent / link
        data = png.read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 10_000, link
        img = imread(png)
        assert img.shape[0] > 300 and img.shape[1] > 500


def test_synthetic_verdicts_reason_from_numbers(synthetic_report: tuple[Path, str]) -> None:
    """The 5-API row is off and names p95[max]; the rate-limited row is explained by the quota."""
    _, md = synthetic_report
    row5 = next(line for line in md.splitlines() if "`doc-5apis`" in line and line.startswith("|"))
    assert "differs by" in row5 and "p95[max]" in row5
    row_rl = next(
        line for line in md.splitlines() if "`doc-10apis-ratelimited`" in line and line.startswith("|")
    )
    assert "list order" in row_rl
    note = next(line for line in md.splitlines() if line.startswith("- `doc-10apis-ratelimited`: The quota"))
    assert "800 ms" in note and "clairvoyant" in note
    assert "batched` costs" in md  # batching waits for the slowest call of each batch
    assert "over quota" in md  # unpaced executors break the quota and are not counted as "parallel"


def test_trace_is_chrome_trace(synthetic_report: tuple[Path, str]) -> None:
    """trace.json is valid JSON with complete events in µs and named tracks."""
    path, _ = synthetic_report
    trace = json.loads((path.parent / "trace.json").read_text(encoding="utf-8"))
    events = trace["traceEvents"]
    calls = [e for e in events if e["ph"] == "X"]
    assert calls and all(e["dur"] >= 0 and "pid" in e and "tid" in e for e in calls)
    names = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert any(n.startswith("sequential") for n in names)
    # the 3-APIs sequential calls last 500 document ms = 500,000 µs
    assert any(abs(e["dur"] - 500_000) < 1 for e in calls)


def test_incomplete_run_is_flagged(run_factory: Callable[..., Path], gen: Any) -> None:
    """A run whose status is not complete says so in bold at the top."""
    run = run_factory(gen.fixed_records(), gen.FIXED_THEORY, status="interrupted")
    md = render_report(run).read_text(encoding="utf-8")
    head = md.split("## The document's table")[0]
    assert "**This run is not complete (status: `interrupted`)" in head


def test_render_without_theory_or_baseline(tmp_path: Path, gen: Any) -> None:
    """No theory.json and no sequential executor: the report still renders, skipping what it cannot show."""
    run = tmp_path / "bare"
    run.mkdir()
    with ResultsWriter(run / "results.jsonl") as w:
        for t in range(3):
            w.write(gen.make_record("x", "threaded", t, [100.0, 200.0], [0.0, 0.0]))
    md = render_report(run).read_text(encoding="utf-8")
    assert md.index("## Your answer") < md.index("## Scenario") and "The document's table" not in md
    for link in _linked_images(md):
        assert (run / link).exists()
    assert not (run / "figures" / "doc_table.png").exists()


def test_compare_runs_marks_change(run_factory: Callable[..., Path], gen: Any) -> None:
    """A 30% slower run is marked ▲ with a CI above 1; identical runs are not marked."""
    base_recs, theory = gen.synthetic_records(trials=12, seed=5)
    slow_recs, _ = gen.synthetic_records(trials=12, seed=6, slowdown=1.3)
    base, slow = run_factory(base_recs, theory), run_factory(slow_recs, theory)
    table = compare_runs(base, slow, n_resamples=499)
    seq_row = next(line for line in table.splitlines() if "`doc-3apis` | `sequential`" in line)
    assert "▲" in seq_row
    same = compare_runs(base, base, n_resamples=499)
    assert "▲" not in same.split("CI excludes 1.")[1] and "▼" not in same.split("CI excludes 1.")[1]


def test_an_old_runs_sdk_afc_meets_genai_afc(run_factory: Callable[..., Path], gen: Any) -> None:
    """``sdk-afc`` (the old label) in the base run is compared with ``genai-afc`` in the new one."""
    recs, theory = gen.synthetic_records(trials=12, seed=5)
    old = [dataclasses.replace(r, executor="sdk-afc") for r in recs if r.executor == "sequential"]
    new = [dataclasses.replace(r, executor="genai-afc") for r in recs if r.executor == "sequential"]
    table = compare_runs(run_factory(old, theory), run_factory(new, theory), n_resamples=499)
    assert "`genai-afc`" in table and "`sdk-afc`" not in table


def test_compare_refuses_mismatched_hash(run_factory: Callable[..., Path], gen: Any) -> None:
    """Different scenario_hash or time_scale for a shared scenario raises IncomparableRunsError."""
    a = run_factory(gen.fixed_records(scenario_hash="aaa"), gen.FIXED_THEORY)
    b = run_factory(gen.fixed_records(scenario_hash="bbb"), gen.FIXED_THEORY)
    with pytest.raises(IncomparableRunsError, match="scenario_hash differs"):
        compare_runs(a, b)
    c = run_factory(gen.fixed_records(scenario_hash="aaa", time_scale=0.1), gen.FIXED_THEORY)
    with pytest.raises(IncomparableRunsError, match="time_scale differs"):
        compare_runs(a, c)
    assert issubclass(IncomparableRunsError, ValueError)


def test_empty_results_render(tmp_path: Path) -> None:
    """An empty results file (a run killed before its first trial) is refused: an empty report would look clean."""
    run = tmp_path / "empty"
    run.mkdir()
    (run / "results.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="no records to report"):
        render_report(run)
    assert not (run / "report.md").exists()


def test_ten_trials_without_sequential_hold_nothing_and_print_no_p95_interval(
    run_factory: Callable[..., Path], gen: Any
) -> None:
    """10 trials and no `sequential`: no document row says "holds", a figure without a value is n/a (the
    measured parallel figure alone may hold), and every p95 prints no interval (a 95% one needs 59 trials),
    in report.md and summary.csv alike."""
    recs, theory = gen.synthetic_records(trials=10)
    run = run_factory([r for r in recs if r.executor != "sequential"], theory)
    md = render_report(run).read_text(encoding="utf-8")
    rows = [ln for ln in md.splitlines() if ln.startswith("| ") and "(`doc-" in ln]
    assert len(rows) >= 3 and not any(ln.rstrip(" |").rsplit("| ", 1)[-1].startswith("holds") for ln in rows)
    missing = [ln for ln in md.splitlines() if ln.startswith("| `doc-") and "| – [n/a] |" in ln]
    assert len(missing) == 2 * len(rows) and all(ln.endswith("| – n/a |") for ln in missing)
    assert "The document's figures hold" not in md
    with (run / "summary.csv").open(encoding="utf-8") as fh:
        summary = list(csv.DictReader(fh))
    assert summary and all(r["p95_ci_low"] == r["p95_ci_high"] == "" for r in summary)
    assert md.count("[no CI: needs 59 trials]") == len(summary)
