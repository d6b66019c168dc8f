"""The gate reads executors only: the raw references (machine floor) never meet a threshold."""

from __future__ import annotations

from pathlib import Path

from reports import load_gate_run as load_run

from ._fixtures import record, write_run


def test_gate_ignores_raw_references(tmp_path: Path) -> None:
    """A raw row can neither fail nor satisfy a threshold: load_run leaves it out."""
    d = write_run(tmp_path, [record("s", "threaded", 0, 0.02), record("s", "raw-threads", 0, 0.02)])
    assert [r.executor for r in load_run(d).records] == ["threaded"]
