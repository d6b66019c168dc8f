"""Estimated theory figures are printed with their ± (standard error) everywhere the report shows them;
exact figures (standard error 0, or a theory.json without the keys) get none."""

from __future__ import annotations

from typing import Any

from reports._doc_section import DocRow, doc_table, verdict_table
from reports._fmt import pm
from reports._markdown import _theory_line
from reports._theory import parse_theory
from reports._verdicts import Measured, judge
from tests.reports.test_reports_verdicts import RATE_LIMITED

ESTIMATED: dict[str, Any] = {
    **RATE_LIMITED,
    "p50_sum_ms": 2999.99,
    "p95_sum_ms": 3601.55,
    "sum_quantile_error_ms": 0.19,
    "expected_lower_bound_ms": 973.1,
    "expected_lower_bound_se_ms": 0.48,
    "predicted_ms": {"sequential": 3000.0, "batched": 1841.2, "ratelimited": 1210.0},
    "predicted_se_ms": {"sequential": 0.0, "batched": 1.43, "ratelimited": 2.6},
}


def test_parse_theory_reads_the_standard_errors() -> None:
    """The ``*_se_ms`` keys and the sum quantiles' error bound reach ScenarioTheory.se by figure name."""
    t = parse_theory("rl", ESTIMATED)
    assert t.se("E[lower bound]") == 0.48 and t.se("predicted[batched]") == 1.43
    assert t.se("predicted[sequential]") == 0.0 and t.se("p95[sum]") == 0.19 and t.se("E[max]") == 0.0
    old = parse_theory("rl", {k: v for k, v in ESTIMATED.items() if "_se_" not in k and "error" not in k})
    assert old.se("E[lower bound]") == 0.0 and old.se("predicted[batched]") == 0.0


def test_pm_prints_nothing_for_exact_figures() -> None:
    """0 and NaN print nothing; 1.43 prints ± 1.4, 0.48 ± 0.5, 0.04 ± 0.04, 12.6 ± 13."""
    assert pm(0.0) == "" and pm(float("nan")) == ""
    assert (pm(1.43), pm(0.48), pm(0.04), pm(12.6)) == (" ± 1.4", " ± 0.5", " ± 0.04", " ± 13")


def test_theory_line_doc_table_and_verdicts_show_the_pm() -> None:
    """The scenario's theory line, the document table's theory column and the verdict's theory reference
    carry ± where estimated, and exact figures carry none."""
    t = parse_theory("rl", ESTIMATED)
    line = _theory_line(t)
    assert "E[lower bound] 973 ± 0.5 ms" in line and "batched 1,841 ± 1.4 ms" in line
    assert "sequential 3,000 ms" in line and "E[sum] 3,000 ms;" in line
    v = judge(t, Measured())
    row = DocRow("rl", t, None, (), None, v)
    cell = doc_table([row])[2]
    assert "E[lower bound] 973 ± 0.5 (clairvoyant)" in cell and "predicted[ratelimited] 1,210 ± 2.6" in cell
    verdicts = "\n".join(verdict_table([row]))
    assert "| predicted[ratelimited] (list order) | 1,210 ± 2.6 |" in verdicts
    assert "| E[sum] | 3,000 |" in verdicts
    assert v is not None and "E[lower bound] = 973 ± 0.5 ms" in v.note
