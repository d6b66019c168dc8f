"""Synthetic run directories for the reports tests: results.jsonl, theory.json, run.json with known numbers.

Two generators: ``fixed_records`` builds a handful of hand-chosen makespans (the tests recompute the
statistics with the standard library); ``synthetic_records`` simulates the document's scenarios with
seeded random latencies so every figure has data.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from reports import CallRecord, ResultsWriter, TrialRecord, write_json_atomic

TIME_SCALE = 0.05
SEED = 7


def to_s(ms: float, time_scale: float = TIME_SCALE) -> float:
    """Document ms -> wall seconds."""
    return ms / 1000.0 * time_scale


def make_record(
    scenario: str,
    executor: str,
    trial: int,
    latencies_ms: Sequence[float],
    starts_ms: Sequence[float],
    *,
    makespan_ms: float | None = None,
    lower_bound_ms: float | None = None,
    ideal_ms: float | None = None,
    statuses: Sequence[str] | None = None,
    attempts: Sequence[int] | None = None,
    waits_ms: Sequence[float] | None = None,
    scenario_hash: str = "h1",
    time_scale: float = TIME_SCALE,
    run_id: str = "run-1",
) -> TrialRecord:
    """A record whose calls start at ``starts_ms`` and last ``latencies_ms`` (document ms)."""
    n = len(latencies_ms)
    statuses = statuses or ["ok"] * n
    attempts = attempts or [1] * n
    waits_ms = waits_ms or [0.0] * n
    calls = tuple(
        CallRecord(
            id=f"c{i}",
            tool=f"api{i}",
            planned_latency_s=to_s(lat, time_scale),
            start_s=to_s(st, time_scale),
            end_s=to_s(st + lat, time_scale),
            status=statuses[i],
            attempts=attempts[i],
            error=None if statuses[i] == "ok" else "boom",
            wait_s=to_s(waits_ms[i], time_scale),
        )
        for i, (lat, st) in enumerate(zip(latencies_ms, starts_ms, strict=True))
    )
    end = max((s + lat for s, lat in zip(starts_ms, latencies_ms, strict=True)), default=0.0)
    mk = end if makespan_ms is None else makespan_ms
    return trial_record(
        scenario,
        executor,
        trial,
        calls,
        makespan_s=to_s(mk, time_scale),
        lower_bound_s=to_s(max(latencies_ms) if lower_bound_ms is None else lower_bound_ms, time_scale),
        ideal_s=to_s(end if ideal_ms is None else ideal_ms, time_scale),
        time_scale=time_scale,
        run_id=run_id,
        scenario_hash=scenario_hash,
        planned_sum_s=to_s(sum(latencies_ms), time_scale),
        planned_max_s=to_s(max(latencies_ms), time_scale),
    )


def trial_record(
    scenario: str, executor: str, trial: int, calls: tuple[CallRecord, ...], **fields: Any
) -> TrialRecord:
    """The record factory of the reports and gate tests: times in wall seconds, ``fields`` as TrialRecord's."""
    defaults: dict[str, Any] = {
        "run_id": "run-1",
        "seed": SEED,
        "time_scale": TIME_SCALE,
        "scenario_hash": "h1",
    }
    return TrialRecord(scenario=scenario, executor=executor, trial=trial, calls=calls, **(defaults | fields))


def write_run(
    run_dir: Path,
    records: Sequence[TrialRecord],
    theory: dict[str, Any],
    status: str = "complete",
    time_scale: float = TIME_SCALE,
) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    with ResultsWriter(run_dir / "results.jsonl") as w:
        for r in records:
            w.write(r)
    write_json_atomic(
        run_dir / "theory.json", {"schema": 1, "time_scale": time_scale, "seed": SEED, "scenarios": theory}
    )
    write_json_atomic(
        run_dir / "run.json",
        {
            "run_id": "run-1",
            "status": status,
            "args": {"trials": 12, "time_scale": time_scale, "seed": SEED},
            "versions": {"pfcbench": "0.1.0", "python": "3.11"},
            "machine": {"cpus": 2},
            "git_commit": "abc1234",
            "started_at": "2026-11-24T08:00:00Z",
            "finished_at": "2026-11-24T08:01:00Z",
        },
    )
    return run_dir


