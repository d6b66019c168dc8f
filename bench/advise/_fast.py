"""Fast evaluation on a virtual clock: every candidate over many sampled plans, in document ms, no sleeping.

Guards are applied per call first (``settle``): an attempt's planned latency, its hedge copy at the hedge
delay, the per-attempt timeout, failures and the mean full-jitter backoff before a retry give the time the
call holds its worker, its copies and whether it ends well. The executor's own ``predict`` then schedules
those durations (workers, barriers, dependencies, the quota's limiter), so the strategy part is the same
exact predictor the runner uses. A naive client (``-naive``, and ``adaptive`` before it has learnt) is
checked against the server's quota windows to count its 429s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.advise._space import DEPENDENCY_BLIND, Candidate, GuardChoice
from bench.run import BACKOFF_MS, RunConfig, assemble, quotas_of
from executors import Executor, PlannedWork, Quota, schedule
from scenarios import PlannedCall, Scenario, TrialPlan


@dataclass(frozen=True, slots=True)
class Settled:
    """One call under one guard choice: how long it holds its worker, copies started, and whether it failed."""

    duration_ms: float
    copies: int
    failed: bool


def _once(call: PlannedCall, index: int, g: GuardChoice, hedge: float | None) -> tuple[float, bool, int]:
    """One try (plus its hedge copy when due): (time it took, ok, copies). A failure before the hedge delay
    is not hedged; the first copy to succeed wins; a timeout cuts the try."""
    lat, err, hang = call.attempt(index)
    end, ok, copies = (call.hang_ms if hang else lat), not (err or hang), 1
    if hedge is not None and end > hedge and (g.timeout_ms is None or hedge < g.timeout_ms):
        lat2, err2, hang2 = call.attempt(index + 1)
        end2, ok2, copies = hedge + (call.hang_ms if hang2 else lat2), not (err2 or hang2), 2
        wins = [e for e, o in ((end, ok), (end2, ok2)) if o]
        end, ok = (min(wins), True) if wins else (max(end, end2), False)
    if g.timeout_ms is not None and end > g.timeout_ms:
        end, ok = g.timeout_ms, False
    return end, ok, copies


def settle(call: PlannedCall, g: GuardChoice) -> Settled:
    """The call's tries under ``g``: each try reads the next planned attempts, as the simulated API does."""
    hedge = dict(g.hedge_ms).get(call.tool)
    total, index, copies = 0.0, 0, 0
    for k in range(g.retries + 1):
        took, ok, n = _once(call, index, g, hedge)
        total, index, copies = total + took, index + n, copies + n
        if ok:
            return Settled(total, copies, False)
        if k < g.retries:
            total += min(BACKOFF_MS * 32, BACKOFF_MS * 2**k) / 2  # mean of the full-jitter backoff
    return Settled(total, copies, True)


def server_rejections(starts: Sequence[tuple[str, float]], quotas: Sequence[Quota]) -> list[bool]:
    """Which starts (tool, time), taken in time order, a server enforcing ``quotas`` answers with a 429."""
    order = sorted(range(len(starts)), key=lambda i: starts[i][1])
    admitted: dict[str, list[float]] = {q.name: [] for q in quotas}
    rejected = [False] * len(starts)
    for i in order:
        tool, t = starts[i]
        for q in quotas:
            if tool not in q.tools:
                continue
            seen = admitted[q.name]
            if any(sum(1 for s in seen if s > t - length) >= count for count, length in q.windows):
                rejected[i] = True
            else:
                seen.append(t)
    return rejected


@dataclass(frozen=True, slots=True)
class Prediction:
    """A candidate's predicted objectives over the sampled plans (document ms; counts per turn)."""

    candidate: Candidate
    p50_ms: float
    p95_ms: float
    rate_limited: float
    extra_calls: float
    failed: float
    makespans_ms: tuple[float, ...]


