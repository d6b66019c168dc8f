"""Many waiters on one client-side limiter: wake-ups per admitted call, and how late the last start came
compared with the earliest start the quota allows.

All ``n`` callers arrive at once (as near as a loop or a barrier lets them) on one ``SlidingWindowLimiter``
of ``count`` starts per ``length`` s. The earliest possible start of the last call is the quota's bound for
those arrival times (``reserve`` over the recorded arrivals: the k-th start at ``(k // count) * length``
after the first when all arrive together); *late* is how far after it the last start came. Wake-ups come
from the limiter's own ``statistics()``. Reusable (``measure``) and standalone:

    PYTHONPATH=. python benchmarks/limiter_waiters.py --waiters 1000 --repeat 5
    PYTHONPATH=. python benchmarks/limiter_waiters.py --mode threads --waiters 1000
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from executors import SlidingWindowLimiter, fine_timer_loop


@dataclass(frozen=True, slots=True)
class WaiterFigures:
    mode: str
    waiters: int
    admitted: int
    #: limiter wake-ups of queued callers ÷ admitted calls
    wakeups_per_admission: float
    #: last start minus its earliest possible start (ms); 0 is the quota bound
    last_start_late_ms: float
    wall_s: float


def _figures(
    mode: str, n: int, lim: SlidingWindowLimiter, arrivals: Sequence[float], wall: float
) -> WaiterFigures:
    stats = lim.statistics()
    bound = SlidingWindowLimiter(lim.windows, time.perf_counter)
    earliest_last = max(bound.reserve(t) for t in sorted(arrivals))
    late_ms = (max(lim.admitted_at) - earliest_last) * 1e3
    return WaiterFigures(mode, n, stats.admitted, stats.wakeups / max(1, stats.admitted), late_ms, wall)


def measure_coroutines(
    n: int = 1000,
    count: int = 100,
    length: float = 0.05,
    loop_factory: Callable[[], asyncio.AbstractEventLoop] = fine_timer_loop,
) -> WaiterFigures:
    """``n`` coroutines on one loop, all acquiring at once (real clock, ``asyncio.sleep``)."""
    lim = SlidingWindowLimiter([(count, length)], time.perf_counter)
    arrivals: list[float] = []

    async def one() -> None:
        arrivals.append(time.perf_counter())
        await lim.aacquire(asyncio.sleep)

    async def main() -> None:
        await asyncio.gather(*(one() for _ in range(n)))

    t0 = time.perf_counter()
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(main())
    return _figures("coroutines", n, lim, arrivals, time.perf_counter() - t0)


def measure_threads(n: int = 1000, count: int = 100, length: float = 0.05) -> WaiterFigures:
    """``n`` threads released together by a barrier (real clock, ``time.sleep``)."""
    lim = SlidingWindowLimiter([(count, length)], time.perf_counter)
    go = threading.Barrier(n + 1)
    arrivals: list[float] = []

    def worker() -> None:
        go.wait()
        arrivals.append(time.perf_counter())
        lim.acquire(time.sleep)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    go.wait()
    for t in threads:
        t.join()
    return _figures("threads", n, lim, arrivals, time.perf_counter() - t0)


def measure(mode: str = "coroutines", n: int = 1000, count: int = 100, length: float = 0.05) -> WaiterFigures:
    """One measurement; ``mode`` is ``coroutines`` or ``threads``."""
    if mode == "coroutines":
        return measure_coroutines(n, count, length)
    if mode == "threads":
        return measure_threads(n, count, length)
    raise ValueError(f"mode must be 'coroutines' or 'threads', got {mode!r}")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--mode", choices=("coroutines", "threads"), default="coroutines")
    p.add_argument("--waiters", type=int, default=1000)
    p.add_argument("--count", type=int, default=100, help="starts allowed per window")
    p.add_argument("--length-ms", type=float, default=50.0, help="window length")
    p.add_argument("--repeat", type=int, default=3)
    ns = p.parse_args(argv)
    if ns.waiters < 1 or ns.count < 1 or ns.length_ms <= 0 or ns.repeat < 1:
        print(
            "limiter_waiters: --waiters, --count, --repeat must be >= 1 and --length-ms > 0", file=sys.stderr
        )
        return 2
    runs = [measure(ns.mode, ns.waiters, ns.count, ns.length_ms / 1000) for _ in range(ns.repeat)]
    for r in runs:
        print(
            f"{r.mode} n={r.waiters} admitted={r.admitted} wakeups/admission={r.wakeups_per_admission:.2f} "
            f"last start late by {r.last_start_late_ms:.2f} ms (wall {r.wall_s:.2f} s)"
        )
    late = statistics.median(r.last_start_late_ms for r in runs)
    wake = statistics.median(r.wakeups_per_admission for r in runs)
    print(f"median of {len(runs)}: wakeups/admission {wake:.2f}, last start late by {late:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
