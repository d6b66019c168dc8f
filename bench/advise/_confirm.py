"""Confirmation: the chosen candidates and the user's current configuration measured by the runner, paired
(every candidate runs the same plan in each trial, in a shuffled order), and summarised with order-statistic
intervals from ``reports``."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.advise._space import Candidate
from bench.run import RunConfig, assemble, executor_order, measure, run
from reports import CI, TrialRecord, median_ci, quantile_ci, read_records
from scenarios import Scenario, ToolApi, make_plan

#: the warm-up plan of a sweep comes from a trial index no run reaches
WARMUP_TRIAL = 2_000_001


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
    #: 429 answers the server gave per turn, retried ones too (None: not counted, as in a confirmation run,
    #: whose records keep each call's final status only)
    answered_429: float | None = None


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
    config = RunConfig(
        scenarios=(scenario,),
        executors=tuple(c.spec for c in cands),
        trials=trials,
        seed=seed,
        time_scale=time_scale,
        out=out,
        raw=False,
    )
    run(config)
    return summarise(out / "results.jsonl", time_scale)


def summarise(results: Path, time_scale: float) -> dict[str, Measured]:
    """Each executor's records in a results file, summarised."""
    by: dict[str, list[TrialRecord]] = {}
    for r in read_records(results):
        by.setdefault(r.executor, []).append(r)
    return {label: measured(label, recs, time_scale) for label, recs in by.items()}


def measured(
    label: str, records: Sequence[TrialRecord], time_scale: float, answered_429: Sequence[int] = ()
) -> Measured:
    """Makespans in document ms in trial order, their p50 and p95 with order-statistic intervals, and
    per turn: calls that ended 429, extra attempts (retries, hedge copies, 429'd tries), failed calls, and
    the server's 429 answers when counted (``answered_429``, one count per record)."""
    recs = sorted(records, key=lambda r: r.trial)
    x = np.asarray([r.makespan_s / time_scale * 1000 for r in recs])
    return Measured(
        label,
        tuple(float(v) for v in x),
        float(np.quantile(x, 0.5)),
        float(np.quantile(x, 0.95)),
        median_ci(x),
        quantile_ci(x, 0.95),
        float(np.mean([sum(c.status == "rate_limited" for c in r.calls) for r in recs])),
        # a skipped call made no attempt
        float(np.mean([sum(max(0, c.attempts - 1) for c in r.calls) for r in recs])),
        float(np.mean([sum(c.status not in ("ok", "fallback") for c in r.calls) for r in recs])),
        float(np.mean(answered_429)) if len(answered_429) else None,
    )


def sweep(
    scenario: Scenario,
    cands: Sequence[Candidate],
    *,
    trials: int,
    seed: int,
    time_scale: float,
    chunk: int = 40,
) -> dict[str, Measured]:
    """Measure every candidate (the exhaustive check of a recommendation) with the runner's ``measure``,
    trial by trial in a shuffled order, ``chunk`` candidates at a time so few pools are open at once. Every
    chunk runs the same plans, so all candidates are paired by plan; no theory.json is computed (the runner
    would predict every candidate on 4096 plans first)."""
    recs: dict[str, list[TrialRecord]] = {c.label: [] for c in cands}
    answers: dict[str, list[int]] = {c.label: [] for c in cands}
    # as the runner does: what lives now lives for the sweep, so measure()'s gc.collect() scans only the
    # records (~50 ms a record otherwise, once scipy and pandas are imported)
    gc.collect()
    gc.freeze()
    try:
        for i in range(0, len(cands), chunk):
            _sweep_chunk(scenario, cands[i : i + chunk], (recs, answers), (trials, seed, time_scale))
    finally:
        gc.unfreeze()
    return {label: measured(label, r, time_scale, answers[label]) for label, r in recs.items()}


def _sweep_chunk(
    scenario: Scenario,
    part: Sequence[Candidate],
    into: tuple[dict[str, list[TrialRecord]], dict[str, list[int]]],
    how: tuple[int, int, float],
) -> None:
    """One chunk of the sweep: a warm-up plan, then every trial's plan for each member in a shuffled order,
    each record with the 429 answers its simulated APIs gave."""
    recs, answers = into
    trials, seed, time_scale = how
    config = RunConfig((scenario,), tuple(c.spec for c in part), trials, seed, time_scale)
    with assemble(config) as parts:
        exs = parts.executors
        warm = make_plan(scenario, seed, WARMUP_TRIAL)
        for ex in exs.values():
            measure(warm, ex, time_scale)
        for t in range(trials):
            plan = make_plan(scenario, seed, t)
            for label in executor_order(list(exs), seed, t):
                box: list[dict[str, ToolApi]] = []
                recs[label].append(measure(plan, exs[label], time_scale, on_tools=box.append))
                answers[label].append(
                    sum(e.outcome == "rate_limited" for api in box[0].values() for e in api.log)
                )
