"""Zero-overhead makespans: list scheduling of planned durations, with the real limiter on a simulated clock.

Each executor's ``predict`` is this simulation with its own knobs (workers, barriers between groups, whether
dependencies are waited for), so the ideal and the implementation can only differ by the implementation's
overhead.

With dependencies, the simulation is event-driven: a call is ready when its last dependency ends, and calls
start in order of readiness (ties in list order) — so a dependency on a *later* call in the list is waited
for, not silently ignored.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import TypedDict, Unpack

from executors._deps import DependencyError, find_cycle
from executors._limiter import limiters_for
from executors._types import PlannedWork, Quota


class Knobs(TypedDict, total=False):
    """``schedule``'s keywords, which ``simulate`` passes on."""

    workers: int | None
    batch_size: int | None
    quotas: Sequence[Quota]
    respect_after: bool
    groups: Sequence[Sequence[int]] | None


def simulate(work: Sequence[PlannedWork], **knobs: Unpack[Knobs]) -> float:
    """Makespan of running ``work`` on ``workers`` workers (None: one per call), each start gated by the
    quotas' limiters. ``batch_size`` (list chunks) or ``groups`` (index lists, e.g. dependency levels) put a
    barrier between consecutive groups. ``respect_after=False`` models an executor that ignores ``after``."""
    return max((end for _, end in schedule(work, **knobs)), default=0.0)


def schedule(
    work: Sequence[PlannedWork],
    *,
    workers: int | None = None,
    batch_size: int | None = None,
    quotas: Sequence[Quota] = (),
    respect_after: bool = True,
    groups: Sequence[Sequence[int]] | None = None,
) -> list[tuple[float, float]]:
    """(start, end) of every call of ``work``, in list order, as ``simulate`` schedules them: what a
    zero-overhead executor with these knobs would do. The benchmark's raw references start each call at
    its start here, so a quota-bound reference follows the same admission schedule as a list-order limiter."""
    if not work:
        return []
    if groups is None and batch_size:
        groups = [range(i, min(i + batch_size, len(work))) for i in range(0, len(work), batch_size)]
    if groups is None:
        groups = [range(len(work))]
    if respect_after and any(w.after for w in work):  # no edges, nothing to check (theory calls this a lot)
        _check(work)
    sim = _Simulation(work, workers, quotas, respect_after)
    barrier = 0.0
    for group in groups:
        barrier = sim.group(group, barrier)
    return [sim.spans[i] for i in range(len(work))]


def _check(work: Sequence[PlannedWork]) -> None:
    """The refusals of ``check_graph``, for planned work: unknown dependencies and cycles, named."""
    ids = {w.id for w in work}
    for w in work:
        for a in w.after:
            if a not in ids:
                raise DependencyError(f"call {w.id!r} waits for {a!r}, which is not a call of this turn")
    cycle = find_cycle({w.id: w.after for w in work})
    if cycle:
        raise DependencyError("dependency cycle " + " -> ".join(cycle))


class _Simulation:
    """Workers' free times, the quotas' limiters on a simulated clock, and every call's span so far."""

    def __init__(
        self, work: Sequence[PlannedWork], workers: int | None, quotas: Sequence[Quota], respect_after: bool
    ) -> None:
        self.work, self.respect_after = work, respect_after
        self.index = {w.id: i for i, w in enumerate(work)}
        self.limiters = limiters_for(quotas, lambda: 0.0)
        # more workers than calls change nothing: a pool of 10**6 costs what one of len(work) does
        self.free = [0.0] * (min(workers, len(work)) if workers else len(work))
        heapq.heapify(self.free)
        self.spans: dict[int, tuple[float, float]] = {}

    def _deps(self, i: int) -> list[int]:
        return [self.index[a] for a in self.work[i].after] if self.respect_after else []

    def _ready_at(self, i: int, barrier: float) -> float:
        return max([barrier] + [self.spans[j][1] for j in self._deps(i) if j in self.spans])

    def group(self, group: Sequence[int], barrier: float) -> float:
        """Run one group after ``barrier``; return when its last call ends (the next barrier)."""
        members = set(group)
        # deps outside the group are done (earlier groups) or ignored (a later group: the barrier order wins)
        deps = {i: [j for j in self._deps(i) if j in members] for i in group}
        waiting = {i: len(d) for i, d in deps.items()}
        dependents: dict[int, list[int]] = {i: [] for i in group}
        for i, d in deps.items():
            for j in d:
                dependents[j].append(i)
        ready = [(self._ready_at(i, barrier), i) for i in group if not waiting[i]]
        heapq.heapify(ready)
        group_end = barrier
        while ready:
            r, i = heapq.heappop(ready)
            done = self._start(i, max(r, heapq.heappop(self.free)))
            group_end = max(group_end, done)
            for j in dependents[i]:
                waiting[j] -= 1
                if not waiting[j]:
                    heapq.heappush(ready, (self._ready_at(j, barrier), j))
        return group_end

    def _start(self, i: int, t: float) -> float:
        """Start call i at ``t`` or when its limiter admits it; return its end."""
        lim = self.limiters.get(self.work[i].tool)
        if lim is not None:
            t = lim.reserve(t)
        done = t + self.work[i].duration
        self.spans[i] = (t, done)
        heapq.heappush(self.free, done)
        return done
