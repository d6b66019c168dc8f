"""The search: every candidate screened on a few plans, the promising ones predicted on all of them."""

from __future__ import annotations

from dataclasses import dataclass

from bench.advise._fast import Evaluator, Prediction
from bench.advise._pareto import distinct, pareto_front, rank
from bench.advise._space import candidate_space
from scenarios import Scenario, make_plan

SCREEN_PLANS = 48
REFINE = 40


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
