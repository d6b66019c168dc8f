"""Measure how late this machine's sleeps wake up, so simulated latencies can be corrected for it.

A virtual machine's ``time.sleep`` typically wakes 70-150 µs late (timer slack, the hypervisor); at a
time scale of 0.02 that is 4-8 document milliseconds per call, all of it charged to whichever executor
makes the most calls one after another. The correction is the median overshoot at a probe duration typical
of the run, measured once at start-up and recorded in run.json.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Sequence

from executors import fine_timer_loop
from scenarios import Scenario, SleepBias, make_plan

PROBES = 25


def typical_latency_s(scenarios: Sequence[Scenario], seed: int, time_scale: float) -> float:
    """The median planned call latency (wall seconds) of the run's first trial, clamped to 0.5-50 ms."""
    lat = [ms / 1000 * time_scale for s in scenarios for ms in make_plan(s, seed, 0).first_latencies_ms]
    return min(max(statistics.median(lat) if lat else 0.001, 0.0005), 0.05)


def measure_bias(probe_s: float, samples: int = PROBES) -> SleepBias:
    """Median overshoot of ``time.sleep`` and of ``asyncio.sleep`` (on the asyncio executor's loop)."""
    sync = []
    for _ in range(samples):
        t = time.perf_counter()
        time.sleep(probe_s)
        sync.append(time.perf_counter() - t - probe_s)

    async def probe() -> list[float]:
        out = []
        for _ in range(samples):
            t = time.perf_counter()
            await asyncio.sleep(probe_s)
            out.append(time.perf_counter() - t - probe_s)
        return out

    with asyncio.Runner(loop_factory=fine_timer_loop) as runner:
        asyn = runner.run(probe())
    # Never correct by more than a fraction of the probe: a wildly noisy machine must not turn a 2 ms call
    # into a zero sleep.
    cap = probe_s / 4
    return SleepBias(
        sync_s=min(max(statistics.median(sync), 0.0), cap),
        async_s=min(max(statistics.median(asyn), 0.0), cap),
    )
