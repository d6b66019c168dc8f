"""``pfcbench report`` rewrites otel.json only when results.jsonl or run.json is newer than it (or it is
missing): the run writes it last, and rewriting the default run's 75 MB would dominate the report."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.cli import main
from reports import CallRecord, ResultsWriter, TrialRecord, write_json_atomic


def _run_dir(tmp_path: Path) -> Path:
    d = tmp_path / "r"
    d.mkdir()
    call = CallRecord("c0", "api0", 0.01, 0.0, 0.01, "ok", 1)
    with ResultsWriter(d / "results.jsonl") as w:
        for trial in range(3):
            for ex in ("sequential", "asyncio"):
                w.write(TrialRecord("run-1", "s", ex, trial, 7, 0.05, 0.01, 0.01, 0.01, (call,)))
    write_json_atomic(d / "run.json", {"run_id": "run-1", "status": "complete"})
    return d


def _older_than(path: Path, other: Path) -> None:
    mtime = other.stat().st_mtime_ns - 10**9
    os.utime(path, ns=(mtime, mtime))


def test_report_keeps_a_current_otel_and_rewrites_a_stale_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Missing: written; newer than its sources: kept as is; older than results.jsonl: rewritten."""
    d = _run_dir(tmp_path)
    otel = d / "otel.json"
    assert main(["report", str(d)]) == 0
    assert f"wrote {otel}" in capsys.readouterr().out
    otel.write_text("sentinel", encoding="utf-8")
    assert main(["report", str(d)]) == 0
    assert "kept" in capsys.readouterr().out and otel.read_text(encoding="utf-8") == "sentinel"
    _older_than(otel, d / "results.jsonl")
    assert main(["report", str(d)]) == 0
    assert f"wrote {otel}" in capsys.readouterr().out
    assert otel.read_text(encoding="utf-8").startswith('{"resourceSpans"')
