"""A trace file over the size limit is refused before reading, naming its size and the limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.traces import _size as size
from tests.hostile._cli import assert_one_line, pfcbench


def test_a_trace_over_the_limit_is_refused_by_its_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`fit` on a trace over the size limit (lowered to 1 kB here): one line with its size and the limit."""
    monkeypatch.setattr(size, "MAX_TRACE_BYTES", 1024)
    monkeypatch.setattr(size.check_trace_size, "__defaults__", (1024,))
    trace = tmp_path / "big.json"
    trace.write_text('{"resourceSpans": []}' + " " * 4096, encoding="utf-8")
    code, _, err = pfcbench(["fit", trace, "--out", tmp_path / "s.toml"], capsys)
    assert_one_line(code, err, "over the 0.0 MB a trace file may be")
    assert "big.json: 0.0 MB" in err
