"""advise refuses up front a search that would not answer in bounded time, with its estimate."""

from __future__ import annotations

import itertools

import pytest

from bench.advise import AdviseError
from bench.advise._budget import MAX_SEARCH_S, check_search_budget
from scenarios import parse_scenarios


def test_advise_on_1000_calls_is_refused_up_front_with_its_estimate() -> None:
    """With predictions timed at 10 s each (an injected clock), the search is refused, naming the estimate,
    the limit and a --plans that fits; a quick clock lets the same search start."""
    (big,) = parse_scenarios(
        {
            "name": "fanout-1000",
            "tools": [{"name": "api_{i}", "count": 1000, "latency": {"dist": "constant", "ms": 100}}],
        },
        "big.toml",
    )
    ticks = itertools.count(step=80.0)
    with pytest.raises(
        AdviseError, match=rf"1000 calls would take about \d+ s here \(limit {MAX_SEARCH_S:.0f} s\)"
    ):
        check_search_budget(big, None, None, 7, clock=lambda: next(ticks))
    quick = itertools.count(step=1e-9)
    check_search_budget(big, None, None, 7, clock=lambda: next(quick))
