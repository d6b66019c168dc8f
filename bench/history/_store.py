"""The history store: one SQLite file (standard library, WAL), its schema, migrations and transactions.

Schema history (``PRAGMA user_version``):

- 1: ``runs`` (one row per added run: commit, branch, time, machine fingerprint), ``cells`` (the floor
  split per scenario x executor of a run) and ``trials`` (every trial's makespan and implementation cost).
- 2: an index on ``runs(machine, commit_id)``, the lookup of ``check`` and ``show``.

A file is ours when its ``application_id`` is :data:`APPLICATION_ID`; any other SQLite file is refused
rather than written into. Every run is added in one ``BEGIN IMMEDIATE`` transaction: a reader or a killed
writer sees the run whole or not at all. Writers wait for each other (busy timeout, then retries).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

#: "PFCH" as a big-endian 32-bit integer: marks a SQLite file as a pfcbench history store
APPLICATION_ID = 0x50464348
SCHEMA_VERSION = 2
BUSY_TIMEOUT_MS = 30_000
#: a locked database after the busy timeout is retried this many times (WAL checkpoints can starve a writer)
LOCK_RETRIES = 20


class HistoryError(ValueError):
    """Bad history input (store file, run directory, commit id, flag value): one line; exit 2."""


_V1 = """
CREATE TABLE runs (
    run_key TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    commit_id TEXT NOT NULL,
    dirty INTEGER NOT NULL DEFAULT 0,
    branch TEXT,
    when_utc TEXT NOT NULL,
    machine TEXT NOT NULL,
    cpu_model TEXT,
    cores INTEGER,
    python TEXT,
    pfcbench_version TEXT,
    time_scale REAL,
    seed INTEGER,
    inject_slowdown REAL NOT NULL DEFAULT 1.0,
    source TEXT,
    added_utc TEXT NOT NULL
);
CREATE TABLE cells (
    run_key TEXT NOT NULL REFERENCES runs(run_key) ON DELETE CASCADE,
    scenario TEXT NOT NULL,
    executor TEXT NOT NULL,
    scenario_hash TEXT NOT NULL,
    raw TEXT,
    pairs INTEGER,
    raw_median_ms REAL,
    machine_cost_ms REAL,
    impl_cost_ms REAL,
    impl_cost_low_ms REAL,
    impl_cost_high_ms REAL,
    PRIMARY KEY (run_key, scenario, executor)
);
CREATE TABLE trials (
    run_key TEXT NOT NULL REFERENCES runs(run_key) ON DELETE CASCADE,
    scenario TEXT NOT NULL,
    executor TEXT NOT NULL,
    trial INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    time_scale REAL NOT NULL,
    makespan_ms REAL NOT NULL,
    ideal_ms REAL NOT NULL,
    lower_bound_ms REAL NOT NULL,
    impl_cost_ms REAL,
    PRIMARY KEY (run_key, scenario, executor, trial)
);
"""
_V2 = "CREATE INDEX runs_machine_commit ON runs(machine, commit_id);"
#: version -> the SQL that brings a store from version - 1 to it
MIGRATIONS: dict[int, str] = {1: _V1, 2: _V2}

RUN_COLUMNS = (
    "run_key", "run_id", "commit_id", "dirty", "branch", "when_utc", "machine", "cpu_model", "cores",
    "python", "pfcbench_version", "time_scale", "seed", "inject_slowdown", "source", "added_utc",
)  # fmt: skip
CELL_COLUMNS = (
    "run_key", "scenario", "executor", "scenario_hash", "raw", "pairs", "raw_median_ms", "machine_cost_ms",
    "impl_cost_ms", "impl_cost_low_ms", "impl_cost_high_ms",
)  # fmt: skip
TRIAL_COLUMNS = (
    "run_key", "scenario", "executor", "trial", "seed", "time_scale", "makespan_ms", "ideal_ms",
    "lower_bound_ms", "impl_cost_ms",
)  # fmt: skip
TABLES = {"runs": RUN_COLUMNS, "cells": CELL_COLUMNS, "trials": TRIAL_COLUMNS}


def _is_locked(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def _retrying(act: Callable[[], Any], *, sleep: Callable[[float], None] = time.sleep) -> Any:
    """``act()``, again after a pause while another writer holds the database past the busy timeout."""
    for attempt in range(LOCK_RETRIES):
        try:
            return act()
        except sqlite3.OperationalError as exc:
            if not _is_locked(exc) or attempt == LOCK_RETRIES - 1:
                raise
            sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


class Store:
    """An open history store. Use :func:`open_store`; close it (or use ``with``) when done."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (``BEGIN IMMEDIATE``): committed whole or rolled back."""
        _retrying(lambda: self.conn.execute("BEGIN IMMEDIATE"))
        try:
            yield self.conn
        except BaseException:
            self.conn.rollback()
            raise
        _retrying(self.conn.commit)

    def has_run(self, run_key: str) -> bool:
        return self.conn.execute("SELECT 1 FROM runs WHERE run_key = ?", (run_key,)).fetchone() is not None

    def insert(self, conn: sqlite3.Connection, table: str, rows: Sequence[Sequence[Any]]) -> None:
        cols = TABLES[table]
        conn.executemany(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows
        )

    def rows(self, table: str, where: str = "", args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Every row of ``table`` (optionally filtered by a ``WHERE`` clause of ours), as dicts."""
        cols = TABLES[table]
        sql = f"SELECT {', '.join(cols)} FROM {table} {where} ORDER BY {', '.join(cols[:4])}"
        return [dict(zip(cols, r, strict=True)) for r in self.conn.execute(sql, args)]

    def count(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def open_store(path: str | os.PathLike[str], *, create: bool = True) -> Store:
    """The store at ``path``, created or migrated to :data:`SCHEMA_VERSION`; a file that is not a pfcbench
    store (another application's database, a corrupt file, a newer schema) raises HistoryError."""
    p = Path(path)
    if not p.exists():
        if not create:
            raise HistoryError(f"{p}: no history store here (create one with 'pfcbench history add')")
        p.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(p, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise HistoryError(f"{p}: cannot open the history store ({exc})") from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        _prepare(p, conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise HistoryError(f"{p}: not a usable SQLite history store ({exc})") from None
    except HistoryError:
        conn.close()
        raise
    return Store(p, conn)


def _prepare(p: Path, conn: sqlite3.Connection) -> None:
    """Check the file is ours, switch to WAL and apply the migrations it lacks, in one transaction."""
    _check_ours(p, conn)
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version == SCHEMA_VERSION:
        return
    _retrying(lambda: conn.execute("PRAGMA journal_mode = WAL"))
    _retrying(lambda: conn.execute("BEGIN IMMEDIATE"))
    try:
        _check_ours(p, conn)  # another process may have created or migrated it while we waited
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        for v in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[v].split(";"):
                if statement.strip():
                    conn.execute(statement)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        conn.rollback()
        raise
    _retrying(conn.commit)


def _check_ours(p: Path, conn: sqlite3.Connection) -> None:
    app = int(conn.execute("PRAGMA application_id").fetchone()[0])
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    tables = conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
    if app == 0 and version == 0 and tables == 0:
        return  # a new, empty file: ours to create
    if app != APPLICATION_ID:
        raise HistoryError(
            f"{p}: a SQLite database of another application (application_id {app:#x}, not {APPLICATION_ID:#x}); "
            "pass --db with a pfcbench history store or a new file"
        )
    if version > SCHEMA_VERSION:
        raise HistoryError(
            f"{p}: history schema {version} is newer than this pfcbench reads ({SCHEMA_VERSION}); upgrade pfcbench"
        )
