"""The adaptive executor's later attempts are recorded (start and status of each), so a 429 it retried is
counted as a 429, not as a start over quota (issue 24 item 7: 160 such "starts" in a run where every call
ended ok)."""

from __future__ import annotations

from typing import Any

from executors import Adaptive, ToolCall


class _Refused(Exception):
    call_status = "rate_limited"
    retry_after = 0.0


class _Clock:
    """A fake clock that a fake sleep advances; each reading also moves it on 1 ms."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        self.now += 0.001
        return self.now

    def sleep(self, s: float) -> None:
        self.now += s


def test_a_retried_429_is_recorded_as_a_refused_attempt() -> None:
    """Two 429s then an answer: three attempts, each start and status kept in turn, the first at the
    call's start."""
    refusals = iter([True, True])

    def tool(**_: Any) -> str:
        if next(refusals, False):
            raise _Refused("429")
        return "ok"

    clock = _Clock()
    ex = Adaptive(initial=1.0, max_workers=1, clock=clock, sleep=clock.sleep)
    try:
        (r,) = ex.run([ToolCall("c0", "t")], {"t": tool})
    finally:
        ex.close()
    assert (r.status, r.attempts) == ("ok", 3)
    assert [st for _, st in r.tries] == ["rate_limited", "rate_limited", "ok"]
    starts = [t for t, _ in r.tries]
    assert starts == sorted(starts) and starts[0] == r.start


def test_one_attempt_records_no_list() -> None:
    """A call answered at once keeps the compact result: no attempt list, its start is ``start``."""
    ex = Adaptive(initial=1.0, max_workers=1)
    try:
        (r,) = ex.run([ToolCall("c0", "t")], {"t": lambda: 1})
    finally:
        ex.close()
    assert (r.status, r.tries) == ("ok", ())