# --- the fixed run: 5 trials, 3 calls each, numbers chosen by hand --------------------------------

#: (trial -> latencies of 3 calls) in document ms
FIXED_LAT = {
    0: [500, 480, 510],
    1: [490, 500, 505],
    2: [520, 470, 500],
    3: [500, 500, 500],
    4: [495, 515, 490],
}
#: per-executor fixed overhead (document ms) added to the ideal makespan
FIXED_OVERHEAD = {"sequential": 10.0, "threaded": 20.0, "asyncio": 5.0}


def fixed_records(scenario_hash: str = "h1", time_scale: float = TIME_SCALE) -> list[TrialRecord]:
    recs = []
    for trial, lat in FIXED_LAT.items():
        for ex, ovh in FIXED_OVERHEAD.items():
            starts = [sum(lat[:i]) for i in range(len(lat))] if ex == "sequential" else [0.0] * len(lat)
            ideal = max(s + x for s, x in zip(starts, lat, strict=True))
            recs.append(
                make_record(
                    "doc-3apis",
                    ex,
                    trial,
                    lat,
                    starts,
                    makespan_ms=ideal + ovh + trial,
                    ideal_ms=ideal,
                    scenario_hash=scenario_hash,
                    time_scale=time_scale,
                )
            )
    return recs


FIXED_THEORY: dict[str, Any] = {
    "doc-3apis": {
        "description": "3 APIs, 500 ms each",
        "family": "doc-3apis",
        "n_calls": 3,
        "quota": None,
        "doc": {"row": "3 APIs (500 ms each)", "sequential_ms": 1500, "parallel_ms": 500, "speedup": 3.0},
        "expected_sum_ms": 1500.0,
        "expected_max_ms": 500.0,
        "p50_sum_ms": 1500.0,
        "p95_sum_ms": 1500.0,
        "p50_max_ms": 500.0,
        "p95_max_ms": 500.0,
        "expected_lower_bound_ms": 500.0,
        "predicted_ms": {"sequential": 1500.0, "threaded": 500.0, "asyncio": 500.0},
    }
}


@pytest.fixture
def fixed_run(tmp_path: Path) -> Path:
    """A run directory holding the fixed records and theory."""
    return write_run(tmp_path / "fixed", fixed_records(), FIXED_THEORY)


# --- the synthetic run: the document's four rows plus a family and a worker sweep -------------------


