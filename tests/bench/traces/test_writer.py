"""fit's writer (whitebox): the check reads what was written as data and imports nothing; a fit refused at
that check leaves an existing --out whole and no temporary file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.traces import TraceError
from bench.traces import _writer as writer
from tests.hostile._cli import assert_one_line, pfcbench
from tests.hostile.test_fit_injection import _trace


def test_check_refuses_python_tools_without_importing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check reads the written TOML as data: a python tool in it is refused before anything is imported."""
    monkeypatch.delitem(sys.modules, "this", raising=False)
    text = 'name = "s"\n[[tools]]\nname = "a"\npython = "this:s"\n'
    with pytest.raises(TraceError, match="python/http"):
        writer.check_data(text, tmp_path / "s.toml", tmp_path, {"a"})
    assert "this" not in sys.modules


def test_refused_fit_keeps_the_existing_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fit refused at its final check leaves a good existing --out byte for byte, and no temporary files."""
    out = tmp_path / "fitted.toml"
    trace = _trace(tmp_path, "a", "b")
    assert pfcbench(["fit", trace, "--out", out], capsys)[0] == 0
    before = out.read_bytes()

    def refuse(*_: object) -> None:
        raise TraceError("pfcbench fit: refused for the test")

    monkeypatch.setattr(writer, "check_data", refuse)
    code, _, err = pfcbench(["fit", trace, "--out", out, "--name", "other"], capsys)
    assert_one_line(code, err, "refused for the test")
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fitted.toml", "trace.json"]
