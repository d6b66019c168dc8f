"""Bad trace input to ``pfcbench fit`` and ``pfcbench run --trace``: one line naming the file and what is
wrong, exit code 2, no traceback and nothing written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.cli import main


def _span(**over: Any) -> dict[str, Any]:
    s = {
        "traceId": "ab" * 16,
        "spanId": "cd" * 8,
        "name": "execute_tool x",
        "startTimeUnixNano": "2000",
        "endTimeUnixNano": "3000",
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "execute_tool"}},
            {"key": "gen_ai.tool.name", "value": {"stringValue": "x"}},
        ],
    }
    return {**s, **over}


def _otlp(*spans: dict[str, Any]) -> str:
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": list(spans)}]}]})


CHAT_ONLY = _span(attributes=[{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}])

CASES: dict[str, tuple[str | bytes | None, str]] = {
    "not json": ("hello, world\n", "not JSON"),
    "json, not otlp": ('{"traceEvents": []}', "not OTLP JSON"),
    "json list": ("[1, 2]", "not OTLP JSON"),
    "empty file": ("", "empty file"),
    "binary": (b"\xff\xfe\x00\x01", "not UTF-8"),
    "no tool spans": (_otlp(CHAT_ONLY), "no tool spans"),
    "no spans at all": ('{"resourceSpans": []}', "no tool spans"),
    "negative duration": (
        _otlp(_span(startTimeUnixNano="5000", endTimeUnixNano="4000")),
        "negative duration",
    ),
    "time not integer": (_otlp(_span(startTimeUnixNano="soon")), "not integer nanoseconds"),
    "time missing": (_otlp({k: v for k, v in _span().items() if k != "endTimeUnixNano"}), "endTimeUnixNano"),
    "span id missing": (_otlp({k: v for k, v in _span().items() if k != "spanId"}), "spanId"),
    "span not an object": (
        json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [3]}]}]}),
        "must be an object",
    ),
    "bad second line": (_otlp(_span()) + "\n{oops\n", ":2: not JSON"),
    "missing file": (None, "cannot read"),
    "tool span without a tool name": (
        _otlp(_span(attributes=[{"key": "gen_ai.operation.name", "value": {"stringValue": "execute_tool"}}])),
        "without gen_ai.tool.name",
    ),
}


def _write(tmp_path: Path, content: str | bytes | None) -> Path:
    p = tmp_path / "trace.json"
    if isinstance(content, bytes):
        p.write_bytes(content)
    elif content is not None:
        p.write_text(content, encoding="utf-8")
    return p


def _one_line_exit_2(argv: list[str], path: Path, expect: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(path) in lines[0] and expect in lines[0], lines[0]
    assert "Traceback" not in err + out


@pytest.mark.parametrize("case", sorted(CASES))
def test_fit_refuses_bad_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    """``pfcbench fit`` on a bad trace: one line naming the file and the problem, exit 2, no scenario."""
    content, expect = CASES[case]
    path = _write(tmp_path, content)
    out = tmp_path / "s.toml"
    _one_line_exit_2(["fit", str(path), "--out", str(out)], path, expect, capsys)
    assert not out.exists()


@pytest.mark.parametrize("case", ["not json", "no tool spans", "negative duration", "missing file"])
def test_run_trace_refuses_bad_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    """``pfcbench run --trace`` on a bad trace: the same one line and exit 2, no run directory."""
    content, expect = CASES[case]
    path = _write(tmp_path, content)
    out = tmp_path / "r"
    _one_line_exit_2(["run", "--trace", str(path), "--out", str(out)], path, expect, capsys)
    assert not out.exists()


def test_fit_directory_is_not_a_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A directory given as TRACE is one line, exit 2."""
    _one_line_exit_2(
        ["fit", str(tmp_path), "--out", str(tmp_path / "s.toml")], tmp_path, "cannot read", capsys
    )


def test_run_trace_with_scenario_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--trace and --scenario together: one line, exit 2 (the trace's turns are the trials)."""
    path = _write(tmp_path, _otlp(_span()))
    assert main(["run", "--trace", str(path), "--scenario", "doc-3apis", "--out", str(tmp_path / "r")]) == 2
    assert "--trace" in capsys.readouterr().err
