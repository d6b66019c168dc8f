"""Results files -> tidy pandas frames, in document milliseconds.

Everything downstream (statistics, figures, markdown, trace) reads these frames, so the unit conversion
(``seconds / time_scale * 1000``) and the column names live here and nowhere else.

``trials`` frame: one row per (scenario, trial, executor)

=================  ===========================================================================
column             meaning
=================  ===========================================================================
run_id             run id
scenario           scenario name
scenario_hash      fingerprint of the scenario definition
family             theory.json ``family`` (falls back to the scenario name)
executor           executor label as stored (``threaded@4``)
executor_base      label without ``@K`` (``threaded``)
workers            K from ``name@K``, else <NA> (nullable Int64)
trial              trial index (the pairing key)
order              position of this executor in the trial's shuffled order
seed, model        as stored
time_scale         wall seconds per document second
n_calls            calls in the record
n_real             calls a real tool (Python, HTTP) answered: their bound and ideal are their measured spans
makespan_ms        measured makespan, document ms
makespan_wall_ms   measured makespan, wall ms (for timer-resolution checks)
lower_bound_ms     what no executor can beat on this plan, document ms
ideal_ms           this executor's zero-overhead makespan on this plan, document ms
planned_sum_ms     sum of planned first-attempt latencies, document ms
planned_max_ms     max of planned first-attempt latencies, document ms
efficiency         lower_bound_ms / makespan_ms (1 = nothing left to gain)
overhead_ms        makespan_ms - ideal_ms
overhead_ratio     makespan_ms / ideal_ms
n_errors           calls whose status is not ``ok``
n_retried          calls with more than one attempt
wait_ms            total limiter wait over the calls, document ms
quota_violations   call starts that break the scenario's quota (theory.json ``quota``), 0 without one;
                   the starts the server admitted: an attempt it refused with a 429 started nothing
n_429              attempts the server refused with a 429 (retried or not), over the record's calls
=================  ===========================================================================

``calls`` frame: one row per call

=================  ===========================================================================
column             meaning
=================  ===========================================================================
scenario, executor, trial   keys back to the trials frame
call_id, tool      as stored
planned_ms         planned latency of the first attempt, document ms (0 for a real tool's call)
source             ``simulated``, or the real tool's kind (``python``, ``http``)
expected_ms        a real tool's declared latency for this call (what the user expected), else NaN
start_ms, end_ms   relative to the start of the record's run, document ms
rel_start_ms       start_ms minus the record's origin (earliest ``start_ms - wait_ms``), so
rel_end_ms         timelines of different records line up at 0 whatever the run's clock origin
duration_ms        end_ms - start_ms
wait_ms            limiter wait before the first attempt, document ms
status             call status (see ``CALL_STATUSES``)
failed             status != ``ok``
attempts           attempts made
error              the error's one-line text or None
n_after            number of calls this one waited for
=================  ===========================================================================
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from reports._schema import CallRecord, TrialRecord, is_raw, read_results

#: a call status that means the server refused the attempt (HTTP 429)
RATE_LIMITED = "rate_limited"

#: executor labels like ``threaded@4`` carry a worker count
_WORKERS = re.compile(r"^(?P<base>.+)@(?P<k>\d+)$")

TRIAL_COLUMNS = (
    "run_id",
    "scenario",
    "scenario_hash",
    "family",
    "executor",
    "executor_base",
    "workers",
    "trial",
    "order",
    "seed",
    "model",
    "time_scale",
    "n_calls",
    "n_real",
    "makespan_ms",
    "makespan_wall_ms",
    "lower_bound_ms",
    "ideal_ms",
    "planned_sum_ms",
    "planned_max_ms",
    "efficiency",
    "overhead_ms",
    "overhead_ratio",
    "n_errors",
    "n_retried",
    "wait_ms",
    "quota_violations",
    "n_429",
)
CALL_COLUMNS = (
    "scenario",
    "executor",
    "trial",
    "call_id",
    "tool",
    "planned_ms",
    "source",
    "expected_ms",
    "start_ms",
    "end_ms",
    "rel_start_ms",
    "rel_end_ms",
    "duration_ms",
    "wait_ms",
    "status",
    "failed",
    "attempts",
    "error",
    "n_after",
)


@dataclass(frozen=True)
class RunData:
    """Everything a report needs from one run directory, read once."""

    run_dir: Path
    trials: pd.DataFrame
    #: theory.json ``scenarios`` mapping (empty when the file is absent)
    theory: Mapping[str, Mapping[str, Any]]
    #: run.json contents (empty when the file is absent)
    meta: Mapping[str, Any]
    #: the raw references' rows (``raw-asyncio``, ``raw-threads``; same columns as ``trials``), kept out of
    #: ``trials`` and ``calls`` so no table, ranking or figure takes a reference for an executor
    raw: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(TRIAL_COLUMNS)))
    records: tuple[TrialRecord, ...] = ()
    #: why the records may not be the whole run (dropped lines, a count run.json disagrees with)
    problems: tuple[str, ...] = ()

    @cached_property
    def calls(self) -> pd.DataFrame:
        """Every call of the run (built on first use: a report needs only :meth:`calls_of` a few trials)."""
        return calls_frame(self.records)

    def calls_of(self, keys: Iterable[tuple[str, str, int]]) -> pd.DataFrame:
        """The calls frame of the records whose (scenario, executor, trial) is in ``keys``."""
        wanted = set(keys)
        return calls_frame(r for r in self.records if (r.scenario, r.executor, r.trial) in wanted)


def split_label(label: str) -> tuple[str, int | None]:
    """``threaded@4`` -> (``threaded``, 4); a label without ``@K`` -> (label, None)."""
    m = _WORKERS.match(label)
    if m is None:
        return label, None
    return m.group("base"), int(m.group("k"))


def _doc_ms(seconds: float, time_scale: float) -> float:
    return seconds / time_scale * 1000.0


def trials_frame(
    records: Iterable[TrialRecord], theory: Mapping[str, Mapping[str, Any]] | None = None
) -> pd.DataFrame:
    """One row per (scenario, trial, executor); see the module docstring for the columns."""
    theory = theory or {}
    rows: list[dict[str, Any]] = []
    # per scenario, once: its family and its quota (None without one: no call starts to collect)
    known: dict[str, tuple[str, Mapping[str, Any] | None]] = {}
    for r in records:
        ts = r.time_scale
        base, k = split_label(r.executor)
        makespan = _doc_ms(r.makespan_s, ts)
        ideal = _doc_ms(r.ideal_s, ts)
        lower = _doc_ms(r.lower_bound_s, ts)
        if r.scenario not in known:
            th = theory.get(r.scenario, {})
            known[r.scenario] = (th.get("family") or r.scenario, _usable_quota(th.get("quota")))
        fam, quota = known[r.scenario]
        rows.append(
            {
                "run_id": r.run_id,
                "scenario": r.scenario,
                "scenario_hash": r.scenario_hash,
                "family": fam,
                "executor": r.executor,
                "executor_base": base,
                "workers": k,
                "trial": r.trial,
                "order": r.order,
                "seed": r.seed,
                "model": r.model,
                "time_scale": ts,
                "n_calls": len(r.calls),
                "n_real": sum(c.real for c in r.calls),
                "makespan_ms": makespan,
                "makespan_wall_ms": r.makespan_s * 1000.0,
                "lower_bound_ms": lower,
                "ideal_ms": ideal,
                "planned_sum_ms": _doc_ms(r.planned_sum_s, ts),
                "planned_max_ms": _doc_ms(r.planned_max_s, ts),
                # A zero makespan (a scenario with no calls) has no meaningful ratio: NaN, not inf.
                "efficiency": lower / makespan if makespan > 0 else float("nan"),
                "overhead_ms": makespan - ideal,
                "overhead_ratio": makespan / ideal if ideal > 0 else float("nan"),
                "n_errors": sum(c.status != "ok" for c in r.calls),
                "n_retried": sum(c.attempts > 1 for c in r.calls),
                "wait_ms": _doc_ms(sum(c.wait_s for c in r.calls), ts),
                "quota_violations": 0
                if quota is None
                else quota_violations([_doc_ms(t, ts) for c in r.calls for t in admitted_starts(c)], quota),
                "n_429": sum(map(n_429, r.calls)),
            }
        )
    df = pd.DataFrame(rows, columns=list(TRIAL_COLUMNS))
    df["workers"] = df["workers"].astype("Int64")
    return df


def admitted_starts(c: CallRecord) -> list[float]:
    """The starts of a call's attempts that the server admitted (wall s): a 429 is a refusal, not a start.
    A call with one attempt records no list: its start is ``start_s``."""
    if not c.attempt_starts_s:
        return [] if c.status == RATE_LIMITED else [c.start_s]
    return [t for t, st in zip(c.attempt_starts_s, c.attempt_statuses, strict=True) if st != RATE_LIMITED]


def n_429(c: CallRecord) -> int:
    """How many of a call's attempts the server refused with a 429."""
    if not c.attempt_statuses:
        return int(c.status == RATE_LIMITED)
    return c.attempt_statuses.count(RATE_LIMITED)


