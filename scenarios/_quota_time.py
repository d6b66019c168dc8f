"""How fast a quota can be simulated on a real machine: the server's grace and the slowest time scale.

A client limiter admits a call on its clock; the simulated server reads its own a moment later. A thread
descheduled in between (a CPU-bound neighbour, the GIL's 5 ms switch interval) reaches the server late,
so an on-time client can look early to it. That jitter is wall time and does not shrink with the time
scale: at 0.05 a 100 ms token interval is 5 ms of wall time, inside it, and the CI gate failed by chance.
So the server forgives a start ``QUOTA_GRACE_FRACTION`` of a token interval early (a small fraction: a
client one call early per window is still refused), and a scenario with a quota runs at a time scale where
that grace is at least ``MIN_GRACE_WALL_S`` of wall time (``quota_time_scale``). The limiter under test is
not touched: it keeps the quota's exact rule, and the grace is stated in theory.json (``grace_ms``).
"""

from __future__ import annotations

from scenarios._spec import RateLimit, Scenario

#: the server forgives a start this fraction of the quota's token interval (period / calls) early
QUOTA_GRACE_FRACTION = 0.1
#: the least wall time the grace may be: the GIL's switch interval, 10x the 0.5 ms p99.9 of the
#: limiter-to-server delay measured on a 2-core box at load average 5 (max 3.4 ms in 6,000 calls; at 2.5 ms
#: one gate run in seven still drew a 429 at load average 8)
MIN_GRACE_WALL_S = 0.005
#: never slower than real time: a quota whose grace is still below the floor at 1 runs at 1
MAX_QUOTA_TIME_SCALE = 1.0


def quota_grace_ms(quota: RateLimit) -> float:
    """The server's grace for ``quota`` in document ms: a fraction of one token interval."""
    return QUOTA_GRACE_FRACTION * quota.period_ms / quota.calls


def quota_time_scale(
    scenario: Scenario, time_scale: float, min_grace_wall_s: float = MIN_GRACE_WALL_S
) -> float:
    """The time scale ``scenario`` runs at under a requested ``time_scale``: raised, for a scenario with a
    quota, until the server's grace is ``min_grace_wall_s`` of wall time (at most real time; 0: never)."""
    floors = [min(MAX_QUOTA_TIME_SCALE, min_grace_wall_s * 1000 / quota_grace_ms(q)) for q in scenario.quotas]
    return max([time_scale, *floors])
