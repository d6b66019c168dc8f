"""The runner and CLI: contract-valid results, clean interruption and resume, one-line errors with exit 2."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.cli import main
from bench.run import RunConfig, run
from executors import Executor, make_executor
from reports import RAW_LABELS, read_records
from scenarios import load_catalog
from tests.conftest import run_argv, shared_tool

CHECKER = shared_tool("check_results.py")
FAST = ["--time-scale", "0.01", "--warmup", "0", "--seed", "3"]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_run_writes_contract_valid_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A small run writes one line per (scenario, trial, executor or raw reference), run.json marked
    complete, theory.json; the shared contract checker accepts it."""
    out = tmp_path / "r"
    code, stdout, _ = _run(
        [
            "run",
            "--scenario",
            "doc-3apis",
            "--scenario",
            "doc-10apis-ratelimited",
            "--trials",
            "2",
            "--out",
            str(out),
            *FAST,
        ],
        capsys,
    )
    assert code == 0, stdout
    recs = read_records(out / "results.jsonl")
    assert len(recs) == 2 * 2 * 7
    assert {(r.scenario, r.trial, r.executor) for r in recs} == {
        (s, t, e)
        for s in ("doc-3apis", "doc-10apis-ratelimited")
        for t in (0, 1)
        for e in ("sequential", "threaded", "asyncio", "batched", "ratelimited", *RAW_LABELS)
    }
    # no timer calibration: a tool sleeps at least its planned time, so no call is recorded shorter
    assert all(c.end_s - c.start_s >= c.planned_latency_s for r in recs for c in r.calls if c.status == "ok")
    meta = json.loads((out / "run.json").read_text())
    assert meta["status"] == "complete" and meta["args"]["time_scale"] == 0.01
    assert "calibration" not in meta and meta["args"]["references"] == list(RAW_LABELS)
    theory = json.loads((out / "theory.json").read_text())
    assert theory["scenarios"]["doc-3apis"]["expected_max_ms"] == pytest.approx(500.0)
    if CHECKER.exists():
        proc = subprocess.run(
            [sys.executable, str(CHECKER), str(out / "results.jsonl")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout


def test_every_executor_in_a_trial_sees_the_same_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Paired design: planned latencies are identical across executors of one trial."""
    out = tmp_path / "r"
    _run(["run", "--scenario", "doc-5apis", "--trials", "3", "--out", str(out), *FAST], capsys)
    plans: dict[int, set[tuple[float, ...]]] = {}
    for r in read_records(out / "results.jsonl"):
        plans.setdefault(r.trial, set()).add(tuple(c.planned_latency_s for c in r.calls))
    assert all(len(p) == 1 for p in plans.values()) and len(plans) == 3


def test_a_guarded_run_has_no_raw_references(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Under --deadline-ms no raw reference runs: a bare gather has no deadline, so it is no floor of the turn."""
    out = tmp_path / "r"
    argv = [
        "run",
        "--scenario",
        "doc-3apis",
        "--trials",
        "2",
        "--deadline-ms",
        "300",
        "--out",
        str(out),
        *FAST,
    ]
    _run(argv, capsys)
    assert not any(r.executor in RAW_LABELS for r in read_records(out / "results.jsonl"))
    assert json.loads((out / "run.json").read_text())["args"]["references"] == []


class _Interrupting:
    """Wraps an executor and raises KeyboardInterrupt (a Ctrl-C) on its n-th run."""

    def __init__(self, inner: Executor, at: int) -> None:
        self.inner, self.at, self.runs = inner, at, 0
        self.name = inner.name

    def run(self, *a: Any, **k: Any) -> Any:
        self.runs += 1
        if self.runs == self.at:
            raise KeyboardInterrupt
        return self.inner.run(*a, **k)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_interrupt_then_resume_finishes_without_redoing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C leaves valid files marked interrupted; --resume adds exactly the missing records."""
    scen = (load_catalog()["doc-3apis"],)
    labels = ("sequential", "threaded")
    cfg = RunConfig(
        scenarios=scen, executors=labels, trials=3, seed=1, time_scale=0.01, out=tmp_path, warmup=0
    )

    def interrupting(label: str, **kw: Any) -> Executor:
        ex = make_executor(label, **kw)
        return _Interrupting(ex, at=2) if label == "threaded" else ex  # type: ignore[return-value]

    with monkeypatch.context() as m:
        m.setattr("bench.run._assemble.make_executor", interrupting)
        with pytest.raises(KeyboardInterrupt):
            run(cfg)
    first = read_records(tmp_path / "results.jsonl")
    assert json.loads((tmp_path / "run.json").read_text())["status"] == "interrupted"
    assert 2 <= len(first) < 12
    written = run(dataclasses.replace(cfg, resume=True))
    recs = read_records(tmp_path / "results.jsonl")
    keys = [(r.trial, r.executor) for r in recs]
    # two executors and the two raw references, three trials
    assert len(keys) == len(set(keys)) == 12 and written == 12 - len(first)
    assert len({r.run_id for r in recs}) == 1
    assert json.loads((tmp_path / "run.json").read_text())["status"] == "complete"


def test_torn_last_line_is_dropped_on_resume(tmp_path: Path) -> None:
    """A record cut mid-write by a killed process is ignored on read and replaced on resume."""
    scen = (load_catalog()["doc-3apis"],)
    cfg = RunConfig(
        scenarios=scen,
        executors=("sequential",),
        trials=2,
        seed=1,
        time_scale=0.01,
        out=tmp_path,
        warmup=0,
        raw=False,
    )
    run(cfg)
    path = tmp_path / "results.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(lines[0] + lines[1][:40])
    assert len(read_records(path)) == 1
    run(dataclasses.replace(cfg, resume=True))
    assert [r.trial for r in read_records(path)] == [0, 1]


BAD_ARGS = [
    (["run", "--scenario", "nope", "--out", "{tmp}"], "--scenario: unknown scenario 'nope'"),
    (
        ["run", "--scenario", "doc-3apis", "--executor", "warp", "--out", "{tmp}"],
        "--executor: unknown executor 'warp'",
    ),
    (
        ["run", "--scenario", "doc-3apis", "--executor", "sequential@3", "--out", "{tmp}"],
        "takes no @parameter",
    ),
    (["run", "--scenario", "doc-3apis", "--executor", "threaded@0", "--out", "{tmp}"], "whole number >= 1"),
    (
        ["run", "--scenario", "doc-3apis", "--trials", "0", "--out", "{tmp}"],
        "--trials: must be a whole number >= 1",
    ),
    (
        ["run", "--scenario", "doc-3apis", "--time-scale", "-1", "--out", "{tmp}"],
        "--time-scale: must be a number > 0",
    ),
    (["run", "--scenario", "doc-3apis", "--time-scale", "nan", "--out", "{tmp}"], "must be a number > 0"),
    (["run", "--scenario", "{tmp}/broken.toml", "--out", "{tmp}"], "broken.toml: not valid TOML"),
    (
        ["run", "--scenario", "doc-3apis", "--out", "{tmp}/file.txt/sub"],
        "--out {tmp}/file.txt/sub: cannot write there",
    ),
    (["run", "--scenario", "doc-3apis", "--scenario", "doc-3apis", "--out", "{tmp}"], "given twice"),
    (["frobnicate"], "invalid choice"),
    (["report", "{tmp}/nothing"], "no results.jsonl here"),
]


@pytest.mark.parametrize(("argv", "message"), BAD_ARGS, ids=[m for _, m in BAD_ARGS])
def test_bad_input_gets_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    """Every bad input: exit code 2, one line on stderr saying what is wrong, and no results file."""
    (tmp_path / "broken.toml").write_text("name = [\n")
    (tmp_path / "file.txt").write_text("")
    code, _, err = _run([a.replace("{tmp}", str(tmp_path)) for a in argv], capsys)
    assert code == 2
    assert message.replace("{tmp}", str(tmp_path)) in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "results.jsonl").exists()


def test_existing_results_are_never_overwritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A second run into the same --out without --resume is refused, and the first results stay."""
    args = run_argv("doc-3apis", "sequential", 1, "--out", str(tmp_path), *FAST)
    assert _run(args, capsys)[0] == 0
    before = (tmp_path / "results.jsonl").read_text()
    code, _, err = _run(args, capsys)
    assert code == 2 and "--resume" in err
    assert (tmp_path / "results.jsonl").read_text() == before


def test_console_entry_point_has_no_traceback(tmp_path: Path) -> None:
    """python -m bench with a bad flag prints one line and exits 2 in a real process."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "run", "--scenario", "nope", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_list_names_scenarios_and_executors(capsys: pytest.CaptureFixture[str]) -> None:
    """pfcbench list shows each catalog scenario with a description and each executor."""
    code, out, _ = _run(["list"], capsys)
    assert code == 0
    assert "doc-10apis-ratelimited" in out and "ratelimited" in out and "batched-doc" in out


def test_sigint_leaves_valid_files_and_resume_completes(tmp_path: Path) -> None:
    """A real Ctrl-C (SIGINT) mid-run: exit 130, one line saying how to resume, run.json 'interrupted', every
    finished record parseable; --resume then completes every trial exactly once."""
    import signal
    import time

    run = run_argv(
        "doc-3apis", "sequential", 150, "--time-scale", "0.01", "--warmup", "0", "--out", str(tmp_path)
    )
    args = [sys.executable, "-m", "bench", *run]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = tmp_path / "results.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not results.exists() or results.read_text().count("\n") < 3):
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the run finished before the signal arrived")
    assert proc.returncode == 130
    assert "--resume" in err and "Traceback" not in err
    assert json.loads((tmp_path / "run.json").read_text())["status"] == "interrupted"
    partial = read_records(results)
    assert 3 <= len(partial) < 150
    done = subprocess.run([*args, "--resume"], capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    recs = read_records(results)
    for label in ("sequential", *RAW_LABELS):
        assert sorted(r.trial for r in recs if r.executor == label) == list(range(150))