class Evaluator:
    """Predicts candidates over the first ``n`` of a fixed set of plans. Settled work is computed once per
    guard choice; a candidate whose makespans on the first ``PROBE`` plans equal an evaluated candidate's
    with the same guards (``asyncio@4`` and ``threaded@4`` without dependencies) reuses its figures."""

    PROBE = 12

    def __init__(self, scenario: Scenario, plans: Sequence[TrialPlan]) -> None:
        self.scenario, self.plans = scenario, plans
        # a time scale of 1000 keeps quotas in document ms (``quotas_of`` scales seconds by time_scale/1000)
        self.quotas = quotas_of(scenario, 1000.0)
        self._settled: dict[GuardChoice, list[list[Settled]]] = {}
        self._seen: dict[tuple[object, ...], tuple[list[float], list[int]]] = {}

    def _work(self, g: GuardChoice, n: int) -> list[list[PlannedWork]]:
        if g not in self._settled:
            self._settled[g] = [[settle(c, g) for c in p.calls] for p in self.plans]
        return [
            [PlannedWork(c.id, c.tool, s.duration_ms, c.after) for c, s in zip(p.calls, st, strict=True)]
            for p, st in zip(self.plans[:n], self._settled[g][:n], strict=True)
        ]

    def predict(self, cand: Candidate, n: int | None = None) -> Prediction:
        n = len(self.plans) if n is None else min(n, len(self.plans))
        g = GuardChoice(cand.timeout_ms, cand.timeout_q, cand.hedge_ms, cand.hedge_q, cand.retries)
        works = self._work(g, n)
        # predict reads only the strategy's knobs; the time scale is not used
        with assemble(RunConfig((self.scenario,), (cand.spec,), time_scale=1.0)) as parts:
            ex = parts.executors[cand.label]
            probe = [ex.predict(w, quotas=self.quotas) for w in works[: self.PROBE]]
            key = (g, n, tuple(probe), cand.executor.endswith("-naive"), cand.executor == "adaptive")
            if key not in self._seen:
                self._seen[key] = self._run(ex, cand, works, probe)
            spans, lost = self._seen[key]
        settled = self._settled[g][:n]
        arr = np.asarray(spans)
        return Prediction(
            cand,
            float(np.quantile(arr, 0.5)),
            float(np.quantile(arr, 0.95)),
            float(np.mean(lost[:n])),
            float(np.mean([sum(s.copies for s in st) - len(st) for st in settled]) + np.mean(lost[:n])),
            float(np.mean([sum(s.failed for s in st) for st in settled]) + self._blind_failures(cand, works)),
            tuple(float(x) for x in arr),
        )

    def _run(
        self, ex: Executor, cand: Candidate, works: list[list[PlannedWork]], probe: list[float]
    ) -> tuple[list[float], list[int]]:
        spans = probe + [ex.predict(w, quotas=self.quotas) for w in works[len(probe) :]]
        naive = cand.executor.endswith("-naive") or (cand.executor == "adaptive" and bool(self.quotas))
        return spans, [self._naive_429s(w, cand) if naive else 0 for w in works]

    def _blind_failures(self, cand: Candidate, works: list[list[PlannedWork]]) -> float:
        """Mean dependents per turn that an executor blind to dependencies starts before they are ready."""
        base = cand.executor.removesuffix("-naive")
        if base not in DEPENDENCY_BLIND or not any(w.after for w in works[0]):
            return 0.0
        out = []
        for work in works:
            spans = schedule(work, workers=cand.workers, respect_after=False)
            end = {w.id: e for w, (_, e) in zip(work, spans, strict=True)}
            out.append(
                sum(1 for w, (s, _) in zip(work, spans, strict=True) if any(end[a] > s for a in w.after))
            )
        return float(np.mean(out))

    def _naive_429s(self, work: list[PlannedWork], cand: Candidate) -> int:
        """429s of a client that bursts without the quota (adaptive: before its limit has learnt it)."""
        spans = schedule(work, workers=cand.workers, respect_after=False)
        return sum(
            server_rejections([(w.tool, s) for w, (s, _) in zip(work, spans, strict=True)], self.quotas)
        )
