"""What the distributions say a run should take, computed once per run and stored in theory.json, so a
report can put theory beside measurement without importing scenarios or executors.

Exact where the mathematics allows, estimated where it does not — and then with its standard error:

- E[sum] is the sum of the means; quantiles of the sum come from numerically convolving the calls' exact
  CDFs (``scenarios.sum_quantiles``, error bound stored as ``sum_quantile_error_ms``).
- E[max] integrates the survival function 1 - Π F_i; quantiles of the max solve Π F_i(x) = q.
- The lower bound is E[max] exactly when calls are independent and unquoted. Otherwise (the critical path
  through dependencies; the best assignment of calls to a quota's slots) it is a mean over simulated plans.
- Each executor's prediction (its zero-overhead list schedule, ``Executor.predict``) is a mean over the
  same simulated plans.

Simulated plans come from a fixed internal seed stream, one stream per call position — never from
``--seed`` or the scenario's name — so two scenarios with the same distributions get the same figures and
every run gets the same theory. Means over plans use control variates whose expectations are exact: the
plan's sum (each call's latency where dependencies make paths linear in them), the plan's maximum, and
max_i(slot_i + latency_i) for the quotas' list-order slots (its mean integrates 1 - Π F_i(x - slot_i)),
and for a batched executor each list chunk's slowest call. A quantity that is a linear combination of them
(sequential = the sum; an unbounded parallel executor = the max, or with a quota the list-order slot
makespan; batches without a quota = the chunks' maxima) comes out exact, with standard error 0; any other
is the plain mean corrected by the controls, its standard error from the regression residuals.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.run._convert import quotas_of
from executors import Batched, Executor, PlannedWork, Quota, batch_size_for
from scenarios import Scenario, expected_max, max_quantile, quota_grace_ms, quota_slots_ms, sum_quantiles

FloatArray = npt.NDArray[np.float64]

#: plans simulated per scenario: enough for standard errors well under 0.1% of a makespan with the controls
MC_PLANS = 4096
#: ... but at most this many simulated calls per executor (wide scenarios get fewer plans, so theory stays
#: near a second per scenario); a function of the scenario only, never of the machine
MC_CALLS = 4096 * 10
#: the theory's own seed: figures never depend on ``--seed`` or the scenario's name
THEORY_SEED = 0x7E0


def sample_latencies(scenario: Scenario, plans: int = MC_PLANS) -> FloatArray:
    """First-attempt latencies (document ms) of ``plans`` simulated plans: one row per plan, one column per
    call; column j always comes from stream (THEORY_SEED, j)."""
    cols = [
        # a call skipped in some turns draws 0 ms there (an absent call adds nothing to any bound)
        scenario.call_latency(c).sample(np.random.default_rng([THEORY_SEED, j]), plans)
        for j, c in enumerate(scenario.calls)
    ]
    return np.column_stack(cols) if cols else np.zeros((plans, 0))


def controlled_mean(y: FloatArray, controls: FloatArray, exact: FloatArray) -> tuple[float, float]:
    """Control-variate estimate of E[y] and its standard error: y regressed on ``controls`` (one column per
    control), whose expectations ``exact`` are known, and the plain mean corrected by the fitted slopes."""
    n = y.size
    xc = controls - controls.mean(axis=0)
    yc = y - y.mean()
    beta, *_ = np.linalg.lstsq(xc, yc, rcond=None)
    resid = yc - xc @ beta
    est = float(y.mean() - (controls.mean(axis=0) - exact) @ beta)
    dof = max(n - controls.shape[1] - 1, 1)
    se = float(np.sqrt(resid @ resid / dof / n))
    # a residual at rounding level means y is exactly a combination of the controls: report SE 0
    return est, 0.0 if se <= 1e-9 * max(abs(est), 1.0) else se


def list_order_slots_ms(scenario: Scenario) -> list[float]:
    """Each call's earliest start when every call is ready at once and each quota admits its calls in list
    order (0 for a call under no quota): a list-order limiter's admission times for independent calls."""
    slots = [0.0] * len(scenario.calls)
    for q in scenario.quotas:
        cols = [j for j, c in enumerate(scenario.calls) if c.tool in q.tools]
        for j, t in zip(cols, quota_slots_ms(len(cols), q.windows_ms()), strict=True):
            slots[j] = max(slots[j], t)
    return slots


