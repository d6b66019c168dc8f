"""Locust master + one worker, headless on loopback, running pfcbench sessions; checks the merged stats.

Locust runs only in the subprocesses: it monkey-patches the stdlib with gevent on import.
"""

from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [
    pytest.mark.realtime,
    pytest.mark.locust,
    pytest.mark.skipif(
        shutil.which("locust") is None, reason="locust not installed (pip install -e .[load])"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_master_and_worker_merge_session_and_call_stats(tmp_path: Path) -> None:
    """A 4 s headless run with one worker reports queries and every tool call to the master's stats."""
    port = _free_port()
    env = os.environ | {"PFC_SCENARIO": "doc-3apis", "PFC_TIME_SCALE": "0.05", "PFC_EXECUTOR": "threaded"}
    locust = [sys.executable, "-m", "locust", "-f", str(ROOT / "locustfile.py")]
    prefix = tmp_path / "run"
    with (tmp_path / "master.log").open("wb") as mlog, (tmp_path / "worker.log").open("wb") as wlog:
        master = subprocess.Popen(
            [*locust, "--headless", "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
             "--expect-workers", "1", "-u", "4", "-r", "4", "-t", "4s", "--csv", str(prefix), "--only-summary"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=mlog,
        )  # fmt: skip
        worker = subprocess.Popen(
            [*locust, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=wlog,
        )  # fmt: skip
        try:
            master.wait(timeout=45)
        finally:
            _stop(master)
            _stop(worker)
    log = (tmp_path / "master.log").read_text(errors="replace")
    rows = list(csv.DictReader((tmp_path / "run_stats.csv").read_text().splitlines()))
    by = {(r["Type"], r["Name"]): r for r in rows}
    assert ("query", "doc-3apis/threaded") in by, log[-2000:]
    queries = int(by[("query", "doc-3apis/threaded")]["Request Count"])
    calls = sum(int(r["Request Count"]) for (t, _), r in by.items() if t == "call")
    assert queries >= 4
    assert calls == 3 * queries  # every session's three calls reached the master through the worker
    assert int(by[("query", "doc-3apis/threaded")]["Failure Count"]) == 0
