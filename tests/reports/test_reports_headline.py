"""The headline run and report print: one line per scenario x executor with its median, CI and speedup."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from reports import is_raw, render_report, run_headline


def test_headline_has_a_median_per_executor_and_report_prints_the_same(
    run_factory: Callable[..., Path], gen: Any
) -> None:
    """Every executor of every scenario gets a median line; non-baseline lines say faster/slower than it."""
    records, theory = gen.synthetic_records(trials=8, seed=3)
    run = run_factory(records, theory)
    lines = run_headline(run)
    cells = {(r.scenario, r.executor) for r in records if not is_raw(r.executor)}
    assert sum(line.startswith("  ") and " median " in line for line in lines) == len(cells)
    assert all(
        "than sequential" in line for line in lines if line.startswith("  ") and "sequential " not in line
    )
    heard: list[str] = []
    render_report(run, on_headline=heard.append)
    assert heard == lines
