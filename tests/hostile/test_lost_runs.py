"""No run loses or mixes data: one writer per --out; whatever stops a run, run.json says how and why, no temp
file is left, and --resume completes it; a tool's chdir, exit or leftover thread changes none of that."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reports import ResultsWriter, read_records
from tests.hostile._cli import assert_one_line, pfcbench

ROOT = Path(__file__).resolve().parents[2]
RUN = ["run", "--scenario", "doc-3apis", "--trials", "2", "--time-scale", "0.01", "--warmup", "0"]
RUN += ["--executor", "sequential", "--executor", "threaded"]

TOOLS = '''
import os, sys, threading, time
from pathlib import Path

class Stop(BaseException):
    pass

def act(tag: str) -> dict:
    """Does what the file named by HOSTILE_ACT says, once per call."""
    what = os.environ.get("HOSTILE_ACT", "")
    if what == "exit":
        sys.exit(3)
    if what == "base":
        raise Stop("tool's own BaseException")
    if what == "chdir":
        os.chdir(os.environ["HOSTILE_DIR"])
    if what == "thread":
        threading.Thread(target=time.sleep, args=(3600,), name="left-behind").start()
    if what == "hang":
        Path(os.environ["HOSTILE_DIR"], "hanging").write_text("")
        time.sleep(3600)
    return {"tag": tag}
'''

SCENARIO = """
name = "hostile-tools"
calls = [{ id = "a", tool = "t", args = { tag = "a" } }, { id = "b", tool = "t", args = { tag = "b" } }]
[[tools]]
name = "t"
python = "hostile_tools:act"
"""


def _tools(tmp_path: Path) -> Path:
    (tmp_path / "hostile_tools.py").write_text(TOOLS, encoding="utf-8")
    (tmp_path / "s.toml").write_text(SCENARIO, encoding="utf-8")
    return tmp_path / "s.toml"


def _no_temp_files(out: Path) -> None:
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


def _meta(out: Path) -> dict[str, object]:
    return dict(json.loads((out / "run.json").read_text(encoding="utf-8")))


@pytest.mark.parametrize(("act", "said"), [("exit", "sys.exit(3)"), ("base", "Stop")])
def test_a_tool_ending_the_process_fails_the_run_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, act: str, said: str
) -> None:
    """A tool's sys.exit(3) or own BaseException: exit 2 with one line, run.json ``failed`` and why, no
    temp file; once the tool behaves, --resume completes the run."""
    scenario, out = _tools(tmp_path), tmp_path / "out"
    argv = [
        "run",
        "--scenario",
        scenario,
        "--trials",
        "2",
        "--warmup",
        "0",
        "--time-scale",
        "1",
        "--out",
        out,
    ]
    monkeypatch.setenv("HOSTILE_ACT", act)
    try:
        code, _, err = pfcbench(argv, capsys)
        assert_one_line(code, err, said)
        meta = _meta(out)
        assert meta["status"] == "failed" and said in str(meta["reason"])
        _no_temp_files(out)
        monkeypatch.setenv("HOSTILE_ACT", "")
        code, _, err = pfcbench([*argv, "--resume"], capsys)
    finally:
        sys.modules.pop("hostile_tools", None)
    assert code == 0, err
    assert _meta(out)["status"] == "complete" and "reason" not in _meta(out)
    assert len(read_records(out / "results.jsonl")) == 2 * 5


def test_a_tool_that_chdirs_does_not_move_a_relative_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--out relative to where the run started stays there when a tool chdir()s."""
    scenario = _tools(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOSTILE_ACT", "chdir")
    monkeypatch.setenv("HOSTILE_DIR", str(tmp_path / "elsewhere"))
    try:
        code, _, err = pfcbench(
            ["run", "--scenario", scenario, "--trials", "1", "--time-scale", "1", "--out", "rel"], capsys
        )
    finally:
        sys.modules.pop("hostile_tools", None)
    assert code == 0, err
    assert _meta(tmp_path / "rel")["status"] == "complete"
    assert not (tmp_path / "elsewhere" / "rel").exists()


def test_a_full_disk_mid_run_fails_it_with_whole_records_and_resume_completes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC on the third record: exit 2, run.json ``failed`` naming the full disk, results.jsonl holds
    whole records only, no temp file; --resume then completes with every record once."""
    out, real_write, seen = tmp_path / "out", os.write, [0]

    def full(fd: int, data: bytes | memoryview) -> int:
        if b'"executor"' in bytes(data[:4096]):
            seen[0] += 1
            if seen[0] >= 3:
                real_write(fd, bytes(data[:10]))  # half a line reaches the disk first
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full)
    code, _, err = pfcbench([*RUN, "--out", out], capsys)
    monkeypatch.setattr(os, "write", real_write)
    assert_one_line(code, err, "No space left on device")
    meta = _meta(out)
    assert meta["status"] == "failed" and "No space left on device" in str(meta["reason"])
    assert len(read_records(out / "results.jsonl")) == 2
    _no_temp_files(out)
    code, _, err = pfcbench([*RUN, "--out", out, "--resume"], capsys)
    assert code == 0, err
    records = read_records(out / "results.jsonl")
    assert len({(r.trial, r.executor) for r in records}) == len(records) == 2 * 4


def test_a_failed_record_write_is_cut_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An interrupt in the middle of a record's write leaves the file at its last whole record."""
    path = tmp_path / "results.jsonl"
    path.write_text('{"a": 1}\n', encoding="utf-8")
    real_write = os.write

    def torn(fd: int, data: bytes | memoryview) -> int:
        real_write(fd, bytes(data[:5]))
        raise KeyboardInterrupt

    w = ResultsWriter(path)
    monkeypatch.setattr(os, "write", torn)
    with pytest.raises(KeyboardInterrupt):
        w.write(read_one_record())
    monkeypatch.setattr(os, "write", real_write)
    w.close()
    assert path.read_text(encoding="utf-8") == '{"a": 1}\n'


def read_one_record():  # type: ignore[no-untyped-def]
    from tests.reports.gate._fixtures import record

    return record("s", "sequential", 0, 0.1)


def _spawn(tmp_path: Path, act: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOSTILE_ACT": act, "HOSTILE_DIR": str(tmp_path)}
    return subprocess.Popen(
        [sys.executable, "-m", "bench", *args, "--time-scale", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_process_exits_whatever_threads_a_tool_left(tmp_path: Path) -> None:
    """A tool's non-daemon thread sleeping for an hour: the run completes, says so in one line, and exits."""
    proc = _spawn(
        tmp_path,
        "thread",
        "run",
        "--scenario",
        str(_tools(tmp_path)),
        "--trials",
        "1",
        "--out",
        str(tmp_path / "o"),
    )
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "still running at exit" in err and "(left-behind)" in err
    assert _meta(tmp_path / "o")["status"] == "complete"


@pytest.mark.parametrize("executor", ["sequential", "threaded"])
def test_sigterm_ends_a_run_whose_sync_tool_hangs(tmp_path: Path, executor: str) -> None:
    """SIGTERM while a sync tool sleeps for an hour (no guard): exit 130 within the stop grace, run.json
    ``interrupted``."""
    out = tmp_path / "o"
    proc = _spawn(
        tmp_path,
        "hang",
        "run",
        "--scenario",
        str(_tools(tmp_path)),
        "--trials",
        "1",
        "--executor",
        executor,
        "--warmup",
        "0",
        "--out",
        str(out),
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "hanging").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert time.monotonic() - t0 < 15, err
    assert proc.returncode == 130, err
    assert _meta(out)["status"] == "interrupted"


def test_sigint_during_advise_leaves_no_advice_as_if_complete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C after advice.json but before advice.md: exit 130 with one line, and no advice file stays."""
    import bench.advise

    def interrupted(config: object, progress: object = None) -> dict[str, object]:
        out = Path(str(config.out))
        (out / "advice.json").write_text("{}", encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr(bench.advise, "advise", interrupted)
    out = tmp_path / "adv"
    code, _, err = pfcbench(["advise", "--scenario", "doc-3apis", "--out", out], capsys)
    assert_one_line(code, err, "advise interrupted; no advice written (removed advice.json)", expected=130)
    assert not [p.name for p in out.iterdir() if p.name.startswith("advice")]
