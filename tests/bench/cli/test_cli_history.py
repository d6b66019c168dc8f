"""``pfcbench history``: add, show (trend.md, PNGs, job summary), check exit codes, export/import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.cli import main
from tests.bench.history._runs import commit_id, when, write_run


def _add_history(tmp: Path, levels: list[float]) -> Path:
    db = tmp / "h.sqlite"
    for i, level in enumerate(levels):
        run = write_run(tmp / f"r{i}", level=level, seed=i)
        assert (
            main(["history", "add", str(run), "--db", str(db), "--commit", commit_id(i), "--when", when(i)])
            == 0
        )
    return db


def test_show_writes_trend_summary_and_a_png_per_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Three cells (executor, two raw references): three PNGs, trend.md names each, the job summary too."""
    db = _add_history(tmp_path, [1.0] * 4 + [1.1] * 4)
    summary = tmp_path / "summary"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["history", "show", "--db", str(db), "--out", str(tmp_path / "o")]) == 0
    pngs = sorted(p.name for p in (tmp_path / "o").glob("*.png"))
    assert len(pngs) == 3 and all(p.startswith("doc-3apis__") for p in pngs)
    trend = (tmp_path / "o" / "trend.md").read_text(encoding="utf-8")
    assert all(p in trend for p in pngs) and "regression at `0004c0ffee`" in trend
    assert "## pfcbench history" in summary.read_text(encoding="utf-8")


def test_check_exits_1_on_a_regression_and_0_on_a_flat_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 10% step fails the check (with JSON beside it); a flat history passes."""
    db = _add_history(tmp_path / "a", [1.0] * 4 + [1.1] * 4)
    out = tmp_path / "v.json"
    assert main(["history", "check", "--db", str(db), "--against", commit_id(0), "--json", str(out)]) == 1
    assert json.loads(out.read_text(encoding="utf-8"))["failed"] is True
    assert "❌" in capsys.readouterr().out
    flat = _add_history(tmp_path / "b", [1.0] * 8)
    assert main(["history", "check", "--db", str(flat), "--against", commit_id(0)]) == 0


def test_export_to_a_file_then_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """export --jsonl --out, import into a new store: the same runs."""
    db = _add_history(tmp_path, [1.0, 1.0])
    dump = tmp_path / "h.jsonl"
    assert main(["history", "export", "--jsonl", "--db", str(db), "--out", str(dump)]) == 0
    assert main(["history", "import", str(dump), "--db", str(tmp_path / "new.sqlite")]) == 0
    assert "imported 2 runs" in capsys.readouterr().out
