"""A virtual-time event loop: timers fire in order at exact FakeClock times, and no test waits for real."""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tests.conftest import FakeClock

T = TypeVar("T")


class _JumpingSelector(selectors.SelectSelector):
    """Where a real loop would block until its next timer, move the clock to that timer instead."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self._clock = clock

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is None:
            raise RuntimeError("virtual loop: nothing scheduled and nothing ready (a deadlock)")
        self._clock.sleep(timeout)
        return super().select(0)


def run_virtual(main: Callable[[], Awaitable[T]], clock: FakeClock) -> T:
    """Run ``main()`` on a loop whose ``time()`` is ``clock`` and whose idle waits jump the clock."""
    loop = asyncio.SelectorEventLoop(_JumpingSelector(clock))
    loop.time = clock  # type: ignore[method-assign]
    try:
        return loop.run_until_complete(main())
    finally:
        loop.close()