def _usable_quota(quota: object) -> Mapping[str, Any] | None:
    """A theory.json quota with what ``quota_violations`` needs, else None."""
    if not isinstance(quota, Mapping) or not all(k in quota for k in ("calls", "period_ms", "burst")):
        return None
    return quota


def quota_violations(starts_ms: Sequence[float], quota: object) -> int:
    """How many call starts the simulated server would have refused under a ``{"calls", "period_ms",
    "burst", "grace_ms"}`` quota (theory.json): the server's own rule, in document ms.

    A start violates when fewer than ``period_ms*burst/calls - grace_ms`` separate it from the start
    ``burst`` places before it, or fewer than ``period_ms - grace_ms`` from the one ``calls`` places before
    (scenarios.QuotaState). Nothing else is forgiven: an executor that is fast because it ignores the quota
    must not be read as "parallel done right". A quota without ``grace_ms`` (older theory.json) forgives 0.
    """
    quota = _usable_quota(quota)
    if quota is None:
        return 0
    calls, period, burst = int(quota["calls"]), float(quota["period_ms"]), int(quota["burst"])
    grace = float(quota.get("grace_ms") or 0.0)
    if calls <= 0 or burst <= 0 or period <= 0:
        return 0
    window = period * burst / calls
    s = sorted(starts_ms)
    bad = set()
    for limit, span in ((burst, window), (calls, period)):
        for i in range(len(s) - limit):
            if s[i + limit] - s[i] < span - grace:
                bad.add(i + limit)
    return len(bad)


