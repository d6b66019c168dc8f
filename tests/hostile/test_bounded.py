"""Bounded work stays bounded, run from the command line: a pool beyond the turn's calls starts and is said."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile._cli import pfcbench


def test_a_run_with_a_million_workers_starts_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's row: `run --executor threaded@1000000` on 3 calls completes, with the note."""
    argv = ["run", "--scenario", "doc-3apis", "--executor", "threaded@1000000", "--trials", "2"]
    code, _, err = pfcbench([*argv, "--time-scale", "0.01", "--out", tmp_path / "o"], capsys)
    assert code == 0, err
    assert "threaded@1000000: no turn has more than 3 calls" in err
