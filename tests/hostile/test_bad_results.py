"""A report never looks complete when it is not: empty, torn or corrupt results, a record count run.json
disagrees with, and a resume with other arguments than the run it resumes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench.cli import main
from reports import read_results
from tests.hostile._cli import assert_one_line, pfcbench

RUN = ["--scenario", "doc-3apis", "--executor", "sequential", "--executor", "threaded", "--trials", "3"]
FAST = ["--time-scale", "0.005", "--warmup", "0"]
SPEC = '[gates]\n"doc-3apis/threaded" = "p50 < 10s"\n'


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small finished run (3 trials x 2 executors + 2 raw references = 12 records), made once."""
    out = tmp_path_factory.mktemp("hostile") / "run"
    assert main(["run", *RUN, *FAST, "--out", str(out)]) == 0
    return out


def _copy(finished: Path, tmp_path: Path) -> Path:
    d = tmp_path / "run"
    shutil.copytree(finished, d)
    return d


def _with_bad_line(finished: Path, tmp_path: Path, index: int, text: str) -> Path:
    """A copy of the finished run whose results.jsonl line ``index`` (0-based) is replaced by ``text``."""
    d = _copy(finished, tmp_path)
    lines = (d / "results.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[index] = text
    (d / "results.jsonl").write_text("".join(lines), encoding="utf-8")
    return d


def _spec(tmp_path: Path) -> Path:
    p = tmp_path / "gates.toml"
    p.write_text(SPEC, encoding="utf-8")
    return p


@pytest.mark.parametrize("command", ["report", "gate"])
def test_empty_results_are_refused(
    finished: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """A 0-byte results.jsonl exits 2 from report and gate (it used to render 'complete, Warnings: None')."""
    d = _copy(finished, tmp_path)
    (d / "results.jsonl").write_bytes(b"")
    extra = ["--spec", _spec(tmp_path)] if command == "gate" else []
    code, _, err = pfcbench([command, d, *extra], capsys)
    assert_one_line(code, err, "no records")
    assert "the file is empty" in err


def test_torn_line_is_counted_by_report(
    finished: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """report drops a torn last line but says so, and says run.json counted one record more."""
    d = _copy(finished, tmp_path)
    data = (d / "results.jsonl").read_bytes()
    (d / "results.jsonl").write_bytes(data[:-40])
    code, _, err = pfcbench(["report", d], capsys)
    assert code == 0
    assert "dropped 1 torn last line" in err
    assert "run.json says 12 records, results.jsonl holds 11 readable ones" in err
    md = (d / "report.md").read_text(encoding="utf-8")
    assert "may not hold the whole run: dropped 1 torn last line" in md


def test_invalid_lines_are_counted_by_gate(
    finished: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """gate drops an invalid line in the middle, counts it in its notes and still judges the rest."""
    d = _with_bad_line(finished, tmp_path, 2, '{"garbage": tru\n')
    code, out, _ = pfcbench(["gate", d, "--spec", _spec(tmp_path)], capsys)
    assert code == 0
    assert "dropped 1 invalid line(s); the first:" in out
    assert "run.json says 12 records, results.jsonl holds 11 readable ones" in out


def test_read_results_counts_what_it_drops(tmp_path: Path, finished: Path) -> None:
    """The tolerant reader keeps every readable record and counts torn and invalid lines apart."""
    good = (finished / "results.jsonl").read_text(encoding="utf-8").splitlines()
    p = tmp_path / "r.jsonl"
    p.write_text("\n".join([good[0], "not json", '{"schema": 99}', good[1], good[2][:30]]), encoding="utf-8")
    got = read_results(p)
    assert (len(got.records), got.torn, got.invalid) == (2, 1, 2)
    assert got.problems({"records": 2})[:1] == ["dropped 1 torn last line (a write cut short)"]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"--trials": "5"}, "--resume: trials differs from the interrupted run (3 != 5)"),
        ({"--warmup": "2"}, "--resume: warmup differs"),
        ({"--seed": "8"}, "--resume: seed differs"),
    ],
)
def test_resume_refuses_other_arguments(
    finished: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, str], fragment: str
) -> None:
    """--resume with arguments other than the run's exits 2 naming the difference, writing nothing."""
    d = _copy(finished, tmp_path)
    before = (d / "results.jsonl").read_bytes(), (d / "run.json").read_bytes()
    flags = {"--trials": "3", "--warmup": "0", "--seed": "7", "--time-scale": "0.005"} | change
    argv = ["run", *RUN[:-2], *[x for kv in flags.items() for x in kv], "--out", d, "--resume"]
    code, _, err = pfcbench(argv, capsys)
    assert_one_line(code, err, fragment)
    assert ((d / "results.jsonl").read_bytes(), (d / "run.json").read_bytes()) == before


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (["--prompt", "another question"], "--resume: prompt differs"),
        (["--temperature", "1"], "settings differs"),
    ],
)
def test_resume_of_a_model_run_refuses_another_prompt_or_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: list[str], fragment: str
) -> None:
    """A model run resumed with another prompt or generation settings exits 2 naming the difference."""
    argv = ["run", *RUN, *FAST, "--model", "simulated", "--out", str(tmp_path / "m")]
    assert main(argv) == 0
    capsys.readouterr()
    code, _, err = pfcbench([*argv, *change, "--resume"], capsys)
    assert_one_line(code, err, fragment)


def test_resume_refuses_a_corrupt_file(
    finished: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--resume on a results.jsonl with a bad line exits 2 in one line (it was a SchemaError traceback)."""
    d = _with_bad_line(finished, tmp_path, 3, "{]\n")
    code, _, err = pfcbench(["run", *RUN, *FAST, "--out", d, "--resume"], capsys)
    assert_one_line(code, err, "results.jsonl:4: not JSON")
    assert "the file is corrupt" in err
    assert json.loads((d / "run.json").read_text(encoding="utf-8"))["status"] == "complete"
