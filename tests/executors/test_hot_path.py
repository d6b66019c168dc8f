"""The hot path's shortcuts keep the contract: cheap immutable results, no turn state or RNG for a plain
turn, garbage collection restored after a wide turn, and a task group that leaves nothing running."""

from __future__ import annotations

import asyncio
import gc
import random
from typing import Any

import pytest

from executors import AsyncioExecutor, CallResult, Guards, Sequential, Threaded, ToolCall, open_turn
from executors._group import GC_PAUSE_CALLS, all_of


def test_call_result_is_an_immutable_record() -> None:
    """CallResult keeps its fields, defaults, ``ok`` and equality, and refuses assignment."""
    call = ToolCall("c0", "t")
    r = CallResult(call, "ok", 3, None, 1.0, 2.0)
    assert (r.attempts, r.wait, r.retry_after, r.ok) == (1, 0.0, None, True)
    assert r == CallResult(call, "ok", 3, None, 1.0, 2.0) and "status='ok'" in repr(r)
    with pytest.raises(AttributeError):
        r.status = "error"  # type: ignore[misc]


def test_plain_turn_opens_no_turn_state_and_no_rng(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without guards or ``after`` no Turn (lock, results, random.Random) is built; with either, one is."""

    def no_rng(*_: Any) -> None:
        raise AssertionError("a plain turn built a random.Random")

    monkeypatch.setattr(random, "Random", no_rng)
    calls = [ToolCall(f"c{i}", "t", {"x": i}) for i in range(5)]
    assert open_turn(calls, None, lambda: 0.0) is None
    assert open_turn(calls, Guards(), lambda: 0.0) is None
    for ex in (Sequential(), Threaded(), AsyncioExecutor()):
        assert [r.value for r in ex.run(calls, {"t": lambda x: x})] == list(range(5))
        ex.close()
    monkeypatch.undo()
    assert open_turn(calls, Guards(timeout_s=1.0), lambda: 0.0) is not None
    assert open_turn([*calls, ToolCall("d", "t", {}, ("c0",))], None, lambda: 0.0) is not None


@pytest.mark.parametrize("make", [Threaded, AsyncioExecutor])
@pytest.mark.parametrize("enabled", [True, False])
def test_gc_paused_during_a_wide_turn_and_restored(make: Any, enabled: bool) -> None:
    """A turn of GC_PAUSE_CALLS calls runs with automatic GC off; afterwards GC is as it was before."""
    seen: list[bool] = []
    tools = {"t": lambda: seen.append(gc.isenabled())}
    ex = make()
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        ex.run([ToolCall(f"c{i}", "t") for i in range(GC_PAUSE_CALLS)], tools)
        assert not any(seen) and gc.isenabled() is enabled
        seen.clear()
        ex.run([ToolCall("c0", "t")], tools)  # a narrow turn leaves GC alone
        assert seen == [enabled]
    finally:
        gc.enable() if was else gc.disable()
        ex.close()


def _slow(started: list[asyncio.Task[Any]]) -> Any:
    async def slow() -> int:
        started.append(asyncio.current_task())  # type: ignore[arg-type]
        await asyncio.sleep(10)
        return 1

    return slow


def test_task_group_cancels_the_rest_when_a_task_fails() -> None:
    """A task that raises (a bug, not a tool failure) cancels its siblings; none is left running."""
    started: list[asyncio.Task[Any]] = []
    slow = _slow(started)

    async def bad() -> int:
        await asyncio.sleep(0)
        raise RuntimeError("bug")

    async def main() -> None:
        with pytest.raises(RuntimeError, match="bug"):
            await all_of([slow(), bad(), slow()])
        assert len(started) == 2 and all(t.cancelled() for t in started)

    asyncio.run(main())


def test_task_group_cancelled_from_outside_leaves_nothing_running() -> None:
    """Cancelling the awaiting task cancels and awaits every task of the group."""
    started: list[asyncio.Task[Any]] = []
    slow = _slow(started)

    async def main() -> None:
        outer = asyncio.get_running_loop().create_task(all_of([slow() for _ in range(3)]))
        await asyncio.sleep(0.01)
        outer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await outer
        assert len(started) == 3 and all(t.done() for t in started)

    asyncio.run(main())
    assert asyncio.run(all_of([])) == []
