"""``pfcbench run`` on a scenario of real Python tools mixed with a simulated one, through every executor:
contract-valid results, one invocation per call and trial, real durations, errors as data."""

from __future__ import annotations

import importlib
import shutil
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

#: three real tools from MODULE (sync, async, failing) and a simulated one
SCENARIO = Path(__file__).parent / "fixtures" / "mixed_real.toml"


@pytest.mark.realtime
def test_run_with_python_tools_through_every_executor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every executor, 2 trials (+1 warm-up): each tool runs once per call and trial, the failing one is an
    error with its message, durations are what the functions slept, results pass the contract checker."""
    (tmp_path / "cli_real_tools.py").write_text(MODULE)
    shutil.copy(SCENARIO, tmp_path / "mixed.toml")
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
