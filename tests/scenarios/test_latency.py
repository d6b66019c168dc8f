"""Latency distributions: sampling agrees with the theory the report prints."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scenarios import (
    Constant,
    Empirical,
    Gamma,
    LogNormal,
    Mixture,
    Normal,
    Pareto,
    Uniform,
    expected_max,
    max_quantile,
    sum_quantiles,
)

DISTS = [
    Constant(500),
    Uniform(200, 800),
    Normal(300, 100),
    LogNormal(200, 0.8),
    Gamma(2.0, 150),
    Pareto(100, 3.0),
    Empirical((100.0, 200.0, 200.0, 900.0)),
    Mixture((0.95, 0.05), (Uniform(100, 300), Uniform(1000, 3000))),
]


@pytest.mark.parametrize("dist", DISTS, ids=lambda d: type(d).__name__)
def test_sample_mean_agrees_with_theory(dist: object) -> None:
    """The sample mean of 200k draws lies within 5 standard errors of the exact mean."""
    rng = np.random.default_rng(1)
    x = dist.sample(rng, 200_000)  # type: ignore[attr-defined]
    assert (x >= 0).all()
    se = x.std() / math.sqrt(x.size)
    assert abs(x.mean() - dist.mean()) <= 5 * se + 1e-9  # type: ignore[attr-defined]


@pytest.mark.parametrize("dist", DISTS, ids=lambda d: type(d).__name__)
def test_quantile_inverts_cdf(dist: object) -> None:
    """cdf(quantile(q)) >= q for every family, and equals q for the continuous ones."""
    for q in (0.1, 0.5, 0.9, 0.99):
        x = dist.quantile(q)  # type: ignore[attr-defined]
        assert dist.cdf(x) >= q - 1e-6  # type: ignore[attr-defined]
        if not isinstance(dist, Constant | Empirical):
            assert dist.cdf(x) == pytest.approx(q, abs=1e-6)  # type: ignore[attr-defined]


def test_expected_max_of_five_uniforms_is_700() -> None:
    """E[max of 5 U(200, 800)] = 200 + 600 * 5/6 = 700 ms and its p95 is 200 + 600 * 0.95**(1/5) ≈ 794 ms."""
    five = [Uniform(200, 800)] * 5
    assert expected_max(five) == pytest.approx(700.0, abs=0.01)
    assert max_quantile(five, 0.95) == pytest.approx(200 + 600 * 0.95 ** (1 / 5), abs=0.01)


def test_expected_max_of_ten_uniforms() -> None:
    """E[max of 10 U(100, 500)] = 100 + 400 * 10/11."""
    assert expected_max([Uniform(100, 500)] * 10) == pytest.approx(100 + 400 * 10 / 11, abs=0.01)


def test_expected_max_of_constants_is_the_constant() -> None:
    """Three 500 ms calls: the max is 500 ms, the document's row 1."""
    assert expected_max([Constant(500)] * 3) == pytest.approx(500.0, abs=1e-6)


def test_mixture_has_five_percent_stragglers() -> None:
    """The stragglers mixture: p99 is a straggler, ten times the fast component's median."""
    m = Mixture((0.95, 0.05), (Uniform(100, 300), Uniform(1000, 3000)))
    assert m.quantile(0.5) < 300
    assert m.quantile(0.99) >= 10 * 200


def test_lognormal_tail_ratio() -> None:
    """σ = 0.8 gives p99/median = exp(2.326 σ) ≈ 6.4, the heavy-tail scenario's claim of at least 5x."""
    d = LogNormal(200, 0.8)
    assert d.quantile(0.99) / d.quantile(0.5) == pytest.approx(math.exp(0.8 * 2.3263478740), rel=1e-6)


def test_sum_quantiles_are_exact_for_constants_and_agree_with_draws() -> None:
    """Constants sum exactly (within the stated grid error); a mixed bag of families agrees with 400,000
    direct draws at p50 and p95 to 0.5%."""
    c = sum_quantiles([Constant(500)] * 3, (0.5, 0.95))
    assert all(abs(v - 1500) <= c.error_ms for v in c.values_ms)
    bag = [Uniform(100, 500), LogNormal(200, 0.5), Mixture((0.9, 0.1), (Constant(100), Uniform(800, 1200)))]
    got = sum_quantiles(bag, (0.5, 0.95))
    rng = np.random.default_rng(3)
    sums = np.sum([d.sample(rng, 400_000) for d in bag], axis=0)
    for q, v in zip((0.5, 0.95), got.values_ms, strict=True):
        assert v == pytest.approx(float(np.quantile(sums, q)), rel=0.005)


def test_shifted_expected_max_matches_draws() -> None:
    """E[max_i(s_i + L_i)] by integration agrees with 400,000 direct draws (the list-order quota control)."""
    lats = [Uniform(100, 500)] * 4
    shifts = [0.0, 0.0, 200.0, 200.0]
    rng = np.random.default_rng(4)
    draws = np.column_stack([d.sample(rng, 400_000) for d in lats]) + np.asarray(shifts)
    assert expected_max(lats, shifts) == pytest.approx(float(draws.max(axis=1).mean()), rel=0.002)
