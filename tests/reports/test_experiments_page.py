"""experiments.md is a pure function of its sections: headings, intro lines, and one row per arm."""

from __future__ import annotations

from reports import ArmOutcome, experiments_markdown
from tests.reports.conftest import make_record


def test_experiments_page_counts_statuses_and_takes_medians() -> None:
    """A section's columns count calls by status per run (the mean over trials) and take the median makespan
    in document ms."""
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
    header = (
        "| arm | retries | calls per run | ok per run | success rate | extra attempts per run | makespan ms |"
    )
    assert header in page
    assert "| threaded+retry | 3 attempts | 2 | 1.5 | 75.0% | 0 | 300 |" in page


def test_every_count_is_per_run_and_says_so() -> None:
    """Ten runs of 10 calls, 9 answered 429 each: the 429 answers and the calls that succeeded both read per
    run (9 and 1, as the document states "100 calls: 90 errors"), not 9 beside a total of 10, and every
    count column's header says "per run"."""
    recs = tuple(
        make_record(
            "burst-429", "threaded-naive", t, [10] * 10, [0] * 10, statuses=["ok"] + ["rate_limited"] * 9
        )
        for t in range(10)
    )
    arm = ArmOutcome("threaded-naive", "no limiter", recs, (9,) * 10)
    page = experiments_markdown([("burst-429", [arm])], trials=10, flaky_trials=10, seed=7, time_scale=0.05)
    header = next(line for line in page.splitlines() if line.startswith("| arm"))
    assert "| 429 answers per run | succeeded per run | success rate |" in header
    assert "| threaded-naive | no limiter | 9 | 1 | 10.0% |" in page
    assert "Counts are per run" in page
    for scenario in ("partial-failure", "deps-chain", "flaky"):
        one = experiments_markdown([(scenario, [arm])], trials=10, flaky_trials=10, seed=7, time_scale=0.05)
        heads = next(line for line in one.splitlines() if line.startswith("| arm")).strip("| ").split(" | ")
        counts = [
            h
            for h in heads
            if h not in ("arm", "guards", "retries", "success rate", "makespan ms", "efficiency")
        ]
        assert counts and all(h.endswith(" per run") for h in counts), heads
