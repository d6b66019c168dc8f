"""Baseline comparison: a synthetic 20% slowdown is caught, an identical copy and noise pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from reports import (
    GateError,
    RegressionPolicy,
    TrialRecord,
    check_comparable,
    find_regressions,
    load_gate_run,
)

from ._fixtures import record, write_run


def _run(
    rng: np.random.Generator, factor: float, noise: float, *, n: int = 10, seed: int = 7, **kw: Any
) -> list[TrialRecord]:
    # plans vary 5x between trials (as U(100, 500) ms does); the code's noise is small and multiplicative
    plan = np.linspace(0.01, 0.05, n)
    return [
        record("s", "threaded", i, float(p * factor * (1 + rng.normal(0, noise))), seed=seed, **kw)
        for i, p in enumerate(plan)
    ]


def test_identical_copy_passes() -> None:
    """The same records as baseline and candidate: ratio 1, CI a point, no regression."""
    recs = _run(np.random.default_rng(1), 1.0, 0.02)
    [r] = find_regressions(recs, recs, RegressionPolicy())
    assert r.mode == "paired"
    assert (r.ratio, r.ci_low, r.ci_high) == (1.0, 1.0, 1.0)
    assert not r.significant and not r.regressed


def test_twenty_percent_slowdown_is_caught() -> None:
    """A candidate 20% slower with 2% noise is a significant regression beyond the 5% tolerance."""
    rng = np.random.default_rng(2)
    [r] = find_regressions(_run(rng, 1.0, 0.02), _run(rng, 1.2, 0.02), RegressionPolicy())
    assert r.mode == "paired"
    assert r.ratio == pytest.approx(1.2, rel=0.05)
    assert r.ci_low > 1.0 and r.regressed


def test_slowdown_within_tolerance_is_not_a_failure() -> None:
    """A significant 2% slowdown is reported as significant but does not fail a 5% tolerance."""
    rng = np.random.default_rng(3)
    [r] = find_regressions(_run(rng, 1.0, 0.002), _run(rng, 1.02, 0.002), RegressionPolicy())
    assert r.significant and not r.regressed


def test_different_seeds_fall_back_to_unpaired() -> None:
    """Runs with different seeds are compared as unpaired samples, and the plan spread hides 20%."""
    rng = np.random.default_rng(4)
    [r] = find_regressions(_run(rng, 1.0, 0.02), _run(rng, 1.2, 0.02, seed=8), RegressionPolicy())
    assert r.mode == "unpaired"
    assert r.ci_low < 1.0 < r.ci_high and not r.regressed


def test_speedup_is_not_a_regression() -> None:
    """A faster candidate passes whatever the significance."""
    rng = np.random.default_rng(5)
    [r] = find_regressions(_run(rng, 1.0, 0.01), _run(rng, 0.7, 0.01), RegressionPolicy())
    assert r.ratio < 1 and not r.regressed


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [("scenario_hash", "h2", r"differs \(hash"), ("time_scale", 0.2, "time_scale differs")],
)
def test_incomparable_runs_are_refused(tmp_path: Path, field: str, value: Any, needle: str) -> None:
    """Different scenario definitions or time scales measure different things: refused as bad input."""
    rng = np.random.default_rng(6)
    base = write_run(tmp_path / "b", _run(rng, 1.0, 0.01))
    cand = write_run(tmp_path / "c", _run(rng, 1.0, 0.01, **{field: value}))
    with pytest.raises(GateError, match=needle):
        check_comparable(load_gate_run(base), load_gate_run(cand))


def test_injected_slowdown_is_compared_and_noted(tmp_path: Path) -> None:
    """A run with an injected slowdown is comparable (same hash) and the injection is named in the notes."""
    rng = np.random.default_rng(7)
    base = write_run(tmp_path / "b", _run(rng, 1.0, 0.01))
    cand = write_run(tmp_path / "c", _run(rng, 1.1, 0.01), {"args": {"inject_slowdown": 1.1}})
    notes = check_comparable(load_gate_run(base), load_gate_run(cand))
    assert any("candidate x1.1" in n for n in notes)


def test_too_few_trials_are_never_significant() -> None:
    """Two trials give no evidence: even a 20% slower pair is shown but not failed."""
    rng = np.random.default_rng(8)
    [r] = find_regressions(_run(rng, 1.0, 0.0, n=2), _run(rng, 1.2, 0.0, n=2), RegressionPolicy())
    assert r.ratio == pytest.approx(1.2)
    assert not r.tested and not r.significant and not r.regressed
