"""The console script: ``report`` and ``gate`` end without the interpreter's teardown, their output whole."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from bench.cli import main
from tests.conftest import run_argv


def _pfcbench(*args: str) -> subprocess.CompletedProcess[str]:
    code = f"import sys; sys.argv = ['pfcbench', *{list(args)!r}]; from bench.cli import entry; entry()"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )


def test_report_by_the_console_script_is_whole_and_says_so(tmp_path: Path) -> None:
    """`pfcbench report` exits 0 with its line on stdout and a complete report.md; a bad dir still exits 2."""
    out = tmp_path / "r"
    assert main([*run_argv("doc-3apis", "threaded", 3, "--time-scale", "0.005"), "--out", str(out)]) == 0
    done = _pfcbench("report", str(out))
    assert done.returncode == 0, done.stderr
    assert f"wrote {out / 'report.md'}" in done.stdout
    assert (out / "report.md").read_text().rstrip().endswith("figures in `figures/`.")
    bad = _pfcbench("report", str(tmp_path / "nowhere"))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


def test_report_gives_the_collector_back(tmp_path: Path) -> None:
    """`report` runs with the garbage collector off and turns it on again for whoever called it."""
    out = tmp_path / "r"
    assert main([*run_argv("doc-3apis", "threaded", 2, "--time-scale", "0.005"), "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0 and gc.isenabled()
