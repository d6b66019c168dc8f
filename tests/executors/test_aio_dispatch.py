"""The asyncio executor's fast paths keep the contract: one result per call, in call order."""

from __future__ import annotations

from typing import Any

import pytest

from executors import AsyncioExecutor, ToolCall


class Echo:
    """Returns its argument, sync and async; ``boom`` fails."""

    def __call__(self, *, x: int = 0, boom: bool = False) -> int:
        if boom:
            raise RuntimeError("boom")
        return x

    async def acall(self, **kw: Any) -> int:
        return self(**kw)


def plain(*, x: int = 0) -> int:
    """A sync-only tool: runs in the executor's thread pool."""
    return -x


@pytest.mark.parametrize("bound", [None, 2])
def test_one_result_per_call_in_order(bound: int | None) -> None:
    """Mixed async, sync-only, failing and unknown tools: results line up with calls, whatever the bound."""
    calls = [ToolCall(f"c{i}", "echo", {"x": i}) for i in range(20)]
    calls += [ToolCall("p", "plain", {"x": 3}), ToolCall("b", "echo", {"boom": True}), ToolCall("u", "nope")]
    ex = AsyncioExecutor(max_concurrency=bound)
    try:
        results = ex.run(calls, {"echo": Echo(), "plain": plain})
        again = ex.run(calls, {"echo": Echo(), "plain": plain})  # the persistent loop serves a second turn
    finally:
        ex.close()
    for rs in (results, again):
        assert [r.call for r in rs] == calls
        assert [r.value for r in rs[:21]] == [*range(20), -3]
        assert (rs[21].status, rs[21].error) == ("error", "RuntimeError: boom")
        assert rs[22].status == "error" and "unknown tool" in (rs[22].error or "")
