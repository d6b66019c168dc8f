"""The answer first: a non-document scenario's report opens with what to use, and a tiny difference is
called negligible even when its paired interval excludes 1."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from reports import render_report
from reports._answer import negligible


def test_negligible_is_below_one_ms_wall_or_one_percent() -> None:
    """0.24 ms wall is negligible; 5 ms of a 100 ms turn is not; 0.5% of a long turn is."""
    assert negligible(0.24, 100.0, 1.0)
    assert not negligible(5.0, 100.0, 1.0)
    assert negligible(40.0, 10_000.0, 1.0)
    assert negligible(4.0, 100.0, 0.1)  # 4 document ms at time scale 0.1 is 0.4 ms of wall time


def test_a_consistent_tiny_difference_is_slower_but_negligible(
    run_factory: Callable[..., Path], gen: Any
) -> None:
    """b is 0.2 ms slower than a in every trial: the CI excludes 1, the answer says negligible."""
    recs = [
        gen.make_record(
            "s", ex, t, [100.0] * 3, [0.0] * 3, makespan_ms=mk + t, ideal_ms=100.0, time_scale=1.0
        )
        for t in range(12)
        for ex, mk in (("sequential", 300.0), ("a", 101.0), ("b", 101.2))
    ]
    md = render_report(run_factory(recs, {})).read_text(encoding="utf-8")
    assert md.index("## Your answer") < md.index("## Scenario `s`")
    line = next(ln for ln in md.splitlines() if ln.startswith("- Against the others"))
    assert "`b`: slower" in line and "negligible" in line
