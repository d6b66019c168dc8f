"""Refusing up front a search that would not answer in bounded time, with the estimate.

The search predicts every candidate on up to ``SCREEN_PLANS`` plans and the promising ones on all of them;
each prediction simulates the turn, so its cost grows with the calls. On 1,000 calls per turn (the
documented maximum) that was ~400 candidates x 32 plans x ~30 ms: six minutes of silence. A few candidates
are timed on the screen's plans first; when the whole search would pass ``MAX_SEARCH_S`` it is refused in one line
saying how long it would take and what to pass instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from bench.advise._config import AdviseError
from bench.advise._fast import Evaluator
from bench.advise._search import REFINE, SCREEN_PLANS, default_plans
from bench.advise._space import Candidate, candidate_space
from scenarios import Scenario, TrialPlan, make_plan

#: the longest search advise starts (seconds, by the estimate)
MAX_SEARCH_S = 120.0
#: candidates timed for the estimate, spread over the space (their costs differ by guard and pool)
PROBES = 4
Clock = Callable[[], float]


def search_estimate_s(
    scenario: Scenario, candidates: Sequence[Candidate], plans: Sequence[TrialPlan], total: int, clock: Clock
) -> float:
    """Seconds the search would take: a few candidates timed on the screen's ``plans`` (after one untimed
    prediction: the first pays for caches), times every candidate, plus the refinement on all ``total``
    plans. A prediction costs about in proportion to its plans, so the screen's count is what is timed."""
    step = max(1, len(candidates) // PROBES)
    probes = list(candidates[::step])[:PROBES]
    ev = Evaluator(scenario, list(plans))
    ev.predict(probes[0], len(plans))
    t0 = clock()
    for c in probes:
        ev.predict(c, len(plans))
    per = (clock() - t0) / max(1, len(probes))
    return per * len(candidates) + per * total / len(plans) * 2 * REFINE


def check_search_budget(
    scenario: Scenario,
    max_workers: int | None,
    plans: int | None,
    seed: int,
    clock: Clock = time.perf_counter,
) -> None:
    """Raise ``AdviseError`` when the search would pass ``MAX_SEARCH_S``, naming the estimate and a
    ``--plans`` that fits (when one does)."""
    n = plans or default_plans(scenario)
    cands = candidate_space(scenario, max_workers)
    screen = [make_plan(scenario, seed, i) for i in range(min(SCREEN_PLANS, n))]
    est = search_estimate_s(scenario, cands, screen, n, clock)
    if est <= MAX_SEARCH_S:
        return
    fit = int(n * MAX_SEARCH_S / est)
    hint = f"pass --plans {fit} (about {est * fit / n:.0f} s) or " if fit >= 4 else ""
    raise AdviseError(
        f"scenario {scenario.name!r}: searching {len(cands)} configurations on {n} plans of "
        f"{len(scenario.calls)} calls would take about {est:.0f} s here (limit {MAX_SEARCH_S:.0f} s); "
        f"{hint}narrow it with --max-workers"
    )
