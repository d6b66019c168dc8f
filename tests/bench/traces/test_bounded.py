"""Bounded latencies fit as bounded: tools sleeping U(200, 800) ms give a fitted scenario whose theory lands
near the truth (p95[max] of 5 calls 794 ms, E[max] 700 ms), where lognormal/gamma invented tails."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from scipy.integrate import IntegrationWarning

from bench.traces import fit_latency, fit_trace
from scenarios import expected_max, max_quantile
from tests.bench.traces._tracegen import GenTool, make_trace, write

UNIFORM = [GenTool(f"t{i}", lambda r: float(r.uniform(200, 800)), 500.0, 770.0) for i in range(5)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_uniform_tools_fit_theory_within_tolerance(tmp_path: Path, seed: int) -> None:
    """200 turns of 5 U(200, 800) tools: p95[max] within 10% of 794 ms, E[max] within 7% of 700 ms; each
    tool's family is a bounded one and its comment states every candidate's criterion value."""
    doc, _ = make_trace(UNIFORM, 200, seed=seed)
    fs = fit_trace([write(doc, tmp_path / "u.json")], "u")
    assert {t.fit.family for t in fs.tools} <= {"uniform", "kernel"}
    assert all(set(t.fit.loglik) == {"lognormal", "gamma", "uniform", "kernel"} for t in fs.tools)
    lats = [t.fit.latency for t in fs.tools]
    with warnings.catch_warnings():
        # theory's integral over the kernel fit's 16 kinks reports roundoff at its tolerance (figures exact
        # to far below 0.1 ms); the check here is the figure
        warnings.simplefilter("ignore", IntegrationWarning)
        assert max_quantile(lats, 0.95) == pytest.approx(794, rel=0.10)
        assert expected_max(lats) == pytest.approx(700, rel=0.07)


def test_lognormal_data_still_fits_lognormal() -> None:
    """Adding bounded candidates does not steal a heavy-tailed tool: 400 lognormal values fit lognormal."""
    import numpy as np

    x = np.random.default_rng(5).lognormal(np.log(120), 0.6, 400)
    assert fit_latency(list(x), "s").family == "lognormal"
