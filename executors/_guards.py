"""Guards: per-call policies every executor composes with (timeout, turn deadline, retries, fallbacks, hedges).

They are values handed to an executor, not subclasses of it: ``Threaded(guards=Guards(timeout_s=0.3))`` and
``Dag(guards=...)`` apply the same rules, because ``_invoke`` applies them around every call. ``Turn`` is the
mutable state of one ``run``: the deadline, the retry budget left, the results so far (for dependencies) and
the jitter RNG.

=====================================  =========================================================================
``Guards()``                           no guards: a call runs once, inline, as before
``Guards(timeout_s=0.3)``              an attempt not done in 0.3 s ends as ``timeout`` (async) or ``abandoned``
                                       (a sync tool's thread cannot be killed; it is left sleeping, daemonised)
``Guards(deadline_s=1.0)``             the turn returns by 1 s after ``run`` is called (the executor's own set-up
                                       counts); calls not started are ``cancelled``, running
                                       ones end as above; finished results are kept
``Guards(retry=RetryPolicy(3))``       up to 3 attempts, full-jitter exponential backoff, ``retry_after`` of a
                                       429 honoured
``Guards(retry_budget=5)``             at most 5 extra attempts (retries and hedges) in the whole turn
``Guards(fallbacks={"t": v})``         a failed call of tool t reports ``fallback`` with value v
``Guards(hedge_s={"t": 0.2})``         a second copy of a t call after 0.2 s (its p95); first success wins
=====================================  =========================================================================
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from executors._deps import check_graph
from executors._types import CallResult, Clock, ToolCall

#: statuses that count as a usable result for dependents
SATISFIED = ("ok", "fallback")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``attempts`` in all per call (1: no retry); backoff before retry k (1-based) is uniform in
    [0, min(cap_s, base_s * 2**(k-1))] (full jitter), and never less than a 429's ``retry_after``."""

    attempts: int = 3
    base_s: float = 0.05
    cap_s: float = 2.0
    on: tuple[str, ...] = ("error", "rate_limited", "timeout", "abandoned")

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"RetryPolicy.attempts must be >= 1 (1 means no retry), got {self.attempts}")
        if self.base_s < 0 or self.cap_s < 0:
            raise ValueError("RetryPolicy.base_s and cap_s must be >= 0 seconds")

    def backoff(self, retry: int, rng: random.Random, retry_after: float | None = None) -> float:
        ceiling = min(self.cap_s, self.base_s * 2 ** (retry - 1))
        delay = rng.uniform(0.0, ceiling) if ceiling > 0 else 0.0
        return max(delay, retry_after or 0.0)


@dataclass(frozen=True, slots=True)
class Guards:
    timeout_s: float | None = None
    deadline_s: float | None = None
    retry: RetryPolicy | None = None
    #: extra attempts (retries + hedges) allowed per turn; None: no limit beyond ``retry.attempts``
    retry_budget: int | None = None
    fallbacks: Mapping[str, Any] = field(default_factory=dict)
    #: per-tool hedge delay (that tool's p95); ``hedge_default_s`` for tools not listed
    hedge_s: Mapping[str, float] = field(default_factory=dict)
    hedge_default_s: float | None = None
    #: seed of the jitter RNG; each turn draws from ``random.Random(seed)``
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("timeout_s", "deadline_s", "hedge_default_s"):
            v = getattr(self, name)
            if v is not None and (not math.isfinite(v) or v <= 0):
                raise ValueError(f"Guards.{name} must be > 0 seconds or None, got {v!r}")
        if self.retry_budget is not None and self.retry_budget < 0:
            raise ValueError(f"Guards.retry_budget must be >= 0 or None, got {self.retry_budget}")
        for tool, v in self.hedge_s.items():
            if v <= 0:
                raise ValueError(f"Guards.hedge_s[{tool!r}] must be > 0 seconds, got {v!r}")

    @property
    def threaded(self) -> bool:
        """Whether an attempt must be watched from outside (it may be abandoned or raced by a hedge)."""
        return self.timeout_s is not None or self.deadline_s is not None or self.hedges

    @property
    def hedges(self) -> bool:
        return bool(self.hedge_s) or self.hedge_default_s is not None

    @property
    def active(self) -> bool:
        return self.threaded or self.retry is not None or bool(self.fallbacks)

    def hedge_for(self, tool: str) -> float | None:
        return self.hedge_s.get(tool, self.hedge_default_s)

    def settings(self) -> dict[str, Any]:
        """The guard settings as plain JSON, for run.json."""
        return {
            "timeout_s": self.timeout_s,
            "deadline_s": self.deadline_s,
            "retry": None
            if self.retry is None
            else {
                "attempts": self.retry.attempts,
                "base_s": self.retry.base_s,
                "cap_s": self.retry.cap_s,
                "on": list(self.retry.on),
            },
            "retry_budget": self.retry_budget,
            "fallbacks": sorted(self.fallbacks),
            "hedge_s": dict(self.hedge_s),
            "hedge_default_s": self.hedge_default_s,
            "seed": self.seed,
        }


