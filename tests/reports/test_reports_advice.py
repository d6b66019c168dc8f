"""The advice page and its Pareto figure, from plain data alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reports import plot_pareto, render_advice_markdown


def _row(
    label: str, ex: str, workers: int | None, p50: float, p95: float, hedge: float | None = None
) -> dict[str, Any]:
    return {
        "label": label, "executor": ex, "workers": workers, "timeout_ms": None, "hedge_ms": hedge,
        "predicted_p50_ms": p50, "predicted_p95_ms": p95, "measured_p50_ms": p50 * 1.02,
        "measured_p95_ms": p95 * 1.03, "ci95_p95_ms": [p95 * 0.9, p95 * 1.2], "rate_limited": 0.0,
        "extra_calls": 1.0 if hedge else 0.0,
    }  # fmt: skip


def test_paragraph_names_the_hedge_and_the_change() -> None:
    """The paragraph says what to use, the hedge's quantile and tool, and the p95 change with its CI."""
    best = _row("threaded@5+hedge-p95", "threaded", 5, 400, 600, hedge=420.0)
    cur = _row("threaded@5", "threaded", 5, 500, 900)
    ctx = {
        "scenario": "s", "figure": "pareto.png", "calls": 10, "hedge_quantile": "p95",
        "hedge_tools": ["search_flights"], "p95_change": -0.38, "p95_change_ci": [-0.41, -0.35],
    }  # fmt: skip
    md = render_advice_markdown({"recommendations": [best], "current": cur, "pareto": [best]}, ctx)
    assert "Use **threaded** with 5 workers and a hedge at the p95 of `search_flights` (420 ms)" in md
    assert "p95 -38% [-41%, -35%] vs your threaded@5, no 429s, +10% calls." in md
    assert "![Pareto front of the predicted configurations](pareto.png)" in md
    assert "| threaded@5 (current) |" in md


def test_p95_change_without_an_interval_says_how_many_trials() -> None:
    """Too few trials for a distribution-free p95 ratio: the paragraph prints no interval and says 72."""
    best = _row("threaded@5+hedge-p95", "threaded", 5, 400, 600, hedge=420.0)
    cur = _row("threaded@5", "threaded", 5, 500, 900)
    ctx = {
        "scenario": "s",
        "figure": "p.png",
        "calls": 10,
        "p95_change": -0.38,
        "p95_change_ci": [None, None],
        "p95_change_ci_needs": 72,
    }
    md = render_advice_markdown({"recommendations": [best], "current": cur, "pareto": [best]}, ctx)
    assert "p95 -38% [no CI: needs 72 trials] vs your threaded@5" in md


def test_pareto_png_is_written(tmp_path: Path) -> None:
    """plot_pareto writes a PNG from rows of predictions."""
    rows = [_row(f"threaded@{k}", "threaded", k, 1000 / k, 1500 / k) for k in range(1, 6)]
    plot_pareto(rows, rows[2:], rows[-1:], tmp_path / "p.png")
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"


def test_retries_are_named_from_the_context() -> None:
    """advice.json's rows carry no retries: the page takes them by label and names them in table and paragraph."""
    best = _row("threaded@4+timeout-p99+retry2", "threaded", 4, 400, 600) | {"timeout_ms": 900.0}
    ctx = {"scenario": "s", "figure": "pareto.png", "calls": 4, "retries": {best["label"]: 2}}
    md = render_advice_markdown({"recommendations": [best], "current": None, "pareto": [best]}, ctx)
    assert "a timeout of 900 ms with 2 retries:" in md
    assert "| timeout 900 ms, 2 retries |" in md


def test_table_shows_the_p50_interval_and_the_paragraph_the_faster_tie() -> None:
    """The p50's interval comes from the context; a faster confirmed median that lost a tie is named."""
    best = _row("threaded@4", "threaded", 4, 1000, 1100)
    ctx = {
        "scenario": "s", "figure": "pareto.png", "calls": 4, "ci95_p50_ms": {"threaded@4": [990.0, 1030.0]},
        "fastest": {"label": "batched@5", "p50_ms": 1010.0},
    }  # fmt: skip
    md = render_advice_markdown({"recommendations": [best], "current": None, "pareto": [best]}, ctx)
    assert "| 1,020 [990, 1,030] | 1,133 [990, 1,320] |" in md
    assert "The fastest median measured is batched@5's (1,010 ms, 1.0% lower)" in md
