"""Run files nobody can corrupt: one writer per --out (a second is refused in one line and writes nothing),
run.json's last state written even on a full disk, and nothing written by path into a directory removed and
made again under the run."""

from __future__ import annotations

import errno
import json
import sys
from pathlib import Path

import pytest

from bench.run import _ending as ending
from bench.run._lock import out_lock
from tests.hostile._cli import assert_one_line, pfcbench

RUN = ["run", "--scenario", "doc-3apis", "--trials", "2", "--time-scale", "0.01", "--warmup", "0"]


def test_a_second_writer_on_one_out_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """While one process holds --out, a second run on it is refused in one line and writes nothing."""
    out = tmp_path / "out"
    with out_lock(out):
        code, _, err = pfcbench([*RUN, "--out", out], capsys)
    assert_one_line(code, err, "another pfcbench process")
    assert not (out / "results.jsonl").exists()


def test_run_json_on_a_full_disk_is_rewritten_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When even run.json's atomic rewrite finds no space, its last state is written into its own blocks."""
    meta_path = tmp_path / "run.json"
    meta_path.write_text(json.dumps({"status": "running", "pad": "x" * 200}), encoding="utf-8")

    def no_space(path: object, obj: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ending, "write_json_atomic", no_space)
    ending.end_run(meta_path, {"status": "running"}, "failed", "OSError: No space left on device")
    assert json.loads(meta_path.read_text(encoding="utf-8"))["status"] == "failed"


#: a real tool that, on its first call, removes the run directory and makes it again as another run would
REPLACER = """
import pathlib, shutil
DONE = []

def replace_out(out: str) -> dict:
    \"\"\"Removes and remakes the run directory once.\"\"\"
    if not DONE:
        DONE.append(1)
        shutil.rmtree(out)
        pathlib.Path(out).mkdir()
        (pathlib.Path(out) / "run.json").write_text("another run's", encoding="utf-8")
    return {}
"""


def test_a_directory_made_again_under_the_run_gets_nothing_more_from_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--out removed and made again mid-run: the run stops in one line (exit 2) and writes no run.json,
    results or otel.json into the new directory, which may be another run's."""
    out = tmp_path / "out"
    (tmp_path / "replacer_tool.py").write_text(REPLACER, encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        f'name = "replaced"\ncalls = [{{ id = "r", tool = "replace_out", args = {{ out = "{out}" }} }}]\n'
        '[[tools]]\nname = "replace_out"\npython = "replacer_tool:replace_out"\n',
        encoding="utf-8",
    )
    argv = ["run", "--scenario", tmp_path / "s.toml", "--trials", "2", "--time-scale", "1", "--warmup", "0"]
    try:
        code, _, err = pfcbench([*argv, "--executor", "sequential", "--out", out], capsys)
    finally:
        sys.modules.pop("replacer_tool", None)
    assert_one_line(code, err, "was removed or made again while this run wrote it")
    assert sorted(p.name for p in out.iterdir()) == ["run.json"]
    assert (out / "run.json").read_text(encoding="utf-8") == "another run's"
