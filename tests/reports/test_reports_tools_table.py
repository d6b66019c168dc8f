"""Per-tool figures: each tool's median per executor, its ratio to the same tool alone (sequential), the
finding for a tool 1.2x or more slower, and the guess printed as an expectation."""

from __future__ import annotations

import dataclasses

from reports import TrialRecord
from reports._tools_table import slow_tool_findings, tool_rows, tools_frame, tools_section
from tests.reports.conftest import make_record


def _real(rec: TrialRecord, expected_s: float | None = None) -> TrialRecord:
    calls = tuple(
        dataclasses.replace(c, planned_latency_s=0.0, source="python", expected_latency_s=expected_s)
        for c in rec.calls
    )
    return dataclasses.replace(rec, calls=calls)


def _records() -> list[TrialRecord]:
    out = []
    for t in range(10):
        out.append(_real(make_record("s", "sequential", t, [40 + t % 3, 100], [0, 45]), 0.01))
        out.append(_real(make_record("s", "threaded@4", t, [80 + t % 3, 101], [0, 0]), 0.01))
    return out


def test_ratio_to_alone_and_finding_for_a_slowed_tool() -> None:
    """api0 doubles under threads (named, with why); api1 stays the same (not named)."""
    rows = {(r.executor, r.tool): r for r in tool_rows(_records())}
    slow, same = rows[("threaded@4", "api0")], rows[("threaded@4", "api1")]
    assert abs(slow.ratio - 81 / 41) < 1e-9 and slow.ratio_ci.excludes(1.0)
    assert abs(same.ratio - 1.01) < 1e-9
    (line,) = slow_tool_findings(list(rows.values()))
    assert "`api0`" in line and "threaded@4" in line and "GIL" in line


def test_csv_and_section_print_the_guess_as_an_expectation() -> None:
    """tools.csv has one row per scenario x executor x tool; the section says what was expected."""
    rows = tool_rows(_records())
    frame = tools_frame(rows)
    assert len(frame) == 4 and set(frame["source"]) == {"python"}
    md = "\n".join(tools_section(rows, ["s"]))
    assert "you expected 200 ms, it took 41.0" in md  # 0.01 s at time scale 0.05
    assert tools_section(rows, []) == []