def _simulate(
    executor: str, lat: list[float], rng: random.Random, quota: tuple[int, float, int] | None
) -> tuple[list[float], list[float], float]:
    """Start times, limiter waits and ideal makespan of one executor on one plan (document ms)."""
    n = len(lat)
    waits = [0.0] * n
    base, _, k = executor.partition("@")
    workers = int(k) if k else n
    if base == "sequential":
        starts = [sum(lat[:i]) for i in range(n)]
    elif base == "batched":
        starts, t = [], 0.0
        for b in range(0, n, 3):
            starts += [t] * len(lat[b : b + 3])
            t += max(lat[b : b + 3])
    elif base == "ratelimited" and quota is not None:
        calls, period, burst = quota
        window = period * burst / calls
        starts = [window * (i // burst) for i in range(n)]
        waits = list(starts)
    else:
        free = [0.0] * min(workers, n)
        starts = []
        for x in lat:
            j = min(range(len(free)), key=free.__getitem__)
            starts.append(free[j])
            free[j] += x
    ideal = max(s + x for s, x in zip(starts, lat, strict=True))
    return starts, waits, ideal


SYNTH_SCENARIOS: dict[str, dict[str, Any]] = {
    "doc-3apis": {
        "n": 3,
        "dist": lambda r: 500.0,
        "family": "doc-3apis",
        "quota": None,
        "doc": {"row": "3 APIs (500 ms each)", "sequential_ms": 1500, "parallel_ms": 500, "speedup": 3.0},
    },
    "doc-5apis": {
        "n": 5,
        "dist": lambda r: r.uniform(200, 800),
        "family": "doc-5apis",
        "quota": None,
        "doc": {"row": "5 APIs (200–800 ms)", "sequential_ms": 2500, "parallel_ms": 800, "speedup": 3.0},
    },
    "doc-10apis-ratelimited": {
        "n": 10,
        "dist": lambda r: r.uniform(100, 500),
        "family": "doc-10apis",
        "quota": (10, 1000.0, 2),
        "doc": {"row": "10 APIs + rate limit", "sequential_ms": 3000, "parallel_ms": 1200, "speedup": 2.5},
    },
    "fanout-4": {
        "n": 4,
        "dist": lambda r: r.uniform(100, 500),
        "family": "fanout",
        "quota": None,
        "doc": None,
    },
    "fanout-16": {
        "n": 16,
        "dist": lambda r: r.uniform(100, 500),
        "family": "fanout",
        "quota": None,
        "doc": None,
    },
}


def _theory_entry(name: str, spec: dict[str, Any], executors: Sequence[str]) -> dict[str, Any]:
    """Monte Carlo theory, good enough for a fixture (the runner computes it exactly)."""
    r = random.Random(1)
    sums, maxes, lbs, pred = [], [], [], dict.fromkeys(executors, 0.0)
    m = 2000
    for _ in range(m):
        lat = [spec["dist"](r) for _ in range(spec["n"])]
        sums.append(sum(lat))
        maxes.append(max(lat))
        q = spec["quota"]
        lb = max(lat)
        if q is not None:
            calls, period, burst = q
            lb = max(period * burst / calls * (i // burst) + x for i, x in enumerate(lat))
        lbs.append(lb)
        for e in executors:
            pred[e] += _simulate(e, lat, r, q)[2] / m
    sums.sort()
    maxes.sort()
    q = spec["quota"]
    return {
        "description": name,
        "family": spec["family"],
        "n_calls": spec["n"],
        "doc": spec["doc"],
        "quota": None if q is None else {"calls": q[0], "period_ms": q[1], "burst": q[2]},
        "expected_sum_ms": sum(sums) / m,
        "expected_max_ms": sum(maxes) / m,
        "p50_sum_ms": sums[m // 2],
        "p95_sum_ms": sums[int(0.95 * m)],
        "p50_max_ms": maxes[m // 2],
        "p95_max_ms": maxes[int(0.95 * m)],
        "expected_lower_bound_ms": sum(lbs) / m,
        "predicted_ms": pred,
    }


#: the raw references every trial also runs (a bare gather / a bare thread pool): all calls start at once
RAW_EXECUTORS = ("raw-asyncio", "raw-threads")
#: their fixed overhead (document ms) above the ideal: the machine's cost, which every executor pays too
RAW_OVERHEAD = {"raw-asyncio": 2.0, "raw-threads": 3.0}


def raw_records(
    scenario: str, trial: int, lat: Sequence[float], rng: random.Random, scenario_hash: str = "h1"
) -> list[TrialRecord]:
    """The raw references of one trial: the plan's calls all started at 0, a little overhead on top."""
    ideal = max(lat)
    return [
        make_record(
            scenario,
            ex,
            trial,
            lat,
            [0.0] * len(lat),
            makespan_ms=ideal + RAW_OVERHEAD[ex] * (1 + 0.2 * rng.random()),
            ideal_ms=ideal,
            lower_bound_ms=ideal,
            scenario_hash=scenario_hash,
        )
        for ex in RAW_EXECUTORS
    ]


def synthetic_records(
    trials: int = 12, seed: int = 3, scenario_hash: str = "h1", slowdown: float = 1.0, raw: bool = True
) -> tuple[list[TrialRecord], dict[str, Any]]:
    """The synthetic run's records and theory; ``raw`` adds the raw references to every trial (drawn from
    their own generator, so the executors' numbers are the same with or without them)."""
    rng = random.Random(seed)
    raw_rng = random.Random(seed + 1000)
    recs: list[TrialRecord] = []
    theory: dict[str, Any] = {}
    for name, spec in SYNTH_SCENARIOS.items():
        executors = ["sequential", "threaded", "asyncio", "batched"]
        if spec["quota"] is not None:
            executors.append("ratelimited")
        if name == "fanout-16":
            executors += ["threaded@2", "threaded@4", "threaded@8"]
        theory[name] = _theory_entry(name, spec, executors)
        for trial in range(trials):
            lat = [spec["dist"](rng) for _ in range(spec["n"])]
            lb = theory[name]["expected_lower_bound_ms"]
            for ex in executors:
                starts, waits, ideal = _simulate(ex, lat, rng, spec["quota"])
                # Overhead grows with the call count; a rare straggler makes the tails visible.
                ovh = (3.0 + 0.8 * spec["n"]) * slowdown * (1 + rng.expovariate(1.0)) + (
                    80.0 if rng.random() < 0.05 else 0.0
                )
                statuses = ["ok"] * len(lat)
                attempts = [1] * len(lat)
                if ex == "threaded" and spec["quota"] is not None:
                    statuses[-1] = "rate_limited"
                    attempts[-1] = 2
                stretched = [x * slowdown for x in lat]
                recs.append(
                    make_record(
                        name,
                        ex,
                        trial,
                        stretched,
                        starts,
                        makespan_ms=ideal * slowdown + ovh,
                        ideal_ms=ideal,
                        lower_bound_ms=max(lat) if spec["quota"] is None else min(lb, ideal),
                        statuses=statuses,
                        attempts=attempts,
                        waits_ms=waits,
                        scenario_hash=scenario_hash,
                    )
                )
            if raw:
                recs += raw_records(name, trial, [x * slowdown for x in lat], raw_rng, scenario_hash)
    return recs, theory


@pytest.fixture(scope="session")
def synthetic_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete run directory simulating the document's scenarios (12 trials)."""
    recs, theory = synthetic_records()
    return write_run(tmp_path_factory.mktemp("synth") / "run", recs, theory)


@pytest.fixture(scope="session")
def synthetic_report(synthetic_run: Path) -> tuple[Path, str]:
    """The synthetic run rendered once for the session (the figures are the slow part)."""
    from reports import render_report

    path = render_report(synthetic_run)
    return path, path.read_text(encoding="utf-8")


@pytest.fixture
def run_factory(tmp_path: Path) -> Callable[..., Path]:
    """Builds a run directory from records and theory under tmp_path."""
    counter = iter(range(1000))

    def build(records: Sequence[TrialRecord], theory: dict[str, Any], status: str = "complete") -> Path:
        return write_run(tmp_path / f"run{next(counter)}", records, theory, status=status)

    return build


class Gen:
    """The generator's helpers, handed to tests as a fixture (no ``import conftest``, which can clash)."""

    make_record = staticmethod(make_record)
    fixed_records = staticmethod(fixed_records)
    synthetic_records = staticmethod(synthetic_records)
    raw_records = staticmethod(raw_records)
    RAW_OVERHEAD = RAW_OVERHEAD
    write_run = staticmethod(write_run)
    to_s = staticmethod(to_s)
    FIXED_LAT = FIXED_LAT
    FIXED_OVERHEAD = FIXED_OVERHEAD
    FIXED_THEORY = FIXED_THEORY
    TIME_SCALE = TIME_SCALE


@pytest.fixture
def gen() -> type[Gen]:
    """The synthetic-results helpers."""
    return Gen
