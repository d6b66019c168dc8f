"""Trace text is data, never code: tool names from a trace reach the fitted scenario only as escaped TOML
strings, nothing is imported while fit checks its output, and a refused fit leaves an existing --out whole."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.hostile._cli import assert_one_line, pfcbench


def _trace(tmp_path: Path, *names: str, turns: int = 30) -> Path:
    spans: list[dict[str, Any]] = []
    for i in range(turns):
        for j, name in enumerate(names):
            t0 = 10**9 * i + 1000 * j
            spans.append(
                {
                    "traceId": f"{i:032x}",
                    "spanId": f"{i * 16 + j + 1:016x}",
                    "name": "execute_tool",
                    "startTimeUnixNano": str(t0),
                    "endTimeUnixNano": str(t0 + (100 + 7 * i + j) * 10**6),
                    "attributes": [
                        {"key": "gen_ai.operation.name", "value": {"stringValue": "execute_tool"}},
                        {"key": "gen_ai.tool.name", "value": {"stringValue": name}},
                    ],
                }
            )
    p = tmp_path / "trace.json"
    p.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}), encoding="utf-8")
    return p


INJECTION = (
    'x"\n[[tools]]\nname = "injected"\npython = "this:s"\nlatency = { dist = "constant", value_ms = 1 }\n#'
)


def test_newline_injection_is_refused_and_imports_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tool name carrying TOML after a newline is refused in one line; the module it names is never imported."""
    monkeypatch.delitem(sys.modules, "this", raising=False)
    out = tmp_path / "fitted.toml"
    code, _, err = pfcbench(["fit", _trace(tmp_path, "a", INJECTION), "--out", out], capsys)
    assert_one_line(code, err, "control character")
    assert "this" not in sys.modules
    assert not out.exists()


def test_advise_on_an_injected_trace_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``advise --trace`` on the same injection: one line naming the control character (exit 2), and the
    module it names is never imported."""
    monkeypatch.delitem(sys.modules, "this", raising=False)
    out = tmp_path / "advice"
    code, _, err = pfcbench(["advise", "--trace", _trace(tmp_path, "a", INJECTION), "--out", out], capsys)
    assert_one_line(code, err, "control character")
    assert "this" not in sys.modules


def test_control_character_in_a_tool_name_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bell character in a tool name: one line, exit 2, nothing written."""
    out = tmp_path / "fitted.toml"
    code, _, err = pfcbench(["fit", _trace(tmp_path, "a\x07b"), "--out", out], capsys)
    assert_one_line(code, err, "\\u0007")
    assert not out.exists()


@pytest.mark.parametrize(
    "name", ['q"uote', "back\\slash", "[[tools]] # x", "\u00e9t\u00e9 \U0001f600", "a'''b"]
)
def test_odd_printable_names_round_trip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """Quotes, backslashes, TOML syntax and non-ASCII in a tool name come back as that exact name, one tool."""
    out = tmp_path / "fitted.toml"
    code, _, err = pfcbench(["fit", _trace(tmp_path, name, "plain"), "--out", out], capsys)
    assert code == 0, err
    data = tomllib.loads(out.read_text(encoding="utf-8"))
    assert sorted(t["name"] for t in data["tools"]) == sorted([name, "plain"])
    assert not any("python" in t or "http" in t for t in data["tools"])
