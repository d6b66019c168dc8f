"""One comparison for compare and gate: they agree cell by cell, each cell's CI depends only on its own pair,
a gate without a spec compares every shared cell, and a gate that looked at nothing is bad input."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from bench.cli import main
from reports import NO_SPEC, GateError, TrialRecord, compare_cells, compare_runs, parse_spec, run_gate

from ._fixtures import record, write_run


def _runs(rng: np.random.Generator, slow: dict[str, float], *, seed: int = 7) -> list[TrialRecord]:
    plan = np.linspace(0.01, 0.05, 12)
    return [
        record(sc, ex, i, float(p * slow.get(ex, 1.0) * (1 + rng.normal(0, 0.01))), seed=seed)
        for sc in ("a", "b")
        for ex in ("sequential", "threaded")
        for i, p in enumerate(plan)
    ]


def test_compare_and_gate_agree_cell_by_cell(tmp_path: Path) -> None:
    """Every cell the gate fails is marked **fails** by compare, and no other."""
    rng = np.random.default_rng(1)
    base = write_run(tmp_path / "base", _runs(rng, {}))
    cand = write_run(tmp_path / "cand", _runs(rng, {"threaded": 1.3}))
    verdict = run_gate(cand, NO_SPEC, base)
    table = compare_runs(base, cand)
    for r in verdict.regressions:
        row = next(line for line in table.splitlines() if f"`{r.scenario}` | `{r.executor}`" in line)
        assert ("**fails**" in row) == r.regressed, row
        assert f"{r.ratio:.3f}" in row and r.mode in row
    assert sorted((r.scenario, r.executor) for r in verdict.regressions if r.regressed) == [
        ("a", "threaded"),
        ("b", "threaded"),
    ]


def test_a_cells_interval_does_not_depend_on_the_others() -> None:
    """Comparing one cell alone or among others gives the same CI: each has its own seeded stream."""
    rng = np.random.default_rng(2)
    base, cand = _runs(rng, {}), _runs(rng, {"threaded": 1.1}, seed=8)  # unpaired: bootstrap draws matter
    every = {(c.scenario, c.executor): c.ci for c in compare_cells(base, cand)}
    only_b = [r for r in base if r.scenario == "b"], [r for r in cand if r.scenario == "b"]
    (alone,) = compare_cells(*only_b, cells=lambda s, e: e == "threaded")
    assert alone.mode == "unpaired" and alone.ci == every[("b", "threaded")]


def test_real_tools_are_compared_unpaired() -> None:
    """Same seed and trials, but a real tool's duration is measured: no pairing."""
    rng = np.random.default_rng(3)
    recs = _runs(rng, {})
    real = [
        dataclasses.replace(r, calls=tuple(dataclasses.replace(c, source="python") for c in r.calls))
        for r in recs
    ]
    assert {c.mode for c in compare_cells(real, real)} == {"unpaired"}
    assert {c.mode for c in compare_cells(recs, recs)} == {"paired"}


def test_gate_that_checks_nothing_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An empty spec without a baseline (or a wildcard matching nothing) is exit 2, never a pass."""
    run = write_run(tmp_path / "run", _runs(np.random.default_rng(4), {}))
    with pytest.raises(GateError, match="checked nothing"):
        run_gate(run, parse_spec("", where="empty.toml"))
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    assert main(["gate", str(run), "--spec", str(tmp_path / "empty.toml")]) == 2
    assert "looked at nothing" in capsys.readouterr().err
    assert main(["gate", str(run)]) == 2


def test_gate_without_spec_exit_codes_and_compare_orders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """gate CAND --baseline BASE: 1 on a 30% slowdown, 0 on A/A; compare takes both argument orders."""
    rng = np.random.default_rng(5)
    base = write_run(tmp_path / "base", _runs(rng, {}))
    same = write_run(tmp_path / "same", _runs(rng, {}))
    slow = write_run(tmp_path / "slow", _runs(rng, {"threaded": 1.3}))
    assert main(["gate", str(slow), "--baseline", str(base)]) == 1
    assert main(["gate", str(same), "--baseline", str(base)]) == 0
    out = capsys.readouterr().out
    assert "paired" in out and "detects slowdowns of" in out
    assert main(["compare", str(slow), "--baseline", str(base)]) == 0
    new_order = capsys.readouterr().out
    assert main(["compare", str(base), str(slow)]) == 0
    assert capsys.readouterr().out == new_order
    assert main(["compare", str(base)]) == 2


def test_a_real_tool_gets_its_own_cell_and_its_slowdown_fails() -> None:
    """A real tool 30% slower in every call fails its own cell even when the makespan hides it."""
    rng = np.random.default_rng(6)

    def run(factor: float) -> list[TrialRecord]:
        out = []
        for r in _runs(rng, {}):
            c = r.calls[0]
            slow = dataclasses.replace(
                c, source="python", end_s=c.start_s + 0.01 * factor * (1 + rng.normal(0, 0.01))
            )
            out.append(dataclasses.replace(r, calls=(slow,)))
        return out

    cells = compare_cells(run(1.0), run(1.3))
    tools = [c for c in cells if c.tool]
    assert tools and all(c.tool == "api" and c.mode == "unpaired" and c.regressed for c in tools)
    assert not any(c.regressed for c in compare_cells(run(1.0), run(1.0)) if c.tool)
