"""experiments.md is a pure function of its sections: headings, intro lines, and one row per arm."""

from __future__ import annotations

from reports import ArmOutcome, ExperimentSection, experiments_markdown
from tests.reports.conftest import make_record


def test_experiments_page_counts_statuses_and_takes_medians() -> None:
    """Columns name their metric; a status column counts calls; makespan is the median in document ms."""
    recs = (
        make_record("s", "threaded", 0, [100, 200], [0, 0], statuses=["ok", "error"]),
        make_record("s", "threaded", 1, [100, 400], [0, 0], statuses=["ok", "ok"]),
    )
    arm = ArmOutcome("threaded+retry", "3 attempts", recs, (2, 4))
    columns = (("arm", "arm"), ("retries", "note"), ("ok", "ok"), ("error", "error"))
    columns += (
        ("makespan ms", "makespan ms"),
        ("success rate", "success rate"),
        ("429s", "429 answers per run"),
    )
    section = ExperimentSection("## Retries", ("one line",), columns, (arm,))
    page = experiments_markdown([section], trials=2, flaky_trials=8, seed=7, time_scale=0.05)
    assert page.startswith(
        "# Experiments: the document's frequent errors\n\n2 trials per arm (flaky: 8), seed 7"
    )
    assert (
        "\n## Retries\n\none line\n\n| arm | retries | ok | error | makespan ms | success rate | 429s |\n"
        in page
    )
    assert "| threaded+retry | 3 attempts | 3 | 1 | 300 | 75.0% | 3 |" in page
