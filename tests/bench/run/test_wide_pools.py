"""A pool wider than the turn predicts what one of the turn's calls does (issue 24: @1000000 built a heap of
10**6 workers per plan)."""

from __future__ import annotations

from bench.run import planned_work
from executors import make_executor
from scenarios import load_catalog, make_plan

THREE = load_catalog()["doc-3apis"]


def test_a_million_workers_predict_what_three_do() -> None:
    """threaded@1000000 and asyncio@1000000 predict exactly what @3 does on 3 calls (the simulation keeps
    one worker per call, not a heap of 10**6 per plan)."""
    for i in range(5):
        work = planned_work(make_plan(THREE, 7, i), 1.0)
        for name in ("threaded", "asyncio", "dag"):
            assert make_executor(f"{name}@1000000").predict(work) == make_executor(f"{name}@3").predict(work)
