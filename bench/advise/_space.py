"""The candidate space: executor, worker count, timeout, hedge delay and retries, in document ms.

Timeouts and hedge delays come from the tools' latency quantiles. Hedges are offered only for tools the
scenario marks ``idempotent`` (a second copy of a non-idempotent call may do its work twice) and that share
no quota (a copy would spend quota the other calls need).
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.run import AFC, BACKOFF_MS, ExecutorSpec, GuardSpec, RunConfig, RunError, assemble
from scenarios import Scenario

#: worker counts tried (those above the number of calls or --max-workers are dropped)
WORKER_STEPS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 25, 32, 40, 50, 64, 80, 100, 128)
#: executors with a worker count, and those without
POOLED = ("threaded", "asyncio", "batched", "dag")
#: executors that start a call without waiting for its dependencies (a dependent then fails: the document's
#: Error 2); they are no candidates where calls depend on each other
DEPENDENCY_BLIND = ("threaded", "asyncio", "batched", "ratelimited", "adaptive")
#: adaptive's initial limits tried where a quota exists (elsewhere its per-tool limit seldom binds: default 4)
ADAPTIVE_INITIAL = (1, 2, 4, 8)
HEDGE_QUANTILES = (0.9, 0.95, 0.99)
TIMEOUT_QUANTILES = (0.99, 0.999)
RETRY_CHOICES = (1, 2)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One configuration. ``workers`` None: unbounded (one per call). ``hedge_ms`` maps each hedged tool to
    its delay ((tool, ms) pairs), at quantile ``hedge_q`` of its latency; ``timeout_ms`` is one per-attempt timeout for all."""

    executor: str
    workers: int | None = None
    timeout_ms: float | None = None
    timeout_q: float | None = None
    hedge_ms: tuple[tuple[str, float], ...] = ()
    hedge_q: float | None = None
    retries: int = 0

    @property
    def base_label(self) -> str:
        """The executor label without guards (``threaded@4``)."""
        return self.executor if self.workers is None else f"{self.executor}@{self.workers}"

    @property
    def label(self) -> str:
        """A unique, readable name: ``threaded@4+hedge-p95+timeout-p99+retry1``."""
        parts = [self.base_label]
        if self.hedge_q is not None:
            parts.append(f"hedge-p{_pct(self.hedge_q)}")
        if self.timeout_q is not None:
            parts.append(f"timeout-p{_pct(self.timeout_q)}")
        elif self.timeout_ms is not None:
            parts.append(f"timeout-{self.timeout_ms:g}ms")
        if self.retries:
            parts.append(f"retry{self.retries}")
        return "+".join(parts)

    def workers_used(self, calls: int) -> int:
        """Concurrency this configuration may reach (unbounded and adaptive: one per call)."""
        if self.executor == "sequential":
            return 1
        if self.workers is None or self.executor == "adaptive":
            return calls
        return self.workers

    @property
    def guards(self) -> GuardSpec:
        """These settings as guards (inactive when none is set; the backoff is the CLI's default)."""
        return GuardSpec(
            timeout_ms=self.timeout_ms, retries=self.retries, backoff_ms=BACKOFF_MS, hedge_ms=self.hedge_ms
        )

    @property
    def spec(self) -> ExecutorSpec:
        """The executor this candidate runs, with its own guards, filed under its label."""
        return ExecutorSpec(self.base_label, self.guards, self.label)

    def unhedged(self) -> Candidate:
        return Candidate(self.executor, self.workers, self.timeout_ms, self.timeout_q, (), None, self.retries)


def _pct(q: float) -> str:
    return f"{q * 100:g}".replace(".", "")


def hedgeable(scenario: Scenario) -> tuple[str, ...]:
    """Tools a hedge may copy: idempotent, and under no quota."""
    return tuple(t.name for t in scenario.tools if t.idempotent and scenario.quota_of(t.name) is None)


def worker_counts(scenario: Scenario, max_workers: int | None) -> tuple[int, ...]:
    cap = len(scenario.calls) if max_workers is None else min(max_workers, len(scenario.calls))
    return tuple(k for k in WORKER_STEPS if k <= cap) or (1,)


def _executors(scenario: Scenario, max_workers: int | None) -> list[tuple[str, int | None]]:
    unbounded = max_workers is None or max_workers >= len(scenario.calls)
    out: list[tuple[str, int | None]] = [("sequential", None)]
    if unbounded:
        # both run every admitted call at once; adaptive's limit is per tool and learnt from 429s
        out.append(("ratelimited", None))
        out.extend(("adaptive", k) for k in (ADAPTIVE_INITIAL if scenario.quotas else (4,)))
    for name in POOLED:
        out.extend((name, k) for k in worker_counts(scenario, max_workers))
    if any(c.after for c in scenario.calls):
        out = [(n, k) for n, k in out if n not in DEPENDENCY_BLIND]
        if unbounded:
            out.append(("levels", None))
    return out


@dataclass(frozen=True, slots=True)
class GuardChoice:
    """The guard part of a candidate, shared by every executor it is combined with."""

    timeout_ms: float | None = None
    timeout_q: float | None = None
    hedge_ms: tuple[tuple[str, float], ...] = ()
    hedge_q: float | None = None
    retries: int = 0


def guard_choices(scenario: Scenario) -> list[GuardChoice]:
    """Hedge x (timeout, retries) combinations worth trying. A timeout without a retry only turns a slow call
    into a failed one, so it comes with retries; retries alone only help where attempts fail."""
    hedged = hedgeable(scenario)
    hedges: list[tuple[float | None, tuple[tuple[str, float], ...]]] = [(None, ())]
    for q in HEDGE_QUANTILES if hedged else ():
        hedges.append((q, tuple((t, scenario.tool(t).latency.quantile(q)) for t in hedged)))
    faults = any(t.faults.error_rate > 0 or t.faults.hang_rate > 0 for t in scenario.tools)
    guards: list[tuple[float | None, float | None, int]] = [(None, None, 0)]
    for q in TIMEOUT_QUANTILES:
        ms = max(t.latency.quantile(q) for t in scenario.tools)
        guards.extend((q, ms, r) for r in RETRY_CHOICES)
    if faults:
        guards.extend((None, None, r) for r in RETRY_CHOICES)
    return [GuardChoice(ms, tq, h, hq, r) for hq, h in hedges for tq, ms, r in guards]


def candidate_space(scenario: Scenario, max_workers: int | None) -> list[Candidate]:
    """Every executor x worker count x guard choice."""
    return [
        Candidate(name, k, g.timeout_ms, g.timeout_q, g.hedge_ms, g.hedge_q, g.retries)
        for g in guard_choices(scenario)
        for name, k in _executors(scenario, max_workers)
    ]


def parse_current(label: str) -> Candidate:
    """The user's ``--current`` label (``threaded@5``, ``threaded-naive@5``) as a candidate without guards;
    raises ``RunError`` for a label no executor has."""
    if label == AFC:
        raise RunError(f"`executor`: {AFC!r} runs with a model only (pfcbench run --model gemini)")
    assemble(RunConfig((), (label,))).close()
    name, _, k = label.partition("@")
    return Candidate(name, int(k) if k else None)
