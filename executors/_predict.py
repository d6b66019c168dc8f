"""Zero-overhead makespans: list scheduling of planned durations, with the real limiter on a simulated clock.

Each executor's ``predict`` is this simulation with its own knobs (workers, batch barriers), so the ideal
and the implementation can only differ by the implementation's overhead.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from executors._limiter import limiters_for
from executors._types import PlannedWork, Quota


def simulate(
    work: Sequence[PlannedWork],
    *,
    workers: int | None = None,
    batch_size: int | None = None,
    quotas: Sequence[Quota] = (),
    respect_after: bool = True,
) -> float:
    """Makespan of running ``work`` in order on ``workers`` workers (None: one per call), with a barrier
    after every ``batch_size`` calls, each start gated by the quotas' limiters."""
    if not work:
        return 0.0
    clock_now = [0.0]
    limiters = limiters_for(quotas, lambda: clock_now[0])
    free = [0.0] * (workers if workers else len(work))
    heapq.heapify(free)
    end: dict[str, float] = {}
    barrier = 0.0
    batch_end = 0.0
    for i, w in enumerate(work):
        if batch_size and i % batch_size == 0:
            barrier = max(barrier, batch_end)
        ready = max([barrier] + ([end[a] for a in w.after if a in end] if respect_after else []))
        worker_free = heapq.heappop(free)
        t = max(ready, worker_free)
        lim = limiters.get(w.tool)
        if lim is not None:
            t = lim.reserve(t)
        done = t + w.duration
        end[w.id] = done
        batch_end = max(batch_end, done)
        heapq.heappush(free, done)
    return max(end.values())
