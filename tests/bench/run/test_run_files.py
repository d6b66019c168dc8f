"""Run files nobody can corrupt: one writer per --out (a second is refused in one line and writes nothing),
and run.json's last state written even on a full disk."""

from __future__ import annotations

import errno
import json
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
