"""The SLO's pick looks past the fastest candidates: the cheapest that meets a loose SLO is slow."""

from __future__ import annotations

from dataclasses import replace

from bench.advise import search
from bench.advise._search import slo_pick
from tests.bench.advise.conftest import scenario

#: six 100 ms calls: k workers take 100 * ceil(6 / k) ms on every plan
SIX = """
name = "six"
description = "six constant calls"
[[tools]]
name = "t"
calls = 6
latency = { dist = "constant", ms = 100 }
"""


def test_loose_slo_gets_the_cheapest_even_outside_the_ranking() -> None:
    """With the ranking and the front cut to the fastest, an SLO of 350 ms still gets two workers (300 ms)."""
    found = search(scenario(SIX), None, 32, 7)
    fastest_only = replace(found, ranked=found.ranked[:1], front=found.front[:1])
    pick, met = slo_pick(fastest_only, 350.0, 6)
    assert met and pick.candidate.workers_used(6) == 2 and pick.p95_ms == 300.0


def test_slo_nobody_meets_gives_the_closest() -> None:
    """Below any makespan: not met, and the pick is one of the fastest (100 ms)."""
    found = search(scenario(SIX), None, 32, 7)
    pick, met = slo_pick(found, 50.0, 6)
    assert not met and pick.p95_ms == 100.0
