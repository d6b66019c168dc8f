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

from executors._deps import DependencyError, find_cycle
from executors._limiter import limiters_for
from executors._types import PlannedWork, Quota


def simulate(
    work: Sequence[PlannedWork],
    *,
    workers: int | None = None,
    batch_size: int | None = None,
    quotas: Sequence[Quota] = (),
    respect_after: bool = True,
    groups: Sequence[Sequence[int]] | None = None,
) -> float:
    """Makespan of running ``work`` on ``workers`` workers (None: one per call), each start gated by the
    quotas' limiters. ``batch_size`` (list chunks) or ``groups`` (index lists, e.g. dependency levels) put a
    barrier between consecutive groups. ``respect_after=False`` models an executor that ignores ``after``."""
    spans = schedule(
        work,
        workers=workers,
        batch_size=batch_size,
        quotas=quotas,
        respect_after=respect_after,
        groups=groups,
    )
    return max((end for _, end in spans), default=0.0)


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
    index = {w.id: i for i, w in enumerate(work)}
    if respect_after:
        _check_deps(work, index)
    clock_now = [0.0]
    limiters = limiters_for(quotas, lambda: clock_now[0])
    free = [0.0] * (workers if workers else len(work))
    heapq.heapify(free)
    spans: dict[int, tuple[float, float]] = {}
    barrier = 0.0

    def ready_at(i: int, barrier: float) -> float:
        if not respect_after:
            return barrier
        return max([barrier] + [spans[index[a]][1] for a in work[i].after if index[a] in spans])

    for group in groups:
        members = set(group)
        # deps outside the group are done (earlier groups) or ignored (a later group: the barrier order wins)
        deps = {
            i: [index[a] for a in work[i].after if index[a] in members] if respect_after else []
            for i in group
        }
        waiting = {i: len(d) for i, d in deps.items()}
        dependents: dict[int, list[int]] = {i: [] for i in group}
        for i, d in deps.items():
            for j in d:
                dependents[j].append(i)

        ready = [(ready_at(i, barrier), i) for i in group if not waiting[i]]
        heapq.heapify(ready)
        group_end = barrier
        while ready:
            r, i = heapq.heappop(ready)
            t = max(r, heapq.heappop(free))
            lim = limiters.get(work[i].tool)
            if lim is not None:
                t = lim.reserve(t)
            done = t + work[i].duration
            spans[i] = (t, done)
            group_end = max(group_end, done)
            heapq.heappush(free, done)
            for j in dependents[i]:
                waiting[j] -= 1
                if not waiting[j]:
                    heapq.heappush(ready, (ready_at(j, barrier), j))
        barrier = group_end
    return [spans[i] for i in range(len(work))]


def _check_deps(work: Sequence[PlannedWork], index: dict[str, int]) -> None:
    for w in work:
        for a in w.after:
            if a not in index:
                raise DependencyError(f"call {w.id!r} waits for {a!r}, which is not a call of this turn")
    cycle = find_cycle({w.id: w.after for w in work})
    if cycle:
        raise DependencyError("dependency cycle " + " -> ".join(cycle))
