"""``pfcbench gate`` end to end: exit codes, markdown, gate.json and the GitHub step summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.cli import main
from tests.reports.gate._fixtures import record, write_run


def _write(tmp_path: Path, name: str, factor: float = 1.0) -> Path:
    recs = [record("s", "threaded", i, 0.01 * (i + 1) * factor) for i in range(6)]
    recs += [record("s", "sequential", i, 0.05 * (i + 1) * factor) for i in range(6)]
    return write_run(tmp_path / name, recs)


def _spec(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "g.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_pass_exits_0_and_writes_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Passing thresholds and an identical baseline exit 0, print markdown and write DIR/gate.json."""
    run = _write(tmp_path, "run")
    spec = _spec(tmp_path, '[gates]\n"s/threaded" = ["speedup >= 4.9", "p95 < 1s"]\n')
    assert main(["gate", str(run), "--spec", str(spec), "--baseline", str(run)]) == 0
    out = capsys.readouterr().out
    assert "gate passed" in out and "| ✅ | s | threaded | `speedup >= 4.9` |" in out
    verdict = json.loads((run / "gate.json").read_text())
    assert verdict["passed"] is True and len(verdict["regressions"]) == 2


def test_failed_threshold_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A threshold that does not hold exits 1 and marks the row."""
    run = _write(tmp_path, "run")
    spec = _spec(tmp_path, '[gates]\n"s/threaded" = ["p50 < 100ms"]\n')
    assert main(["gate", str(run), "--spec", str(spec)]) == 1
    assert "| ❌ | s | threaded | `p50 < 100ms` | 350.0 ms |" in capsys.readouterr().out


def test_regression_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A candidate 20% slower than its baseline on every trial exits 1."""
    base, cand = _write(tmp_path, "base"), _write(tmp_path, "cand", 1.2)
    spec = _spec(tmp_path, "")
    assert main(["gate", str(cand), "--spec", str(spec), "--baseline", str(base)]) == 1
    assert "| ❌ | s | threaded | 1.200 |" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("spec_text", "needle"),
    [('[gates]\n"s/threaded" = ["p95 < 5"]\n', "needs a unit"), ("[gate]\n", "unknown table")],
)
def test_bad_spec_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec_text: str, needle: str
) -> None:
    """A malformed gate file exits 2 with one stderr line and writes no verdict."""
    run = _write(tmp_path, "run")
    spec = _spec(tmp_path, spec_text)
    assert main(["gate", str(run), "--spec", str(spec)]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and str(spec) in err
    assert not (run / "gate.json").exists()


def test_missing_inputs_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing run directory, spec file or mismatched baseline is bad input, not a failed gate."""
    run = _write(tmp_path, "run")
    spec = _spec(tmp_path, "")
    assert main(["gate", str(tmp_path / "nope"), "--spec", str(spec)]) == 2
    assert main(["gate", str(run), "--spec", str(tmp_path / "nope.toml")]) == 2
    other = write_run(tmp_path / "other", [record("s", "threaded", 0, 0.01, scenario_hash="zz")])
    assert main(["gate", str(run), "--spec", str(spec), "--baseline", str(other)]) == 2
    assert main(["gate", str(run)]) == 2  # --spec is required
    assert capsys.readouterr().err.count("\n") == 4


def test_step_summary_is_appended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With GITHUB_STEP_SUMMARY set the markdown is appended after what earlier steps wrote."""
    summary = tmp_path / "summary.md"
    summary.write_text("## earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run = _write(tmp_path, "run")
    spec = _spec(tmp_path, '[gates]\n"*/*" = ["error_rate == 0"]\n')
    assert main(["gate", str(run), "--spec", str(spec)]) == 0
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## earlier step\n")
    assert capsys.readouterr().out in text


def test_default_gate_file_parses() -> None:
    """The shipped gates/default.toml is valid."""
    from reports import load_spec

    spec = load_spec(Path(__file__).resolve().parents[3] / "gates" / "default.toml")
    assert spec.rules and spec.regression.tolerance == 0.05
