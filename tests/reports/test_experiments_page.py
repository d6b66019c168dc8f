"""experiments.md is a pure function of its sections: headings, intro lines, and one row per arm."""

from __future__ import annotations

from reports import ArmOutcome, experiments_markdown
from tests.reports.conftest import make_record


def test_experiments_page_counts_statuses_and_takes_medians() -> None:
    """A section's columns count calls by status and take the median makespan in document ms."""
    recs = (
        make_record("s", "threaded", 0, [100, 200], [0, 0], statuses=["ok", "error"]),
        make_record("s", "threaded", 1, [100, 400], [0, 0], statuses=["ok", "ok"]),
    )
    arm = ArmOutcome("threaded+retry", "3 attempts", recs, (2, 4))
    page = experiments_markdown([("flaky", [arm])], trials=2, flaky_trials=8, seed=7, time_scale=0.05)
    assert page.startswith(
        "# Experiments: the document's frequent errors\n\n2 trials per arm (flaky: 8), seed 7"
    )
    assert "\n## Retries on `flaky`" in page
    header = "| arm | retries | calls | ok | success rate | extra attempts | makespan ms |"
    assert header in page
    assert "| threaded+retry | 3 attempts | 4 | 3 | 75.0% | 0 | 300 |" in page
