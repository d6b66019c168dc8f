"""The framework executor's own part, with a stand-in adapter (no framework needed): results in call order
whatever order the framework runs them in, a call never run says so, a failed framework turn keeps what ran,
and the zero-overhead prediction ignores quotas (a framework knows none)."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from bench.run.frameworks import Delivered, FrameworkExecutor, WrappedTool
from executors import PlannedWork, Quota, ToolCall


class Reversed:
    """Runs the calls last to first, skipping ``skip``; raises after them when ``fail`` is set."""

    dist = "none"

    def __init__(self, skip: str = "", fail: bool = False) -> None:
        self.skip, self.fail, self.prepared = skip, fail, 0

    def prepare(self, tools: Mapping[str, WrappedTool]) -> Any:
        self.prepared += 1
        return tools

    def dispatch(self, prepared: Any, calls: Sequence[ToolCall]) -> list[Delivered]:
        out = []
        for c in reversed(calls):
            if c.id != self.skip:
                out.append(Delivered(c.id, str(prepared[c.name].sync(**c.args))))
        if self.fail:
            raise RuntimeError("the framework gave up")
        return out

    def close(self) -> None:
        pass


def _calls(n: int) -> list[ToolCall]:
    return [ToolCall(f"c{i}", "api", {"request_id": f"c{i}"}) for i in range(n)]


def _api(*, request_id: str) -> str:
    return request_id.upper()


def test_results_keep_call_order_and_a_skipped_call_says_so() -> None:
    """Results come back in call order; a call the framework never ran is an error saying so."""
    ex = FrameworkExecutor("fw", Reversed(skip="c1"), workers=None)
    got = ex.run(_calls(3), {"api": _api})
    assert [(r.call.id, r.status, r.value) for r in got] == [
        ("c0", "ok", "C0"),
        ("c1", "error", None),
        ("c2", "ok", "C2"),
    ]
    assert got[1].error == "the framework never invoked this call" and got[1].attempts == 0
    assert ex.last.invocations == {"c0": 1, "c2": 1} and ex.last.peak == 1


def test_a_failed_framework_turn_keeps_what_ran() -> None:
    """The framework's exception is the turn's error; the calls that ran keep their results."""
    ex = FrameworkExecutor("fw", Reversed(fail=True), workers=None)
    got = ex.run(_calls(2), {"api": _api})
    assert [r.status for r in got] == ["ok", "ok"]
    assert ex.last.error == "RuntimeError: the framework gave up"


def test_the_framework_objects_are_built_once_per_tool_set() -> None:
    """Turns with the same tools reuse the framework's objects; fresh tool objects each turn are fine."""
    adapter = Reversed()
    ex = FrameworkExecutor("fw", adapter, workers=None)
    for _ in range(3):
        fresh = functools.partial(_api)  # a new tool object each turn, as a run's toolbox is
        ex.run(_calls(2), {"api": fresh})
    assert adapter.prepared == 1


def test_predict_ignores_quotas() -> None:
    """A framework paces nothing: its ideal is the plan's, unpaced by the quota (as ``-naive``)."""
    work = [PlannedWork(f"c{i}", "api", 0.1) for i in range(4)]
    quota = Quota("q", ((1, 1.0),), ("api",))
    assert FrameworkExecutor("fw", Reversed(), workers=None).predict(work, quotas=[quota]) == 0.1
    assert FrameworkExecutor("fw", Reversed(), workers=1).predict(work, quotas=[quota]) == 0.4
