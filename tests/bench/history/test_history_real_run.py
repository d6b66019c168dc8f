"""One small real run through the whole history: run, add (as two commits), check, show."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.cli import main
from bench.history import open_store
from tests.conftest import run_argv


def test_a_real_run_goes_through_add_check_and_show(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What `pfcbench run` writes is stored with its floor split and checked against another commit."""
    out, db = tmp_path / "run", tmp_path / "h.sqlite"
    assert (
        main(run_argv("doc-3apis", "threaded", 5, "--time-scale", "0.02", "--warmup", "0", "--out", str(out)))
        == 0
    )
    for commit, when in (("aaaa", "2026-12-01T00:00:00Z"), ("bbbb", "2026-12-01T01:00:00Z")):
        args = ["history", "add", str(out), "--db", str(db), "--commit", commit, "--when", when]
        assert main([*args, "--machine", "m"]) == 0
    # the same results file is one run: the second add was a no-op, so store a copy under commit bbbb
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "run.json").write_bytes((out / "run.json").read_bytes())
    (copy / "results.jsonl").write_bytes((out / "results.jsonl").read_bytes() + b"\n")
    assert main(["history", "add", str(copy), "--db", str(db), "--commit", "bbbb", "--machine", "m"]) == 0
    with open_store(db) as s:
        assert s.count("runs") == 2
        cells = [c for c in s.rows("cells") if c["executor"] == "threaded"]
        assert [(c["raw"], c["pairs"]) for c in cells] == [("raw-threads", 5)] * 2
    capsys.readouterr()
    assert main(["history", "check", "--db", str(db), "--commit", "bbbb", "--against", "aaaa"]) == 0
    assert "paired | 1.000" in capsys.readouterr().out
    assert main(["history", "show", "--db", str(db), "--out", str(tmp_path / "trend")]) == 0
    assert len(list((tmp_path / "trend").glob("*.png"))) == 3
