"""Running ``pfcbench`` in-process for the hostile suite: the exit code and what it printed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from bench.cli import main


def pfcbench(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``main(argv)``'s exit code, stdout and stderr."""
    capsys.readouterr()  # forget what earlier steps printed
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(code: int, err: str, fragment: str, *, expected: int = 2) -> None:
    """Exit ``expected`` with one stderr line holding ``fragment`` (and no traceback)."""
    assert code == expected, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert fragment in lines[0], lines[0]


def write_scenario(tmp_path: Path, body: str, name: str = "bad.toml") -> Path:
    p = tmp_path / name
    p.write_text(body, encoding="utf-8")
    return p