def lower_bounds_ms(scenario: Scenario, lat: FloatArray) -> FloatArray:
    """Every simulated plan's lower bound (TrialPlan.lower_bound_ms, vectorised over plans): the critical
    path through dependencies and, per quota, the longest calls in the earliest slots."""
    ids = [c.id for c in scenario.calls]
    col = {cid: j for j, cid in enumerate(ids)}
    finish: dict[str, FloatArray] = {}

    def end(cid: str) -> FloatArray:
        if cid not in finish:
            call = scenario.calls[col[cid]]
            before = [end(a) for a in call.after]
            finish[cid] = lat[:, col[cid]] + (np.max(before, axis=0) if before else 0.0)
        return finish[cid]

    bound = np.max([end(c) for c in ids], axis=0) if ids else np.zeros(lat.shape[0])
    for q in scenario.quotas:
        cols = [j for j, c in enumerate(scenario.calls) if c.tool in q.tools]
        if not cols:
            continue
        slots = np.asarray(quota_slots_ms(len(cols), q.windows_ms()))
        longest_first = -np.sort(-lat[:, cols], axis=1)
        bound = np.maximum(bound, (longest_first + slots).max(axis=1))
    return np.asarray(bound, dtype=np.float64)


def _predictions(
    scenario: Scenario,
    executors: Sequence[Executor],
    lat: FloatArray,
    controls: FloatArray,
    exact: FloatArray,
) -> tuple[dict[str, float], dict[str, float]]:
    quotas = quotas_of(scenario, 1.0)  # at time scale 1, predicted seconds * 1000 are document ms
    calls = scenario.calls
    works = [
        [PlannedWork(c.id, c.tool, float(ms) / 1000, c.after) for c, ms in zip(calls, row, strict=True)]
        for row in lat
    ]
    mean: dict[str, float] = {}
    se: dict[str, float] = {}
    for ex in executors:
        y = np.array([ex.predict(w, quotas=quotas) for w in works]) * 1000
        more, more_exact = _chunk_controls(scenario, ex, quotas, lat)
        mean[ex.name], se[ex.name] = controlled_mean(
            y, np.column_stack([controls, more]), np.concatenate([exact, more_exact])
        )
    return mean, se


