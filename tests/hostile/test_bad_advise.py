"""``pfcbench advise`` refuses bad input with one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.cli import main

CASES = {
    "unknown scenario": (["--scenario", "no-such-scenario"], "no-such-scenario"),
    "unknown current": (["--scenario", "doc-3apis", "--current", "warp@3"], "--current"),
    "current bad k": (["--scenario", "doc-3apis", "--current", "threaded@0"], "--current"),
    "negative slo": (["--scenario", "doc-3apis", "--slo-p95-ms", "-5"], "--slo-p95-ms"),
    "zero workers": (["--scenario", "doc-3apis", "--max-workers", "0"], "--max-workers"),
    "zero time scale": (["--scenario", "doc-3apis", "--time-scale", "0"], "--time-scale"),
    "nan budget": (["--scenario", "doc-3apis", "--budget-usd", "nan"], "--budget-usd"),
    "scenario and trace": (["--scenario", "doc-3apis", "--trace", "t.json"], "--trace"),
    "no source": ([], "--scenario"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_advise_input_is_one_line(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each bad flag exits 2 with one line naming it."""
    args, word = CASES[case]
    assert main(["advise", *args, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and word in err and "Traceback" not in err


def test_missing_out_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --out: one line, exit 2."""
    assert main(["advise", "--scenario", "doc-3apis"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--out" in err


def test_out_holding_an_advise_run_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An --out that already holds a confirmation run is not overwritten."""
    (tmp_path / "confirm").mkdir()
    (tmp_path / "confirm" / "results.jsonl").write_text("{}\n")
    assert main(["advise", "--scenario", "doc-3apis", "--out", str(tmp_path)]) == 2
    assert "already holds" in capsys.readouterr().err


def test_unreadable_trace_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A trace that is not OTLP JSON: one line naming it, exit 2, no advice written."""
    bad = tmp_path / "t.json"
    bad.write_text("hello\n", encoding="utf-8")
    assert main(["advise", "--trace", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "t.json" in err
    assert not (tmp_path / "o" / "advice.json").exists()
