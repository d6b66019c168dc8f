"""``history export --jsonl`` / ``history import``: a store as JSON lines, so stores of several runners merge
(asv keeps one file per machine; here every row carries its run's machine).

Line 1 is a header ``{"format": "pfcbench-history", "schema": N}``; then one line per row,
``{"table": "runs"|"cells"|"trials", "row": {column: value}}``, each run's rows together. Import adds the
runs the store lacks, each in its own transaction; runs it holds are skipped (a merge, not a copy)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from bench.history._store import SCHEMA_VERSION, TABLES, HistoryError, Store
from reports import json_object

FORMAT = "pfcbench-history"


def export_lines(store: Store) -> Iterator[str]:
    """The store as JSON lines (header first), each run followed by its cells and trials."""
    yield json.dumps({"format": FORMAT, "schema": SCHEMA_VERSION})
    for run in store.rows("runs"):
        yield json.dumps({"table": "runs", "row": run}, sort_keys=True)
        for table in ("cells", "trials"):
            for row in store.rows(table, "WHERE run_key = ?", (run["run_key"],)):
                yield json.dumps({"table": table, "row": row}, sort_keys=True)


@dataclass(frozen=True, slots=True)
class Imported:
    runs: int
    skipped: int
    rows: int


def _parse(lines: Iterable[str], where: str) -> dict[str, dict[str, list[list[Any]]]]:
    """Rows by run key and table, every line checked against the schema."""
    runs: dict[str, dict[str, list[list[Any]]]] = {}
    header = False
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        obj = json_object(line, f"{where}:{i}", HistoryError)
        if not header:
            if obj.get("format") != FORMAT or not isinstance(obj.get("schema"), int):
                raise HistoryError(f"{where}:1: not a pfcbench history export (no {FORMAT!r} header line)")
            if obj["schema"] > SCHEMA_VERSION:
                raise HistoryError(f"{where}:1: export schema {obj['schema']} is newer than {SCHEMA_VERSION}")
            header = True
            continue
        table, row = obj.get("table"), obj.get("row")
        if table not in TABLES or not isinstance(row, dict):
            raise HistoryError(f"{where}:{i}: 'table' must be one of {', '.join(TABLES)} with a 'row' object")
        cols = TABLES[table]
        if set(row) != set(cols):
            missing = sorted(set(cols) ^ set(row))
            raise HistoryError(f"{where}:{i}: {table} row has unexpected or missing column {missing[0]!r}")
        runs.setdefault(str(row["run_key"]), {t: [] for t in TABLES})[table].append([row[c] for c in cols])
    if not header:
        raise HistoryError(f"{where}: empty; not a pfcbench history export")
    return runs


def import_lines(store: Store, lines: Iterable[str], *, where: str = "export") -> Imported:
    """Merge an export into ``store``: every run it lacks, one transaction each."""
    runs = _parse(lines, where)
    added = skipped = rows = 0
    for key, tables in runs.items():
        if len(tables["runs"]) != 1:
            raise HistoryError(f"{where}: run {key} has {len(tables['runs'])} 'runs' rows, expected 1")
        with store.transaction() as conn:
            if store.has_run(key):
                skipped += 1
                continue
            for table in TABLES:
                store.insert(conn, table, tables[table])
                rows += len(tables[table])
            added += 1
    return Imported(added, skipped, rows)
