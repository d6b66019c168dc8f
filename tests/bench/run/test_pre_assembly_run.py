"""Runs written before ``bench.run`` assembled every run (run.json's ``guards`` as the flags gave them, in
document ms) still resume, compare and gate: the fixture is a guarded run made by that code."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from bench.cli import main
from reports import read_records

FIXTURE = Path(__file__).parent / "fixtures" / "pre-assembly-run"
#: the fixture's command line (its run.json ``argv``) without ``--out``
ARGV = [
    "run", "--scenario", "doc-3apis", "--executor", "sequential", "--executor", "threaded", "--trials", "2",
    "--warmup", "0", "--time-scale", "0.01", "--timeout-ms", "900", "--hedge-ms", "get_time=250",
    "--fallback", 'get_weather={"t": 1}', "--retries", "1",
]  # fmt: skip


def test_a_guarded_run_made_before_resumes_with_the_same_guards(tmp_path: Path) -> None:
    """Interrupted after two of its four records, the old run resumes (guards equal) and is complete."""
    old = tmp_path / "old"
    shutil.copytree(FIXTURE, old)
    results = old / "results.jsonl"
    results.write_text("".join(results.read_text().splitlines(keepends=True)[:2]))
    meta = json.loads((old / "run.json").read_text())
    meta.update(status="interrupted", records=None)
    (old / "run.json").write_text(json.dumps(meta))
    assert main([*ARGV, "--out", str(old), "--resume"]) == 0
    assert len(read_records(results)) == 4
    assert json.loads((old / "run.json").read_text())["status"] == "complete"


def test_a_new_run_records_guards_as_the_old_did_and_compares_and_gates(tmp_path: Path) -> None:
    """The same flags today write the same run.json ``guards``; compare and gate read old beside new."""
    new = tmp_path / "new"
    assert main([*ARGV, "--out", str(new)]) == 0
    args = json.loads((new / "run.json").read_text())["args"]
    assert args["guards"] == json.loads((FIXTURE / "run.json").read_text())["args"]["guards"]
    assert main(["compare", str(FIXTURE), str(new)]) == 0
    spec = tmp_path / "gates.toml"
    spec.write_text('[gates]\n"doc-3apis/threaded" = ["p95 < 10s"]\n[regression]\ntolerance = 0.05\n')
    verdict = tmp_path / "gate.json"
    code = main(["gate", str(new), "--spec", str(spec), "--baseline", str(FIXTURE), "--json", str(verdict)])
    assert code in (0, 1) and json.loads(verdict.read_text())  # a verdict, not a refusal
