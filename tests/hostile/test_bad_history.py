"""``pfcbench history`` on bad input: one line, exit 2, the store untouched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.bench.history._runs import write_run
from tests.hostile._cli import assert_one_line, pfcbench


def test_a_run_dir_without_records(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An empty results.jsonl, and a directory with none: named, exit 2, nothing stored."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "results.jsonl").write_text("", encoding="utf-8")
    db = tmp_path / "h.sqlite"
    code, _, err = pfcbench(["history", "add", tmp_path / "empty", "--db", db, "--commit", "abcd"], capsys)
    assert_one_line(code, err, "no records")
    code, _, err = pfcbench(["history", "add", tmp_path / "none", "--db", db, "--commit", "abcd"], capsys)
    assert_one_line(code, err, "no results.jsonl")


@pytest.mark.parametrize("commit", ["not-hex", "xyz123", "12", "g" * 40])
def test_a_commit_that_is_not_hex(tmp_path: Path, capsys: pytest.CaptureFixture[str], commit: str) -> None:
    """--commit must be 4 to 64 hex digits."""
    run = write_run(tmp_path / "r")
    code, _, err = pfcbench(
        ["history", "add", run, "--db", tmp_path / "h.sqlite", "--commit", commit], capsys
    )
    assert_one_line(code, err, "is not a commit id")


def test_a_run_json_without_commit_and_a_bad_when(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No commit recorded and none given; --when that is not ISO 8601."""
    run = write_run(tmp_path / "r", commit=None)
    db = tmp_path / "h.sqlite"
    code, _, err = pfcbench(["history", "add", run, "--db", db], capsys)
    assert_one_line(code, err, "pass --commit")
    code, _, err = pfcbench(
        ["history", "add", run, "--db", db, "--commit", "abcd", "--when", "yesterday"], capsys
    )
    assert_one_line(code, err, "not an ISO 8601 time")


def test_a_corrupt_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file that is not SQLite at all, for every subcommand that reads the store."""
    db = tmp_path / "h.sqlite"
    db.write_bytes(b"this is not a database" * 100)
    run = write_run(tmp_path / "r")
    for argv in (["add", run], ["show", "--out", tmp_path / "o"], ["check"], ["export", "--jsonl"]):
        code, _, err = pfcbench(["history", *argv, "--db", db], capsys)
        assert_one_line(code, err, str(db))
    assert db.read_bytes() == b"this is not a database" * 100


def test_a_foreign_sqlite_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Another application's SQLite file is refused, not written into."""
    db = tmp_path / "other.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    code, _, err = pfcbench(["history", "add", write_run(tmp_path / "r"), "--db", db], capsys)
    assert_one_line(code, err, "another application")
    conn = sqlite3.connect(db)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["customers"]
    conn.close()


def test_a_missing_store_and_a_bad_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """show/check on no store; import of a file that is not an export."""
    code, _, err = pfcbench(["history", "check", "--db", tmp_path / "none.sqlite"], capsys)
    assert_one_line(code, err, "no history store here")
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"hello": 1}\n', encoding="utf-8")
    code, _, err = pfcbench(["history", "import", bad, "--db", tmp_path / "h.sqlite"], capsys)
    assert_one_line(code, err, "not a pfcbench history export")


def test_check_against_an_unknown_commit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--against a commit the store lacks, or not hex and not a branch git knows."""
    db = tmp_path / "h.sqlite"
    assert pfcbench(["history", "add", write_run(tmp_path / "r"), "--db", db], capsys)[0] == 0
    code, _, err = pfcbench(["history", "check", "--db", db, "--against", "dead"], capsys)
    assert_one_line(code, err, "matches no stored commit")
    code, _, err = pfcbench(["history", "check", "--db", db, "--against", "no-such-branch"], capsys)
    assert_one_line(code, err, "no run of it")