NO_GUARDS = Guards()


class Turn:
    """The state of one ``run``: deadline, retry budget, finished results, jitter RNG. Thread-safe."""

    def __init__(
        self, calls: Sequence[ToolCall], guards: Guards | None, clock: Clock, start: float | None = None
    ) -> None:
        check_graph(calls)
        self.guards = guards or NO_GUARDS
        self.clock = clock
        start = clock() if start is None else start
        self.deadline = None if self.guards.deadline_s is None else start + self.guards.deadline_s
        self._budget = self.guards.retry_budget
        self._lock = threading.Lock()
        self._done: dict[str, CallResult] = {}
        # Results are only looked up by dependents: a turn of independent calls need not keep them.
        self._track = any(c.after for c in calls)
        #: no guard and no dependency: executors may take the fast path (no bookkeeping per call)
        self.plain = not self.guards.active and not self._track
        self.rng = random.Random(self.guards.seed)
        #: extra attempts granted so far (retries and hedges)
        self.extra_used = 0

    def take_extra(self) -> bool:
        """Claim one extra attempt from the turn's budget; False when it is spent."""
        with self._lock:
            if self._budget is not None and self.extra_used >= self._budget:
                return False
            self.extra_used += 1
            return True

    def backoff(self, retry: int, retry_after: float | None) -> float:
        assert self.guards.retry is not None
        with self._lock:  # random.Random is not safe to share between threads without a lock
            return self.guards.retry.backoff(retry, self.rng, retry_after)

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - self.clock()

    def expired(self) -> bool:
        return self.deadline is not None and self.clock() >= self.deadline

    def attempt_timeout(self) -> float | None:
        """The time one attempt may take: the per-call timeout, cut to what is left of the deadline."""
        left = self.remaining()
        t = self.guards.timeout_s
        if left is None:
            return t
        return max(0.0, left) if t is None else max(0.0, min(t, left))

    def finish(self, result: CallResult) -> None:
        if not self._track:
            return
        with self._lock:
            self._done[result.call.id] = result

    def blocked(self, call: ToolCall) -> tuple[str, str] | None:
        """(status, message) when ``call`` cannot start: a dependency has not finished (the executor ignored
        the dependency: the document's Error 2) or it finished without a usable result."""
        if not call.after:
            return None
        with self._lock:
            for dep in call.after:
                r = self._done.get(dep)
                if r is None:
                    return "error", f"dependency not ready: {dep!r} had not finished when {call.id!r} started"
                if r.status not in SATISFIED:
                    return "skipped", f"dependency {dep!r} ended {r.status}"
        return None

    def values(self) -> dict[str, Any]:
        with self._lock:
            return {k: r.value for k, r in self._done.items() if r.status in SATISFIED}
