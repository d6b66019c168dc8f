"""``advise`` end to end on small scenarios at a small time scale: files, keys, hedge and SLO words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.advise import AdviseConfig, advise
from bench.cli import main
from scenarios import load_catalog
from tests.bench.advise.conftest import MIXED, scenario

KEYS = {
    "label", "executor", "workers", "timeout_ms", "hedge_ms", "predicted_p50_ms", "predicted_p95_ms",
    "measured_p50_ms", "measured_p95_ms", "ci95_p95_ms", "rate_limited", "extra_calls",
}  # fmt: skip


def test_advice_files_and_keys(tmp_path: Path) -> None:
    """advice.json has exactly the issue's keys; advice.md shows the figure, the paragraph and the table."""
    cfg = AdviseConfig(scenario(MIXED), tmp_path, current="threaded@1", time_scale=0.01, trials=8, plans=32)
    advice = advise(cfg)
    on_disk = json.loads((tmp_path / "advice.json").read_text())
    assert set(on_disk) == {"recommendations", "current", "pareto"} and on_disk == advice
    assert all(set(r) == KEYS for r in [*advice["recommendations"], advice["current"], *advice["pareto"]])
    assert advice["current"]["label"] == "threaded@1"
    md = (tmp_path / "advice.md").read_text()
    assert "![Pareto front" in md and "(pareto.png)" in md and md.splitlines()[2].startswith("Use **")
    assert "idempotent = true" in md
    assert (tmp_path / "pareto.png").stat().st_size > 1000


def test_only_idempotent_tools_are_hedged(tmp_path: Path) -> None:
    """Whatever is recommended, no hedge names the non-idempotent tool."""
    advice = advise(AdviseConfig(scenario(MIXED), tmp_path, time_scale=0.01, trials=6, plans=32))
    for r in advice["recommendations"] + advice["pareto"]:
        assert r["hedge_ms"] is None or isinstance(r["hedge_ms"], float) or "book" not in r["hedge_ms"]


def test_slo_nobody_meets_says_so(tmp_path: Path) -> None:
    """An SLO below any possible makespan: the page says none meets it and names the closest."""
    s = load_catalog()["doc-3apis"]
    advise(AdviseConfig(s, tmp_path, slo_p95_ms=10.0, time_scale=0.01, trials=6, plans=32))
    assert "no configuration meets it" in (tmp_path / "advice.md").read_text()


def test_cli_writes_advice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The command exits 0 and names the recommendation on stdout."""
    argv = ["advise", "--scenario", "doc-3apis", "--time-scale", "0.01", "--trials", "6", "--plans", "32"]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 0
    assert "recommended:" in capsys.readouterr().out


def test_trace_is_fitted_then_advised(tmp_path: Path) -> None:
    """--trace fits a scenario to the OTLP file first (into DIR/fitted/) and advises on it."""
    from tests.bench.traces._tracegen import lognormal, make_trace, write

    doc, _ = make_trace([lognormal("search", 40, 0.5), lognormal("lookup", 20, 0.3)], 60, seed=3)
    trace = write(doc, tmp_path / "trace.json")
    out = tmp_path / "a"
    argv = ["advise", "--trace", str(trace), "--time-scale", "0.01", "--trials", "6", "--plans", "32"]
    assert main([*argv, "--out", str(out)]) == 0
    assert (out / "fitted" / "scenario.toml").exists()
    assert json.loads((out / "advice.json").read_text())["recommendations"]
