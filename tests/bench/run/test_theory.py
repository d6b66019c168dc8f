"""theory.json figures: exact where the mathematics allows, seed-free, equal for equal distributions."""

from __future__ import annotations

import numpy as np
import pytest

from bench.run import scenario_theory
from bench.run._theory import controlled_mean, lower_bounds_ms, sample_latencies
from executors import DEFAULT_EXECUTORS, Executor, make_executor
from scenarios import load_catalog

SHARED = (
    "expected_sum_ms",
    "expected_max_ms",
    "p50_max_ms",
    "p95_max_ms",
    "p50_sum_ms",
    "p95_sum_ms",
    "sum_quantile_error_ms",
)


def _executors() -> list[Executor]:
    return [make_executor(e, time_scale=0.015) for e in DEFAULT_EXECUTORS]


@pytest.fixture(scope="module")
def doc10() -> dict[str, dict[str, object]]:
    cat = load_catalog()
    return {
        name: scenario_theory(cat[name], _executors(), plans=1024)
        for name in ("doc-10apis", "doc-10apis-ratelimited")
    }


def test_equal_distributions_give_equal_figures(doc10: dict[str, dict[str, object]]) -> None:
    """doc-10apis and its rate-limited twin draw the same latencies: every figure the quota does not touch
    is identical, to the last bit, and so is the sequential prediction."""
    a, b = doc10["doc-10apis"], doc10["doc-10apis-ratelimited"]
    for key in SHARED:
        assert a[key] == b[key], key
    assert a["predicted_ms"]["sequential"] == b["predicted_ms"]["sequential"]  # type: ignore[index]


def test_exact_identities_without_a_quota(doc10: dict[str, dict[str, object]]) -> None:
    """Predicted sequential is E[sum] and E[lower bound] is E[max] (standard error 0); unbounded parallel
    executors predict E[max] exactly; E[max of 10 U(100, 500)] = 100 + 400 * 10/11."""
    t = doc10["doc-10apis"]
    pred, se = t["predicted_ms"], t["predicted_se_ms"]
    assert isinstance(pred, dict) and isinstance(se, dict)
    assert t["expected_max_ms"] == pytest.approx(100 + 400 * 10 / 11, rel=1e-7)
    assert pred["sequential"] == pytest.approx(3000.0, rel=1e-12) and se["sequential"] == 0.0
    assert t["expected_lower_bound_ms"] == t["expected_max_ms"] and t["expected_lower_bound_se_ms"] == 0.0
    for name in ("threaded", "asyncio", "ratelimited"):
        assert pred[name] == pytest.approx(t["expected_max_ms"], rel=1e-12) and se[name] == 0.0


def test_batched_prediction_is_exact_without_a_quota_and_tight_with_one(
    doc10: dict[str, dict[str, object]],
) -> None:
    """Batches of 5 without a quota: the sum of the two batches' E[max] = 2 * (100 + 400 * 5/6), SE 0; with
    the quota (batches of 2) the chunk maxima as controls leave a standard error under 0.05%."""
    pred, se = doc10["doc-10apis"]["predicted_ms"], doc10["doc-10apis"]["predicted_se_ms"]
    assert isinstance(pred, dict) and isinstance(se, dict)
    assert pred["batched"] == pytest.approx(2 * (100 + 400 * 5 / 6), rel=1e-7) and se["batched"] == 0.0
    rl_pred, rl_se = (
        doc10["doc-10apis-ratelimited"]["predicted_ms"],
        doc10["doc-10apis-ratelimited"]["predicted_se_ms"],
    )
    assert isinstance(rl_pred, dict) and isinstance(rl_se, dict)
    assert 0 < rl_se["batched"] < 5e-4 * rl_pred["batched"]


