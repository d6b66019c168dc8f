"""Confirmation: the chosen candidates and the user's current configuration measured by the runner, paired
(every candidate runs the same plan in each trial, in a shuffled order), and summarised with order-statistic
intervals from ``reports``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.advise._space import Candidate
from bench.run import RunConfig, run
from reports import CI, median_ci, quantile_ci, read_records
from scenarios import Scenario


@dataclass(frozen=True, slots=True)
class Measured:
    """One candidate as run: makespans per trial (document ms, in trial order) and counts per turn."""

    label: str
    makespans_ms: tuple[float, ...]
    p50_ms: float
    p95_ms: float
    ci_p50: CI
    ci_p95: CI
    rate_limited: float
    extra_calls: float
    failed: float


def confirm(
    scenario: Scenario,
    cands: Sequence[Candidate],
    *,
    trials: int,
    seed: int,
    time_scale: float,
    out: Path,
) -> dict[str, Measured]:
    """Run ``cands`` through the runner into ``out`` (results.jsonl, run.json, theory.json there) and
    summarise each by label."""
    executors = {c.label: c.build(time_scale, seed) for c in cands}
    settings = {c.label: (g.settings() if (g := c.guards(time_scale, seed)) else None) for c in cands}
    config = RunConfig(
        scenarios=(scenario,),
        executors=tuple(executors),
        trials=trials,
        seed=seed,
        time_scale=time_scale,
        out=out,
        raw=False,
        guards=settings,
    )
    try:
        run(config, executors)
    finally:
        for ex in executors.values():
            ex.close()
    return summarise(out / "results.jsonl", time_scale)


def summarise(results: Path, time_scale: float) -> dict[str, Measured]:
    by: dict[str, list[tuple[int, float, int, int, int]]] = {}
    for r in read_records(results):
        limited = sum(c.status == "rate_limited" for c in r.calls)
        extra = sum(max(0, c.attempts - 1) for c in r.calls)  # a skipped call made no attempt
        failed = sum(c.status not in ("ok", "fallback") for c in r.calls)
        by.setdefault(r.executor, []).append(
            (r.trial, r.makespan_s / time_scale * 1000, limited, extra, failed)
        )
    out = {}
    for label, rows in by.items():
        rows.sort()
        x = np.asarray([row[1] for row in rows])
        out[label] = Measured(
            label,
            tuple(float(v) for v in x),
            float(np.quantile(x, 0.5)),
            float(np.quantile(x, 0.95)),
            median_ci(x),
            quantile_ci(x, 0.95),
            float(np.mean([row[2] for row in rows])),
            float(np.mean([row[3] for row in rows])),
            float(np.mean([row[4] for row in rows])),
        )
    return out


def sweep(
    scenario: Scenario,
    cands: Sequence[Candidate],
    *,
    trials: int,
    seed: int,
    time_scale: float,
    out: Path,
    chunk: int = 40,
) -> dict[str, Measured]:
    """Measure every candidate (the exhaustive check of a recommendation), ``chunk`` per runner run so no
    more pools are open at once; every chunk runs the same plans (same seed and trials), so all stay paired
    by plan, though only a chunk's members share a trial's shuffled order."""
    found: dict[str, Measured] = {}
    for i in range(0, len(cands), chunk):
        part = cands[i : i + chunk]
        found |= confirm(
            scenario, part, trials=trials, seed=seed, time_scale=time_scale, out=out / f"{i:04d}"
        )
    return found
