"""A tool's odd return value (a set, bytes, a datetime, an object) is that call's error, named, in a run with
the model in the loop: the run goes on and every other call keeps its answer."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from reports import read_records
from scenarios import json_value
from tests.hostile._cli import pfcbench

TOOLS = '''
import datetime

class Thing:
    pass

def odd(kind: str) -> object:
    """Returns what its argument names."""
    return {"set": {1, 2}, "bytes": b"x", "datetime": datetime.datetime(2026, 1, 1), "object": Thing(),
            "fine": {"ok": [1, "a"]}}[kind]
'''

SCENARIO = """
name = "odd-values"
calls = [
    { id = "s", tool = "odd", args = { kind = "set" } },
    { id = "b", tool = "odd", args = { kind = "bytes" } },
    { id = "d", tool = "odd", args = { kind = "datetime" } },
    { id = "o", tool = "odd", args = { kind = "object" } },
    { id = "f", tool = "odd", args = { kind = "fine" } },
]
[[tools]]
name = "odd"
python = "odd_tools:odd"
"""


@pytest.mark.parametrize(
    ("value", "said"), [({1}, "set"), (b"x", "bytes"), (object(), "object"), ({"a": {2}}, "set")]
)
def test_json_value_names_the_type(value: object, said: str) -> None:
    """The check names the offending type, nested or not."""
    with pytest.raises(TypeError, match=f"not JSON-serialisable: {said}"):
        json_value(value)


def test_odd_values_are_each_calls_error_with_the_model_in_the_loop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--model simulated: the run completes; each odd call is an error naming its type, the fine one is ok."""
    (tmp_path / "odd_tools.py").write_text(TOOLS, encoding="utf-8")
    (tmp_path / "s.toml").write_text(SCENARIO, encoding="utf-8")
    out = tmp_path / "out"
    argv = ["run", "--scenario", tmp_path / "s.toml", "--model", "simulated", "--executor", "threaded"]
    try:
        code, _, err = pfcbench([*argv, "--trials", "1", "--time-scale", "1", "--out", out], capsys)
    finally:
        sys.modules.pop("odd_tools", None)
    assert code == 0, err
    (record,) = read_records(out / "results.jsonl")
    by_id = {c.id: c for c in record.calls}
    assert by_id["f"].status == "ok"
    for i, kind in {"s": "set", "b": "bytes", "d": "datetime", "o": "Thing"}.items():
        assert by_id[i].status == "error" and f"not JSON-serialisable: {kind}" in str(by_id[i].error)
