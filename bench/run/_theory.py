"""What the distributions say a run should take, computed once per run and stored in theory.json, so a
report can put theory beside measurement without importing scenarios or executors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bench.run._convert import planned_work, quotas_of
from executors import Executor
from scenarios import Scenario, expected_max, make_plan, max_quantile

#: plans sampled for Monte Carlo figures; the seed stream is disjoint from any run's trials
MC_PLANS = 400
_MC_TRIAL_OFFSET = 1_000_000


def scenario_theory(
    scenario: Scenario, executors: Sequence[Executor], seed: int, *, plans: int = MC_PLANS
) -> dict[str, Any]:
    """Expected makespans in document ms: exact for sums and maxima of independent calls, Monte Carlo for
    quantiles of sums, lower bounds and each executor's zero-overhead schedule."""
    lats = [scenario.tool(c.tool).latency for c in scenario.calls]
    sample = [make_plan(scenario, seed, _MC_TRIAL_OFFSET + i) for i in range(plans)]
    sums = np.array([sum(p.first_latencies_ms) for p in sample])
    bounds = np.array([p.lower_bound_ms() for p in sample])
    quotas = quotas_of(scenario, 1.0)  # at time scale 1, predicted seconds * 1000 are document ms
    predicted = {
        ex.name: float(np.mean([ex.predict(planned_work(p, 1.0), quotas=quotas) for p in sample])) * 1000
        for ex in executors
    }
    independent = not any(c.after for c in scenario.calls)
    q = scenario.quotas[0] if scenario.quotas else None
    return {
        "description": scenario.description,
        "family": scenario.family,
        "n_calls": len(scenario.calls),
        "tools": {t.name: t.latency.describe() for t in scenario.tools},
        "quota": None if q is None else {"calls": q.calls, "period_ms": q.period_ms, "burst": q.burst},
        "quota_text": None if q is None else q.describe(),
        "doc": None
        if scenario.doc is None
        else {
            "row": scenario.doc.row,
            "sequential_ms": scenario.doc.sequential_ms,
            "parallel_ms": scenario.doc.parallel_ms,
            "speedup": scenario.doc.speedup,
        },
        "expected_sum_ms": float(sum(d.mean() for d in lats)),
        "expected_max_ms": expected_max(lats) if independent else None,
        "p50_max_ms": max_quantile(lats, 0.5) if independent else None,
        "p95_max_ms": max_quantile(lats, 0.95) if independent else None,
        "p50_sum_ms": float(np.quantile(sums, 0.5)),
        "p95_sum_ms": float(np.quantile(sums, 0.95)),
        "expected_lower_bound_ms": float(bounds.mean()),
        "predicted_ms": predicted,
        "monte_carlo_plans": plans,
    }
