"""Synthetic run directories for history tests: results.jsonl written through reports' writer, run.json
as the runner writes it. Makespans are drawn around a level; raw references sit beside every executor."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from reports import CallRecord, ResultsWriter, TrialRecord

TIME_SCALE = 0.05


def _record(run_id: str, scenario: str, executor: str, trial: int, seed: int, doc_ms: float) -> TrialRecord:
    wall = doc_ms * TIME_SCALE / 1000
    ideal = 500 * TIME_SCALE / 1000
    call = CallRecord("c0", "api", ideal, 0.0, wall, "ok", 1)
    return TrialRecord(
        run_id=run_id, scenario=scenario, executor=executor, trial=trial, seed=seed, time_scale=TIME_SCALE,
        makespan_s=wall, lower_bound_s=ideal, ideal_s=ideal, calls=(call,), scenario_hash=f"h-{scenario}",
    )  # fmt: skip


def write_run(
    d: Path,
    *,
    level: float = 1.0,
    raw_level: float = 1.0,
    seed: int = 7,
    trials: int = 10,
    scenarios: Sequence[str] = ("doc-3apis",),
    executors: Sequence[str] = ("threaded",),
    commit: str | None = "a1b2c3d4",
    started: str = "2026-12-01T00:00:00+00:00",
    noise: float = 0.01,
    cpu: str = "Test CPU",
) -> Path:
    """A run whose executors take ``500 ms x level`` (+ a 5 ms implementation cost) and whose raw
    references take ``500 ms x raw_level``, each trial with ``noise`` relative spread."""
    rng = np.random.default_rng(seed)
    d.mkdir(parents=True, exist_ok=True)
    run_id = f"run-{d.name}"
    with ResultsWriter(d / "results.jsonl") as w:
        for sc in scenarios:
            for t in range(trials):
                raw = 500 * raw_level * (1 + rng.normal(0, noise))
                for label in ("raw-asyncio", "raw-threads"):
                    w.write(_record(run_id, sc, label, t, seed, raw))
                for ex in executors:
                    w.write(_record(run_id, sc, ex, t, seed, raw * level + 5 * level))
    meta = {
        "schema": 1, "run_id": run_id, "started_at": started, "records": trials * len(scenarios) * (2 + len(executors)),
        "git_commit": commit, "args": {"inject_slowdown": 1.0, "seed": seed},
        "machine": {"cpu_model": cpu, "cpu_count": 2, "machine": "x86_64", "processor": ""},
        "versions": {"python": "3.11.7", "pfcbench": "0.1.0"},
    }  # fmt: skip
    if commit is None:
        del meta["git_commit"]
    (d / "run.json").write_text(json.dumps(meta), encoding="utf-8")
    return d


def commit_id(i: int) -> str:
    return f"{i:04x}" + "c0ffee"


def when(i: int) -> str:
    return f"2026-12-01T{i // 60:02d}:{i % 60:02d}:00+00:00"
