"""Ending the process in bounded time, whatever threads a tool left behind.

A tool may start a non-daemon thread and never stop it, or hang in a pool worker when the run is
interrupted; the interpreter's exit would then wait for it forever (a run that completed but never exited;
SIGTERM with no exit after 15 s). Every file is closed by the time a command returns, so the process says
in one line what it leaves behind and ends without joining them.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

from bench.cli._args import EXIT_INTERRUPTED

#: after an interrupt, how long the run may take to write run.json and close before the process ends anyway
STOP_GRACE_S = 10.0


def flush_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader gone (`| head`) or a stream closed
            stream.flush()


def leave(code: int) -> None:
    """Exit with ``code``; when threads that are not daemons still run, say so in one line and exit without
    waiting for them (the interpreter would join them first)."""
    if "bench.run._session" in sys.modules:  # only when a run used it: --help and list stay light
        from bench.run import close_shared_loop

        close_shared_loop()
    left = [
        t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()
    ]
    if not left:
        sys.exit(code)
    names = ", ".join(sorted({t.name for t in left}))
    print(
        f"pfcbench: {len(left)} thread(s) still running at exit, started by a tool or a library ({names}); "
        "exiting without them",
        file=sys.stderr,
    )
    flush_streams()
    os._exit(code)


def _give_up() -> None:
    print(
        f"pfcbench: still stopping {STOP_GRACE_S:g} s after the interrupt (a tool does not return); "
        "exiting without it",
        file=sys.stderr,
    )
    flush_streams()
    os._exit(EXIT_INTERRUPTED)


_armed = threading.Lock()


def arm_stop_watchdog() -> None:
    """From an interrupt on: end the process ``STOP_GRACE_S`` later if it is still running (once)."""
    if not _armed.acquire(blocking=False):
        return
    timer = threading.Timer(STOP_GRACE_S, _give_up)
    timer.daemon = True
    timer.start()
