"""Trace replay: each recorded turn becomes one trial whose calls sleep exactly their recorded durations
(failures and 429s answered as recorded), and a pseudo-executor ``recorded`` carries what production did.

One scenario per trace, whose plans vary per trial (trial i = turn i): its tools carry a lognormal fitted to
the trace's latencies and its calls are the most common turn shape (these feed only theory.json and warm-up; a
step-shaped empirical CDF makes the theory's integrals warn), but every measured trial runs
its own turn's calls. Turn times are document time: the time scale applies as everywhere."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.run._records import trial_record
from bench.traces import OK, PER_PARENT, RATE_LIMITED, ToolSpan, Turn, read_trace
from executors import Tools
from reports import CallRecord, TrialRecord
from scenarios import (
    MAX_PLANNED_ATTEMPTS,
    CallSpec,
    Constant,
    Faults,
    Latency,
    LogNormal,
    PlannedCall,
    RateLimited,
    Scenario,
    SimulatedAPI,
    ToolError,
    ToolSpec,
    TrialPlan,
    build_toolbox,
)

RECORDED = "recorded"


class _Replayed:
    """A simulated API whose recorded 429s answer 429 (after their recorded duration) instead of a 503."""

    def __init__(self, api: SimulatedAPI, limited: frozenset[str]) -> None:
        self._api, self._limited = api, limited
        self.name = api.name

    def __call__(self, *, request_id: str, **args: Any) -> Any:
        try:
            return self._api(request_id=request_id, **args)
        except ToolError:
            if request_id in self._limited:
                raise RateLimited(self.name, 0.0) from None
            raise

    async def acall(self, *, request_id: str, **args: Any) -> Any:
        try:
            return await self._api.acall(request_id=request_id, **args)
        except ToolError:
            if request_id in self._limited:
                raise RateLimited(self.name, 0.0) from None
            raise


@dataclass(frozen=True, slots=True)
class TraceReplay:
    """A plan source (``bench.run.PlanSource``) for the turns of a trace; ``run`` writes its
    ``recorded`` records once, after the measured ones."""

    scenario: Scenario
    turns: tuple[Turn, ...]
    #: how the trace was read (``bench.traces._turns.Reading.lines``)
    notes: tuple[str, ...] = ()

    @property
    def trials(self) -> int:
        return len(self.turns)

    def plan(self, scenario: Scenario, seed: int, trial: int) -> TrialPlan:
        calls = tuple(
            PlannedCall(
                id=f"c{j}",
                tool=c.tool,
                args={"request_id": f"c{j}"},
                after=(),
                latency_ms=(c.duration_ms,) * MAX_PLANNED_ATTEMPTS,
                error=(c.outcome != OK,) * MAX_PLANNED_ATTEMPTS,
                hang=(False,) * MAX_PLANNED_ATTEMPTS,
                hang_ms=60_000.0,
            )
            for j, c in enumerate(self.turns[trial].calls)
        )
        return TrialPlan(scenario=scenario, seed=seed, trial=trial, calls=calls)

    def toolbox(self, plan: TrialPlan, time_scale: float) -> Tools:
        limited: dict[str, set[str]] = defaultdict(set)
        for j, c in enumerate(self.turns[plan.trial].calls):
            if c.outcome == RATE_LIMITED:
                limited[c.tool].add(f"c{j}")
        box = build_toolbox(plan, time_scale)
        return {
            name: _Replayed(api, frozenset(limited[name]))
            if name in limited and isinstance(api, SimulatedAPI)  # a trace's tools are all simulated
            else api
            for name, api in box.items()
        }

    def recorded_records(self, run_id: str, seed: int, time_scale: float) -> list[TrialRecord]:
        """What production did, one record per turn, as the pseudo-executor ``recorded``."""
        return [self._recorded(i, run_id, seed, time_scale) for i in range(self.trials)]

    def _recorded(self, trial: int, run_id: str, seed: int, time_scale: float) -> TrialRecord:
        turn = self.turns[trial]
        t0 = turn.start_ns

        def wall(ns: int, c: ToolSpan) -> float:
            return ns / 1e9 / c.span.time_scale * time_scale

        calls = tuple(
            CallRecord(
                id=f"c{j}",
                tool=c.tool,
                planned_latency_s=c.duration_ms / 1000 * time_scale,
                start_s=wall(c.span.start_ns - t0, c),
                end_s=wall(c.span.end_ns - t0, c),
                status=c.outcome,
                attempts=1,
            )
            for j, c in enumerate(turn.calls)
        )
        plan = self.plan(self.scenario, seed, trial)
        rec = trial_record(
            plan,
            time_scale,
            executor=RECORDED,
            makespan_s=turn.recorded_ms / 1000 * time_scale,
            ideal_s=turn.recorded_ms / 1000 * time_scale,
            calls=calls,
            lower_bound_s=plan.lower_bound_ms({c.id: 1 for c in calls if c.status == OK}) / 1000 * time_scale,
            run_id=run_id,
        )
        return dataclasses.replace(rec, origin_unix_s=t0 / 1e9)


def _smooth(values_ms: Sequence[float]) -> Latency:
    x = np.maximum(np.asarray(values_ms, dtype=np.float64), 1e-3)
    if x.size < 2 or np.ptp(x) == 0:
        return Constant(float(x[0]))
    logs = np.log(x)
    return LogNormal(float(np.exp(logs.mean())), float(logs.std(ddof=1)))


def trace_replay(
    paths: Sequence[str | Path], name: str | None = None, reading: str = PER_PARENT
) -> TraceReplay:
    """The replay of the turns in ``paths`` (raises TraceError for bad input)."""
    read = read_trace(paths, reading)
    turns = read.turns
    durations: dict[str, list[float]] = defaultdict(list)
    failures: Counter[str] = Counter()
    for t in turns:
        for c in t.calls:
            durations[c.tool].append(c.duration_ms)
            failures[c.tool] += c.outcome != OK
    shape = Counter(t.shape for t in turns).most_common(1)[0][0]
    source = ", ".join(Path(p).name for p in paths)
    scenario = Scenario(
        name=name
        or "trace-" + (re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(paths[0]).stem).strip("-") or "replay"),
        # the report states how the trace was read from here (theory.json carries the description)
        description=" | ".join([f"replay of {len(turns)} recorded turns from {source}", *read.lines()]),
        tools=tuple(
            ToolSpec(tool, _smooth(v), Faults(error_rate=failures[tool] / len(v)))
            for tool, v in sorted(durations.items())
        ),
        calls=tuple(CallSpec(f"c{i}", tool, {"request_id": f"c{i}"}) for i, tool in enumerate(shape)),
        source=source,
    )
    return TraceReplay(scenario, turns, tuple(read.lines()))
