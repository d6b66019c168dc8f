"""Signals as the user means them: SIGTERM (a plain ``kill``, a CI runner's cancel) is Ctrl-C, so a run
stopped either way leaves run.json ``interrupted``, its files valid and a line saying how to resume."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType


def _interrupt(signum: int, frame: FrameType | None) -> None:
    del signum, frame
    from bench.cli._exit import arm_stop_watchdog

    arm_stop_watchdog()  # a hung tool must not keep the process alive: the exit comes in bounded time
    raise KeyboardInterrupt


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Inside: SIGTERM (and SIGINT) raise KeyboardInterrupt in the main thread and start the stop watchdog
    (``bench.cli._exit``); the old handlers are back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread (an embedding test's worker)
        return
    old = signal.signal(signal.SIGTERM, _interrupt)
    old_int = signal.signal(signal.SIGINT, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)
        signal.signal(signal.SIGINT, old_int)
