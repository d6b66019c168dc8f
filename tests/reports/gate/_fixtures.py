"""Small, exactly known results files written through the real writer."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from reports import CallRecord, ResultsWriter, TrialRecord
from tests.reports.conftest import trial_record


def record(
    scenario: str,
    executor: str,
    trial: int,
    makespan_s: float,
    *,
    lower_bound_s: float = 0.01,
    ideal_s: float = 0.01,
    statuses: Sequence[str] = ("ok",),
    time_scale: float = 0.1,
    seed: int = 7,
    scenario_hash: str = "h1",
) -> TrialRecord:
    calls = tuple(CallRecord(f"c{i}", "api", 0.01, 0.0, 0.01, status, 1) for i, status in enumerate(statuses))
    return trial_record(
        scenario,
        executor,
        trial,
        calls,
        makespan_s=makespan_s,
        lower_bound_s=lower_bound_s,
        ideal_s=ideal_s,
        time_scale=time_scale,
        seed=seed,
        run_id="r",
        scenario_hash=scenario_hash,
    )


def write_run(d: Path, records: Sequence[TrialRecord], meta: dict[str, object] | None = None) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    with ResultsWriter(d / "results.jsonl") as w:
        for r in records:
            w.write(r)
    (d / "run.json").write_text(json.dumps(meta or {"args": {"inject_slowdown": 1.0}}), encoding="utf-8")
    return d
