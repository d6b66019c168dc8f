"""Threshold metrics on fixed results files, checked against values computed by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports import GateError, compute_metrics, evaluate, load_gate_run, parse_spec

from ._fixtures import record, write_run

# threaded makespans 10..50 ms wall at time_scale 0.1 -> 100..500 document ms
THREADED = [0.010, 0.020, 0.030, 0.040, 0.050]
SEQUENTIAL = [0.050, 0.080, 0.090, 0.080, 0.100]


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    recs = [
        record(
            "s",
            "threaded",
            i,
            m,
            lower_bound_s=0.009,
            ideal_s=0.008,
            statuses=("ok", "ok", "ok", "error" if i == 0 else "ok"),
        )
        for i, m in enumerate(THREADED)
    ] + [record("s", "sequential", i, m, statuses=("ok",) * 4) for i, m in enumerate(SEQUENTIAL)]
    return write_run(tmp_path / "run", recs)


def test_metrics_match_hand_computed_values(run_dir: Path) -> None:
    """Percentiles, mean, max, paired speedup, efficiency, error rate and overhead equal hand arithmetic."""
    recs = load_gate_run(run_dir).records
    th = [r for r in recs if r.executor == "threaded"]
    seq = [r for r in recs if r.executor == "sequential"]
    m = compute_metrics(th, seq)
    # doc ms 100, 200, 300, 400, 500: linear interpolation at rank q * (n - 1)
    assert m["p50"] == pytest.approx(300.0)
    assert m["p95"] == pytest.approx(400 + 0.8 * 100)  # rank 3.8
    assert m["p99"] == pytest.approx(400 + 0.96 * 100)  # rank 3.96
    assert m["max"] == pytest.approx(500.0)
    assert m["mean"] == pytest.approx(300.0)
    # per-trial sequential / threaded: 5, 4, 3, 2, 2 -> median 3
    assert m["speedup"] == pytest.approx(3.0)
    # lower bound 9 ms over 10..50 ms: 0.9, 0.45, 0.3, 0.225, 0.18 -> median 0.3
    assert m["efficiency"] == pytest.approx(0.3)
    # one error among 5 trials x 4 calls
    assert m["error_rate"] == pytest.approx(1 / 20)
    # makespan - ideal in doc ms: 20, 120, 220, 320, 420 -> median 220
    assert m["overhead_ms"] == pytest.approx(220.0)


def test_thresholds_pass_and_fail_by_the_numbers(run_dir: Path) -> None:
    """A rule passes where the hand value satisfies it and fails where it does not; wildcards expand."""
    spec = parse_spec(
        '[gates]\n"s/threaded" = ["p95 < 481ms", "p95 < 479ms", "speedup >= 3", "error_rate <= 5%"]\n'
        '"*/*" = ["max <= 1s"]\n'
    )
    checks = evaluate(load_gate_run(run_dir).records, spec.rules)
    got = {(c.executor, c.threshold): c.passed for c in checks}
    assert got == {
        ("threaded", "p95 < 481ms"): True,
        ("threaded", "p95 < 479ms"): False,
        ("threaded", "speedup >= 3"): True,
        ("threaded", "error_rate <= 5%"): True,
        ("threaded", "max <= 1s"): True,
        ("sequential", "max <= 1s"): True,
    }


def test_exact_key_matching_nothing_is_bad_input(run_dir: Path) -> None:
    """A gate naming a scenario/executor absent from the run is refused rather than silently passed."""
    spec = parse_spec('[gates]\n"s/asyncio" = ["p95 < 1ms"]\n', where="g.toml")
    with pytest.raises(GateError, match="'s/asyncio' matches no records"):
        evaluate(load_gate_run(run_dir).records, spec.rules, where="g.toml")


def test_speedup_without_sequential_is_bad_input(tmp_path: Path) -> None:
    """speedup needs sequential records of the same scenario; without them the gate cannot be judged."""
    d = write_run(tmp_path / "r", [record("s", "threaded", 0, 0.01)])
    spec = parse_spec('[gates]\n"*/threaded" = ["speedup >= 2"]\n')
    with pytest.raises(GateError, match="needs 'sequential' records"):
        evaluate(load_gate_run(d).records, spec.rules)