def test_sum_quantiles_match_the_irwin_hall_distribution(doc10: dict[str, dict[str, object]]) -> None:
    """The median of 10 U(100, 500) is 3000 by symmetry; the p95 agrees with 10^6 direct draws."""
    t = doc10["doc-10apis"]
    err = float(t["sum_quantile_error_ms"])  # type: ignore[arg-type]
    assert abs(float(t["p50_sum_ms"]) - 3000.0) <= err  # type: ignore[arg-type]
    sums = np.random.default_rng(5).uniform(100, 500, size=(1_000_000, 10)).sum(axis=1)
    assert float(t["p95_sum_ms"]) == pytest.approx(float(np.quantile(sums, 0.95)), abs=2.0)  # type: ignore[arg-type]


def test_list_order_quota_prediction_is_exact_and_agrees_with_simulation(
    doc10: dict[str, dict[str, object]],
) -> None:
    """With the quota, the list-order limiter's makespan max(slot_i + L_i) has an exact mean (SE 0), which
    a fresh simulation of 20,000 plans from another stream confirms within 4 standard errors; the
    estimated figures carry their standard errors."""
    t = doc10["doc-10apis-ratelimited"]
    pred, se = t["predicted_ms"], t["predicted_se_ms"]
    assert isinstance(pred, dict) and isinstance(se, dict)
    assert se["ratelimited"] == 0.0
    lat = np.random.default_rng(9).uniform(100, 500, size=(20_000, 10))
    slots = np.array([0, 0, 200, 200, 400, 400, 600, 600, 800, 800], dtype=float)
    direct = (lat + slots).max(axis=1)
    assert pred["ratelimited"] == pytest.approx(direct.mean(), abs=4 * direct.std() / np.sqrt(direct.size))
    assert se["batched"] > 0 and float(t["expected_lower_bound_se_ms"]) > 0  # type: ignore[arg-type]
    assert float(t["expected_lower_bound_ms"]) < pred["ratelimited"]  # type: ignore[arg-type]


def test_theory_samples_do_not_depend_on_the_scenario_name() -> None:
    """The internal seed stream is keyed by call position only: equal scenarios under other names draw the
    same plans (and a run's --seed never reaches theory at all)."""
    cat = load_catalog()
    a = sample_latencies(cat["doc-10apis"], 64)
    b = sample_latencies(cat["doc-10apis-ratelimited"], 64)
    assert np.array_equal(a, b)


def test_vectorised_lower_bound_matches_the_plan_bound() -> None:
    """lower_bounds_ms over sampled rows equals TrialPlan.lower_bound_ms plan by plan (quota and diamond)."""
    from dataclasses import replace

    from scenarios import make_plan

    cat = load_catalog()
    for name in ("doc-10apis-ratelimited", "deps-diamond"):
        sc = cat[name]
        plan = make_plan(sc, 1, 0)
        lat = sample_latencies(sc, 16)
        bounds = lower_bounds_ms(sc, lat)
        for row, bound in zip(lat, bounds, strict=True):
            calls = tuple(
                replace(c, latency_ms=(float(ms),) * len(c.latency_ms))
                for c, ms in zip(plan.calls, row, strict=True)
            )
            assert replace(plan, calls=calls).lower_bound_ms() == pytest.approx(bound, rel=1e-12)


def test_controlled_mean_is_exact_for_a_combination_of_the_controls() -> None:
    """y = 2*x1 - x2 + 3 has mean 2*E[x1] - E[x2] + 3 whatever the sample, with standard error 0; a noisy y
    gets a positive standard error close to the residual's."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, 2))
    est, se = controlled_mean(2 * x[:, 0] - x[:, 1] + 3, x, np.array([0.0, 0.0]))
    assert est == pytest.approx(3.0, abs=1e-12) and se == 0.0
    noise = rng.normal(scale=0.5, size=500)
    est, se = controlled_mean(x[:, 0] + noise, x, np.array([0.0, 0.0]))
    assert se == pytest.approx(0.5 / np.sqrt(500), rel=0.2)
    assert abs(est) < 4 * se
