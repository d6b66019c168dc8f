"""The Pareto front, the ranking and the SLO pick, on hand-made predictions."""

from __future__ import annotations

from bench.advise import Candidate
from bench.advise._fast import Prediction
from bench.advise._pareto import meets_slo, pareto_front, rank


def _p(
    ex: str, k: int | None, p50: float, p95: float, extra: float = 0.0, limited: float = 0.0
) -> Prediction:
    return Prediction(Candidate(ex, k), p50, p95, limited, extra, 0.0, (p50,))


def test_front_drops_the_dominated() -> None:
    """A prediction worse on every objective than another is not on the front."""
    a, b, c = _p("threaded", 4, 100, 200), _p("threaded", 2, 150, 180), _p("threaded", 1, 160, 210)
    assert pareto_front([a, b, c]) == [a, b]


def test_rank_breaks_ties_by_cost() -> None:
    """Two p50s and p95s within 3%: the one with fewer workers ranks first."""
    big, small = _p("threaded", 10, 100, 200), _p("threaded", 4, 102, 203)
    assert rank([big, small], calls=10)[0] is small


def test_rank_puts_zero_429s_first() -> None:
    """A faster configuration that draws 429s ranks below one that draws none."""
    fast, clean = _p("threaded-naive", 10, 50, 60, limited=3), _p("ratelimited", None, 90, 95)
    assert rank([fast, clean], calls=10)[0] is clean


def test_slo_cheapest_that_meets_or_closest() -> None:
    """The SLO picks the cheapest meeting it, or says none does and gives the closest."""
    preds = [_p("threaded", 10, 100, 150), _p("threaded", 3, 200, 280), _p("sequential", None, 500, 600)]
    assert meets_slo(preds, 300, calls=10) == (preds[1], True)
    assert meets_slo(preds, 100, calls=10) == (preds[0], False)
