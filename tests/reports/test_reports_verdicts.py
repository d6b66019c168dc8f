"""Verdicts on the document's rows, written from numbers and intervals alone."""

from __future__ import annotations

import math
from typing import Any

from reports import CI
from reports._theory import parse_theory
from reports._verdicts import DIFFERS, HOLDS, INCONCLUSIVE, NA, Measured, judge

FIVE_APIS: dict[str, Any] = {
    "n_calls": 5,
    "quota": None,
    "doc": {"row": "5 APIs (200–800ms)", "sequential_ms": 2500, "parallel_ms": 800, "speedup": 3.0},
    "expected_sum_ms": 2500.0,
    "expected_max_ms": 700.0,
    "p50_sum_ms": 2500.0,
    "p95_sum_ms": 3136.0,
    "p50_max_ms": 712.0,
    "p95_max_ms": 794.0,
    "expected_lower_bound_ms": 700.0,
    "predicted_ms": {"sequential": 2500.0, "threaded": 700.0},
}

RATE_LIMITED: dict[str, Any] = {
    "n_calls": 10,
    "quota": {"calls": 10, "period_ms": 1000.0, "burst": 2},
    "doc": {"row": "10 APIs + rate limit", "sequential_ms": 3000, "parallel_ms": 1200, "speedup": 2.5},
    "expected_sum_ms": 3000.0,
    "expected_max_ms": 463.6,
    "p95_max_ms": 495.0,
    "expected_lower_bound_ms": 972.0,
    "predicted_ms": {"sequential": 3000.0, "threaded": 1170.0, "ratelimited": 1170.0},
}


def _ci(mid: float, rel: float = 0.01) -> CI:
    return CI(mid * (1 - rel), mid * (1 + rel), "order statistics")


def measured(seq: float, par: float, ex: str, speedup: float, rel: float = 0.01) -> Measured:
    """A measurement whose intervals are ±rel around each median."""
    return Measured(seq, par, ex, speedup, _ci(seq, rel), _ci(par, rel), _ci(speedup, rel))


def test_five_apis_parallel_figure_is_the_p95_of_the_max() -> None:
    """The document's ~800 ms is +14% off E[max] = 700 ms and is named as the p95 of the max (794 ms)."""
    v = judge(parse_theory("x", FIVE_APIS), measured(2510.0, 705.0, "threaded", 3.55))
    assert v is not None and v.status == DIFFERS and not v.holds
    assert v.text.startswith("differs by")
    assert "p95[max] = 794 ms" in v.text and "+14%" in v.text


def test_row_holds_when_every_interval_is_within_ten_percent() -> None:
    """Claims whose references' whole intervals lie within ±10% hold, whatever the scenario is called."""
    d = {**FIVE_APIS, "doc": {"row": "r", "sequential_ms": 2400, "parallel_ms": 720, "speedup": 3.4}}
    v = judge(parse_theory("anything", d), measured(2500.0, 700.0, "asyncio", 3.5))
    assert v is not None and v.status == HOLDS and v.text == "holds"


def test_interval_straddling_the_edge_is_inconclusive() -> None:
    """A measured median 10% off whose CI reaches back inside the band is neither holds nor differs."""
    d = {**FIVE_APIS, "doc": {"row": "r", "sequential_ms": 2500, "parallel_ms": 700, "speedup": 3.57}}
    m = Measured(2500.0, 780.0, "threaded", 3.2, _ci(2500.0), CI(760.0, 800.0, "x"), _ci(3.4))
    v = judge(parse_theory("x", d), m)
    assert v is not None and v.status == INCONCLUSIVE
    assert "straddles" in v.text and "more trials" in v.text


def test_missing_measurement_is_never_holds() -> None:
    """Without a sequential run (NaN, no CI) the row is n/a although every other figure holds."""
    d = {**FIVE_APIS, "doc": {"row": "r", "sequential_ms": 2400, "parallel_ms": 720, "speedup": 3.4}}
    good = measured(2500.0, 700.0, "asyncio", 3.5)
    m = Measured(math.nan, good.parallel_ms, "asyncio", math.nan, parallel_ci=good.parallel_ci)
    v = judge(parse_theory("x", d), m)
    assert v is not None and v.status == NA and not v.holds
    assert "sequential (measured median)" in v.text
    assert {c.status for c in v.checks if math.isnan(c.reference)} == {NA}


def test_quota_row_is_judged_against_list_order() -> None:
    """With a quota the parallel figure is judged against the list-order prediction (1,170 ms), not the
    clairvoyant bound (972 ms), and the note explains that gap separately."""
    v = judge(parse_theory("rl", RATE_LIMITED), measured(3000.0, 1206.0, "ratelimited", 2.5))
    assert v is not None and v.status == HOLDS
    par = next(c for c in v.checks if c.what == "parallel" and not c.reference_name.startswith("measured"))
    assert par.reference == 1170.0 and "list order" in par.reference_name
    assert "no earlier than 800 ms" in v.note and "972 ms" in v.note and "1,170 ms" in v.note


def test_quota_row_without_predictions_falls_back_to_the_bound() -> None:
    """No predictions in theory.json: the lower bound is the reference, and the quota is cited."""
    d = {**RATE_LIMITED, "predicted_ms": {}, "expected_lower_bound_ms": 900.0}
    v = judge(parse_theory("rl", d), measured(3000.0, 950.0, "ratelimited", 3.1))
    assert v is not None and v.status == DIFFERS
    assert "quota" in v.note and "no earlier than 800 ms" in v.note


def test_missing_theory_keys_are_tolerated() -> None:
    """A sparse theory entry parses to NaNs, and a scenario without a document row has no verdict."""
    t = parse_theory("s", {"doc": None})
    assert math.isnan(t.expected_max_ms) and t.quota is None and t.family == "s"
    assert judge(t, Measured()) is None