def calls_frame(records: Iterable[TrialRecord]) -> pd.DataFrame:
    """One row per call; see the module docstring for the columns."""
    rows: list[dict[str, Any]] = []
    for r in records:
        ts = r.time_scale
        origin = min((_doc_ms(c.start_s - c.wait_s, ts) for c in r.calls), default=0.0)
        for c in r.calls:
            start, end = _doc_ms(c.start_s, ts), _doc_ms(c.end_s, ts)
            rows.append(
                {
                    "scenario": r.scenario,
                    "executor": r.executor,
                    "trial": r.trial,
                    "call_id": c.id,
                    "tool": c.tool,
                    "planned_ms": _doc_ms(c.planned_latency_s, ts),
                    "source": c.source,
                    "expected_ms": float("nan")
                    if c.expected_latency_s is None
                    else _doc_ms(c.expected_latency_s, ts),
                    "start_ms": start,
                    "end_ms": end,
                    "rel_start_ms": start - origin,
                    "rel_end_ms": end - origin,
                    "duration_ms": end - start,
                    "wait_ms": _doc_ms(c.wait_s, ts),
                    "status": c.status,
                    "failed": c.status != "ok",
                    "attempts": c.attempts,
                    "error": c.error,
                    "n_after": len(c.after),
                }
            )
    return pd.DataFrame(rows, columns=list(CALL_COLUMNS))


def _read_json(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    obj = json.loads(path.read_text(encoding="utf-8"))
    return obj if isinstance(obj, dict) else {}


def load_run(run_dir: str | Path) -> RunData:
    """Read results.jsonl, theory.json and run.json of a run directory (the last two are optional)."""
    d = Path(run_dir)
    results = d / "results.jsonl"
    if not results.exists():
        raise FileNotFoundError(f"{results}: no results file in this run directory")
    read = read_results(results)
    everything = read.records
    records = [r for r in everything if not is_raw(r.executor)]
    if not records:
        # an empty report would look like a clean run; refuse it instead
        why = "; ".join(read.problems({})) or "the file is empty"
        raise ValueError(f"{results}: no records to report ({why})")
    meta = _read_json(d / "run.json")
    theory_doc = _read_json(d / "theory.json")
    scenarios = theory_doc.get("scenarios") or {}
    theory = {str(k): v for k, v in scenarios.items() if isinstance(v, dict)}
    return RunData(
        run_dir=d,
        trials=trials_frame(records, theory),
        theory=theory,
        meta=meta,
        raw=trials_frame([r for r in everything if is_raw(r.executor)], theory),
        records=tuple(records),
        problems=tuple(read.problems(meta)),
    )


def executor_order(trials: pd.DataFrame, baseline: str = "sequential") -> list[str]:
    """Executors as they appear in the data, the baseline first: one stable order for tables and colours.
    Raw references are not executors and are left out."""
    seen = list(dict.fromkeys(str(e) for e in trials["executor"] if not is_raw(str(e))))
    return sorted(seen, key=lambda e: (e != baseline, seen.index(e)))


def representative_trials(trials: pd.DataFrame) -> dict[tuple[str, str], int]:
    """Per (scenario, executor): the trial whose makespan is closest to that executor's median.

    A typical trial, not the best or worst one, is what a timeline should show; ties go to the lowest trial.
    """
    out: dict[tuple[str, str], int] = {}
    for (sc, ex), g in trials.groupby(["scenario", "executor"], sort=False):
        dist = (g["makespan_ms"] - g["makespan_ms"].median()).abs()
        best = g.assign(_d=dist).sort_values(["_d", "trial"]).iloc[0]
        out[(str(sc), str(ex))] = int(best["trial"])
    return out
