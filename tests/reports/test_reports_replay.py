"""The report's trace-replay section: paired savings against ``recorded`` (whitebox: reports._replay)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reports import paired_savings
from reports._replay import RECORDED, replay_section


def test_section_is_empty_without_recorded() -> None:
    """Runs without a trace replay get no section (the report is unchanged for them)."""
    trials = pd.DataFrame({"scenario": ["s"], "executor": ["threaded"], "trial": [0], "makespan_ms": [1.0]})
    assert replay_section(trials) == []


def test_paired_savings_are_exact_on_known_numbers() -> None:
    """recorded 100..199 ms, executor exactly half each turn: median cut 74.75 ms (50%), speedup 2."""
    rec = np.arange(100.0, 200.0)
    trials = pd.DataFrame(
        {
            "scenario": "s",
            "executor": [RECORDED] * 100 + ["threaded"] * 100,
            "trial": list(range(100)) * 2,
            "makespan_ms": np.concatenate([rec, rec / 2]),
            "planned_sum_ms": 1.0,
            "planned_max_ms": 1.0,
        }
    )
    (s,) = paired_savings(trials, "s", n_resamples=199)
    assert s.median_cut_ms[0] == pytest.approx(74.75) and s.median_cut_pct[0] == pytest.approx(50.0)
    assert s.speedup == pytest.approx((2.0, 2.0, 2.0))


def test_p95_cut_has_a_distribution_free_interval_only_from_72_turns() -> None:
    """With 100 turns the p95 cut's interval is the union-bound order-statistic one and holds the truth;
    with 40 turns there is none and the section says 72 turns are needed."""
    rng = np.random.default_rng(4)

    def frame(n: int) -> pd.DataFrame:
        rec = rng.uniform(100.0, 200.0, n)
        return pd.DataFrame(
            {
                "scenario": "s",
                "executor": [RECORDED] * n + ["threaded"] * n,
                "trial": list(range(n)) * 2,
                "makespan_ms": np.concatenate([rec, rec / 2]),
                "planned_sum_ms": 1.0,
                "planned_max_ms": 1.0,
            }
        )

    (s,) = paired_savings(frame(100), "s", n_resamples=199)
    point, ci = s.p95_cut_ms
    assert ci.method == "order statistics, union bound" and ci.low <= 97.5 <= ci.high  # true cut 195 - 97.5
    assert ci.low <= point <= ci.high
    (s40,) = paired_savings(frame(40), "s", n_resamples=199)
    assert not s40.p95_cut_ms[1].defined and s40.p95_cut_ms[1].needed == 72
    md = replay_section(frame(40), n_resamples=199)
    assert any("[no CI: needs 72 turns] at p95" in line for line in md)
