"""The run's size checks (whitebox: bench.run._sizes): the lazy work list and the wall-time estimate."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest

from bench.run import MAX_WALL_S, RunConfig
from bench.run._sizes import Todo, check_wall, estimate_wall_s
from scenarios import load_catalog


def _config(trials: int, **kw: object) -> RunConfig:
    cat = load_catalog()
    return RunConfig(
        scenarios=(cat["doc-3apis"], cat["doc-5apis"]),
        executors=("sequential", "threaded"),
        trials=trials,
        seed=7,
        time_scale=0.1,
        out=Path("unused"),
        **kw,  # type: ignore[arg-type]
    )


def test_a_billion_trials_cost_nothing_until_they_run() -> None:
    """The work list of 10^9 trials has its length at once and yields its first item at once."""
    todo = Todo(_config(1_000_000_000), ("",), frozenset())
    t0 = time.perf_counter()
    assert len(todo) == 1_000_000_000 * 2 * 4  # 2 scenarios x (2 executors + 2 raw references)
    first = list(itertools.islice(todo, 8))
    assert time.perf_counter() - t0 < 1.0
    assert [(t, s.name) for t, s, *_ in first] == [(0, "doc-3apis")] * 4 + [(0, "doc-5apis")] * 4


def test_todo_skips_what_a_resumed_run_has() -> None:
    """Records already in results.jsonl are neither counted nor yielded again."""
    done = frozenset({("doc-3apis", 0, "sequential", ""), ("doc-3apis", 5, "threaded", "")})
    todo = Todo(_config(1), ("",), done)
    items = list(todo)
    assert len(todo) == len(items) == 7
    assert ("doc-3apis", "sequential") not in [(s.name, lb) for _, s, _, lb, _ in items]


def test_estimate_follows_theory() -> None:
    """The estimate is trials x the executors' predicted makespans x time_scale (+ warm-up), tools only."""
    cfg = _config(10, warmup=0, raw=False)
    theory = {
        "doc-3apis": {"predicted_ms": {"sequential": 1000.0, "threaded": 500.0}},
        "doc-5apis": {"predicted_ms": {"sequential": 2000.0, "threaded": 500.0}},
    }
    assert estimate_wall_s(cfg, theory, records=40) == pytest.approx(10 * 4.0 * 0.1)
    assert check_wall(cfg, theory, 40) is None
    assert MAX_WALL_S == 6 * 3600
    long = _config(10**6, warmup=0, raw=False)
    assert "raise `max_wall_s`" in (check_wall(long, theory, 4 * 10**6) or "")