def _chunk_controls(
    scenario: Scenario, ex: Executor, quotas: Sequence[Quota], lat: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """For a batched executor, each list chunk's slowest call (one column per chunk, or their sum for many
    chunks), whose means are exact: without a quota its makespan is their sum (exact, SE 0); with one the
    barrier mostly binds, so they take most of the variance out of its estimate. None for other executors."""
    if not isinstance(ex, Batched) or not scenario.calls:
        return np.zeros((lat.shape[0], 0)), np.zeros(0)
    k = batch_size_for(quotas, ex.batch_size)
    chunks = [range(i, min(i + k, lat.shape[1])) for i in range(0, lat.shape[1], k)]
    cols = np.column_stack([lat[:, list(c)].max(axis=1) for c in chunks])
    means = np.array([expected_max([scenario.call_latency(scenario.calls[j]) for j in c]) for c in chunks])
    if len(chunks) > 32:  # as with per-call controls: few columns, or the regression fits noise
        return cols.sum(axis=1, keepdims=True), means.sum(keepdims=True)
    return cols, means


def plans_for(scenario: Scenario) -> int:
    """How many plans theory simulates for ``scenario``: MC_PLANS, fewer for scenarios of many calls."""
    return max(512, min(MC_PLANS, MC_CALLS // max(1, len(scenario.calls))))


def scenario_theory(
    scenario: Scenario, executors: Sequence[Executor], *, plans: int | None = None
) -> dict[str, Any]:
    """theory.json's entry for one scenario (document ms); see the module docstring for how each figure
    is obtained. Keys ending ``_se_ms`` are standard errors of estimated figures (0 where exact)."""
    plans = plans_for(scenario) if plans is None else plans
    lats = [scenario.call_latency(c) for c in scenario.calls]
    independent = not any(c.after for c in scenario.calls)
    e_max = expected_max(lats) if lats else 0.0
    sums = sum_quantiles(lats, (0.5, 0.95))
    lat = sample_latencies(scenario, plans)
    # controls, all with exact means: the plan's sum (or each call's latency), its max, and the makespan
    # of the quota's list-order slots (each call started at its slot, longest wins)
    shifts = list_order_slots_ms(scenario)
    shifted = (lat + np.asarray(shifts)).max(axis=1) if lats else np.zeros(plans)
    # (per call only where dependencies make parts of a path linear in them; else their sum suffices)
    per_call = not independent and len(lats) <= 32
    linear = lat if per_call else lat.sum(axis=1, keepdims=True)
    means = [d.mean() for d in lats] if per_call else [float(sum(d.mean() for d in lats))]
    controls = np.column_stack([linear, lat.max(axis=1) if lats else np.zeros(plans), shifted])
    exact = np.array([*means, e_max, expected_max(lats, shifts) if lats else 0.0])
    if independent and not scenario.quotas:
        bound, bound_se = e_max, 0.0
    else:
        bound, bound_se = controlled_mean(lower_bounds_ms(scenario, lat), controls, exact)
    predicted, predicted_se = _predictions(scenario, executors, lat, controls, exact)
    q = scenario.quotas[0] if scenario.quotas else None
    return _describe(scenario) | {
        "quota": None
        if q is None
        else {"calls": q.calls, "period_ms": q.period_ms, "burst": q.burst, "grace_ms": quota_grace_ms(q)},
        "quota_text": None if q is None else q.describe(),
        "expected_sum_ms": float(sum(d.mean() for d in lats)),
        "expected_max_ms": e_max if independent else None,
        "p50_max_ms": max_quantile(lats, 0.5) if independent and lats else None,
        "p95_max_ms": max_quantile(lats, 0.95) if independent and lats else None,
        "p50_sum_ms": sums.values_ms[0],
        "p95_sum_ms": sums.values_ms[1],
        "sum_quantile_error_ms": sums.error_ms,
        "expected_lower_bound_ms": bound,
        "expected_lower_bound_se_ms": bound_se,
        "predicted_ms": predicted,
        "predicted_se_ms": predicted_se,
        "monte_carlo_plans": plans,
        "monte_carlo_seed": THEORY_SEED,
        "methods": {
            "expected_sum_ms": "exact: sum of means",
            "expected_max_ms": "numerical integration of 1 - prod F_i",
            "max_quantiles": "root of prod F_i(x) = q",
            "sum_quantiles": "FFT convolution of the exact CDFs on a grid, within sum_quantile_error_ms",
            "expected_lower_bound_ms": "= E[max] (independent calls, no quota)"
            if independent and not scenario.quotas
            else "mean over simulated plans of the critical path / quota slot bound, control variates",
            "predicted_ms": "mean over simulated plans of each executor's zero-overhead list schedule, "
            "control variates (the plan's sum, or each call's latency with dependencies; its max; the "
            "list-order quota slots' makespan; batched: each list chunk's max)",
        },
    }


def _describe(scenario: Scenario) -> dict[str, Any]:
    return {
        "description": scenario.description,
        "family": scenario.family,
        "n_calls": len(scenario.calls),
        "tools": {t.name: t.latency.describe() for t in scenario.tools},
        "doc": None if scenario.doc is None else dataclasses.asdict(scenario.doc),
    }
