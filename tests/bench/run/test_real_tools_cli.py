"""``pfcbench run`` on a scenario of real Python tools mixed with a simulated one, through every executor:
contract-valid results, one invocation per call and trial, real durations, errors as data."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from bench.cli import main
from reports import read_records
from tests.conftest import shared_tool

CHECKER = shared_tool("check_results.py")
EXECUTORS = ["sequential", "threaded", "asyncio", "batched", "ratelimited", "dag", "levels", "adaptive"]

MODULE = '''
import asyncio, threading, time
CALLS = []
_LOCK = threading.Lock()

def slow_sync(tag: str) -> dict:
    """Sync work, 100 ms."""
    with _LOCK:
        CALLS.append(tag)
    time.sleep(0.1)
    return {"tag": tag}

async def slow_async(tag: str) -> dict:
    """Async work, 120 ms."""
    with _LOCK:
        CALLS.append(tag)
    await asyncio.sleep(0.12)
    return {"tag": tag}

def failing(tag: str) -> dict:
    """Fails after 80 ms."""
    with _LOCK:
        CALLS.append(tag)
    time.sleep(0.08)
    raise RuntimeError("quota exhausted upstream")
'''

SCENARIO = """
name = "mixed-real"
calls = [
    { id = "a", tool = "sync_tool", args = { tag = "a" } },
    { id = "b", tool = "async_tool", args = { tag = "b" } },
    { id = "c", tool = "bad_tool", args = { tag = "c" } },
    { id = "s", tool = "sim" },
]
[[tools]]
name = "sync_tool"
python = "cli_real_tools:slow_sync"
latency = { dist = "constant", ms = 100 }
[[tools]]
name = "async_tool"
python = "cli_real_tools:slow_async"
latency = { dist = "constant", ms = 120 }
[[tools]]
name = "bad_tool"
python = "cli_real_tools:failing"
[[tools]]
name = "sim"
latency = { dist = "constant", ms = 90 }
"""


@pytest.mark.realtime
def test_run_with_python_tools_through_every_executor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every executor, 2 trials (+1 warm-up): each tool runs once per call and trial, the failing one is an
    error with its message, durations are what the functions slept, results pass the contract checker."""
    (tmp_path / "cli_real_tools.py").write_text(MODULE)
    (tmp_path / "mixed.toml").write_text(SCENARIO)
    out = tmp_path / "out"
    argv = ["run", "--scenario", str(tmp_path / "mixed.toml"), "--time-scale", "1", "--trials", "2"]
    try:
        code = main(
            [*argv, "--warmup", "1", "--out", str(out), *(a for e in EXECUTORS for a in ("--executor", e))]
        )
        calls = importlib.import_module("cli_real_tools").CALLS
    finally:
        sys.modules.pop("cli_real_tools", None)
        sys.path.remove(str(tmp_path))
    assert code == 0, capsys.readouterr().err
    assert sorted(calls) == sorted(["a", "b", "c"] * len(EXECUTORS) * 3)  # 2 trials + 1 warm-up each
    records = read_records(out / "results.jsonl")
    assert len(records) == 2 * len(EXECUTORS)
    slept = {"a": 0.1, "b": 0.12, "c": 0.08, "s": 0.09}
    for r in records:
        by_id = {c.id: c for c in r.calls}
        assert by_id["c"].status == "error" and by_id["c"].error == "RuntimeError: quota exhausted upstream"
        assert all(by_id[i].status == "ok" for i in "abs")
        for i, c in by_id.items():
            assert slept[i] - 0.0005 <= c.end_s - c.start_s <= slept[i] * 1.25 + 0.005, (r.executor, i)
        if r.executor in ("threaded", "asyncio"):
            assert r.makespan_s <= 0.12 * 1.25 + 0.005 * 4, r.makespan_s
    if CHECKER.exists():
        check = subprocess.run(
            [sys.executable, str(CHECKER), str(out / "results.jsonl")], capture_output=True, check=False
        )
        assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()


CHOSEN_MODULE = '''
import asyncio
from typing import Literal
CALLS = []

def convert(amount: float, unit: Literal["kelvin", "celsius"], days: int = 3) -> dict:
    """Convert a temperature.

    Args:
        amount: Degrees.
        unit: Unit to convert to.
    """
    CALLS.append(("convert", {"amount": amount, "unit": unit, "days": days}))
    return {"ok": True}

async def quote(symbol: str) -> dict:
    """Price of a stock."""
    CALLS.append(("quote", {"symbol": symbol}))
    await asyncio.sleep(0.01)
    return {"price": 1.0}
'''

CHOSEN_SCENARIO = """
name = "model-chooses"
calls = [
    { id = "c", tool = "convert", args = { amount = 20.0, unit = "celsius", days = 5 } },
    { id = "q", tool = "quote", args = { symbol = "AAPL" } },
]
[[tools]]
name = "convert"
python = "chosen_tools:convert"
[[tools]]
name = "quote"
python = "chosen_tools:quote"
"""


@pytest.mark.realtime
@pytest.mark.filterwarnings("ignore:Inheritance class AiohttpClientSession:DeprecationWarning")
def test_a_model_chooses_python_tools_arguments_from_their_declarations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With Gemini in the loop (the loopback fake, google-genai), the declarations sent are the functions'
    own: the fake makes arguments up from the declared schema (first enum value of the Literal, a number
    for float, an integer for int), and those, not the file's [[calls]] args, reach the functions."""
    from bench.cli._serve_gemini import start_scenario_server
    from bench.models import FakeGeminiConfig
    from scenarios import load_file

    (tmp_path / "chosen_tools.py").write_text(CHOSEN_MODULE)
    (tmp_path / "chosen.toml").write_text(CHOSEN_SCENARIO)
    monkeypatch.setenv("GEMINI_API_KEY", "AIza.FAKE-pfcbench-test-0000000000000")
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    try:
        (sc,) = load_file(tmp_path / "chosen.toml")
        fake = start_scenario_server([sc], FakeGeminiConfig())
        try:
            argv = ["run", "--scenario", str(tmp_path / "chosen.toml"), "--model", "gemini", "--trials", "1"]
            argv += ["--gemini-base-url", fake.base_url, "--time-scale", "1", "--warmup", "0"]
            code = main([*argv, "--executor", "threaded", "--out", str(tmp_path / "out")])
            declared = {n for r in fake.requests for n in r.tool_names}
        finally:
            fake.stop()
        calls = importlib.import_module("chosen_tools").CALLS
    finally:
        sys.modules.pop("chosen_tools", None)
        sys.path.remove(str(tmp_path))
    assert code == 0, capsys.readouterr().err
    assert declared == {"convert", "quote"}
    assert sorted(calls) == [
        ("convert", {"amount": 1.5, "unit": "kelvin", "days": 1}),
        ("quote", {"symbol": "GOOG"}),
    ]
    (rec,) = read_records(tmp_path / "out" / "results.jsonl")
    assert [c.status for c in rec.calls] == ["ok", "ok"]
    capsys.readouterr()
