"""Running many calls at once: a light task group, and garbage collection paused while a wide turn runs.

``all_of`` keeps what matters of ``asyncio.TaskGroup`` — results in order, a failing task (a bug: a tool's
failure is a result, not an exception) cancels the others, and when it returns or is cancelled no task of
the turn is left running — without what a TaskGroup pays per task: a bound ``_on_task_done`` method and a
set entry (~130 bytes a call at 10,000 concurrent calls); here one shared callback, in one shared context,
counts the tasks down.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import threading
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar

T = TypeVar("T")

#: a fan-out of at least this many calls runs with automatic garbage collection paused (see ``gc_paused``)
GC_PAUSE_CALLS = 500


async def all_of(coros: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    """Run every coroutine as a task; their results in order, or the first failure once none is running."""
    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(c) for c in coros]
    if not tasks:
        return []
    done = loop.create_future()
    left = len(tasks)
    failed: list[BaseException] = []

    def count(t: asyncio.Task[T]) -> None:
        nonlocal left
        left -= 1
        exc = None if t.cancelled() else t.exception()  # reading it also marks it retrieved
        if exc is not None:
            failed.append(exc)
        if (left == 0 or failed) and not done.done():
            done.set_result(None)

    ctx = contextvars.copy_context()  # one for all: without it each callback copies the context anew
    for t in tasks:
        t.add_done_callback(count, context=ctx)
    try:
        await done
    finally:
        if left:  # cancelled, or a task failed: the rest end before this returns
            for t in tasks:
                t.cancel()
            await asyncio.wait(tasks)
    if failed:
        raise failed[0]
    return [t.result() for t in tasks]


class _GcPause:
    """Automatic garbage collection off while any wide fan-out runs, back on (if it was on) when the last
    one of the process ends; a class rather than a generator context manager, which costs µs per turn."""

    __slots__ = ()
    _lock = threading.Lock()
    _depth = 0
    _was_enabled = False

    def __enter__(self) -> None:
        with self._lock:
            if _GcPause._depth == 0:
                _GcPause._was_enabled = gc.isenabled()
                gc.disable()
            _GcPause._depth += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            _GcPause._depth -= 1
            if _GcPause._depth == 0 and _GcPause._was_enabled:
                gc.enable()


_PAUSE = _GcPause()
_NO_PAUSE = contextlib.nullcontext()


def gc_paused(calls: int) -> contextlib.AbstractContextManager[None]:
    """GC paused for a fan-out of ``GC_PAUSE_CALLS`` or more calls. A wide turn allocates tens of thousands
    of tracked objects at once (tasks, coroutines, futures, results), and the collections they trigger scan
    the whole heap again and again; reference counting frees a turn's objects either way. A narrow turn
    triggers few collections and is left alone: a long run of them must not starve the collector."""
    return _PAUSE if calls >= GC_PAUSE_CALLS else _NO_PAUSE
