"""One writer per run directory: an exclusive, non-blocking ``flock`` on ``OUT/.lock`` held for the run.

Two runs on one ``--out`` at once both exited 0 and left 180 records of 2 run ids in one results.jsonl. The
second writer is now refused in one line naming the holder. The lock belongs to the open file, so it goes
with the process however it ends (kill -9 included): no stale lock to clear by hand.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

LOCK_NAME = ".lock"


class OutLocked(ValueError):
    """Another process holds the run directory."""


@contextlib.contextmanager
def out_lock(out: Path) -> Iterator[None]:
    """Hold ``out``'s lock inside; raise ``OutLocked`` (one line) when another process holds it."""
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
            raise OutLocked(
                f"`out` {out}: another pfcbench process (pid {holder}) is writing there; wait for it to end "
                "or choose another `out`"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
