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
