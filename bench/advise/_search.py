"""The search: every candidate screened on a few plans, the promising ones predicted on all of them."""

from __future__ import annotations

from dataclasses import dataclass

from bench.advise._fast import Evaluator, Prediction
from bench.advise._pareto import admissible, cost_key, distinct, meets_slo, pareto_front, rank
from bench.advise._space import candidate_space
from scenarios import Scenario, make_plan

SCREEN_PLANS = 48
REFINE = 40
#: an SLO's pick: the cheapest this many of the screen's candidates near the SLO are predicted on all plans
SLO_REFINE = 12
#: near the SLO on the screen: a p95 of 48 plans is rough, so candidates a little above it are tried too
SLO_MARGIN = 0.15


@dataclass(frozen=True, slots=True)
class Search:
    evaluated: int
    screened: tuple[Prediction, ...]
    front: tuple[Prediction, ...]
    ranked: tuple[Prediction, ...]
    evaluator: Evaluator


def default_plans(scenario: Scenario) -> int:
    """256 plans, fewer for many calls (each plan costs in proportion; a quota-bound makespan varies little)."""
    return max(32, min(256, 2560 // max(1, len(scenario.calls))))


def search(scenario: Scenario, max_workers: int | None, plans: int | None, seed: int) -> Search:
    """Screen every candidate, refine the promising ones. The plans are the runner's trials 0, 1, ... of the
    same seed, so a confirmation run measures the first of the very plans the search predicted."""
    n = plans or default_plans(scenario)
    ev = Evaluator(scenario, [make_plan(scenario, seed, i) for i in range(n)])
    cands = candidate_space(scenario, max_workers)
    calls = len(scenario.calls)
    screened = distinct([ev.predict(c, min(SCREEN_PLANS, n)) for c in cands], calls)
    promising = {p.candidate: None for p in [*rank(screened, calls, REFINE), *pareto_front(screened)]}
    refined = distinct([ev.predict(c) for c in promising], calls)
    return Search(
        len(cands), tuple(screened), tuple(pareto_front(refined)), tuple(rank(refined, calls, REFINE)), ev
    )


def slo_pick(found: Search, slo_p95_ms: float, calls: int) -> tuple[Prediction, bool]:
    """The cheapest configuration predicted to meet the SLO (and True), or the closest (and False). The
    cheapest that meets it is seldom among the fastest, nor on the front (workers are no objective there),
    so the screen's cheapest near the SLO are predicted on all plans too."""
    near = [p for p in admissible(found.screened) if p.p95_ms <= slo_p95_ms * (1 + SLO_MARGIN)]
    cheap = sorted(near, key=lambda p: cost_key(p, calls))[:SLO_REFINE]
    full = [found.evaluator.predict(p.candidate) for p in cheap]
    return meets_slo([*found.ranked, *found.front, *full], slo_p95_ms, calls)
