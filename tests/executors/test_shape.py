"""Every strategy has one shape: its own parameter plus the shared keywords, checked alike."""

from __future__ import annotations

from typing import Any

import pytest

from executors import (
    Adaptive,
    AsyncioExecutor,
    Batched,
    Dag,
    Guards,
    Levels,
    RateLimited,
    Sequential,
    Threaded,
    ToolCall,
)
from tests.conftest import FakeClock

STRATEGIES: list[Any] = [Sequential, Threaded, AsyncioExecutor, Batched, RateLimited, Levels, Dag, Adaptive]


@pytest.mark.parametrize("cls", STRATEGIES)
def test_shared_keywords_reach_the_strategy(cls: Any) -> None:
    """name, clock and guards given as keywords are what the strategy reports and runs with."""
    clock = FakeClock(5.0)
    ex = cls(name="mine", clock=clock, sleep=clock.sleep, asleep=clock.asleep, guards=Guards())
    try:
        assert ex.name == "mine"
        (r,) = ex.run([ToolCall("c0", "t")], {"t": lambda **_: 1})
        assert (r.status, r.value, r.start, r.end) == ("ok", 1, 5.0, 5.0)
    finally:
        ex.close()


@pytest.mark.parametrize("cls", STRATEGIES)
def test_default_name_and_unknown_keyword(cls: Any) -> None:
    """Without ``name`` a strategy is filed under its own name; a misspelt keyword is refused, named."""
    ex = cls()
    assert ex.name and ex.name == cls().name
    ex.close()
    with pytest.raises(TypeError, match="gaurds"):
        cls(gaurds=Guards())


@pytest.mark.parametrize(
    ("build", "text"),
    [
        (lambda: Threaded(max_workers=0), "max_workers must be >= 1, got 0"),
        (lambda: AsyncioExecutor(max_concurrency=0), "max_concurrency must be >= 1 or None"),
        (lambda: Batched(batch_size=0), "batch_size must be >= 1 or None"),
        (lambda: Batched(limiter="fast"), "limiter must be 'exact' or 'doc'"),
        (lambda: Dag(max_workers=0), "max_workers must be >= 1 or None"),
    ],
)
def test_bad_parameters_are_refused_naming_them(build: Any, text: str) -> None:
    """Each strategy's own parameter is checked when it is built, with the parameter's name."""
    with pytest.raises(ValueError, match=text):
        build()


def test_dag_with_k_workers_never_has_more_than_k_calls_in_flight() -> None:
    """dag@1 runs a diamond one call at a time: the caller's thread is not an extra worker."""
    import threading
    import time

    from executors import Dag, ToolCall

    lock, now, peak = threading.Lock(), [0], [0]

    def tool(**_: object) -> str:
        with lock:
            now[0] += 1
            peak[0] = max(peak[0], now[0])
        time.sleep(0.01)
        with lock:
            now[0] -= 1
        return "ok"

    calls = [
        ToolCall("a", "t", {}),
        ToolCall("b", "t", {}, after=("a",)),
        ToolCall("c", "t", {}, after=("a",)),
        ToolCall("d", "t", {}, after=("b", "c")),
    ]
    for k in (1, 2):
        ex = Dag(max_workers=k)
        try:
            peak[0] = 0
            assert [r.status for r in ex.run(calls, {"t": tool})] == ["ok"] * 4
            assert peak[0] <= k
        finally:
            ex.close()
