"""Verdicts on the document's rows, written from numbers alone."""

from __future__ import annotations

import math
from typing import Any

from reports._theory import Measured, judge, parse_theory

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


def test_five_apis_parallel_figure_is_the_p95_of_the_max() -> None:
    """The document's ~800 ms is +14% off E[max] = 700 ms and is named as the p95 of the max (794 ms)."""
    v = judge(parse_theory("x", FIVE_APIS), Measured(2510.0, 705.0, "threaded", 3.55))
    assert v is not None and not v.holds
    assert v.text.startswith("differs by")
    assert "p95[max] = 794 ms" in v.text and "+14%" in v.text


def test_row_holds_within_ten_percent() -> None:
    """Claims within ±10% of theory and of measurement hold, whatever the scenario is called."""
    d = {**FIVE_APIS, "doc": {"row": "r", "sequential_ms": 2400, "parallel_ms": 720, "speedup": 3.4}}
    v = judge(parse_theory("anything", d), Measured(2500.0, 700.0, "asyncio", 3.5))
    assert v is not None and v.holds and v.text == "holds"


def test_quota_row_is_explained_by_the_quota() -> None:
    """With a quota the parallel reference is the expected lower bound, and the reason cites the quota."""
    d = {
        "n_calls": 10,
        "quota": {"calls": 10, "period_ms": 1000.0, "burst": 2},
        "doc": {"row": "10 APIs + rate limit", "sequential_ms": 3000, "parallel_ms": 1200, "speedup": 2.5},
        "expected_sum_ms": 3000.0,
        "expected_max_ms": 463.6,
        "p95_max_ms": 495.0,
        "expected_lower_bound_ms": 900.0,
    }
    v = judge(parse_theory("rl", d), Measured(3000.0, 950.0, "ratelimited", 3.1))
    assert v is not None and not v.holds
    assert "quota" in v.text and "no earlier than 800 ms" in v.text


def test_missing_theory_keys_are_tolerated() -> None:
    """A sparse theory entry parses to NaNs, and a scenario without a document row has no verdict."""
    t = parse_theory("s", {"doc": None})
    assert math.isnan(t.expected_max_ms) and t.quota is None and t.family == "s"
    assert judge(t, Measured()) is None
