"""The store: idempotent adds, export/import round trips, migrations, concurrent writers and kill -9."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.history import AddOptions, NoGit, add_run, export_lines, import_lines, open_store
from bench.history._store import APPLICATION_ID, MIGRATIONS, TABLES
from tests.bench.history._runs import commit_id, when, write_run

ROOT = Path(__file__).resolve().parents[3]


def _counts(db: Path) -> dict[str, int]:
    with open_store(db) as s:
        return {t: s.count(t) for t in TABLES}


def test_adding_the_same_run_twice_is_a_no_op(tmp_path: Path) -> None:
    """A second add of one run (even told another commit) changes nothing and says so."""
    run = write_run(tmp_path / "r")
    with open_store(tmp_path / "h.sqlite") as s:
        first = add_run(s, run, AddOptions(), NoGit())
        before = {t: s.count(t) for t in TABLES}
        again = add_run(s, run, AddOptions(commit="ffff", machine="other"), NoGit())
        assert first.added and not again.added
        assert (again.commit, again.machine) == (first.commit, first.machine)
        assert {t: s.count(t) for t in TABLES} == before == {"runs": 1, "cells": 3, "trials": 30}


def test_a_row_keeps_metadata_floor_split_and_every_trial(tmp_path: Path) -> None:
    """run.json's commit, start and fingerprint; the floor split per cell; every trial's makespan."""
    run = write_run(tmp_path / "r", commit="ABCDEF12+dirty", cpu="EPYC")
    with open_store(tmp_path / "h.sqlite") as s:
        add_run(s, run, AddOptions(branch="main"), NoGit())
        (r,) = s.rows("runs")
        cell = next(c for c in s.rows("cells") if c["executor"] == "threaded")
        trials = s.rows("trials", "WHERE executor = 'threaded'")
    assert (r["commit_id"], r["dirty"], r["branch"], r["cpu_model"], r["cores"], r["python"]) == (
        "abcdef12",
        1,
        "main",
        "EPYC",
        2,
        "3.11.7",
    )
    assert r["when_utc"] == "2026-12-01T00:00:00+00:00" and r["machine"] == "EPYC x2 py3.11.7"
    assert cell["raw"] == "raw-threads" and cell["pairs"] == 10
    assert cell["impl_cost_ms"] == pytest.approx(5.0, abs=1e-6)
    assert len(trials) == 10 and all(t["impl_cost_ms"] == pytest.approx(5.0, abs=1e-6) for t in trials)


def test_export_then_import_into_an_empty_store_round_trips_every_row(tmp_path: Path) -> None:
    """Every row of every table comes back equal; importing again skips every run."""
    src = tmp_path / "a.sqlite"
    with open_store(src) as s:
        for i in range(3):
            add_run(
                s,
                write_run(tmp_path / f"r{i}", seed=i),
                AddOptions(commit=commit_id(i), when=when(i)),
                NoGit(),
            )
        lines = list(export_lines(s))
        rows = {t: s.rows(t) for t in TABLES}
    with open_store(tmp_path / "b.sqlite") as s:
        got = import_lines(s, lines)
        again = import_lines(s, lines)
        assert {t: s.rows(t) for t in TABLES} == rows
    assert (got.runs, got.skipped, again.runs, again.skipped) == (3, 0, 0, 3)


def test_a_version_1_store_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    """A store written by schema 1 opens at the current schema with its rows kept."""
    db = tmp_path / "old.sqlite"
    conn = sqlite3.connect(db)
    conn.executescript(MIGRATIONS[1])
    conn.execute(
        "INSERT INTO runs (run_key, run_id, commit_id, when_utc, machine, added_utc) VALUES "
        "('k', 'r', 'abcd', '2026-01-01T00:00:00+00:00', 'm', 'now')"
    )
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with open_store(db) as s:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == max(MIGRATIONS)
        assert s.count("runs") == 1
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


_ADDER = """
import sys
from pathlib import Path
from bench.history import AddOptions, NoGit, add_run, open_store
db, first, n = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
for i in range(first, first + n):
    with open_store(db) as s:
        add_run(s, Path(sys.argv[4]) / f"r{i}", AddOptions(commit=f"{i:04x}", when="2026-12-01T00:00:00"), NoGit())
"""


def test_two_writers_adding_twenty_runs_each_at_once_lose_nothing(tmp_path: Path) -> None:
    """2 x 20 adds from two processes at once: all 40 runs, every trial."""
    for i in range(40):
        write_run(tmp_path / f"r{i}", seed=i, trials=3)
    db = tmp_path / "h.sqlite"
    procs = [
        subprocess.Popen([sys.executable, "-c", _ADDER, str(db), str(first), "20", str(tmp_path)], cwd=ROOT)
        for first in (0, 20)
    ]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    assert _counts(db) == {"runs": 40, "cells": 120, "trials": 360}


_KILLED = """
import os, sys, time
from pathlib import Path
from bench.history import AddOptions, NoGit, add_run, open_store
def pause():
    Path(sys.argv[3]).write_text("in transaction")
    time.sleep(60)
with open_store(Path(sys.argv[1])) as s:
    add_run(s, Path(sys.argv[2]), AddOptions(commit="beef"), NoGit(), between=pause)
"""


def test_kill_9_in_the_middle_of_an_add_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    """A writer killed inside its transaction leaves no trace of its run; the next add succeeds."""
    db = tmp_path / "h.sqlite"
    with open_store(db) as s:
        add_run(s, write_run(tmp_path / "r0"), AddOptions(), NoGit())
        before = {t: s.rows(t) for t in TABLES}
    run, marker = write_run(tmp_path / "r1", seed=1), tmp_path / "marker"
    p = subprocess.Popen([sys.executable, "-c", _KILLED, str(db), str(run), str(marker)], cwd=ROOT)
    deadline = time.monotonic() + 120
    while not marker.exists() and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.05)
    assert marker.exists()
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    with open_store(db) as s:
        assert {t: s.rows(t) for t in TABLES} == before
        assert add_run(s, run, AddOptions(), NoGit()).added
        assert s.count("runs") == 2
