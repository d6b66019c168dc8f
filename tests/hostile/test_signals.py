"""Signals in a real process: SIGTERM is Ctrl-C (run.json ``interrupted``, files valid, how to resume), and
an interrupt while the command is still importing is one line, never a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reports import read_records

ROOT = Path(__file__).resolve().parents[2]


def _spawn(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "bench", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_records(path: Path, proc: subprocess.Popen[str], timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        if path.exists() and path.read_bytes().count(b"\n") >= 2:
            return
        time.sleep(0.1)
    proc.kill()
    pytest.fail(f"no record within {timeout_s} s: {proc.communicate()[1][-500:]}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_mid_run_leaves_an_interrupted_valid_run(tmp_path: Path, sig: signal.Signals) -> None:
    """A run stopped by kill or Ctrl-C exits 130 with one line saying how to resume; run.json says
    ``interrupted`` and every line of results.jsonl is a record."""
    out = tmp_path / "run"
    proc = _spawn(
        "run", "--scenario", "doc-3apis", "--trials", "100000", "--max-wall-s", "1e9", "--time-scale", "0.01",
        "--out", str(out),
    )  # fmt: skip
    try:
        _wait_for_records(out / "results.jsonl", proc)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:  # a failed wait must not leave a 100,000-trial run behind, eating a core
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines() == [err.strip()]
    assert "interrupted" in err and "--resume" in err
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["status"] == "interrupted"
    assert len(read_records(out / "results.jsonl")) >= 2


@pytest.mark.parametrize("delay_s", [0.1, 0.3, 1.0])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_during_start_up_is_never_a_traceback(delay_s: float, sig: signal.Signals) -> None:
    """Ctrl-C or kill while modules import: the process ends (130; or killed by the signal before Python
    has a handler; or by SIGINT, as Python may exit after an interrupt) with at most one line, never a
    KeyboardInterrupt traceback."""
    proc = _spawn("list")
    time.sleep(delay_s)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    if err.startswith("Fatal Python error: init_import_site"):
        pytest.skip("the signal came while Python itself was starting, before any pfcbench code ran")
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) <= 1, err
    assert proc.returncode in (0, 130, -sig, -signal.SIGINT)
